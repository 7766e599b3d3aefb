// Version and git commit of this build, for provenance in every output.
#pragma once

namespace ionhop::core {
const char* version();
const char* git_commit();
}  // namespace ionhop::core
