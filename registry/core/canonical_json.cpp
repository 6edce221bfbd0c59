#include "registry/core/canonical_json.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace accord::registry {

namespace json = boost::json;

namespace {

void write_canonical(const json::value& v, std::string& out) {
  switch (v.kind()) {
    case json::kind::object: {
      const auto& o = v.get_object();
      std::vector<const json::key_value_pair*> members;
      members.reserve(o.size());
      for (const auto& kv : o) members.push_back(&kv);
      std::sort(members.begin(), members.end(),
                [](auto* a, auto* b) { return a->key() < b->key(); });
      out.push_back('{');
      bool first = true;
      for (auto* kv : members) {
        if (!first) out.push_back(',');
        first = false;
        out += json::serialize(json::value(kv->key()));
        out.push_back(':');
        write_canonical(kv->value(), out);
      }
      out.push_back('}');
      break;
    }
    case json::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out.push_back(',');
        first = false;
        write_canonical(e, out);
      }
      out.push_back(']');
      break;
    }
    case json::kind::double_: {
      // 1.0 and 1 are the same JSON number: print integral doubles as integers.
      const double d = v.get_double();
      if (d == static_cast<double>(static_cast<std::int64_t>(d)) && d > -9e15 && d < 9e15) {
        out += std::to_string(static_cast<std::int64_t>(d));
        break;
      }
      out += json::serialize(v);
      break;
    }
    default:
      out += json::serialize(v);
  }
}

bool scalar_array(const json::array& a) {
  return std::all_of(a.begin(), a.end(), [](const json::value& e) {
    return !e.is_object() && !e.is_array();
  });
}

void diff_into(const json::value& from, const json::value& to, const std::string& path,
               std::vector<JsonChange>& out) {
  if (from.is_object() && to.is_object()) {
    const auto& a = from.get_object();
    const auto& b = to.get_object();
    std::vector<std::string> keys;
    for (const auto& kv : a) keys.emplace_back(kv.key());
    for (const auto& kv : b)
      if (!a.contains(kv.key())) keys.emplace_back(kv.key());
    std::sort(keys.begin(), keys.end());
    for (const auto& k : keys) {
      const std::string p = path + "/" + escape_pointer_token(k);
      const auto* x = a.if_contains(k);
      const auto* y = b.if_contains(k);
      if (x && y)
        diff_into(*x, *y, p, out);
      else if (x)
        out.push_back({"remove", p, *x, nullptr});
      else
        out.push_back({"add", p, nullptr, *y});
    }
    return;
  }
  if (from.is_array() && to.is_array()) {
    const auto& a = from.get_array();
    const auto& b = to.get_array();
    if (a.size() != b.size() && scalar_array(a) && scalar_array(b)) {
      out.push_back({"replace", path, from, to});
      return;
    }
    const std::size_t common = std::min(a.size(), b.size());
    for (std::size_t i = 0; i < common; ++i) diff_into(a[i], b[i], path + "/" + std::to_string(i), out);
    for (std::size_t i = common; i < a.size(); ++i)
      out.push_back({"remove", path + "/" + std::to_string(i), a[i], nullptr});
    for (std::size_t i = common; i < b.size(); ++i)
      out.push_back({"add", path + "/" + std::to_string(i), nullptr, b[i]});
    return;
  }
  if (canonical_json(from) != canonical_json(to)) out.push_back({"replace", path, from, to});
}

}  // namespace

std::string canonical_json(const json::value& value) {
  std::string out;
  write_canonical(value, out);
  return out;
}

std::string escape_pointer_token(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (char c : token) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out.push_back(c);
  }
  return out;
}

std::vector<JsonChange> json_diff(const json::value& from, const json::value& to) {
  std::vector<JsonChange> out;
  diff_into(from, to, "", out);
  return out;
}

}  // namespace accord::registry
