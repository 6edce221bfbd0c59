#include "registry/http/router.hpp"

#include <boost/json.hpp>
#include <boost/url/parse_query.hpp>
#include <boost/url/pct_string_view.hpp>

#include <algorithm>
#include <cctype>
#include <optional>

namespace accord::http {

namespace {

// Messages quote what the client sent (a subject, a path), which may not be UTF-8; JSON must
// be. Invalid bytes become U+FFFD.
std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 && c >= 0xC2 ? 2 : (c >> 4) == 14 ? 3
                                     : (c >> 3) == 30 && c <= 0xF4   ? 4 : 0;
    bool ok = n != 0 && i + n <= s.size();
    for (std::size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    if (ok && n == 3) {
      const auto c1 = static_cast<unsigned char>(s[i + 1]);
      ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);
    } else if (ok && n == 4) {
      const auto c1 = static_cast<unsigned char>(s[i + 1]);
      ok = !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
    }
    if (ok) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

}  // namespace

Response error_response(unsigned status, int error_code, std::string_view message) {
  boost::json::object body;
  body["error_code"] = error_code;
  body["message"] = valid_utf8(message);
  return Response{status, boost::json::serialize(body)};
}

const std::string& Request::param(const std::string& name) const {
  static const std::string kEmpty;
  auto it = params.find(name);
  return it == params.end() ? kEmpty : it->second;
}

std::string Request::query_param(const std::string& name, std::string_view fallback) const {
  auto it = query_params.find(name);
  return it == query_params.end() ? std::string(fallback) : it->second;
}

bool Request::query_flag(const std::string& name, bool fallback) const {
  auto it = query_params.find(name);
  if (it == query_params.end()) return fallback;
  std::string v = it->second;
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
  return v == "true" || v == "1" || v.empty();
}

namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    const auto end = path.find('/', i);
    out.emplace_back(path.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i));
    i = end == std::string_view::npos ? path.size() : end;
  }
  return out;
}

bool is_placeholder(const std::string& s) {
  return s.size() > 2 && s.front() == '{' && s.back() == '}';
}

// Percent-decoding of one path segment; nullopt for a malformed escape.
std::optional<std::string> decode_segment(const std::string& s) {
  auto pct = boost::urls::make_pct_string_view(s);
  if (!pct) return std::nullopt;
  return pct->decode();
}

std::map<std::string, std::string> decode_query(const std::string& query) {
  std::map<std::string, std::string> out;
  if (query.empty()) return out;
  auto params = boost::urls::parse_query(query);
  if (!params) return out;
  for (auto p : *params) out[p.key.decode()] = p.has_value ? p.value.decode() : std::string();
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

}  // namespace

void Router::add(std::string method, std::string pattern, Handler handler) {
  const Access access = (method == "GET" || method == "HEAD") ? Access::Read : Access::Admin;
  add(std::move(method), std::move(pattern), access, std::move(handler));
}

void Router::add(std::string method, std::string pattern, Access access, Handler handler) {
  routes_.push_back({std::move(method), split_path(pattern), access, std::move(handler)});
}

Router::Match Router::match(const std::string& method, std::string_view path) const {
  const auto segments = split_path(path);
  Match best;
  int best_exact = -1;
  for (const auto& r : routes_) {
    if (r.segments.size() != segments.size()) continue;
    int exact = 0;
    bool ok = true;
    for (std::size_t i = 0; i < segments.size() && ok; ++i) {
      if (is_placeholder(r.segments[i])) continue;
      ok = r.segments[i] == segments[i];
      ++exact;
    }
    if (!ok) continue;
    if (r.method != method) {
      if (best.allowed.find(r.method) == std::string::npos)
        best.allowed += (best.allowed.empty() ? "" : ", ") + r.method;
      continue;
    }
    if (exact <= best_exact) continue;
    best_exact = exact;
    best.handler = &r.handler;
    best.access = r.access;
    best.params.clear();
    for (std::size_t i = 0; i < segments.size(); ++i) {
      if (!is_placeholder(r.segments[i])) continue;
      auto decoded = decode_segment(segments[i]);
      best.params[r.segments[i].substr(1, r.segments[i].size() - 2)] =
          decoded ? *decoded : segments[i];
    }
  }
  return best;
}

Response Router::dispatch(Request request) const {
  auto m = match(request.method, request.path);
  if (!m.handler) {
    if (!m.allowed.empty()) {
      auto r = error_response(405, 40500,
                              request.method + " is not allowed on " + request.path +
                                  " (allowed: " + m.allowed + ")");
      r.headers.emplace_back("Allow", m.allowed);
      return r;
    }
    return error_response(404, 40400, "no such endpoint: " + request.path);
  }
  request.params = std::move(m.params);
  request.query_params = decode_query(request.query);
  try {
    return (*m.handler)(request);
  } catch (const std::exception& e) {
    // A handler bug must cost one request, not the server.
    return error_response(500, 50001, std::string("internal error: ") + e.what());
  }
}

bool acceptable_content_type(std::string_view content_type) {
  std::string ct = lower(content_type.substr(0, content_type.find(';')));
  while (!ct.empty() && ct.back() == ' ') ct.pop_back();
  return ct.empty() || ct == "application/json" || ct == "application/vnd.schemaregistry.v1+json" ||
         ct == "application/vnd.schemaregistry+json" || ct == "application/octet-stream" ||
         ct == "application/x-protobuf" || ct == "application/cloudevents+json";
}

}  // namespace accord::http
