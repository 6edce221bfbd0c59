// The format checkers, one pure function each, plus how `format` behaves in schemas.
#include <gtest/gtest.h>

#include "registry/jsonschema/formats.hpp"
#include "tests/unit/jsonschema/test_support.hpp"

namespace accord::jsonschema {
namespace {

TEST(Formats, DateTime) {
  EXPECT_TRUE(is_date_time("2024-02-29T12:00:00Z"));
  EXPECT_TRUE(is_date_time("1998-12-31T23:59:60Z"));         // leap second at 23:59:60 UTC
  EXPECT_TRUE(is_date_time("1998-12-31T15:59:60.5-08:00"));  // the same instant, offset
  EXPECT_TRUE(is_date_time("2024-01-01t00:00:00.123456z"));
  EXPECT_FALSE(is_date_time("2023-02-29T12:00:00Z"));  // not a leap year
  EXPECT_FALSE(is_date_time("1998-12-31T22:59:60Z"));  // leap second at the wrong time
  EXPECT_FALSE(is_date_time("2024-01-01 00:00:00Z"));
  EXPECT_FALSE(is_date_time("2024-01-01T00:00:00"));  // offset required
  EXPECT_FALSE(is_date_time("2024-01-01T24:00:00Z"));
  EXPECT_FALSE(is_date_time("2024-01-01T00:00:00+01"));
}

TEST(Formats, DateTimeAndDuration) {
  EXPECT_TRUE(is_date("2000-02-29"));
  EXPECT_FALSE(is_date("1900-02-29"));
  EXPECT_FALSE(is_date("2024-1-01"));
  EXPECT_TRUE(is_time("23:59:60+00:00"));
  EXPECT_TRUE(is_time("01:29:60+01:30"));
  EXPECT_FALSE(is_time("12:00:00"));
  EXPECT_TRUE(is_duration("P1Y2M3DT4H5M6S"));
  EXPECT_TRUE(is_duration("PT36H"));
  EXPECT_TRUE(is_duration("P2W"));
  EXPECT_FALSE(is_duration("P1Y2D"));
  EXPECT_FALSE(is_duration("PT"));
  EXPECT_FALSE(is_duration("P1W2D"));
}

TEST(Formats, NetworkNames) {
  EXPECT_TRUE(is_hostname("sensor-01.plant.example.com"));
  EXPECT_TRUE(is_hostname("xn--9n2bp8q.xn--9t4b11yi5a"));  // Punycode that decodes cleanly
  EXPECT_FALSE(is_hostname("-bad.example.com"));
  EXPECT_FALSE(is_hostname("under_score.example.com"));
  EXPECT_FALSE(is_hostname("xn--X"));
  EXPECT_FALSE(is_hostname(std::string(64, 'a') + ".com"));
  EXPECT_TRUE(is_email("joe.bloggs@example.com"));
  EXPECT_TRUE(is_email("\"joe bloggs\"@example.com"));
  EXPECT_TRUE(is_email("joe@[IPv6:::1]"));
  EXPECT_FALSE(is_email("joe..bloggs@example.com"));
  EXPECT_FALSE(is_email("@example.com"));
}

TEST(Formats, Addresses) {
  EXPECT_TRUE(is_ipv4("192.168.0.1"));
  EXPECT_FALSE(is_ipv4("192.168.0.01"));
  EXPECT_FALSE(is_ipv4("256.0.0.1"));
  EXPECT_FALSE(is_ipv4("1.2.3"));
  EXPECT_TRUE(is_ipv6("::1"));
  EXPECT_TRUE(is_ipv6("2001:db8::ff00:42:8329"));
  EXPECT_TRUE(is_ipv6("::ffff:192.168.0.1"));
  EXPECT_FALSE(is_ipv6("1::2::3"));
  EXPECT_FALSE(is_ipv6("fe80::1%eth0"));
  EXPECT_TRUE(is_uuid("2EB8AA08-AA98-11EA-B4AA-73B441D16380"));
  EXPECT_FALSE(is_uuid("2eb8aa08aa9811eab4aa73b441d16380"));
}

TEST(Formats, UrisAndPointers) {
  EXPECT_TRUE(is_uri("https://example.com/a?b=c#d"));
  EXPECT_TRUE(is_uri("urn:uuid:2eb8aa08-aa98-11ea-b4aa-73b441d16380"));
  EXPECT_FALSE(is_uri("/relative/path"));
  EXPECT_FALSE(is_uri("http://example.com:abc/path"));
  EXPECT_TRUE(is_uri("http://user:pass@host:/p?q=a/b?c#f/g?h"));  // empty port is allowed
  EXPECT_TRUE(is_uri("http://[v1.fe80::a+en1]/"));                // IPvFuture
  EXPECT_TRUE(is_uri("mailto:John.Doe@example.com"));
  EXPECT_FALSE(is_uri("http://[::1/"));
  EXPECT_FALSE(is_uri("http://a@b@example.com/"));
  EXPECT_FALSE(is_uri("http://example.com/%zz"));
  EXPECT_FALSE(is_uri("1http://example.com"));
  EXPECT_TRUE(is_uri_reference("../a/b#frag"));
  EXPECT_TRUE(is_uri_reference("./this:that"));
  EXPECT_FALSE(is_uri_reference("this:that/../x y"));
  EXPECT_FALSE(is_uri_reference("1:b"));
  EXPECT_FALSE(is_uri_reference("\\\\server\\share"));
  EXPECT_TRUE(is_json_pointer(""));
  EXPECT_TRUE(is_json_pointer("/a~1b/0"));
  EXPECT_FALSE(is_json_pointer("/a~2"));
  EXPECT_TRUE(is_relative_json_pointer("0#"));
  EXPECT_TRUE(is_relative_json_pointer("2/a/b"));
  EXPECT_FALSE(is_relative_json_pointer("01/a"));
  EXPECT_TRUE(is_regex("^(?<year>[0-9]{4})-\\d{2}$"));
  EXPECT_TRUE(is_regex("(?<=a)b"));  // valid ECMA-262, even though patterns cannot use it
  EXPECT_FALSE(is_regex("^(abc]"));
  EXPECT_FALSE(is_regex("\\a"));
}

TEST(Formats, AssertionIsAnOption) {
  const auto asserting = testing::compile_ok(R"({"format":"ipv4"})");
  ASSERT_TRUE(asserting);
  EXPECT_FALSE(asserting->is_valid(R"("not-an-ip")"));
  EXPECT_TRUE(asserting->is_valid("42"));  // formats only apply to strings

  Options annotation_only;
  annotation_only.format_assertion = false;
  const auto lenient = testing::compile_ok(R"({"format":"ipv4"})", annotation_only);
  ASSERT_TRUE(lenient);
  EXPECT_TRUE(lenient->is_valid(R"("not-an-ip")"));

  const auto unknown = testing::compile_ok(R"({"format":"x-serial-number"})");
  ASSERT_TRUE(unknown);
  EXPECT_TRUE(unknown->is_valid(R"("anything")"));
}

}  // namespace
}  // namespace accord::jsonschema
