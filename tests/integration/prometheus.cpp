#include "prometheus.hpp"

#include <cmath>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace accord::it {

bool is_metric_name(const std::string& n) {
  static const std::regex re("[a-zA-Z_:][a-zA-Z0-9_:]*");
  return std::regex_match(n, re);
}

// Strict reading of the text exposition format 0.0.4.
Scrape parse_prometheus(const std::string& text) {
  Scrape out;
  std::istringstream in(text);
  std::string line;
  int lineno = 0;
  auto problem = [&](const std::string& why) {
    out.problems.push_back("line " + std::to_string(lineno) + ": " + why + ": '" + line + "'");
  };
  if (!text.empty() && text.back() != '\n')
    out.problems.push_back("text does not end with a newline");
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty()) continue;
    if (line[0] == '#') {
      std::istringstream ls(line);
      std::string hash, kind, name;
      ls >> hash >> kind >> name;
      if (kind == "HELP") {
        if (!is_metric_name(name))
          problem("HELP names no valid metric");
        else if (!out.helps.insert(name).second)
          problem("second HELP for " + name);
        std::string rest;
        std::getline(ls, rest);
        if (rest.size() < 2) problem("HELP without text");
        for (std::size_t k = 0; k < rest.size(); ++k) {
          if (rest[k] != '\\') continue;
          if (k + 1 >= rest.size() || (rest[k + 1] != '\\' && rest[k + 1] != 'n'))
            problem("HELP text with an escape other than \\\\ or \\n");
          ++k;
        }
      } else if (kind == "TYPE") {
        std::string type, extra;
        ls >> type;
        if (ls >> extra) problem("TYPE line with trailing text");
        static const std::set<std::string> types = {"counter", "gauge", "histogram", "summary",
                                                    "untyped"};
        if (!is_metric_name(name))
          problem("TYPE names no valid metric");
        else if (!types.count(type))
          problem("unknown TYPE " + type);
        else if (out.types.count(name))
          problem("second TYPE for " + name);
        else {
          // The TYPE line comes before any sample of its family.
          for (const auto& smp : out.samples) {
            const bool own = smp.name == name || ((type == "histogram" || type == "summary") &&
                                                  smp.name.rfind(name + "_", 0) == 0);
            if (own) {
              problem("TYPE after samples of " + name);
              break;
            }
          }
          if (type == "counter" &&
              (name.size() <= 6 || name.compare(name.size() - 6, 6, "_total") != 0))
            problem("counter " + name + " is not named ..._total");
          out.types[name] = type;
        }
      }
      continue;  // other comments are allowed
    }
    Sample s;
    std::size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    s.name = line.substr(0, i);
    if (!is_metric_name(s.name)) {
      problem("bad metric name");
      continue;
    }
    bool ok = true;
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (ok && i < line.size() && line[i] != '}') {
        std::size_t eq = line.find('=', i);
        if (eq == std::string::npos) {
          ok = false;
          break;
        }
        std::string key = line.substr(i, eq - i);
        static const std::regex label_re("[a-zA-Z_][a-zA-Z0-9_]*");
        if (!std::regex_match(key, label_re) || eq + 1 >= line.size() || line[eq + 1] != '"') {
          ok = false;
          break;
        }
        std::string value;
        std::size_t j = eq + 2;
        for (; j < line.size() && line[j] != '"'; ++j) {
          if (line[j] == '\\') {
            if (++j >= line.size()) break;
            char c = line[j];
            if (c == 'n')
              value += '\n';
            else if (c == '\\' || c == '"')
              value += c;
            else
              ok = false;
          } else {
            value += line[j];
          }
        }
        if (j >= line.size()) {
          ok = false;
          break;
        }
        if (s.labels.count(key)) ok = false;
        s.labels[key] = value;
        s.label_order.emplace_back(key, value);
        i = j + 1;
        if (i < line.size() && line[i] == ',') ++i;
      }
      if (!ok || i >= line.size() || line[i] != '}') {
        problem("malformed labels");
        continue;
      }
      ++i;
    }
    if (i >= line.size() || line[i] != ' ') {
      problem("no space before the value");
      continue;
    }
    std::string rest = line.substr(i + 1);
    std::istringstream vs(rest);
    std::string value, timestamp, extra;
    vs >> value >> timestamp >> extra;
    if (value.empty() || !extra.empty()) {
      problem("expected 'value [timestamp]'");
      continue;
    }
    try {
      std::size_t used = 0;
      if (value == "+Inf")
        s.value = INFINITY;
      else if (value == "-Inf")
        s.value = -INFINITY;
      else if (value == "NaN")
        s.value = NAN;
      else {
        s.value = std::stod(value, &used);
        if (used != value.size()) throw std::invalid_argument(value);
      }
    } catch (const std::exception&) {
      problem("value is not a number");
      continue;
    }
    // Every sample belongs to a family declared by a TYPE line before it.
    std::string family = s.name;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      std::string suf = suffix;
      if (!out.types.count(family) && s.name.size() > suf.size() &&
          s.name.compare(s.name.size() - suf.size(), suf.size(), suf) == 0) {
        std::string base = s.name.substr(0, s.name.size() - suf.size());
        if (out.types.count(base) &&
            (out.types[base] == "histogram" || out.types[base] == "summary"))
          family = base;
      }
    }
    if (!out.types.count(family))
      problem("sample without a TYPE line before it");
    else if (out.types[family] == "counter" && !(s.value >= 0))
      problem("negative counter");
    out.samples.push_back(std::move(s));
  }
  return out;
}

// Every histogram: per label set, buckets cumulative (non-decreasing in le order), the last one
// le="+Inf" and equal to _count; a _sum for each.
std::vector<std::string> histogram_problems(const Scrape& sc) {
  std::vector<std::string> out;
  for (const auto& [family, type] : sc.types) {
    if (type != "histogram") continue;
    // Label set without "le" -> buckets in file order.
    std::map<std::string, std::vector<std::pair<std::string, double>>> buckets;
    std::map<std::string, double> counts, sums;
    auto key_of = [](const Sample& s) {
      std::string k;
      for (const auto& [n, v] : s.label_order)
        if (n != "le") k += n + "=" + v + ",";
      return k;
    };
    for (const auto& s : sc.samples) {
      if (s.name == family + "_bucket") {
        auto le = s.labels.find("le");
        if (le == s.labels.end())
          out.push_back(family + ": bucket without le");
        else
          buckets[key_of(s)].emplace_back(le->second, s.value);
      } else if (s.name == family + "_count") {
        counts[key_of(s)] = s.value;
      } else if (s.name == family + "_sum") {
        sums[key_of(s)] = s.value;
      }
    }
    // A family with no series yet (nothing observed) is valid; samples without buckets are not.
    if (buckets.empty() && (!counts.empty() || !sums.empty()))
      out.push_back(family + ": a histogram without buckets");
    for (const auto& [key, list] : buckets) {
      double prev_le = -INFINITY, prev = 0;
      for (const auto& [le, v] : list) {
        double bound = le == "+Inf" ? INFINITY : std::stod(le);
        if (!(bound > prev_le))
          out.push_back(family + "{" + key + "}: le " + le + " not increasing");
        if (v < prev) out.push_back(family + "{" + key + "}: bucket le=" + le + " not cumulative");
        prev_le = bound;
        prev = v;
      }
      if (list.empty() || list.back().first != "+Inf")
        out.push_back(family + "{" + key + "}: last bucket is not le=\"+Inf\"");
      if (!counts.count(key))
        out.push_back(family + "{" + key + "}: no _count");
      else if (!list.empty() && list.back().second != counts[key])
        out.push_back(family + "{" + key + "}: +Inf bucket " + std::to_string(list.back().second) +
                      " != _count " + std::to_string(counts[key]));
      if (!sums.count(key)) out.push_back(family + "{" + key + "}: no _sum");
    }
  }
  return out;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s + "\n";
  return out;
}

}  // namespace accord::it
