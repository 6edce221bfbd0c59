#include "registry/jsonschema/uri.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <cctype>

namespace accord::jsonschema::detail {

std::optional<std::string> resolve_uri(std::string_view base, std::string_view reference) {
  auto base_view = boost::urls::parse_uri(base);
  if (!base_view) return std::nullopt;
  auto reference_view = boost::urls::parse_uri_reference(reference);
  if (!reference_view) return std::nullopt;
  boost::urls::url resolved;
  if (!boost::urls::resolve(*base_view, *reference_view, resolved)) return std::nullopt;
  resolved.normalize();
  return std::string(resolved.buffer());
}

SplitUri split_fragment(std::string_view uri) {
  const auto hash = uri.find('#');
  if (hash == std::string_view::npos) return {uri, {}};
  return {uri.substr(0, hash), uri.substr(hash + 1)};
}

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int hi = hex_value(text[i + 1]);
    const int lo = hex_value(text[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

std::string display_uri(std::string_view uri) {
  if (uri.starts_with(kInternalBase)) uri.remove_prefix(kInternalBase.size());
  return std::string(uri);
}

bool has_scheme(std::string_view reference) {
  // RFC 3986: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) followed by ':'.
  if (reference.empty() || !std::isalpha(static_cast<unsigned char>(reference[0]))) return false;
  for (std::size_t i = 1; i < reference.size(); ++i) {
    const char c = reference[i];
    if (c == ':') return true;
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
      return false;
    }
  }
  return false;
}

}  // namespace accord::jsonschema::detail
