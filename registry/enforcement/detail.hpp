// Internal pieces of the enforcer, split out so each file has one job. Not installed API.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "registry/cloudevents/cloudevents.hpp"
#include "registry/enforcement/enforcer.hpp"

namespace accord::enforcement::detail {

// Appends a finding; the verdict's failure class is that of its first finding.
inline void add_finding(Verdict& v, FailureReason reason, std::string where, std::string message) {
  if (v.errors.empty()) v.failure = reason;
  v.errors.push_back({std::move(where), std::move(message)});
}

// "Application/JSON; charset=utf-8" -> "application/json": media types compare without
// parameters and case-insensitively (RFC 2045).
std::string media_type(std::string_view content_type);

// Which CloudEvents content mode a publish uses; nullopt when it is not a CloudEvent at all.
std::optional<ContentMode> detect_mode(const PublishView& publish, bool require_cloudevents);

// How the data is checked against a schema; nullopt when the content type is one no schema
// format can read (then validation cannot vouch for it and fails).
enum class DataFormat { Json, ProtobufBinary };
std::optional<DataFormat> data_format(const std::optional<std::string>& content_type,
                                      bool absent_means_json);

// Checks `data` against the schema the policy selects for (subject, pinned dataschema);
// fills the verdict's subject/version/id and appends findings.
struct DataToCheck {
  std::string subject;                             // from the naming strategy
  std::optional<cloudevents::SchemaPin> pin;       // from dataschema, overrides `subject`
  std::optional<std::string_view> data;            // nullopt: the event carries no data
  std::optional<DataFormat> format;
  std::string content_type;                        // for messages only
};
void check_data(const Policy& policy, const SchemaSource& source, const DataToCheck& in,
                Verdict& verdict);

}  // namespace accord::enforcement::detail
