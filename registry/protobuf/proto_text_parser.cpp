#include "registry/protobuf/proto_text_parser.hpp"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <cstdint>
#include <limits>
#include <set>

namespace accord::protobuf_schema {

namespace gp = google::protobuf;
using Token = gp::io::Tokenizer::Token;
using TokenType = gp::io::Tokenizer::TokenType;
using Location = SourcePositions::Location;
using ErrorCollector = gp::DescriptorPool::ErrorCollector;

std::string format_error(const std::string& file_name, TextPosition pos, std::string_view message) {
  return file_name + ":" + std::to_string(pos.line + 1) + ":" + std::to_string(pos.column + 1) +
         ": " + std::string(message);
}

void SourcePositions::record(const gp::Message* element, Location where, TextPosition pos) {
  by_element_.emplace(std::make_pair(element, static_cast<int>(where)), pos);
}

void SourcePositions::record_name(const std::string& full_name, TextPosition pos) {
  by_name_.emplace(full_name, pos);
}

TextPosition SourcePositions::find(const gp::Message* element, Location where,
                                   const std::string& element_name) const {
  if (auto it = by_element_.find({element, static_cast<int>(where)}); it != by_element_.end()) {
    return it->second;
  }
  if (auto it = by_element_.find({element, static_cast<int>(ErrorCollector::NAME)});
      it != by_element_.end()) {
    return it->second;
  }
  if (auto it = by_name_.find(element_name); it != by_name_.end()) return it->second;
  return {};
}

namespace {

// Field numbers above this are invalid; `max` in ranges means this number.
constexpr int kMaxFieldNumber = 536870911;
constexpr std::size_t kMaxErrors = 50;
// Schemas arrive over the REST API: bound the parser's recursion (and the pool's after it).
constexpr int kMaxMessageDepth = 64;

class TokenizerErrors : public gp::io::ErrorCollector {
 public:
  TokenizerErrors(const std::string& file_name, std::vector<std::string>& errors)
      : file_name_(file_name), errors_(errors) {}
  void AddError(int line, gp::io::ColumnNumber column, const std::string& message) override {
    if (errors_.size() < kMaxErrors)
      errors_.push_back(format_error(file_name_, {line, column}, message));
  }
  void AddWarning(int, gp::io::ColumnNumber, const std::string&) override {}

 private:
  const std::string& file_name_;
  std::vector<std::string>& errors_;
};

const std::map<std::string, gp::FieldDescriptorProto::Type, std::less<>>& scalar_types() {
  static const auto* types = new std::map<std::string, gp::FieldDescriptorProto::Type, std::less<>>{
      {"double", gp::FieldDescriptorProto::TYPE_DOUBLE},
      {"float", gp::FieldDescriptorProto::TYPE_FLOAT},
      {"int64", gp::FieldDescriptorProto::TYPE_INT64},
      {"uint64", gp::FieldDescriptorProto::TYPE_UINT64},
      {"int32", gp::FieldDescriptorProto::TYPE_INT32},
      {"fixed64", gp::FieldDescriptorProto::TYPE_FIXED64},
      {"fixed32", gp::FieldDescriptorProto::TYPE_FIXED32},
      {"bool", gp::FieldDescriptorProto::TYPE_BOOL},
      {"string", gp::FieldDescriptorProto::TYPE_STRING},
      {"bytes", gp::FieldDescriptorProto::TYPE_BYTES},
      {"uint32", gp::FieldDescriptorProto::TYPE_UINT32},
      {"sfixed32", gp::FieldDescriptorProto::TYPE_SFIXED32},
      {"sfixed64", gp::FieldDescriptorProto::TYPE_SFIXED64},
      {"sint32", gp::FieldDescriptorProto::TYPE_SINT32},
      {"sint64", gp::FieldDescriptorProto::TYPE_SINT64},
  };
  return *types;
}

// protoc's name for the message generated for `map<K, V> field_name`: "field_name" ->
// "FieldNameEntry". The pool checks maps against exactly this name.
std::string map_entry_name(const std::string& field_name) {
  std::string result;
  bool capitalize_next = true;
  for (char c : field_name) {
    if (c == '_') {
      capitalize_next = true;
    } else if (capitalize_next) {
      result.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
      capitalize_next = false;
    } else {
      result.push_back(c);
    }
  }
  return result + "Entry";
}

// Bytes defaults are stored C-escaped in FieldDescriptorProto.default_value (the pool
// unescapes them); string defaults are stored as they are.
std::string c_escape(const std::string& raw) {
  static const char kOctal[] = "01234567";
  std::string out;
  for (unsigned char c : raw) {
    switch (c) {
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\'':
        out += "\\'";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        if (c < 0x20 || c >= 0x7f) {
          out += '\\';
          out += kOctal[c >> 6];
          out += kOctal[(c >> 3) & 7];
          out += kOctal[c & 7];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

// Where a group's or map's generated message goes, and which scope names it.
struct NestedTarget {
  gp::RepeatedPtrField<gp::DescriptorProto>* messages;
  std::string scope;  // full name of the enclosing message, or the package at file level
};

class Parser {
 public:
  Parser(std::string_view text, ParsedFile& file, std::vector<std::string>& errors)
      : input_(text.data(), static_cast<int>(text.size())),
        tokenizer_errors_(file.file_name, errors),
        tokenizer_(&input_, &tokenizer_errors_),
        file_(file),
        errors_(errors) {}

  void parse_file() {
    advance();
    if (at("syntax")) {
      if (!parse_syntax()) skip_statement();
    }
    while (!at_end()) {
      if (errors_.size() >= kMaxErrors) return;
      if (at("}")) {
        error("Unmatched \"}\".");
        advance();
        continue;
      }
      if (!parse_top_level_statement()) skip_statement();
    }
  }

 private:
  // --- tokens -------------------------------------------------------------------------------
  const Token& token() const { return tokenizer_.current(); }
  TextPosition here() const { return {token().line, token().column}; }
  bool at(std::string_view text) const {
    return token().type != gp::io::Tokenizer::TYPE_STRING && token().text == text;
  }
  bool at_type(TokenType type) const { return token().type == type; }
  bool at_end() const { return at_type(gp::io::Tokenizer::TYPE_END); }

  void advance() {
    previous_end_ = {token().line, token().end_column};
    tokenizer_.Next();
  }

  bool try_consume(std::string_view text) {
    if (!at(text)) return false;
    advance();
    return true;
  }

  void error(std::string_view message) { error_at(here(), message); }
  void error_at(TextPosition pos, std::string_view message) {
    if (errors_.size() < kMaxErrors) errors_.push_back(format_error(file_.file_name, pos, message));
  }

  // A missing token is reported where it was expected: right after the previous token when
  // the next one is on a later line (a forgotten ';' points at its own line, not the next).
  bool expect(std::string_view text) {
    if (try_consume(text)) return true;
    TextPosition pos = here();
    if (token().line > previous_end_.line || at_end()) pos = previous_end_;
    error_at(pos, "Expected \"" + std::string(text) + "\".");
    return false;
  }

  bool consume_identifier(std::string* out, std::string_view message) {
    if (!at_type(gp::io::Tokenizer::TYPE_IDENTIFIER)) {
      error(message);
      return false;
    }
    *out = token().text;
    advance();
    return true;
  }

  bool consume_integer(uint64_t max, uint64_t* out, std::string_view message) {
    if (!at_type(gp::io::Tokenizer::TYPE_INTEGER)) {
      error(message);
      return false;
    }
    if (!gp::io::Tokenizer::ParseInteger(token().text, max, out)) {
      error("Integer out of range.");
      return false;
    }
    advance();
    return true;
  }

  // An optionally negative int32: enum numbers and reserved enum ranges span all of int32.
  bool consume_signed_integer(int64_t* out, std::string_view message) {
    bool negative = try_consume("-");
    uint64_t magnitude = 0;
    const uint64_t max =
        static_cast<uint64_t>(std::numeric_limits<int32_t>::max()) + (negative ? 1 : 0);
    if (!consume_integer(max, &magnitude, message)) return false;
    *out = negative ? -static_cast<int64_t>(magnitude) : static_cast<int64_t>(magnitude);
    return true;
  }

  // Adjacent string literals concatenate, as in C.
  bool consume_string(std::string* out, std::string_view message) {
    if (!at_type(gp::io::Tokenizer::TYPE_STRING)) {
      error(message);
      return false;
    }
    out->clear();
    while (at_type(gp::io::Tokenizer::TYPE_STRING)) {
      gp::io::Tokenizer::ParseStringAppend(token().text, out);
      advance();
    }
    return true;
  }

  // `[.]ident{.ident}`: a possibly qualified type name.
  bool consume_type_name(std::string* out, std::string_view message) {
    out->clear();
    if (try_consume(".")) *out = ".";
    std::string part;
    if (!consume_identifier(&part, message)) return false;
    *out += part;
    while (try_consume(".")) {
      if (!consume_identifier(&part, "Expected identifier.")) return false;
      *out += "." + part;
    }
    return true;
  }

  // Error recovery as protoc does it: drop the rest of the statement (through ';' or a
  // balanced block), so one mistake gives one error and the parse goes on to find more.
  void skip_statement() {
    while (!at_end()) {
      if (at_type(gp::io::Tokenizer::TYPE_SYMBOL)) {
        if (try_consume(";")) return;
        if (try_consume("{")) {
          skip_rest_of_block();
          return;
        }
        if (at("}")) return;
      }
      advance();
    }
  }
  // Iterative, so that "{{{{..." in untrusted text cannot exhaust the stack.
  void skip_rest_of_block() {
    int depth = 1;
    while (!at_end()) {
      if (try_consume("}")) {
        if (--depth == 0) return;
      } else if (try_consume("{")) {
        ++depth;
      } else {
        advance();
      }
    }
  }

  std::string qualify(const std::string& scope, const std::string& name) const {
    return scope.empty() ? name : scope + "." + name;
  }

  // --- file level ---------------------------------------------------------------------------
  bool parse_syntax() {
    advance();  // "syntax"
    if (!expect("=")) return false;
    TextPosition pos = here();
    std::string syntax;
    if (!consume_string(&syntax, "Expected syntax identifier.")) return false;
    if (!expect(";")) return false;
    if (syntax != "proto2" && syntax != "proto3") {
      error_at(pos, "Unrecognized syntax identifier \"" + syntax +
                        "\".  This parser only recognizes \"proto2\" and \"proto3\".");
      return true;
    }
    proto3_ = syntax == "proto3";
    file_.proto.set_syntax(syntax);
    return true;
  }

  bool parse_top_level_statement() {
    if (try_consume(";")) return true;
    const std::string& package = file_.proto.package();
    if (at("message")) {
      return parse_message(file_.proto.add_message_type(), package);
    }
    if (at("enum")) return parse_enum(file_.proto.add_enum_type(), package);
    if (at("service")) return parse_service(file_.proto.add_service(), package);
    if (at("extend")) {
      return parse_extend(file_.proto.mutable_extension(),
                          NestedTarget{file_.proto.mutable_message_type(), package});
    }
    if (at("import")) return parse_import();
    if (at("package")) return parse_package();
    if (at("option")) return parse_option_statement(file_.proto.mutable_options(), package);
    if (at("syntax")) {
      error("\"syntax\" must be the first statement of the file.");
      return false;
    }
    error("Expected top-level statement (e.g. \"message\").");
    return false;
  }

  bool parse_import() {
    TextPosition pos = here();
    advance();  // "import"
    bool is_public = false;
    bool is_weak = false;
    if (try_consume("public")) {
      is_public = true;
    } else if (try_consume("weak")) {
      is_weak = true;
    }
    std::string path;
    if (!consume_string(&path, "Expected a string naming the file to import.")) return false;
    if (!expect(";")) return false;
    const int index = file_.proto.dependency_size();
    file_.proto.add_dependency(path);
    if (is_public) file_.proto.add_public_dependency(index);
    if (is_weak) file_.proto.add_weak_dependency(index);
    file_.import_positions.emplace(path, pos);
    return true;
  }

  bool parse_package() {
    if (file_.proto.has_package()) {
      error("Multiple package definitions.");
      return false;
    }
    advance();  // "package"
    TextPosition pos = here();
    std::string name;
    if (!consume_type_name(&name, "Expected package name.")) return false;
    if (!name.empty() && name[0] == '.') {
      error_at(pos, "Package names must not start with \".\".");
      return false;
    }
    file_.proto.set_package(name);
    file_.positions.record(&file_.proto, ErrorCollector::NAME, pos);
    return expect(";");
  }

  // --- options ------------------------------------------------------------------------------
  // `name` of an option: `ident`, `(qualified.extension)`, joined by dots.
  bool parse_option_name(gp::UninterpretedOption* option) {
    do {
      auto* part = option->add_name();
      if (try_consume("(")) {
        std::string name;
        if (!consume_type_name(&name, "Expected identifier.")) return false;
        if (!expect(")")) return false;
        part->set_name_part(name);
        part->set_is_extension(true);
      } else {
        std::string name;
        if (!consume_identifier(&name, "Expected identifier.")) return false;
        part->set_name_part(name);
        part->set_is_extension(false);
      }
    } while (try_consume("."));
    return true;
  }

  // The value of an option, kept uninterpreted: the pool converts it to the option's type.
  bool parse_option_value(gp::UninterpretedOption* option) {
    const bool negative = try_consume("-");
    switch (token().type) {
      case gp::io::Tokenizer::TYPE_IDENTIFIER: {
        if (negative) {
          if (token().text == "inf") {
            option->set_double_value(-std::numeric_limits<double>::infinity());
          } else if (token().text == "nan") {
            option->set_double_value(std::numeric_limits<double>::quiet_NaN());
          } else {
            error("Identifier after '-' symbol must be inf or nan.");
            return false;
          }
        } else {
          option->set_identifier_value(token().text);
        }
        advance();
        return true;
      }
      case gp::io::Tokenizer::TYPE_INTEGER: {
        uint64_t value = 0;
        const uint64_t max = negative
                                 ? static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1
                                 : std::numeric_limits<uint64_t>::max();
        if (!consume_integer(max, &value, "Expected integer.")) return false;
        if (negative) {
          option->set_negative_int_value(static_cast<int64_t>(0 - value));
        } else {
          option->set_positive_int_value(value);
        }
        return true;
      }
      case gp::io::Tokenizer::TYPE_FLOAT: {
        const double value = gp::io::Tokenizer::ParseFloat(token().text);
        option->set_double_value(negative ? -value : value);
        advance();
        return true;
      }
      case gp::io::Tokenizer::TYPE_STRING: {
        if (negative) {
          error("Invalid '-' symbol before string.");
          return false;
        }
        std::string value;
        consume_string(&value, "");
        option->set_string_value(value);
        return true;
      }
      default:
        break;
    }
    if (!negative && at("{")) {
      std::string aggregate;
      if (!parse_aggregate_block(&aggregate)) return false;
      option->set_aggregate_value(aggregate);
      return true;
    }
    error("Expected option value.");
    return false;
  }

  // `{ ... }` of a message-typed option: its tokens, kept as text-format source for the pool.
  bool parse_aggregate_block(std::string* out) {
    advance();  // "{"
    int depth = 1;
    while (!at_end()) {
      if (at("}") && --depth == 0) {
        advance();
        return true;
      }
      if (at("{")) ++depth;
      if (!out->empty()) *out += ' ';
      *out += token().text;
      advance();
    }
    error("Unexpected end of stream while parsing aggregate value.");
    return false;
  }

  template <typename Options>
  bool parse_option_assignment(Options* options, const std::string& element_name) {
    auto* option = options->add_uninterpreted_option();
    TextPosition name_at = here();
    if (!parse_option_name(option)) return false;
    if (!expect("=")) return false;
    TextPosition value_at = here();
    if (!parse_option_value(option)) return false;
    file_.positions.record(option, ErrorCollector::OPTION_NAME, name_at);
    file_.positions.record(option, ErrorCollector::OPTION_VALUE, value_at);
    file_.positions.record_name(element_name, name_at);
    return true;
  }

  template <typename Options>
  bool parse_option_statement(Options* options, const std::string& element_name) {
    advance();  // "option"
    if (!parse_option_assignment(options, element_name)) return false;
    return expect(";");
  }

  // --- messages -----------------------------------------------------------------------------
  bool parse_message(gp::DescriptorProto* message, const std::string& scope) {
    advance();  // "message"
    TextPosition pos = here();
    std::string name;
    if (!consume_identifier(&name, "Expected message name.")) return false;
    message->set_name(name);
    file_.positions.record(message, ErrorCollector::NAME, pos);
    const std::string full_name = qualify(scope, name);
    file_.positions.record_name(full_name, pos);
    return parse_message_block(message, full_name);
  }

  bool parse_message_block(gp::DescriptorProto* message, const std::string& full_name) {
    if (!expect("{")) return false;
    if (message_depth_ >= kMaxMessageDepth) {
      error("Messages are nested more than " + std::to_string(kMaxMessageDepth) + " levels deep.");
      skip_rest_of_block();
      return true;
    }
    ++message_depth_;
    const bool ok = parse_message_body(message, full_name);
    --message_depth_;
    return ok;
  }

  bool parse_message_body(gp::DescriptorProto* message, const std::string& full_name) {
    while (!try_consume("}")) {
      if (at_end()) {
        error("Reached end of input in message definition (missing '}').");
        return false;
      }
      if (errors_.size() >= kMaxErrors) return false;
      if (!parse_message_statement(message, full_name)) skip_statement();
    }
    add_synthetic_oneofs(message);
    return true;
  }

  bool parse_message_statement(gp::DescriptorProto* message, const std::string& full_name) {
    if (try_consume(";")) return true;
    if (at("message")) return parse_message(message->add_nested_type(), full_name);
    if (at("enum")) return parse_enum(message->add_enum_type(), full_name);
    if (at("extensions")) return parse_extensions(message, full_name);
    if (at("reserved")) return parse_message_reserved(message);
    if (at("extend")) {
      return parse_extend(message->mutable_extension(),
                          NestedTarget{message->mutable_nested_type(), full_name});
    }
    if (at("option")) return parse_option_statement(message->mutable_options(), full_name);
    if (at("oneof")) return parse_oneof(message, full_name);
    return parse_field(message->add_field(),
                       NestedTarget{message->mutable_nested_type(), full_name},
                       FieldContext::Message);
  }

  // proto3 `optional` fields each live in a oneof of their own, named as protoc names it,
  // declared after every real oneof (the pool requires that order).
  void add_synthetic_oneofs(gp::DescriptorProto* message) {
    std::set<std::string> taken;
    for (const auto& field : message->field()) taken.insert(field.name());
    for (const auto& nested : message->nested_type()) taken.insert(nested.name());
    for (const auto& nested : message->enum_type()) taken.insert(nested.name());
    for (const auto& oneof : message->oneof_decl()) taken.insert(oneof.name());
    for (auto& field : *message->mutable_field()) {
      if (!field.proto3_optional()) continue;
      std::string name = "_" + field.name();
      while (taken.count(name) != 0) name = "X" + name;
      taken.insert(name);
      field.set_oneof_index(message->oneof_decl_size());
      message->add_oneof_decl()->set_name(name);
    }
  }

  enum class FieldContext { Message, Oneof, Extend };

  bool parse_field(gp::FieldDescriptorProto* field, const NestedTarget& nested,
                   FieldContext context) {
    TextPosition start = here();
    bool has_label = false;
    if (try_consume("optional")) {
      has_label = true;
      field->set_label(gp::FieldDescriptorProto::LABEL_OPTIONAL);
      if (proto3_ && context != FieldContext::Extend) field->set_proto3_optional(true);
    } else if (try_consume("required")) {
      has_label = true;
      field->set_label(gp::FieldDescriptorProto::LABEL_REQUIRED);
    } else if (try_consume("repeated")) {
      has_label = true;
      field->set_label(gp::FieldDescriptorProto::LABEL_REPEATED);
    } else {
      field->set_label(gp::FieldDescriptorProto::LABEL_OPTIONAL);
    }
    if (has_label && context == FieldContext::Oneof) {
      error_at(start, "Fields in oneofs must not have labels (required / optional / repeated).");
      return false;
    }

    TextPosition type_at = here();
    if (at("map")) {
      advance();
      if (at("<")) {
        if (has_label) {
          error_at(start,
                   "Field labels (required/optional/repeated) are not allowed on map fields.");
          return false;
        }
        if (context != FieldContext::Message) {
          error_at(start, "Map fields are not allowed in oneofs or extensions.");
          return false;
        }
        return parse_map_field(field, nested, type_at);
      }
      // A message type that happens to be called `map`.
      std::string rest = "map";
      while (try_consume(".")) {
        std::string part;
        if (!consume_identifier(&part, "Expected identifier.")) return false;
        rest += "." + part;
      }
      field->set_type_name(rest);
    } else if (at("group")) {
      if (!has_label && context != FieldContext::Oneof && !proto3_) {
        error_at(start, "Expected \"required\", \"optional\", or \"repeated\".");
        return false;
      }
      advance();
      return parse_group(field, nested, type_at);
    } else {
      if (!has_label && context != FieldContext::Oneof && !proto3_) {
        error("Expected \"required\", \"optional\", or \"repeated\".");
        return false;
      }
      if (auto it = scalar_types().find(token().text);
          at_type(gp::io::Tokenizer::TYPE_IDENTIFIER) && it != scalar_types().end()) {
        field->set_type(it->second);
        advance();
      } else {
        std::string type_name;
        if (!consume_type_name(&type_name, "Expected type name.")) return false;
        field->set_type_name(type_name);
      }
    }
    file_.positions.record(field, ErrorCollector::TYPE, type_at);

    if (!parse_field_name_and_number(field, nested.scope)) return false;
    if (at("[") && !parse_field_options(field, nested.scope)) return false;
    return expect(";");
  }

  bool parse_field_name_and_number(gp::FieldDescriptorProto* field, const std::string& scope) {
    TextPosition name_at = here();
    std::string name;
    if (!consume_identifier(&name, "Expected field name.")) return false;
    field->set_name(name);
    file_.positions.record(field, ErrorCollector::NAME, name_at);
    file_.positions.record_name(qualify(scope, name), name_at);
    if (!expect("=")) return false;
    TextPosition number_at = here();
    uint64_t number = 0;
    if (!consume_integer(std::numeric_limits<int32_t>::max(), &number, "Expected field number.")) {
      return false;
    }
    field->set_number(static_cast<int32_t>(number));
    file_.positions.record(field, ErrorCollector::NUMBER, number_at);
    return true;
  }

  bool parse_map_field(gp::FieldDescriptorProto* field, const NestedTarget& nested,
                       TextPosition type_at) {
    advance();  // "<"
    auto* entry = nested.messages->Add();
    entry->mutable_options()->set_map_entry(true);
    auto* key = entry->add_field();
    auto* value = entry->add_field();
    key->set_name("key");
    key->set_number(1);
    key->set_label(gp::FieldDescriptorProto::LABEL_OPTIONAL);
    key->set_json_name("key");
    value->set_name("value");
    value->set_number(2);
    value->set_label(gp::FieldDescriptorProto::LABEL_OPTIONAL);
    value->set_json_name("value");
    if (!parse_map_type(key)) return false;
    if (!expect(",")) return false;
    if (!parse_map_type(value)) return false;
    if (!expect(">")) return false;

    field->set_label(gp::FieldDescriptorProto::LABEL_REPEATED);
    file_.positions.record(field, ErrorCollector::TYPE, type_at);
    if (!parse_field_name_and_number(field, nested.scope)) return false;
    entry->set_name(map_entry_name(field->name()));
    field->set_type_name(entry->name());
    file_.positions.record(entry, ErrorCollector::NAME, type_at);
    file_.positions.record(key, ErrorCollector::TYPE, type_at);
    file_.positions.record(value, ErrorCollector::TYPE, type_at);
    if (at("[") && !parse_field_options(field, nested.scope)) return false;
    return expect(";");
  }

  bool parse_map_type(gp::FieldDescriptorProto* field) {
    if (auto it = scalar_types().find(token().text);
        at_type(gp::io::Tokenizer::TYPE_IDENTIFIER) && it != scalar_types().end()) {
      field->set_type(it->second);
      advance();
      return true;
    }
    std::string type_name;
    if (!consume_type_name(&type_name, "Expected type name.")) return false;
    field->set_type_name(type_name);
    return true;
  }

  // proto2 `optional group Name = N { ... }`: a nested message Name and a field `name`.
  bool parse_group(gp::FieldDescriptorProto* field, const NestedTarget& nested,
                   TextPosition type_at) {
    TextPosition name_at = here();
    std::string group_name;
    if (!consume_identifier(&group_name, "Expected group name.")) return false;
    if (group_name[0] < 'A' || group_name[0] > 'Z') {
      error_at(name_at, "Group names must start with a capital letter.");
      return false;
    }
    std::string field_name = group_name;
    for (char& c : field_name) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    field->set_name(field_name);
    field->set_type(gp::FieldDescriptorProto::TYPE_GROUP);
    field->set_type_name(group_name);
    file_.positions.record(field, ErrorCollector::NAME, name_at);
    file_.positions.record(field, ErrorCollector::TYPE, type_at);
    file_.positions.record_name(qualify(nested.scope, field_name), name_at);
    if (!expect("=")) return false;
    TextPosition number_at = here();
    uint64_t number = 0;
    if (!consume_integer(std::numeric_limits<int32_t>::max(), &number, "Expected field number.")) {
      return false;
    }
    field->set_number(static_cast<int32_t>(number));
    file_.positions.record(field, ErrorCollector::NUMBER, number_at);
    if (at("[") && !parse_field_options(field, nested.scope)) return false;

    auto* group = nested.messages->Add();
    group->set_name(group_name);
    file_.positions.record(group, ErrorCollector::NAME, name_at);
    const std::string full_name = qualify(nested.scope, group_name);
    file_.positions.record_name(full_name, name_at);
    return parse_message_block(group, full_name);
  }

  // `[default = ..., json_name = "...", other options]`. `default` and `json_name` are
  // fields of FieldDescriptorProto, not options, so they are taken out here as protoc does.
  bool parse_field_options(gp::FieldDescriptorProto* field, const std::string& scope) {
    advance();  // "["
    const std::string element_name = qualify(scope, field->name());
    do {
      if (at("default")) {
        if (!parse_default_value(field)) return false;
      } else if (at("json_name")) {
        advance();
        if (!expect("=")) return false;
        std::string json_name;
        if (!consume_string(&json_name, "Expected string for JSON name.")) return false;
        field->set_json_name(json_name);
      } else if (!parse_option_assignment(field->mutable_options(), element_name)) {
        return false;
      }
    } while (try_consume(","));
    return expect("]");
  }

  bool parse_default_value(gp::FieldDescriptorProto* field) {
    advance();  // "default"
    if (!expect("=")) return false;
    if (field->has_default_value()) {
      error("Already set option \"default\".");
      return false;
    }
    TextPosition pos = here();
    std::string value;
    using T = gp::FieldDescriptorProto;
    if (!field->has_type()) {
      // An enum (or a message, which the pool rejects): the default is a value name.
      if (!consume_identifier(&value, "Default value for an enum field must be an identifier.")) {
        return false;
      }
    } else {
      switch (field->type()) {
        case T::TYPE_STRING:
          if (!consume_string(&value, "Expected string.")) return false;
          break;
        case T::TYPE_BYTES: {
          std::string raw;
          if (!consume_string(&raw, "Expected string.")) return false;
          value = c_escape(raw);
          break;
        }
        case T::TYPE_BOOL:
          if (!at("true") && !at("false")) {
            error("Expected \"true\" or \"false\".");
            return false;
          }
          value = token().text;
          advance();
          break;
        case T::TYPE_FLOAT:
        case T::TYPE_DOUBLE: {
          if (try_consume("-")) value = "-";
          if (at_type(gp::io::Tokenizer::TYPE_INTEGER) || at_type(gp::io::Tokenizer::TYPE_FLOAT) ||
              at("inf") || at("nan")) {
            value += token().text;
            advance();
          } else {
            error("Expected number.");
            return false;
          }
          break;
        }
        case T::TYPE_UINT32:
        case T::TYPE_UINT64:
        case T::TYPE_FIXED32:
        case T::TYPE_FIXED64: {
          if (at("-")) {
            error("Unsigned field can't have negative default value.");
            return false;
          }
          const uint64_t max = (field->type() == T::TYPE_UINT32 || field->type() == T::TYPE_FIXED32)
                                   ? std::numeric_limits<uint32_t>::max()
                                   : std::numeric_limits<uint64_t>::max();
          uint64_t number = 0;
          if (!consume_integer(max, &number, "Expected integer for field default value."))
            return false;
          value = std::to_string(number);
          break;
        }
        case T::TYPE_GROUP:
        case T::TYPE_MESSAGE:
          error("Messages can't have default values.");
          return false;
        default: {  // signed integers
          const bool negative = try_consume("-");
          const bool wide = field->type() == T::TYPE_INT64 || field->type() == T::TYPE_SINT64 ||
                            field->type() == T::TYPE_SFIXED64;
          const uint64_t max = (wide ? static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
                                     : static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) +
                               (negative ? 1 : 0);
          uint64_t number = 0;
          if (!consume_integer(max, &number, "Expected integer for field default value."))
            return false;
          value = (negative ? "-" : "") + std::to_string(number);
          break;
        }
      }
    }
    field->set_default_value(value);
    file_.positions.record(field, ErrorCollector::DEFAULT_VALUE, pos);
    return true;
  }

  bool parse_oneof(gp::DescriptorProto* message, const std::string& scope) {
    advance();  // "oneof"
    TextPosition pos = here();
    std::string name;
    if (!consume_identifier(&name, "Expected oneof name.")) return false;
    const int index = message->oneof_decl_size();
    auto* oneof = message->add_oneof_decl();
    oneof->set_name(name);
    file_.positions.record(oneof, ErrorCollector::NAME, pos);
    file_.positions.record_name(qualify(scope, name), pos);
    if (!expect("{")) return false;
    while (!try_consume("}")) {
      if (at_end()) {
        error("Reached end of input in oneof definition (missing '}').");
        return false;
      }
      if (errors_.size() >= kMaxErrors) return false;
      if (at("option")) {
        if (!parse_option_statement(oneof->mutable_options(), qualify(scope, name)))
          skip_statement();
        continue;
      }
      if (try_consume(";")) continue;
      auto* field = message->add_field();
      field->set_oneof_index(index);
      if (!parse_field(field, NestedTarget{message->mutable_nested_type(), scope},
                       FieldContext::Oneof)) {
        skip_statement();
      }
    }
    return true;
  }

  // `extensions 100 to 199, 500 to max [options];`. Ends are exclusive in the descriptor.
  bool parse_extensions(gp::DescriptorProto* message, const std::string& full_name) {
    advance();  // "extensions"
    const int first = message->extension_range_size();
    do {
      TextPosition pos = here();
      int64_t start = 0;
      int64_t end = 0;
      if (!parse_range(&start, &end, kMaxFieldNumber, false)) return false;
      auto* range = message->add_extension_range();
      range->set_start(static_cast<int32_t>(start));
      range->set_end(static_cast<int32_t>(end + 1));
      file_.positions.record(range, ErrorCollector::NUMBER, pos);
    } while (try_consume(","));
    if (at("[")) {
      advance();
      gp::ExtensionRangeOptions options;
      do {
        if (!parse_option_assignment(&options, full_name)) return false;
      } while (try_consume(","));
      if (!expect("]")) return false;
      for (int i = first; i < message->extension_range_size(); ++i) {
        message->mutable_extension_range(i)->mutable_options()->CopyFrom(options);
      }
    }
    return expect(";");
  }

  // `a`, `a to b` or `a to max`, inclusive. Enum ranges may be negative.
  bool parse_range(int64_t* start, int64_t* end, int64_t max, bool allow_negative) {
    if (allow_negative) {
      if (!consume_signed_integer(start, "Expected range start.")) return false;
    } else {
      uint64_t value = 0;
      if (!consume_integer(std::numeric_limits<int32_t>::max(), &value, "Expected range start.")) {
        return false;
      }
      *start = static_cast<int64_t>(value);
    }
    *end = *start;
    if (!try_consume("to")) return true;
    if (try_consume("max")) {
      *end = max;
      return true;
    }
    if (allow_negative) return consume_signed_integer(end, "Expected integer.");
    uint64_t value = 0;
    if (!consume_integer(std::numeric_limits<int32_t>::max(), &value, "Expected integer."))
      return false;
    *end = static_cast<int64_t>(value);
    return true;
  }

  bool parse_message_reserved(gp::DescriptorProto* message) {
    advance();  // "reserved"
    if (at_type(gp::io::Tokenizer::TYPE_STRING)) {
      do {
        std::string name;
        if (!consume_string(&name, "Expected field name.")) return false;
        message->add_reserved_name(name);
      } while (try_consume(","));
      return expect(";");
    }
    do {
      TextPosition pos = here();
      int64_t start = 0;
      int64_t end = 0;
      if (!parse_range(&start, &end, kMaxFieldNumber, false)) return false;
      auto* range = message->add_reserved_range();
      range->set_start(static_cast<int32_t>(start));
      range->set_end(static_cast<int32_t>(end + 1));
      file_.positions.record(range, ErrorCollector::NUMBER, pos);
    } while (try_consume(","));
    return expect(";");
  }

  bool parse_extend(gp::RepeatedPtrField<gp::FieldDescriptorProto>* extensions,
                    const NestedTarget& nested) {
    advance();  // "extend"
    TextPosition pos = here();
    std::string extendee;
    if (!consume_type_name(&extendee, "Expected type name.")) return false;
    if (!expect("{")) return false;
    while (!try_consume("}")) {
      if (at_end()) {
        error("Reached end of input in extend definition (missing '}').");
        return false;
      }
      if (errors_.size() >= kMaxErrors) return false;
      if (try_consume(";")) continue;
      auto* field = extensions->Add();
      field->set_extendee(extendee);
      file_.positions.record(field, ErrorCollector::EXTENDEE, pos);
      if (!parse_field(field, nested, FieldContext::Extend)) skip_statement();
    }
    return true;
  }

  // --- enums --------------------------------------------------------------------------------
  bool parse_enum(gp::EnumDescriptorProto* enum_type, const std::string& scope) {
    advance();  // "enum"
    TextPosition pos = here();
    std::string name;
    if (!consume_identifier(&name, "Expected enum name.")) return false;
    enum_type->set_name(name);
    file_.positions.record(enum_type, ErrorCollector::NAME, pos);
    const std::string full_name = qualify(scope, name);
    file_.positions.record_name(full_name, pos);
    if (!expect("{")) return false;
    while (!try_consume("}")) {
      if (at_end()) {
        error("Reached end of input in enum definition (missing '}').");
        return false;
      }
      if (errors_.size() >= kMaxErrors) return false;
      if (!parse_enum_statement(enum_type, full_name, scope)) skip_statement();
    }
    return true;
  }

  bool parse_enum_statement(gp::EnumDescriptorProto* enum_type, const std::string& full_name,
                            const std::string& scope) {
    if (try_consume(";")) return true;
    if (at("option")) return parse_option_statement(enum_type->mutable_options(), full_name);
    if (at("reserved")) return parse_enum_reserved(enum_type);
    // Enum values are siblings of their enum in C++ scoping, so their full names use `scope`.
    auto* value = enum_type->add_value();
    TextPosition pos = here();
    std::string name;
    if (!consume_identifier(&name, "Expected enum constant name.")) return false;
    value->set_name(name);
    file_.positions.record(value, ErrorCollector::NAME, pos);
    file_.positions.record_name(qualify(scope, name), pos);
    if (!expect("=")) return false;
    TextPosition number_at = here();
    int64_t number = 0;
    if (!consume_signed_integer(&number, "Expected integer.")) return false;
    value->set_number(static_cast<int32_t>(number));
    file_.positions.record(value, ErrorCollector::NUMBER, number_at);
    if (try_consume("[")) {
      do {
        if (!parse_option_assignment(value->mutable_options(), qualify(scope, name))) return false;
      } while (try_consume(","));
      if (!expect("]")) return false;
    }
    return expect(";");
  }

  // Enum reserved ranges are inclusive in the descriptor (they must cover all of int32).
  bool parse_enum_reserved(gp::EnumDescriptorProto* enum_type) {
    advance();  // "reserved"
    if (at_type(gp::io::Tokenizer::TYPE_STRING)) {
      do {
        std::string name;
        if (!consume_string(&name, "Expected enum value name.")) return false;
        enum_type->add_reserved_name(name);
      } while (try_consume(","));
      return expect(";");
    }
    do {
      TextPosition pos = here();
      int64_t start = 0;
      int64_t end = 0;
      if (!parse_range(&start, &end, std::numeric_limits<int32_t>::max(), true)) return false;
      auto* range = enum_type->add_reserved_range();
      range->set_start(static_cast<int32_t>(start));
      range->set_end(static_cast<int32_t>(end));
      file_.positions.record(range, ErrorCollector::NUMBER, pos);
    } while (try_consume(","));
    return expect(";");
  }

  // --- services -----------------------------------------------------------------------------
  bool parse_service(gp::ServiceDescriptorProto* service, const std::string& scope) {
    advance();  // "service"
    TextPosition pos = here();
    std::string name;
    if (!consume_identifier(&name, "Expected service name.")) return false;
    service->set_name(name);
    file_.positions.record(service, ErrorCollector::NAME, pos);
    const std::string full_name = qualify(scope, name);
    file_.positions.record_name(full_name, pos);
    if (!expect("{")) return false;
    while (!try_consume("}")) {
      if (at_end()) {
        error("Reached end of input in service definition (missing '}').");
        return false;
      }
      if (errors_.size() >= kMaxErrors) return false;
      bool ok = true;
      if (try_consume(";")) continue;
      if (at("option")) {
        ok = parse_option_statement(service->mutable_options(), full_name);
      } else if (at("rpc")) {
        ok = parse_method(service->add_method(), full_name);
      } else {
        error("Expected \"rpc\" or \"option\".");
        ok = false;
      }
      if (!ok) skip_statement();
    }
    return true;
  }

  bool parse_method(gp::MethodDescriptorProto* method, const std::string& scope) {
    advance();  // "rpc"
    TextPosition pos = here();
    std::string name;
    if (!consume_identifier(&name, "Expected method name.")) return false;
    method->set_name(name);
    file_.positions.record(method, ErrorCollector::NAME, pos);
    const std::string full_name = qualify(scope, name);
    file_.positions.record_name(full_name, pos);

    if (!expect("(")) return false;
    if (at("stream")) {
      advance();
      method->set_client_streaming(true);
    }
    TextPosition input_at = here();
    std::string input;
    if (!consume_type_name(&input, "Expected type name.")) return false;
    method->set_input_type(input);
    file_.positions.record(method, ErrorCollector::INPUT_TYPE, input_at);
    if (!expect(")")) return false;
    if (!expect("returns")) return false;
    if (!expect("(")) return false;
    if (at("stream")) {
      advance();
      method->set_server_streaming(true);
    }
    TextPosition output_at = here();
    std::string output;
    if (!consume_type_name(&output, "Expected type name.")) return false;
    method->set_output_type(output);
    file_.positions.record(method, ErrorCollector::OUTPUT_TYPE, output_at);
    if (!expect(")")) return false;

    if (try_consume("{")) {
      while (!try_consume("}")) {
        if (at_end()) {
          error("Reached end of input in method options (missing '}').");
          return false;
        }
        if (try_consume(";")) continue;
        if (!at("option")) {
          error("Expected \"option\".");
          skip_statement();
          continue;
        }
        if (!parse_option_statement(method->mutable_options(), full_name)) skip_statement();
      }
      return true;
    }
    return expect(";");
  }

  gp::io::ArrayInputStream input_;
  TokenizerErrors tokenizer_errors_;
  mutable gp::io::Tokenizer tokenizer_;  // current() is not const
  ParsedFile& file_;
  std::vector<std::string>& errors_;
  TextPosition previous_end_;
  bool proto3_ = false;
  int message_depth_ = 0;
};

}  // namespace

ProtoTextParseResult parse_proto_text(std::string_view text, const std::string& file_name) {
  ProtoTextParseResult result;
  auto file = std::make_unique<ParsedFile>();
  file->file_name = file_name;
  file->proto.set_name(file_name);
  Parser parser(text, *file, result.errors);
  parser.parse_file();
  if (result.errors.empty()) result.file = std::move(file);
  return result;
}

}  // namespace accord::protobuf_schema
