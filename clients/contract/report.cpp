// The outputs of `accordctl contract test`: a readable summary, JUnit XML, GitHub Actions
// annotations.
#include <map>

#include "clients/contract/contract.hpp"

namespace accord::contract {

namespace {

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (static_cast<unsigned char>(ch) < 0x20 && ch != '\n' && ch != '\t') out += ' ';
        else out += ch;
    }
  }
  return out;
}

// GitHub workflow command escaping: data and property values.
std::string gh_data(std::string_view s) {
  std::string out;
  for (char ch : s) {
    if (ch == '%') out += "%25";
    else if (ch == '\r') out += "%0D";
    else if (ch == '\n') out += "%0A";
    else out += ch;
  }
  return out;
}
std::string gh_property(std::string_view s) {
  std::string out;
  for (char ch : gh_data(s)) {
    if (ch == ':') out += "%3A";
    else if (ch == ',') out += "%2C";
    else out += ch;
  }
  return out;
}

const Kind kKinds[] = {Kind::Compatibility, Kind::Examples, Kind::Consumers, Kind::Live};

}  // namespace

std::string summary_text(const Report& report) {
  std::string out;
  std::size_t failed = 0;
  for (const auto& r : report.results) {
    if (!r.passed) ++failed;
    out += std::string(r.passed ? "PASS" : "FAIL") + "  " + to_string(r.kind) + "  " + r.name + ": " + r.message + "\n";
  }
  out += report.service + ": " + std::to_string(report.results.size()) + " check(s), " + std::to_string(failed) +
         " failed\n";
  return out;
}

std::string junit_xml(const Report& report) {
  std::size_t total = report.results.size(), failures = 0;
  for (const auto& r : report.results) failures += r.passed ? 0 : 1;
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites name=\"accord-contract " + xml_escape(report.service) + "\" tests=\"" + std::to_string(total) +
         "\" failures=\"" + std::to_string(failures) + "\" errors=\"0\">\n";
  for (Kind k : kKinds) {
    std::size_t n = 0, f = 0;
    for (const auto& r : report.results)
      if (r.kind == k) ++n, f += r.passed ? 0 : 1;
    if (n == 0) continue;
    out += "  <testsuite name=\"" + std::string(to_string(k)) + "\" tests=\"" + std::to_string(n) + "\" failures=\"" +
           std::to_string(f) + "\" errors=\"0\" skipped=\"0\">\n";
    for (const auto& r : report.results) {
      if (r.kind != k) continue;
      out += "    <testcase classname=\"" + xml_escape(report.service + "." + to_string(k)) + "\" name=\"" +
             xml_escape(r.name) + "\"";
      if (!r.file.empty()) out += " file=\"" + xml_escape(r.file) + "\"";
      if (r.passed) {
        out += ">\n      <system-out>" + xml_escape(r.message) + "</system-out>\n    </testcase>\n";
      } else {
        out += ">\n      <failure message=\"" + xml_escape(r.message) + "\" type=\"" + to_string(k) + "\">" +
               xml_escape(r.message) + "</failure>\n    </testcase>\n";
      }
    }
    out += "  </testsuite>\n";
  }
  out += "</testsuites>\n";
  return out;
}

std::string github_annotations(const Report& report) {
  std::string out;
  for (const auto& r : report.results) {
    if (r.passed) continue;
    const std::string file = r.file.empty() ? report.contract_path : r.file;
    out += "::error file=" + gh_property(file) + ",title=" + gh_property("contract " + std::string(to_string(r.kind))) +
           "::" + gh_data(r.name + ": " + r.message) + "\n";
  }
  return out;
}

}  // namespace accord::contract
