// accordctl policy list|get|set|delete|reset|apply: the contract enforcement policies of a
// running broker (docs/enforcement.md, docs/operations.md).
#include <toml++/toml.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "cli.hpp"

namespace accordctl {

namespace json = boost::json;

namespace {

const char* const kPolicies = "/accord/v1/policies";

std::string read_policy_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Failure{kUsage, "cannot read policy file '" + path + "': " + std::strerror(errno)};
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

json::value parse_json_file(const std::string& path) {
  const std::string text = read_policy_file(path);
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) throw Failure{kUsage, "policy file '" + path + "' is not valid JSON: " + ec.message()};
  return v;
}

std::optional<json::value> toml_to_json(const toml::node& node, std::string& error) {
  if (auto s = node.as_string()) return json::value(s->get());
  if (auto i = node.as_integer()) return json::value(i->get());
  if (auto b = node.as_boolean()) return json::value(b->get());
  if (auto f = node.as_floating_point()) return json::value(f->get());
  if (auto a = node.as_array()) {
    json::array out;
    for (const auto& item : *a) {
      auto v = toml_to_json(item, error);
      if (!v) return std::nullopt;
      out.push_back(std::move(*v));
    }
    return json::value(std::move(out));
  }
  if (auto t = node.as_table()) {
    json::object out;
    for (const auto& [k, v] : *t) {
      auto value = toml_to_json(v, error);
      if (!value) return std::nullopt;
      out[k.str()] = std::move(*value);
    }
    return json::value(std::move(out));
  }
  const auto& where = node.source().begin;
  error = "line " + std::to_string(where.line) + ": dates and times are not policy values";
  return std::nullopt;
}

// The policy array of a file: TOML ([[policies]] tables, as in the broker's config file, other
// keys ignored) or JSON ({"policies": [...]}, as `policy list -o json` prints it, or [...]).
json::array policies_from_file(const std::string& path) {
  const bool is_toml = path.size() > 5 && path.compare(path.size() - 5, 5, ".toml") == 0;
  json::value doc;
  if (is_toml) {
    const std::string text = read_policy_file(path);
    toml::table table;
    try {
      table = toml::parse(text, path);
    } catch (const toml::parse_error& e) {
      throw Failure{kUsage, "policy file '" + path + "' line " + std::to_string(e.source().begin.line) +
                                ": " + std::string(e.description())};
    }
    const toml::node* node = table.get("policies");
    if (!node) return {};  // no [[policies]]: the empty set
    if (!node->is_array_of_tables() && !(node->is_array() && node->as_array()->empty()))
      throw Failure{kUsage, "policy file '" + path + "': policies must be [[policies]] tables"};
    std::string error;
    auto v = toml_to_json(*node, error);
    if (!v) throw Failure{kUsage, "policy file '" + path + "' " + error};
    doc = std::move(*v);
  } else {
    doc = parse_json_file(path);
    if (auto* o = doc.if_object()) {
      auto* list = o->if_contains("policies");
      if (!list) throw Failure{kUsage, "policy file '" + path + "': expected {\"policies\": [...]}"};
      doc = *list;
    }
  }
  if (!doc.is_array()) throw Failure{kUsage, "policy file '" + path + "': policies must be an array"};
  return doc.as_array();
}

std::string list_text(const json::value* v) {
  if (!v || !v->is_array() || v->as_array().empty()) return "-";
  std::string out;
  for (const auto& item : v->as_array()) out += (out.empty() ? "" : ",") + cell(item);
  return out;
}

void print_policy_table(const json::object& body) {
  std::cout << "source: " << cell(body.at("source")) << '\n';
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : body.at("policies").as_array()) {
    const auto& o = p.as_object();
    rows.push_back({cell(o.at("name")), cell(o.at("topic_filter")), cell(o.at("action")),
                    cell(o.at("validate_data")), cell(o.at("dry_run")), list_text(o.if_contains("allowed_types"))});
  }
  print_table({"NAME", "TOPIC FILTER", "ACTION", "VALIDATE", "DRY RUN", "TYPES"}, rows);
}

void print_policy(const json::object& p) {
  json::object fields = p;
  fields["content_modes"] = list_text(p.if_contains("content_modes"));
  fields["allowed_types"] = list_text(p.if_contains("allowed_types"));
  if (const auto* t = p.if_contains("dead_letter_topic"); t && t->is_string() && t->as_string().empty())
    fields["dead_letter_topic"] = "-";
  static const Row rows[] = {{"name", "name"},
                             {"topic_filter", "topic filter"},
                             {"require_cloudevents", "cloudevents"},
                             {"content_modes", "content modes"},
                             {"allowed_types", "allowed types"},
                             {"validate_data", "validate data"},
                             {"max_payload_bytes", "max payload"},
                             {"action", "action"},
                             {"dead_letter_topic", "dead letters"},
                             {"dry_run", "dry run"},
                             {"subject_strategy", "subject from"},
                             {"version_selection", "version"},
                             {"reject_without_ack", "reject w/o ack"}};
  print_fields(fields, rows);
}

int show(const Context& ctx, const json::value& v, bool is_list) {
  if (ctx.json()) std::cout << json::serialize(v) << '\n';
  else if (is_list) print_policy_table(v.as_object());
  else print_policy(v.as_object());
  return kOk;
}

// `policy set` flags: each one given replaces that key; the others keep the policy's current
// value (or the default for a new policy).
struct SetArgs {
  std::string name, file;
  std::optional<std::string> topic_filter, action, dead_letter_topic, subject_strategy, version_selection,
      reject_without_ack;
  std::optional<std::uint64_t> max_payload_bytes;
  std::vector<std::string> content_modes, allowed_types;
  bool clear_types = false;
  int validate_data = 0, dry_run = 0, require_cloudevents = 0;  // CLI11 flag counts: >0 on, <0 off
};

template <class T>
void opt(CLI::App* cmd, const char* flag, std::optional<T>& target, const char* help) {
  cmd->add_option_function<T>(flag, [&target](const T& v) { target = v; }, help);
}

}  // namespace

void add_policy_commands(CLI::App& app, Context& ctx) {
  auto* policy = app.add_subcommand("policy", "contract enforcement policies of the broker")->require_subcommand(1);
  policy->fallthrough();

  policy->add_subcommand("list", "every policy, in the order they are matched")->callback([&ctx] {
    ctx.action = [&ctx] { return show(ctx, request(ctx, "GET", kPolicies), true); };
  });

  auto get_name = std::make_shared<std::string>();
  auto* get = policy->add_subcommand("get", "one policy with every key");
  get->add_option("NAME", *get_name, "policy name")->required();
  get->callback([&ctx, get_name] {
    ctx.action = [&ctx, get_name] {
      return show(ctx, request(ctx, "GET", std::string(kPolicies) + "/" + path_segment(*get_name)), false);
    };
  });

  auto a = std::make_shared<SetArgs>();
  auto* set = policy->add_subcommand(
      "set", "create (matched last) or change a policy: --file F.json with the whole policy, or flags for "
             "the keys to change");
  set->add_option("NAME", a->name, "policy name")->required();
  auto* file = set->add_option("--file", a->file, "JSON file with the policy object (every key not given takes its default)");
  std::vector<CLI::Option*> flags;
  opt(set, "--topic-filter", a->topic_filter, "MQTT topic filter");
  opt(set, "--action", a->action, "reject, dead-letter, drop or log-only");
  opt(set, "--dead-letter-topic", a->dead_letter_topic, "topic for dead-letter");
  opt(set, "--subject-strategy", a->subject_strategy, "type, topic or topic-type");
  opt(set, "--version-selection", a->version_selection, "latest or any");
  opt(set, "--reject-without-ack", a->reject_without_ack, "drop or disconnect");
  opt(set, "--max-payload-bytes", a->max_payload_bytes, "0: no limit");
  set->add_option("--content-modes", a->content_modes, "structured, binary, protobuf (replaces the list)")
      ->delimiter(',');
  set->add_option("--allowed-types", a->allowed_types, "event types, a trailing * matches a prefix (replaces the list)")
      ->delimiter(',');
  set->add_flag("--any-type", a->clear_types, "allow every event type (empty allowed_types)");
  set->add_flag("--validate-data,!--no-validate-data", a->validate_data, "validate data against the registry");
  set->add_flag("--dry-run,!--no-dry-run", a->dry_run, "evaluate and count only");
  set->add_flag("--require-cloudevents,!--no-require-cloudevents", a->require_cloudevents,
                "publishes that are no CloudEvent fail");
  for (const char* name : {"--topic-filter", "--action", "--dead-letter-topic", "--subject-strategy",
                           "--version-selection", "--reject-without-ack", "--max-payload-bytes", "--content-modes",
                           "--allowed-types", "--any-type", "--validate-data", "--dry-run", "--require-cloudevents"})
    flags.push_back(set->get_option(name));
  for (auto* f : flags) file->excludes(f);
  set->callback([&ctx, a] {
    ctx.action = [&ctx, a] {
      const std::string path = std::string(kPolicies) + "/" + path_segment(a->name);
      json::object body;
      if (!a->file.empty()) {
        auto doc = parse_json_file(a->file);
        if (!doc.is_object()) throw Failure{kUsage, "policy file '" + a->file + "': expected a JSON object"};
        body = doc.as_object();
      } else {
        auto current = call(ctx, "GET", path);
        if (current.status == 404) {
          if (!a->topic_filter) throw Failure{kUsage, "policy '" + a->name + "' is new: --topic-filter is required"};
        } else {
          check(current);
          body = current.body.as_object();
        }
        auto put = [&body](const char* key, const auto& v) {
          if (v) body[key] = *v;
        };
        put("topic_filter", a->topic_filter);
        put("action", a->action);
        put("dead_letter_topic", a->dead_letter_topic);
        put("subject_strategy", a->subject_strategy);
        put("version_selection", a->version_selection);
        put("reject_without_ack", a->reject_without_ack);
        put("max_payload_bytes", a->max_payload_bytes);
        auto strings = [](const std::vector<std::string>& v) {
          json::array out;
          for (const auto& s : v) out.push_back(json::string(s));
          return out;
        };
        if (!a->content_modes.empty()) body["content_modes"] = strings(a->content_modes);
        if (!a->allowed_types.empty()) body["allowed_types"] = strings(a->allowed_types);
        if (a->clear_types) body["allowed_types"] = json::array{};
        if (a->validate_data) body["validate_data"] = a->validate_data > 0;
        if (a->dry_run) body["dry_run"] = a->dry_run > 0;
        if (a->require_cloudevents) body["require_cloudevents"] = a->require_cloudevents > 0;
      }
      body["name"] = a->name;
      auto r = call(ctx, "PUT", path, json::serialize(body));
      check(r);
      if (!ctx.json()) std::cout << (r.status == 201 ? "created" : "changed") << " policy " << a->name << '\n';
      return show(ctx, r.body, false);
    };
  });

  auto del_name = std::make_shared<std::string>();
  auto* del = policy->add_subcommand("delete", "remove a policy");
  del->add_option("NAME", *del_name, "policy name")->required();
  del->callback([&ctx, del_name] {
    ctx.action = [&ctx, del_name] {
      auto r = request(ctx, "DELETE", std::string(kPolicies) + "/" + path_segment(*del_name));
      if (ctx.json()) std::cout << json::serialize(r) << '\n';
      else std::cout << "deleted policy " << *del_name << '\n';
      return static_cast<int>(kOk);
    };
  });

  policy->add_subcommand("reset", "back to the config file's policies")->callback([&ctx] {
    ctx.action = [&ctx] { return show(ctx, request(ctx, "POST", std::string(kPolicies) + "/reset"), true); };
  });

  auto apply_file = std::make_shared<std::string>();
  auto* apply = policy->add_subcommand(
      "apply", "replace the whole set atomically from a file: TOML ([[policies]] as in the config file) or "
               "JSON ({\"policies\": [...]})");
  apply->add_option("FILE", *apply_file, "*.toml or *.json")->required();
  apply->callback([&ctx, apply_file] {
    ctx.action = [&ctx, apply_file] {
      auto policies = policies_from_file(*apply_file);
      auto r = request(ctx, "PUT", kPolicies, json::serialize(json::object{{"policies", std::move(policies)}}));
      return show(ctx, r, true);
    };
  });
}

}  // namespace accordctl
