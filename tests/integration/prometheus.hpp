// A strict reader of the Prometheus text exposition format (0.0.4) for the tests that scrape
// /metrics: every malformed line is reported, not skipped.
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace accord::it {

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  std::vector<std::pair<std::string, std::string>> label_order;
  double value = 0;
};

struct Scrape {
  std::vector<Sample> samples;
  std::map<std::string, std::string> types;  // family -> counter|gauge|histogram|...
  std::set<std::string> helps;
  std::vector<std::string> problems;  // every malformed line, with the reason

  // Sum of the samples named `name` whose labels include all of `want`; 0 when none.
  double value(const std::string& name, const std::map<std::string, std::string>& want) const {
    double sum = 0;
    for (const auto& s : samples) {
      if (s.name != name) continue;
      bool match = true;
      for (const auto& [k, v] : want) {
        auto it = s.labels.find(k);
        if (it == s.labels.end() || it->second != v) match = false;
      }
      if (match) sum += s.value;
    }
    return sum;
  }
  std::size_t count(const std::string& name, const std::map<std::string, std::string>& want) const {
    std::size_t n = 0;
    for (const auto& s : samples) {
      if (s.name != name) continue;
      bool match = true;
      for (const auto& [k, v] : want) {
        auto it = s.labels.find(k);
        if (it == s.labels.end() || it->second != v) match = false;
      }
      n += match;
    }
    return n;
  }
};

bool is_metric_name(const std::string& n);

// Checks: HELP/TYPE syntax (one each per family, TYPE before the family's samples, HELP escapes
// only \\ and \n), metric and label name syntax, label value escaping, numeric values, a TYPE
// for every sample, counters non-negative and named ..._total.
Scrape parse_prometheus(const std::string& text);

// Every histogram: per label set, buckets cumulative (non-decreasing in le order), the last one
// le="+Inf" and equal to _count; a _sum for each.
std::vector<std::string> histogram_problems(const Scrape& sc);

// One problem per line, for assertion messages.
std::string joined(const std::vector<std::string>& v);

}  // namespace accord::it
