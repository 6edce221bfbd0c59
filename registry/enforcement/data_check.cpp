#include <algorithm>

#include "registry/enforcement/detail.hpp"

namespace accord::enforcement::detail {

namespace {

// Enough errors to fix a payload in one go, few enough to keep a dead letter's properties small.
constexpr std::size_t kMaxDataErrors = 20;

void set_schema(Verdict& v, const ResolvedSchema& s) {
  if (!s.subject.empty()) v.subject = s.subject;
  v.version = s.version;
  v.schema_id = s.id;
}

void add_errors(Verdict& v, const std::vector<registry::PayloadError>& errors) {
  for (const auto& e : errors) {
    // JSON pointers start with '/', Protobuf field paths do not; both read as "data/<path>".
    std::string where = "data";
    if (!e.location.empty()) where += (e.location.front() == '/' ? "" : "/") + e.location;
    add_finding(v, FailureReason::DataInvalid, std::move(where), e.message);
  }
}

}  // namespace

void check_data(const Policy& policy, const SchemaSource& source, const DataToCheck& in,
                Verdict& v) {
  v.subject = in.pin && !in.pin->id ? in.pin->subject : in.subject;
  if (!in.format) {
    add_finding(v, FailureReason::DataInvalid, "datacontenttype", "data of content type '" + in.content_type +
                                               "' cannot be validated (JSON or Protobuf only)");
    return;
  }
  if (!in.data) {
    add_finding(v, FailureReason::DataInvalid, "data", "the event has no data to validate");
    return;
  }
  const bool binary = *in.format == DataFormat::ProtobufBinary;

  // A recognised dataschema names exactly one schema: the producer's claim is what we check,
  // whatever the policy's version selection says.
  std::optional<ResolvedSchema> chosen;
  if (in.pin) {
    chosen = in.pin->id ? source.by_id(*in.pin->id) : source.get(in.pin->subject, in.pin->version);
    if (!chosen) {
      add_finding(v, FailureReason::SchemaNotFound, "dataschema", "dataschema names no registered schema");
      return;
    }
  } else if (policy.version_selection == VersionSelection::AnyRegistered) {
    auto versions = source.live_versions(in.subject);
    // Newest first: when several versions accept the data, report the newest.
    std::sort(versions.rbegin(), versions.rend());
    for (int version : versions) {
      auto s = source.get(in.subject, std::to_string(version));
      if (!s) continue;  // deleted since live_versions()
      if (!chosen) chosen = s;  // the newest, for error reporting if none accepts
      if (s->schema->is_valid(*in.data, binary)) {
        set_schema(v, *s);
        return;
      }
    }
  } else {
    chosen = source.get(in.subject, "latest");
  }
  if (!chosen) {
    add_finding(v, FailureReason::SchemaNotFound, "data",
                "no schema is registered under subject '" + in.subject + "'");
    return;
  }
  set_schema(v, *chosen);
  // The fast yes/no first (no error objects built): almost every event on a healthy fleet is
  // valid. The full report only for the ones that are not.
  if (chosen->schema->is_valid(*in.data, binary)) return;
  add_errors(v, chosen->schema->validate(*in.data, binary, kMaxDataErrors));
}

}  // namespace accord::enforcement::detail
