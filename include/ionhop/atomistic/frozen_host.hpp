// A frozen host for hop barriers in a soft lattice. Cubic CsPbI3 is dynamically unstable to
// octahedral tilts: with every atom free, a small cell's endpoints relax into tilt patterns
// whose energies differ by up to ~1 eV, and NEB "barriers" then scatter with the pattern
// (docs/mlff.md). Fixing the atoms farther than a radius from the hop at their ideal cubic
// positions keeps the host at the average (cubic) structure of the thermally disordered
// phase, relaxes the hop's neighbourhood, and makes the barrier a well-defined number.
#pragma once

#include <string>
#include <vector>

#include "ionhop/atomistic/structure.hpp"

namespace ionhop::atomistic {

// Marks as fixed, in both endpoints, every atom farther than radius_angstrom (minimum image)
// from the midpoint of the hop: the hopping atom is the one whose position differs most
// between the endpoints. Returns the number of atoms fixed. Throws InputError (no file) for a
// non-positive radius or endpoints with different atom counts.
std::size_t fix_atoms_beyond(Structure& initial, Structure& final_structure,
                             double radius_angstrom);

// Marks as fixed, in both endpoints, every atom whose element is in `elements` (e.g. the
// cations, so that a band in a wide free region moves the halides and cannot rearrange the
// Pb–Cs framework; docs/mlff.md). Fixed atoms stay where they are (the built positions).
// Returns the number of atoms newly fixed. Throws InputError (no file, the caller adds it)
// naming the element when no atom has it, or when an atom of it differs between the
// endpoints by more than 1e-6 Å (it takes part in the hop and cannot be fixed).
std::size_t fix_elements(Structure& initial, Structure& final_structure,
                         const std::vector<std::string>& elements);

// Seeds the free atoms of `initial` (built, frozen host marked) from `start`, e.g. a state
// `ionhop relax` found with the same mask, which a rattled start of the built hop may miss:
// every atom that is not fixed takes start's position; the frozen host stays as built (it
// carries the hop's mirror symmetry). Throws InputError (no file: the caller adds it) when
// start has another atom count or element order, or moved a frozen-host atom by more than
// 1e-3 Å (another host, which the hop's mirror would no longer map onto itself).
void seed_free_atoms(Structure& initial, const Structure& start);

// The same for one structure around one of its atoms (`ionhop relax`): marks as fixed every
// atom farther than radius_angstrom (minimum image) from atom `centre`, keeping atoms already
// fixed. Returns the number of fixed atoms. The caller checks the centre index and radius.
std::size_t fix_atoms_farther_than(Structure& structure, std::size_t centre,
                                   double radius_angstrom);

}  // namespace ionhop::atomistic
