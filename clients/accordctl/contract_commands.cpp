// accordctl contract test|can-deploy|publish (docs/contracts.md): contract tests for CI.
//
//   accordctl contract test CONTRACT [--registry-file EXPORT.json [--consumer C2.yaml ...]]
//             [--live --broker mqtt://HOST:PORT] [--junit FILE] [--github]
//   accordctl contract can-deploy CONTRACT [--registry-file EXPORT.json [--consumer C2.yaml ...]]
//   accordctl contract publish CONTRACT        the consumer part, to /accord/v1/contracts/{service}
//
// Exit codes: 0 every check passed (can-deploy: safe to deploy), 1 a check failed, 2 unreadable
// or invalid contract (or export) file, 3 registry or broker unreachable.
#include <mqtt/async_client.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>

#include "cli.hpp"
#include "clients/contract/contract.hpp"

namespace accordctl {

namespace json = boost::json;
using namespace accord::contract;

namespace {

// Online: the registry's REST API through the admin client.
class OnlineView final : public RegistryView {
 public:
  explicit OnlineView(const Context& ctx) : ctx_(ctx) {}

  CompatOutcome check_compatibility(const std::string& subject, const Produced& p) override {
    CompatOutcome out;
    const std::string s = path_segment(subject);
    auto versions = call(ctx_, "GET", "/subjects/" + s + "/versions");
    if (versions.status == 404) {
      out.new_subject = true;
      return out;
    }
    check(versions);
    auto level = request(ctx_, "GET", "/config/" + s + "?defaultToGlobal=true");
    if (const auto* l = level.as_object().if_contains("compatibilityLevel"); l && l->is_string())
      out.level = std::string(l->get_string());
    json::object body{{"schema", p.schema_text}, {"schemaType", accord::registry::to_string(p.schema_type)}};
    auto r = call(ctx_, "POST", "/compatibility/subjects/" + s + "/versions?verbose=true", json::serialize(body));
    if (r.status >= 400) {
      // The registry refused the schema itself (e.g. 422 invalid): a failed check, with its message.
      out.compatible = false;
      const auto* m = r.body.is_object() ? r.body.as_object().if_contains("message") : nullptr;
      out.messages.push_back(m && m->is_string() ? std::string(m->get_string()) : "HTTP " + std::to_string(r.status));
      return out;
    }
    const auto& o = r.body.as_object();
    out.compatible = o.at("is_compatible").as_bool();
    if (const auto* m = o.if_contains("messages"); m && m->is_array())
      for (const auto& e : m->get_array())
        if (e.is_string()) out.messages.emplace_back(e.get_string());
    return out;
  }

  std::optional<LatestSchema> latest(const std::string& subject) override {
    auto r = call(ctx_, "GET", "/subjects/" + path_segment(subject) + "/versions/latest");
    if (r.status == 404) return std::nullopt;
    check(r);
    const auto& o = r.body.as_object();
    LatestSchema l;
    l.text = std::string(o.at("schema").as_string());
    l.version = static_cast<int>(o.at("version").to_number<std::int64_t>());
    if (const auto* t = o.if_contains("schemaType"); t && t->is_string())
      l.type = accord::registry::parse_schema_type(std::string(t->get_string())).value_or(accord::registry::SchemaType::Json);
    return l;
  }

  std::vector<Contract> contracts() override {
    std::vector<Contract> out;
    auto body = request(ctx_, "GET", "/accord/v1/contracts");
    for (const auto& c : body.as_array()) out.push_back(from_json(c));
    return out;
  }

 private:
  const Context& ctx_;
};

struct Options {
  std::string contract, registry_file, junit, broker;
  std::vector<std::string> consumers;
  bool live = false, github = false;
  int ack_timeout_s = 10;
};

Contract load(const std::string& path) {
  try {
    return load_contract(path);
  } catch (const ContractError& e) {
    throw Failure{kUsage, e.what()};
  }
}

std::unique_ptr<RegistryView> make_view(const Context& ctx, const Options& o) {
  if (o.registry_file.empty()) {
    if (!o.consumers.empty()) throw Failure{kUsage, "--consumer needs --registry-file (online, consumers come from the registry)"};
    return std::make_unique<OnlineView>(ctx);
  }
  std::vector<Contract> consumers;
  for (const auto& c : o.consumers) consumers.push_back(load(c));
  try {
    return export_view(o.registry_file, std::move(consumers));
  } catch (const ContractError& e) {
    throw Failure{kUsage, e.what()};
  }
}

// (4) live: each example, structured, MQTT 5, QoS 1, to its event's first topic; valid ones must
// be acknowledged with 0x00, invalid ones refused with 0x99.
void check_live(const Contract& c, const Options& o, const Context& ctx, Report& report) {
  std::string uri = o.broker;
  if (uri.rfind("mqtt://", 0) == 0) uri = "tcp://" + uri.substr(7);
  if (uri.find("://") == std::string::npos) uri = "tcp://" + uri;
  const auto timeout = ctx.timeout();
  mqtt::async_client client(uri, "accordctl-contract-" + std::to_string(::getpid()), mqtt::create_options(MQTTVERSION_5));
  auto copts = mqtt::connect_options_builder()
                   .mqtt_version(MQTTVERSION_5)
                   .clean_start(true)
                   .connect_timeout(timeout)
                   .finalize();
  try {
    auto t = client.connect(copts);
    if (!t->wait_for(timeout + std::chrono::seconds(1)))
      throw Failure{kUnreachable, "cannot reach the broker at " + o.broker + ": connect timed out"};
  } catch (const mqtt::exception& e) {
    throw Failure{kUnreachable, "cannot reach the broker at " + o.broker + ": " + e.get_error_str()};
  }
  for (const auto& p : c.produces) {
    auto run = [&](const ExampleFile& ex, bool valid) {
      CheckResult r{Kind::Live, p.type + ": " + ex.file + (valid ? " (valid)" : " (invalid)"), true, "", ex.path};
      if (p.topics.empty()) {
        r.passed = false;
        r.message = "the event declares no topic to publish to";
        report.results.push_back(std::move(r));
        return;
      }
      std::string topic = p.topics.front();
      for (std::size_t i; (i = topic.find('+')) != std::string::npos;) topic.replace(i, 1, "contract-test");
      if (auto i = topic.find('#'); i != std::string::npos) topic.replace(i, 1, "contract-test");
      auto msg = mqtt::make_message(topic, ex.text, 1, false);
      msg->set_properties(mqtt::properties{{mqtt::property::CONTENT_TYPE, "application/cloudevents+json"}});
      int reason = -1;
      std::string error;
      mqtt::delivery_token_ptr tok;
      try {
        tok = client.publish(msg);
        if (!tok->wait_for(std::chrono::seconds(o.ack_timeout_s))) error = "no PUBACK within " + std::to_string(o.ack_timeout_s) + " s";
        else reason = int(tok->get_reason_code());
      } catch (const mqtt::exception& e) {
        reason = tok ? int(tok->get_reason_code()) : -1;
        if (reason < 0x80) {
          reason = -1;
          error = e.get_error_str();
        }
      }
      const int want = valid ? 0x00 : 0x99;
      char hex[16];
      std::snprintf(hex, sizeof hex, "0x%02x", want);
      if (reason == want) {
        r.message = std::string(valid ? "accepted" : "rejected") + " on " + topic + " (PUBACK " + hex + ")";
      } else {
        r.passed = false;
        char got[16];
        std::snprintf(got, sizeof got, "0x%02x", reason < 0 ? 0 : reason);
        r.message = "published to " + topic + ": expected PUBACK " + hex + ", " +
                    (reason < 0 ? "got none (" + error + ")" : std::string("got ") + got);
      }
      report.results.push_back(std::move(r));
    };
    for (const auto& ex : p.valid) run(ex, true);
    for (const auto& ex : p.invalid) run(ex, false);
  }
  try {
    client.disconnect(1000)->wait_for(std::chrono::seconds(2));
  } catch (const mqtt::exception&) {
  }
}

// Runs a check, turning registry failures into exit code 3 (unreachable) or 1.
template <class F>
void guarded(F&& f) {
  try {
    f();
  } catch (const ContractError& e) {
    throw Failure{kUsage, e.what()};
  } catch (const std::out_of_range& e) {
    throw Failure{kFailed, std::string("unexpected answer from the registry: ") + e.what()};
  } catch (const std::invalid_argument& e) {
    throw Failure{kFailed, std::string("unexpected answer from the registry: ") + e.what()};
  }
}

int run_test(const Context& ctx, const Options& o) {
  const Contract c = load(o.contract);
  if (o.live && o.broker.empty()) throw Failure{kUsage, "--live needs --broker mqtt://HOST:PORT"};
  auto view = make_view(ctx, o);
  Report report{c.service, c.path, {}};
  guarded([&] {
    check_compatibility(c, *view, report);
    check_examples(c, report);
    check_consumers(c, *view, report);
  });
  if (o.live) check_live(c, o, ctx, report);
  if (!o.junit.empty()) {
    std::ofstream out(o.junit, std::ios::binary | std::ios::trunc);
    out << junit_xml(report);
    if (!out) throw Failure{kUsage, "cannot write the JUnit file " + o.junit};
  }
  const char* gha = std::getenv("GITHUB_ACTIONS");
  if (o.github || (gha && std::string(gha) == "true")) std::cout << github_annotations(report);
  if (ctx.json()) {
    json::array results;
    for (const auto& r : report.results)
      results.push_back(json::object{{"check", to_string(r.kind)}, {"name", r.name}, {"passed", r.passed},
                                     {"message", r.message}, {"file", r.file}});
    std::cout << json::serialize(json::object{{"service", c.service}, {"passed", report.passed()},
                                              {"results", std::move(results)}})
              << '\n';
  } else {
    std::cout << summary_text(report);
  }
  return report.passed() ? kOk : kFailed;
}

int run_can_deploy(const Context& ctx, const Options& o) {
  const Contract c = load(o.contract);
  auto view = make_view(ctx, o);
  Report report{c.service, c.path, {}};
  guarded([&] {
    check_compatibility(c, *view, report);
    check_consumers(c, *view, report);
  });
  std::vector<std::string> broken;
  for (const auto& r : report.results)
    if (!r.passed) broken.push_back(r.name + ": " + r.message);
  if (ctx.json()) {
    json::array b;
    for (const auto& s : broken) b.push_back(json::string(s));
    std::cout << json::serialize(json::object{{"service", c.service}, {"can_deploy", broken.empty()}, {"breaks", std::move(b)}})
              << '\n';
  } else if (broken.empty()) {
    std::cout << "yes: deploying " << c.service << " breaks no one (" << report.results.size() << " check(s))\n";
  } else {
    std::cout << "no: deploying " << c.service << " breaks:\n";
    for (const auto& s : broken) std::cout << "  " << s << '\n';
  }
  return broken.empty() ? kOk : kFailed;
}

}  // namespace

void add_contract_commands(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("contract", "contract tests for CI (docs/contracts.md)")->require_subcommand(1);
  cmd->fallthrough();
  auto o = std::make_shared<Options>();

  auto* test = cmd->add_subcommand("test", "check a contract file: compatibility, examples, consumers, live");
  test->add_option("contract", o->contract, "the contract file (YAML)")->required();
  test->add_option("--registry-file", o->registry_file, "offline: an `accordctl registry export` file");
  test->add_option("--consumer", o->consumers, "offline: a consumer's contract file (repeatable)");
  test->add_flag("--live", o->live, "also publish the examples to --broker and check the acknowledgements");
  test->add_option("--broker", o->broker, "broker for --live, mqtt://HOST:PORT");
  test->add_option("--ack-timeout", o->ack_timeout_s, "seconds to wait for each PUBACK (default 10)")->check(CLI::Range(1, 3600));
  test->add_option("--junit", o->junit, "write a JUnit XML report to FILE");
  test->add_flag("--github", o->github, "GitHub Actions annotations (default when GITHUB_ACTIONS=true)");
  test->callback([&ctx, o] { ctx.action = [&ctx, o] { return run_test(ctx, *o); }; });

  auto* deploy = cmd->add_subcommand("can-deploy", "does deploying this producer or consumer break anyone?");
  deploy->add_option("contract", o->contract, "the contract file (YAML)")->required();
  deploy->add_option("--registry-file", o->registry_file, "offline: an `accordctl registry export` file");
  deploy->add_option("--consumer", o->consumers, "offline: a consumer's contract file (repeatable)");
  deploy->callback([&ctx, o] { ctx.action = [&ctx, o] { return run_can_deploy(ctx, *o); }; });

  auto* publish = cmd->add_subcommand("publish", "publish a contract's consumer expectations to the registry");
  publish->add_option("contract", o->contract, "the contract file (YAML)")->required();
  publish->callback([&ctx, o] {
    ctx.action = [&ctx, o] {
      const Contract c = load(o->contract);
      request(ctx, "PUT", "/accord/v1/contracts/" + path_segment(c.service), json::serialize(to_json(c)));
      if (ctx.json()) std::cout << json::serialize(to_json(c)) << '\n';
      else std::cout << "published the contract of " << c.service << " (" << c.consumes.size() << " consumed event type(s))\n";
      return kOk;
    };
  });
}

}  // namespace accordctl
