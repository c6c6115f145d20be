// Names of operation kinds and outcomes, as history.jsonl and summary.json spell them.
#include "protocol/ops.h"

namespace slotsim {
namespace {
constexpr std::string_view kOpNames[kOpKinds] = {"select",  "deselect",   "poll",  "availability",
                                                 "confirm", "reschedule", "cancel"};
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

}  // namespace slotsim
