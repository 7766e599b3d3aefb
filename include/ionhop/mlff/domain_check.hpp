// Is a structure inside the MLFF's training domain? The Bayesian force uncertainty of the
// linear model (LinearModel::uncertainty) grows where the descriptors leave the span of the
// training data; results computed there (NEB barriers, MD) are flagged with a warning.
#pragma once

#include <string>
#include <vector>

#include "ionhop/atomistic/potential.hpp"
#include "ionhop/atomistic/structure.hpp"
#include "ionhop/mlff/linear_model.hpp"

namespace ionhop::mlff {

// The default threshold on max_force_uncertainty_ev_per_angstrom, eV/Å: the one on-the-fly
// learning labels at (examples/mlff/active_learning/*.json), so "outside" means "a frame
// active-learn would have sent to DFT".
inline constexpr double kDefaultUncertaintyWarningEvPerAngstrom = 0.25;

// Largest ‖σ_F(i)‖ over the atoms of `structure` (posterior standard deviation of the force
// on atom i, the norm of its three components), eV/Å; InputError without a posterior.
double max_force_uncertainty_ev_per_angstrom(const LinearModel& model,
                                             const atomistic::Structure& structure);

struct DomainCheck {
  bool applicable = false;  // the potential is an MLFF with a posterior
  double threshold_ev_per_angstrom = 0;
  std::vector<double> max_force_uncertainty_ev_per_angstrom;  // per structure
  std::vector<std::size_t> outside;                           // structures above threshold
  std::string warning;  // "" when none is outside (or not applicable)
};

// Evaluates every structure when `potential` is a LinearModel with a posterior; otherwise
// returns applicable = false (classical potentials have no such measure). `what` names the
// structures in the warning, e.g. "NEB image".
DomainCheck check_training_domain(const atomistic::Potential& potential,
                                  const std::vector<atomistic::Structure>& structures,
                                  double threshold_ev_per_angstrom, const std::string& what);

}  // namespace ionhop::mlff
