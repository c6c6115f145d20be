// Shared by the command-line suites: runs the built slotsim binary in a temporary working
// directory, captures its output and exit code, and reads the summaries it writes.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace slotsim::testing_cli {

// What one invocation printed (stdout and stderr together) and how it exited.
struct Invocation {
  int exit_code = -1;
  std::string output;
};

// A ten-second open-model sim scenario with nothing to fail: 5 arrivals/s, no thresholds.
inline constexpr const char* kTinyScenario =
    "name = \"tiny\"\n"
    "duration = \"10s\"\n"
    "[load]\n"
    "stages = [{ for = \"10s\", to = 5 }]\n";

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/slotsim-cli-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Runs `slotsim ARGS...` with the temporary directory as its working directory.
  Invocation Slotsim(const std::vector<std::string>& args) {
    std::string command = "cd '" + dir_ + "' && '" + std::string(SLOTSIM_BINARY) + "'";
    for (const std::string& a : args) command += " '" + a + "'";
    Invocation inv;
    FILE* pipe = popen((command + " 2>&1 </dev/null").c_str(), "r");
    if (pipe == nullptr) return inv;
    char buf[4096];
    for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) inv.output.append(buf, n);
    const int status = pclose(pipe);
    inv.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return inv;
  }

  // Writes `text` to `name` in the temporary directory; returns its path.
  std::string WriteFile(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path) << text;
    return path;
  }

  std::string ReadFile(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  // The summary.json at `path` (relative to the temporary directory unless absolute).
  nlohmann::json Summary(const std::string& path) {
    const std::string full = path.empty() || path[0] == '/' ? path : dir_ + "/" + path;
    nlohmann::json doc = nlohmann::json::parse(ReadFile(full), nullptr, false);
    EXPECT_TRUE(doc.is_object()) << full;
    return doc;
  }

  // The path after "summary: " in a run's output ("" when there is none).
  static std::string SummaryPathIn(const std::string& output) {
    const size_t at = output.find("summary: ");
    if (at == std::string::npos) return "";
    const size_t end = output.find('\n', at);
    return output.substr(at + 9, end - at - 9);
  }

  std::string dir_;
};

}  // namespace slotsim::testing_cli
