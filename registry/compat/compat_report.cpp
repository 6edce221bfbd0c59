#include "registry/compat/compat_report.hpp"

namespace accord::compat {

void CompatReport::add(std::string path, std::string kind, std::string reason) {
  if (!seen_.emplace(path, kind).second) return;
  items_.push_back(Incompatibility{std::move(path), std::move(kind), std::move(reason)});
}

std::string InstancePath::text(std::size_t count) const {
  std::string text;
  for (std::size_t i = 0; i < count; ++i) {
    const Segment& segment = segments_[i];
    switch (segment.kind) {
      case kProperty:
        text += (text.empty() ? "" : ".") + segment.text;
        break;
      case kPattern:
        text += (text.empty() ? "/" : "./") + segment.text + "/";
        break;
      case kAdditional:
        text += text.empty() ? "*" : ".*";
        break;
      case kItem:
        text += "[" + segment.text + "]";
        break;
      case kItems:
        text += "[]";
        break;
      case kNames:
        break;
    }
  }
  return text;
}

std::string InstancePath::describe() const {
  if (segments_.empty()) return "the document";
  const Segment& last = segments_.back();
  const std::string owner_path = text(segments_.size() - 1);
  const std::string owner = owner_path.empty() ? "the document" : quoted(owner_path);
  switch (last.kind) {
    case kNames:
      return "property names of " + owner;
    case kAdditional:
      return "additional properties of " + owner;
    case kPattern:
      return "properties matching /" + last.text + "/ of " + owner;
    case kItem:
    case kItems:
      return "item " + quoted(text(segments_.size()));
    case kProperty:
      break;
  }
  return "property " + quoted(text(segments_.size()));
}

std::string quoted(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

}  // namespace accord::compat
