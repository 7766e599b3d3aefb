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

// Batch active learning over many bands (e.g. every sampled environment of a campaign):
// which candidates go to DFT. Candidate k has max-atom force uncertainty sigma[k] and
// belongs to group[k] (one band: its images are correlated, so at most max_per_group of
// them are taken). Candidates above the threshold are taken most uncertain first (ties: the
// lower index), at most max_total (0: no limit). Returns candidate indices in that order.
std::vector<std::size_t> select_uncertain(const std::vector<double>& sigma_ev_per_angstrom,
                                          const std::vector<std::size_t>& group,
                                          double threshold_ev_per_angstrom,
                                          std::size_t max_per_group, std::size_t max_total);

}  // namespace ionhop::mlff
