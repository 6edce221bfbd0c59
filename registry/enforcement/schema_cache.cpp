#include "registry/enforcement/schema_cache.hpp"

#include <charconv>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace accord::enforcement {

namespace {

std::atomic<std::uint64_t> next_instance{1};

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace

// What one thread knows about one subject. Versions are few per subject and looked up by
// number, so a small vector beats a map.
struct SubjectEntry {
  bool latest_known = false;
  std::optional<ResolvedSchema> latest;
  std::vector<std::pair<int, std::optional<ResolvedSchema>>> numbered;
  bool live_known = false;
  std::vector<int> live;
};

struct CachingSchemaSource::Table {
  std::uint64_t instance = 0;
  std::uint64_t generation = 0;
  std::unordered_map<std::string, SubjectEntry, StringHash, std::equal_to<>> subjects;
  std::unordered_map<int, std::optional<ResolvedSchema>> ids;

  void reset(std::uint64_t inst, std::uint64_t gen) {
    instance = inst;
    generation = gen;
    subjects.clear();
    ids.clear();
  }
  SubjectEntry& entry(const std::string& subject) {
    auto it = subjects.find(std::string_view(subject));
    if (it != subjects.end()) return it->second;
    if (subjects.size() >= kMaxEntries) subjects.clear();
    return subjects[subject];
  }
};

CachingSchemaSource::CachingSchemaSource(const SchemaSource& inner,
                                         std::function<std::uint64_t()> generation)
    : inner_(inner),
      generation_(std::move(generation)),
      instance_(next_instance.fetch_add(1, std::memory_order_relaxed)) {}

CachingSchemaSource::~CachingSchemaSource() = default;

CachingSchemaSource::Table& CachingSchemaSource::table() const {
  // One table per thread. Used by another cache instance last (tests build several), or the
  // registry changed since: start over.
  thread_local Table t;
  const std::uint64_t gen = generation_();
  if (t.instance != instance_ || t.generation != gen) t.reset(instance_, gen);
  return t;
}

std::optional<ResolvedSchema> CachingSchemaSource::get(const std::string& subject,
                                                       const std::string& version) const {
  Table& t = table();
  SubjectEntry& e = t.entry(subject);
  if (version == "latest") {
    if (e.latest_known) {
      return e.latest;
    }
    e.latest = inner_.get(subject, version);
    e.latest_known = true;
    return e.latest;
  }
  int number = 0;
  auto [end, ec] = std::from_chars(version.data(), version.data() + version.size(), number);
  if (ec != std::errc{} || end != version.data() + version.size()) {
    return inner_.get(subject, version);  // not a plain number: not worth remembering
  }
  for (const auto& [n, resolved] : e.numbered)
    if (n == number) {
      return resolved;
    }
  auto resolved = inner_.get(subject, version);
  if (e.numbered.size() < 64) e.numbered.emplace_back(number, resolved);
  return resolved;
}

std::optional<ResolvedSchema> CachingSchemaSource::by_id(int id) const {
  Table& t = table();
  if (auto it = t.ids.find(id); it != t.ids.end()) {
    return it->second;
  }
  auto resolved = inner_.by_id(id);
  if (t.ids.size() >= kMaxEntries) t.ids.clear();
  t.ids.emplace(id, resolved);
  return resolved;
}

std::vector<int> CachingSchemaSource::live_versions(const std::string& subject) const {
  Table& t = table();
  SubjectEntry& e = t.entry(subject);
  if (e.live_known) {
    return e.live;
  }
  e.live = inner_.live_versions(subject);
  e.live_known = true;
  return e.live;
}

}  // namespace accord::enforcement
