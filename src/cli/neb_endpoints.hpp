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

}  // namespace ionhop::cli
