// HttpConnection: blocking keep-alive HTTP/1.1 over one TCP socket (http_connection.h).
#include "simulator/targets/http/http_connection.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <optional>

namespace slotsim {
namespace {

constexpr size_t kReadChunk = 16384;
constexpr size_t kMaxHeaderBytes = 64 * 1024;

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

timeval ToTimeval(Millis d) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(d.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((d.count() % 1000) * 1000);
  return tv;
}

// The parsed head of an answer.
struct Head {
  int status = 0;
  size_t body_start = 0;  // offset of the body in the buffer
  std::optional<size_t> content_length;
  bool chunked = false;
  bool close = false;
};

// Parses the status line and headers of `in` when complete; nullopt while incomplete, and
// status 0 when malformed.
std::optional<Head> ParseHead(std::string_view in) {
  const size_t end = in.find("\r\n\r\n");
  if (end == std::string_view::npos) return std::nullopt;
  Head h;
  h.body_start = end + 4;
  size_t line_end = in.find("\r\n");
  const std::string_view status_line = in.substr(0, line_end);
  // "HTTP/1.1 200 OK"
  if (status_line.size() < 12 || status_line.substr(0, 5) != "HTTP/") return Head{};
  const size_t sp = status_line.find(' ');
  if (sp == std::string_view::npos || sp + 4 > status_line.size()) return Head{};
  std::from_chars(status_line.data() + sp + 1, status_line.data() + sp + 4, h.status);
  h.close = status_line.substr(5, 3) == "1.0";
  for (size_t at = line_end + 2; at < end; at = line_end + 2) {
    line_end = in.find("\r\n", at);
    const std::string_view line = in.substr(at, line_end - at);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = line.substr(0, colon);
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    if (IEquals(name, "content-length")) {
      size_t n = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc()) return Head{};
      h.content_length = n;
    } else if (IEquals(name, "transfer-encoding")) {
      h.chunked = value.find("chunked") != std::string_view::npos;
    } else if (IEquals(name, "connection")) {
      if (IEquals(value, "close")) h.close = true;
      if (IEquals(value, "keep-alive")) h.close = false;
    }
  }
  return h;
}

}  // namespace

HttpConnection::HttpConnection(HttpConnectionOptions options) : options_(std::move(options)) {
  host_header_ = options_.host + ":" + std::to_string(options_.port);
  out_.reserve(1024);
  in_.reserve(kReadChunk);
}

HttpConnection::~HttpConnection() { Close(); }

void HttpConnection::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void HttpConnection::Fail(WireAnswer& a, WireTransport t, const std::string& what) {
  a.transport = t;
  a.detail = what;
  Close();
}

bool HttpConnection::Connect(WireAnswer& failure) {
  if (!resolved_) {
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const int rc = getaddrinfo(options_.host.c_str(), nullptr, &hints, &found);
    if (rc != 0 || found == nullptr) {
      Fail(failure, WireTransport::kRefused, "resolve " + options_.host + ": " + gai_strerror(rc));
      return false;
    }
    std::memcpy(&address_, found->ai_addr, sizeof address_);
    address_.sin_port = htons(static_cast<uint16_t>(options_.port));
    freeaddrinfo(found);
    resolved_ = true;
  }
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) {
    Fail(failure, WireTransport::kRefused, std::string("socket: ") + std::strerror(errno));
    return false;
  }
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address_), sizeof address_) != 0) {
    if (errno != EINPROGRESS) {
      Fail(failure, WireTransport::kRefused, std::string("connect: ") + std::strerror(errno));
      return false;
    }
    pollfd p{fd_, POLLOUT, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(options_.connect_timeout.count()));
    int err = 0;
    socklen_t len = sizeof err;
    if (ready == 0) {
      Fail(failure, WireTransport::kConnectTimeout, "connect: timed out");
      return false;
    }
    if (ready < 0 || ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
      Fail(failure, WireTransport::kRefused,
           std::string("connect: ") + std::strerror(err != 0 ? err : errno));
      return false;
    }
  }
  ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) & ~O_NONBLOCK);
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  const timeval io = ToTimeval(options_.io_timeout);
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &io, sizeof io);
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &io, sizeof io);
  return true;
}

bool HttpConnection::StillOpen() const {
  char byte;
  const ssize_t n = ::recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  // Nothing to read is the healthy state; 0 is a close, data is an answer nobody asked for.
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

bool HttpConnection::Write(const std::string& bytes, bool* sent_any) {
  *sent_any = false;
  size_t off = 0;
  while (off < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    *sent_any = true;
    off += static_cast<size_t>(n);
  }
  return true;
}

bool HttpConnection::Fill(WireAnswer& a) {
  const size_t old = in_.size();
  in_.resize(old + kReadChunk);
  ssize_t n;
  do {
    n = ::recv(fd_, in_.data() + old, kReadChunk, 0);
  } while (n < 0 && errno == EINTR);
  in_.resize(old + static_cast<size_t>(std::max<ssize_t>(n, 0)));
  if (n > 0) return true;
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    Fail(a, WireTransport::kTimeout,
         "no answer within " + std::to_string(options_.io_timeout.count()) + " ms");
  } else {
    Fail(a, WireTransport::kBroken,
         n == 0 ? std::string("connection closed before the answer ended")
                : std::string("recv: ") + std::strerror(errno));
  }
  return false;
}

bool HttpConnection::ReadChunked(size_t body_start, WireAnswer& a) {
  size_t at = body_start;
  a.body.clear();
  while (true) {
    size_t line_end;
    while ((line_end = in_.find("\r\n", at)) == std::string::npos) {
      if (!Fill(a)) return false;
    }
    size_t size = 0;
    auto [p, ec] = std::from_chars(in_.data() + at, in_.data() + line_end, size, 16);
    if (ec != std::errc() || a.body.size() + size > options_.max_body_bytes) {
      Fail(a, WireTransport::kBroken, "bad chunked body");
      return false;
    }
    const size_t data = line_end + 2;
    while (in_.size() < data + size + 2) {
      if (!Fill(a)) return false;
    }
    if (size == 0) return true;  // trailers are not read: the connection is closed after
    a.body.append(in_, data, size);
    at = data + size + 2;
  }
}

bool HttpConnection::Read(WireAnswer& a) {
  in_.clear();
  std::optional<Head> head;
  while (!(head = ParseHead(in_))) {
    if (in_.size() > kMaxHeaderBytes) {
      Fail(a, WireTransport::kBroken, "answer headers too long");
      return false;
    }
    if (!Fill(a)) return false;
  }
  if (head->status < 100) {
    Fail(a, WireTransport::kBroken, "malformed answer: " + in_.substr(0, 40));
    return false;
  }
  a.status = head->status;
  keep_open_ = !head->close;
  if (head->chunked) {
    keep_open_ = false;
    return ReadChunked(head->body_start, a);
  }
  if (head->content_length) {
    const size_t want = head->body_start + *head->content_length;
    if (*head->content_length > options_.max_body_bytes) {
      Fail(a, WireTransport::kBroken, "answer body too large");
      return false;
    }
    while (in_.size() < want) {
      if (!Fill(a)) return false;
    }
    a.body.assign(in_, head->body_start, *head->content_length);
    if (in_.size() > want) keep_open_ = false;  // bytes nobody asked for
    return true;
  }
  // Neither: the body runs to the close.
  keep_open_ = false;
  while (true) {
    const size_t before = in_.size();
    in_.resize(before + kReadChunk);
    const ssize_t got = ::recv(fd_, in_.data() + before, kReadChunk, 0);
    in_.resize(before + static_cast<size_t>(std::max<ssize_t>(got, 0)));
    if (got == 0) break;
    if (got < 0 || in_.size() > options_.max_body_bytes) {
      Fail(a, WireTransport::kBroken, "answer without a length did not end");
      return false;
    }
  }
  a.body.assign(in_, head->body_start, std::string::npos);
  return true;
}

WireAnswer HttpConnection::Send(const WireRequest& w) {
  WireAnswer a;
  out_.clear();
  out_ += w.method;
  out_ += ' ';
  out_ += w.path;
  out_ += " HTTP/1.1\r\nHost: ";
  out_ += host_header_;
  out_ += "\r\nAccept: application/json\r\nConnection: keep-alive\r\n";
  for (const auto& [k, v] : w.headers) {
    out_ += k;
    out_ += ": ";
    out_ += v;
    out_ += "\r\n";
  }
  if (!w.body.empty() || w.method == "POST" || w.method == "PUT") {
    if (!w.content_type.empty()) {
      out_ += "Content-Type: ";
      out_ += w.content_type;
      out_ += "\r\n";
    }
    out_ += "Content-Length: ";
    out_ += std::to_string(w.body.size());
    out_ += "\r\n";
  }
  out_ += "\r\n";
  out_ += w.body;
  const auto now = std::chrono::steady_clock::now();
  bool reused = fd_ >= 0;
  if (reused && now - last_used_ > options_.idle_check && !StillOpen()) {
    Close();
    reused = false;
  }
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (fd_ < 0 && !Connect(a)) return a;
    bool sent_any = false;
    if (Write(out_, &sent_any)) break;
    const int err = errno;
    Close();
    // A reused connection the server had closed took none of it: safe to send again.
    if (reused && !sent_any && attempt == 0) {
      reused = false;
      continue;
    }
    Fail(a, err == EAGAIN || err == EWOULDBLOCK ? WireTransport::kTimeout : WireTransport::kBroken,
         std::string("send: ") + std::strerror(err));
    return a;
  }
  if (!Read(a)) return a;
  last_used_ = std::chrono::steady_clock::now();
  if (!keep_open_) Close();
  return a;
}

}  // namespace slotsim
