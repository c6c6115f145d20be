// The poll() loop of the proxy's command server: line framing per source, accept with a limit.
#include "procs/fault_proxy_control.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace slotsim {
namespace {

// Where command lines come from: the console or one control connection.
struct LineSource {
  int fd = -1;
  bool is_console = false;
  std::string pending;  // bytes after the last newline
};

void Answer(const LineSource& src, const ProxyCommandIo& io, const std::string& line) {
  if (src.is_console) {
    if (io.console_answer) io.console_answer(line);
    return;
  }
  const std::string out = line + "\n";
  // Answers are short; a control client that does not read them loses them.
  [[maybe_unused]] ssize_t n = send(src.fd, out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

// Reads what `src` has and runs each complete line. False when the source is finished (EOF, an
// error or an over-long line) and should be closed.
bool ServeLines(FaultProxy& proxy, LineSource& src, const ProxyCommandIo& io) {
  char buf[4096];
  const ssize_t n = read(src.fd, buf, sizeof(buf));
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
  if (n <= 0) return false;
  src.pending.append(buf, static_cast<size_t>(n));
  size_t nl;
  while ((nl = src.pending.find('\n')) != std::string::npos) {
    const std::string line = src.pending.substr(0, nl);
    src.pending.erase(0, nl + 1);
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;  // blank
    const std::string answer = HandleProxyCommand(proxy, line);
    Answer(src, io, answer);
    if (!src.is_console && io.control_log) io.control_log(line, answer);
  }
  if (src.pending.size() > kMaxProxyControlLineBytes) {
    Answer(src, io, "error: line longer than 1024 bytes");
    return false;
  }
  return true;
}

void AcceptControl(int control_fd, std::vector<LineSource>& sources, const ProxyCommandIo& io) {
  const int fd = accept4(control_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return;
  size_t served = 0;
  for (const LineSource& s : sources) served += s.is_console ? 0 : 1;
  if (served >= kMaxProxyControlClients) {
    LineSource busy{fd, false, ""};
    Answer(busy, io, "error: too many control connections");
    close(fd);
    return;
  }
  sources.push_back(LineSource{fd, false, ""});
}

}  // namespace

StatusOr<int> OpenProxyControlListener(const ProxyEndpoint& at, int* port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
  addrinfo* res = nullptr;
  const int rc = getaddrinfo(at.host.c_str(), std::to_string(at.port).c_str(), &hints, &res);
  if (rc != 0)
    return Status::InvalidArgument("--control " + ToString(at) + ": " + gai_strerror(rc));
  const int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int one = 1;
  if (fd >= 0) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  const bool ok = fd >= 0 && bind(fd, res->ai_addr, res->ai_addrlen) == 0 && listen(fd, 16) == 0;
  freeaddrinfo(res);
  if (!ok) {
    Status s = Status::Unavailable("--control " + ToString(at) + ": " + std::strerror(errno));
    if (fd >= 0) close(fd);
    return s;
  }
  sockaddr_storage bound{};
  socklen_t len = sizeof(bound);
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
  char service[16] = "";
  getnameinfo(reinterpret_cast<sockaddr*>(&bound), len, nullptr, 0, service, sizeof(service),
              NI_NUMERICSERV);
  *port = std::atoi(service);
  return fd;
}

void ServeProxyCommands(FaultProxy& proxy, int stop_fd, int control_fd, const ProxyCommandIo& io) {
  std::vector<LineSource> sources;
  if (io.console_fd >= 0) sources.push_back(LineSource{io.console_fd, true, ""});
  for (;;) {
    // poll() skips negative fds: no control listener is simply never ready.
    std::vector<pollfd> fds{{stop_fd, POLLIN, 0}, {control_fd, POLLIN, 0}};
    for (const LineSource& s : sources) fds.push_back({s.fd, POLLIN, 0});
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents != 0) break;
    // Only the sources polled have an entry in `fds`; one accepted now waits for the next poll.
    const size_t polled = sources.size();
    if (fds[1].revents != 0) AcceptControl(control_fd, sources, io);
    for (size_t i = polled; i-- > 0;) {
      if (fds[i + 2].revents == 0 || ServeLines(proxy, sources[i], io)) continue;
      if (!sources[i].is_console) close(sources[i].fd);  // the console's end does not stop it
      sources.erase(sources.begin() + static_cast<std::ptrdiff_t>(i));
    }
  }
  for (const LineSource& s : sources) {
    if (!s.is_console) close(s.fd);
  }
}

}  // namespace slotsim
