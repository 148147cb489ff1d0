// Tests for report/render.h: each format's layout, escaping (CSV quoting, JSON
// string escapes, markdown pipes), number rounding, and the flag parser.

#include "report/render.h"

#include <cmath>
#include <limits>
#include <string>

#include "absl/flags/flag.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "perfmodel/testing/matchers.h"

ABSL_FLAG(perfmodel::render::Format, test_format, perfmodel::render::Format::kText,
          "a Format flag, to check AbslParseFlag/AbslUnparseFlag");

namespace perfmodel::render {
namespace {

using ::perfmodel::testing::IsOk;
using ::perfmodel::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

Record SlaRecord() {
  Record r{.name = "decode", .title = "Decode SLA"};
  r.Add("direction", "measured")
      .Add("tpot_ms", Value::Number(12.391304, 2), "time per output token")
      .Add("dp", 8);
  return r;
}

Table OpsTable() {
  Table t{.name = "ops", .title = "Ops", .columns = {"op", "time_us", "count"}};
  t.rows = {{"attention", Value::Number(150.0, 1), 58}, {"o_proj", Value::Number(32.25, 1), 58}};
  t.footer = {{"total", Value::Number(182.25, 1), Value()}};
  return t;
}

Document One(Section s) {
  Document d;
  d.sections.push_back(std::move(s));
  return d;
}

TEST(RenderTest, HeaderExample) {
  Record r{.name = "decode", .title = "Decode SLA"};
  r.Add("tpot_ms", Value::Number(12.3913, 2), "time per output token").Add("dp", 8);
  Document doc;
  doc.Add(r);
  EXPECT_EQ(Render(doc, Format::kJson), "{\n  \"tpot_ms\": 12.39,\n  \"dp\": 8\n}\n");
  EXPECT_EQ(Render(doc, Format::kCsv), "tpot_ms,dp\n12.39,8\n");
  EXPECT_EQ(Render(doc, Format::kText),
            "Decode SLA\n"
            "  tpot_ms  12.39  time per output token\n"
            "  dp           8\n");
}

TEST(FormatTest, ParsesEachName) {
  for (Format f : {Format::kText, Format::kMarkdown, Format::kCsv, Format::kJson}) {
    absl::StatusOr<Format> parsed = ParseFormat(FormatName(f));
    ASSERT_THAT(parsed, IsOk());
    EXPECT_EQ(*parsed, f);
  }
}

TEST(FormatTest, UnknownNameListsAllowedValues) {
  EXPECT_THAT(ParseFormat("xml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("\"xml\""), HasSubstr("text, markdown, csv, json"))));
  EXPECT_THAT(ParseFormat("JSON"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("JSON")));
}

TEST(FormatTest, WorksAsAbslFlag) {
  std::string error;
  Format f = Format::kText;
  EXPECT_TRUE(AbslParseFlag("csv", &f, &error));
  EXPECT_EQ(f, Format::kCsv);
  EXPECT_FALSE(AbslParseFlag("yaml", &f, &error));
  EXPECT_THAT(error, HasSubstr("yaml"));
  EXPECT_EQ(AbslUnparseFlag(Format::kMarkdown), "markdown");

  absl::SetFlag(&FLAGS_test_format, Format::kJson);
  EXPECT_EQ(absl::GetFlag(FLAGS_test_format), Format::kJson);
}

TEST(TextTest, RecordAlignsKeysAndValues) {
  EXPECT_EQ(Render(One(SlaRecord()), Format::kText),
            "Decode SLA\n"
            "  direction  measured\n"
            "  tpot_ms       12.39  time per output token\n"
            "  dp                8\n");
}

TEST(TextTest, TableRightAlignsNumbersAndRulesOffTheFooter) {
  EXPECT_EQ(Render(One(OpsTable()), Format::kText),
            "Ops\n"
            "op         time_us  count\n"
            "---------  -------  -----\n"
            "attention    150.0     58\n"
            "o_proj        32.2     58\n"
            "---------  -------  -----\n"
            "total        182.2\n");
}

TEST(TextTest, SectionsAreSeparatedByABlankLine) {
  Document d;
  d.Add(Record{.name = "a", .title = "", .fields = {{"x", 1, ""}}})
      .Add(Record{.name = "b", .title = "", .fields = {{"y", 2, ""}}});
  EXPECT_EQ(Render(d, Format::kText), "x  1\n\ny  2\n");
}

TEST(TextTest, ControlCharactersAreShownEscaped) {
  Record r;
  r.Add("k", "two\nlines");
  EXPECT_EQ(Render(One(r), Format::kText), "k  two\\nlines\n");
}

TEST(NumberTest, RoundsToTheChosenDecimals) {
  Record r;
  r.Add("a", Value::Number(15494.736, 0))
      .Add("b", Value::Number(2.0 / 3.0, 3))
      .Add("c", Value::Number(-0.001, 2))
      .Add("d", Value::Number(1.5, -4))
      .Add("e", Value::Number(std::numeric_limits<double>::infinity(), 2))
      .Add("f", Value::Number(std::nan(""), 2))
      .Add("g", int64_t{-7});
  EXPECT_EQ(Render(One(r), Format::kCsv), "a,b,c,d,e,f,g\n15495,0.667,0.00,2,inf,nan,-7\n");
  EXPECT_EQ(Render(One(r), Format::kJson),
            "{\n  \"a\": 15495,\n  \"b\": 0.667,\n  \"c\": 0.00,\n  \"d\": 2,\n"
            "  \"e\": null,\n  \"f\": null,\n  \"g\": -7\n}\n");
}

TEST(MarkdownTest, RecordIsAKeyValueTable) {
  EXPECT_EQ(Render(One(SlaRecord()), Format::kMarkdown),
            "## Decode SLA\n"
            "\n"
            "| key | value | note |\n"
            "| :-- | --: | :-- |\n"
            "| direction | measured |  |\n"
            "| tpot_ms | 12.39 | time per output token |\n"
            "| dp | 8 |  |\n");
}

TEST(MarkdownTest, TableWithBoldFooterAndEscapedPipes) {
  Table t = OpsTable();
  t.rows.push_back({"a|b\nc", Value::Number(1, 1), 1});
  EXPECT_EQ(Render(One(t), Format::kMarkdown),
            "## Ops\n"
            "\n"
            "| op | time_us | count |\n"
            "| :-- | --: | --: |\n"
            "| attention | 150.0 | 58 |\n"
            "| o_proj | 32.2 | 58 |\n"
            "| a\\|b<br>c | 1.0 | 1 |\n"
            "| **total** | **182.2** |  |\n");
}

TEST(CsvTest, OneSectionIsPlainCsv) {
  EXPECT_EQ(Render(One(SlaRecord()), Format::kCsv), "direction,tpot_ms,dp\nmeasured,12.39,8\n");
  EXPECT_EQ(Render(One(OpsTable()), Format::kCsv),
            "op,time_us,count\nattention,150.0,58\no_proj,32.2,58\ntotal,182.2,\n");
}

TEST(CsvTest, QuotesCommasQuotesAndNewlines) {
  Table t{.name = "t", .title = "", .columns = {"a,b", "c"}};
  t.rows = {{"say \"hi\"", "x\ny"}, {"plain", "cr\rhere"}};
  EXPECT_EQ(Render(One(t), Format::kCsv),
            "\"a,b\",c\n"
            "\"say \"\"hi\"\"\",\"x\ny\"\n"
            "plain,\"cr\rhere\"\n");
}

TEST(CsvTest, SectionsAreBlocksSeparatedByABlankLine) {
  Document d;
  d.Add(SlaRecord()).Add(OpsTable());
  EXPECT_EQ(Render(d, Format::kCsv),
            "direction,tpot_ms,dp\nmeasured,12.39,8\n"
            "\n"
            "op,time_us,count\nattention,150.0,58\no_proj,32.2,58\ntotal,182.2,\n");
}

TEST(JsonTest, OneRecordIsAFlatObject) {
  EXPECT_EQ(Render(One(SlaRecord()), Format::kJson),
            "{\n  \"direction\": \"measured\",\n  \"tpot_ms\": 12.39,\n  \"dp\": 8\n}\n");
}

TEST(JsonTest, OneTableIsAnArrayOfRowObjects) {
  Table t = OpsTable();
  t.footer.clear();
  EXPECT_EQ(Render(One(t), Format::kJson),
            "[\n"
            "  {\"op\": \"attention\", \"time_us\": 150.0, \"count\": 58},\n"
            "  {\"op\": \"o_proj\", \"time_us\": 32.2, \"count\": 58}\n"
            "]\n");
}

TEST(JsonTest, SeveralSectionsAreKeyedByName) {
  Document d;
  d.Add(SlaRecord()).Add(OpsTable());
  EXPECT_EQ(Render(d, Format::kJson),
            "{\n"
            "  \"decode\": {\n"
            "    \"direction\": \"measured\",\n"
            "    \"tpot_ms\": 12.39,\n"
            "    \"dp\": 8\n"
            "  },\n"
            "  \"ops\": [\n"
            "    {\"op\": \"attention\", \"time_us\": 150.0, \"count\": 58},\n"
            "    {\"op\": \"o_proj\", \"time_us\": 32.2, \"count\": 58}\n"
            "  ],\n"
            "  \"ops_footer\": [\n"
            "    {\"op\": \"total\", \"time_us\": 182.2, \"count\": null}\n"
            "  ]\n"
            "}\n");
}

TEST(JsonTest, EscapesQuotesBackslashesAndControlCharacters) {
  Record r;
  r.Add("q\"k", "a\"b\\c\n\t\r\b\f")
      .Add("ctl", std::string("x\x01y\x1f", 4))
      .Add("utf8", "\xc2\xb5s");
  EXPECT_EQ(Render(One(r), Format::kJson),
            "{\n"
            "  \"q\\\"k\": \"a\\\"b\\\\c\\n\\t\\r\\b\\f\",\n"
            "  \"ctl\": \"x\\u0001y\\u001F\",\n"  // RapidJSON's hex digits are upper case
            "  \"utf8\": \"\xc2\xb5s\"\n"
            "}\n");
}

TEST(JsonTest, MissingAndRepeatedSectionNamesAreMadeUnique) {
  Document d;
  d.Add(Record{.name = "", .title = "", .fields = {{"x", 1, ""}}})
      .Add(Record{.name = "r", .title = "", .fields = {}})
      .Add(Record{.name = "r", .title = "", .fields = {}});
  EXPECT_EQ(Render(d, Format::kJson),
            "{\n  \"section_1\": {\n    \"x\": 1\n  },\n  \"r\": {},\n  \"r_2\": {}\n}\n");
  EXPECT_THAT(CheckDocument(d), StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr("section name 1 is empty")));
}

TEST(RenderTest, EmptyDocument) {
  EXPECT_EQ(Render(Document{}, Format::kText), "");
  EXPECT_EQ(Render(Document{}, Format::kCsv), "");
  EXPECT_EQ(Render(Document{}, Format::kJson), "{}\n");
}

TEST(RenderTest, RaggedRowsArePaddedOrCutAndReported) {
  Table t{.name = "t", .title = "", .columns = {"a", "b"}};
  t.rows = {{1}, {1, 2, 3}};
  EXPECT_EQ(Render(One(t), Format::kCsv), "a,b\n1,\n1,2\n");
  EXPECT_THAT(CheckDocument(One(t)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("section \"t\": row 1 has 1 cells for 2 columns")));
}

TEST(CheckDocumentTest, NamesTheRepeatedKeyOrColumn) {
  Record r{.name = "rec", .title = "", .fields = {{"k", 1, ""}, {"k", 2, ""}}};
  EXPECT_THAT(CheckDocument(One(r)), StatusIs(absl::StatusCode::kInvalidArgument,
                                              HasSubstr("section \"rec\": key \"k\" appears twice")));
  Table t{.name = "", .title = "", .columns = {"a", ""}};
  EXPECT_THAT(CheckDocument(One(t)), StatusIs(absl::StatusCode::kInvalidArgument,
                                              HasSubstr("section 1: column 2 is empty")));
  Document ok;
  ok.Add(SlaRecord()).Add(OpsTable());
  EXPECT_THAT(CheckDocument(ok), IsOk());
}

}  // namespace
}  // namespace perfmodel::render
