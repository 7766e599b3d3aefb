// Samples that start from a metastable state. In a soft lattice the relaxed initial endpoint
// of a hop depends on where the relaxation started: repeats of one occupation (different
// rattles) can end in minima that differ by 0.1 eV (V_I^0 in CsPbI3 with the MLFF: one rattle
// of four found a state 0.10 eV below the other three). The occupation's resting state is the
// lowest of them; a barrier measured from a state above it is the escape from a metastable
// start, which relaxes to the resting state before it hops, not the hop's barrier.
#pragma once

#include <string>
#include <vector>

#include "ionhop/barriers/barrier_sample.hpp"

namespace ionhop::barriers {

struct StartSelection {
  std::vector<BarrierSample> kept;  // the input order, metastable starts removed
  // One line per removed sample: "<id>: initial state 0.1002 eV above the lowest (<id>)".
  std::vector<std::string> removed;
};

// Groups the converged samples that record initial_energy_ev by (defect, occupation_key) and
// removes those whose initial energy lies more than tolerance_ev above the group's lowest.
// Samples without an initial energy or an occupation key, and unconverged samples (never
// fitted), are kept as they are. Throws InputError for a negative or non-finite tolerance.
StartSelection drop_metastable_starts(const std::vector<BarrierSample>& samples,
                                      double tolerance_ev);

}  // namespace ionhop::barriers
