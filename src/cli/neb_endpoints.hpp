// The endpoints an ionhop.neb/1 config describes, shared by `ionhop neb` and `ionhop learn-neb`.
#pragma once

#include <utility>

#include "ionhop/atomistic/structure.hpp"
#include "ionhop/io/barrier_campaign_file.hpp"

namespace ionhop::cli {

// The two endpoints (unrelaxed, not rattled), same atoms in the same order: a vacancy or
// split-interstitial hop built from the config's lattice, or the last frame of each endpoint
// file. Throws InputError naming the config key or file.
std::pair<atomistic::Structure, atomistic::Structure> neb_endpoints(const io::NebConfig& config);

// The frozen host of the config: atoms farther than "fix_beyond_angstrom" from the hop and
// atoms of the "fix_elements" elements are marked fixed in both endpoints (at their built
// positions). Throws InputError naming the config key. No-op without either key.
void apply_frozen_host(const io::NebConfig& config, atomistic::Structure& initial,
                       atomistic::Structure& final_structure);

// With "initial_start": the free atoms of `initial` (built, frozen host marked, rattled) take
// the positions of the start file's last frame; the frozen host stays as built (it carries the
// mirror symmetry of the hop). Throws InputError naming the file when its atoms differ in
// number or order, or when it moved an atom of the frozen host. No-op without the key.
void apply_initial_start(const io::NebConfig& config, atomistic::Structure& initial);

}  // namespace ionhop::cli
