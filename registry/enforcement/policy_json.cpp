#include "registry/enforcement/policy_json.hpp"

#include <set>
#include <string_view>

#include <boost/json.hpp>

namespace accord::enforcement {

namespace json = boost::json;

namespace {

template <class Enum>
struct Spelling {
  const char* text;
  Enum value;
};

constexpr Spelling<ContentMode> kModes[] = {{"structured", ContentMode::StructuredJson},
                                            {"binary", ContentMode::Mqtt5Binary},
                                            {"protobuf", ContentMode::Protobuf}};
constexpr Spelling<FailureAction> kActions[] = {{"reject", FailureAction::Reject},
                                                {"dead-letter", FailureAction::DeadLetter},
                                                {"drop", FailureAction::Drop},
                                                {"log-only", FailureAction::LogOnly}};
constexpr Spelling<SubjectStrategy> kStrategies[] = {{"type", SubjectStrategy::Type},
                                                     {"topic", SubjectStrategy::Topic},
                                                     {"topic-type", SubjectStrategy::TopicType}};
constexpr Spelling<VersionSelection> kSelections[] = {{"latest", VersionSelection::Latest},
                                                      {"any", VersionSelection::AnyRegistered}};
constexpr Spelling<UnackedReject> kUnacked[] = {{"drop", UnackedReject::Drop},
                                                {"disconnect", UnackedReject::Disconnect}};

template <class Enum, std::size_t N>
const char* spell(const Spelling<Enum> (&table)[N], Enum value) {
  for (const auto& s : table)
    if (s.value == value) return s.text;
  return "?";
}

template <class Enum, std::size_t N>
std::string choices(const Spelling<Enum> (&table)[N]) {
  std::string out;
  for (const auto& s : table) out += (out.empty() ? "" : ", ") + std::string(s.text);
  return out;
}

// Reads one key of a policy object; each returns false with `error` set.
class Reader {
 public:
  Reader(const json::object& o, std::string& error) : o_(o), error_(error) {}

  bool text(std::string_view key, std::string& out) {
    const json::value* v = o_.if_contains(key);
    if (!v) return true;
    if (!v->is_string()) return fail(key, "must be a string");
    out = std::string(v->get_string());
    return true;
  }
  bool flag(std::string_view key, bool& out) {
    const json::value* v = o_.if_contains(key);
    if (!v) return true;
    if (!v->is_bool()) return fail(key, "must be true or false");
    out = v->get_bool();
    return true;
  }
  bool size(std::string_view key, std::size_t& out) {
    const json::value* v = o_.if_contains(key);
    if (!v) return true;
    if (v->is_int64() && v->get_int64() >= 0) out = static_cast<std::size_t>(v->get_int64());
    else if (v->is_uint64()) out = static_cast<std::size_t>(v->get_uint64());
    else return fail(key, "must be a non-negative integer");
    return true;
  }
  bool texts(std::string_view key, std::vector<std::string>& out) {
    const json::value* v = o_.if_contains(key);
    if (!v) return true;
    if (!v->is_array()) return fail(key, "must be an array of strings");
    out.clear();
    for (const auto& item : v->get_array()) {
      if (!item.is_string()) return fail(key, "must be an array of strings");
      out.emplace_back(item.get_string());
    }
    return true;
  }
  template <class Enum, std::size_t N>
  bool one_of(std::string_view key, const Spelling<Enum> (&table)[N], Enum& out) {
    const json::value* v = o_.if_contains(key);
    if (!v) return true;
    if (v->is_string())
      for (const auto& s : table)
        if (v->get_string() == s.text) {
          out = s.value;
          return true;
        }
    return fail(key, "must be one of: " + choices(table));
  }
  bool modes(std::string_view key, std::vector<ContentMode>& out) {
    std::vector<std::string> names;
    if (!texts(key, names)) return false;
    if (!o_.if_contains(key)) return true;
    out.clear();
    for (const auto& name : names) {
      bool known = false;
      for (const auto& s : kModes)
        if (name == s.text) {
          known = true;
          if (std::find(out.begin(), out.end(), s.value) == out.end()) out.push_back(s.value);
        }
      if (!known) return fail(key, "'" + name + "' is not one of: " + choices(kModes));
    }
    return true;
  }

 private:
  bool fail(std::string_view key, const std::string& what) {
    error_ = std::string(key) + " " + what;
    return false;
  }
  const json::object& o_;
  std::string& error_;
};

constexpr std::string_view kKeys[] = {
    "name",          "topic_filter",     "require_cloudevents", "content_modes",
    "allowed_types", "validate_data",    "max_payload_bytes",   "action",
    "dead_letter_topic", "dry_run",      "subject_strategy",    "version_selection",
    "reject_without_ack"};

}  // namespace

std::optional<Policy> policy_from_json(const json::value& value, std::string& error) {
  const json::object* o = value.if_object();
  if (!o) {
    error = "a policy must be a JSON object";
    return std::nullopt;
  }
  for (const auto& [key, _] : *o) {
    if (std::find(std::begin(kKeys), std::end(kKeys), std::string_view(key)) == std::end(kKeys)) {
      error = "unknown policy key '" + std::string(key) + "'";
      return std::nullopt;
    }
  }
  Policy p;
  std::string local;
  Reader r(*o, local);
  const bool read = r.text("name", p.name) && r.text("topic_filter", p.topic_filter) &&
                    r.flag("require_cloudevents", p.require_cloudevents) &&
                    r.modes("content_modes", p.allowed_modes) &&
                    r.texts("allowed_types", p.allowed_types) &&
                    r.flag("validate_data", p.validate_data) &&
                    r.size("max_payload_bytes", p.max_payload_bytes) &&
                    r.one_of("action", kActions, p.action) &&
                    r.text("dead_letter_topic", p.dead_letter_topic) &&
                    r.flag("dry_run", p.dry_run) &&
                    r.one_of("subject_strategy", kStrategies, p.subject_strategy) &&
                    r.one_of("version_selection", kSelections, p.version_selection) &&
                    r.one_of("reject_without_ack", kUnacked, p.reject_without_ack);
  if (!read) {
    error = (p.name.empty() ? "policy: " : "policy '" + p.name + "': ") + local;
    return std::nullopt;
  }
  if (auto problem = validate_policy(p); !problem.empty()) {
    error = problem;
    return std::nullopt;
  }
  return p;
}

std::optional<std::vector<Policy>> policies_from_json(const json::value& value,
                                                      std::string& error) {
  const json::array* a = value.if_array();
  if (!a) {
    error = "policies must be a JSON array of policy objects";
    return std::nullopt;
  }
  if (a->size() > kMaxPolicies) {
    error = "policies: " + std::to_string(a->size()) + " policies, more than the limit of " +
            std::to_string(kMaxPolicies);
    return std::nullopt;
  }
  std::vector<Policy> out;
  std::set<std::string> names;
  for (std::size_t i = 0; i < a->size(); ++i) {
    auto p = policy_from_json((*a)[i], error);
    if (!p) {
      error = "policies[" + std::to_string(i) + "]: " + error;
      return std::nullopt;
    }
    if (!names.insert(p->name).second) {
      error = "policies[" + std::to_string(i) + "]: a policy named '" + p->name + "' comes earlier";
      return std::nullopt;
    }
    out.push_back(std::move(*p));
  }
  return out;
}

json::object policy_to_json(const Policy& p) {
  json::object o;
  o["name"] = p.name;
  o["topic_filter"] = p.topic_filter;
  o["require_cloudevents"] = p.require_cloudevents;
  json::array modes;
  for (auto m : p.allowed_modes) modes.emplace_back(spell(kModes, m));
  o["content_modes"] = std::move(modes);
  json::array types;
  for (const auto& t : p.allowed_types) types.emplace_back(t);
  o["allowed_types"] = std::move(types);
  o["validate_data"] = p.validate_data;
  o["max_payload_bytes"] = static_cast<std::uint64_t>(p.max_payload_bytes);
  o["action"] = spell(kActions, p.action);
  o["dead_letter_topic"] = p.dead_letter_topic;
  o["dry_run"] = p.dry_run;
  o["subject_strategy"] = spell(kStrategies, p.subject_strategy);
  o["version_selection"] = spell(kSelections, p.version_selection);
  o["reject_without_ack"] = spell(kUnacked, p.reject_without_ack);
  return o;
}

json::array policies_to_json(const std::vector<Policy>& policies) {
  json::array a;
  for (const auto& p : policies) a.emplace_back(policy_to_json(p));
  return a;
}

}  // namespace accord::enforcement
