// Wire-compatibility rules, as a table of schema changes between an old and a new version of
// realistic IoT messages. Every row is checked in both registry directions:
//   BACKWARD = check_protobuf(new, old, NewerSchema::Reader)  (new consumers, old data)
//   FORWARD  = check_protobuf(old, new, NewerSchema::Writer)  (old consumers, new data)
// and, when a direction is incompatible, the expected kind must be among those reported.
#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "registry/protobuf/proto_compat.hpp"

namespace accord::protobuf_schema {
namespace {

struct ChangeCase {
  std::string name;
  std::string old_proto;
  std::string new_proto;
  bool backward_compatible;  // check_protobuf(new, old)
  bool forward_compatible;   // check_protobuf(old, new)
  std::string kind;          // expected in every incompatible direction
};

// gtest prints a failing parameter with this instead of its bytes.
void PrintTo(const ChangeCase& row, std::ostream* out) {
  *out << row.name;
}

std::string p3(const std::string& body) {
  return "syntax = \"proto3\";\npackage acme.iot;\n" + body;
}
std::string p2(const std::string& body) {
  return "syntax = \"proto2\";\npackage acme.iot;\n" + body;
}

// The reading most rows start from: a sensor sample with nested and enum types.
const std::string kReadingBody = R"(
message Reading {
  string device_id = 1;
  double temperature = 2;
  Status status = 3;
  Location location = 4;
  repeated Sample samples = 5;
}
message Location { double lat = 1; double lon = 2; }
message Sample { int64 at_ms = 1; double value = 2; }
enum Status { STATUS_UNSPECIFIED = 0; ONLINE = 1; OFFLINE = 2; }
)";

std::string body_with(const std::string& from, const std::string& to) {
  std::string body = kReadingBody;
  const auto at = body.find(from);
  if (at == std::string::npos) throw std::logic_error("table typo: " + from);
  body.replace(at, from.size(), to);
  return body;
}
std::string reading_with(const std::string& from, const std::string& to) {
  return p3(body_with(from, to));
}

std::vector<ChangeCase> change_cases() {
  const std::string reading = p3(kReadingBody);
  return {
      // --- harmless changes ------------------------------------------------------------------
      {"SameSchemaReformatted", reading,
       p3("// comment\nmessage Reading{string device_id=1;double temperature=2;Status status=3;"
          "Location location=4;repeated Sample samples=5;}\nmessage Location{double lat=1;double "
          "lon=2;}\n"
          "message Sample{int64 at_ms=1;double value=2;}\n"
          "enum Status{STATUS_UNSPECIFIED=0;ONLINE=1;OFFLINE=2;}"),
       true, true, ""},
      {"FieldAdded", reading,
       reading_with("  repeated Sample samples = 5;\n",
                    "  repeated Sample samples = 5;\n  float humidity = 6;\n"),
       true, true, ""},
      {"NestedMessageAndFieldAdded", reading,
       reading_with("  repeated Sample samples = 5;\n",
                    "  repeated Sample samples = 5;\n  Battery battery = 6;\n"
                    "  message Battery { float volts = 1; }\n"),
       true, true, ""},
      {"WellKnownTimestampFieldAdded", reading,
       p3("import \"google/protobuf/timestamp.proto\";\n" +
          body_with("  repeated Sample samples = 5;\n",
                    "  repeated Sample samples = 5;\n  google.protobuf.Timestamp at = 6;\n")),
       true, true, ""},
      {"FieldRemovedNumberAndNameReserved", reading,
       reading_with("  double temperature = 2;\n", "  reserved 2;\n  reserved \"temperature\";\n"),
       true, true, ""},
      {"UnreferencedMessageRemoved", p3(kReadingBody + "message Legacy { string note = 1; }\n"),
       reading, true, true, ""},
      {"Proto3OptionalAdded", reading,
       reading_with("double temperature = 2;", "optional double temperature = 2;"), true, true, ""},

      // --- removals and reservations --------------------------------------------------------
      {"FieldRemovedNotReserved", reading, reading_with("  double temperature = 2;\n", ""), false,
       false, "FIELD_REMOVED_NOT_RESERVED"},
      {"FieldRemovedOnlyNumberReserved", reading,
       reading_with("  double temperature = 2;\n", "  reserved 2;\n"), false, false,
       "FIELD_REMOVED_NOT_RESERVED"},
      {"FieldNumberChangedKeepingName", reading,
       reading_with("  double temperature = 2;\n", "  reserved 2;\n  double temperature = 7;\n"),
       false, false, "FIELD_REMOVED_NOT_RESERVED"},
      {"ReservedNumberReused",
       reading_with("  double temperature = 2;\n", "  reserved 2;\n  reserved \"temperature\";\n"),
       reading_with("  double temperature = 2;\n",
                    "  float pressure = 2;\n  reserved \"temperature\";\n"),
       false, false, "RESERVED_FIELD_REUSED"},
      {"ReservedNameReused",
       reading_with("  double temperature = 2;\n", "  reserved 2;\n  reserved \"temperature\";\n"),
       reading_with("  double temperature = 2;\n", "  reserved 2;\n  float temperature = 9;\n"),
       false, false, "RESERVED_FIELD_REUSED"},

      // --- type changes within and across wire groups --------------------------------------
      {"Int32ToInt64", p3("message Counter { int32 count = 1; }"),
       p3("message Counter { int64 count = 1; }"), true, true, ""},
      {"Int32ToUint64", p3("message Counter { int32 count = 1; }"),
       p3("message Counter { uint64 count = 1; }"), true, true, ""},
      {"BoolToInt32", p3("message Relay { bool on = 1; }"), p3("message Relay { int32 on = 1; }"),
       true, true, ""},
      {"Sint32ToSint64", p3("message Delta { sint32 d = 1; }"),
       p3("message Delta { sint64 d = 1; }"), true, true, ""},
      {"Fixed32ToSfixed32", p3("message Tick { fixed32 t = 1; }"),
       p3("message Tick { sfixed32 t = 1; }"), true, true, ""},
      {"Fixed64ToSfixed64", p3("message Tick { fixed64 t = 1; }"),
       p3("message Tick { sfixed64 t = 1; }"), true, true, ""},
      {"Int32ToSint32", p3("message Delta { int32 d = 1; }"), p3("message Delta { sint32 d = 1; }"),
       false, false, "FIELD_TYPE_CHANGED"},
      {"Fixed32ToFixed64", p3("message Tick { fixed32 t = 1; }"),
       p3("message Tick { fixed64 t = 1; }"), false, false, "FIELD_TYPE_CHANGED"},
      {"DoubleToFloat", reading, reading_with("double temperature", "float temperature"), false,
       false, "FIELD_TYPE_CHANGED"},
      {"DoubleToString", reading, reading_with("double temperature", "string temperature"), false,
       false, "FIELD_TYPE_CHANGED"},
      {"StringToBytes", reading, reading_with("string device_id", "bytes device_id"), true, false,
       "FIELD_TYPE_CHANGED"},
      {"BytesToString", reading_with("string device_id", "bytes device_id"), reading, false, true,
       "FIELD_TYPE_CHANGED"},
      {"MessageToBytes", reading, reading_with("Location location = 4;", "bytes location = 4;"),
       true, false, "FIELD_TYPE_CHANGED"},
      {"MessageToInt64", reading, reading_with("Location location = 4;", "int64 location = 4;"),
       false, false, "FIELD_TYPE_CHANGED"},
      {"OpenEnumToInt32", reading, reading_with("Status status = 3;", "int32 status = 3;"), true,
       true, ""},
      {"ClosedEnumToInt32",
       p2("message Relay { optional State state = 1; }\nenum State { OFF = 0; ON = 1; }"),
       p2("message Relay { optional int32 state = 1; }\nenum State { OFF = 0; ON = 1; }"), true,
       false, "FIELD_TYPE_CHANGED"},
      {"EnumToBool", reading, reading_with("Status status = 3;", "bool status = 3;"), false, false,
       "FIELD_TYPE_CHANGED"},
      {"FieldRetypedToOtherExistingMessage", reading,
       reading_with("Location location = 4;", "Sample location = 4;"), false, false,
       "FIELD_TYPE_CHANGED"},
      {"ReferencedMessageRenamed", reading,
       reading_with("  Location location = 4;", "  Position location = 4;")
           .replace(reading_with("  Location location = 4;", "  Position location = 4;")
                        .find("message Location"),
                    16, "message Position"),
       false, false, "MESSAGE_REMOVED"},
      {"NestedFieldTypeChanged", reading, reading_with("double value = 2;", "float value = 2;"),
       false, false, "FIELD_TYPE_CHANGED"},
      {"GroupToMessage", p2("message Meta { optional group Tag = 1 { optional string k = 1; } }"),
       p2("message Meta { optional Tag tag = 1; message Tag { optional string k = 1; } }"), false,
       false, "FIELD_TYPE_CHANGED"},

      // --- cardinality and presence --------------------------------------------------------
      {"SingularStringToRepeated", reading,
       reading_with("string device_id", "repeated string device_id"), true, false,
       "FIELD_CARDINALITY_CHANGED"},
      {"RepeatedMessageToSingular", reading,
       reading_with("repeated Sample samples", "Sample samples"), false, true,
       "FIELD_CARDINALITY_CHANGED"},
      {"SingularInt64ToRepeated", p3("message Sample { int64 at_ms = 1; }"),
       p3("message Sample { repeated int64 at_ms = 1; }"), true, false,
       "FIELD_CARDINALITY_CHANGED"},
      {"Proto2OptionalMadeRequired", p2("message Cfg { optional int32 interval_s = 1; }"),
       p2("message Cfg { required int32 interval_s = 1; }"), false, true, "FIELD_REQUIRED_ADDED"},
      {"Proto2RequiredFieldAdded", p2("message Cfg { optional int32 interval_s = 1; }"),
       p2("message Cfg { optional int32 interval_s = 1; required string site = 2; }"), false, true,
       "FIELD_REQUIRED_ADDED"},
      {"Proto2RequiredMadeOptional", p2("message Cfg { required int32 interval_s = 1; }"),
       p2("message Cfg { optional int32 interval_s = 1; }"), true, false, "FIELD_REQUIRED_REMOVED"},
      {"Proto2RequiredFieldRemovedReserved",
       p2("message Cfg { required int32 interval_s = 1; optional string site = 2; }"),
       p2("message Cfg { reserved 1; reserved \"interval_s\"; optional string site = 2; }"), true,
       false, "FIELD_REQUIRED_REMOVED"},
      {"Proto2DefaultChanged", p2("message Cfg { optional int32 interval_s = 1 [default = 60]; }"),
       p2("message Cfg { optional int32 interval_s = 1 [default = 30]; }"), false, false,
       "FIELD_DEFAULT_CHANGED"},
      {"Proto2CustomDefaultToProto3",
       p2("message Cfg { optional int32 interval_s = 1 [default = 60]; }"),
       p3("message Cfg { int32 interval_s = 1; }"), false, false, "FIELD_DEFAULT_CHANGED"},
      {"Proto3ToProto2SameFields",
       p3("message Cfg { int32 interval_s = 1; Mode mode = 2; }\n"
          "enum Mode { MODE_UNSPECIFIED = 0; ECO = 1; }"),
       p2("message Cfg { optional int32 interval_s = 1; optional Mode mode = 2; }\n"
          "enum Mode { MODE_UNSPECIFIED = 0; ECO = 1; }"),
       true, true, ""},

      // --- names and the JSON mapping ------------------------------------------------------
      {"FieldRenamed", reading, reading_with("double temperature", "double temp_c"), false, false,
       "FIELD_RENAMED"},
      {"JsonNameChanged", reading,
       reading_with("double temperature = 2;", "double temperature = 2 [json_name = \"t\"];"),
       false, false, "FIELD_JSON_NAME_CHANGED"},

      // --- oneofs ---------------------------------------------------------------------------
      {"NewOneofOfNewFields", reading,
       reading_with(
           "  repeated Sample samples = 5;\n",
           "  repeated Sample samples = 5;\n  oneof power { float volts = 6; float amps = 7; }\n"),
       true, true, ""},
      {"OneofWrapsOneExistingField", reading,
       reading_with("  double temperature = 2;\n",
                    "  oneof value { double temperature = 2; string raw = 8; }\n"),
       true, true, ""},
      {"OneofUnwrapsItsOnlyExistingField",
       reading_with("  double temperature = 2;\n", "  oneof value { double temperature = 2; }\n"),
       reading, true, true, ""},
      {"OneofWrapsTwoExistingFields", reading,
       reading_with("  string device_id = 1;\n  double temperature = 2;\n",
                    "  oneof ident { string device_id = 1; double temperature = 2; }\n"),
       false, false, "FIELD_ONEOF_CHANGED"},
      {"FieldMovedIntoExistingOneof",
       p3("message Cmd { oneof action { bool reboot = 1; } string firmware = 2; }"),
       p3("message Cmd { oneof action { bool reboot = 1; string firmware = 2; } }"), false, false,
       "FIELD_ONEOF_CHANGED"},
      {"FieldMovedBetweenOneofs",
       p3("message Cmd { oneof action { bool reboot = 1; string firmware = 2; } oneof extra { "
          "int32 n = 3; } }"),
       p3("message Cmd { oneof action { bool reboot = 1; } oneof extra { int32 n = 3; string "
          "firmware = 2; } }"),
       false, false, "FIELD_ONEOF_CHANGED"},
      {"OneofRenamed", p3("message Cmd { oneof action { bool reboot = 1; string firmware = 2; } }"),
       p3("message Cmd { oneof op { bool reboot = 1; string firmware = 2; } }"), false, false,
       "FIELD_ONEOF_CHANGED"},

      // --- enums ----------------------------------------------------------------------------
      {"OpenEnumValueAdded", reading, reading_with("OFFLINE = 2;", "OFFLINE = 2; MAINTENANCE = 3;"),
       true, true, ""},
      {"ClosedEnumValueAdded",
       p2("message Relay { optional State state = 1; }\nenum State { OFF = 0; ON = 1; }"),
       p2("message Relay { optional State state = 1; }\nenum State { OFF = 0; ON = 1; FAULT = 2; "
          "}"),
       true, false, "ENUM_VALUE_ADDED"},
      {"OpenEnumValueRemovedReserved", reading,
       reading_with("OFFLINE = 2;", "reserved 2; reserved \"OFFLINE\";"), true, true, ""},
      {"OpenEnumValueRemovedNotReserved", reading, reading_with(" OFFLINE = 2;", ""), false, false,
       "ENUM_VALUE_REMOVED"},
      {"ClosedEnumValueRemovedReserved",
       p2("message Relay { optional State state = 1; }\nenum State { OFF = 0; ON = 1; FAULT = 2; "
          "}"),
       p2("message Relay { optional State state = 1; }\nenum State { OFF = 0; ON = 1; reserved 2; "
          "reserved \"FAULT\"; }"),
       false, true, "ENUM_VALUE_REMOVED"},
      {"EnumValueNumberChanged", reading, reading_with("OFFLINE = 2;", "OFFLINE = 3;"), false,
       false, "ENUM_VALUE_NUMBER_CHANGED"},
      {"EnumValueRenamed", reading, reading_with("OFFLINE = 2;", "DISCONNECTED = 2;"), false, false,
       "ENUM_VALUE_RENAMED"},
      {"EnumAliasAdded", reading,
       reading_with("OFFLINE = 2;", "OFFLINE = 2; DISCONNECTED = 2; option allow_alias = true;"),
       true, true, ""},
      {"ReservedEnumValueReused", reading_with("OFFLINE = 2;", "reserved 2; reserved \"OFFLINE\";"),
       reading_with("OFFLINE = 2;", "MAINTENANCE = 2; reserved \"OFFLINE\";"), false, false,
       "RESERVED_ENUM_VALUE_REUSED"},
      {"FieldEnumReplacedByNewEnum", reading,
       reading_with("Status status = 3;", "Health status = 3;")
           .replace(reading_with("Status status = 3;", "Health status = 3;").find("enum Status"),
                    11, "enum Health"),
       false, false, "ENUM_REMOVED"},

      // --- maps -----------------------------------------------------------------------------
      {"MapValueTypeChanged", p3("message Device { map<string, string> labels = 1; }"),
       p3("message Device { map<string, int32> labels = 1; }"), false, false,
       "MAP_VALUE_TYPE_CHANGED"},
      {"MapKeyTypeChanged", p3("message Device { map<int32, string> labels = 1; }"),
       p3("message Device { map<int64, string> labels = 1; }"), false, false,
       "MAP_KEY_TYPE_CHANGED"},
      {"MapToRepeatedMessage", p3("message Device { map<string, string> labels = 1; }"),
       p3("message Device { repeated Label labels = 1; }\nmessage Label { string key = 1; string "
          "value = 2; }"),
       false, false, "FIELD_TYPE_CHANGED"},
      {"MapValueMessageFieldChanged",
       p3("message Fleet { map<string, Device> devices = 1; }\nmessage Device { int32 fw = 1; }"),
       p3("message Fleet { map<string, Device> devices = 1; }\nmessage Device { string fw = 1; }"),
       false, false, "FIELD_TYPE_CHANGED"},

      // --- messages, package ----------------------------------------------------------------
      {"ValidatedMessageRenamed", reading,
       reading_with("message Reading {", "message Measurement {"), false, false, "MESSAGE_REMOVED"},
      {"ValidatedMessageSwitched", reading,
       p3("message Location { double lat = 1; double lon = 2; }\n" +
          kReadingBody.substr(0, kReadingBody.find("message Location")) +
          "message Sample { int64 at_ms = 1; double value = 2; }\n"
          "enum Status { STATUS_UNSPECIFIED = 0; ONLINE = 1; OFFLINE = 2; }\n"),
       false, false, "VALIDATED_MESSAGE_CHANGED"},
      {"PackageChanged", reading, "syntax = \"proto3\";\npackage acme.telemetry;\n" + kReadingBody,
       false, false, "PACKAGE_CHANGED"},
      {"RecursiveMessageFieldAdded",
       p3("message Node { string id = 1; repeated Node children = 2; }"),
       p3("message Node { string id = 1; repeated Node children = 2; int32 depth = 3; }"), true,
       true, ""},
      {"RecursiveMessageFieldRetyped",
       p3("message Node { string id = 1; repeated Node children = 2; }"),
       p3("message Node { int64 id = 1; repeated Node children = 2; }"), false, false,
       "FIELD_TYPE_CHANGED"},
  };
}

std::shared_ptr<const ProtoSchema> parse_or_fail(const std::string& text, const std::string& row) {
  auto parsed = ProtoSchema::parse(text);
  if (auto* error = std::get_if<ParseError>(&parsed)) {
    ADD_FAILURE() << row << ": schema does not parse:\n" << error->message << "\n" << text;
    return nullptr;
  }
  return std::get<std::shared_ptr<const ProtoSchema>>(parsed);
}

std::string listing(const compat::Incompatibilities& found) {
  std::string text;
  for (const auto& item : found)
    text += "  " + item.kind + " at " + item.path + ": " + item.reason + "\n";
  return text.empty() ? "  (none)\n" : text;
}

void expect_direction(const ChangeCase& row, const char* direction, bool compatible,
                      const compat::Incompatibilities& found) {
  if (compatible) {
    EXPECT_TRUE(found.empty()) << row.name << " " << direction << " should be compatible, found:\n"
                               << listing(found);
    return;
  }
  const bool has_kind = std::any_of(found.begin(), found.end(),
                                    [&](const auto& item) { return item.kind == row.kind; });
  EXPECT_TRUE(has_kind) << row.name << " " << direction << " should report " << row.kind
                        << ", found:\n"
                        << listing(found);
  for (const auto& item : found) {
    EXPECT_FALSE(item.path.empty()) << row.name << ": " << item.kind;
    EXPECT_FALSE(item.reason.empty()) << row.name << ": " << item.kind;
  }
}

class ProtoCompatTable : public testing::TestWithParam<ChangeCase> {};

TEST_P(ProtoCompatTable, BothDirections) {
  const ChangeCase& row = GetParam();
  auto old_schema = parse_or_fail(row.old_proto, row.name + " (old)");
  auto new_schema = parse_or_fail(row.new_proto, row.name + " (new)");
  ASSERT_TRUE(old_schema && new_schema);
  expect_direction(row, "BACKWARD", row.backward_compatible,
                   check_protobuf(*new_schema, *old_schema, NewerSchema::Reader));
  expect_direction(row, "FORWARD", row.forward_compatible,
                   check_protobuf(*old_schema, *new_schema, NewerSchema::Writer));
  // The named helpers are the same checks.
  EXPECT_EQ(check_backward(*new_schema, *old_schema).size(),
            check_protobuf(*new_schema, *old_schema, NewerSchema::Reader).size());
  EXPECT_EQ(check_forward(*new_schema, *old_schema).size(),
            check_protobuf(*old_schema, *new_schema, NewerSchema::Writer).size());
}

INSTANTIATE_TEST_SUITE_P(Changes, ProtoCompatTable, testing::ValuesIn(change_cases()),
                         [](const testing::TestParamInfo<ChangeCase>& info) {
                           return info.param.name;
                         });

TEST(ProtoCompat, TableIsLargeAndCoversBothOutcomesInBothDirections) {
  const auto cases = change_cases();
  EXPECT_GE(cases.size(), 40u);
  int backward_ok = 0;
  int forward_ok = 0;
  for (const auto& row : cases) {
    backward_ok += row.backward_compatible;
    forward_ok += row.forward_compatible;
    if (!row.backward_compatible || !row.forward_compatible) {
      EXPECT_FALSE(row.kind.empty()) << row.name;
    }
  }
  const int total = static_cast<int>(cases.size());
  EXPECT_GT(backward_ok, 0);
  EXPECT_GT(forward_ok, 0);
  EXPECT_LT(backward_ok, total);
  EXPECT_LT(forward_ok, total);
  std::printf(
      "compat table: %d cases; BACKWARD %d compatible / %d not; FORWARD %d compatible / %d not\n",
      total, backward_ok, total - backward_ok, forward_ok, total - forward_ok);
}

TEST(ProtoCompat, WithoutDirectionOnlyDecodingProblemsAreReported) {
  auto old_schema = parse_or_fail(p3("message R { int32 a = 1; string b = 2; }"), "old");
  auto removed = parse_or_fail(p3("message R { int32 a = 1; }"), "removed");
  auto retyped = parse_or_fail(p3("message R { int32 a = 1; double b = 2; }"), "retyped");
  ASSERT_TRUE(old_schema && removed && retyped);
  // A removal looks like an addition when nobody says which version is newer.
  EXPECT_TRUE(check_protobuf(*removed, *old_schema).empty());
  EXPECT_TRUE(check_protobuf(*old_schema, *removed).empty());
  auto found = check_protobuf(*retyped, *old_schema);
  ASSERT_EQ(found.size(), 1u) << listing(found);
  EXPECT_EQ(found[0].kind, "FIELD_TYPE_CHANGED");
  EXPECT_EQ(found[0].path, "acme.iot.R.b");
  EXPECT_NE(found[0].reason.find("\"b\""), std::string::npos) << found[0].reason;
}

TEST(ProtoCompat, ChangesInsideAReferencedFileAreFound) {
  const std::vector<Reference> old_refs = {{"acme/common.proto",
                                            "syntax = \"proto3\"; package acme.common; message Geo "
                                            "{ double lat = 1; double lon = 2; }"}};
  const std::vector<Reference> new_refs = {
      {"acme/common.proto",
       "syntax = \"proto3\"; package acme.common; message Geo { float lat = 1; double lon = 2; }"}};
  const std::string text =
      "syntax = \"proto3\"; package acme.iot; import \"acme/common.proto\";\n"
      "message Reading { acme.common.Geo where = 1; }";
  auto old_schema =
      std::get<std::shared_ptr<const ProtoSchema>>(ProtoSchema::parse(text, old_refs));
  auto new_schema =
      std::get<std::shared_ptr<const ProtoSchema>>(ProtoSchema::parse(text, new_refs));
  auto found = check_backward(*new_schema, *old_schema);
  ASSERT_EQ(found.size(), 1u) << listing(found);
  EXPECT_EQ(found[0].kind, "FIELD_TYPE_CHANGED");
  EXPECT_EQ(found[0].path, "acme.common.Geo.lat");
}

TEST(ProtoCompat, SharedTypesFileWithoutMessagesComparesItsEnums) {
  auto old_schema =
      parse_or_fail(p3("enum Unit { UNIT_UNSPECIFIED = 0; CELSIUS = 1; KELVIN = 2; }"), "old");
  auto new_schema = parse_or_fail(p3("enum Unit { UNIT_UNSPECIFIED = 0; CELSIUS = 1; }"), "new");
  ASSERT_TRUE(old_schema && new_schema);
  auto found = check_backward(*new_schema, *old_schema);
  ASSERT_EQ(found.size(), 1u) << listing(found);
  EXPECT_EQ(found[0].kind, "ENUM_VALUE_REMOVED");
  EXPECT_EQ(found[0].path, "acme.iot.Unit.KELVIN");
}

}  // namespace
}  // namespace accord::protobuf_schema
