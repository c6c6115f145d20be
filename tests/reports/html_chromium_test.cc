// report.html rendered by a real browser: Debian's headless Chromium loads the page from a
// file, and the test checks that the rendered DOM still holds every chart and that the browser
// logged no console message (a script error, or a Content-Security-Policy violation such as a
// resource the page tried to fetch). A deliberately broken page proves the check can fail.
//
// Skips when chromium is not installed, unless SLOTSIM_REQUIRE_CHROMIUM is set (the test
// command installs it and sets that): then a missing browser is a failure.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "reports/html_report.h"
#include "procs/child_process.h"
#include "tests/reports/report_fixture.h"

namespace slotsim {
namespace {

using nlohmann::json;
using testing_reports::CountOf;
namespace fs = std::filesystem;

constexpr Millis kRenderTimeout{90'000};

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The browser's console messages ("...:CONSOLE:<line>] ...") and uncaught errors in its log.
std::vector<std::string> ConsoleLines(const std::string& log) {
  std::vector<std::string> out;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (line.find(":CONSOLE") != std::string::npos || line.find("Uncaught") != std::string::npos) {
      out.push_back(line);
    }
  }
  return out;
}

struct Rendered {
  std::string dom;  // chromium --dump-dom
  std::string log;  // its stderr
};

class HtmlChromiumTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("slotsim_chromium_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    std::optional<std::string> found = FindExecutable("chromium", {"/usr/bin"});
    if (!found) {
      if (std::getenv("SLOTSIM_REQUIRE_CHROMIUM") != nullptr) {
        FAIL() << "chromium is not installed and SLOTSIM_REQUIRE_CHROMIUM is set";
      }
      GTEST_SKIP() << "chromium is not installed (apt-get install chromium); set "
                      "SLOTSIM_REQUIRE_CHROMIUM=1 to make this a failure";
    }
    chromium_ = *found;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Loads `html` from a file in headless Chromium and returns the DOM and the log. Fails the
  // test when the browser does not exit in time or exits with an error.
  Rendered Render(const std::string& html, const std::string& name) {
    const fs::path page = dir_ / (name + ".html"), dom = dir_ / (name + ".dom");
    std::ofstream(page) << html;
    // sh only sends chromium's stdout (the DOM) to its own file; stderr goes to the log.
    const std::vector<std::string> argv = {
        "/bin/sh",
        "-c",
        "out=$1; shift; export HOME=\"${HOME:-/tmp}\"; exec \"$@\" > \"$out\"",
        "sh",
        dom.string(),
        chromium_,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--user-data-dir=" + (dir_ / (name + "-profile")).string(),
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=2000",
        "--dump-dom",
        "file://" + page.string()};
    ChildProcess browser;
    const fs::path log = dir_ / (name + ".log");
    const Status spawned = browser.Spawn(argv, log.string());
    EXPECT_TRUE(spawned.ok()) << spawned.ToString();
    if (!spawned.ok()) return {};
    const bool exited = browser.WaitExit(kRenderTimeout);
    if (!exited) browser.Kill();
    EXPECT_TRUE(exited) << "chromium did not finish within " << kRenderTimeout.count() << " ms";
    EXPECT_EQ(browser.exit_description(), "exited with status 0") << ReadFile(log);
    return {ReadFile(dom), ReadFile(log)};
  }

  fs::path dir_;
  std::string chromium_;
};

TEST_F(HtmlChromiumTest, ReportRendersItsChartsWithoutConsoleErrors) {
  const json summary =
      testing_reports::RunSimSummary("redis-outage", testing_reports::ShortOutage());
  ASSERT_FALSE(summary.is_null());
  const std::string html = HtmlReport(summary);
  const size_t charts = CountOf(html, "<svg");
  ASSERT_GE(charts, 4u);
  const Rendered r = Render(html, "report");
  EXPECT_EQ(CountOf(r.dom, "<svg"), charts) << r.dom.substr(0, 500);
  EXPECT_EQ(CountOf(r.dom, "</svg>"), charts);
  EXPECT_EQ(CountOf(r.dom, "<polyline"), CountOf(html, "<polyline"));
  EXPECT_EQ(CountOf(r.dom, "class=\"fault\""), 2u);
  EXPECT_NE(r.dom.find("<table>"), std::string::npos);
  EXPECT_EQ(ConsoleLines(r.log), std::vector<std::string>{}) << r.log;
}

TEST_F(HtmlChromiumTest, BrokenPageIsCaughtByTheConsoleCheck) {
  const json summary = {{"schema", "slotsim.summary/1"}, {"scenario", "broken"}};
  std::string html = HtmlReport(summary);
  // A fetch from elsewhere, refused by the page's own Content-Security-Policy.
  html.insert(html.find("</body>"), "<img src=\"https://example.invalid/x.png\" alt=\"\">");
  const Rendered r = Render(html, "broken");
  EXPECT_NE(r.dom.find("<svg"), std::string::npos);
  const std::vector<std::string> lines = ConsoleLines(r.log);
  ASSERT_FALSE(lines.empty()) << r.log;
  EXPECT_NE(lines[0].find("Content Security Policy"), std::string::npos) << lines[0];

  const Rendered thrown =
      Render("<!DOCTYPE html><html><body><script>throw new Error('boom')</script></body></html>",
             "thrown");
  const std::vector<std::string> errors = ConsoleLines(thrown.log);
  ASSERT_FALSE(errors.empty()) << thrown.log;
  EXPECT_NE(errors[0].find("Uncaught Error: boom"), std::string::npos) << errors[0];
}

}  // namespace
}  // namespace slotsim
