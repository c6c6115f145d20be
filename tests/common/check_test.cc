// SLOTSIM_CHECK and SLOTSIM_CHECK_op: on in every build type, silent and cheap when they hold,
// and a one-line message naming file, line, condition and why when they fail.
#ifndef NDEBUG
#define NDEBUG  // every build type defines it; the checks must not care
#endif
#include "common/check.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace slotsim {
namespace {

class CheckTest : public ::testing::Test {
 protected:
  // Counts how often a check's message or operands are evaluated.
  int Count(int value) {
    ++evaluations_;
    return value;
  }

  int evaluations_ = 0;
};
using CheckDeathTest = CheckTest;

TEST_F(CheckTest, PassingCheckEvaluatesNoMessage) {
  SLOTSIM_CHECK(Count(1) == 1) << "message " << Count(2);
  EXPECT_EQ(evaluations_, 1);  // the condition, never the message
}

TEST_F(CheckTest, PassingCheckOpEvaluatesEachOperandOnce) {
  SLOTSIM_CHECK_LT(Count(1), Count(2)) << "message " << Count(3);
  SLOTSIM_CHECK_EQ(Count(4), 4);
  SLOTSIM_CHECK_NE(Count(4), 5);
  SLOTSIM_CHECK_LE(Count(4), 4);
  SLOTSIM_CHECK_GE(Count(4), 4);
  SLOTSIM_CHECK_GT(Count(5), 4);
  EXPECT_EQ(evaluations_, 7);
}

TEST_F(CheckTest, ChecksAreSingleStatementsInUnbracedIfElse) {
  bool took_else = false;
  if (evaluations_ > 0)
    SLOTSIM_CHECK(false) << "not reached";
  else
    took_else = true;
  EXPECT_TRUE(took_else);
  took_else = false;
  if (evaluations_ > 0)
    SLOTSIM_CHECK_EQ(1, 2) << "not reached";
  else
    took_else = true;
  EXPECT_TRUE(took_else);
}

TEST_F(CheckDeathTest, FailingCheckPrintsFileLineConditionAndMessage) {
  EXPECT_DEATH(SLOTSIM_CHECK(Count(1) + 1 == 3) << "arithmetic is " << 2 << " not 3",
               "check_test\\.cc:[0-9]+: check failed: Count\\(1\\) \\+ 1 == 3: arithmetic is 2 "
               "not 3\n");
}

TEST_F(CheckDeathTest, FailingCheckWithoutMessageEndsAtTheCondition) {
  EXPECT_DEATH(SLOTSIM_CHECK(evaluations_ > 0), "check failed: evaluations_ > 0\n");
}

TEST_F(CheckDeathTest, FailingCheckOpPrintsBothValues) {
  const std::string name = "poll";
  EXPECT_DEATH(SLOTSIM_CHECK_LT(Count(7), 3) << "slot out of range",
               "check_test\\.cc:[0-9]+: check failed: Count\\(7\\) < 3 \\(7 vs\\. 3\\): slot out "
               "of range");
  EXPECT_DEATH(SLOTSIM_CHECK_EQ(name, std::string("select")),
               "check failed: name == std::string\\(\"select\"\\) \\(poll vs\\. select\\)");
}

TEST_F(CheckDeathTest, FailingCheckOpOnUnprintableValuesStillNamesThem) {
  const std::chrono::steady_clock::time_point t{};
  EXPECT_DEATH(SLOTSIM_CHECK_GT(t, t),
               "check failed: t > t \\(<unprintable> vs\\. <unprintable>\\)");
}

}  // namespace
}  // namespace slotsim
