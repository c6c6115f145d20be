// LoopbackExchange: one request to a server on 127.0.0.1 over a fresh blocking socket, with a
// timeout on every send and receive — how slotsim asks a server it launched (or a test asks a
// server it started) whether it is up, without any client library.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace slotsim {

struct LoopbackAnswer {
  enum class Outcome { kReply, kRefused, kTimedOut, kError };
  Outcome outcome = Outcome::kError;
  std::string reply;  // the bytes received, when kReply
};

// Connects to 127.0.0.1:`port`, sends `request` and reads until `complete(reply so far)` is true,
// the server closes, `max_reply_bytes` arrived or a read waits longer than `timeout`. kReply when
// any byte arrived (complete or not: the caller judges), kTimedOut when a read timed out before
// the first byte, kRefused when nothing listens.
LoopbackAnswer LoopbackExchange(int port, std::string_view request, Millis timeout,
                                const std::function<bool(const std::string&)>& complete,
                                size_t max_reply_bytes = 64 * 1024);

}  // namespace slotsim
