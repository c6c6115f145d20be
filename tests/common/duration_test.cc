// ParseDuration / FormatDuration: every unit, compound and fractional forms, errors that name the
// text, and exact round trips.
#include "common/duration.h"

#include <gtest/gtest.h>

#include <string>

#include "common/random.h"

namespace slotsim {
namespace {

class DurationTest : public ::testing::Test {
 protected:
  static int64_t ParseUs(std::string_view text) {
    auto d = ParseDuration(text);
    EXPECT_TRUE(d.ok()) << text << ": " << d.status().ToString();
    return d.ok() ? d->count() : -1;
  }
};

TEST_F(DurationTest, ParsesEveryUnit) {
  EXPECT_EQ(ParseUs("7us"), 7);
  EXPECT_EQ(ParseUs("250ms"), 250'000);
  EXPECT_EQ(ParseUs("5s"), 5'000'000);
  EXPECT_EQ(ParseUs("10m"), 600'000'000);
  EXPECT_EQ(ParseUs("1h"), 3'600'000'000);
  EXPECT_EQ(ParseUs("2d"), 172'800'000'000);
}

TEST_F(DurationTest, ParsesCompoundForms) {
  EXPECT_EQ(ParseUs("1h30m"), 5'400'000'000);
  EXPECT_EQ(ParseUs("1m30s"), 90'000'000);
  EXPECT_EQ(ParseUs("1d2h3m4s5ms6us"), 93'784'005'006);
}

TEST_F(DurationTest, ParsesFractions) {
  EXPECT_EQ(ParseUs("1.5s"), 1'500'000);
  EXPECT_EQ(ParseUs("0.25ms"), 250);
  EXPECT_EQ(ParseUs(".5s"), 500'000);
  EXPECT_EQ(ParseUs("1.5h"), 5'400'000'000);
  EXPECT_EQ(ParseUs("0.1s"), 100'000);
}

TEST_F(DurationTest, TakesOneSpaceBetweenANumberAndItsUnit) {
  // The form thresholds take ("< 30 ms"), so one value syntax serves both.
  EXPECT_EQ(ParseUs("5 s"), 5'000'000);
  EXPECT_EQ(ParseUs("30 ms"), 30'000);
  EXPECT_EQ(ParseUs("1.5 s"), 1'500'000);
  EXPECT_EQ(ParseUs("1h30 m"), 5'400'000'000);
  EXPECT_EQ(ParseUs("0 s"), 0);
}

TEST_F(DurationTest, ParsesZero) {
  EXPECT_EQ(ParseUs("0"), 0);
  EXPECT_EQ(ParseUs("0s"), 0);
  EXPECT_EQ(ParseUs("0ms"), 0);
}

TEST_F(DurationTest, RejectsMalformedTextNamingIt) {
  const struct {
    std::string text;
    std::string why;
  } cases[] = {
      {"", "empty"},
      {"5", "missing unit after 5"},
      {"5x", "unknown unit \"x\""},
      {"5S", "unknown unit \"S\""},
      {"ms", "expected a number at \"ms\""},
      {"-5s", "expected a number at \"-5s\""},
      {"5s5", "missing unit after 5"},
      {"5  s", "missing unit after 5"},  // one space, no more
      {"5 ", "missing unit after 5"},
      {"5s ", "expected a number at \" \""},
      {"1h 30m", "expected a number at \" 30m\""},  // the space goes before a unit only
      {" 5s", "expected a number"},
      {"1..5s", "missing unit after 1."},
      {".s", "bad number \".\""},
      {"1h.m", "bad number \".\""},
      {std::string(400, '9') + "s", "too large"},
      {"99999999999d", "too large"},
  };
  for (const auto& c : cases) {
    auto d = ParseDuration(c.text);
    ASSERT_FALSE(d.ok()) << "accepted \"" << c.text << "\"";
    EXPECT_EQ(d.status().code(), Code::kInvalidArgument);
    const std::string& msg = d.status().message();
    EXPECT_NE(msg.find("\"" + c.text + "\""), std::string::npos) << msg;
    EXPECT_NE(msg.find(c.why), std::string::npos) << msg;
  }
}

TEST_F(DurationTest, FormatsShortAndExact) {
  EXPECT_EQ(FormatDuration(Micros(0)), "0s");
  EXPECT_EQ(FormatDuration(Micros(7)), "7us");
  EXPECT_EQ(FormatDuration(Micros(1500)), "1500us");
  EXPECT_EQ(FormatDuration(Micros(250'000)), "250ms");
  EXPECT_EQ(FormatDuration(Micros(5'000'000)), "5s");
  EXPECT_EQ(FormatDuration(Micros(1'500'000)), "1.5s");
  EXPECT_EQ(FormatDuration(Micros(600'000'000)), "10m");
  EXPECT_EQ(FormatDuration(Micros(5'400'000'000)), "1h30m");
  EXPECT_EQ(FormatDuration(Micros(3'723'000'000)), "1h2m3s");
  EXPECT_EQ(FormatDuration(Micros(120'250'000)), "2m0.25s");
  EXPECT_EQ(FormatDuration(Micros(-250'000)), "-250ms");
}

TEST_F(DurationTest, FormatThenParseRoundTrips) {
  const int64_t fixed[] = {1,
                           999,
                           1000,
                           1001,
                           999'999,
                           1'000'000,
                           1'000'001,
                           59'999'000,
                           60'000'000,
                           61'500'000,
                           90'061'001'000,
                           1'234'567'000,
                           3'600'000'000,
                           86'400'000'000,
                           1'000'000'500'000};
  for (int64_t us : fixed) {
    const std::string text = FormatDuration(Micros(us));
    EXPECT_EQ(ParseUs(text), us) << text;
  }
  Random rng(1);
  for (int i = 0; i < 2000; ++i) {
    // Whole ms, whole s and arbitrary µs values across up to ~3 years.
    const int64_t scale[] = {1, 1000, 1'000'000};
    const int64_t us =
        static_cast<int64_t>(rng.Uniform(100'000'000'000'000)) / scale[i % 3] * scale[i % 3];
    const std::string text = FormatDuration(Micros(us));
    ASSERT_EQ(ParseUs(text), us) << text;
  }
}

TEST_F(DurationTest, FormatsTheMostNegativeValue) {
  EXPECT_EQ(FormatDuration(Micros(INT64_MIN)), "-9223372036854775808us");
}

}  // namespace
}  // namespace slotsim
