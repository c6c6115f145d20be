// Status and StatusOr<T>: the error-return types used across slotsim instead of exceptions.
// Codes are domain codes (SlotHeld, SlotTaken, ...) plus the operating errors a backend can
// produce (Unavailable, Timeout). Backend client errors are mapped to these inside each store.
//
// Both types are [[nodiscard]]: a dropped Status is a warning (and the build has none). Where
// dropping an error is truly right, say why in code:
//   store.FlushForTest().IgnoreError("best-effort cleanup; the next test flushes again");
//   engine.Select(...).status().IgnoreError("...");  // for a StatusOr
// A programmer error (value() of an error) is a failed SLOTSIM_CHECK, not a Status.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/check.h"

namespace slotsim {

enum class Code {
  kOk = 0,
  kSlotHeld,         // another client holds the slot
  kSlotBooked,       // the slot has an active booking (select, poll)
  kSlotTaken,        // confirm or reschedule lost: the slot is booked
  kNotHolder,        // caller does not hold the slot / does not own the booking
  kNotFound,         // no such booking
  kUnavailable,      // a backend refused, dropped or answered with an error
  kTimeout,          // a backend call ran past its deadline
  kInvalidArgument,  // bad input; the message names the field
  kUnimplemented,    // the store does not support the call (e.g. bookings on RedisStore)
  kInternal,         // a broken invariant or unexpected backend answer
  // An answer that arrived and parsed but lacks what its protocol requires of it (a key, a
  // type): protocol/answer_rules.h. Always the last code (kCodeCount).
  kMalformedAnswer,
};
// The number of codes: kOk .. kMalformedAnswer.
inline constexpr int kCodeCount = static_cast<int>(Code::kMalformedAnswer) + 1;

// Returns the stable name of a code, e.g. "SlotHeld". Used in reports and tests.
std::string_view CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status SlotHeld(std::string m = "slot is held by another client") {
    return {Code::kSlotHeld, std::move(m)};
  }
  static Status SlotBooked(std::string m = "slot is booked") {
    return {Code::kSlotBooked, std::move(m)};
  }
  static Status SlotTaken(std::string m = "slot is taken") {
    return {Code::kSlotTaken, std::move(m)};
  }
  static Status NotHolder(std::string m) { return {Code::kNotHolder, std::move(m)}; }
  static Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
  static Status Timeout(std::string m) { return {Code::kTimeout, std::move(m)}; }
  static Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
  static Status Unimplemented(std::string m) { return {Code::kUnimplemented, std::move(m)}; }
  static Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }
  static Status MalformedAnswer(std::string m) { return {Code::kMalformedAnswer, std::move(m)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // True for errors that say the backend itself failed (not a domain answer).
  bool IsBackendFailure() const { return code_ == Code::kUnavailable || code_ == Code::kTimeout; }
  // "SlotHeld: slot is held by another client", or "OK".
  std::string ToString() const;
  // Drops this status on purpose. Does nothing: `reason` says, where the call is, why losing
  // the error is right (who else reports it, or why it cannot matter).
  void IgnoreError([[maybe_unused]] std::string_view reason) const {}

  bool operator==(const Status& o) const { return code_ == o.code_ && message_ == o.message_; }

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

// Either a value or a non-OK Status. Building one from an OK Status, or reading value() (or *,
// ->) of an error, is a programmer error: a failed SLOTSIM_CHECK that prints the status.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(Status status) : status_(std::move(status)) {  // NOLINT
    SLOTSIM_CHECK(!status_.ok()) << "StatusOr built from an OK status has no value";
  }
  StatusOr(T value) : value_(std::move(value)) {}  // NOLINT

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  const T& value() const& {
    CheckHasValue();
    return *value_;
  }
  T& value() & {
    CheckHasValue();
    return *value_;
  }
  T&& value() && {
    CheckHasValue();
    return std::move(*value_);
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  void CheckHasValue() const {
    SLOTSIM_CHECK(ok()) << "StatusOr::value() of an error: " << status_.ToString();
  }

  Status status_;
  std::optional<T> value_;
};

}  // namespace slotsim

// Returns the status of `expr` from the enclosing function if it is not OK.
#define SLOTSIM_RETURN_IF_ERROR(expr) \
  do {                                \
    ::slotsim::Status _st = (expr);   \
    if (!_st.ok()) return _st;        \
  } while (0)

#define SLOTSIM_CONCAT_INNER(a, b) a##b
#define SLOTSIM_CONCAT(a, b) SLOTSIM_CONCAT_INNER(a, b)
// Declares `lhs` from a StatusOr expression, or returns its status.
#define SLOTSIM_ASSIGN_OR_RETURN(lhs, expr)                                                 \
  auto SLOTSIM_CONCAT(_so_, __LINE__) = (expr);                                             \
  if (!SLOTSIM_CONCAT(_so_, __LINE__).ok()) return SLOTSIM_CONCAT(_so_, __LINE__).status(); \
  lhs = std::move(SLOTSIM_CONCAT(_so_, __LINE__)).value()
