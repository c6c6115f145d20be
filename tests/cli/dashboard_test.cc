// slotsim run --dashboard / --metrics-listen (docs/dashboard.md): a sim run long enough to be
// watched (a scaled-down million.toml, several wall seconds) serves /live.json and /metrics
// while it runs, the figures grow between two snapshots, the Prometheus text parses, and
// headless Chromium loads the page and sees it filled in from /live.json. Addresses that are
// not loopback, or not addresses, are refused with exit 2 before anything runs.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <regex>
#include <set>
#include <thread>

#include "reports/live_view.h"
#include "tests/cli/cli_fixture.h"

namespace slotsim {
namespace {

using nlohmann::json;

// GET `path` from 127.0.0.1:`port` over HTTP/1.0; the body, or "" on any failure.
std::string Get(int port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
      char buf[8192];
      for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) out.append(buf, n);
    }
  }
  close(fd);
  const size_t body = out.find("\r\n\r\n");
  return body == std::string::npos ? "" : out.substr(body + 4);
}

// The port after `prefix` ("dashboard: http://127.0.0.1:") in `log`, or 0.
int PortIn(const std::string& log, const std::string& prefix) {
  const size_t at = log.find(prefix);
  return at == std::string::npos ? 0 : std::atoi(log.c_str() + at + prefix.size());
}

// Every sample line belongs to a family declared by a # TYPE line before it, has a valid
// name and a number for its value. Returns the problems found.
std::vector<std::string> PrometheusProblems(const std::string& text, std::set<std::string>* names) {
  static const std::regex kType(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge))");
  static const std::regex kSample(R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+))");
  std::set<std::string> typed;
  std::vector<std::string> problems;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (line.rfind("# HELP ", 0) == 0) continue;
    if (std::regex_match(line, m, kType)) {
      typed.insert(m[1]);
      continue;
    }
    if (!std::regex_match(line, m, kSample)) {
      problems.push_back("not a sample: " + line);
      continue;
    }
    if (typed.count(m[1]) == 0) problems.push_back("no # TYPE before: " + line);
    char* end = nullptr;
    const std::string value = m[3];
    std::strtod(value.c_str(), &end);
    if (end != value.c_str() + value.size()) problems.push_back("not a number: " + line);
    names->insert(m[1]);
  }
  return problems;
}

class DashboardTest : public testing_cli::CliTest {
 protected:
  // Starts `slotsim run` in the background with its output in run.log; waits for its ports.
  void StartLongRun() {
    const std::string scenario = std::string(SLOTSIM_SOURCE_DIR) + "/scenarios/million.toml";
    const std::string command =
        "cd '" + dir_ + "' && '" + SLOTSIM_BINARY + "' run '" + scenario +
        "' --time-scale 0.4 --set 'load.stages=[{for=\"1m\",to=50000},{for=\"9m\",to=50000}]' "
        "--set 'thresholds.\"clients.peak\"=\">= 1\"' --out out --no-progress "
        "--dashboard 127.0.0.1:0 --metrics-listen 127.0.0.1:0 > run.log 2>&1 < /dev/null; "
        "echo $? > run.rc";
    ASSERT_EQ(std::system(("(" + command + ") &").c_str()), 0);
    for (int i = 0; i < 600 && (dashboard_ == 0 || metrics_ == 0); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      const std::string log = ReadFile(dir_ + "/run.log");
      dashboard_ = PortIn(log, "dashboard: http://127.0.0.1:");
      metrics_ = PortIn(log, "metrics: http://127.0.0.1:");
    }
    ASSERT_NE(dashboard_, 0) << ReadFile(dir_ + "/run.log");
    ASSERT_NE(metrics_, 0) << ReadFile(dir_ + "/run.log");
  }
  // The next snapshot after `after` (sequence), while the run goes on; null when none came.
  json NextSnapshot(uint64_t after) {
    for (int i = 0; i < 1000; ++i) {
      json live = json::parse(Get(dashboard_, "/live.json"), nullptr, false);
      if (live.is_object() && live.value("sequence", uint64_t{0}) > after) return live;
      if (std::filesystem::exists(dir_ + "/run.rc")) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return nullptr;
  }
  void WaitForEnd() {
    for (int i = 0; i < 6000 && !std::filesystem::exists(dir_ + "/run.rc"); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(ReadFile(dir_ + "/run.rc"), "0\n") << ReadFile(dir_ + "/run.log");
  }
  std::string Chromium(const std::string& url);

  int dashboard_ = 0, metrics_ = 0;
};

std::string DashboardTest::Chromium(const std::string& url) {
  const std::string profile = dir_ + "/chromium-profile";
  const std::string command =
      "HOME=\"${HOME:-/tmp}\" timeout 90 /usr/bin/chromium --headless --no-sandbox --disable-gpu "
      "--no-first-run --disable-background-networking --disable-component-update --disable-sync "
      "--disable-extensions --user-data-dir='" +
      profile +
      "' --enable-logging=stderr --v=0 "
      "--virtual-time-budget=3000 --dump-dom '" +
      url + "' > '" + dir_ + "/dom.html' 2> '" + dir_ + "/chromium.log'";
  EXPECT_EQ(std::system(command.c_str()), 0) << ReadFile(dir_ + "/chromium.log");
  return ReadFile(dir_ + "/dom.html");
}

TEST_F(DashboardTest, ServesGrowingFiguresPrometheusTextAndAPageChromiumFills) {
  StartLongRun();
  const json first = NextSnapshot(0);
  ASSERT_TRUE(first.is_object()) << "no snapshot during the run: " << ReadFile(dir_ + "/run.log");
  EXPECT_EQ(first["schema"], std::string(kLiveSchema));
  EXPECT_FALSE(first["done"].get<bool>());
  const json second = NextSnapshot(first["sequence"].get<uint64_t>());
  ASSERT_TRUE(second.is_object()) << "one snapshot only; the run ended too soon";
  EXPECT_GT(second["ops_total"].get<double>(), first["ops_total"].get<double>());
  EXPECT_GT(second["elapsed_s"].get<double>(), first["elapsed_s"].get<double>());
  EXPECT_GT(second["clients"]["live"].get<double>(), 0);
  EXPECT_GT(second["ops"]["poll"]["count"].get<double>(), 0);
  EXPECT_GT(second["duration_s"].get<double>(), second["elapsed_s"].get<double>());

  std::set<std::string> names;
  const std::string metrics = Get(metrics_, "/metrics");
  EXPECT_EQ(PrometheusProblems(metrics, &names), std::vector<std::string>{}) << metrics;
  for (const char* name :
       {"slotsim_clients_live", "slotsim_ops_total", "slotsim_op_p99_seconds",
        "slotsim_storage_mode", "slotsim_threshold_ok", "slotsim_faults_active"}) {
    EXPECT_EQ(names.count(name), 1u) << name << " missing:\n" << metrics;
  }
  EXPECT_EQ(Get(metrics_, "/"), "not found: /\n");  // the metrics port serves no page

  if (std::filesystem::exists("/usr/bin/chromium")) {
    const std::string dom = Chromium("http://127.0.0.1:" + std::to_string(dashboard_) + "/");
    EXPECT_NE(dom.find("data-sequence=\""), std::string::npos) << dom;
    EXPECT_NE(dom.find("<td>poll</td>"), std::string::npos) << dom;
    EXPECT_EQ(dom.find("id=\"ops\">-<"), std::string::npos) << dom;
    const std::string log = ReadFile(dir_ + "/chromium.log");
    EXPECT_EQ(log.find(":CONSOLE"), std::string::npos) << log;  // a CSP violation logs there
  } else if (std::getenv("SLOTSIM_REQUIRE_CHROMIUM") != nullptr) {
    ADD_FAILURE() << "chromium is not installed and SLOTSIM_REQUIRE_CHROMIUM is set";
  }
  WaitForEnd();
}

TEST_F(DashboardTest, RefusesAddressesThatAreNotLoopbackOrNotAddresses) {
  const std::string scenario = WriteFile("tiny.toml", testing_cli::kTinyScenario);
  testing_cli::Invocation inv = Slotsim({"run", scenario, "--dashboard", "10.1.2.3:8090"});
  EXPECT_EQ(inv.exit_code, 2) << inv.output;
  EXPECT_NE(inv.output.find("not a loopback address"), std::string::npos) << inv.output;
  EXPECT_NE(inv.output.find("--listen-any"), std::string::npos) << inv.output;
  inv = Slotsim({"run", scenario, "--metrics-listen", "localhost"});
  EXPECT_EQ(inv.exit_code, 2) << inv.output;
  EXPECT_NE(inv.output.find("expected HOST:PORT"), std::string::npos) << inv.output;
  inv = Slotsim({"run", scenario, "--dashboard", "127.0.0.1:70000"});
  EXPECT_EQ(inv.exit_code, 2) << inv.output;
  inv = Slotsim({"run", scenario, "--listen-any"});
  EXPECT_EQ(inv.exit_code, 2) << inv.output;
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/runs")) << "a refused run created its directory";
}

TEST(LiveView, PrometheusTextOfNoSnapshotIsStillValid) {
  std::set<std::string> names;
  const std::string text = PrometheusText(json::object());
  EXPECT_EQ(PrometheusProblems(text, &names), std::vector<std::string>{});
  EXPECT_EQ(names, (std::set<std::string>{"slotsim_up", "slotsim_snapshots_total"}));
}

}  // namespace
}  // namespace slotsim
