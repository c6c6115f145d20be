// SLOTSIM_CHECK: invariants that stay on in every build type. A broken invariant is a programmer
// error (TIGER_STYLE's assertions); an operating error is a returned Status instead. A failed
// check prints
//   <file>:<line>: check failed: <condition>: <message>
// to stderr and aborts, whatever NDEBUG says (every build type defines it).
//
//   SLOTSIM_CHECK(slot < slots_) << "client slot " << slot << " of " << slots_;
//   SLOTSIM_CHECK_LE(low, high) << "uniform bounds";  // also prints both values
//
// A check that holds costs one predicted branch: the message stream is only built, and its
// operands only evaluated, when the check fails (glog's and abseil's voidify / while tricks).
// Each macro is one statement and is safe in an unbraced if / else.
#pragma once

#include <iosfwd>
#include <memory>
#include <ostream>
#include <string>

namespace slotsim::check_internal {

// A string built with <<. Only failing checks make one, so <sstream> stays out of this header.
class MessageBuilder {
 public:
  MessageBuilder();
  ~MessageBuilder();
  MessageBuilder(const MessageBuilder&) = delete;
  MessageBuilder& operator=(const MessageBuilder&) = delete;

  std::ostream& stream();
  std::string str() const;

 private:
  std::unique_ptr<std::ostringstream> os_;
};

// Collects the message of one failed check; its destructor prints it and aborts.
class CheckFailure {
 public:
  CheckFailure(const char* file, int line, const char* condition);
  CheckFailure(const CheckFailure&) = delete;
  CheckFailure& operator=(const CheckFailure&) = delete;
  [[noreturn]] ~CheckFailure();

  std::ostream& stream() { return message_.stream(); }

 private:
  const char* file_;
  int line_;
  const char* condition_;
  MessageBuilder message_;
};

// Gives `cond ? (void)0 : <stream expression>` the type void on both sides. operator& binds
// more loosely than <<, so the whole message is streamed first.
struct Voidify {
  void operator&(std::ostream&) {}
};

// The text of a failed CHECK_op: "<a> <op> <b> (<value of a> vs. <value of b>)". Null when the
// comparison held, so a passing check allocates nothing.
class OpFailure {
 public:
  OpFailure() = default;
  explicit OpFailure(std::string text) : text_(std::make_unique<std::string>(std::move(text))) {}
  explicit operator bool() const { return text_ != nullptr; }
  const char* text() const { return text_->c_str(); }

 private:
  std::unique_ptr<std::string> text_;
};

// Streams a value if it can be streamed (durations and time points cannot, in g++ 12).
template <typename T>
void PrintValue(std::ostream& os, const T& v) {
  if constexpr (requires { os << v; }) {
    os << v;
  } else {
    os << "<unprintable>";
  }
}

template <typename A, typename B>
[[gnu::noinline, gnu::cold]] OpFailure MakeOpFailure(const A& a, const B& b, const char* text) {
  MessageBuilder message;
  std::ostream& os = message.stream();
  os << text << " (";
  PrintValue(os, a);
  os << " vs. ";
  PrintValue(os, b);
  os << ")";
  return OpFailure(message.str());
}

#define SLOTSIM_CHECK_INTERNAL_OP(name, op)                                 \
  template <typename A, typename B>                                         \
  inline OpFailure Check##name(const A& a, const B& b, const char* text) {  \
    if (__builtin_expect(static_cast<bool>(a op b), 1)) return OpFailure(); \
    return MakeOpFailure(a, b, text);                                       \
  }
SLOTSIM_CHECK_INTERNAL_OP(EQ, ==)
SLOTSIM_CHECK_INTERNAL_OP(NE, !=)
SLOTSIM_CHECK_INTERNAL_OP(LE, <=)
SLOTSIM_CHECK_INTERNAL_OP(LT, <)
SLOTSIM_CHECK_INTERNAL_OP(GE, >=)
SLOTSIM_CHECK_INTERNAL_OP(GT, >)
#undef SLOTSIM_CHECK_INTERNAL_OP

}  // namespace slotsim::check_internal

// Aborts with the condition's text and the streamed message unless `cond` holds.
#define SLOTSIM_CHECK(cond)                    \
  __builtin_expect(static_cast<bool>(cond), 1) \
      ? (void)0                                \
      : ::slotsim::check_internal::Voidify() & \
            ::slotsim::check_internal::CheckFailure(__FILE__, __LINE__, #cond).stream()

// Aborts unless `a op b`, printing both values as well (each operand is evaluated once; the
// operands must be comparable, and are printed when they can be streamed).
#define SLOTSIM_CHECK_OP_INTERNAL(name, op, a, b)                                            \
  while (::slotsim::check_internal::OpFailure _slotsim_check_failure =                       \
             ::slotsim::check_internal::Check##name((a), (b), #a " " #op " " #b))            \
  ::slotsim::check_internal::CheckFailure(__FILE__, __LINE__, _slotsim_check_failure.text()) \
      .stream()
#define SLOTSIM_CHECK_EQ(a, b) SLOTSIM_CHECK_OP_INTERNAL(EQ, ==, a, b)
#define SLOTSIM_CHECK_NE(a, b) SLOTSIM_CHECK_OP_INTERNAL(NE, !=, a, b)
#define SLOTSIM_CHECK_LE(a, b) SLOTSIM_CHECK_OP_INTERNAL(LE, <=, a, b)
#define SLOTSIM_CHECK_LT(a, b) SLOTSIM_CHECK_OP_INTERNAL(LT, <, a, b)
#define SLOTSIM_CHECK_GE(a, b) SLOTSIM_CHECK_OP_INTERNAL(GE, >=, a, b)
#define SLOTSIM_CHECK_GT(a, b) SLOTSIM_CHECK_OP_INTERNAL(GT, >, a, b)
