#include "registry/protobuf/proto_compat.hpp"

#include <google/protobuf/descriptor.pb.h>

#include <deque>
#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "registry/protobuf/field_type_compat.hpp"

namespace accord::protobuf_schema {

namespace gp = google::protobuf;
using Field = gp::FieldDescriptor;

namespace {

std::string quoted(const std::string& text) {
  return "\"" + text + "\"";
}

// "field 3 "temperature" of acme.Reading"
std::string describe(const Field& field) {
  return "field " + std::to_string(field.number()) + " " + quoted(field.name()) + " of " +
         field.containing_type()->full_name();
}

std::string numbered_path(const gp::Descriptor& message, int number) {
  return message.full_name() + "#" + std::to_string(number);
}

void for_each_declared_message(const gp::FileDescriptor& file,
                               const std::function<void(const gp::Descriptor&)>& visit) {
  std::function<void(const gp::Descriptor&)> walk = [&](const gp::Descriptor& message) {
    // Map entries are compared through their map fields, with the map rules.
    if (message.options().map_entry()) return;
    visit(message);
    for (int i = 0; i < message.nested_type_count(); ++i) walk(*message.nested_type(i));
  };
  for (int i = 0; i < file.message_type_count(); ++i) walk(*file.message_type(i));
}

class Comparison {
 public:
  Comparison(const ProtoSchema& reader, const ProtoSchema& writer, NewerSchema newer)
      : reader_(reader), writer_(writer), newer_(newer) {}

  compat::Incompatibilities run() {
    // Rule: the package is part of every full name (and of Any type URLs), so changing it
    // renames every type; nothing else is comparable by name after that.
    if (reader_.file()->package() != writer_.file()->package()) {
      report(reader_.file()->package(), "PACKAGE_CHANGED",
             "The package is " + quoted(reader_.file()->package()) + " for the reader but " +
                 quoted(writer_.file()->package()) +
                 " for the writer, which renames every message.");
      return std::move(out_);
    }
    compare_validated_messages();
    compare_declared_types();
    drain_pending_messages();
    return std::move(out_);
  }

 private:
  void report(std::string path, const char* kind, std::string reason) {
    if (!reason.empty() && reason[0] >= 'a' && reason[0] <= 'z')
      reason[0] = static_cast<char>(reason[0] - 'a' + 'A');
    out_.push_back({std::move(path), kind, std::move(reason)});
  }

  const gp::DescriptorPool& reader_pool() const { return *reader_.file()->pool(); }
  const gp::DescriptorPool& writer_pool() const { return *writer_.file()->pool(); }

  // Rule: the validated message must be the same message (by full name) on both sides: the
  // writer's payloads are of its validated type. MESSAGE_REMOVED when one side's type is gone
  // from the other schema, VALIDATED_MESSAGE_CHANGED when both define both but validate
  // different ones.
  void compare_validated_messages() {
    const gp::Descriptor* r = reader_.message();
    const gp::Descriptor* w = writer_.message();
    if (r == nullptr && w == nullptr) return;
    if (r == nullptr || w == nullptr) {
      const gp::Descriptor* present = r != nullptr ? r : w;
      report(present->full_name(), "MESSAGE_REMOVED",
             "The " + std::string(r != nullptr ? "reader" : "writer") + " validates message " +
                 present->full_name() + " but the " + (r != nullptr ? "writer" : "reader") +
                 "'s schema declares no message at all.");
      return;
    }
    if (r->full_name() != w->full_name()) {
      const bool r_in_writer = writer_pool().FindMessageTypeByName(r->full_name()) != nullptr;
      const bool w_in_reader = reader_pool().FindMessageTypeByName(w->full_name()) != nullptr;
      if (!r_in_writer || !w_in_reader) {
        const std::string& missing = !r_in_writer ? r->full_name() : w->full_name();
        report(missing, "MESSAGE_REMOVED",
               "The validated message is " + r->full_name() + " for the reader but " +
                   w->full_name() + " for the writer, and " + missing +
                   " no longer exists on the other side.");
      } else {
        report(r->full_name(), "VALIDATED_MESSAGE_CHANGED",
               "The reader validates " + r->full_name() + " but the writer writes " +
                   w->full_name() + ", so every payload would be decoded as the wrong message.");
      }
      return;
    }
    compare_messages(*r, *w);
  }

  // Messages and enums that both versions of the file declare are compared even when the
  // validated message does not use them: a schema is also a reference other schemas import.
  void compare_declared_types() {
    for_each_declared_message(*reader_.file(), [&](const gp::Descriptor& r) {
      if (const gp::Descriptor* w = writer_pool().FindMessageTypeByName(r.full_name())) {
        compare_messages(r, *w);
      }
      for (int i = 0; i < r.enum_type_count(); ++i) compare_declared_enum(*r.enum_type(i));
    });
    for (int i = 0; i < reader_.file()->enum_type_count(); ++i) {
      compare_declared_enum(*reader_.file()->enum_type(i));
    }
  }

  void compare_declared_enum(const gp::EnumDescriptor& r) {
    if (const gp::EnumDescriptor* w = writer_pool().FindEnumTypeByName(r.full_name())) {
      compare_enums(r, *w, r.file()->syntax() != gp::FileDescriptor::SYNTAX_PROTO3);
    }
  }

  // Fields are matched by number, recursively through the message types they use; each
  // message pair is compared once (recursive types terminate). The recursion goes through a
  // work list rather than the stack: schemas are untrusted input and type chains can be long.
  void compare_messages(const gp::Descriptor& r, const gp::Descriptor& w) {
    if (!compared_messages_.insert(r.full_name()).second) return;
    pending_messages_.emplace_back(&r, &w);
  }

  void drain_pending_messages() {
    while (!pending_messages_.empty()) {
      auto [r, w] = pending_messages_.front();  // breadth first: outer fields reported first
      pending_messages_.pop_front();
      compare_fields(*r, *w);
    }
  }

  void compare_fields(const gp::Descriptor& r, const gp::Descriptor& w) {
    for (int i = 0; i < r.field_count(); ++i) {
      const Field& field = *r.field(i);
      if (const Field* other = w.FindFieldByNumber(field.number())) {
        compare_common_field(field, *other);
      } else {
        reader_only_field(field, w);
      }
    }
    for (int i = 0; i < w.field_count(); ++i) {
      const Field& field = *w.field(i);
      if (r.FindFieldByNumber(field.number()) == nullptr) writer_only_field(field, r);
    }
  }

  // A field only the reader declares. Rule: a reader that requires it rejects every payload
  // of the writer. Rules needing the direction: if the writer is newer it removed the field
  // (reserve it); if the reader is newer it added it (not on a number or name once reserved).
  void reader_only_field(const Field& field, const gp::Descriptor& writer_message) {
    if (field.is_required()) {
      report(field.full_name(), required_kind(),
             "The reader requires " + describe(field) +
                 ", which the writer's version does not have, so none of the writer's messages "
                 "parse.");
    }
    if (newer_ == NewerSchema::Writer) removed_field(field, writer_message);
    if (newer_ == NewerSchema::Reader) added_field(field, writer_message);
  }

  // A field only the writer declares: the reader keeps it as an unknown field, which is
  // fine on the wire. The direction rules apply as for reader_only_field.
  void writer_only_field(const Field& field, const gp::Descriptor& reader_message) {
    if (newer_ == NewerSchema::Reader) removed_field(field, reader_message);
    if (newer_ == NewerSchema::Writer) added_field(field, reader_message);
  }

  // Rule: a removed field's number and name must be reserved in the new version. An unreserved
  // number can be reused for different data that old payloads would then be read as; an
  // unreserved name can be reused for a new number, and JSON payloads (keyed by name) would
  // then land in the wrong field.
  void removed_field(const Field& old_field, const gp::Descriptor& new_message) {
    const bool number_reserved = new_message.IsReservedNumber(old_field.number());
    const bool name_reserved = new_message.IsReservedName(old_field.name());
    if (number_reserved && name_reserved) return;
    std::string missing = !number_reserved && !name_reserved ? "its number and name"
                          : !number_reserved                 ? "its number"
                                                             : "its name";
    report(old_field.full_name(), "FIELD_REMOVED_NOT_RESERVED",
           "The new version removes " + describe(old_field) + " without reserving " + missing +
               ", so a later version could reuse " +
               (number_reserved || name_reserved ? "it" : "them") + " for different data.");
  }

  // Rule: a number or name the old version reserved must not come back: old payloads may
  // still carry the data it used to mean.
  void added_field(const Field& new_field, const gp::Descriptor& old_message) {
    const bool number_reserved = old_message.IsReservedNumber(new_field.number());
    const bool name_reserved = old_message.IsReservedName(new_field.name());
    if (!number_reserved && !name_reserved) return;
    report(numbered_path(*new_field.containing_type(), new_field.number()), "RESERVED_FIELD_REUSED",
           "The new version adds " + describe(new_field) + " on the reserved " +
               (number_reserved ? "number" : "name") +
               " of a removed field, whose old data it would misread.");
  }

  const char* required_kind() const {
    switch (newer_) {
      case NewerSchema::Reader:
        return "FIELD_REQUIRED_ADDED";
      case NewerSchema::Writer:
        return "FIELD_REQUIRED_REMOVED";
      default:
        return "REQUIRED_FIELD_MISSING";
    }
  }

  void compare_common_field(const Field& r, const Field& w) {
    const std::string path = r.full_name();
    // Rule: a rename keeps the wire format but breaks the JSON mapping, which the registry
    // validates payloads with: JSON keys are field names (or json_name).
    if (r.name() != w.name()) {
      report(path, "FIELD_RENAMED",
             "Field " + std::to_string(r.number()) + " of " + r.containing_type()->full_name() +
                 " is named " + quoted(r.name()) + " for the reader but " + quoted(w.name()) +
                 " for the writer, which breaks JSON payloads keyed by name.");
    } else if (r.json_name() != w.json_name()) {
      report(path, "FIELD_JSON_NAME_CHANGED",
             "The JSON name of " + describe(r) + " is " + quoted(r.json_name()) +
                 " for the reader but " + quoted(w.json_name()) +
                 " for the writer, which breaks JSON payloads.");
    }

    if (r.is_map() || w.is_map()) {
      compare_map_fields(r, w);
      return;
    }
    const bool types_compatible = compare_types(r, w);

    // Rule: singular <- repeated is refused: a singular reader keeps only the last string,
    // bytes or number of a repeated writer (or merges its messages), and files packed numbers
    // (proto3's default) away as unknown data. repeated <- singular is fine: a repeated reader
    // accepts one element, packed or not.
    if (!r.is_repeated() && w.is_repeated()) {
      report(path, "FIELD_CARDINALITY_CHANGED",
             "The reader has " + describe(r) +
                 " singular but the writer repeats it, so the reader would "
                 "keep only one of the writer's values.");
    }
    // Rule (proto2): a reader that requires a field rejects messages of a writer that may
    // leave it out. required <- optional is refused; optional <- required is fine.
    if (r.is_required() && !w.is_required()) {
      report(path, required_kind(),
             "The reader requires " + describe(r) +
                 " but the writer may leave it out, and such messages fail to parse.");
    }
    compare_oneofs(r, w);

    // Rule: a field absent from the payload reads as the reader's default. proto2 custom
    // defaults, a proto2 enum whose first value is not 0, or a proto2 <-> proto3 change that
    // drops either, make an unset value read differently from what the writer meant.
    if (types_compatible && defaults_differ(r, w)) {
      report(path, "FIELD_DEFAULT_CHANGED",
             "The default value of " + describe(r) +
                 " differs between reader and writer, so a payload that leaves it out is read as a "
                 "different value.");
    }
  }

  // Rule: maps keep their key type and value type exactly (value messages and enums by full
  // name, compared recursively). A map and a repeated message are the same bytes but
  // different types by name (and in JSON), so that change is FIELD_TYPE_CHANGED.
  void compare_map_fields(const Field& r, const Field& w) {
    if (!r.is_map() || !w.is_map()) {
      report(r.full_name(), "FIELD_TYPE_CHANGED",
             "The type of " + describe(r) + " is " + describe_type(r) + " for the reader but " +
                 describe_type(w) + " for the writer.");
      return;
    }
    const Field& r_key = *r.message_type()->map_key();
    const Field& w_key = *w.message_type()->map_key();
    if (r_key.type() != w_key.type()) {
      report(r.full_name(), "MAP_KEY_TYPE_CHANGED",
             "The key type of map " + describe(r) + " is " + describe_type(r_key) +
                 " for the reader but " + describe_type(w_key) + " for the writer.");
    }
    const Field& r_value = *r.message_type()->map_value();
    const Field& w_value = *w.message_type()->map_value();
    if (compare_field_types(r_value, w_value) != TypeVerdict::Same) {
      report(r.full_name(), "MAP_VALUE_TYPE_CHANGED",
             "The value type of map " + describe(r) + " is " + describe_type(r_value) +
                 " for the reader but " + describe_type(w_value) + " for the writer.");
      return;
    }
    compare_same_typed(r_value, w_value);
  }

  // Recurse into what two fields of the same message or enum type share.
  void compare_same_typed(const Field& r, const Field& w) {
    if (r.cpp_type() == Field::CPPTYPE_MESSAGE)
      compare_messages(*r.message_type(), *w.message_type());
    if (r.type() == Field::TYPE_ENUM)
      compare_enums(*r.enum_type(), *w.enum_type(), is_closed_enum_field(r));
  }

  // Rule: a field number reused with another type must stay within one wire-compatible group
  // (field_type_compat.cpp). Different message or enum types by full name are incompatible:
  // MESSAGE_REMOVED / ENUM_REMOVED when the reader's (or the writer's) type no longer exists on
  // the other side, FIELD_TYPE_CHANGED otherwise.
  bool compare_types(const Field& r, const Field& w) {
    switch (compare_field_types(r, w)) {
      case TypeVerdict::Same:
        compare_same_typed(r, w);
        return true;
      case TypeVerdict::Compatible:
        return true;
      case TypeVerdict::Incompatible:
        break;
    }
    const bool both_messages =
        r.cpp_type() == Field::CPPTYPE_MESSAGE && w.cpp_type() == Field::CPPTYPE_MESSAGE;
    const bool both_enums = r.type() == Field::TYPE_ENUM && w.type() == Field::TYPE_ENUM;
    if (both_messages || both_enums) {
      const std::string r_type =
          both_messages ? r.message_type()->full_name() : r.enum_type()->full_name();
      const std::string w_type =
          both_messages ? w.message_type()->full_name() : w.enum_type()->full_name();
      auto defined = [&](const gp::DescriptorPool& pool, const std::string& name) {
        return both_messages ? pool.FindMessageTypeByName(name) != nullptr
                             : pool.FindEnumTypeByName(name) != nullptr;
      };
      const bool r_gone = !defined(writer_pool(), r_type);
      const bool w_gone = !defined(reader_pool(), w_type);
      if (r_gone || w_gone) {
        const std::string& missing = r_gone ? r_type : w_type;
        report(missing, both_messages ? "MESSAGE_REMOVED" : "ENUM_REMOVED",
               describe(r) + " is " + r_type + " for the reader but " + w_type +
                   " for the writer, and " + missing + " is not defined on the " +
                   (r_gone ? "writer" : "reader") + "'s side.");
        return false;
      }
    }
    report(r.full_name(), "FIELD_TYPE_CHANGED",
           "The type of " + describe(r) + " is " + describe_type(r) + " for the reader but " +
               describe_type(w) + " for the writer, which the reader would misread or reject.");
    return false;
  }

  // Rule: a field keeps its oneof. Between two oneofs (by name) is refused. Into or out of a
  // oneof is allowed only when that oneof holds no other field the other version also has:
  // a new oneof of new fields, or one wrapping exactly one existing field (buf's rule).
  // Otherwise a writer without the oneof may set two of its fields and a oneof reader keeps
  // only one.
  void compare_oneofs(const Field& r, const Field& w) {
    const gp::OneofDescriptor* r_oneof = r.real_containing_oneof();
    const gp::OneofDescriptor* w_oneof = w.real_containing_oneof();
    if (r_oneof == nullptr && w_oneof == nullptr) return;
    if (r_oneof != nullptr && w_oneof != nullptr) {
      if (r_oneof->name() != w_oneof->name()) {
        report(r.full_name(), "FIELD_ONEOF_CHANGED",
               describe(r) + " is in oneof " + quoted(r_oneof->name()) +
                   " for the reader but in oneof " + quoted(w_oneof->name()) + " for the writer.");
      }
      return;
    }
    const gp::OneofDescriptor& oneof = r_oneof != nullptr ? *r_oneof : *w_oneof;
    const gp::Descriptor& other_side =
        r_oneof != nullptr ? *w.containing_type() : *r.containing_type();
    for (int i = 0; i < oneof.field_count(); ++i) {
      const Field& sibling = *oneof.field(i);
      if (sibling.number() == r.number() ||
          other_side.FindFieldByNumber(sibling.number()) == nullptr)
        continue;
      report(r.full_name(), "FIELD_ONEOF_CHANGED",
             describe(r) + " is in oneof " + quoted(oneof.name()) + " only for the " +
                 (r_oneof != nullptr ? "reader" : "writer") + ", together with field " +
                 std::to_string(sibling.number()) + " " + quoted(sibling.name()) +
                 " that the other version has outside any oneof, so setting both loses one.");
      return;
    }
  }

  // Enums are matched by value number, names checked because JSON carries enum values by name.
  void compare_enums(const gp::EnumDescriptor& r, const gp::EnumDescriptor& w, bool reader_closed) {
    if (!compared_enums_.insert(r.full_name()).second) return;
    auto value_path = [](const gp::EnumDescriptor& e, const std::string& name) {
      return e.full_name() + "." + name;
    };

    // Rule: a value name keeps its number: JSON payloads carry the name, binary the number.
    for (int i = 0; i < w.value_count(); ++i) {
      const gp::EnumValueDescriptor& wv = *w.value(i);
      const gp::EnumValueDescriptor* rv = r.FindValueByName(wv.name());
      if (rv != nullptr && rv->number() != wv.number()) {
        report(value_path(r, wv.name()), "ENUM_VALUE_NUMBER_CHANGED",
               "Enum value " + wv.name() + " of " + r.full_name() + " is " +
                   std::to_string(rv->number()) + " for the reader but " +
                   std::to_string(wv.number()) + " for the writer.");
      }
    }
    // Rule: a number keeps at least one of its names (aliases may come and go), or JSON
    // payloads naming the value stop parsing.
    for (int i = 0; i < r.value_count(); ++i) {
      const gp::EnumValueDescriptor& rv = *r.value(i);
      if (r.FindValueByNumber(rv.number()) != &rv) continue;  // first alias of a number only
      if (w.FindValueByNumber(rv.number()) == nullptr) continue;
      if (!shares_a_name(r, w, rv.number())) {
        report(value_path(r, rv.name()), "ENUM_VALUE_RENAMED",
               "Enum value " + std::to_string(rv.number()) + " of " + r.full_name() + " is named " +
                   quoted(rv.name()) + " for the reader but " +
                   quoted(w.FindValueByNumber(rv.number())->name()) +
                   " for the writer, which breaks JSON payloads that name it.");
      }
    }
    for (int i = 0; i < w.value_count(); ++i) {
      const gp::EnumValueDescriptor& wv = *w.value(i);
      if (w.FindValueByNumber(wv.number()) != &wv || r.FindValueByNumber(wv.number()) != nullptr)
        continue;
      if (r.FindValueByName(wv.name()) != nullptr) continue;  // renumbered: reported above
      writer_only_value(wv, r, reader_closed);
    }
    for (int i = 0; i < r.value_count(); ++i) {
      const gp::EnumValueDescriptor& rv = *r.value(i);
      if (r.FindValueByNumber(rv.number()) != &rv || w.FindValueByNumber(rv.number()) != nullptr)
        continue;
      if (w.FindValueByName(rv.name()) != nullptr) continue;
      if (newer_ == NewerSchema::Writer) removed_value(rv, w);
      if (newer_ == NewerSchema::Reader) added_value(rv, w);
    }
  }

  static bool shares_a_name(const gp::EnumDescriptor& r, const gp::EnumDescriptor& w, int number) {
    for (int i = 0; i < r.value_count(); ++i) {
      if (r.value(i)->number() != number) continue;
      const gp::EnumValueDescriptor* same_name = w.FindValueByName(r.value(i)->name());
      if (same_name != nullptr && same_name->number() == number) return true;
    }
    return false;
  }

  // A value the writer may send that the reader does not declare. Rule: a closed (proto2)
  // enum reader drops it and sees the field unset, so that is incompatible whichever side
  // changed; an open (proto3) reader keeps the number, so only the removal rule applies.
  void writer_only_value(const gp::EnumValueDescriptor& wv, const gp::EnumDescriptor& r,
                         bool reader_closed) {
    if (reader_closed) {
      const char* kind = newer_ == NewerSchema::Reader   ? "ENUM_VALUE_REMOVED"
                         : newer_ == NewerSchema::Writer ? "ENUM_VALUE_ADDED"
                                                         : "ENUM_VALUE_UNKNOWN_TO_READER";
      report(r.full_name() + "." + wv.name(), kind,
             "The writer may send value " + std::to_string(wv.number()) + " (" + wv.name() +
                 ") of enum " + r.full_name() +
                 ", which the reader's closed (proto2) enum does not declare, so the reader "
                 "would see the field unset.");
      return;
    }
    if (newer_ == NewerSchema::Reader) removed_value(wv, r);
    if (newer_ == NewerSchema::Writer) added_value(wv, r);
  }

  // Rule: like fields, a removed enum value's number and name must be reserved.
  void removed_value(const gp::EnumValueDescriptor& old_value, const gp::EnumDescriptor& new_enum) {
    if (new_enum.IsReservedNumber(old_value.number()) && new_enum.IsReservedName(old_value.name()))
      return;
    report(new_enum.full_name() + "." + old_value.name(), "ENUM_VALUE_REMOVED",
           "The new version removes value " + std::to_string(old_value.number()) + " (" +
               old_value.name() + ") of enum " + new_enum.full_name() +
               " without reserving its number and name.");
  }

  // Rule: a reserved enum number or name must not come back.
  void added_value(const gp::EnumValueDescriptor& new_value, const gp::EnumDescriptor& old_enum) {
    if (!old_enum.IsReservedNumber(new_value.number()) &&
        !old_enum.IsReservedName(new_value.name()))
      return;
    report(old_enum.full_name() + "." + new_value.name(), "RESERVED_ENUM_VALUE_REUSED",
           "The new version adds value " + std::to_string(new_value.number()) + " (" +
               new_value.name() + ") to enum " + old_enum.full_name() +
               " on a number or name the old version reserved.");
  }

  const ProtoSchema& reader_;
  const ProtoSchema& writer_;
  NewerSchema newer_;
  std::set<std::string> compared_messages_;
  std::deque<std::pair<const gp::Descriptor*, const gp::Descriptor*>> pending_messages_;
  std::set<std::string> compared_enums_;
  compat::Incompatibilities out_;
};

}  // namespace

compat::Incompatibilities check_protobuf(const ProtoSchema& reader, const ProtoSchema& writer,
                                         NewerSchema newer) {
  return Comparison(reader, writer, newer).run();
}

compat::Incompatibilities check_backward(const ProtoSchema& new_schema,
                                         const ProtoSchema& old_schema) {
  return check_protobuf(new_schema, old_schema, NewerSchema::Reader);
}

compat::Incompatibilities check_forward(const ProtoSchema& new_schema,
                                        const ProtoSchema& old_schema) {
  return check_protobuf(old_schema, new_schema, NewerSchema::Writer);
}

}  // namespace accord::protobuf_schema
