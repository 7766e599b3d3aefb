// Lattice state files (schema "ionhop.state/1"): the host ion on every site and the defects,
// so a run can start from a given configuration (an alloy, the end of an earlier run).
//   {"schema": "ionhop.state/1", "lattice": "<crystal name>", "supercell": [n1, n2, n3],
//    "occupant_legend": ["Cs", "Pb", "I", "Br"],
//    "occupants": "bacc.d...",            // one character per site, in site index order:
//                                         // 'a' + legend index, '.' for no ion
//    "defects": [{"site": 17, "species": "V_X^+"}, ...],
//    "time_s": 1.2e-9, "hops": 100000,     // reached since the first run of the chain
//    "provenance": "..."}
// Species are named as in the rate table; sites are indices into the supercell
// ((i·n2 + j)·n3 + k)·n_basis + b.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "ionhop/kmc/lattice_state.hpp"

namespace ionhop::io {

struct LatticeStateFile {
  std::string lattice;  // the crystal's name (checked on reading)
  std::array<int, 3> supercell{1, 1, 1};
  kmc::LatticeState state;
  // Simulated time and hops since the first run of a chain of continuations (provenance;
  // a run started from the state begins at time 0 all the same).
  double time_s = 0;
  std::uint64_t hops = 0;
  std::string provenance;
};

// The file's JSON text. Throws InputError("", "", ...) when the state has more than 26
// distinct occupants or a defect of a species not in `table`.
std::string lattice_state_json(const LatticeStateFile& file, const rates::RateTable& table);

// Writes atomically (io::write_file_atomically).
void write_lattice_state(const std::string& path, const LatticeStateFile& file,
                         const rates::RateTable& table);

// Reads a state for a run on `graph` with `table`. Throws InputError(path, JSON pointer, ...)
// on a wrong schema, a lattice name or supercell that is not the run's, an occupants
// string of the wrong length or with a character outside '.' and the legend, an unknown
// species name, a site out of range or given twice, or a state the engine cannot start
// from (kmc::find_lattice_state_problem: wrong sublattice, a vacancy on an ion, ...).
LatticeStateFile load_lattice_state(const std::string& path, const lattice::SiteGraph& graph,
                                    const rates::RateTable& table);

}  // namespace ionhop::io
