// Every runtime setting of the broker, with its default. Plain values: parsing lives in
// broker/app (TOML file + command line), the documented sample is deploy/accord.toml.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace accord {

struct ListenerConfig {
  std::string address = "0.0.0.0";
  std::uint16_t port = 1883;  // 0: any free port (see Config::port_file)
  // "mqtt": MQTT straight on the (TLS) stream; "ws": MQTT in binary WebSocket frames.
  std::string protocol = "mqtt";
  std::string ws_path = "/mqtt";  // "ws" only: the HTTP path of the upgrade request
  bool tls = false;
  std::string tls_cert_file;  // PEM, server certificate (chain)
  std::string tls_key_file;   // PEM, its private key
  std::string tls_ca_file;    // PEM, CAs that client certificates must chain to
  bool tls_require_client_cert = false;
  // "none" | "username" | "client_id": the verified client certificate's CN replaces that field
  // of the CONNECT.
  std::string tls_identity = "none";
  std::string tls_min_version = "1.2";  // "1.2" | "1.3"; older versions are always refused
  std::string tls_ciphers;       // OpenSSL cipher list for TLS 1.2 (empty: OpenSSL's default)
  std::string tls_ciphersuites;  // TLS 1.3 suites (empty: OpenSSL's default)

  bool operator==(const ListenerConfig&) const = default;
};

struct Config {
  // [listeners]
  std::vector<ListenerConfig> listeners{ListenerConfig{}};
  // Written once all listeners are bound: one line per listener, "address port". Lets tests and
  // scripts start the broker on port 0.
  std::string port_file;

  // [server]
  unsigned io_threads = 0;  // 0: one per core (std::thread::hardware_concurrency)
  std::uint32_t max_connections = 100'000;
  std::chrono::milliseconds connect_timeout{10'000};  // TCP accept -> CONNECT must arrive
  // Per source IP address (0: unlimited). Behind a NAT or a load balancer that does not keep
  // client addresses, every client shares one address: raise or disable these there.
  std::uint32_t max_connections_per_address = 1'000;
  std::uint32_t connect_rate_per_address = 100;  // new connections per second, burst the same
  // A connected client that sends nothing for this long is closed, whatever its keep-alive
  // (0: off; keep-alive alone decides).
  std::chrono::milliseconds idle_timeout{0};
  std::chrono::milliseconds shutdown_grace{3'000};    // SIGTERM: time to flush before closing
  // Seconds between $SYS/accord/... status publications (0: none).
  std::uint32_t sys_interval = 10;

  // [limits]
  std::uint32_t max_packet_size = 1 << 20;      // bytes, both directions (MQTT 5 property too)
  std::uint16_t receive_maximum = 1024;         // QoS 1/2 a client may have unacknowledged
  std::uint16_t max_inflight_out = 256;         // QoS 1/2 we send before waiting for acks
  std::uint32_t max_queued_messages = 10'000;   // per session: QoS 1/2 waiting to be sent
  std::uint64_t max_queued_bytes = 64ull << 20; // per session: payload bytes of those
  std::uint64_t write_queue_high_water = 1 << 20;  // bytes queued on a socket before QoS 0 drops
  std::uint16_t topic_alias_maximum = 64;       // aliases a client may set towards us
  std::uint16_t max_keep_alive = 65535;         // seconds; larger requests are lowered (MQTT 5)
  std::uint32_t max_session_expiry = 0xFFFFFFFF;  // seconds; caps the client's request
  std::uint32_t max_client_id_length = 256;
  std::uint32_t max_subscriptions_per_client = 10'000;
  std::uint16_t max_topic_levels = 128;

  // [features]
  bool retain_available = true;
  bool wildcard_subscriptions = true;
  bool shared_subscriptions = true;
  bool subscription_identifiers = true;
  bool allow_mqtt31 = true;
  std::uint8_t maximum_qos = 2;
  bool queue_qos0_offline = false;  // queue QoS 0 for offline persistent sessions too

  // [store]
  // Where RocksDB keeps retained messages and persistent sessions. Relative paths are relative
  // to the working directory.
  std::string data_dir = "accord-data";
  // memory: nothing on disk; async: written to RocksDB's log without fsync per write;
  // sync: acknowledged only after the write is fsynced (docs/durability.md). Sync by default:
  // an acknowledgement should mean what it says unless the operator chose otherwise.
  std::string durability = "sync";

  // [admin]
  // The admin HTTP API (ADDR:PORT; port 0: any free port, written to the port file; empty: off).
  // Without a credentials file anyone who can reach it is an admin: keep it on loopback then.
  std::string admin_listen = "127.0.0.1:8081";
  // Basic/bearer credentials with roles (registry/http/auth.hpp); empty: no authentication.
  std::string admin_credentials_file;
  // HTTPS when both are set (PEM files).
  std::string admin_tls_cert_file;
  std::string admin_tls_key_file;
  std::uint32_t admin_max_body_bytes = 1u << 20;

  // [auth] MQTT clients (docs/security.md). Anonymous = no user name (or no password file):
  // "local" lets them in from loopback addresses only, "allow" from anywhere, "deny" never.
  std::string auth_anonymous = "local";
  std::string auth_password_file;  // NAME:$pbkdf2-sha256$... lines (accordctl user add); empty: none
  std::string auth_acl_file;       // topic rules; empty: every client may use every topic

  // [registry]
  bool registry_enabled = true;
  std::string registry_default_compatibility = "BACKWARD";
  bool registry_json_format_assertion = true;       // JSON Schema `format` is checked
  std::string registry_protobuf_unknown_fields = "accept";  // accept | reject
  std::uint32_t registry_max_subjects = 100000;
  std::uint32_t registry_max_versions_per_subject = 10000;

  // [[policies]]: contract policies for topics, as the JSON text of a policy array (the config
  // loader reads the TOML tables; docs/enforcement.md). Empty: none.
  std::string policies_json;

  // [log]
  std::string log_level = "info";   // trace, debug, info, warn, error, off
  std::string log_format = "text";  // text (logfmt key=value) or json
  std::string log_file;             // empty: stderr

  bool operator==(const Config&) const = default;
};

}  // namespace accord
