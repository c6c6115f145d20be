// The git commit read at build time: the built value is the source tree's HEAD, and the script
// that writes it (cmake/git_commit.cmake) says "unknown" outside a work tree of its own and
// leaves its output untouched when the commit did not change.
#include "common/git_commit.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace slotsim {
namespace {

namespace fs = std::filesystem;

// What `command` prints on stdout, the trailing newline cut; nullopt when it fails.
std::optional<std::string> Output(const std::string& command) {
  FILE* p = popen((command + " 2>/dev/null").c_str(), "r");
  if (p == nullptr) return std::nullopt;
  std::string out;
  char buf[256];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  if (pclose(p) != 0) return std::nullopt;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::string Quoted(const fs::path& p) { return "'" + p.string() + "'"; }

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class GitCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "slotsim-git-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs the script on `source`; returns the commit the generated file holds ("" on failure).
  std::string Generate(const fs::path& source, const fs::path& output) {
    const std::string cmd = std::string("'") + SLOTSIM_CMAKE_COMMAND +
                            "' -DSOURCE_DIR=" + Quoted(source) + " -DOUTPUT=" + Quoted(output) +
                            " -P '" + SLOTSIM_SOURCE_DIR + "/cmake/git_commit.cmake' >/dev/null";
    if (std::system(cmd.c_str()) != 0) return "";
    const std::string text = ReadFile(output);
    const size_t at = text.find("return \"");
    if (at == std::string::npos) return "";
    const size_t from = at + 8;
    return text.substr(from, text.find('"', from) - from);
  }

  fs::path dir_;
};

TEST_F(GitCommitTest, BuiltValueIsTheSourceTreesHead) {
  const std::string source = SLOTSIM_SOURCE_DIR;
  std::optional<std::string> top =
      Output("git -C " + Quoted(source) + " rev-parse --show-toplevel");
  if (!top || fs::canonical(*top) != fs::canonical(source)) {
    EXPECT_STREQ(GitCommit(), "unknown") << "sources outside a git work tree of their own";
    return;
  }
  std::optional<std::string> head =
      Output("git -C " + Quoted(source) + " rev-parse --short=12 HEAD");
  ASSERT_TRUE(head.has_value());
  const std::string built = GitCommit();
  EXPECT_TRUE(built == *head || built == *head + "-dirty")
      << "built " << built << ", HEAD " << *head << " (a commit since the last build?)";
}

TEST_F(GitCommitTest, ScriptSaysUnknownWithoutGitAndInsideAnotherRepository) {
  EXPECT_EQ(Generate(dir_, dir_ / "a.cc"), "unknown");
  // A tarball unpacked inside some other repository must not report that repository's commit.
  const fs::path repo = dir_ / "repo";
  fs::create_directories(repo / "unpacked");
  ASSERT_TRUE(Output("git init -q " + Quoted(repo) + " && git -C " + Quoted(repo) +
                     " -c user.name=t -c user.email=t@example.com commit -q --allow-empty -m x"));
  EXPECT_EQ(Generate(repo / "unpacked", dir_ / "b.cc"), "unknown");
  std::optional<std::string> head = Output("git -C " + Quoted(repo) + " rev-parse --short=12 HEAD");
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(Generate(repo, dir_ / "c.cc"), *head);
  std::ofstream(repo / "tracked") << "1";
  ASSERT_TRUE(Output("git -C " + Quoted(repo) + " add tracked"));
  EXPECT_EQ(Generate(repo, dir_ / "c.cc"), *head + "-dirty");
}

TEST_F(GitCommitTest, ScriptLeavesAnUnchangedFileUntouched) {
  const fs::path out = dir_ / "git_commit.cc";
  ASSERT_EQ(Generate(dir_, out), "unknown");
  const fs::file_time_type past = fs::last_write_time(out) - std::chrono::hours(1);
  fs::last_write_time(out, past);
  ASSERT_EQ(Generate(dir_, out), "unknown");
  EXPECT_EQ(fs::last_write_time(out), past) << "rewritten with the same content";
  std::ofstream(out) << "stale";
  ASSERT_EQ(Generate(dir_, out), "unknown");
  EXPECT_NE(fs::last_write_time(out), past);
}

}  // namespace
}  // namespace slotsim
