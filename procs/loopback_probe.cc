// LoopbackExchange: a blocking socket with SO_RCVTIMEO / SO_SNDTIMEO.
#include "procs/loopback_probe.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace slotsim {

LoopbackAnswer LoopbackExchange(int port, std::string_view request, Millis timeout,
                                const std::function<bool(const std::string&)>& complete,
                                size_t max_reply_bytes) {
  LoopbackAnswer answer;
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return answer;
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    answer.outcome =
        errno == ECONNREFUSED ? LoopbackAnswer::Outcome::kRefused : LoopbackAnswer::Outcome::kError;
  } else if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
             static_cast<ssize_t>(request.size())) {
    char buf[4096];
    while (answer.reply.size() < max_reply_bytes) {
      const ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && answer.reply.empty()) {
        answer.outcome = LoopbackAnswer::Outcome::kTimedOut;
      }
      if (n <= 0) break;
      answer.reply.append(buf, static_cast<size_t>(n));
      answer.outcome = LoopbackAnswer::Outcome::kReply;
      if (complete(answer.reply)) break;
    }
  }
  close(fd);
  return answer;
}

}  // namespace slotsim
