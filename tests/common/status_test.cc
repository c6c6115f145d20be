// Status, StatusOr and the SLOTSIM_RETURN_IF_ERROR / SLOTSIM_ASSIGN_OR_RETURN macros.
#include "common/status.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace slotsim {
namespace {

class StatusTest : public ::testing::Test {
 protected:
  static StatusOr<int> Half(int x) {
    if (x % 2 != 0) return Status::InvalidArgument("odd: " + std::to_string(x));
    return x / 2;
  }

  // Halves twice through the macros; `steps` counts how far it got.
  static StatusOr<int> Quarter(int x, int& steps) {
    SLOTSIM_ASSIGN_OR_RETURN(int half, Half(x));
    ++steps;
    SLOTSIM_ASSIGN_OR_RETURN(const int quarter, Half(half));
    ++steps;
    return quarter;
  }

  static Status CheckPositive(int x) {
    return x > 0 ? Status::Ok() : Status::InvalidArgument("not positive");
  }

  static Status CheckAll(const std::vector<int>& xs, int& checked) {
    for (int x : xs) {
      SLOTSIM_RETURN_IF_ERROR(CheckPositive(x));
      ++checked;
    }
    return Status::Ok();
  }
};

TEST_F(StatusTest, DefaultIsOk) {
  Status st;
  EXPECT_TRUE(st.ok());
  EXPECT_EQ(st.code(), Code::kOk);
  EXPECT_EQ(st.ToString(), "OK");
  EXPECT_EQ(st, Status::Ok());
}

TEST_F(StatusTest, FactoriesSetCodeAndMessage) {
  const struct {
    Status st;
    Code code;
    std::string_view name;
  } cases[] = {
      {Status::SlotHeld(), Code::kSlotHeld, "SlotHeld"},
      {Status::SlotBooked(), Code::kSlotBooked, "SlotBooked"},
      {Status::SlotTaken(), Code::kSlotTaken, "SlotTaken"},
      {Status::NotHolder("m"), Code::kNotHolder, "NotHolder"},
      {Status::NotFound("m"), Code::kNotFound, "NotFound"},
      {Status::Unavailable("m"), Code::kUnavailable, "Unavailable"},
      {Status::Timeout("m"), Code::kTimeout, "Timeout"},
      {Status::InvalidArgument("m"), Code::kInvalidArgument, "InvalidArgument"},
      {Status::Unimplemented("m"), Code::kUnimplemented, "Unimplemented"},
      {Status::Internal("m"), Code::kInternal, "Internal"},
      {Status::MalformedAnswer("m"), Code::kMalformedAnswer, "MalformedAnswer"},
  };
  for (const auto& c : cases) {
    EXPECT_FALSE(c.st.ok());
    EXPECT_EQ(c.st.code(), c.code);
    EXPECT_EQ(CodeName(c.code), c.name);
    EXPECT_FALSE(c.st.message().empty());
    EXPECT_EQ(c.st.ToString(), std::string(c.name) + ": " + c.st.message());
  }
  EXPECT_EQ(CodeName(Code::kOk), "OK");
}

TEST_F(StatusTest, ToStringOmitsAnEmptyMessage) {
  EXPECT_EQ(Status(Code::kTimeout, "").ToString(), "Timeout");
  EXPECT_EQ(Status::SlotHeld().ToString(), "SlotHeld: slot is held by another client");
}

TEST_F(StatusTest, OnlyUnavailableAndTimeoutAreBackendFailures) {
  EXPECT_TRUE(Status::Unavailable("x").IsBackendFailure());
  EXPECT_TRUE(Status::Timeout("x").IsBackendFailure());
  EXPECT_FALSE(Status::Ok().IsBackendFailure());
  EXPECT_FALSE(Status::SlotHeld().IsBackendFailure());
  EXPECT_FALSE(Status::Internal("x").IsBackendFailure());
  EXPECT_FALSE(Status::InvalidArgument("x").IsBackendFailure());
}

TEST_F(StatusTest, EqualityComparesCodeAndMessage) {
  EXPECT_EQ(Status::NotFound("a"), Status::NotFound("a"));
  EXPECT_FALSE(Status::NotFound("a") == Status::NotFound("b"));
  EXPECT_FALSE(Status::NotFound("a") == Status::Internal("a"));
}

TEST_F(StatusTest, StatusOrHoldsAValue) {
  StatusOr<std::string> s(std::string("hello"));
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s.status().ok());
  EXPECT_EQ(s.value(), "hello");
  EXPECT_EQ(*s, "hello");
  EXPECT_EQ(s->size(), 5u);
  s->append("!");
  EXPECT_EQ(*s, "hello!");
}

TEST_F(StatusTest, StatusOrHoldsAnError) {
  StatusOr<int> s = Status::NotFound("no booking 7");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::kNotFound);
  EXPECT_EQ(s.status().message(), "no booking 7");
}

TEST_F(StatusTest, StatusOrMovesMoveOnlyValuesOut) {
  StatusOr<std::unique_ptr<int>> s(std::make_unique<int>(7));
  ASSERT_TRUE(s.ok());
  std::unique_ptr<int> p = std::move(s).value();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 7);
}

TEST_F(StatusTest, IgnoreErrorDropsAStatusOnPurpose) {
  Status::NotFound("no booking 7").IgnoreError("the test drops it on purpose");
  Half(3).status().IgnoreError("a StatusOr's error is dropped through its status");
}

using StatusDeathTest = StatusTest;

TEST_F(StatusDeathTest, ValueOfAnErrorAbortsWithTheStatus) {
  StatusOr<int> s = Status::NotFound("no booking 7");
  EXPECT_DEATH(s.value(),
               "check failed: ok\\(\\): StatusOr::value\\(\\) of an error: NotFound: no "
               "booking 7");
  EXPECT_DEATH(*s, "StatusOr::value\\(\\) of an error: NotFound: no booking 7");
  const StatusOr<std::string> c = Status::Timeout("redis");
  EXPECT_DEATH(c->size(), "StatusOr::value\\(\\) of an error: Timeout: redis");
  EXPECT_DEATH(std::move(s).value(), "StatusOr::value\\(\\) of an error: NotFound");
}

TEST_F(StatusDeathTest, StatusOrOfAnOkStatusAborts) {
  EXPECT_DEATH(StatusOr<int>{Status::Ok()}.ok(),
               "check failed: !status_.ok\\(\\): StatusOr built from an OK status");
}

TEST_F(StatusTest, AssignOrReturnPassesValuesThrough) {
  int steps = 0;
  auto q = Quarter(20, steps);
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(*q, 5);
  EXPECT_EQ(steps, 2);
}

TEST_F(StatusTest, AssignOrReturnReturnsTheFirstError) {
  int steps = 0;
  auto q = Quarter(7, steps);
  EXPECT_EQ(q.status(), Status::InvalidArgument("odd: 7"));
  EXPECT_EQ(steps, 0);
  steps = 0;
  q = Quarter(10, steps);  // 10 -> 5, then 5 is odd
  EXPECT_EQ(q.status(), Status::InvalidArgument("odd: 5"));
  EXPECT_EQ(steps, 1);
}

TEST_F(StatusTest, ReturnIfErrorStopsAtTheFirstError) {
  int checked = 0;
  EXPECT_TRUE(CheckAll({1, 2, 3}, checked).ok());
  EXPECT_EQ(checked, 3);
  checked = 0;
  const Status st = CheckAll({1, 2, -1, 4}, checked);
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_EQ(st.message(), "not positive");
  EXPECT_EQ(checked, 2);
}

}  // namespace
}  // namespace slotsim
