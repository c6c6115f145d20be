// Shipped scenarios for tests: their paths in the source tree. Header-only: SLOTSIM_SOURCE_DIR
// is a compile definition of every test executable, not of test_support.
#pragma once

#include <string>

namespace slotsim::testing {

// scenarios/<name>.toml in the source tree.
inline std::string ShippedScenarioPath(const std::string& name) {
  return std::string(SLOTSIM_SOURCE_DIR) + "/scenarios/" + name + ".toml";
}

}  // namespace slotsim::testing
