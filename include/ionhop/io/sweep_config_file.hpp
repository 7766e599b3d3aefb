// Sweep configs (examples/*.json, schema "ionhop.sweep/1") → sweep::SweepConfig. Paths in
// the config are relative to the config file. Every check that can fail on user input is
// made here, before anything runs or any output is written.
#pragma once

#include <string>

#include "ionhop/sweep/sweep_config.hpp"

namespace ionhop::io {

sweep::SweepConfig load_sweep_config(const std::string& path);

// SHA-256 of a file's bytes (provenance).
std::string file_sha256(const std::string& path);

// Checks that cannot be made by the JSON reader alone (species known, supercells fit the
// hop shells, enough sites for the defects, blocks vs hops); errors name `file`.
void validate_sweep_config(const sweep::SweepConfig& config, const std::string& file);

}  // namespace ionhop::io
