#include "registry/protobuf/field_type_compat.hpp"

#include <cmath>
#include <cstdint>

namespace accord::protobuf_schema {

namespace gp = google::protobuf;
using Field = gp::FieldDescriptor;

namespace {

// Groups of types sharing one wire encoding, so a value of one reads as a value of another
// (with truncation where the sizes differ, which the protobuf language guide accepts).
enum class WireGroup { Varint, ZigZag, Fixed32, Fixed64, Float, Double, LengthDelimited, Group };

WireGroup wire_group(Field::Type type) {
  switch (type) {
    case Field::TYPE_INT32:
    case Field::TYPE_UINT32:
    case Field::TYPE_INT64:
    case Field::TYPE_UINT64:
    case Field::TYPE_BOOL:
    case Field::TYPE_ENUM:
      return WireGroup::Varint;
    case Field::TYPE_SINT32:
    case Field::TYPE_SINT64:
      return WireGroup::ZigZag;
    case Field::TYPE_FIXED32:
    case Field::TYPE_SFIXED32:
      return WireGroup::Fixed32;
    case Field::TYPE_FIXED64:
    case Field::TYPE_SFIXED64:
      return WireGroup::Fixed64;
    case Field::TYPE_FLOAT:
      return WireGroup::Float;
    case Field::TYPE_DOUBLE:
      return WireGroup::Double;
    case Field::TYPE_GROUP:
      return WireGroup::Group;
    default:
      return WireGroup::LengthDelimited;
  }
}

bool is_integer(Field::Type type) {
  return type == Field::TYPE_INT32 || type == Field::TYPE_UINT32 || type == Field::TYPE_INT64 ||
         type == Field::TYPE_UINT64;
}

// The value a field has when a payload does not carry it, as the bits a reader would see;
// fields of one wire group are compared through it.
struct DefaultValue {
  int64_t integer = 0;
  double floating = 0;
  std::string text;
};

DefaultValue default_of(const Field& field) {
  DefaultValue value;
  switch (field.cpp_type()) {
    case Field::CPPTYPE_INT32:
      value.integer = field.default_value_int32();
      break;
    case Field::CPPTYPE_INT64:
      value.integer = field.default_value_int64();
      break;
    case Field::CPPTYPE_UINT32:
      value.integer = field.default_value_uint32();
      break;
    case Field::CPPTYPE_UINT64:
      value.integer = static_cast<int64_t>(field.default_value_uint64());
      break;
    case Field::CPPTYPE_BOOL:
      value.integer = field.default_value_bool() ? 1 : 0;
      break;
    case Field::CPPTYPE_ENUM:
      value.integer = field.default_value_enum()->number();
      break;
    case Field::CPPTYPE_FLOAT:
      value.floating = field.default_value_float();
      break;
    case Field::CPPTYPE_DOUBLE:
      value.floating = field.default_value_double();
      break;
    case Field::CPPTYPE_STRING:
      value.text = field.default_value_string();
      break;
    default:
      break;
  }
  return value;
}

}  // namespace

bool is_closed_enum_field(const Field& field) {
  return field.type() == Field::TYPE_ENUM &&
         field.file()->syntax() != gp::FileDescriptor::SYNTAX_PROTO3;
}

TypeVerdict compare_field_types(const Field& reader, const Field& writer) {
  const Field::Type r = reader.type();
  const Field::Type w = writer.type();
  if (r == w) {
    if (r == Field::TYPE_MESSAGE || r == Field::TYPE_GROUP) {
      return reader.message_type()->full_name() == writer.message_type()->full_name()
                 ? TypeVerdict::Same
                 : TypeVerdict::Incompatible;
    }
    if (r == Field::TYPE_ENUM) {
      return reader.enum_type()->full_name() == writer.enum_type()->full_name()
                 ? TypeVerdict::Same
                 : TypeVerdict::Incompatible;
    }
    return TypeVerdict::Same;
  }
  // bytes can hold anything length-delimited: a string's UTF-8, or a message's encoding (the
  // language guide's "embedded messages are compatible with bytes"). The reverse is not safe:
  // a string reader rejects (proto3) or mangles non-UTF-8 bytes, and a message reader cannot
  // parse arbitrary bytes.
  if (r == Field::TYPE_BYTES && (w == Field::TYPE_STRING || w == Field::TYPE_MESSAGE)) {
    return TypeVerdict::Compatible;
  }
  if (wire_group(r) != wire_group(w) || wire_group(r) == WireGroup::LengthDelimited) {
    return TypeVerdict::Incompatible;
  }
  if (r == Field::TYPE_ENUM || w == Field::TYPE_ENUM) {
    // enum <-> int32/uint32/int64/uint64 share the varint encoding; bool is no enum's peer.
    const Field::Type other = r == Field::TYPE_ENUM ? w : r;
    if (!is_integer(other)) return TypeVerdict::Incompatible;
    // A closed (proto2) enum reader drops every number it does not declare, and an integer
    // writer may send any number.
    if (r == Field::TYPE_ENUM && is_closed_enum_field(reader)) return TypeVerdict::Incompatible;
  }
  return TypeVerdict::Compatible;
}

std::string describe_type(const Field& field) {
  if (field.is_map()) {
    return "map<" + describe_type(*field.message_type()->map_key()) + ", " +
           describe_type(*field.message_type()->map_value()) + ">";
  }
  switch (field.type()) {
    case Field::TYPE_MESSAGE:
      return field.message_type()->full_name();
    case Field::TYPE_GROUP:
      return "group " + field.message_type()->full_name();
    case Field::TYPE_ENUM:
      return "enum " + field.enum_type()->full_name();
    default:
      return field.type_name();
  }
}

bool defaults_differ(const Field& reader, const Field& writer) {
  if (reader.is_repeated() || writer.is_repeated()) return false;
  if (reader.cpp_type() == Field::CPPTYPE_MESSAGE || writer.cpp_type() == Field::CPPTYPE_MESSAGE)
    return false;
  const DefaultValue r = default_of(reader);
  const DefaultValue w = default_of(writer);
  const bool both_nan = std::isnan(r.floating) && std::isnan(w.floating);
  return r.integer != w.integer || (r.floating != w.floating && !both_nan) || r.text != w.text;
}

}  // namespace accord::protobuf_schema
