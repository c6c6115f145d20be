// Names of operation kinds and outcomes, as history.jsonl and summary.json spell them.
#include "protocol/ops.h"

namespace slotsim {
namespace {
constexpr std::string_view kOpNames[kOpKinds] = {"select",  "deselect",   "poll",  "availability",
                                                 "confirm", "reschedule", "cancel"};
constexpr std::string_view kAnswerNames[kAnswerClasses] = {
    "ok",      "rejected", "server_error", "malformed_answer",
    "timeout", "reset",    "not_sent",     "store_error"};
}  // namespace

std::string_view OpKindName(OpKind kind) { return kOpNames[static_cast<int>(kind)]; }

std::optional<OpKind> OpKindFromName(std::string_view name) {
  for (int i = 0; i < kOpKinds; ++i) {
    if (kOpNames[i] == name) return static_cast<OpKind>(i);
  }
  return std::nullopt;
}

std::string_view OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kOk:
      return "ok";
    case Outcome::kFail:
      return "fail";
    case Outcome::kUnknown:
      return "unknown";
  }
  return "unknown";
}

std::string_view AnswerClassName(AnswerClass c) { return kAnswerNames[static_cast<int>(c)]; }

std::optional<AnswerClass> AnswerClassFromName(std::string_view name) {
  for (int i = 0; i < kAnswerClasses; ++i) {
    if (kAnswerNames[i] == name) return static_cast<AnswerClass>(i);
  }
  return std::nullopt;
}

}  // namespace slotsim
