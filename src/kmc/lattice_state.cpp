// Consistency checks of a lattice state against a site graph and rate table.
#include "ionhop/kmc/lattice_state.hpp"

#include <algorithm>

#include "ionhop/lattice/site_graph.hpp"
#include "ionhop/rates/rate_table.hpp"

namespace ionhop::kmc {

std::optional<LatticeStateProblem> find_lattice_state_problem(const lattice::SiteGraph& graph,
                                                              const rates::RateTable& table,
                                                              const LatticeState& state) {
  const std::size_t n = graph.site_count();
  const auto& basis = graph.crystal().basis;
  if (state.occupants.size() != n)
    return LatticeStateProblem{std::nullopt, std::nullopt,
                               "has " + std::to_string(state.occupants.size()) +
                                   " occupants, but the supercell has " + std::to_string(n) +
                                   " sites"};
  std::vector<std::int32_t> defect_on(n, -1);
  std::vector<std::string> vacancy_sublattices;
  for (std::size_t d = 0; d < state.defects.size(); ++d) {
    const auto [site, species] = state.defects[d];
    const std::string which = "defect " + std::to_string(d);
    if (site >= n)
      return LatticeStateProblem{d, std::nullopt,
                                 which + ": site " + std::to_string(site) +
                                     " is out of range (the supercell has " + std::to_string(n) +
                                     " sites)"};
    if (species >= table.species.size())
      return LatticeStateProblem{d, site,
                                 which + ": unknown species index " + std::to_string(species) +
                                     " (the rate table has " +
                                     std::to_string(table.species.size()) + " species)"};
    const auto& sp = table.species[species];
    const auto& b = basis[graph.basis_of(site)];
    if (b.sublattice != sp.sublattice)
      return LatticeStateProblem{d, site,
                                 which + " (" + sp.name + "): site " + std::to_string(site) +
                                     " is on sublattice '" + b.sublattice + "', but " + sp.name +
                                     " lives on sublattice '" + sp.sublattice + "'"};
    if (defect_on[site] >= 0)
      return LatticeStateProblem{d, site,
                                 which + ": site " + std::to_string(site) +
                                     " already holds defect " + std::to_string(defect_on[site])};
    defect_on[site] = static_cast<std::int32_t>(d);
    if (sp.mechanism == rates::Mechanism::vacancy) {
      if (!state.occupants[site].empty())
        return LatticeStateProblem{d, site,
                                   which + " (" + sp.name + ", a vacancy): site " +
                                       std::to_string(site) + " holds an ion ('" +
                                       state.occupants[site] + "')"};
      if (std::find(vacancy_sublattices.begin(), vacancy_sublattices.end(), sp.sublattice) ==
          vacancy_sublattices.end())
        vacancy_sublattices.push_back(sp.sublattice);
    }
  }
  for (const auto& sub : vacancy_sublattices)
    for (lattice::SiteIndex s : graph.sites_of_sublattice(sub)) {
      if (!state.occupants[s].empty()) continue;
      const std::int32_t d = defect_on[s];
      if (d >= 0 && table.species[state.defects[static_cast<std::size_t>(d)].second].mechanism ==
                        rates::Mechanism::vacancy)
        continue;
      return LatticeStateProblem{std::nullopt, s,
                                 "site " + std::to_string(s) + " (sublattice '" + sub +
                                     "', which hosts vacancies) holds neither an ion nor a "
                                     "vacancy"};
    }
  return std::nullopt;
}

}  // namespace ionhop::kmc
