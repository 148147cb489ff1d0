// Tests for measure/json.h: the JSON Google Benchmark writes parses, and
// malformed text fails with the origin, the offset and what was expected.

#include "measure/json.h"

#include <cmath>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "perfmodel/testing/matchers.h"

namespace perfmodel::bench {
namespace {

using ::perfmodel::testing::IsOk;
using ::perfmodel::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;

TEST(JsonTest, ParsesNestedValuesInOrder) {
  absl::StatusOr<JsonValue> v = ParseJson(R"(
    {"context": {"num_cpus": 2, "caches": [{"level": 1}, {"level": 2}]},
     "benchmarks": [], "ok": true, "none": null, "b": false,
     "x": -1.5e-3, "zero": 0, "big": 12345678901234})",
                                          "t.json");
  ASSERT_THAT(v, IsOk());
  ASSERT_TRUE(v->is_object());
  ASSERT_EQ(v->object().size(), 8u);
  EXPECT_EQ(v->object()[0].first, "context");
  EXPECT_EQ(v->object()[7].first, "big");
  const JsonValue* caches = v->Find("context")->Find("caches");
  ASSERT_NE(caches, nullptr);
  ASSERT_TRUE(caches->is_array());
  EXPECT_EQ(caches->array()[1].Find("level")->number(), 2.0);
  EXPECT_TRUE(v->Find("benchmarks")->array().empty());
  EXPECT_TRUE(v->Find("ok")->boolean());
  EXPECT_TRUE(v->Find("none")->is_null());
  EXPECT_FALSE(v->Find("b")->boolean());
  EXPECT_DOUBLE_EQ(v->Find("x")->number(), -1.5e-3);
  EXPECT_EQ(v->Find("big")->number(), 12345678901234.0);
  EXPECT_EQ(v->Find("missing"), nullptr);
  EXPECT_EQ(v->Find("x")->Find("anything"), nullptr);  // not an object
}

TEST(JsonTest, StringEscapes) {
  absl::StatusOr<JsonValue> v =
      ParseJson(R"(["a\"b\\c\/d\n\t\u00e9\ud83d\ude00", "\b\f\r"])", "t.json");
  ASSERT_THAT(v, IsOk());
  EXPECT_EQ(v->array()[0].string(), "a\"b\\c/d\n\t\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_EQ(v->array()[1].string(), "\b\f\r");
}

TEST(JsonTest, GoogleBenchmarkNonFiniteWords) {
  absl::StatusOr<JsonValue> v = ParseJson("[NaN, Infinity, -Infinity, 1e999]", "t.json");
  ASSERT_THAT(v, IsOk());
  EXPECT_TRUE(std::isnan(v->array()[0].number()));
  EXPECT_EQ(v->array()[1].number(), INFINITY);
  EXPECT_EQ(v->array()[2].number(), -INFINITY);
  EXPECT_EQ(v->array()[3].number(), INFINITY);
}

TEST(JsonTest, OffsetsPointAtValues) {
  absl::StatusOr<JsonValue> v = ParseJson("{\n  \"a\": [10]}", "t.json");
  ASSERT_THAT(v, IsOk());
  EXPECT_EQ(v->Find("a")->offset(), 9u);
  EXPECT_EQ(JsonPosition("{\n  \"a\": [10]}", 9), "offset 9 (line 2, column 8)");
}

struct Bad {
  const char* text;
  const char* message;
};

class MalformedTest : public ::testing::TestWithParam<Bad> {};

TEST_P(MalformedTest, NamesOriginOffsetAndProblem) {
  EXPECT_THAT(ParseJson(GetParam().text, "dir/bad.json"),
              StatusIs(kInvalid, AllOf(HasSubstr("dir/bad.json: offset "),
                                       HasSubstr(GetParam().message))));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, MalformedTest,
    ::testing::Values(
        Bad{"", "offset 0 (line 1, column 1): expected a value, got the end of the text"},
        Bad{"{\"a\": tru}", "offset 6 (line 1, column 7): expected a value, got 't'"},
        Bad{"{\"a\": 1,}", "offset 8 (line 1, column 9): expected a string key"},
        Bad{"{\"a\" 1}", "expected ':' after the key \"a\", got '1'"},
        Bad{"{\"a\": 1 \"b\": 2}", "offset 8 (line 1, column 9): expected ',' or '}'"},
        Bad{"[1 2]", "expected ',' or ']' in the array, got '2'"},
        Bad{"[1,\n 2", "offset 6 (line 2, column 3): expected ',' or ']' in the array, "
                       "got the end of the text"},
        Bad{"\"abc", "offset 0 (line 1, column 1): unterminated string"},
        Bad{"\"a\tb\"", "control character byte 0x09 in a string"},
        Bad{"\"\\x\"", "unknown escape '\\x'"},
        Bad{"\"\\u12g4\"", "expected 4 hex digits after \\u"},
        Bad{"\"\\ud83d\"", "expected a low surrogate"},
        Bad{"\"\\ude00\"", "unpaired low surrogate"},
        Bad{"01", "offset 1 (line 1, column 2): expected the end of the text"},
        Bad{"-", "expected a digit in the number"},
        Bad{"1.", "expected a digit after '.'"},
        Bad{"1e+", "expected a digit in the exponent"},
        Bad{"{\"a\": 1, \"a\": 2}", "offset 9 (line 1, column 10): duplicate key \"a\""},
        Bad{"[1] x", "expected the end of the text after the value"},
        Bad{"\x01", "expected a value, got byte 0x01"}));

TEST(JsonTest, DepthIsLimited) {
  const std::string deep = std::string(65, '[') + std::string(65, ']');
  EXPECT_THAT(ParseJson(deep, "d.json"),
              StatusIs(kInvalid, HasSubstr("offset 64 (line 1, column 65): nested deeper than 64")));
  const std::string ok = std::string(64, '[') + std::string(64, ']');
  EXPECT_THAT(ParseJson(ok, "d.json"), IsOk());
}

}  // namespace
}  // namespace perfmodel::bench
