// Recognises dataschema URIs that point into this registry.
#include "registry/cloudevents/cloudevents.hpp"

#include <boost/url/parse.hpp>

#include <charconv>
#include <vector>

namespace accord::cloudevents {
namespace {

bool is_version(std::string_view v) {
  if (v == "latest") return true;
  if (v.empty()) return false;
  int n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  return ec == std::errc{} && end == v.data() + v.size() && n > 0;
}

std::optional<int> parse_id(std::string_view s) {
  int n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size() || n <= 0) return std::nullopt;
  return n;
}

}  // namespace

std::optional<SchemaPin> schema_pin(std::string_view dataschema) {
  // accord:<subject>:<version> -- split at the last colon, since subjects may contain colons.
  if (dataschema.starts_with("accord:")) {
    std::string_view rest = dataschema.substr(7);
    auto colon = rest.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    std::string_view subject = rest.substr(0, colon), version = rest.substr(colon + 1);
    if (subject.empty() || !is_version(version)) return std::nullopt;
    return SchemaPin{std::string(subject), std::string(version), std::nullopt};
  }
  auto url = boost::urls::parse_uri(dataschema);
  if (!url) return std::nullopt;
  // Decoded segments: a subject sent as "orders%2Fv1" is the subject "orders/v1".
  std::vector<std::string> seg;
  for (auto s : url->segments()) seg.push_back(s);
  if (!seg.empty() && seg.back().empty()) seg.pop_back();  // tolerate a trailing slash
  auto n = seg.size();
  if (n >= 4 && seg[n - 4] == "subjects" && seg[n - 2] == "versions" && !seg[n - 3].empty() &&
      is_version(seg[n - 1]))
    return SchemaPin{seg[n - 3], seg[n - 1], std::nullopt};
  if (n >= 3 && seg[n - 3] == "schemas" && seg[n - 2] == "ids") {
    if (auto id = parse_id(seg[n - 1])) return SchemaPin{"", "", *id};
  }
  return std::nullopt;
}

}  // namespace accord::cloudevents
