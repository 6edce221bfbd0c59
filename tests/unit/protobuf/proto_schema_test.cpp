// Parsing .proto text into a ProtoSchema: proto2 and proto3, references and well-known
// imports, errors with line:column, the validated message, canonical text.
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/stubs/logging.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "registry/protobuf/proto_compat.hpp"
#include "registry/protobuf/proto_schema.hpp"

namespace accord::protobuf_schema {
namespace {

namespace gp = google::protobuf;

std::shared_ptr<const ProtoSchema> parse_ok(std::string_view text,
                                            const std::vector<Reference>& refs = {},
                                            std::string_view message_type = {}) {
  auto parsed = ProtoSchema::parse(text, refs, message_type);
  if (auto* error = std::get_if<ParseError>(&parsed)) {
    ADD_FAILURE() << "does not parse:\n" << error->message;
    return nullptr;
  }
  return std::get<std::shared_ptr<const ProtoSchema>>(parsed);
}

std::string parse_error(std::string_view text, const std::vector<Reference>& refs = {},
                        std::string_view message_type = {}) {
  auto parsed = ProtoSchema::parse(text, refs, message_type);
  if (auto* error = std::get_if<ParseError>(&parsed)) return error->message;
  ADD_FAILURE() << "parsed, but an error was expected:\n" << text;
  return {};
}

constexpr const char* kTelemetry = R"(syntax = "proto3";
package acme.iot;

import "google/protobuf/timestamp.proto";

// A device's periodic report.
message Telemetry {
  string device_id = 1;
  google.protobuf.Timestamp at = 2;
  repeated Reading readings = 3;
  map<string, string> labels = 4;
  optional float battery = 5;
  oneof link { int32 rssi = 6; string wired = 7; }
  message Reading { string sensor = 1; double value = 2; Unit unit = 3; }
  enum Unit { UNIT_UNSPECIFIED = 0; CELSIUS = 1; PERCENT = 2; }
}

message Ack { uint64 seq = 1; }
)";

TEST(ProtoSchemaParse, Proto3WithNestedTypesMapsOneofsAndOptional) {
  auto schema = parse_ok(kTelemetry);
  ASSERT_TRUE(schema);
  EXPECT_EQ(schema->file()->syntax(), gp::FileDescriptor::SYNTAX_PROTO3);
  ASSERT_NE(schema->message(), nullptr);
  EXPECT_EQ(schema->message()->full_name(), "acme.iot.Telemetry");
  EXPECT_EQ(schema->message_names(),
            (std::vector<std::string>{"acme.iot.Telemetry", "acme.iot.Telemetry.Reading",
                                      "acme.iot.Ack"}));
  EXPECT_EQ(schema->imports(), std::vector<std::string>{"google/protobuf/timestamp.proto"});

  const gp::Descriptor& telemetry = *schema->message();
  EXPECT_TRUE(telemetry.FindFieldByName("labels")->is_map());
  EXPECT_EQ(telemetry.FindFieldByName("at")->message_type()->full_name(),
            "google.protobuf.Timestamp");
  EXPECT_TRUE(telemetry.FindFieldByName("battery")->has_presence());
  EXPECT_EQ(telemetry.FindFieldByName("battery")->real_containing_oneof(), nullptr);
  EXPECT_EQ(telemetry.FindFieldByName("wired")->real_containing_oneof()->name(), "link");
  EXPECT_EQ(telemetry.FindFieldByName("device_id")->json_name(), "deviceId");
}

TEST(ProtoSchemaParse, Proto2WithRequiredDefaultsGroupsAndExtensions) {
  auto schema = parse_ok(R"(
    syntax = "proto2";
    package acme.legacy;
    message Config {
      required string site = 1;
      optional int32 interval_s = 2 [default = 60];
      optional bytes key = 3 [default = "\001\002"];
      optional Mode mode = 4 [default = ECO];
      repeated group Threshold = 5 { required double limit = 1; }
      extensions 100 to max;
    }
    enum Mode { NORMAL = 1; ECO = 2; }
    extend Config { optional string note = 100; }
  )");
  ASSERT_TRUE(schema);
  const gp::Descriptor& config = *schema->message();
  EXPECT_EQ(schema->file()->syntax(), gp::FileDescriptor::SYNTAX_PROTO2);
  EXPECT_TRUE(config.FindFieldByName("site")->is_required());
  EXPECT_EQ(config.FindFieldByName("interval_s")->default_value_int32(), 60);
  EXPECT_EQ(config.FindFieldByName("key")->default_value_string(), std::string("\x01\x02"));
  EXPECT_EQ(config.FindFieldByName("mode")->default_value_enum()->name(), "ECO");
  EXPECT_EQ(config.FindFieldByName("threshold")->type(), gp::FieldDescriptor::TYPE_GROUP);
  EXPECT_TRUE(config.IsExtensionNumber(536870911));
  EXPECT_NE(schema->file()->pool()->FindExtensionByName("acme.legacy.note"), nullptr);
}

TEST(ProtoSchemaParse, NoSyntaxStatementMeansProto2) {
  auto schema = parse_ok("message Ping { optional int32 n = 1; }");
  ASSERT_TRUE(schema);
  EXPECT_EQ(schema->file()->syntax(), gp::FileDescriptor::SYNTAX_PROTO2);
}

TEST(ProtoSchemaParse, ImportsResolveThroughReferencesTransitively) {
  const std::vector<Reference> refs = {
      {"acme/units.proto",
       "syntax = \"proto3\"; package acme.common; enum Unit { UNIT_UNSPECIFIED = 0; KELVIN = 1; }"},
      {"acme/geo.proto",
       "syntax = \"proto3\"; package acme.common; import \"acme/units.proto\";\n"
       "message Geo { double lat = 1; double lon = 2; Unit alt_unit = 3; }"},
      {"acme/unused.proto", "this is not even a .proto file"},  // never imported, never parsed
  };
  auto schema = parse_ok(R"(syntax = "proto3"; package acme.iot; import "acme/geo.proto";
                            message Fix { acme.common.Geo where = 1; })",
                         refs);
  ASSERT_TRUE(schema);
  const gp::FieldDescriptor* alt_unit =
      schema->message()->FindFieldByName("where")->message_type()->FindFieldByName("alt_unit");
  EXPECT_EQ(alt_unit->enum_type()->full_name(), "acme.common.Unit");
  EXPECT_EQ(schema->imports(), std::vector<std::string>{"acme/geo.proto"});
}

TEST(ProtoSchemaParse, PublicImportsAreVisibleToImporters) {
  const std::vector<Reference> refs = {
      {"base.proto", "syntax = \"proto3\"; package base; message Id { string v = 1; }"},
      {"all.proto", "syntax = \"proto3\"; import public \"base.proto\";"},
  };
  auto schema =
      parse_ok("syntax = \"proto3\"; import \"all.proto\"; message M { base.Id id = 1; }", refs);
  ASSERT_TRUE(schema);
}

TEST(ProtoSchemaParse, EveryWellKnownImportResolvesWithoutReferences) {
  auto schema = parse_ok(R"(syntax = "proto3";
    import "google/protobuf/timestamp.proto";
    import "google/protobuf/duration.proto";
    import "google/protobuf/any.proto";
    import "google/protobuf/struct.proto";
    import "google/protobuf/wrappers.proto";
    import "google/protobuf/empty.proto";
    import "google/protobuf/field_mask.proto";
    message Envelope {
      google.protobuf.Timestamp at = 1;
      google.protobuf.Duration ttl = 2;
      google.protobuf.Any payload = 3;
      google.protobuf.Struct attrs = 4;
      google.protobuf.DoubleValue reading = 5;
      google.protobuf.Empty nothing = 6;
      google.protobuf.FieldMask mask = 7;
    })");
  ASSERT_TRUE(schema);
  EXPECT_EQ(schema->imports().size(), 7u);
}

TEST(ProtoSchemaParse, CustomOptionsThroughDescriptorProto) {
  auto schema = parse_ok(R"(syntax = "proto3";
    import "google/protobuf/descriptor.proto";
    extend google.protobuf.FieldOptions { string unit = 50001; }
    message Reading { double temperature = 1 [(unit) = "celsius"]; })");
  ASSERT_TRUE(schema);
  const gp::FieldDescriptor* temperature = schema->message()->FindFieldByName("temperature");
  const gp::FieldDescriptor* unit = schema->file()->pool()->FindExtensionByName("unit");
  ASSERT_NE(unit, nullptr);
  // The option is interpreted: stored in FieldOptions (as an extension libprotobuf itself does
  // not know, so among its unknown fields).
  EXPECT_FALSE(temperature->options().unknown_fields().empty());
  // Printed fully qualified, and it reads back.
  EXPECT_NE(schema->canonical_text().find("[(.unit) = \"celsius\"]"), std::string::npos)
      << schema->canonical_text();
  auto again = parse_ok(schema->canonical_text());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->canonical_text(), schema->canonical_text());
}

TEST(ProtoSchemaParse, SyntaxErrorsCarryLineAndColumn) {
  const std::string error =
      parse_error("syntax = \"proto3\";\nmessage A {\n  int32 x = 1\n  string y = 2;\n}\n");
  // As protoc reports it: where something else was found instead of the ';' (the next line).
  EXPECT_EQ(error, "schema.proto:4:3: Expected \";\".");
}

TEST(ProtoSchemaParse, SeveralErrorsAreAllReported) {
  const std::string error = parse_error(
      "syntax = \"proto3\";\nmessage A {\n  int32 = 1;\n}\nmessage B {\n  string s = ;\n}\n");
  EXPECT_NE(error.find("schema.proto:3:9: Expected field name."), std::string::npos) << error;
  EXPECT_NE(error.find("schema.proto:6:14: Expected field number."), std::string::npos) << error;
}

TEST(ProtoSchemaParse, SemanticErrorsPointAtTheElement) {
  const std::string error = parse_error(
      "syntax = \"proto3\";\npackage acme;\nmessage A {\n  int32 a = 1;\n  Missing m = 2;\n  int32 "
      "b = 1;\n}\n");
  EXPECT_NE(error.find("schema.proto:5:3: \"Missing\" is not defined."), std::string::npos)
      << error;
  EXPECT_NE(error.find("schema.proto:6:13: Field number 1 has already been used"),
            std::string::npos)
      << error;
}

// The pool names the element it was building, not a position: elements the parser does not
// spell out (a map's entry message) or records no position for (reserved ranges, oneofs)
// still get theirs.
TEST(ProtoSchemaParse, SemanticErrorsOfUnpositionedElementsPointAtThem) {
  const std::string map_value =
      parse_error("syntax = \"proto3\";\nmessage A {\n  map<string, Missing> m = 1;\n}\n");
  EXPECT_NE(map_value.find("schema.proto:3:3: \"Missing\" is not defined."), std::string::npos)
      << map_value;
  const std::string reserved =
      parse_error("syntax = \"proto3\";\nmessage A {\n  reserved 2 to 4;\n  int32 a = 3;\n}\n");
  EXPECT_NE(reserved.find("schema.proto:3:12: Field \"a\" uses reserved number 3."),
            std::string::npos)
      << reserved;
  const std::string oneof = parse_error(
      "syntax = \"proto3\";\nmessage A {\n  oneof o { int32 a = 1; }\n"
      "  oneof o { int32 b = 2; }\n}\n");
  EXPECT_NE(oneof.find("schema.proto:4:9: \"o\" is already defined in \"A\"."), std::string::npos)
      << oneof;
}

TEST(ProtoSchemaParse, Proto3RulesAreEnforced) {
  EXPECT_NE(parse_error("syntax = \"proto3\"; message A { required int32 a = 1; }")
                .find("Required fields are not allowed in proto3"),
            std::string::npos);
  EXPECT_NE(
      parse_error("syntax = \"proto3\"; enum E { ONE = 1; }").find("first enum value must be zero"),
      std::string::npos);
  EXPECT_NE(parse_error("syntax = \"proto4\";").find("Unrecognized syntax identifier \"proto4\""),
            std::string::npos);
}

// Rules protoc's own parser adds to the pool's: protoc would refuse these files too.
TEST(ProtoSchemaParse, ProtocParserRulesApply) {
  const std::string error = parse_error(
      "syntax = \"proto3\";\nenum E {\n  option allow_alias = true;\n  A = 0;\n  B = 1;\n}\n");
  // Reported where protoc reports it: once the enum is over (here, at the end of the file).
  EXPECT_NE(error.find("schema.proto:7:1: \"E\" declares support for enum aliases but no enum "
                       "values share field numbers."),
            std::string::npos)
      << error;
}

// proto3_optional on an extension records only that `optional` was written (extensions always
// have presence): it does not make another schema.
TEST(ProtoSchemaCanonicalText, OptionalOnAProto3ExtensionDoesNotMatter) {
  auto with = parse_ok(R"(syntax = "proto3";
    import "google/protobuf/descriptor.proto";
    extend google.protobuf.FieldOptions { optional string unit = 50001; }
    message M { extend google.protobuf.MessageOptions { optional int32 level = 50002; } })");
  auto without = parse_ok(R"(syntax = "proto3";
    import "google/protobuf/descriptor.proto";
    extend google.protobuf.FieldOptions { string unit = 50001; }
    message M { extend google.protobuf.MessageOptions { int32 level = 50002; } })");
  ASSERT_TRUE(with && without);
  EXPECT_EQ(with->canonical_text(), without->canonical_text());
  EXPECT_FALSE(with->file()->extension(0)->has_optional_keyword());
}

TEST(ProtoSchemaParse, BadOptionValueIsReportedAtTheOption) {
  const std::string error =
      parse_error("syntax = \"proto3\";\nmessage A { int32 x = 1 [deprecated = maybe]; }\n");
  EXPECT_NE(error.find("schema.proto:2:"), std::string::npos) << error;
  EXPECT_NE(error.find("deprecated"), std::string::npos) << error;
}

TEST(ProtoSchemaParse, ErrorsInAReferenceNameTheReference) {
  const std::string error =
      parse_error("syntax = \"proto3\"; import \"dep.proto\"; message A { dep.D d = 1; }",
                  {{"dep.proto", "syntax = \"proto3\";\npackage dep;\nmessage D { int32 x = 1 }"}});
  EXPECT_EQ(error, "dep.proto:3:25: Expected \";\".");
}

TEST(ProtoSchemaParse, MissingImportIsAnErrorAtTheImport) {
  const std::string error =
      parse_error("syntax = \"proto3\";\nimport \"acme/missing.proto\";\nmessage A {}\n");
  EXPECT_NE(error.find("schema.proto:2:1: Import \"acme/missing.proto\" was not found"),
            std::string::npos)
      << error;
}

TEST(ProtoSchemaParse, ImportCycleIsAnError) {
  const std::string error =
      parse_error("import \"a.proto\"; message M {}",
                  {{"a.proto", "import \"b.proto\";"}, {"b.proto", "import \"a.proto\";"}});
  EXPECT_NE(error.find("Import cycle"), std::string::npos) << error;
}

TEST(ProtoSchemaParse, MessageTypeByFullOrSimpleName) {
  auto by_full = parse_ok(kTelemetry, {}, "acme.iot.Ack");
  ASSERT_TRUE(by_full);
  EXPECT_EQ(by_full->message()->full_name(), "acme.iot.Ack");
  auto with_dot = parse_ok(kTelemetry, {}, ".acme.iot.Telemetry.Reading");
  ASSERT_TRUE(with_dot);
  EXPECT_EQ(with_dot->message()->full_name(), "acme.iot.Telemetry.Reading");
  auto by_simple = parse_ok(kTelemetry, {}, "Reading");
  ASSERT_TRUE(by_simple);
  EXPECT_EQ(by_simple->message()->full_name(), "acme.iot.Telemetry.Reading");
}

TEST(ProtoSchemaParse, UnknownOrAmbiguousMessageTypeIsAnError) {
  const std::string unknown = parse_error(kTelemetry, {}, "acme.iot.Nope");
  EXPECT_NE(unknown.find("\"acme.iot.Nope\" is not declared"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("acme.iot.Telemetry"), std::string::npos)
      << unknown;  // lists what is declared
  const std::string ambiguous = parse_error(
      "syntax = \"proto3\"; message A { message X {} } message B { message X {} }", {}, "X");
  EXPECT_NE(ambiguous.find("ambiguous"), std::string::npos) << ambiguous;
  // Types of imported files are not the schema's own.
  const std::string imported =
      parse_error("syntax = \"proto3\"; import \"google/protobuf/empty.proto\"; message A {}", {},
                  "google.protobuf.Empty");
  EXPECT_NE(imported.find("not declared"), std::string::npos) << imported;
}

TEST(ProtoSchemaParse, FileWithoutMessagesHasNoValidatedMessage) {
  auto schema = parse_ok("syntax = \"proto3\"; package acme; enum Unit { UNIT_UNSPECIFIED = 0; }");
  ASSERT_TRUE(schema);
  EXPECT_EQ(schema->message(), nullptr);
  EXPECT_EQ(schema->prototype(), nullptr);
  EXPECT_TRUE(schema->message_names().empty());
}

TEST(ProtoSchemaCanonicalText, EqualAcrossFormattingCommentsAndOrder) {
  auto original = parse_ok(kTelemetry);
  auto reshuffled = parse_ok(R"(
    // Same schema: other layout, comments, options and declarations in another order.
    syntax="proto3"; import "google/protobuf/timestamp.proto"; package acme.iot;
    message Telemetry {
      /* fields out of order */
      oneof link { string wired = 7; int32 rssi = 6; }
      map<string,string> labels=4;
      repeated Reading readings=3;
      optional float battery = 5;
      enum Unit { UNIT_UNSPECIFIED = 0; PERCENT = 2; CELSIUS = 1; }
      google.protobuf.Timestamp at=2; string device_id=1;
      message Reading { Unit unit = 3; string sensor = 1; double value = 2; }
    }
    message Ack {uint64 seq=1;}
  )");
  ASSERT_TRUE(original && reshuffled);
  EXPECT_EQ(original->canonical_text(), reshuffled->canonical_text());
}

TEST(ProtoSchemaCanonicalText, OptionOrderDoesNotMatter) {
  auto a = parse_ok(
      "syntax = \"proto3\"; option java_package = \"a\"; option go_package = \"g\"; "
      "message M { int32 x = 1 [deprecated = true, json_name = \"ex\"]; }");
  auto b = parse_ok(
      "syntax = \"proto3\"; option go_package = \"g\"; option java_package = \"a\"; "
      "message M { int32 x = 1 [json_name = \"ex\", deprecated = true]; }");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->canonical_text(), b->canonical_text());
}

TEST(ProtoSchemaCanonicalText, DiffersForRealChanges) {
  auto original = parse_ok(kTelemetry);
  ASSERT_TRUE(original);
  auto changed = [&](const std::string& from, const std::string& to) {
    std::string text = kTelemetry;
    text.replace(text.find(from), from.size(), to);
    auto schema = parse_ok(text);
    return schema ? schema->canonical_text() : std::string();
  };
  EXPECT_NE(original->canonical_text(), changed("uint64 seq = 1", "uint64 seq = 2"));
  EXPECT_NE(original->canonical_text(), changed("string device_id", "bytes device_id"));
  EXPECT_NE(original->canonical_text(), changed("string device_id = 1;", "string device = 1;"));
  EXPECT_NE(original->canonical_text(), changed("package acme.iot;", "package acme.iot2;"));
  EXPECT_NE(original->canonical_text(), changed("optional float battery", "float battery"));
  // Moving another message first changes which message is validated by default.
  std::string ack_first = kTelemetry;
  ack_first.erase(ack_first.find("message Ack"));
  ack_first.insert(ack_first.find("// A device"), "message Ack { uint64 seq = 1; }\n");
  auto reordered = parse_ok(ack_first);
  ASSERT_TRUE(reordered);
  EXPECT_NE(original->canonical_text(), reordered->canonical_text());
}

TEST(ProtoSchemaCanonicalText, ReparsesToTheSameSchema) {
  const std::vector<Reference> refs = {
      {"acme/geo.proto",
       "syntax = \"proto3\"; package acme.common; message Geo { double lat = 1; }"}};
  const std::string proto2 = R"(syntax = "proto2"; package acme.legacy; import "acme/geo.proto";
    message Config { required string site = 1; optional int32 interval_s = 2 [default = -60];
      optional bytes key = 3 [default = "a\"b\001"]; optional double gain = 4 [default = inf];
      optional group Extra = 5 { optional acme.common.Geo where = 1; } extensions 100 to 200;
      reserved 7 to 9, 11; reserved "legacy"; }
    enum Mode { option allow_alias = true; NORMAL = 1; ECO = 2; SAVER = 2; NEG = -3; reserved 10 to max; }
    extend Config { optional Mode mode = 100; }
    service Configs { rpc Get(Config) returns (Config); })";
  for (const std::string& text : {std::string(kTelemetry), proto2}) {
    auto first = parse_ok(text, refs);
    ASSERT_TRUE(first);
    auto again = parse_ok(first->canonical_text(), refs);
    ASSERT_TRUE(again) << first->canonical_text();
    EXPECT_EQ(first->canonical_text(), again->canonical_text());
    EXPECT_EQ(first->message_names(), again->message_names());
    EXPECT_EQ(first->message()->full_name(), again->message()->full_name());
    // Same schema: nothing differs that the compatibility rules can see, in either role.
    EXPECT_TRUE(check_protobuf(*first, *again, NewerSchema::Reader).empty());
    EXPECT_TRUE(check_protobuf(*again, *first, NewerSchema::Reader).empty());
  }
}

// Schemas are untrusted input: no prefix of a valid file, and no pathological nesting, may
// crash the parser; each either parses or says why not.
TEST(ProtoSchemaParse, EveryPrefixOfAFileParsesOrFailsCleanly) {
  const std::string text = kTelemetry;
  for (std::size_t size = 0; size <= text.size(); ++size) {
    auto parsed = ProtoSchema::parse(std::string_view(text).substr(0, size));
    if (auto* error = std::get_if<ParseError>(&parsed)) {
      EXPECT_FALSE(error->message.empty()) << size;
    }
  }
}

TEST(ProtoSchemaParse, PathologicalNestingIsRefused) {
  std::string nested;
  for (int i = 0; i < 5000; ++i) nested += "message M" + std::to_string(i) + " { ";
  nested += std::string(5000, '}');
  EXPECT_NE(parse_error(nested).find("nested more than"), std::string::npos);
  EXPECT_FALSE(parse_error("message A { option (x) = " + std::string(100000, '{') + " }").empty());
  EXPECT_FALSE(parse_error(std::string(100000, '}')).empty());
}

// A message-typed custom option's value is read by the pool's text-format parser, which
// recurses once per nested value, in "{...}" or "<...>".
TEST(ProtoSchemaParse, PathologicallyNestedOptionValueIsRefused) {
  const std::string prelude = R"(syntax = "proto3";
    import "google/protobuf/descriptor.proto";
    message R { R r = 1; string s = 2; }
    extend google.protobuf.MessageOptions { R rr = 50000; }
    message A { option (rr) = )";
  auto nested = [](int depth, const std::string& open, const std::string& close) {
    std::string value = "{ ";
    for (int i = 0; i < depth; ++i) value += "r " + open + " ";
    value += "s: \"x\"";
    for (int i = 0; i < depth; ++i) value += " " + close;
    return value + " }";
  };
  EXPECT_TRUE(parse_ok(prelude + nested(40, "{", "}") + "; }"));
  for (const auto& [open, close] : {std::pair{"{", "}"}, std::pair{"<", ">"}}) {
    const std::string error = parse_error(prelude + nested(20000, open, close) + "; }");
    EXPECT_NE(error.find("nested more than"), std::string::npos) << error.substr(0, 200);
  }
}

// A file without `syntax` is proto2, silently: libprotoc's parser would log a warning for it,
// to stderr, for each schema registered.
TEST(ProtoSchemaParse, NoSyntaxStatementLogsNothing) {
  static int logged = 0;
  logged = 0;
  gp::LogHandler* previous =
      gp::SetLogHandler([](gp::LogLevel, const char*, int, const std::string&) { ++logged; });
  auto schema = ProtoSchema::parse("message Ping { optional int32 n = 1; }");
  gp::SetLogHandler(previous);
  EXPECT_TRUE(std::holds_alternative<std::shared_ptr<const ProtoSchema>>(schema));
  EXPECT_EQ(logged, 0);
}

}  // namespace
}  // namespace accord::protobuf_schema
