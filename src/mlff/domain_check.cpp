// Training-domain check of MLFF results by the Bayesian force uncertainty.
#include "ionhop/mlff/domain_check.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

namespace ionhop::mlff {

double max_force_uncertainty_ev_per_angstrom(const LinearModel& model,
                                             const atomistic::Structure& structure) {
  const Uncertainty u = model.uncertainty(structure);
  return u.forces_ev_per_angstrom.cols() == 0
             ? 0.0
             : u.forces_ev_per_angstrom.colwise().norm().maxCoeff();
}

DomainCheck check_training_domain(const atomistic::Potential& potential,
                                  const std::vector<atomistic::Structure>& structures,
                                  double threshold_ev_per_angstrom, const std::string& what) {
  DomainCheck c;
  c.threshold_ev_per_angstrom = threshold_ev_per_angstrom;
  const auto* model = dynamic_cast<const LinearModel*>(&potential);
  if (model == nullptr || !model->has_uncertainty()) return c;
  c.applicable = true;
  double worst = 0;
  for (std::size_t k = 0; k < structures.size(); ++k) {
    const double sigma = max_force_uncertainty_ev_per_angstrom(*model, structures[k]);
    c.max_force_uncertainty_ev_per_angstrom.push_back(sigma);
    if (sigma > threshold_ev_per_angstrom) c.outside.push_back(k);
    worst = std::max(worst, sigma);
  }
  if (!c.outside.empty()) {
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "%zu of %zu %ss outside the MLFF's training domain (force uncertainty up to "
                  "%.3f eV/A > %.3f eV/A): add such structures to the training set "
                  "(ionhop active-learn, dft-label) before trusting the result",
                  c.outside.size(), structures.size(), what.c_str(), worst,
                  threshold_ev_per_angstrom);
    c.warning = buf;
  }
  return c;
}

std::vector<std::size_t> select_uncertain(const std::vector<double>& sigma_ev_per_angstrom,
                                          const std::vector<std::size_t>& group,
                                          double threshold_ev_per_angstrom,
                                          std::size_t max_per_group, std::size_t max_total) {
  std::vector<std::size_t> order;
  for (std::size_t k = 0; k < sigma_ev_per_angstrom.size(); ++k)
    if (sigma_ev_per_angstrom[k] > threshold_ev_per_angstrom) order.push_back(k);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return sigma_ev_per_angstrom[a] > sigma_ev_per_angstrom[b];
  });
  std::map<std::size_t, std::size_t> taken;  // per group
  std::vector<std::size_t> chosen;
  for (const std::size_t k : order) {
    if (max_total > 0 && chosen.size() >= max_total) break;
    if (taken[group.at(k)] >= max_per_group) continue;
    ++taken[group[k]];
    chosen.push_back(k);
  }
  return chosen;
}

}  // namespace ionhop::mlff
