#include "registry/protobuf/canonical_text.hpp"

#include <google/protobuf/descriptor.pb.h>

#include <algorithm>
#include <map>
#include <set>
#include <vector>

namespace accord::protobuf_schema {

namespace gp = google::protobuf;

namespace {

template <typename T, typename Less>
void sort_repeated(gp::RepeatedPtrField<T>* items, Less less) {
  std::vector<T> sorted(items->begin(), items->end());
  std::stable_sort(sorted.begin(), sorted.end(), less);
  items->Clear();
  for (T& item : sorted) *items->Add() = std::move(item);
}

template <typename T>
bool by_name(const T& a, const T& b) {
  return a.name() < b.name();
}

template <typename Range>
bool by_start(const Range& a, const Range& b) {
  return a.start() != b.start() ? a.start() < b.start() : a.end() < b.end();
}

void sort_strings(gp::RepeatedPtrField<std::string>* names) {
  std::sort(names->begin(), names->end());
}

void normalize_enum(gp::EnumDescriptorProto& enum_type) {
  // The first value is the proto2 default (and must be 0 in proto3): it stays first. Values
  // with the same number keep their order, since the first alias is the one JSON prints.
  if (enum_type.value_size() > 2) {
    std::vector<gp::EnumValueDescriptorProto> values(enum_type.value().begin(),
                                                     enum_type.value().end());
    std::stable_sort(values.begin() + 1, values.end(),
                     [](const auto& a, const auto& b) { return a.number() < b.number(); });
    enum_type.clear_value();
    for (auto& value : values) *enum_type.add_value() = std::move(value);
  }
  sort_repeated(enum_type.mutable_reserved_range(),
                by_start<gp::EnumDescriptorProto::EnumReservedRange>);
  sort_strings(enum_type.mutable_reserved_name());
}

void normalize_message(gp::DescriptorProto& message) {
  // Fields by number, except that the members of a oneof must stay together (the pool
  // requires it): a member sorts by the lowest number of its oneof, then by its own.
  std::map<int, int> oneof_first_number;
  for (const auto& field : message.field()) {
    if (!field.has_oneof_index()) continue;
    auto [it, inserted] = oneof_first_number.emplace(field.oneof_index(), field.number());
    if (!inserted) it->second = std::min(it->second, field.number());
  }
  auto sort_key = [&](const gp::FieldDescriptorProto& field) {
    const int group =
        field.has_oneof_index() ? oneof_first_number[field.oneof_index()] : field.number();
    return std::make_pair(group, field.number());
  };
  sort_repeated(message.mutable_field(),
                [&](const auto& a, const auto& b) { return sort_key(a) < sort_key(b); });
  sort_repeated(message.mutable_extension(), [](const auto& a, const auto& b) {
    return a.extendee() != b.extendee() ? a.extendee() < b.extendee() : a.number() < b.number();
  });
  sort_repeated(message.mutable_nested_type(), by_name<gp::DescriptorProto>);
  sort_repeated(message.mutable_enum_type(), by_name<gp::EnumDescriptorProto>);
  sort_repeated(message.mutable_extension_range(), by_start<gp::DescriptorProto::ExtensionRange>);
  sort_repeated(message.mutable_reserved_range(), by_start<gp::DescriptorProto::ReservedRange>);
  sort_strings(message.mutable_reserved_name());
  for (auto& nested : *message.mutable_nested_type()) normalize_message(nested);
  for (auto& nested : *message.mutable_enum_type()) normalize_enum(nested);
}

// Imports sorted by path; public/weak imports are stored as indexes into the list, so they
// are renumbered.
void sort_imports(gp::FileDescriptorProto& file) {
  std::set<std::string> public_paths;
  std::set<std::string> weak_paths;
  for (int index : file.public_dependency()) public_paths.insert(file.dependency(index));
  for (int index : file.weak_dependency()) weak_paths.insert(file.dependency(index));
  sort_strings(file.mutable_dependency());
  file.clear_public_dependency();
  file.clear_weak_dependency();
  for (int i = 0; i < file.dependency_size(); ++i) {
    if (public_paths.count(file.dependency(i)) != 0) file.add_public_dependency(i);
    if (weak_paths.count(file.dependency(i)) != 0) file.add_weak_dependency(i);
  }
}

void normalize_file(gp::FileDescriptorProto& file) {
  sort_imports(file);
  // The first message is the default validated type: only the ones after it are sorted.
  if (file.message_type_size() > 2) {
    std::vector<gp::DescriptorProto> messages(file.message_type().begin(),
                                              file.message_type().end());
    std::stable_sort(messages.begin() + 1, messages.end(), by_name<gp::DescriptorProto>);
    file.clear_message_type();
    for (auto& message : messages) *file.add_message_type() = std::move(message);
  }
  for (auto& message : *file.mutable_message_type()) normalize_message(message);
  sort_repeated(file.mutable_enum_type(), by_name<gp::EnumDescriptorProto>);
  for (auto& enum_type : *file.mutable_enum_type()) normalize_enum(enum_type);
  sort_repeated(file.mutable_extension(), [](const auto& a, const auto& b) {
    return a.extendee() != b.extendee() ? a.extendee() < b.extendee() : a.number() < b.number();
  });
  sort_repeated(file.mutable_service(), by_name<gp::ServiceDescriptorProto>);
  for (auto& service : *file.mutable_service()) {
    sort_repeated(service.mutable_method(), by_name<gp::MethodDescriptorProto>);
  }
}

// Copies `file`'s dependencies into `pool`, each after its own, so the normalized file can be
// built there (it cannot go into the schema's pool: its names are taken).
bool copy_dependencies(const gp::FileDescriptor& file, gp::DescriptorPool& pool) {
  for (int i = 0; i < file.dependency_count(); ++i) {
    const gp::FileDescriptor* dependency = file.dependency(i);
    if (pool.FindFileByName(dependency->name()) != nullptr) continue;
    if (!copy_dependencies(*dependency, pool)) return false;
    gp::FileDescriptorProto proto;
    dependency->CopyTo(&proto);
    if (pool.BuildFile(proto) == nullptr) return false;
  }
  return true;
}

}  // namespace

std::string canonical_proto_text(const gp::FileDescriptor& file) {
  gp::FileDescriptorProto proto;
  file.CopyTo(&proto);
  normalize_file(proto);

  gp::DescriptorPool pool;
  const gp::FileDescriptor* normalized = nullptr;
  if (copy_dependencies(file, pool)) normalized = pool.BuildFile(proto);
  // Building cannot fail for a file that built once; should it ever, the unsorted text is
  // still a faithful normal form (just not an order-insensitive one).
  return normalized != nullptr ? normalized->DebugString() : file.DebugString();
}

}  // namespace accord::protobuf_schema
