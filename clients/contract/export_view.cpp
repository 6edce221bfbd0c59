// Offline registry view: an `accordctl registry export` file replayed into an in-process
// registry on a memory store, so compatibility is decided by the same code as the broker's.
#include <fstream>
#include <sstream>

#include "broker/store/store.hpp"
#include "clients/contract/contract.hpp"
#include "registry/core/registry.hpp"

namespace accord::contract {

namespace json = boost::json;

namespace {

class ExportView final : public RegistryView {
 public:
  ExportView(std::unique_ptr<store::Store> store, std::unique_ptr<registry::Registry> reg, std::vector<Contract> contracts)
      : store_(std::move(store)), reg_(std::move(reg)), contracts_(std::move(contracts)) {}

  CompatOutcome check_compatibility(const std::string& subject, const Produced& p) override {
    CompatOutcome out;
    out.level = registry::to_string(reg_->effective_compatibility(subject));
    auto versions = reg_->versions(subject, false);
    if (!versions || versions->empty()) {
      out.new_subject = true;
      return out;
    }
    auto r = reg_->check_compatibility(subject, std::nullopt, registry::SchemaInput{p.schema_text, p.schema_type, {}});
    if (!r) {
      out.compatible = false;
      out.messages.push_back(r.error().message);
      return out;
    }
    out.compatible = r->compatible;
    out.messages = r->messages;
    return out;
  }

  std::optional<LatestSchema> latest(const std::string& subject) override {
    auto v = reg_->version(subject, "latest", false);
    if (!v) return std::nullopt;
    return LatestSchema{v->schema.type, v->schema.text, v->version};
  }

  std::vector<Contract> contracts() override { return contracts_; }

 private:
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<registry::Registry> reg_;
  std::vector<Contract> contracts_;
};

[[noreturn]] void bad(const std::string& file, const std::string& what) {
  throw ContractError(file + ": not a registry export: " + what);
}

std::optional<registry::CompatibilityLevel> level(const json::value* v, const std::string& file) {
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_string()) bad(file, "a compatibility level must be a string");
  auto l = registry::parse_compatibility_level(std::string(v->get_string()));
  if (!l) bad(file, "unknown compatibility level '" + std::string(v->get_string()) + "'");
  return l;
}

}  // namespace

std::unique_ptr<RegistryView> export_view(const std::string& file, std::vector<Contract> contracts) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ContractError("cannot read registry export " + file);
  std::stringstream s;
  s << in.rdbuf();
  boost::system::error_code ec;
  auto doc = json::parse(s.str(), ec);
  if (ec) bad(file, "not JSON (" + ec.message() + ")");
  if (!doc.is_object()) bad(file, "a JSON object is expected");
  const auto& o = doc.get_object();
  if (const auto* f = o.if_contains("format"); !f || !f->is_string() || f->get_string() != "accord-registry-export")
    bad(file, "\"format\" must be \"accord-registry-export\"");

  store::StoreOptions so;
  so.durability = store::Durability::Memory;
  auto st = store::open_store(so);
  if (!st.status.ok) throw ContractError("cannot open an in-memory store: " + st.status.message);
  auto r = registry::Registry::open(*st.store, {});
  if (!r.ok()) throw ContractError("cannot open an in-memory registry: " + r.error().message);
  auto reg = std::move(r.value());

  const auto* subjects = o.if_contains("subjects");
  if (!subjects || !subjects->is_array()) bad(file, "\"subjects\" must be an array");
  struct Pending {
    std::string subject;
    registry::SchemaInput input;
  };
  std::vector<Pending> pending;
  std::vector<std::pair<std::string, std::optional<registry::CompatibilityLevel>>> levels;
  try {
    for (const auto& sv : subjects->get_array()) {
      const auto& so2 = sv.as_object();
      const std::string subject(so2.at("subject").as_string());
      levels.emplace_back(subject, level(so2.if_contains("compatibility"), file));
      for (const auto& vv : so2.at("versions").as_array()) {
        const auto& vo = vv.as_object();
        registry::SchemaInput in;
        in.schema = std::string(vo.at("schema").as_string());
        if (const auto* t = vo.if_contains("schemaType"); t && t->is_string()) {
          auto type = registry::parse_schema_type(std::string(t->get_string()));
          if (!type) bad(file, "unknown schemaType '" + std::string(t->get_string()) + "'");
          in.type = *type;
        }
        if (const auto* refs = vo.if_contains("references"); refs && refs->is_array())
          for (const auto& rv : refs->get_array())
            in.references.push_back({std::string(rv.at("name").as_string()), std::string(rv.at("subject").as_string()),
                                     static_cast<int>(rv.at("version").to_number<std::int64_t>())});
        pending.push_back({subject, std::move(in)});
      }
    }
  } catch (const ContractError&) {
    throw;
  } catch (const std::exception& e) {
    bad(file, std::string("malformed subject entry (") + e.what() + ")");
  }
  // Versions are registered with NONE (they were accepted under the registry's rules already);
  // a version referencing a subject exported later waits for the next pass.
  reg->set_compatibility("", registry::CompatibilityLevel::None);
  while (!pending.empty()) {
    std::vector<Pending> retry;
    std::string last_error;
    for (auto& p : pending) {
      auto id = reg->register_schema(p.subject, p.input);
      if (!id) {
        last_error = p.subject + ": " + id.error().message;
        retry.push_back(std::move(p));
      }
    }
    if (retry.size() == pending.size()) bad(file, "cannot register " + last_error);
    pending = std::move(retry);
  }
  auto global = level(o.if_contains("compatibility"), file);
  reg->set_compatibility("", global.value_or(registry::CompatibilityLevel::Backward));
  for (const auto& [subject, l] : levels)
    if (l) reg->set_compatibility(subject, *l);

  if (const auto* cs = o.if_contains("contracts"); cs && cs->is_array())
    for (const auto& c : cs->get_array()) contracts.push_back(from_json(c));
  return std::make_unique<ExportView>(std::move(st.store), std::move(reg), std::move(contracts));
}

}  // namespace accord::contract
