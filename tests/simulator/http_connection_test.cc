// HttpConnection against a scripted TCP server on loopback: keep-alive reuse, chunked and
// close-delimited answers, and each way an answer can fail to come (refused, timeout, closed
// midway, a keep-alive connection the server dropped while idle).
#include "simulator/targets/http/http_connection.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace slotsim {
namespace {

// What the scripted server does with one request.
struct Reply {
  std::string bytes;   // written back as they are
  bool close = false;  // close the connection after writing
  bool hang = false;   // write nothing and wait for the client to give up
};

// Serves one connection at a time on 127.0.0.1:<port>; `script(n, request)` decides the n-th
// reply (from 0, across connections).
class ScriptedServer {
 public:
  explicit ScriptedServer(std::function<Reply(int, const std::string&)> script)
      : script_(std::move(script)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(listen_fd_, 16);
    socklen_t len = sizeof a;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~ScriptedServer() {
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
  }
  int port() const { return port_; }
  int connections() const { return connections_; }
  std::string request(size_t i) {
    std::lock_guard<std::mutex> lock(mu_);
    return i < requests_.size() ? requests_[i] : "";
  }

 private:
  bool Wait(int fd) {
    pollfd p{fd, POLLIN, 0};
    while (!stop_) {
      if (::poll(&p, 1, 20) > 0) return true;
    }
    return false;
  }

  // One request (head and Content-Length body); false on EOF or stop.
  bool ReadRequest(int fd, std::string& buf, std::string& out) {
    while (true) {
      const size_t head = buf.find("\r\n\r\n");
      if (head != std::string::npos) {
        size_t length = 0;
        const size_t cl = buf.find("Content-Length: ");
        if (cl != std::string::npos && cl < head) length = std::stoul(buf.substr(cl + 16));
        if (buf.size() >= head + 4 + length) {
          out = buf.substr(0, head + 4 + length);
          buf.erase(0, head + 4 + length);
          return true;
        }
      }
      if (!Wait(fd)) return false;
      char chunk[4096];
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return false;
      buf.append(chunk, static_cast<size_t>(n));
    }
  }

  void Serve() {
    int n = 0;
    while (Wait(listen_fd_)) {
      const int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      ++connections_;
      std::string buf, request;
      while (ReadRequest(fd, buf, request)) {
        {
          std::lock_guard<std::mutex> lock(mu_);
          requests_.push_back(request);
        }
        const Reply r = script_(n++, request);
        if (r.hang) {
          char c;
          while (Wait(fd) && ::recv(fd, &c, 1, 0) > 0) {
          }
          break;
        }
        ::send(fd, r.bytes.data(), r.bytes.size(), MSG_NOSIGNAL);
        if (r.close) break;
      }
      ::close(fd);
    }
  }

  std::function<Reply(int, const std::string&)> script_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::mutex mu_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

std::string Ok(const std::string& body, const std::string& extra = "") {
  return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + extra +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

class HttpConnectionTest : public ::testing::Test {
 protected:
  static HttpConnectionOptions Options(int port) {
    HttpConnectionOptions o;
    o.port = port;
    o.io_timeout = Millis(300);
    o.connect_timeout = Millis(300);
    return o;
  }
  static WireRequest Post(const std::string& body) {
    WireRequest w;
    w.method = "POST";
    w.path = "/wp-admin/admin-ajax.php";
    w.content_type = "application/x-www-form-urlencoded";
    w.body = body;
    w.headers.emplace_back("X-Test", "1");
    return w;
  }
};

TEST_F(HttpConnectionTest, KeepsOneConnectionAcrossRequestsAndSendsAWholeRequest) {
  ScriptedServer server(
      [](int n, const std::string&) { return Reply{Ok("{\"n\":" + std::to_string(n) + "}")}; });
  HttpConnection c(Options(server.port()));
  for (int i = 0; i < 3; ++i) {
    const WireAnswer a = c.Send(Post("a=" + std::to_string(i)));
    ASSERT_EQ(a.transport, WireTransport::kAnswered) << a.detail;
    EXPECT_EQ(a.status, 200);
    EXPECT_EQ(a.body, "{\"n\":" + std::to_string(i) + "}");
  }
  EXPECT_EQ(server.connections(), 1);
  const std::string req = server.request(1);
  EXPECT_EQ(req.rfind("POST /wp-admin/admin-ajax.php HTTP/1.1\r\n", 0), 0u) << req;
  EXPECT_NE(req.find("Host: 127.0.0.1:" + std::to_string(server.port()) + "\r\n"),
            std::string::npos);
  EXPECT_NE(req.find("Content-Type: application/x-www-form-urlencoded\r\n"), std::string::npos);
  EXPECT_NE(req.find("Content-Length: 3\r\n"), std::string::npos);
  EXPECT_NE(req.find("X-Test: 1\r\n"), std::string::npos);
  EXPECT_EQ(req.substr(req.size() - 7), "\r\n\r\na=1");
}

TEST_F(HttpConnectionTest, ReadsChunkedAndCloseDelimitedAnswers) {
  ScriptedServer server([](int n, const std::string&) {
    if (n == 0) {
      return Reply{
          "HTTP/1.1 409 Conflict\r\nTransfer-Encoding: chunked\r\n\r\n"
          "5\r\n{\"a\":\r\n3\r\n42}\r\n0\r\n\r\n"};
    }
    return Reply{"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<html>bye</html>", true};
  });
  HttpConnection c(Options(server.port()));
  WireAnswer a = c.Send(Post("x"));
  ASSERT_EQ(a.transport, WireTransport::kAnswered) << a.detail;
  EXPECT_EQ(a.status, 409);
  EXPECT_EQ(a.body, "{\"a\":42}");
  a = c.Send(Post("y"));
  ASSERT_EQ(a.transport, WireTransport::kAnswered) << a.detail;
  EXPECT_EQ(a.body, "<html>bye</html>");
}

TEST_F(HttpConnectionTest, ConnectionCloseAnswerIsFollowedByAFreshConnection) {
  ScriptedServer server([](int n, const std::string&) {
    return Reply{Ok("{}", n == 0 ? "Connection: close\r\n" : ""), n == 0};
  });
  HttpConnection c(Options(server.port()));
  EXPECT_EQ(c.Send(Post("1")).status, 200);
  EXPECT_EQ(c.Send(Post("2")).status, 200);
  EXPECT_EQ(server.connections(), 2);
}

TEST_F(HttpConnectionTest, AnIdleConnectionTheServerDroppedIsReplacedNotFailed) {
  // The server closes after every answer without saying so (an idle keep-alive timeout).
  ScriptedServer server([](int, const std::string&) { return Reply{Ok("{}"), true}; });
  HttpConnectionOptions o = Options(server.port());
  o.idle_check = Millis(0);
  HttpConnection c(o);
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the close has arrived
    const WireAnswer a = c.Send(Post("x"));
    EXPECT_EQ(a.transport, WireTransport::kAnswered) << i << ": " << a.detail;
  }
  EXPECT_EQ(server.connections(), 3);
}

TEST_F(HttpConnectionTest, NoServerIsRefusedWithNothingSent) {
  int port;
  {
    ScriptedServer gone([](int, const std::string&) { return Reply{}; });
    port = gone.port();
  }
  HttpConnection c(Options(port));
  const WireAnswer a = c.Send(Post("x"));
  EXPECT_EQ(a.transport, WireTransport::kRefused) << a.detail;
}

TEST_F(HttpConnectionTest, AnAnswerThatNeverComesIsATimeout) {
  ScriptedServer server([](int, const std::string&) { return Reply{"", false, true}; });
  HttpConnection c(Options(server.port()));
  const auto start = std::chrono::steady_clock::now();
  const WireAnswer a = c.Send(Post("x"));
  EXPECT_EQ(a.transport, WireTransport::kTimeout) << a.detail;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(HttpConnectionTest, AnAnswerCutShortIsBroken) {
  ScriptedServer server([](int n, const std::string&) {
    if (n == 0) return Reply{"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"partial\":", true};
    return Reply{"HTTP/1.1 200 OK\r\nContent-Len", true};
  });
  HttpConnection c(Options(server.port()));
  EXPECT_EQ(c.Send(Post("x")).transport, WireTransport::kBroken);
  EXPECT_EQ(c.Send(Post("y")).transport, WireTransport::kBroken);
}

TEST_F(HttpConnectionTest, GetAndDeleteCarryNoBody) {
  ScriptedServer server([](int, const std::string&) { return Reply{Ok("{}")}; });
  HttpConnection c(Options(server.port()));
  WireRequest w;
  w.method = "DELETE";
  w.path = "/wp-json/appointease/v1/appointments/APT-1?client_id=c1";
  EXPECT_EQ(c.Send(w).status, 200);
  const std::string req = server.request(0);
  EXPECT_EQ(
      req.rfind("DELETE /wp-json/appointease/v1/appointments/APT-1?client_id=c1 HTTP/1.1\r\n", 0),
      0u);
  EXPECT_EQ(req.find("Content-Length"), std::string::npos);
}

}  // namespace
}  // namespace slotsim
