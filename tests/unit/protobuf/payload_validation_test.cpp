// Validating payloads against a ProtoSchema: binary (hand-built bytes, so every malformation is
// exact) and the proto3 JSON mapping, unknown-field policies, proto2 required fields, threads.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "registry/protobuf/payload_validation.hpp"

namespace accord::protobuf_schema {
namespace {

constexpr const char* kTelemetryProto = R"(syntax = "proto3";
package acme.iot;
import "google/protobuf/timestamp.proto";
message Telemetry {
  string device_id = 1;
  Reading reading = 2;
  repeated int32 codes = 3;
  Unit unit = 4;
  int64 seq = 5;
  map<string, string> labels = 6;
  google.protobuf.Timestamp at = 7;
}
message Reading { repeated Sample samples = 1; string sensor = 2; }
message Sample { double value = 1; int64 at_ms = 2; }
enum Unit { UNIT_UNSPECIFIED = 0; CELSIUS = 1; }
)";

constexpr const char* kConfigProto = R"(syntax = "proto2";
package acme.legacy;
message Config { required string site = 1; optional Limits limits = 2; optional Mode mode = 3; }
message Limits { required double max = 1; optional double min = 2; }
enum Mode { NORMAL = 0; ECO = 1; }
)";

std::shared_ptr<const ProtoSchema> schema_of(const char* text) {
  auto parsed = ProtoSchema::parse(text);
  if (auto* error = std::get_if<ParseError>(&parsed)) {
    ADD_FAILURE() << error->message;
    return nullptr;
  }
  return std::get<std::shared_ptr<const ProtoSchema>>(parsed);
}

// --- building wire bytes by hand -------------------------------------------------------------
std::string varint(uint64_t value) {
  std::string out;
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
  return out;
}
std::string tag(int number, int wire_type) {
  return varint((static_cast<uint64_t>(number) << 3) | wire_type);
}
std::string varint_field(int number, uint64_t value) {
  return tag(number, 0) + varint(value);
}
std::string len_field(int number, const std::string& payload) {
  return tag(number, 2) + varint(payload.size()) + payload;
}
std::string double_field(int number, double value) {
  std::string out = tag(number, 1);
  uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((bits >> (8 * i)) & 0xFF));
  return out;
}

std::string sample(double value, uint64_t at_ms) {
  return double_field(1, value) + varint_field(2, at_ms);
}

std::string valid_telemetry() {
  const std::string reading = len_field(1, sample(21.5, 1000)) + len_field(1, sample(21.7, 2000)) +
                              len_field(1, sample(21.9, 3000)) + len_field(2, "thermo-1");
  return len_field(1, "dev-42") + len_field(2, reading) +
         len_field(3, varint(1) + varint(300) + varint(7)) + varint_field(4, 1) +
         varint_field(5, 99) + len_field(6, len_field(1, "site") + len_field(2, "north"));
}

std::string describe(const std::vector<PayloadError>& errors) {
  std::string text;
  for (const auto& error : errors) text += "  [" + error.path + "] " + error.message + "\n";
  return text;
}

// --- binary ----------------------------------------------------------------------------------
TEST(ValidateBinary, ValidPayloadsPass) {
  auto schema = schema_of(kTelemetryProto);
  ASSERT_TRUE(schema);
  EXPECT_TRUE(validate_binary(*schema, valid_telemetry()).empty())
      << describe(validate_binary(*schema, valid_telemetry()));
  EXPECT_TRUE(validate_binary(*schema, valid_telemetry(), UnknownFields::Reject).empty());
  EXPECT_TRUE(validate_binary(*schema, "").empty());  // every proto3 field is optional
  // Repeated scalars may come unpacked too.
  EXPECT_TRUE(validate_binary(*schema, varint_field(3, 1) + varint_field(3, 2)).empty());
}

TEST(ValidateBinary, TruncatedPayloadIsAnError) {
  auto schema = schema_of(kTelemetryProto);
  ASSERT_TRUE(schema);
  const std::string bytes = valid_telemetry();
  for (std::size_t cut : {std::size_t{1}, std::size_t{3}, bytes.size() / 2}) {
    auto errors = validate_binary(*schema, bytes.substr(0, bytes.size() - cut));
    EXPECT_FALSE(errors.empty()) << "cut " << cut;
  }
  auto errors = validate_binary(*schema, len_field(1, "dev").substr(0, 3));
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_NE(errors[0].message.find("length"), std::string::npos) << describe(errors);
}

TEST(ValidateBinary, WrongWireTypeNamesTheFieldPath) {
  auto schema = schema_of(kTelemetryProto);
  ASSERT_TRUE(schema);
  // The third sample's `value` (double, I64) sent as a varint.
  const std::string reading = len_field(1, sample(1, 1)) + len_field(1, sample(2, 2)) +
                              len_field(1, varint_field(1, 5) + varint_field(2, 3));
  auto errors = validate_binary(*schema, len_field(2, reading));
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_EQ(errors[0].path, "reading.samples[2].value");
  EXPECT_NE(errors[0].message.find("I64"), std::string::npos) << errors[0].message;
  EXPECT_NE(errors[0].message.find("VARINT"), std::string::npos) << errors[0].message;

  // A string sent as a varint, at the top.
  errors = validate_binary(*schema, varint_field(1, 3));
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_EQ(errors[0].path, "device_id");
}

TEST(ValidateBinary, MalformedStructureIsAnError) {
  auto schema = schema_of(kTelemetryProto);
  ASSERT_TRUE(schema);
  EXPECT_FALSE(validate_binary(*schema, tag(1, 7) + "x").empty());          // wire type 7
  EXPECT_FALSE(validate_binary(*schema, tag(0, 0) + varint(1)).empty());    // field number 0
  EXPECT_FALSE(validate_binary(*schema, std::string(11, '\xff')).empty());  // varint too long
  EXPECT_FALSE(validate_binary(*schema, tag(9, 4)).empty());                // stray END_GROUP
  EXPECT_FALSE(validate_binary(*schema, len_field(3, "\x80")).empty());     // packed, cut varint
  // Inside an unknown group (found by the fuzzer): field number 0, and a 64-bit tag whose low
  // 32 bits of number alias the group's own end marker. libprotobuf rejects both.
  EXPECT_FALSE(validate_binary(*schema, std::string("\x73\x00\x73\x74", 4)).empty());
  EXPECT_FALSE(validate_binary(*schema, tag(14, 3) + varint((std::uint64_t{1} << 35) | (14u << 3) | 4)).empty());
  auto errors = validate_binary(*schema, len_field(1, "\xc3\x28"));         // invalid UTF-8, proto3
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_EQ(errors[0].path, "device_id");
  EXPECT_NE(errors[0].message.find("UTF-8"), std::string::npos);
}

TEST(ValidateBinary, NestingDeeperThanTheParserAllowsIsAnError) {
  auto schema = schema_of("syntax = \"proto3\"; message Node { Node child = 1; int32 v = 2; }");
  ASSERT_TRUE(schema);
  std::string bytes = varint_field(2, 1);
  for (int i = 0; i < 120; ++i) bytes = len_field(1, bytes);
  auto errors = validate_binary(*schema, bytes);
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors.back().message.find("deeper"), std::string::npos) << describe(errors);
  std::string shallow = varint_field(2, 1);
  for (int i = 0; i < 50; ++i) shallow = len_field(1, shallow);
  EXPECT_TRUE(validate_binary(*schema, shallow).empty());
}

TEST(ValidateBinary, UnknownFieldsFollowThePolicyAtEveryDepth) {
  auto schema = schema_of(kTelemetryProto);
  ASSERT_TRUE(schema);
  const std::string top_unknown = valid_telemetry() + varint_field(99, 1);
  EXPECT_TRUE(validate_binary(*schema, top_unknown, UnknownFields::Accept).empty());
  auto errors = validate_binary(*schema, top_unknown, UnknownFields::Reject);
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_EQ(errors[0].path, "");
  EXPECT_NE(errors[0].message.find("99"), std::string::npos) << errors[0].message;
  EXPECT_NE(errors[0].message.find("acme.iot.Telemetry"), std::string::npos) << errors[0].message;

  const std::string nested_unknown =
      len_field(2, len_field(1, sample(1, 1)) + len_field(1, sample(2, 2) + len_field(7, "??")));
  EXPECT_TRUE(validate_binary(*schema, nested_unknown, UnknownFields::Accept).empty());
  errors = validate_binary(*schema, nested_unknown, UnknownFields::Reject);
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_EQ(errors[0].path, "reading.samples[1]");
  EXPECT_NE(errors[0].message.find("unknown field number 7"), std::string::npos)
      << errors[0].message;

  // Unknown groups are walked to their end, then the next field is checked as usual.
  const std::string unknown_group =
      tag(50, 3) + varint_field(1, 1) + tag(50, 4) + varint_field(5, 1);
  EXPECT_TRUE(validate_binary(*schema, unknown_group, UnknownFields::Accept).empty());
  EXPECT_EQ(validate_binary(*schema, unknown_group, UnknownFields::Reject).size(), 1u);
}

TEST(ValidateBinary, Proto2MissingRequiredFieldsAreNamed) {
  auto schema = schema_of(kConfigProto);
  ASSERT_TRUE(schema);
  EXPECT_TRUE(validate_binary(*schema, len_field(1, "plant-7")).empty());
  auto errors = validate_binary(*schema, len_field(2, double_field(2, 1.0)));
  ASSERT_EQ(errors.size(), 2u) << describe(errors);
  EXPECT_EQ(errors[0].path, "site");
  EXPECT_NE(errors[0].message.find("required field \"site\""), std::string::npos)
      << errors[0].message;
  EXPECT_EQ(errors[1].path, "limits.max");
}

TEST(ValidateBinary, ClosedEnumValuesOutsideTheEnumAreUnknownFields) {
  auto schema = schema_of(kConfigProto);
  ASSERT_TRUE(schema);
  const std::string bytes = len_field(1, "s") + varint_field(3, 9);
  EXPECT_TRUE(validate_binary(*schema, bytes, UnknownFields::Accept).empty());
  auto errors = validate_binary(*schema, bytes, UnknownFields::Reject);
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_EQ(errors[0].path, "mode");
  EXPECT_NE(errors[0].message.find("acme.legacy.Mode"), std::string::npos);
}

TEST(ValidateBinary, SchemaWithoutMessageRejectsEverything) {
  auto schema = schema_of("syntax = \"proto3\"; enum E { E0 = 0; }");
  ASSERT_TRUE(schema);
  EXPECT_EQ(validate_binary(*schema, "").size(), 1u);
  EXPECT_EQ(validate_json(*schema, "{}").size(), 1u);
}

// The walk and protobuf's own parser must agree on what is well-formed: over every prefix and
// every single-byte corruption of a valid payload, validation passes (Accept) only when the
// parser accepts, and the parser never accepts what validation calls malformed.
TEST(ValidateBinary, AgreesWithTheProtobufParserOnCorruptedInput) {
  auto schema = schema_of(kTelemetryProto);
  ASSERT_TRUE(schema);
  const std::string good = valid_telemetry();
  std::vector<std::string> inputs;
  for (std::size_t size = 0; size < good.size(); ++size) inputs.push_back(good.substr(0, size));
  for (std::size_t at = 0; at < good.size(); ++at) {
    for (unsigned char value : {0x00, 0x07, 0x7f, 0x80, 0xff}) {
      std::string corrupted = good;
      corrupted[at] = static_cast<char>(value);
      inputs.push_back(corrupted);
    }
  }
  int disagreements = 0;
  for (const std::string& bytes : inputs) {
    std::unique_ptr<google::protobuf::Message> message(schema->prototype()->New());
    const bool parser_accepts = message->ParseFromString(bytes);
    const auto errors = validate_binary(*schema, bytes);
    if (errors.empty() && !parser_accepts) ++disagreements;
  }
  EXPECT_EQ(disagreements, 0);
}

// --- JSON ------------------------------------------------------------------------------------
TEST(ValidateJson, ValidPayloadsPass) {
  auto schema = schema_of(kTelemetryProto);
  ASSERT_TRUE(schema);
  for (
      const char* json : {
          R"({"deviceId":"d1","reading":{"samples":[{"value":21.5,"atMs":"1700000000000"}],"sensor":"t"},
               "codes":[1,2],"unit":"CELSIUS","seq":"9007199254740993","labels":{"room":"4"},
               "at":"2024-05-01T12:00:00Z"})",
          R"({"device_id":"d1","reading":{"samples":[{"at_ms":17}]}})",  // proto field names too
          R"({"unit":1,"seq":42})",  // enum by number, int64 as number
          R"({})",
      }) {
    auto errors = validate_json(*schema, json);
    EXPECT_TRUE(errors.empty()) << json << "\n" << describe(errors);
  }
}

TEST(ValidateJson, WrongTypesNameTheirPath) {
  auto schema = schema_of(kTelemetryProto);
  ASSERT_TRUE(schema);
  auto errors = validate_json(*schema, R"({"reading":{"samples":[{},{},{"value":"hot"}]}})");
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_EQ(errors[0].path, "reading.samples[2].value");
  EXPECT_NE(errors[0].message.find("double"), std::string::npos) << errors[0].message;

  errors = validate_json(*schema, R"({"deviceId":5})");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "device_id");

  errors = validate_json(*schema, R"({"seq":"12x"})");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "seq");

  errors = validate_json(*schema, R"({"unit":"KELVIN"})");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "unit");
  EXPECT_NE(errors[0].message.find("acme.iot.Unit"), std::string::npos) << errors[0].message;

  errors = validate_json(*schema, R"({"at":"yesterday"})");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "at");
}

TEST(ValidateJson, UnknownKeysFollowThePolicy) {
  auto schema = schema_of(kTelemetryProto);
  ASSERT_TRUE(schema);
  const char* top = R"({"deviceId":"d","firmware":"1.2"})";
  EXPECT_TRUE(validate_json(*schema, top, UnknownFields::Accept).empty());
  auto errors = validate_json(*schema, top);  // Reject is the JSON default
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_EQ(errors[0].path, "firmware");
  EXPECT_EQ(errors[0].message, "unknown field \"firmware\"");

  const char* nested = R"({"reading":{"samples":[{"value":1},{"value":2,"unit":"C"}]}})";
  EXPECT_TRUE(validate_json(*schema, nested, UnknownFields::Accept).empty());
  errors = validate_json(*schema, nested, UnknownFields::Reject);
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_EQ(errors[0].path, "reading.samples[1].unit");
}

TEST(ValidateJson, MalformedJsonIsAnErrorForTheWholePayload) {
  auto schema = schema_of(kTelemetryProto);
  ASSERT_TRUE(schema);
  for (const char* json : {R"({"deviceId":"d",)", "[1,2]", "", "nope"}) {
    auto errors = validate_json(*schema, json);
    ASSERT_EQ(errors.size(), 1u) << json;
    EXPECT_EQ(errors[0].path, "") << json;
    EXPECT_FALSE(errors[0].message.empty()) << json;
  }
}

TEST(ValidateJson, Proto2MissingRequiredFieldIsNamed) {
  auto schema = schema_of(kConfigProto);
  ASSERT_TRUE(schema);
  EXPECT_TRUE(validate_json(*schema, R"({"site":"plant-7","mode":"ECO"})").empty());
  // libprotobuf's JSON converter stops at the first missing required field.
  auto errors = validate_json(*schema, R"({"limits":{"min":1}})");
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_EQ(errors[0].path, "site");
  EXPECT_EQ(errors[0].message, "required field \"site\" is missing");
  errors = validate_json(*schema, R"({"site":"s","limits":{"min":1}})");
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_EQ(errors[0].path, "limits.max");
}

// --- threads ---------------------------------------------------------------------------------
TEST(PayloadValidation, OneSchemaServesManyThreadsAtOnce) {
  auto schema = schema_of(kTelemetryProto);
  ASSERT_TRUE(schema);
  const std::string good_binary = valid_telemetry();
  const std::string bad_binary = len_field(2, len_field(1, varint_field(1, 5)));
  const std::string good_json =
      R"({"deviceId":"d1","reading":{"samples":[{"value":1.5}]},"unit":"CELSIUS"})";
  const std::string bad_json = R"({"reading":{"samples":[{"value":"x"}]}})";
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 400; ++i) {
        const bool ok_binary = validate_binary(*schema, good_binary, UnknownFields::Reject).empty();
        const auto bad = validate_binary(*schema, bad_binary);
        const bool ok_json = validate_json(*schema, good_json).empty();
        const auto bad_j = validate_json(*schema, bad_json);
        if (!ok_binary || bad.size() != 1 || bad[0].path != "reading.samples[0].value" ||
            !ok_json || bad_j.size() != 1 || bad_j[0].path != "reading.samples[0].value") {
          ++wrong;
        }
        if ((i + t) % 50 == 0) std::this_thread::yield();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace accord::protobuf_schema
