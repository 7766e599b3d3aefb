// Loading any energy model for the offline stage from its parameter file, chosen by the
// file's "schema" ("ionhop.pair_potential/1" or the MLFF's "ionhop.mlff/1"), with the file's
// SHA-256 for provenance.
#pragma once

#include <memory>
#include <string>

#include "ionhop/atomistic/potential.hpp"

namespace ionhop::io {

struct LoadedPotential {
  std::unique_ptr<atomistic::Potential> potential;
  std::string path;
  std::string sha256;  // of the file's bytes
};

// Throws InputError(path, "/schema", ...) for an unknown schema, or the loader's errors.
LoadedPotential load_potential(const std::string& path);

}  // namespace ionhop::io
