// SLOTSIM_CHECK's failure path: build the message, print it, abort.
#include "common/check.h"

#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace slotsim::check_internal {

MessageBuilder::MessageBuilder() : os_(std::make_unique<std::ostringstream>()) {}
MessageBuilder::~MessageBuilder() = default;
std::ostream& MessageBuilder::stream() { return *os_; }
std::string MessageBuilder::str() const { return os_->str(); }

CheckFailure::CheckFailure(const char* file, int line, const char* condition)
    : file_(file), line_(line), condition_(condition) {}

CheckFailure::~CheckFailure() {
  const std::string message = message_.str();
  // One write, so the line is not interleaved with another thread's output.
  const std::string line = std::string(file_) + ":" + std::to_string(line_) +
                           ": check failed: " + condition_ + (message.empty() ? "" : ": ") +
                           message + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
  std::abort();
}

}  // namespace slotsim::check_internal
