// The proxy's command server (what `slotsim proxy` runs on stdin and --control): commands from
// control connections and the console switch the proxy's fault and are answered line by line,
// over-long lines and surplus connections are refused, and the stop fd ends it.
#include "procs/fault_proxy_control.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace slotsim {
namespace {

using std::chrono::milliseconds;

// A blocking loopback client whose reads time out after 2 s, so no test can hang.
class LineClient {
 public:
  explicit LineClient(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval tv{2, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~LineClient() { close(fd_); }
  LineClient(const LineClient&) = delete;
  LineClient& operator=(const LineClient&) = delete;

  bool connected() const { return connected_; }
  void Send(const std::string& text) {
    ASSERT_EQ(send(fd_, text.data(), text.size(), MSG_NOSIGNAL), static_cast<ssize_t>(text.size()));
  }
  // One line without its newline; "<eof>" or "<timeout>" when none comes.
  std::string ReadLine() {
    std::string line;
    char c;
    for (;;) {
      const ssize_t n = recv(fd_, &c, 1, 0);
      if (n == 0) return line.empty() ? "<eof>" : line;
      if (n < 0) return "<timeout>";
      if (c == '\n') return line;
      line += c;
    }
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

class FaultProxyControlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FaultProxyOptions o;
    o.upstream.port = 1;  // commands never need the upstream
    StatusOr<std::unique_ptr<FaultProxy>> proxy = FaultProxy::Start(o);
    ASSERT_TRUE(proxy.ok()) << proxy.status().ToString();
    proxy_ = std::move(proxy).value();
    StatusOr<int> control = OpenProxyControlListener(ProxyEndpoint{"127.0.0.1", 0}, &port_);
    ASSERT_TRUE(control.ok()) << control.status().ToString();
    control_fd_ = *control;
    ASSERT_GT(port_, 0);
    ASSERT_EQ(pipe(stop_), 0);
    ASSERT_EQ(pipe(console_), 0);
  }

  void TearDown() override {
    Stop();
    for (int fd : {control_fd_, stop_[0], stop_[1], console_[0], console_[1]}) {
      if (fd >= 0) close(fd);
    }
  }

  // Serves on a thread, with the console pipe's read end as the console.
  void Serve() {
    ProxyCommandIo io;
    io.console_fd = console_[0];
    io.console_answer = [this](const std::string& answer) {
      std::lock_guard<std::mutex> lock(mu_);
      console_answers_.push_back(answer);
    };
    io.control_log = [this](const std::string& line, const std::string& answer) {
      std::lock_guard<std::mutex> lock(mu_);
      control_log_.push_back(line + " -> " + answer);
    };
    server_ = std::thread([this, io] { ServeProxyCommands(*proxy_, stop_[0], control_fd_, io); });
  }

  void Stop() {
    if (!server_.joinable()) return;
    ASSERT_EQ(write(stop_[1], "x", 1), 1);
    server_.join();
  }

  std::vector<std::string> ConsoleAnswers(size_t n) {
    for (int i = 0; i < 400; ++i) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (console_answers_.size() >= n) return console_answers_;
      }
      std::this_thread::sleep_for(milliseconds(5));
    }
    std::lock_guard<std::mutex> lock(mu_);
    return console_answers_;
  }

  std::unique_ptr<FaultProxy> proxy_;
  int port_ = 0;
  int control_fd_ = -1;
  int stop_[2] = {-1, -1};
  int console_[2] = {-1, -1};
  std::thread server_;
  std::mutex mu_;
  std::vector<std::string> console_answers_;
  std::vector<std::string> control_log_;
};

TEST_F(FaultProxyControlTest, ControlCommandsSwitchTheFaultAndAreAnsweredInOrder) {
  Serve();
  LineClient c(port_);
  ASSERT_TRUE(c.connected());
  c.Send("latency 20ms jitter 5ms\n\nstats\nlatency soon\n");
  EXPECT_EQ(c.ReadLine(), "ok");
  EXPECT_EQ(proxy_->stats().fault.latency, milliseconds(20));
  const std::string stats = c.ReadLine();
  EXPECT_EQ(stats.rfind("ok accepted=0 ", 0), 0u) << stats;
  EXPECT_EQ(c.ReadLine().rfind("error: ", 0), 0u);
  // A line split across two sends is one command.
  c.Send("cl");
  c.Send("ear\r\n");
  EXPECT_EQ(c.ReadLine(), "ok");
  EXPECT_EQ(proxy_->stats().fault.kind, ProxyFault::Kind::kNone);
  Stop();
  EXPECT_EQ(c.ReadLine(), "<eof>") << "stopping closes the control connections";
  ASSERT_EQ(control_log_.size(), 4u);
  EXPECT_EQ(control_log_[0], "latency 20ms jitter 5ms -> ok");
}

TEST_F(FaultProxyControlTest, ConsoleLinesAreAnsweredAndItsEndDoesNotStopTheServer) {
  Serve();
  ASSERT_EQ(write(console_[1], "down\n", 5), 5);
  ASSERT_EQ(ConsoleAnswers(1), std::vector<std::string>{"ok"});
  EXPECT_EQ(proxy_->stats().fault.kind, ProxyFault::Kind::kDown);
  close(console_[1]);
  console_[1] = -1;
  LineClient c(port_);
  ASSERT_TRUE(c.connected());
  c.Send("clear\n");
  EXPECT_EQ(c.ReadLine(), "ok");
  EXPECT_EQ(proxy_->stats().fault.kind, ProxyFault::Kind::kNone);
  Stop();
  EXPECT_EQ(control_log_.size(), 1u) << "console lines are not logged as control";
}

TEST_F(FaultProxyControlTest, OverLongLineIsAnsweredWithAnErrorAndEndsTheConnection) {
  Serve();
  LineClient c(port_);
  ASSERT_TRUE(c.connected());
  c.Send(std::string(kMaxProxyControlLineBytes + 100, 'a'));
  EXPECT_EQ(c.ReadLine(), "error: line longer than 1024 bytes");
  EXPECT_EQ(c.ReadLine(), "<eof>");
  LineClient next(port_);
  next.Send("stats\n");
  EXPECT_EQ(next.ReadLine().rfind("ok ", 0), 0u) << "the server goes on";
}

TEST_F(FaultProxyControlTest, ConnectionsBeyondTheLimitAreRefusedWithAnError) {
  Serve();
  std::vector<std::unique_ptr<LineClient>> clients;
  for (size_t i = 0; i < kMaxProxyControlClients; ++i) {
    clients.push_back(std::make_unique<LineClient>(port_));
    clients.back()->Send("stats\n");  // answered: this one is being served
    ASSERT_EQ(clients.back()->ReadLine().rfind("ok ", 0), 0u) << i;
  }
  LineClient extra(port_);
  EXPECT_EQ(extra.ReadLine(), "error: too many control connections");
  EXPECT_EQ(extra.ReadLine(), "<eof>");
  clients.front()->Send("reset\n");
  EXPECT_EQ(clients.front()->ReadLine(), "ok");
}

}  // namespace
}  // namespace slotsim
