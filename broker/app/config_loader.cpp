#include "broker/app/config_loader.hpp"
#include "broker/app/policy_config.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <sstream>
#include <variant>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <toml++/toml.h>

namespace accord {
namespace {

// ---- the key table: the one place that knows every setting ---------------------------------------

using Value = std::variant<bool, std::int64_t, std::string, std::vector<ListenerConfig>>;
enum class Type { Bool, Int, String, Listeners };

struct Key {
  std::string_view section;  // empty for the top-level "listeners" array
  std::string_view name;
  Type type;
  std::string_view doc;  // one line, shown by --print-config
  std::int64_t min = 0;  // Int only
  std::int64_t max = 0;
  std::vector<std::string_view> choices;  // String only; empty: any text
  std::function<Value(const Config&)> get;
  std::function<void(Config&, const Value&)> set;  // value already checked

  std::string full_name() const {
    return section.empty() ? std::string(name) : fmt::format("{}.{}", section, name);
  }
};

template <class T>
Key int_key(std::string_view section, std::string_view name, T Config::*member, std::int64_t min,
            std::int64_t max, std::string_view doc) {
  static_assert(std::is_integral_v<T>);
  return Key{section, name, Type::Int, doc, min, max, {},
             [member](const Config& c) -> Value { return static_cast<std::int64_t>(c.*member); },
             [member](Config& c, const Value& v) { c.*member = static_cast<T>(std::get<std::int64_t>(v)); }};
}

Key ms_key(std::string_view section, std::string_view name, std::chrono::milliseconds Config::*member,
           std::int64_t min, std::int64_t max, std::string_view doc) {
  return Key{section, name, Type::Int, doc, min, max, {},
             [member](const Config& c) -> Value { return static_cast<std::int64_t>((c.*member).count()); },
             [member](Config& c, const Value& v) {
               c.*member = std::chrono::milliseconds(std::get<std::int64_t>(v));
             }};
}

Key bool_key(std::string_view section, std::string_view name, bool Config::*member, std::string_view doc) {
  return Key{section, name, Type::Bool, doc, 0, 0, {},
             [member](const Config& c) -> Value { return c.*member; },
             [member](Config& c, const Value& v) { c.*member = std::get<bool>(v); }};
}

Key string_key(std::string_view section, std::string_view name, std::string Config::*member,
               std::vector<std::string_view> choices, std::string_view doc) {
  return Key{section, name, Type::String, doc, 0, 0, std::move(choices),
             [member](const Config& c) -> Value { return c.*member; },
             [member](Config& c, const Value& v) { c.*member = std::get<std::string>(v); }};
}

constexpr std::int64_t kU16 = std::numeric_limits<std::uint16_t>::max();
constexpr std::int64_t kU32 = std::numeric_limits<std::uint32_t>::max();
constexpr std::int64_t kI64 = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kHour = 3'600'000;

const std::vector<Key>& keys() {
  static const std::vector<Key> table = [] {
    std::vector<Key> t;
    t.push_back(Key{"", "listeners", Type::Listeners,
                    "TCP listeners, one [[listeners]] table each: address (IP literal) and port (0: any free port)",
                    0, 0, {},
                    [](const Config& c) -> Value { return c.listeners; },
                    [](Config& c, const Value& v) { c.listeners = std::get<std::vector<ListenerConfig>>(v); }});
    // [server]
    t.push_back(string_key("server", "port_file", &Config::port_file, {},
                           "file written once all listeners are bound, one \"address port\" line each (empty: none)"));
    t.push_back(int_key("server", "io_threads", &Config::io_threads, 0, 1024,
                        "network I/O threads (0: one per CPU core)"));
    t.push_back(int_key("server", "max_connections", &Config::max_connections, 1, kU32,
                        "open client connections; further TCP connections are refused"));
    t.push_back(ms_key("server", "connect_timeout_ms", &Config::connect_timeout, 1, kHour,
                       "time from TCP accept until CONNECT must have arrived"));
    t.push_back(int_key("server", "max_connections_per_address", &Config::max_connections_per_address, 0,
                        kU32, "open connections from one source IP address (0: unlimited)"));
    t.push_back(int_key("server", "connect_rate_per_address", &Config::connect_rate_per_address, 0, kU32,
                        "new connections per second from one source IP address, same burst (0: unlimited)"));
    t.push_back(ms_key("server", "idle_timeout_ms", &Config::idle_timeout, 0, 24 * kHour,
                       "close a client that sent nothing for this long, whatever its keep-alive (0: off)"));
    t.push_back(ms_key("server", "shutdown_grace_ms", &Config::shutdown_grace, 0, kHour,
                       "on SIGTERM/SIGINT, time to flush queued data before closing connections"));
    t.push_back(int_key("server", "sys_interval", &Config::sys_interval, 0, 86'400,
                        "seconds between $SYS/accord/... status messages (0: none)"));
    // [limits]
    t.push_back(int_key("limits", "max_packet_size", &Config::max_packet_size, 64, 268'435'460,
                        "largest MQTT packet in bytes, both directions (64..268435460, the protocol maximum)"));
    t.push_back(int_key("limits", "receive_maximum", &Config::receive_maximum, 1, kU16,
                        "QoS 1/2 PUBLISHes a client may have unacknowledged towards us"));
    t.push_back(int_key("limits", "max_inflight_out", &Config::max_inflight_out, 1, kU16,
                        "QoS 1/2 PUBLISHes we send to a client before waiting for acks"));
    t.push_back(int_key("limits", "max_queued_messages", &Config::max_queued_messages, 1, kU32,
                        "per session: QoS 1/2 messages waiting to be sent (new ones dropped beyond)"));
    t.push_back(int_key("limits", "max_queued_bytes", &Config::max_queued_bytes, 1, kI64,
                        "per session: payload bytes of those queued messages"));
    t.push_back(int_key("limits", "write_queue_high_water", &Config::write_queue_high_water, 1, kI64,
                        "bytes buffered on one socket before QoS 0 messages to it are dropped"));
    t.push_back(int_key("limits", "topic_alias_maximum", &Config::topic_alias_maximum, 0, kU16,
                        "topic aliases a client may set towards us (MQTT 5; 0: none)"));
    t.push_back(int_key("limits", "max_keep_alive", &Config::max_keep_alive, 1, kU16,
                        "seconds; larger keep-alive requests are lowered to this (MQTT 5)"));
    t.push_back(int_key("limits", "max_session_expiry", &Config::max_session_expiry, 0, kU32,
                        "seconds; caps the session expiry interval a client asks for"));
    t.push_back(int_key("limits", "max_client_id_length", &Config::max_client_id_length, 23, kU16,
                        "bytes; longer client identifiers are rejected (MQTT requires at least 23)"));
    t.push_back(int_key("limits", "max_subscriptions_per_client", &Config::max_subscriptions_per_client, 1,
                        kU32, "topic filters one session may subscribe to"));
    t.push_back(int_key("limits", "max_topic_levels", &Config::max_topic_levels, 1, kU16,
                        "'/'-separated levels in a topic name or filter"));
    // [features]
    t.push_back(bool_key("features", "retain_available", &Config::retain_available,
                         "accept and store retained messages"));
    t.push_back(bool_key("features", "wildcard_subscriptions", &Config::wildcard_subscriptions,
                         "allow '+' and '#' in subscriptions"));
    t.push_back(bool_key("features", "shared_subscriptions", &Config::shared_subscriptions,
                         "allow $share/group/filter subscriptions (MQTT 5)"));
    t.push_back(bool_key("features", "subscription_identifiers", &Config::subscription_identifiers,
                         "support subscription identifiers (MQTT 5)"));
    t.push_back(bool_key("features", "allow_mqtt31", &Config::allow_mqtt31,
                         "accept MQTT 3.1 (protocol level 3) clients besides 3.1.1 and 5"));
    t.push_back(int_key("features", "maximum_qos", &Config::maximum_qos, 0, 2,
                        "highest QoS granted and accepted (0..2)"));
    t.push_back(bool_key("features", "queue_qos0_offline", &Config::queue_qos0_offline,
                         "also queue QoS 0 messages for offline persistent sessions"));
    // [store]
    t.push_back(string_key("store", "data_dir", &Config::data_dir, {},
                           "RocksDB data directory (retained messages, persistent sessions)"));
    t.push_back(string_key("store", "durability", &Config::durability, {"memory", "async", "sync"},
                           "memory (nothing on disk), async (no fsync per write) or sync (fsync before acknowledging)"));
    // [admin]
    t.push_back(string_key("admin", "listen", &Config::admin_listen, {},
                           "admin HTTP API address ADDR:PORT (port 0: any free port); empty: off"));
    t.push_back(string_key("admin", "credentials_file", &Config::admin_credentials_file, {},
                           "Basic/bearer credentials with roles (docs/registry.md); empty: no authentication"));
    t.push_back(string_key("admin", "tls_cert_file", &Config::admin_tls_cert_file, {},
                           "PEM certificate chain: the admin API speaks HTTPS (needs tls_key_file)"));
    t.push_back(string_key("admin", "tls_key_file", &Config::admin_tls_key_file, {},
                           "PEM private key for tls_cert_file"));
    t.push_back(int_key("admin", "max_body_bytes", &Config::admin_max_body_bytes, 1024, 64u << 20,
                        "largest request body; bigger ones get 413"));
    // [auth]
    t.push_back(string_key("auth", "anonymous", &Config::auth_anonymous, {"local", "allow", "deny"},
                           "clients without a user name: local (loopback only), allow or deny"));
    t.push_back(string_key("auth", "password_file", &Config::auth_password_file, {},
                           "MQTT users, NAME:$pbkdf2-sha256$... lines (accordctl user add); empty: none"));
    t.push_back(string_key("auth", "acl_file", &Config::auth_acl_file, {},
                           "topic access rules (docs/security.md); empty: every topic allowed"));
    // [registry]
    t.push_back(bool_key("registry", "enabled", &Config::registry_enabled,
                         "serve the schema registry on the admin API"));
    t.push_back(string_key("registry", "default_compatibility", &Config::registry_default_compatibility,
                           {"NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE",
                            "FULL", "FULL_TRANSITIVE"},
                           "compatibility level of subjects without their own (until PUT /config)"));
    t.push_back(bool_key("registry", "json_format_assertion", &Config::registry_json_format_assertion,
                         "JSON Schema 'format' (date-time, uuid, ...) is checked, not only noted"));
    t.push_back(string_key("registry", "protobuf_unknown_fields", &Config::registry_protobuf_unknown_fields,
                           {"accept", "reject"},
                           "binary Protobuf payloads with fields the schema does not know: accept or reject"));
    t.push_back(int_key("registry", "max_subjects", &Config::registry_max_subjects, 1, kU32,
                        "subjects the registry holds at most"));
    t.push_back(int_key("registry", "max_versions_per_subject", &Config::registry_max_versions_per_subject,
                        1, kU32, "versions one subject holds at most"));
    // [log]
    t.push_back(string_key("log", "level", &Config::log_level,
                           {"trace", "debug", "info", "warn", "error", "off"},
                           "trace, debug, info, warn, error or off"));
    t.push_back(string_key("log", "format", &Config::log_format, {"text", "json"},
                           "text (logfmt key=value lines) or json (one object per line)"));
    t.push_back(string_key("log", "file", &Config::log_file, {},
                           "append log lines to this file (empty: stderr)"));
    return t;
  }();
  return table;
}

const std::vector<std::string_view>& sections() {
  static const std::vector<std::string_view> s = [] {
    std::vector<std::string_view> out;
    for (const Key& k : keys()) {
      if (!k.section.empty() && std::find(out.begin(), out.end(), k.section) == out.end()) {
        out.push_back(k.section);
      }
    }
    return out;
  }();
  return s;
}

const Key* find_key(std::string_view section, std::string_view name) {
  for (const Key& k : keys()) {
    if (k.section == section && k.name == name) return &k;
  }
  return nullptr;
}

const Key* find_key(std::string_view full_name) {
  const auto dot = full_name.find('.');
  if (dot == std::string_view::npos) return find_key("", full_name);
  return find_key(full_name.substr(0, dot), full_name.substr(dot + 1));
}

// ---- "did you mean" -----------------------------------------------------------------------------

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string closest(std::string_view wrong, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = std::numeric_limits<std::size_t>::max();
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(wrong, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  if (best.empty() || best_distance > std::max<std::size_t>(2, wrong.size() / 4)) return {};
  return best;
}

std::string did_you_mean(const std::string& suggestion) {
  return suggestion.empty() ? std::string() : fmt::format(" (did you mean '{}'?)", suggestion);
}

// `full` is the dotted key as written ("limits.max_packet_sise", "io_threads").
std::string unknown_key_message(std::string_view full) {
  // The right name in the wrong section is the most likely mistake.
  const auto dot = full.rfind('.');
  const std::string_view last = dot == std::string_view::npos ? full : full.substr(dot + 1);
  for (const Key& k : keys()) {
    if (k.name == last && k.full_name() != full) {
      return fmt::format("unknown key '{}'{}", full, did_you_mean(k.full_name()));
    }
  }
  return fmt::format("unknown key '{}'{}", full, did_you_mean(closest(full, config_keys())));
}

// ---- checking and converting values -------------------------------------------------------------

std::string_view type_name(Type t) {
  switch (t) {
    case Type::Bool: return "a boolean (true or false)";
    case Type::Int: return "an integer";
    case Type::String: return "a string";
    case Type::Listeners: return "an array of tables ([[listeners]])";
  }
  return "?";
}

std::string choices_text(const std::vector<std::string_view>& choices) {
  std::string out;
  for (std::size_t i = 0; i < choices.size(); ++i) {
    if (i > 0) out += i + 1 == choices.size() ? " or " : ", ";
    out += choices[i];
  }
  return out;
}

// Checks range/choices and stores. Returns the problem (without location) on failure.
std::optional<std::string> check_and_set(Config& config, const Key& key, Value value) {
  switch (key.type) {
    case Type::Int: {
      const auto v = std::get<std::int64_t>(value);
      if (v < key.min || v > key.max) {
        return fmt::format("{} is out of range (must be {}..{})", v, key.min, key.max);
      }
      break;
    }
    case Type::String: {
      const auto& s = std::get<std::string>(value);
      if (!key.choices.empty() &&
          std::find(key.choices.begin(), key.choices.end(), s) == key.choices.end()) {
        return fmt::format("'{}' is not valid (must be {})", s, choices_text(key.choices));
      }
      break;
    }
    case Type::Listeners:
      if (std::get<std::vector<ListenerConfig>>(value).empty()) return "at least one listener is required";
      break;
    case Type::Bool: break;
  }
  key.set(config, value);
  return std::nullopt;
}

std::optional<std::int64_t> parse_int(std::string_view text, bool* overflow = nullptr) {
  std::int64_t v = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  if (begin != end && *begin == '+') ++begin;
  const auto [ptr, ec] = std::from_chars(begin, end, v);
  if (overflow) *overflow = ec == std::errc::result_out_of_range;
  if (begin == end || ec != std::errc() || ptr != end) return std::nullopt;
  return v;
}

// The address part of a listener: an IP literal, IPv6 optionally in brackets. Stored unbracketed.
std::optional<std::string> normalize_address(std::string_view address, std::string* problem) {
  std::string a(address);
  bool bracketed = false;
  if (a.size() >= 2 && a.front() == '[' && a.back() == ']') {
    a = a.substr(1, a.size() - 2);
    bracketed = true;
  }
  unsigned char buf[16];
  if (!bracketed && inet_pton(AF_INET, a.c_str(), buf) == 1) return a;
  if (inet_pton(AF_INET6, a.c_str(), buf) == 1) return a;
  if (problem) {
    *problem = a.empty() ? std::string("empty address")
                         : fmt::format("'{}' is not an IPv4 or IPv6 address (host names are not resolved)", a);
  }
  return std::nullopt;
}

std::optional<std::vector<ListenerConfig>> parse_listen_list(std::string_view text, std::string* problem) {
  std::vector<ListenerConfig> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    const std::string_view item = text.substr(start, comma - start);
    std::string err;
    auto l = parse_listen(item, &err);
    if (!l) {
      if (problem) *problem = fmt::format("'{}': {}", item, err);
      return std::nullopt;
    }
    out.push_back(*l);
    start = comma + 1;
  }
  return out;
}

// A value given as text on the command line.
std::optional<std::string> set_from_text(Config& config, const Key& key, std::string_view text) {
  switch (key.type) {
    case Type::Bool:
      if (text == "true") return check_and_set(config, key, true);
      if (text == "false") return check_and_set(config, key, false);
      return fmt::format("expected true or false, got '{}'", text);
    case Type::Int: {
      bool overflow = false;
      const auto v = parse_int(text, &overflow);
      if (overflow) return fmt::format("{} is out of range (must be {}..{})", text, key.min, key.max);
      if (!v) return fmt::format("expected an integer, got '{}'", text);
      return check_and_set(config, key, *v);
    }
    case Type::String: return check_and_set(config, key, std::string(text));
    case Type::Listeners: {
      std::string problem;
      auto list = parse_listen_list(text, &problem);
      if (!list) return problem;
      return check_and_set(config, key, std::move(*list));
    }
  }
  return "unsupported key type";
}

// ---- TOML ---------------------------------------------------------------------------------------

std::string_view toml_type_name(toml::node_type t) {
  switch (t) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
  }
}

std::string where(std::string_view source, const toml::source_region& region) {
  if (region.begin.line == 0) return fmt::format("{}: ", source);
  return fmt::format("{}:{}:{}: ", source, region.begin.line, region.begin.column);
}

std::optional<Value> toml_scalar(const toml::node& node, Type expected) {
  if (expected == Type::Bool && node.is_boolean()) return Value(node.as_boolean()->get());
  if (expected == Type::Int && node.is_integer()) return Value(node.as_integer()->get());
  if (expected == Type::String && node.is_string()) return Value(node.as_string()->get());
  return std::nullopt;
}

// The [[listeners]] keys besides address and port (TLS and WebSocket settings).
struct ListenerField {
  std::string_view name;
  std::string ListenerConfig::*text = nullptr;
  bool ListenerConfig::*flag = nullptr;
  std::vector<std::string_view> choices;  // text only; empty: any
  std::string_view why_not;               // appended to a rejected choice
};

const std::vector<ListenerField>& listener_fields() {
  static const std::vector<ListenerField> fields = {
      {"protocol", &ListenerConfig::protocol, nullptr, {"mqtt", "ws"}, ""},
      {"ws_path", &ListenerConfig::ws_path, nullptr, {}, ""},
      {"tls", nullptr, &ListenerConfig::tls, {}, ""},
      {"tls_cert_file", &ListenerConfig::tls_cert_file, nullptr, {}, ""},
      {"tls_key_file", &ListenerConfig::tls_key_file, nullptr, {}, ""},
      {"tls_ca_file", &ListenerConfig::tls_ca_file, nullptr, {}, ""},
      {"tls_require_client_cert", nullptr, &ListenerConfig::tls_require_client_cert, {}, ""},
      {"tls_identity", &ListenerConfig::tls_identity, nullptr, {"none", "username", "client_id"}, ""},
      {"tls_min_version", &ListenerConfig::tls_min_version, nullptr, {"1.2", "1.3"},
       "; TLS 1.0 and 1.1 are not supported"},
      {"tls_ciphers", &ListenerConfig::tls_ciphers, nullptr, {}, ""},
      {"tls_ciphersuites", &ListenerConfig::tls_ciphersuites, nullptr, {}, ""},
  };
  return fields;
}

const ListenerField* find_listener_field(std::string_view name) {
  for (const auto& f : listener_fields()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

// Settings that only make sense together. Returns the problem, naming listeners[i].KEY.
std::optional<std::string> check_listener(const ListenerConfig& l, std::size_t i) {
  const auto name = [i](std::string_view key) { return fmt::format("listeners[{}].{}", i, key); };
  if (l.protocol == "ws" && (l.ws_path.empty() || l.ws_path.front() != '/'))
    return fmt::format("{}: '{}' must start with '/'", name("ws_path"), l.ws_path);
  if (l.tls) {
    if (l.tls_cert_file.empty()) return fmt::format("{}: required when tls = true", name("tls_cert_file"));
    if (l.tls_key_file.empty()) return fmt::format("{}: required when tls = true", name("tls_key_file"));
    if (l.tls_require_client_cert && l.tls_ca_file.empty())
      return fmt::format("{}: required when tls_require_client_cert = true (the CAs client certificates "
                         "are checked against)", name("tls_ca_file"));
    // An identity taken from a certificate that a client may leave out would let it pick its
    // own name instead: only with certificates required.
    if (l.tls_identity != "none" && !l.tls_require_client_cert)
      return fmt::format("{} = \"{}\" needs tls_require_client_cert = true", name("tls_identity"),
                         l.tls_identity);
  } else {
    for (const auto& f : listener_fields()) {
      if (!f.name.starts_with("tls_")) continue;
      const bool set = f.text ? l.*(f.text) != ListenerConfig{}.*(f.text) : l.*(f.flag) != ListenerConfig{}.*(f.flag);
      if (set) return fmt::format("{} is set but tls = false", name(f.name));
    }
  }
  return std::nullopt;
}

std::optional<std::string> toml_listeners(Config& config, const Key& key, const toml::node& node,
                                          std::string_view source) {
  const toml::array* arr = node.as_array();
  if (arr && arr->empty()) {
    return fmt::format("{}listeners: at least one listener is required", where(source, node.source()));
  }
  if (!arr || !arr->is_array_of_tables()) {
    return fmt::format("{}listeners: expected an array of tables ([[listeners]]), got {}",
                       where(source, node.source()), arr ? "an array of non-tables" : toml_type_name(node.type()));
  }
  std::vector<ListenerConfig> list;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const toml::table& t = *(*arr)[i].as_table();
    ListenerConfig l;
    for (const auto& [k, v] : t) {
      const std::string name = fmt::format("listeners[{}].{}", i, k.str());
      if (k.str() == "address") {
        if (!v.is_string()) {
          return fmt::format("{}{}: expected a string, got {}", where(source, v.source()), name,
                             toml_type_name(v.type()));
        }
        std::string problem;
        auto a = normalize_address(v.as_string()->get(), &problem);
        if (!a) return fmt::format("{}{}: {}", where(source, v.source()), name, problem);
        l.address = *a;
      } else if (k.str() == "port") {
        if (!v.is_integer()) {
          return fmt::format("{}{}: expected an integer, got {}", where(source, v.source()), name,
                             toml_type_name(v.type()));
        }
        const std::int64_t p = v.as_integer()->get();
        if (p < 0 || p > kU16) {
          return fmt::format("{}{}: {} is out of range (must be 0..65535)", where(source, v.source()), name, p);
        }
        l.port = static_cast<std::uint16_t>(p);
      } else if (const ListenerField* f = find_listener_field(k.str())) {
        if (f->flag && v.is_boolean()) {
          l.*(f->flag) = v.as_boolean()->get();
        } else if (f->text && v.is_string()) {
          const std::string& text = v.as_string()->get();
          if (!f->choices.empty() &&
              std::find(f->choices.begin(), f->choices.end(), text) == f->choices.end()) {
            return fmt::format("{}{}: '{}' is not valid (must be {}){}", where(source, v.source()), name, text,
                               choices_text(f->choices), f->why_not);
          }
          l.*(f->text) = text;
        } else {
          return fmt::format("{}{}: expected {}, got {}", where(source, v.source()), name,
                             f->flag ? "a boolean (true or false)" : "a string", toml_type_name(v.type()));
        }
      } else {
        std::vector<std::string> names{"address", "port"};
        for (const auto& field : listener_fields()) names.emplace_back(field.name);
        const std::string s = closest(k.str(), names);
        return fmt::format("{}unknown key '{}'{}", where(source, k.source()), name,
                           did_you_mean(s.empty() ? s : fmt::format("listeners[{}].{}", i, s)));
      }
    }
    list.push_back(std::move(l));
  }
  if (auto problem = check_and_set(config, key, std::move(list))) {
    return fmt::format("{}listeners: {}", where(source, node.source()), *problem);
  }
  return std::nullopt;
}

std::optional<std::string> apply_table(Config& config, const toml::table& root, std::string_view source) {
  for (const auto& [k, node] : root) {
    const std::string_view top = k.str();
    if (top == "policies") {
      std::string json_text;
      toml::source_region error_at;
      if (auto err = policies_from_toml(node, json_text, error_at))
        return fmt::format("{}{}", where(source, error_at), *err);
      config.policies_json = std::move(json_text);
      continue;
    }
    if (const Key* key = find_key("", top)) {  // listeners
      if (auto err = toml_listeners(config, *key, node, source)) return err;
      continue;
    }
    const bool is_section = std::find(sections().begin(), sections().end(), top) != sections().end();
    if (!is_section) {
      if (node.is_table()) {
        std::vector<std::string> names(sections().begin(), sections().end());
        const std::string s = closest(top, names);
        return fmt::format("{}unknown section '[{}]'{}", where(source, k.source()), top,
                           did_you_mean(s.empty() ? s : fmt::format("[{}]", s)));
      }
      return fmt::format("{}{}", where(source, k.source()), unknown_key_message(top));
    }
    const toml::table* table = node.as_table();
    if (!table) {
      return fmt::format("{}{}: expected a table ([{}]), got {}", where(source, node.source()), top, top,
                         toml_type_name(node.type()));
    }
    for (const auto& [name, value] : *table) {
      const std::string full = fmt::format("{}.{}", top, name.str());
      const Key* key = find_key(top, name.str());
      if (!key) return fmt::format("{}{}", where(source, name.source()), unknown_key_message(full));
      auto v = toml_scalar(value, key->type);
      if (!v) {
        return fmt::format("{}{}: expected {}, got {}", where(source, value.source()), full,
                           type_name(key->type), toml_type_name(value.type()));
      }
      if (auto problem = check_and_set(config, *key, std::move(*v))) {
        return fmt::format("{}{}: {}", where(source, value.source()), full, *problem);
      }
    }
  }
  return std::nullopt;
}

// TOML basic string: quote, backslash and control characters escaped.
std::string toml_quote(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20 || c == 0x7F) out += fmt::format("\\u{:04X}", c);
        else out += ch;
    }
  }
  out += '"';
  return out;
}

std::string format_listener(const ListenerConfig& l) {
  return l.address.find(':') != std::string::npos ? fmt::format("[{}]:{}", l.address, l.port)
                                                  : fmt::format("{}:{}", l.address, l.port);
}

// ---- command line -------------------------------------------------------------------------------

struct Flag {
  std::string_view name;     // as CLI11 spells it
  std::string_view key;      // table key it sets; empty: handled specially
  std::string_view value_name;
  std::string_view help;
};

constexpr std::string_view kFooter =
    "Precedence, later wins: built-in defaults, then the --config file, then the other options in "
    "command-line order. Without --config no file is read. Keys: see --print-config or "
    "docs/configuration.md.";

LoadResult error_result(std::string message) {
  LoadResult r;
  r.status = LoadResult::Status::Error;
  r.message = std::move(message);
  r.exit_code = 2;
  return r;
}

LoadResult exit_result(std::string message, Config config = {}) {
  LoadResult r;
  r.status = LoadResult::Status::Exit;
  r.message = std::move(message);
  r.config = std::move(config);
  r.exit_code = 0;
  return r;
}

}  // namespace

// ---- public -------------------------------------------------------------------------------------

std::vector<std::string> config_keys() {
  std::vector<std::string> out;
  for (const Key& k : keys()) out.push_back(k.full_name());
  return out;
}

std::optional<ListenerConfig> parse_listen(std::string_view text, std::string* error) {
  auto fail = [&](std::string msg) -> std::optional<ListenerConfig> {
    if (error) *error = std::move(msg);
    return std::nullopt;
  };
  std::string_view host, port;
  if (text.empty()) return fail("empty listener (expected ADDR:PORT, e.g. 0.0.0.0:1883)");
  if (text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return fail("missing ']' (expected [IPv6]:PORT, e.g. [::1]:1883)");
    if (close + 1 >= text.size() || text[close + 1] != ':') {
      return fail("missing port (expected [IPv6]:PORT, e.g. [::1]:1883)");
    }
    host = text.substr(0, close + 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return fail("missing port (expected ADDR:PORT, e.g. 0.0.0.0:1883)");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return fail("IPv6 addresses must be in brackets (e.g. [::1]:1883)");
    }
    if (host.empty()) return fail("missing address (expected ADDR:PORT, e.g. 0.0.0.0:1883)");
  }
  const auto p = parse_int(port);
  if (port.empty() || !p || port.front() == '+' || *p < 0 || *p > kU16) {
    return fail(fmt::format("invalid port '{}' (must be 0..65535)", port));
  }
  std::string problem;
  auto address = normalize_address(host, &problem);
  if (!address) return fail(problem);
  return ListenerConfig{*address, static_cast<std::uint16_t>(*p)};
}

std::optional<std::string> apply_toml_string(Config& config, std::string_view text, std::string_view source) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    return fmt::format("{}TOML syntax error: {}", where(source, e.source()), e.description());
  }
  // Apply to a copy so a failing file leaves `config` untouched.
  Config updated = config;
  if (auto err = apply_table(updated, root, source)) return err;
  config = std::move(updated);
  return std::nullopt;
}

std::optional<std::string> apply_toml_file(Config& config, const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return fmt::format("cannot read config file '{}': is a directory", path);
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return fmt::format("cannot read config file '{}': {}", path, std::strerror(errno));
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return fmt::format("cannot read config file '{}': {}", path, std::strerror(errno));
  return apply_toml_string(config, content.str(), path);
}

std::optional<std::string> apply_setting(Config& config, std::string_view key, std::string_view value) {
  const Key* k = find_key(key);
  if (!k) return fmt::format("--set {}={}: {}", key, value, unknown_key_message(key));
  if (auto problem = set_from_text(config, *k, value)) {
    return fmt::format("--set {}={}: {}", key, value, *problem);
  }
  return std::nullopt;
}

std::optional<std::string> validate(const Config& config) {
  if (config.listeners.empty()) return "listeners: at least one listener is required";
  if (!config.admin_listen.empty()) {
    std::string problem;
    if (!parse_listen(config.admin_listen, &problem))
      return fmt::format("admin.listen = {}: {}", config.admin_listen, problem);
  }
  if (config.admin_tls_cert_file.empty() != config.admin_tls_key_file.empty())
    return "admin.tls_cert_file and admin.tls_key_file: set both (HTTPS) or neither";
  for (std::size_t i = 0; i < config.listeners.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      const auto& a = config.listeners[i];
      const auto& b = config.listeners[j];
      if (a.port != 0 && a.port == b.port && a.address == b.address) {
        return fmt::format("listeners: {} is listed twice", format_listener(a));
      }
    }
    if (auto problem = check_listener(config.listeners[i], i)) return problem;
  }
  return std::nullopt;
}

std::string config_to_toml(const Config& config) {
  std::string out =
      "# Accord configuration. Load with: accord --config FILE\n"
      "# Every key is optional; a missing key keeps its built-in default.\n";
  std::string_view section = "-";
  for (const Key& k : keys()) {
    const Value v = k.get(config);
    if (k.type == Type::Listeners) {
      out += fmt::format("\n# {}\n", k.doc);
      const auto& listeners = std::get<std::vector<ListenerConfig>>(v);
      for (std::size_t i = 0; i < listeners.size(); ++i) {
        const ListenerConfig& l = listeners[i];
        out += fmt::format("{}[[listeners]]\naddress = {}\nport = {}\n", i > 0 ? "\n" : "",
                           toml_quote(l.address), l.port);
        for (const auto& f : listener_fields()) {
          out += fmt::format("{} = {}\n", f.name,
                             f.text ? toml_quote(l.*(f.text)) : std::string(l.*(f.flag) ? "true" : "false"));
        }
      }
      continue;
    }
    if (k.section != section) {
      section = k.section;
      out += fmt::format("\n[{}]\n", section);
    }
    out += fmt::format("# {}\n{} = ", k.doc, k.name);
    switch (k.type) {
      case Type::Bool: out += std::get<bool>(v) ? "true" : "false"; break;
      case Type::Int: out += std::to_string(std::get<std::int64_t>(v)); break;
      case Type::String: out += toml_quote(std::get<std::string>(v)); break;
      case Type::Listeners: break;
    }
    out += '\n';
  }
  out += policies_to_toml(config.policies_json);
  return out;
}

LoadResult load_config(const std::vector<std::string>& args) {
  std::vector<const char*> argv{"accord"};
  for (const auto& a : args) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  return load_config(static_cast<int>(args.size() + 1), argv.data());
}

LoadResult load_config(int argc, const char* const* argv) {
  CLI::App app{"Accord: an MQTT 3.1.1/5 broker.", "accord"};
  app.footer(std::string(kFooter));
  app.get_formatter()->column_width(32);

  // Dedicated options are shorthands for table keys; all values are collected as strings and
  // applied afterwards in command-line order, so "later wins" holds across all of them.
  static constexpr Flag kFlags[] = {
      {"-c,--config", "", "FILE", "read this TOML configuration file"},
      {"-l,--listen", "", "ADDR:PORT", "listen here; repeatable; replaces the configured listeners (IPv6: [::1]:1883)"},
      {"--port-file", "server.port_file", "FILE", "write bound \"address port\" lines here (see server.port_file)"},
      {"--io-threads", "server.io_threads", "N", "network I/O threads, 0: one per core"},
      {"--log-level", "log.level", "LEVEL", "trace, debug, info, warn, error or off"},
      {"--log-format", "log.format", "FORMAT", "text or json"},
      {"--log-file", "log.file", "FILE", "append logs to FILE instead of stderr"},
      {"--set", "", "SECTION.KEY=VALUE", "set any configuration key, e.g. --set limits.max_packet_size=65536; repeatable"},
  };
  std::vector<std::vector<std::string>> values(std::size(kFlags));
  std::vector<CLI::Option*> options;
  for (std::size_t i = 0; i < std::size(kFlags); ++i) {
    auto* opt = app.add_option(std::string(kFlags[i].name), values[i], std::string(kFlags[i].help));
    opt->type_name(std::string(kFlags[i].value_name))->allow_extra_args(false)->expected(1, 1);
    opt->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    options.push_back(opt);
  }
  bool print_config = false, check_config = false, version = false;
  app.add_flag("--print-config", print_config, "print the effective configuration as TOML and exit");
  app.add_flag("--check-config", check_config, "validate the configuration and exit");
  app.add_flag("-V,--version", version, "print the version and exit");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return exit_result(app.help());
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    std::replace(what.begin(), what.end(), '\n', ' ');
    return error_result(fmt::format("{} (see accord --help)", what));
  }
  if (version) return exit_result("accord " ACCORD_VERSION "\n");

  Config config;
  // 2. the file (the last --config if given several times)
  const auto& config_files = values[0];
  std::string config_source = "built-in defaults";
  if (!config_files.empty()) {
    config_source = config_files.back();
    if (auto err = apply_toml_file(config, config_files.back())) return error_result(*err);
  }

  // 3. everything else, in command-line order
  std::map<const CLI::Option*, std::size_t> seen;
  bool listen_replaced = false;
  for (const CLI::Option* opt : app.parse_order()) {
    const auto it = std::find(options.begin(), options.end(), opt);
    if (it == options.end()) continue;  // a flag
    const std::size_t index = static_cast<std::size_t>(it - options.begin());
    const std::size_t occurrence = seen[opt]++;
    if (occurrence >= values[index].size()) continue;
    const std::string& value = values[index][occurrence];
    const Flag& flag = kFlags[index];
    const std::string flag_name = opt->get_name();  // the long name, e.g. --listen

    if (index == 0) continue;  // --config, done above
    if (flag.name == "-l,--listen") {
      std::string problem;
      auto l = parse_listen(value, &problem);
      if (!l) return error_result(fmt::format("{} {}: {}", flag_name, value, problem));
      if (!listen_replaced) config.listeners.clear();
      listen_replaced = true;
      config.listeners.push_back(*l);
    } else if (flag.name == "--set") {
      const auto eq = value.find('=');
      if (eq == std::string::npos || eq == 0) {
        return error_result(fmt::format("--set {}: expected SECTION.KEY=VALUE, e.g. log.level=debug", value));
      }
      const std::string_view key = std::string_view(value).substr(0, eq);
      if (key == "listeners") listen_replaced = true;  // a later --listen appends to these
      if (auto err = apply_setting(config, key, std::string_view(value).substr(eq + 1))) {
        return error_result(*err);
      }
    } else {
      const Key* key = find_key(flag.key);
      if (auto problem = set_from_text(config, *key, value)) {
        return error_result(fmt::format("{} {}: {}", flag_name, value, *problem));
      }
    }
  }

  if (auto err = validate(config)) return error_result(fmt::format("{}: {}", config_source, *err));
  if (print_config) return exit_result(config_to_toml(config), config);
  if (check_config) {
    return exit_result(fmt::format("configuration OK ({})\n", config_source), config);
  }
  LoadResult r;
  r.config = std::move(config);
  return r;
}

}  // namespace accord
