// Symmetry breaking before relaxation: cubic halide perovskites are dynamically unstable
// to octahedral tilts (PHYSICS.md), so a perfectly cubic start relaxes to a saddle of the
// energy surface, not a minimum. Displacing the atoms of both NEB endpoints by the SAME
// small random vector per atom lets both relax into the same tilt pattern, so the band
// connects two minima of one distorted lattice rather than two cubic saddles.
#pragma once

#include <cstdint>

#include "ionhop/atomistic/structure.hpp"

namespace ionhop::atomistic {

// Adds to every free atom k of both structures the same Gaussian displacement (σ =
// amplitude per Cartesian component), drawn from stream `seed`. Both must have the same
// number of atoms (the NEB endpoint convention). amplitude 0: no change.
void rattle_endpoints(Structure& initial, Structure& final_structure, double amplitude_angstrom,
                      std::uint64_t seed);

}  // namespace ionhop::atomistic
