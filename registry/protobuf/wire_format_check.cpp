#include "registry/protobuf/wire_format_check.hpp"

#include <cstdint>
#include <string>
#include <utility>

namespace accord::protobuf_schema {

namespace gp = google::protobuf;

namespace {

enum WireType : int {
  kVarint = 0,
  kFixed64 = 1,
  kLengthDelimited = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5
};

// The protobuf parser's own default nesting limit: deeper input is rejected there too.
constexpr int kMaxDepth = 100;
constexpr std::size_t kMaxErrors = 100;
constexpr int kMaxFieldNumber = 536870911;

const char* wire_type_name(int wire_type) {
  switch (wire_type) {
    case kVarint:
      return "VARINT";
    case kFixed64:
      return "I64";
    case kLengthDelimited:
      return "LEN";
    case kStartGroup:
      return "SGROUP";
    case kEndGroup:
      return "EGROUP";
    case kFixed32:
      return "I32";
    default:
      return "invalid";
  }
}

int expected_wire_type(const gp::FieldDescriptor& field) {
  switch (field.type()) {
    case gp::FieldDescriptor::TYPE_DOUBLE:
    case gp::FieldDescriptor::TYPE_FIXED64:
    case gp::FieldDescriptor::TYPE_SFIXED64:
      return kFixed64;
    case gp::FieldDescriptor::TYPE_FLOAT:
    case gp::FieldDescriptor::TYPE_FIXED32:
    case gp::FieldDescriptor::TYPE_SFIXED32:
      return kFixed32;
    case gp::FieldDescriptor::TYPE_STRING:
    case gp::FieldDescriptor::TYPE_BYTES:
    case gp::FieldDescriptor::TYPE_MESSAGE:
      return kLengthDelimited;
    case gp::FieldDescriptor::TYPE_GROUP:
      return kStartGroup;
    default:
      return kVarint;
  }
}

// In protobuf 3.21 an enum is closed when the file of the field using it is proto2: values it
// does not declare are moved to the unknown fields instead of being kept in the field.
bool is_closed_enum(const gp::FieldDescriptor& field) {
  return field.type() == gp::FieldDescriptor::TYPE_ENUM &&
         field.file()->syntax() != gp::FileDescriptor::SYNTAX_PROTO3;
}

// proto3 strings must be valid UTF-8 (the parser rejects them otherwise); proto2 strings are
// not checked by the parser, so not here either.
bool requires_utf8(const gp::FieldDescriptor& field) {
  return field.type() == gp::FieldDescriptor::TYPE_STRING &&
         field.file()->syntax() == gp::FileDescriptor::SYNTAX_PROTO3;
}

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int length = 0;
    uint32_t min = 0;
    uint32_t code = 0;
    if ((c & 0xE0) == 0xC0) {
      length = 2, min = 0x80, code = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      length = 3, min = 0x800, code = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      length = 4, min = 0x10000, code = c & 0x07;
    } else {
      return false;
    }
    if (end - p < length) return false;
    for (int i = 1; i < length; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      code = (code << 6) | (p[i] & 0x3F);
    }
    if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
    p += length;
  }
  return true;
}

class Reader {
 public:
  explicit Reader(std::string_view bytes)
      : p_(reinterpret_cast<const uint8_t*>(bytes.data())), end_(p_ + bytes.size()) {}

  bool at_end() const { return p_ == end_; }
  std::size_t remaining() const { return static_cast<std::size_t>(end_ - p_); }

  bool read_varint(uint64_t* value) {
    uint64_t result = 0;
    for (int shift = 0; shift < 70 && p_ < end_; shift += 7) {
      const uint8_t byte = *p_++;
      result |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) {
        *value = result;
        return true;
      }
      if (shift == 63) return false;  // a tenth byte that continues: longer than 64 bits
    }
    return false;
  }

  // The next `size` bytes, consumed; false when fewer remain.
  bool take(std::size_t size, std::string_view* out) {
    if (remaining() < size) return false;
    *out = std::string_view(reinterpret_cast<const char*>(p_), size);
    p_ += size;
    return true;
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

// Where the walk is, as a chain through the stack: rendered to "reading.samples[2].value"
// only when there is an error to report, so valid payloads build no strings.
struct PathNode {
  const PathNode* parent = nullptr;  // null for the validated message itself
  const gp::FieldDescriptor* field = nullptr;
  int index = -1;  // element of a repeated field, or -1
};

std::string render(const PathNode* node) {
  if (node == nullptr || node->field == nullptr) return "";
  std::string path = render(node->parent);
  if (!path.empty()) path += '.';
  path += node->field->name();
  if (node->index >= 0) path += "[" + std::to_string(node->index) + "]";
  return path;
}

class WireWalker {
 public:
  WireWalker(UnknownFields unknown_fields, WireCheckResult& result)
      : reject_unknown_(unknown_fields == UnknownFields::Reject), result_(result) {}

  // Walks the fields of one `message` until the end of `in` or, for a group, its END_GROUP.
  // Returns false when the bytes are malformed (the walk cannot go on).
  bool walk(const gp::Descriptor& message, Reader& in, const PathNode* path, int depth,
            int group_number) {
    if (depth > kMaxDepth) {
      return malformed(path,
                       "messages nested deeper than " + std::to_string(kMaxDepth) + " levels");
    }
    // Occurrences so far of each repeated field, to index its elements in paths.
    std::vector<std::pair<int, int>> occurrences;
    while (!in.at_end()) {
      uint64_t tag = 0;
      if (!in.read_varint(&tag)) return malformed(path, "truncated or overlong field tag");
      const int wire_type = static_cast<int>(tag & 7);
      const uint64_t number = tag >> 3;
      if (number == 0 || number > kMaxFieldNumber) {
        return malformed(path, "invalid field number " + std::to_string(number));
      }
      if (wire_type == kEndGroup) {
        if (static_cast<int>(number) == group_number) return true;
        return malformed(
            path, "END_GROUP for field " + std::to_string(number) + " without its START_GROUP");
      }
      if (wire_type > kFixed32) {
        return malformed(path, "invalid wire type " + std::to_string(wire_type) + " for field " +
                                   std::to_string(number));
      }
      const gp::FieldDescriptor* field = find_field(message, static_cast<int>(number));
      if (field == nullptr) {
        if (reject_unknown_) {
          report(path, "unknown field number " + std::to_string(number) + " (wire type " +
                           wire_type_name(wire_type) + ") in " + message.full_name());
        }
        if (!skip_value(wire_type, static_cast<int>(number), in, path, depth)) return false;
        continue;
      }
      if (field->is_packable() && field->is_repeated() && wire_type == kLengthDelimited) {
        if (!walk_packed(*field, in, path, occurrences)) return false;
        continue;
      }
      const PathNode field_path{
          path, field, field->is_repeated() ? next_index(occurrences, field->number()) : -1};
      if (!walk_field(*field, wire_type, in, &field_path, depth)) return false;
    }
    if (group_number != 0) return malformed(path, "group without its END_GROUP");
    return true;
  }

 private:
  static const gp::FieldDescriptor* find_field(const gp::Descriptor& message, int number) {
    if (const gp::FieldDescriptor* field = message.FindFieldByNumber(number)) return field;
    if (message.IsExtensionNumber(number)) {
      return message.file()->pool()->FindExtensionByNumber(&message, number);
    }
    return nullptr;
  }

  static int next_index(std::vector<std::pair<int, int>>& occurrences, int number) {
    for (auto& [field_number, count] : occurrences) {
      if (field_number == number) return count++;
    }
    occurrences.emplace_back(number, 1);
    return 0;
  }

  bool walk_field(const gp::FieldDescriptor& field, int wire_type, Reader& in, const PathNode* path,
                  int depth) {
    const int expected = expected_wire_type(field);
    if (wire_type != expected) {
      // The field's bytes are still well-formed: skip them and keep looking for more errors.
      report(path, "field " + std::to_string(field.number()) + " is " + field.type_name() +
                       " (wire type " + wire_type_name(expected) + ") but was sent as " +
                       wire_type_name(wire_type));
      return skip_value(wire_type, field.number(), in, path, depth);
    }
    switch (wire_type) {
      case kVarint: {
        uint64_t value = 0;
        if (!in.read_varint(&value)) return malformed(path, "truncated varint");
        check_enum_value(field, static_cast<int32_t>(value), path);
        return true;
      }
      case kFixed64:
      case kFixed32: {
        std::string_view ignored;
        if (!in.take(wire_type == kFixed64 ? 8 : 4, &ignored)) {
          return malformed(path, std::string("truncated ") + field.type_name());
        }
        return true;
      }
      case kStartGroup:
        return walk(*field.message_type(), in, path, depth + 1, field.number());
      default:
        break;
    }
    std::string_view payload;
    if (!take_length_delimited(in, &payload))
      return malformed(path, "length exceeds the remaining bytes");
    if (field.type() == gp::FieldDescriptor::TYPE_MESSAGE) {
      Reader nested(payload);
      return walk(*field.message_type(), nested, path, depth + 1, 0);
    }
    if (requires_utf8(field) && !is_valid_utf8(payload)) {
      return malformed(path, "string is not valid UTF-8");
    }
    return true;
  }

  // A packed run of a repeated scalar: its elements are indexed like unpacked ones.
  bool walk_packed(const gp::FieldDescriptor& field, Reader& in, const PathNode* parent,
                   std::vector<std::pair<int, int>>& occurrences) {
    const PathNode whole{parent, &field, -1};
    std::string_view payload;
    if (!take_length_delimited(in, &payload))
      return malformed(&whole, "length exceeds the remaining bytes");
    const int element_wire_type = expected_wire_type(field);
    if (element_wire_type != kVarint) {
      const std::size_t size = element_wire_type == kFixed64 ? 8 : 4;
      if (payload.size() % size != 0) {
        return malformed(&whole, "packed " + std::string(field.type_name()) + " length " +
                                     std::to_string(payload.size()) + " is not a multiple of " +
                                     std::to_string(size));
      }
      for (std::size_t i = 0; i < payload.size() / size; ++i)
        next_index(occurrences, field.number());
      return true;
    }
    Reader elements(payload);
    while (!elements.at_end()) {
      const PathNode element{parent, &field, next_index(occurrences, field.number())};
      uint64_t value = 0;
      if (!elements.read_varint(&value))
        return malformed(&element, "truncated varint in packed field");
      check_enum_value(field, static_cast<int32_t>(value), &element);
    }
    return true;
  }

  void check_enum_value(const gp::FieldDescriptor& field, int32_t value, const PathNode* path) {
    if (!reject_unknown_ || !is_closed_enum(field)) return;
    if (field.enum_type()->FindValueByNumber(value) != nullptr) return;
    report(path, "value " + std::to_string(value) + " is not declared by closed enum " +
                     field.enum_type()->full_name() + " (it would be kept as an unknown field)");
  }

  static bool take_length_delimited(Reader& in, std::string_view* payload) {
    uint64_t length = 0;
    if (!in.read_varint(&length)) return false;
    return length <= in.remaining() && in.take(static_cast<std::size_t>(length), payload);
  }

  // Skips an unknown (or mistyped) field's value, checking only that it is well-formed.
  bool skip_value(int wire_type, int number, Reader& in, const PathNode* path, int depth) {
    std::string_view ignored;
    switch (wire_type) {
      case kVarint: {
        uint64_t value = 0;
        return in.read_varint(&value) ||
               malformed(path, "truncated varint in field " + std::to_string(number));
      }
      case kFixed64:
        return in.take(8, &ignored) ||
               malformed(path, "truncated I64 in field " + std::to_string(number));
      case kFixed32:
        return in.take(4, &ignored) ||
               malformed(path, "truncated I32 in field " + std::to_string(number));
      case kLengthDelimited:
        return take_length_delimited(in, &ignored) ||
               malformed(path, "length of field " + std::to_string(number) +
                                   " exceeds the remaining bytes");
      case kStartGroup:
        return skip_group(number, in, path, depth + 1);
      default:
        return malformed(path, "invalid wire type in field " + std::to_string(number));
    }
  }

  bool skip_group(int number, Reader& in, const PathNode* path, int depth) {
    if (depth > kMaxDepth) {
      return malformed(path, "groups nested deeper than " + std::to_string(kMaxDepth) + " levels");
    }
    while (!in.at_end()) {
      uint64_t tag = 0;
      if (!in.read_varint(&tag)) return malformed(path, "truncated field tag in group");
      const int wire_type = static_cast<int>(tag & 7);
      // Checked before narrowing: a 64-bit tag must not alias a valid number, and fields inside
      // an unknown group obey the same numbering as top-level ones (libprotobuf rejects both).
      const uint64_t wide = tag >> 3;
      if (wide == 0 || wide > kMaxFieldNumber)
        return malformed(path, "invalid field number " + std::to_string(wide) + " in group " +
                                   std::to_string(number));
      const int inner = static_cast<int>(wide);
      if (wire_type == kEndGroup) {
        if (inner == number) return true;
        return malformed(path, "mismatched END_GROUP in field " + std::to_string(number));
      }
      if (!skip_value(wire_type, inner, in, path, depth)) return false;
    }
    return malformed(path, "group field " + std::to_string(number) + " without its END_GROUP");
  }

  void report(const PathNode* path, std::string message) {
    if (result_.errors.size() < kMaxErrors)
      result_.errors.push_back({render(path), std::move(message)});
  }

  bool malformed(const PathNode* path, std::string message) {
    report(path, std::move(message));
    result_.malformed = true;
    return false;
  }

  bool reject_unknown_;
  WireCheckResult& result_;
};

}  // namespace

WireCheckResult check_wire_format(const gp::Descriptor& message, std::string_view bytes,
                                  UnknownFields unknown_fields) {
  WireCheckResult result;
  Reader in(bytes);
  WireWalker(unknown_fields, result).walk(message, in, nullptr, 0, 0);
  return result;
}

}  // namespace accord::protobuf_schema
