// The git commit slotsim was built from, for every report and `slotsim version`.
#pragma once

namespace slotsim {

// The 12-digit hash of HEAD at the last build, "-dirty" appended when tracked files differed
// from it, or "unknown" when the sources were not a git work tree of their own (a tarball).
// Read at every build, not at configure time (cmake/git_commit.cmake writes its definition
// into the build dir). A static string; thread-safe.
const char* GitCommit();

}  // namespace slotsim
