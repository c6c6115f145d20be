// RawClient: a blocking TCP client for the net/ suites. It writes exactly the bytes a test
// gives (malformed, pipelined, trickled) and reads answers byte for byte, keeping what it read
// past one answer for the next, so a test sees what the server really sent.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/http_message.h"

namespace slotsim::net::testing {

struct RawResponse {
  int status = 0;
  HttpHeaders headers;
  std::string body;
  std::string Header(std::string_view name) const { return std::string(FindHeader(headers, name)); }
};

class RawClient {
 public:
  RawClient() = default;
  ~RawClient() { Close(); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  // Connects to 127.0.0.1:port, from `source_ip` (e.g. "127.0.0.2") when given.
  bool Connect(uint16_t port, const char* source_ip = nullptr) {
    Close();
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return false;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (source_ip != nullptr) {
      sockaddr_in local{};
      local.sin_family = AF_INET;
      ::inet_pton(AF_INET, source_ip, &local.sin_addr);
      if (::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0) return false;
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    return ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }

  // Writes all of `bytes`; false when the connection is gone.
  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads one answer framed by Content-Length (the server always sends one); nullopt on EOF,
  // reset or `timeout` (a guard against hangs, not a measurement).
  std::optional<RawResponse> Read(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (Fill(deadline) <= 0) return std::nullopt;
    }
    RawResponse r;
    std::string_view head(buf_.data(), end);
    size_t line_end = head.find("\r\n");
    std::string_view status_line = head.substr(0, line_end);
    if (status_line.size() < 12) return std::nullopt;
    r.status = std::stoi(std::string(status_line.substr(9, 3)));
    while (line_end != std::string_view::npos) {
      head.remove_prefix(line_end + 2);
      line_end = head.find("\r\n");
      std::string_view line = head.substr(0, line_end);
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      r.headers.push_back({std::string(line.substr(0, colon)), std::string(value)});
    }
    std::string_view length = FindHeader(r.headers, "Content-Length");
    const size_t body_bytes = length.empty() ? 0 : std::stoul(std::string(length));
    while (buf_.size() < end + 4 + body_bytes) {
      if (Fill(deadline) <= 0) return std::nullopt;
    }
    r.body = buf_.substr(end + 4, body_bytes);
    buf_.erase(0, end + 4 + body_bytes);
    return r;
  }

  // True when the server closes the connection (EOF or reset) within `timeout`; bytes that
  // arrive meanwhile are discarded.
  bool WaitClosed(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      int got = Fill(deadline);
      if (got == 0) return true;
      if (got < 0) return errno == ECONNRESET || errno == EPIPE;
      buf_.clear();
    }
  }

  // True when nothing arrives and the connection stays open for `quiet`.
  bool StaysOpenAndSilent(std::chrono::milliseconds quiet) {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(quiet.count())) == 0 && buf_.empty();
  }

  void ShutdownWrite() { ::shutdown(fd_, SHUT_WR); }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    buf_.clear();
  }
  int fd() const { return fd_; }

 private:
  // Reads what is there into buf_: 1 when bytes came, 0 on EOF, -1 on error or the deadline
  // (errno ETIMEDOUT).
  int Fill(std::chrono::steady_clock::time_point deadline) {
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        errno = ETIMEDOUT;
        return -1;
      }
      pollfd p{fd_, POLLIN, 0};
      int ready = ::poll(&p, 1, static_cast<int>(left.count()));
      if (ready < 0 && errno == EINTR) continue;
      if (ready <= 0) continue;  // the loop re-checks the deadline
      char chunk[16384];
      ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return -1;
      if (n == 0) return 0;
      buf_.append(chunk, static_cast<size_t>(n));
      return 1;
    }
  }

  int fd_ = -1;
  std::string buf_;
};

// A canned request: "<method> <target> HTTP/1.1", Host, `extra` header lines (each ending in
// \r\n), then the blank line and `body` (no Content-Length added: put it in `extra`).
inline std::string RawRequest(std::string_view method, std::string_view target,
                              std::string_view extra = "", std::string_view body = "") {
  std::string r;
  r.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: t\r\n");
  r.append(extra).append("\r\n").append(body);
  return r;
}

}  // namespace slotsim::net::testing
