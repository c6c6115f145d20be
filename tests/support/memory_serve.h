// MemoryServe: a `slotsim serve` (the built binary, SLOTSIM_BINARY) on a free loopback port
// for the http-target suites, with `--store memory` or the given flags; stopped (SIGTERM) by
// the destructor.
#pragma once

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "procs/child_process.h"

namespace slotsim::testing {

class MemoryServe {
 public:
  bool Start(std::vector<std::string> extra = {"--store", "memory"}) {
    char dir[] = "/tmp/slotsim-http-test-XXXXXX";
    if (mkdtemp(dir) == nullptr) return false;
    dir_ = dir;
    std::vector<std::string> argv = {SLOTSIM_BINARY, "serve",     "--listen",
                                     "127.0.0.1:0",  "--threads", "48"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    const Status s = child_.Spawn(argv, dir_ + "/serve.log");
    if (!s.ok()) return false;
    for (int i = 0; i < 500 && url_.empty() && !child_.Exited(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      std::ifstream in(dir_ + "/serve.log");
      std::stringstream text;
      text << in.rdbuf();
      const std::string log = text.str();
      const size_t at = log.find("listening on ");
      if (at != std::string::npos) url_ = log.substr(at + 13, log.find(' ', at + 13) - at - 13);
    }
    return !url_.empty();
  }
  ~MemoryServe() {
    child_.Terminate(ChildProcess::kDefaultGrace);
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  const std::string& url() const { return url_; }
  int port() const { return std::stoi(url_.substr(url_.rfind(':') + 1)); }

 private:
  ChildProcess child_;
  std::string dir_;
  std::string url_;
};

}  // namespace slotsim::testing
