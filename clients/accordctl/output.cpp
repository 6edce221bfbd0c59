#include <cstdio>
#include <iostream>

#include "cli.hpp"

namespace accordctl {

std::string human_bytes(std::uint64_t b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(b);
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u ? "%.1f %s" : "%.0f %s", v, units[u]);
  return buf;
}

std::string cell(const boost::json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_null()) return "-";
  return boost::json::serialize(v);
}

void print_fields(const boost::json::object& o, std::span<const Row> rows) {
  for (const auto& [key, label] : rows) {
    const auto* v = o.if_contains(key);
    if (!v) continue;
    std::string text;
    if (std::string_view(key).find("bytes") != std::string_view::npos && v->is_number())
      text = human_bytes(v->to_number<std::uint64_t>()) + " (" + boost::json::serialize(*v) + ")";
    else text = cell(*v);
    std::printf("%-16s %s\n", label, text.c_str());
  }
}

void print_table(const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width(header.size());
  for (std::size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size() && i < width.size(); ++i)
      width[i] = std::max(width[i], row[i].size());
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (std::size_t i = 0; i < cells.size() && i < width.size(); ++i) {
      out += cells[i];
      if (i + 1 < cells.size()) out += std::string(width[i] - cells[i].size() + 2, ' ');
    }
    std::cout << out << '\n';
  };
  line(header);
  for (const auto& row : rows) line(row);
}

}  // namespace accordctl
