// Tests for report/sla_report.h: the seed's two decode rows in all four formats
// (full golden text and JSON, parsed CSV/markdown/JSON values checked against
// perfmodel/sla.h), prefill rows, the seed default read from the data files,
// and every bad value naming its field. (Which flags combine is //tools:sla's
// and held by tools/sla_e2e_test.sh.)

#include "report/sla_report.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "perfmodel/sla.h"
#include "perfmodel/testing/matchers.h"
#include "perfmodel/units.h"
#include "report/render.h"

namespace perfmodel {
namespace {

using ::perfmodel::testing::IsOk;
using ::perfmodel::testing::StatusIs;
using render::Format;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// The seed's two rows (shared/seed/DIGEST.md section 1) as queries.
DecodeQuery SeedTarget() {
  return DecodeQuery{.input = DecodeInput::kMachineTps,
                     .value = 11520,
                     .dp = 8,
                     .batch_per_dp = 24,
                     .accept = 2.3};
}
DecodeQuery SeedMeasured() {
  return DecodeQuery{
      .input = DecodeInput::kForwardMs, .value = 28.5, .dp = 8, .batch_per_dp = 24, .accept = 2.3};
}
SlaQuery SeedTargetFlags() { return SlaQuery{.decode = SeedTarget()}; }
SlaQuery SeedMeasuredFlags() { return SlaQuery{.decode = SeedMeasured()}; }

std::string RenderFlags(const SlaQuery& query, Format f) {
  absl::StatusOr<render::Document> doc = SlaDocument(query);
  EXPECT_THAT(doc, IsOk());
  if (!doc.ok()) return "";
  EXPECT_THAT(render::CheckDocument(*doc), IsOk());
  return render::Render(*doc, f);
}

// ParseJson() parses with protobuf's JSON parser, so invalid JSON fails here.
google::protobuf::Struct ParseJson(const std::string& json) {
  google::protobuf::Struct s;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &s);
  EXPECT_TRUE(status.ok()) << status << "\n" << json;
  return s;
}

double Number(const google::protobuf::Struct& s, const std::string& key) {
  const auto it = s.fields().find(key);
  if (it == s.fields().end()) {
    ADD_FAILURE() << "no key " << key;
    return std::nan("");
  }
  return it->second.number_value();
}

// ParseCsv() reads a one-record CSV block (no quoting needed here): key -> value.
std::map<std::string, std::string> ParseCsv(const std::string& csv) {
  std::vector<std::string> lines = absl::StrSplit(csv, '\n', absl::SkipEmpty());
  EXPECT_EQ(lines.size(), 2u) << csv;
  std::map<std::string, std::string> m;
  if (lines.size() != 2) return m;
  std::vector<std::string> keys = absl::StrSplit(lines[0], ',');
  std::vector<std::string> values = absl::StrSplit(lines[1], ',');
  EXPECT_EQ(keys.size(), values.size());
  for (size_t i = 0; i < keys.size() && i < values.size(); ++i) m[keys[i]] = values[i];
  return m;
}

// ParseMarkdown() reads the "| key | value | note |" rows of a record table.
std::map<std::string, std::string> ParseMarkdown(const std::string& md) {
  std::map<std::string, std::string> m;
  for (absl::string_view line : absl::StrSplit(md, '\n')) {
    if (!absl::ConsumePrefix(&line, "| ") || !absl::ConsumeSuffix(&line, " |")) continue;
    std::vector<std::string> cells = absl::StrSplit(line, " | ");
    if (cells.size() >= 2 && cells[0] != "key" && cells[0] != ":--") m[cells[0]] = cells[1];
  }
  return m;
}

const std::vector<std::string> kDecodeKeys = {
    "direction",  "machine_output_tps", "user_output_tps",
    "tpot_ms",    "forward_ms",         "host_gap_ms",
    "dp",         "batch_per_dp",       "accepted_tokens_per_step",
    "concurrency"};

TEST(SlaDocumentTest, SeedTargetRowText) {
  EXPECT_EQ(
      RenderFlags(SeedTargetFlags(), Format::kText),
      "Decode SLA budget for a target\n"
      "  direction                 target  budgets that meet a target rate\n"
      "  machine_output_tps         11520  tokens/s summed over the machine's 192 users; rounded "
      "to whole tokens/s from unrounded values\n"
      "  user_output_tps            60.00  tokens/s one user sees\n"
      "  tpot_ms                    16.67  time per output token = (forward + host gap) / "
      "accepted\n"
      "  forward_ms                 38.33  forward budget = accepted x TPOT - host gap\n"
      "  host_gap_ms                 0.00  idle between forwards; counts in TPOT\n"
      "  dp                             8  attention data-parallel ranks per machine\n"
      "  batch_per_dp                  24  concurrent requests per DP rank\n"
      "  accepted_tokens_per_step    2.30  tokens emitted per request per forward (1 without MTP)\n"
      "  concurrency                  192  dp x batch_per_dp\n");
}

TEST(SlaDocumentTest, SeedTargetRowJson) {
  const std::string json = RenderFlags(SeedTargetFlags(), Format::kJson);
  EXPECT_EQ(json,
            "{\n"
            "  \"direction\": \"target\",\n"
            "  \"machine_output_tps\": 11520,\n"
            "  \"user_output_tps\": 60.00,\n"
            "  \"tpot_ms\": 16.67,\n"
            "  \"forward_ms\": 38.33,\n"
            "  \"host_gap_ms\": 0.00,\n"
            "  \"dp\": 8,\n"
            "  \"batch_per_dp\": 24,\n"
            "  \"accepted_tokens_per_step\": 2.30,\n"
            "  \"concurrency\": 192\n"
            "}\n");
  const google::protobuf::Struct s = ParseJson(json);
  EXPECT_EQ(s.fields().size(), kDecodeKeys.size());
  EXPECT_EQ(s.fields().at("direction").string_value(), "target");
  // The printed figures are sla.h's, rounded to the printed decimals.
  const DecodeSla sla = DecodeFromMachineTps(
      TokensPerSec(11520), {.dp = 8, .batch_per_dp = 24, .accepted_tokens_per_step = 2.3});
  EXPECT_NEAR(Number(s, "user_output_tps"), ToTokensPerSecond(sla.user_output_tps), 0.005);
  EXPECT_NEAR(Number(s, "tpot_ms"), ToMilliseconds(sla.tpot), 0.005);
  EXPECT_NEAR(Number(s, "forward_ms"), ToMilliseconds(sla.forward), 0.005);
  EXPECT_EQ(Number(s, "concurrency"), 192);
}

TEST(SlaDocumentTest, SeedMeasuredRowText) {
  EXPECT_EQ(
      RenderFlags(SeedMeasuredFlags(), Format::kText),
      "Decode SLA achieved by a forward time\n"
      "  direction                 measured  what a forward time achieves\n"
      "  machine_output_tps           15495  tokens/s summed over the machine's 192 users; "
      "rounded to whole tokens/s from unrounded values\n"
      "  user_output_tps              80.70  tokens/s one user sees\n"
      "  tpot_ms                      12.39  time per output token = (forward + host gap) / "
      "accepted\n"
      "  forward_ms                   28.50  one forward pass, as given\n"
      "  host_gap_ms                   0.00  idle between forwards; counts in TPOT\n"
      "  dp                               8  attention data-parallel ranks per machine\n"
      "  batch_per_dp                    24  concurrent requests per DP rank\n"
      "  accepted_tokens_per_step      2.30  tokens emitted per request per forward (1 without "
      "MTP)\n"
      "  concurrency                    192  dp x batch_per_dp\n");
}

TEST(SlaDocumentTest, SeedMeasuredRowJson) {
  // 15494.7 machine tokens/s prints as 15495; the seed's 15496 rounded TPOT first.
  const std::string json = RenderFlags(SeedMeasuredFlags(), Format::kJson);
  EXPECT_EQ(json,
            "{\n"
            "  \"direction\": \"measured\",\n"
            "  \"machine_output_tps\": 15495,\n"
            "  \"user_output_tps\": 80.70,\n"
            "  \"tpot_ms\": 12.39,\n"
            "  \"forward_ms\": 28.50,\n"
            "  \"host_gap_ms\": 0.00,\n"
            "  \"dp\": 8,\n"
            "  \"batch_per_dp\": 24,\n"
            "  \"accepted_tokens_per_step\": 2.30,\n"
            "  \"concurrency\": 192\n"
            "}\n");
  const google::protobuf::Struct s = ParseJson(json);
  const DecodeSla sla = DecodeFromForward(
      Milliseconds(28.5), {.dp = 8, .batch_per_dp = 24, .accepted_tokens_per_step = 2.3});
  EXPECT_NEAR(Number(s, "machine_output_tps"), ToTokensPerSecond(sla.machine_output_tps), 0.5);
  EXPECT_NEAR(Number(s, "user_output_tps"), ToTokensPerSecond(sla.user_output_tps), 0.005);
  EXPECT_NEAR(Number(s, "tpot_ms"), ToMilliseconds(sla.tpot), 0.005);
}

TEST(SlaDocumentTest, SeedRowsCsvAndMarkdownCarryTheSameFigures) {
  const std::map<std::string, std::string> target = {{"direction", "target"},
                                                     {"machine_output_tps", "11520"},
                                                     {"user_output_tps", "60.00"},
                                                     {"tpot_ms", "16.67"},
                                                     {"forward_ms", "38.33"},
                                                     {"host_gap_ms", "0.00"},
                                                     {"dp", "8"},
                                                     {"batch_per_dp", "24"},
                                                     {"accepted_tokens_per_step", "2.30"},
                                                     {"concurrency", "192"}};
  const std::map<std::string, std::string> measured = {{"direction", "measured"},
                                                       {"machine_output_tps", "15495"},
                                                       {"user_output_tps", "80.70"},
                                                       {"tpot_ms", "12.39"},
                                                       {"forward_ms", "28.50"},
                                                       {"host_gap_ms", "0.00"},
                                                       {"dp", "8"},
                                                       {"batch_per_dp", "24"},
                                                       {"accepted_tokens_per_step", "2.30"},
                                                       {"concurrency", "192"}};
  EXPECT_EQ(ParseCsv(RenderFlags(SeedTargetFlags(), Format::kCsv)), target);
  EXPECT_EQ(ParseCsv(RenderFlags(SeedMeasuredFlags(), Format::kCsv)), measured);
  EXPECT_EQ(ParseMarkdown(RenderFlags(SeedTargetFlags(), Format::kMarkdown)), target);
  EXPECT_EQ(ParseMarkdown(RenderFlags(SeedMeasuredFlags(), Format::kMarkdown)), measured);

  // CSV keeps the key order of JSON.
  const std::string csv = RenderFlags(SeedTargetFlags(), Format::kCsv);
  EXPECT_THAT(csv, StartsWith(absl::StrJoin(kDecodeKeys, ",") + "\n"));
  // Markdown starts with the title heading.
  EXPECT_THAT(RenderFlags(SeedTargetFlags(), Format::kMarkdown),
              StartsWith("## Decode SLA budget for a target\n\n| key | value | note |\n"));
}

TEST(SlaDocumentTest, OtherTargetsGiveTheSameRow) {
  // 60 tokens/s per user and a 1000/60 ms TPOT are the same target as 11520 on 192 users.
  const std::string from_machine = RenderFlags(SeedTargetFlags(), Format::kJson);
  SlaQuery user = SeedTargetFlags();
  user.decode->input = DecodeInput::kUserTps;
  user.decode->value = 60;
  SlaQuery tpot = SeedTargetFlags();
  tpot.decode->input = DecodeInput::kTpotMs;
  tpot.decode->value = 1000.0 / 60.0;
  EXPECT_EQ(RenderFlags(user, Format::kJson), from_machine);
  EXPECT_EQ(RenderFlags(tpot, Format::kJson), from_machine);
}

TEST(SlaDocumentTest, HostGapCountsInTpotAndEatsTheBudget) {
  SlaQuery measured = SeedMeasuredFlags();
  measured.decode->host_gap_ms = 1.3;
  const google::protobuf::Struct m = ParseJson(RenderFlags(measured, Format::kJson));
  EXPECT_NEAR(Number(m, "tpot_ms"), (28.5 + 1.3) / 2.3, 0.005);
  EXPECT_NEAR(Number(m, "host_gap_ms"), 1.3, 1e-12);
  SlaQuery target = SeedTargetFlags();
  target.decode->host_gap_ms = 1.3;
  const google::protobuf::Struct t = ParseJson(RenderFlags(target, Format::kJson));
  EXPECT_NEAR(Number(t, "forward_ms"), 2.3 * 1000.0 / 60.0 - 1.3, 0.005);
}

TEST(SlaDocumentTest, AcceptDefaultsToOne) {
  SlaQuery f{.decode = DecodeQuery{
                 .input = DecodeInput::kForwardMs, .value = 20, .dp = 2, .batch_per_dp = 4}};
  const google::protobuf::Struct s = ParseJson(RenderFlags(f, Format::kJson));
  EXPECT_EQ(Number(s, "accepted_tokens_per_step"), 1.0);
  EXPECT_EQ(Number(s, "tpot_ms"), 20.0);
  EXPECT_EQ(Number(s, "machine_output_tps"), 400.0);  // 50 tokens/s x 8 users
}

TEST(SlaDocumentTest, PrefillTargetFromTtft) {
  SlaQuery f{.prefill = PrefillQuery{.input = PrefillInput::kTtftMs,
                                     .value_ms = 1000,
                                     .prompt_tokens = 4096,
                                     .dp = 8,
                                     .batch_per_dp = 2,
                                     .prefill_host_gap_ms = 100}};
  const std::string json = RenderFlags(f, Format::kJson);
  EXPECT_EQ(json,
            "{\n"
            "  \"direction\": \"target\",\n"
            "  \"ttft_ms\": 1000.00,\n"
            "  \"prefill_forward_ms\": 900.00,\n"
            "  \"prefill_host_gap_ms\": 100.00,\n"
            "  \"prompt_tokens\": 4096,\n"
            "  \"dp\": 8,\n"
            "  \"batch_per_dp\": 2,\n"
            "  \"rank_prefill_tps\": 9102,\n"
            "  \"machine_prefill_tps\": 72818\n"
            "}\n");
  const google::protobuf::Struct s = ParseJson(json);
  // 2 prompts x 4096 tokens in a 0.9 s forward, on each of 8 ranks.
  EXPECT_NEAR(Number(s, "rank_prefill_tps"), 2 * 4096 / 0.9, 0.5);
  EXPECT_NEAR(Number(s, "machine_prefill_tps"), 8 * 2 * 4096 / 0.9, 0.5);
}

TEST(SlaDocumentTest, PrefillMeasuredFromForward) {
  SlaQuery f{.prefill = PrefillQuery{.input = PrefillInput::kPrefillForwardMs,
                                     .value_ms = 500,
                                     .prompt_tokens = 4096,
                                     .dp = 8,
                                     .batch_per_dp = 2,
                                     .prefill_host_gap_ms = 20}};
  const std::map<std::string, std::string> csv = ParseCsv(RenderFlags(f, Format::kCsv));
  EXPECT_EQ(csv.at("direction"), "measured");
  EXPECT_EQ(csv.at("ttft_ms"), "520.00");
  EXPECT_EQ(csv.at("rank_prefill_tps"), "16384");
  EXPECT_EQ(csv.at("machine_prefill_tps"), "131072");
}

TEST(SlaDocumentTest, DecodeAndPrefillTogetherAreTwoSections) {
  SlaQuery f = SeedMeasuredFlags();
  f.prefill = PrefillQuery{.input = PrefillInput::kTtftMs,
                           .value_ms = 1000,
                           .prompt_tokens = 1024,
                           .dp = 8,
                           .batch_per_dp = 24};
  const google::protobuf::Struct s = ParseJson(RenderFlags(f, Format::kJson));
  ASSERT_TRUE(s.fields().count("decode") == 1);
  ASSERT_TRUE(s.fields().count("prefill") == 1);
  EXPECT_EQ(s.fields().at("decode").struct_value().fields().at("tpot_ms").number_value(), 12.39);
  EXPECT_EQ(s.fields().at("prefill").struct_value().fields().at("ttft_ms").number_value(), 1000);
  // CSV: two blocks separated by one blank line.
  const std::vector<std::string> blocks = absl::StrSplit(RenderFlags(f, Format::kCsv), "\n\n");
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_THAT(blocks[1], StartsWith("direction,ttft_ms,prefill_forward_ms,"));
}

TEST(SeedDocumentTest, BothSeedRowsFromTheDataFiles) {
  absl::StatusOr<render::Document> doc = SeedDocument({});
  ASSERT_THAT(doc, IsOk());
  EXPECT_THAT(render::CheckDocument(*doc), IsOk());
  const google::protobuf::Struct s = ParseJson(render::Render(*doc, Format::kJson));
  ASSERT_EQ(s.fields().size(), 2u);
  // The files give the same rows as the flags.
  const google::protobuf::Struct target = ParseJson(RenderFlags(SeedTargetFlags(), Format::kJson));
  const google::protobuf::Struct measured =
      ParseJson(RenderFlags(SeedMeasuredFlags(), Format::kJson));
  EXPECT_EQ(s.fields().at("target").struct_value().DebugString(), target.DebugString());
  EXPECT_EQ(s.fields().at("measured").struct_value().DebugString(), measured.DebugString());

  const std::string text = render::Render(*doc, Format::kText);
  EXPECT_THAT(text, HasSubstr("Seed target row (deployments/seed_sla.textproto"));
  EXPECT_THAT(text, HasSubstr("Seed measured row (baselines/seed_measured.textproto)"));
  EXPECT_THAT(text, HasSubstr("rerun with --host_gap_ms=1.3"));
}

TEST(SeedDocumentTest, MissingFileIsNamed) {
  SeedFiles seed;
  seed.baseline = "baselines/no_such_file.textproto";
  EXPECT_THAT(SeedDocument(seed),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("baselines/no_such_file.textproto")));
  seed = SeedFiles{};
  seed.sla_targets = "baselines/seed_measured.textproto";  // not an SlaTargets
  EXPECT_THAT(SeedDocument(seed), StatusIs(absl::StatusCode::kInvalidArgument,
                                           HasSubstr("baselines/seed_measured.textproto")));
}

// Each bad value and the start of its message, which names the field.
struct BadCase {
  const char* what;
  SlaQuery query;
  const char* message;
};

SlaQuery Decode(void (*edit)(DecodeQuery&)) {
  DecodeQuery q = SeedTarget();
  edit(q);
  return SlaQuery{.decode = q};
}

SlaQuery Prefill(void (*edit)(PrefillQuery&)) {
  PrefillQuery q{.input = PrefillInput::kTtftMs,
                 .value_ms = 1000,
                 .prompt_tokens = 4096,
                 .dp = 8,
                 .batch_per_dp = 2};
  edit(q);
  return SlaQuery{.prefill = q};
}

class BadQueryTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadQueryTest, NamesTheField) {
  EXPECT_THAT(SlaDocument(GetParam().query),
              StatusIs(absl::StatusCode::kInvalidArgument, StartsWith(GetParam().message)));
}

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int64_t kBig = int64_t{1} << 40;

INSTANTIATE_TEST_SUITE_P(
    AllPaths, BadQueryTest,
    ::testing::Values(
        BadCase{"nothing", SlaQuery{}, "query: nothing to compute"},
        BadCase{"zero_rate", Decode([](DecodeQuery& q) { q.value = 0; }),
                "machine_tps: must be a positive finite number, got 0"},
        BadCase{"negative_rate", Decode([](DecodeQuery& q) { q.value = -5; }),
                "machine_tps: must be a positive finite number, got -5"},
        BadCase{"infinite_user_rate", Decode([](DecodeQuery& q) {
                  q.input = DecodeInput::kUserTps;
                  q.value = kInf;
                }),
                "user_tps: must be a positive finite number, got inf"},
        BadCase{"nan_tpot", Decode([](DecodeQuery& q) {
                  q.input = DecodeInput::kTpotMs;
                  q.value = std::nan("");
                }),
                "tpot_ms: must be a positive finite number"},
        BadCase{"zero_forward", Decode([](DecodeQuery& q) {
                  q.input = DecodeInput::kForwardMs;
                  q.value = 0;
                }),
                "forward_ms: must be a positive finite number, got 0"},
        BadCase{"zero_dp", Decode([](DecodeQuery& q) { q.dp = 0; }), "dp: must be >= 1, got 0"},
        BadCase{"negative_batch", Decode([](DecodeQuery& q) { q.batch_per_dp = -1; }),
                "batch_per_dp: must be >= 1, got -1"},
        BadCase{"zero_accept", Decode([](DecodeQuery& q) { q.accept = 0; }),
                "accept: must be > 0, got 0"},
        BadCase{"infinite_accept", Decode([](DecodeQuery& q) { q.accept = kInf; }),
                "accept: must be a positive finite number, got inf"},
        BadCase{"negative_gap", Decode([](DecodeQuery& q) { q.host_gap_ms = -1; }),
                "host_gap_ms: must be a finite number >= 0, got -1"},
        BadCase{"gap_exceeds_step", Decode([](DecodeQuery& q) { q.host_gap_ms = 40; }),
                "host_gap_ms: 40 ms leaves no forward budget in a step of 38.3333 ms"},
        BadCase{"concurrency_overflow", Decode([](DecodeQuery& q) {
                  q.dp = kBig;
                  q.batch_per_dp = kBig;
                }),
                "batch_per_dp: dp x batch_per_dp overflows int64"},
        BadCase{"zero_prompt", Prefill([](PrefillQuery& q) { q.prompt_tokens = 0; }),
                "prompt_tokens: must be >= 1, got 0"},
        BadCase{"zero_ttft", Prefill([](PrefillQuery& q) { q.value_ms = 0; }),
                "ttft_ms: must be a positive finite number, got 0"},
        BadCase{"negative_prefill_forward", Prefill([](PrefillQuery& q) {
                  q.input = PrefillInput::kPrefillForwardMs;
                  q.value_ms = -1;
                }),
                "prefill_forward_ms: must be a positive finite number, got -1"},
        BadCase{"negative_prefill_gap",
                Prefill([](PrefillQuery& q) { q.prefill_host_gap_ms = -2; }),
                "prefill_host_gap_ms: must be a finite number >= 0, got -2"},
        BadCase{"prefill_gap_exceeds_ttft",
                Prefill([](PrefillQuery& q) { q.prefill_host_gap_ms = 1000; }),
                "prefill_host_gap_ms: 1000 ms leaves no forward budget within ttft_ms 1000"},
        BadCase{"prefill_tokens_overflow", Prefill([](PrefillQuery& q) {
                  q.batch_per_dp = kBig;
                  q.prompt_tokens = kBig;
                }),
                "prompt_tokens: batch_per_dp x prompt_tokens overflows int64"}),
    [](const ::testing::TestParamInfo<BadCase>& info) { return std::string(info.param.what); });

}  // namespace
}  // namespace perfmodel
