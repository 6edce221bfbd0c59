// What accord-device and accord-sub share: the broker connection options (--host/--port or
// --url, --mqtt 3|5, --tls with --cafile/--cert/--key, --username/--password, --connect-timeout),
// their translation into Paho MQTT C++ options, exit codes and small text helpers.
//
// Exit codes of both tools: 0 done (all acknowledged / all wanted messages printed), 1 some
// events rejected or failed (or the broker refused the connection or subscription), 2 usage
// error or bad template/schema input, 3 the broker (or the registry) cannot be reached.
#pragma once

#include <CLI/CLI.hpp>
#include <mqtt/async_client.h>

#include <boost/json.hpp>

#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cmath>
#include <ctime>
#include <string>
#include <string_view>

namespace accord::clients {

enum Exit { kOk = 0, kFailed = 1, kUsage = 2, kUnreachable = 3 };

// Thrown by the tools; main prints "<tool>: <message>" (one line) and exits with `code`.
struct Failure {
  int code;
  std::string message;
};

struct BrokerOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: 1883, or 8883 with --tls
  std::string url;  // tcp://, mqtt://, ssl://, mqtts:// HOST:PORT; wins over host/port
  int mqtt = 5;     // 3 (3.1.1) or 5
  bool tls = false;
  std::string cafile, cert, key;
  bool insecure = false;  // TLS without verifying the server certificate
  std::string username, password;
  int connect_timeout_s = 5;
  // $ACCORD_BROKER (a URL like --url): used when none of --url, --host, --port is given, so a
  // shell can point every tool at one broker, as $ACCORD_ADMIN does for the admin API.
  std::string env_url;
  CLI::Option* host_option = nullptr;
  CLI::Option* port_option = nullptr;

  void add_to(CLI::App& app) {
    if (const char* e = std::getenv("ACCORD_BROKER")) env_url = e;
    host_option = app.add_option("--host", host, "broker host (default 127.0.0.1)");
    port_option = app.add_option("--port", port, "broker port (default 1883, 8883 with --tls)")->check(CLI::Range(1, 65535));
    app.add_option("--url", url, "broker URL instead of --host/--port: tcp://H:P, mqtt://H:P, ssl://H:P, mqtts://H:P (default $ACCORD_BROKER)");
    app.add_option("--mqtt", mqtt, "MQTT version: 3 (3.1.1) or 5 (default 5)")->check(CLI::IsMember({3, 5}));
    app.add_flag("--tls", tls, "connect with TLS");
    app.add_option("--cafile", cafile, "CA certificate(s) to verify the broker (PEM)")->check(CLI::ExistingFile);
    app.add_option("--cert", cert, "client certificate (PEM)")->check(CLI::ExistingFile);
    app.add_option("--key", key, "client private key (PEM)")->check(CLI::ExistingFile);
    app.add_flag("--insecure", insecure, "TLS: do not verify the broker's certificate");
    app.add_option("--username", username, "MQTT user name");
    app.add_option("--password", password, "MQTT password");
    app.add_option("--connect-timeout", connect_timeout_s, "seconds allowed for each connect (default 5)")
        ->check(CLI::Range(1, 300));
  }

  bool uses_tls() const {
    const std::string u = server_uri();
    return u.rfind("ssl://", 0) == 0 || u.rfind("mqtts://", 0) == 0;
  }

  std::string server_uri() const {
    const bool host_or_port = (host_option && host_option->count()) || (port_option && port_option->count());
    const std::string& url = this->url.empty() && !host_or_port ? env_url : this->url;
    if (!url.empty()) {
      if (url.find("://") == std::string::npos) throw Failure{kUsage, "--url needs a scheme, e.g. tcp://" + url};
      for (const char* s : {"tcp://", "mqtt://", "ssl://", "mqtts://"})
        if (url.rfind(s, 0) == 0) return url;
      throw Failure{kUsage, "unsupported URL scheme in '" + url + "' (tcp, mqtt, ssl, mqtts)"};
    }
    const int p = port ? port : (tls ? 8883 : 1883);
    return std::string(tls ? "ssl://" : "tcp://") + host + ":" + std::to_string(p);
  }

  mqtt::connect_options connect_options(bool clean = true) const {
    mqtt::connect_options_builder b;
    b.mqtt_version(mqtt == 5 ? MQTTVERSION_5 : MQTTVERSION_3_1_1)
        .connect_timeout(std::chrono::seconds(connect_timeout_s))
        .keep_alive_interval(std::chrono::seconds(30));
    if (mqtt == 5)
      b.clean_start(clean);
    else
      b.clean_session(clean);
    if (!username.empty()) b.user_name(username);
    if (!password.empty()) b.password(password);
    if (uses_tls()) {
      mqtt::ssl_options_builder s;
      if (!cafile.empty()) s.trust_store(cafile);
      if (!cert.empty()) s.key_store(cert);
      if (!key.empty()) s.private_key(key);
      s.enable_server_cert_auth(!insecure);
      s.verify(!insecure);
      b.ssl(s.finalize());
    }
    return b.finalize();
  }
};

// A connect failure: unreachable (network, TLS, timeout) or refused by the broker (CONNACK).
inline Failure connect_failure(const std::string& uri, const mqtt::exception& e) {
  const int rc = e.get_return_code();
  const int reason = int(e.get_reason_code());
  // CONNACK refusals: MQTT 3.1.1 return codes 1..5, MQTT 5 reason codes >= 0x80.
  if ((rc >= 1 && rc <= 5) || reason >= 0x80) {
    static const char* hex = "0123456789abcdef";
    std::string what = reason >= 0x80 ? std::string("reason code 0x") + hex[(reason >> 4) & 15] + hex[reason & 15]
                                      : "return code " + std::to_string(rc);
    return Failure{kFailed, "the broker at " + uri + " refused the connection (" + what + ")"};
  }
  std::string msg = e.get_message();
  if (msg.empty()) msg = e.what();
  return Failure{kUnreachable, "cannot reach the broker at " + uri + ": " + msg};
}

inline std::string hex_code(int code) {
  static const char* hex = "0123456789abcdef";
  return std::string("0x") + hex[(code >> 4) & 15] + hex[code & 15];
}

// MQTT 5 reason codes a PUBACK/PUBREC can carry.
inline const char* reason_name(int code) {
  switch (code) {
    case 0x00: return "success";
    case 0x10: return "no matching subscribers";
    case 0x80: return "unspecified error";
    case 0x83: return "implementation specific error";
    case 0x87: return "not authorized";
    case 0x90: return "topic name invalid";
    case 0x91: return "packet identifier in use";
    case 0x97: return "quota exceeded";
    case 0x99: return "payload format invalid";
    default: return "reason";
  }
}

// RFC 3339 UTC with milliseconds, e.g. 2026-11-23T19:55:00.123Z.
inline std::string rfc3339_now() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t secs = std::time_t(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, int(ms % 1000));
  return out;
}

inline std::string base64(std::string_view in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    out += t[v >> 18 & 63];
    out += t[v >> 12 & 63];
    out += t[v >> 6 & 63];
    out += t[v & 63];
  }
  if (i + 1 == in.size()) {
    const unsigned v = (unsigned char)in[i] << 16;
    out += t[v >> 18 & 63];
    out += t[v >> 12 & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    const unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
    out += t[v >> 18 & 63];
    out += t[v >> 12 & 63];
    out += t[v >> 6 & 63];
    out += '=';
  }
  return out;
}

// JSON text like boost::json::serialize, but doubles in their shortest round-trip form (21.5,
// not Boost.JSON 1.81's 2.15E1).
inline void write_json(std::string& out, const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::double_: {
      const double d = v.get_double();
      if (!std::isfinite(d)) {
        out += "null";
        return;
      }
      char buf[32];
      const auto r = std::to_chars(buf, buf + sizeof buf, d);
      out.append(buf, r.ptr);
      return;
    }
    case boost::json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& [k, val] : v.get_object()) {
        if (!first) out += ',';
        first = false;
        out += boost::json::serialize(boost::json::string(k));
        out += ':';
        write_json(out, val);
      }
      out += '}';
      return;
    }
    case boost::json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& val : v.get_array()) {
        if (!first) out += ',';
        first = false;
        write_json(out, val);
      }
      out += ']';
      return;
    }
    default: out += boost::json::serialize(v);
  }
}

inline std::string to_json_text(const boost::json::value& v) {
  std::string out;
  write_json(out, v);
  return out;
}

}  // namespace accord::clients
