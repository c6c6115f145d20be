// Names of status codes and Status formatting.
#include "common/status.h"

namespace slotsim {

std::string_view CodeName(Code code) {
  switch (code) {
    case Code::kOk:
      return "OK";
    case Code::kSlotHeld:
      return "SlotHeld";
    case Code::kSlotBooked:
      return "SlotBooked";
    case Code::kSlotTaken:
      return "SlotTaken";
    case Code::kNotHolder:
      return "NotHolder";
    case Code::kNotFound:
      return "NotFound";
    case Code::kUnavailable:
      return "Unavailable";
    case Code::kTimeout:
      return "Timeout";
    case Code::kInvalidArgument:
      return "InvalidArgument";
    case Code::kUnimplemented:
      return "Unimplemented";
    case Code::kInternal:
      return "Internal";
    case Code::kMalformedAnswer:
      return "MalformedAnswer";
  }
  return "Unknown";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(CodeName(code_));
  if (!message_.empty()) out += ": " + message_;
  return out;
}

}  // namespace slotsim
