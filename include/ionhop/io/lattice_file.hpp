// lattices/*.json (schema "ionhop.lattice/1") → lattice::Crystal, with precise errors.
#pragma once

#include <string>

#include "ionhop/lattice/crystal.hpp"

namespace ionhop::io {
lattice::Crystal load_crystal(const std::string& path);
}
