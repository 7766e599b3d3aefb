// Loading pair-potential parameter files (schema "ionhop.pair_potential/1": element charges,
// Buckingham / Lennard-Jones pair terms, cutoff, Ewald accuracy) with precise one-line errors.
#pragma once

#include <string>

#include "ionhop/atomistic/pair_potential.hpp"

namespace ionhop::io {

// Reads and checks a parameter file; every problem is an InputError naming the file and the
// JSON pointer (unknown key, rho <= 0, duplicate pair, unknown form, pair element without a
// charge, ...).
atomistic::PairPotentialParameters load_pair_potential_parameters(const std::string& path);

// load_pair_potential_parameters + the PairPotential built from them.
atomistic::PairPotential load_pair_potential(const std::string& path);

}  // namespace ionhop::io
