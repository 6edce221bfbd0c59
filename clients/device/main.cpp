// accord-device: simulates N IoT devices publishing CloudEvents over MQTT (Paho MQTT C++), from a
// template (events.hpp: placeholders) or a JSON Schema's examples (a file, or a subject of the
// registry), at a total rate and QoS, for a count or a duration. Reports acknowledgements and
// rejections by reason code, a progress line once a second on a terminal, and a summary.
//
//   accord-device --template reading.json --devices 10 --rate 50 --count 500 --qos 1
//   accord-device --subject com.example.thermostat.reading --binary --duration 30
//
// Reason codes: MQTT 5 PUBACK/PUBREC reason codes (0x99 = payload format invalid: the broker's
// contract enforcement refused the event). Paho C++ 1.2's delivery token keeps the ack's reason
// code but not its properties, so the broker's reason string is not shown (accord-sub on the
// dead-letter topic, or the broker log, has the details). MQTT 3.1.1 has no negative ack: a
// rejected event is acknowledged and dropped (reject_without_ack = "drop", the default) or closes
// the connection ("disconnect"), counted under "disconnects" (devices reconnect).
//
// Exit codes (mqtt_connection.hpp): 0 every event acknowledged, 1 some rejected or failed,
// 2 usage error or bad template/schema, 3 broker or registry unreachable.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "events.hpp"
#include "mqtt_connection.hpp"
#include "registry_fetch.hpp"

namespace accord::clients {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

std::atomic<bool> g_stop{false};

struct Options {
  BrokerOptions broker;
  int devices = 1;
  double rate = 10;  // total msgs/s; 0 = as fast as acks allow
  long long count = 0;
  double duration_s = 0;
  int qos = 1;
  bool binary = false;
  std::string template_file, schema_file, subject, version = "latest";
  std::string registry, registry_auth;
  std::string topic = "devices/{{device}}/events";
  std::string type, source;
  std::string client_id_prefix = "accord-device-";
  std::string output = "text";
  double ack_timeout_s = 10;
  bool verbose = false, quiet = false;
  bool retain = false;
};

std::string read_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Failure{kUsage, std::string("cannot read ") + what + " " + path};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string attribute_text(const json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : to_json_text(v);
}

bool is_json_type(const std::string& ct) {
  return ct.empty() || ct.find("json") != std::string::npos;
}

// The MQTT message for one event: structured (whole event, content type
// application/cloudevents+json) or MQTT 5 binary mode (attributes as user properties, content
// type = datacontenttype, payload = data).
mqtt::message_ptr make_message(const std::string& topic, const json::object& event, const Options& o) {
  auto msg = mqtt::make_message(topic, std::string(), o.qos, o.retain);
  if (!o.binary) {
    msg->set_payload(to_json_text(event));
    if (o.broker.mqtt == 5)
      msg->set_properties(mqtt::properties{{mqtt::property::CONTENT_TYPE, "application/cloudevents+json"}});
    return msg;
  }
  mqtt::properties props;
  std::string content_type;
  if (const auto* ct = event.if_contains("datacontenttype")) content_type = attribute_text(*ct);
  for (const auto& [key, value] : event) {
    if (key == "data" || key == "datacontenttype") continue;
    if (key == "data_base64") throw Failure{kUsage, "binary mode does not take data_base64 events"};
    props.add({mqtt::property::USER_PROPERTY, std::string(key), attribute_text(value)});
  }
  if (!content_type.empty()) props.add({mqtt::property::CONTENT_TYPE, content_type});
  if (const auto* data = event.if_contains("data")) {
    if (data->is_string() && !is_json_type(content_type))
      msg->set_payload(std::string(data->as_string()));
    else
      msg->set_payload(to_json_text(*data));
  }
  msg->set_properties(props);
  return msg;
}

// ---- bookkeeping --------------------------------------------------------------------------------

class Stats : public mqtt::iaction_listener {
 public:
  explicit Stats(bool verbose) : verbose_(verbose) {}

  void sending(std::uint64_t n) {
    std::lock_guard lock(mu_);
    pending_[n] = Clock::now();
    ++sent_;
  }
  void send_failed(std::uint64_t n, const std::string& why) {
    std::lock_guard lock(mu_);
    pending_.erase(n);
    --sent_;
    ++errors_[why];
    if (verbose_) std::cerr << "event " << n << ": not sent: " << why << '\n';
  }
  void connection_lost() {
    std::lock_guard lock(mu_);
    ++disconnects_;
  }

  void on_success(const mqtt::token& tok) override {
    const auto n = std::uint64_t(reinterpret_cast<std::uintptr_t>(tok.get_user_context()));
    std::lock_guard lock(mu_);
    const auto it = pending_.find(n);
    if (it == pending_.end()) return;
    latencies_ms_.push_back(std::chrono::duration<double, std::milli>(Clock::now() - it->second).count());
    pending_.erase(it);
    ++acked_;
    done_.notify_all();
  }
  void on_failure(const mqtt::token& tok) override {
    const auto n = std::uint64_t(reinterpret_cast<std::uintptr_t>(tok.get_user_context()));
    const int reason = int(tok.get_reason_code());
    std::lock_guard lock(mu_);
    if (pending_.erase(n) == 0) return;
    if (reason >= 0x80 && reason <= 0xa2) {  // a PUBACK/PUBREC reason code (not a lost connection)
      ++rejected_[reason];
      if (verbose_)
        std::cerr << "event " << n << ": rejected " << hex_code(reason) << " " << reason_name(reason) << '\n';
    } else {
      const std::string why = mqtt::exception::error_str(tok.get_return_code());
      ++errors_[why.empty() ? "error " + std::to_string(tok.get_return_code()) : why];
      if (verbose_) std::cerr << "event " << n << ": failed: " << why << '\n';
    }
    done_.notify_all();
  }

  // Waits until nothing is pending or `deadline`; what is still pending then becomes an error.
  void drain(Clock::time_point deadline) {
    std::unique_lock lock(mu_);
    // Woken by each ack; every 100 ms too, for Ctrl-C.
    while (!pending_.empty() && !g_stop && Clock::now() < deadline)
      done_.wait_until(lock, std::min(deadline, Clock::now() + std::chrono::milliseconds(100)));
    if (!pending_.empty()) {
      errors_["no acknowledgement"] += pending_.size();
      pending_.clear();
    }
  }
  std::size_t in_flight() {
    std::lock_guard lock(mu_);
    return pending_.size();
  }

  struct Snapshot {
    std::uint64_t sent = 0, acked = 0, rejected = 0, errors = 0, disconnects = 0;
    std::map<int, std::uint64_t> rejected_by;
    std::map<std::string, std::uint64_t> errors_by;
    double p50 = 0, p99 = 0;
    bool has_latency = false;
  };
  Snapshot snapshot(bool with_latency = false) {
    std::lock_guard lock(mu_);
    Snapshot s;
    s.sent = sent_;
    s.acked = acked_;
    s.disconnects = disconnects_;
    s.rejected_by = rejected_;
    s.errors_by = errors_;
    for (const auto& [c, k] : rejected_) s.rejected += k;
    for (const auto& [c, k] : errors_) s.errors += k;
    if (with_latency && !latencies_ms_.empty()) {
      auto v = latencies_ms_;
      std::sort(v.begin(), v.end());
      auto at = [&](double q) { return v[std::min(v.size() - 1, std::size_t(q * double(v.size())))]; };
      s.p50 = at(0.50);
      s.p99 = at(0.99);
      s.has_latency = true;
    }
    return s;
  }

 private:
  bool verbose_;
  std::mutex mu_;
  std::condition_variable done_;
  std::unordered_map<std::uint64_t, Clock::time_point> pending_;
  std::uint64_t sent_ = 0, acked_ = 0, disconnects_ = 0;
  std::map<int, std::uint64_t> rejected_;
  std::map<std::string, std::uint64_t> errors_;
  std::vector<double> latencies_ms_;
};

std::string fixed(double v, int digits) {
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(digits);
  s << v;
  return s.str();
}

std::string progress_line(const Stats::Snapshot& s, double elapsed) {
  std::ostringstream out;
  out << "sent " << s.sent << "  acked " << s.acked << "  rejected " << s.rejected << "  errors "
      << s.errors << "  " << fixed(elapsed > 0 ? double(s.sent) / elapsed : 0, 1) << " msg/s  "
      << fixed(elapsed, 0) << " s";
  return out.str();
}

void print_summary(const Options& o, const Stats::Snapshot& s, double elapsed) {
  const double rate = elapsed > 0 ? double(s.sent) / elapsed : 0;
  if (o.output == "json") {
    json::object rej;
    for (const auto& [code, k] : s.rejected_by) rej[std::to_string(code)] = k;
    json::array rejections;
    for (const auto& [code, k] : s.rejected_by)
      rejections.push_back(json::object{{"reason_code", code}, {"reason", reason_name(code)}, {"count", k}});
    json::object errs;
    for (const auto& [why, k] : s.errors_by) errs[why] = k;
    json::object out{{"devices", o.devices},
                     {"mqtt", o.broker.mqtt},
                     {"mode", o.binary ? "binary" : "structured"},
                     {"qos", o.qos},
                     {"sent", s.sent},
                     {"acked", s.acked},
                     {"rejected", s.rejected},
                     {"rejected_by_reason", std::move(rej)},
                     {"rejections", std::move(rejections)},
                     {"errors", s.errors},
                     {"errors_by_cause", std::move(errs)},
                     {"disconnects", s.disconnects},
                     {"duration_s", std::round(elapsed * 1000) / 1000},
                     {"rate", std::round(rate * 10) / 10}};
    if (s.has_latency)
      out["latency_ms"] = json::object{{"p50", std::round(s.p50 * 1000) / 1000}, {"p99", std::round(s.p99 * 1000) / 1000}};
    else
      out["latency_ms"] = nullptr;
    std::cout << to_json_text(out) << std::endl;
    return;
  }
  std::cout << "devices      " << o.devices << " (MQTT " << (o.broker.mqtt == 5 ? "5" : "3.1.1") << ", "
            << (o.binary ? "binary" : "structured") << " mode, QoS " << o.qos << ")\n"
            << "sent         " << s.sent << "\n"
            << "acked        " << s.acked << "\n"
            << "rejected     " << s.rejected << "\n";
  for (const auto& [code, k] : s.rejected_by)
    std::cout << "  " << hex_code(code) << " " << reason_name(code) << ": " << k << "\n";
  std::cout << "errors       " << s.errors << "\n";
  for (const auto& [why, k] : s.errors_by) std::cout << "  " << why << ": " << k << "\n";
  if (s.disconnects) std::cout << "disconnects  " << s.disconnects << "\n";
  std::cout << "rate         " << fixed(rate, 1) << " msg/s over " << fixed(elapsed, 2) << " s\n";
  if (s.has_latency)
    std::cout << "ack latency  p50 " << fixed(s.p50, 2) << " ms, p99 " << fixed(s.p99, 2) << " ms\n";
  std::cout.flush();
}

int run(Options& o) {
  if (o.binary && o.broker.mqtt != 5) throw Failure{kUsage, "--binary needs MQTT 5 (user properties)"};
  const int sources = int(!o.template_file.empty()) + int(!o.schema_file.empty()) + int(!o.subject.empty());
  if (sources != 1) throw Failure{kUsage, "give exactly one of --template, --schema, --subject"};
  if (o.count <= 0 && o.duration_s <= 0) o.count = 10;

  std::mt19937_64 rng{std::random_device{}()};
  EventSource events;
  if (!o.template_file.empty()) {
    events = EventSource::from_template_text(read_file(o.template_file, "template"), o.type, o.source);
  } else if (!o.schema_file.empty()) {
    events = EventSource::from_schema_text(read_file(o.schema_file, "schema"), o.type, o.source,
                                           "schema " + o.schema_file);
  } else {
    if (o.registry.empty()) {
      const char* env = std::getenv("ACCORD_ADMIN");
      o.registry = env ? env : "http://127.0.0.1:8081";
    }
    if (o.registry_auth.empty())
      if (const char* auth = std::getenv("ACCORD_ADMIN_AUTH")) o.registry_auth = auth;
    const std::string schema = fetch_schema(o.registry, o.registry_auth, o.subject, o.version, o.broker.connect_timeout_s);
    if (o.type.empty()) o.type = o.subject;
    events = EventSource::from_schema_text(schema, o.type, o.source,
                                           "subject " + o.subject + " version " + o.version);
  }
  const Template topic(o.topic);
  // Every variant must render before anything connects (a bad template is a usage error).
  for (std::size_t i = 0; i < events.variants(); ++i) {
    RenderContext ctx{"device-1", 1, i + 1, &rng};
    auto event = events.render(ctx);
    make_message(topic.render(ctx), event, o);
  }

  // Connect every device at once: Paho C serializes a connect started while another client of
  // the process is connected behind that client's receive loop (eclipse-paho/paho.mqtt.c#1430).
  const std::string uri = o.broker.server_uri();
  Stats stats(o.verbose);
  std::vector<std::unique_ptr<mqtt::async_client>> clients;
  std::vector<mqtt::token_ptr> connecting;
  auto copts = o.broker.connect_options();
  copts.set_automatic_reconnect(1, 5);
  for (int d = 1; d <= o.devices; ++d) {
    auto c = std::make_unique<mqtt::async_client>(
        uri, o.client_id_prefix + std::to_string(d),
        mqtt::create_options(o.broker.mqtt == 5 ? MQTTVERSION_5 : MQTTVERSION_3_1_1));
    c->set_connection_lost_handler([&stats](const std::string&) { stats.connection_lost(); });
    connecting.push_back(c->connect(copts));
    clients.push_back(std::move(c));
  }
  std::optional<Failure> connect_error;
  int connected = 0;
  for (auto& t : connecting) {
    try {
      if (t->wait_for(std::chrono::seconds(o.broker.connect_timeout_s + 2)))
        ++connected;
      else if (!connect_error)
        connect_error = Failure{kUnreachable, "cannot reach the broker at " + uri + ": connect timed out"};
    } catch (const mqtt::exception& e) {
      if (!connect_error) connect_error = connect_failure(uri, e);
    }
  }
  auto close_all = [&] {
    std::vector<mqtt::token_ptr> closing;
    for (auto& c : clients) {
      try {
        if (c->is_connected()) closing.push_back(c->disconnect(1000));
      } catch (const mqtt::exception&) {
      }
    }
    for (auto& t : closing) {
      try {
        t->wait_for(std::chrono::seconds(2));
      } catch (const mqtt::exception&) {
      }
    }
  };
  if (connect_error) {
    close_all();
    if (connected > 0 && connect_error->code == kUnreachable) connect_error->code = kFailed;
    throw *connect_error;
  }

  // Publish at the rate, round-robin over the devices.
  const bool progress = !o.quiet && ::isatty(2);
  const auto start = Clock::now();
  const auto end = o.duration_s > 0 ? start + std::chrono::duration_cast<Clock::duration>(
                                                  std::chrono::duration<double>(o.duration_s))
                                    : Clock::time_point::max();
  std::atomic<bool> publishing{true};
  std::thread ticker;
  if (progress)
    ticker = std::thread([&] {
      auto next = start + std::chrono::seconds(1);
      while (publishing) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        if (Clock::now() < next) continue;
        next += std::chrono::seconds(1);
        const double el = std::chrono::duration<double>(Clock::now() - start).count();
        std::cerr << "\r\033[K" << progress_line(stats.snapshot(), el) << std::flush;
      }
      std::cerr << "\r\033[K" << std::flush;
    });
  std::vector<std::uint64_t> seq(std::size_t(o.devices), 0);
  int failure = kOk;
  std::string failure_message;
  for (std::uint64_t n = 1; !g_stop; ++n) {
    if (o.count > 0 && n > std::uint64_t(o.count)) break;
    if (o.rate > 0) {
      const auto due = start + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(double(n - 1) / o.rate));
      if (due >= end) break;
      while (!g_stop && Clock::now() < due)
        std::this_thread::sleep_until(std::min(due, Clock::now() + std::chrono::milliseconds(100)));
      if (g_stop) break;
    } else {
      // As fast as possible, with at most 100 events in flight per device.
      while (!g_stop && stats.in_flight() >= std::size_t(100 * o.devices))
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    if (Clock::now() >= end) break;
    const std::size_t d = (n - 1) % std::size_t(o.devices);
    RenderContext ctx{"device-" + std::to_string(d + 1), ++seq[d], n, &rng};
    mqtt::message_ptr msg;
    try {
      msg = make_message(topic.render(ctx), events.render(ctx), o);
    } catch (const Failure& f) {
      failure = f.code;
      failure_message = f.message;
      break;
    }
    stats.sending(n);
    try {
      clients[d]->publish(msg, reinterpret_cast<void*>(std::uintptr_t(n)), stats);
    } catch (const mqtt::exception& e) {
      stats.send_failed(n, mqtt::exception::error_str(e.get_return_code()));
    }
  }
  stats.drain(Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(o.ack_timeout_s)));
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  publishing = false;
  if (ticker.joinable()) ticker.join();
  close_all();
  if (failure != kOk) throw Failure{failure, failure_message};
  const auto s = stats.snapshot(true);
  print_summary(o, s, elapsed);
  return s.rejected == 0 && s.errors == 0 && s.acked == s.sent ? kOk : kFailed;
}

}  // namespace
}  // namespace accord::clients

int main(int argc, char** argv) {
  using namespace accord::clients;
  CLI::App app{"accord-device: simulate IoT devices publishing CloudEvents over MQTT"};
  Options o;
  o.broker.add_to(app);
  app.add_option("-n,--devices", o.devices, "number of simulated devices (default 1)")->check(CLI::Range(1, 10000));
  app.add_option("-r,--rate", o.rate, "total events per second over all devices (default 10; 0 = as fast as possible)")
      ->check(CLI::Range(0.0, 1e6));
  app.add_option("-c,--count", o.count, "total events to publish (default 10 unless --duration)")->check(CLI::Range(1LL, 1LL << 40));
  app.add_option("-d,--duration", o.duration_s, "publish for this many seconds")->check(CLI::Range(0.001, 1e7));
  app.add_option("-q,--qos", o.qos, "QoS 0, 1 or 2 (default 1)")->check(CLI::Range(0, 2));
  app.add_flag("--binary", o.binary, "MQTT 5 binary content mode (attributes as user properties)");
  bool structured = false;
  app.add_flag("--structured", structured, "structured content mode, application/cloudevents+json (the default)");
  app.add_flag("--retain", o.retain, "publish retained");
  app.add_option("--template", o.template_file, "a JSON CloudEvent with placeholders ({{device}}, {{seq}}, {{n}}, {{uuid}}, {{now}}, {{rand:MIN:MAX}})");
  app.add_option("--schema", o.schema_file, "a JSON Schema file whose `examples` are the events' data");
  app.add_option("--subject", o.subject, "take the schema (its `examples`) from this registry subject");
  app.add_option("--version", o.version, "the subject's version (default latest)");
  app.add_option("--registry", o.registry, "registry (admin API) URL, http://HOST:PORT (default $ACCORD_ADMIN or http://127.0.0.1:8081)");
  app.add_option("--registry-auth", o.registry_auth, "Authorization header for the registry (default $ACCORD_ADMIN_AUTH)");
  app.add_option("-t,--topic", o.topic, "topic, with placeholders (default devices/{{device}}/events)");
  app.add_option("--type", o.type, "the events' type (default: the template's, or the subject)");
  app.add_option("--source", o.source, "the events' source (default: the template's, or /accord-device/{{device}})");
  app.add_option("--client-id-prefix", o.client_id_prefix, "client ids are PREFIX1..PREFIXN (default accord-device-)");
  app.add_option("--ack-timeout", o.ack_timeout_s, "seconds to wait for the last acknowledgements (default 10)")
      ->check(CLI::Range(0.0, 3600.0));
  app.add_option("-o,--output", o.output, "summary format: text or json")->check(CLI::IsMember({"text", "json"}));
  app.add_flag("-v,--verbose", o.verbose, "print every rejection and failure to stderr");
  app.add_flag("--quiet", o.quiet, "no progress line");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? kOk : kUsage;
  }
  if (structured && o.binary) {
    std::cerr << "accord-device: --structured and --binary exclude each other\n";
    return kUsage;
  }
  std::signal(SIGINT, [](int) { g_stop = true; });
  std::signal(SIGTERM, [](int) { g_stop = true; });
  try {
    return run(o);
  } catch (const Failure& f) {
    std::cerr << "accord-device: " << f.message << '\n';
    return f.code;
  } catch (const mqtt::exception& e) {
    std::cerr << "accord-device: " << e.what() << '\n';
    return kFailed;
  } catch (const std::exception& e) {
    std::cerr << "accord-device: " << e.what() << '\n';
    return kFailed;
  }
}
