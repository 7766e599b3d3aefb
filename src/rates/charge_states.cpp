#include "ionhop/rates/charge_states.hpp"

#include <algorithm>
#include <cmath>
#include <queue>

#include "ionhop/core/error.hpp"
#include "ionhop/core/units.hpp"

namespace ionhop::rates {

double transition_free_energy_ev(int charge_from, int charge_to, double fermi_level_ev,
                                 double level_ev) {
  return (charge_to - charge_from) * (fermi_level_ev - level_ev);
}

std::vector<std::vector<CompiledTransition>> compile_transitions(const RateTable& table,
                                                                 double fermi_level_ev,
                                                                 double temperature_k) {
  std::vector<std::vector<CompiledTransition>> out(table.species.size());
  const double kt = units::thermal_energy_ev(temperature_k);
  for (const auto& t : table.charge_model.transitions) {
    const std::size_t from = *table.species_index(t.from), to = *table.species_index(t.to);
    const double dg = transition_free_energy_ev(
        table.species[from].charge, table.species[to].charge, fermi_level_ev, t.level_ev);
    out[from].push_back({to, t.capture_rate_hz});
    out[to].push_back({from, t.capture_rate_hz * std::exp(dg / kt)});  // k_b/k_f = exp(ΔG/kT)
  }
  return out;
}

std::vector<std::size_t> charge_state_family(const RateTable& table, std::size_t species) {
  std::vector<bool> seen(table.species.size(), false);
  std::queue<std::size_t> todo;
  todo.push(species);
  seen[species] = true;
  while (!todo.empty()) {
    const std::size_t s = todo.front();
    todo.pop();
    for (const auto& t : table.charge_model.transitions) {
      const std::size_t a = *table.species_index(t.from), b = *table.species_index(t.to);
      for (auto [x, y] : {std::pair{a, b}, std::pair{b, a}})
        if (x == s && !seen[y]) {
          seen[y] = true;
          todo.push(y);
        }
    }
  }
  std::vector<std::size_t> family;
  for (std::size_t i = 0; i < seen.size(); ++i)
    if (seen[i]) family.push_back(i);
  return family;
}

std::vector<double> equilibrium_occupancies(const RateTable& table, std::size_t species,
                                            double fermi_level_ev, double temperature_k) {
  const auto family = charge_state_family(table, species);
  // Free energy of each state relative to `species`, along the transition graph (a tree or
  // consistent cycles: G is a state function of the charge, G(q) = E_f0(q) + q E_F).
  std::vector<double> g(table.species.size(), NAN);
  g[species] = 0.0;
  bool changed = true;
  while (changed) {
    changed = false;
    for (const auto& t : table.charge_model.transitions) {
      const std::size_t a = *table.species_index(t.from), b = *table.species_index(t.to);
      const double dg = transition_free_energy_ev(table.species[a].charge, table.species[b].charge,
                                                  fermi_level_ev, t.level_ev);
      if (std::isfinite(g[a]) && !std::isfinite(g[b])) {
        g[b] = g[a] + dg;
        changed = true;
      } else if (std::isfinite(g[b]) && !std::isfinite(g[a])) {
        g[a] = g[b] - dg;
        changed = true;
      }
    }
  }
  const double kt = units::thermal_energy_ev(temperature_k);
  double g_min = INFINITY;
  for (std::size_t s : family) g_min = std::min(g_min, g[s]);
  std::vector<double> p;
  double z = 0;
  for (std::size_t s : family) {
    p.push_back(std::exp(-(g[s] - g_min) / kt));
    z += p.back();
  }
  for (double& x : p) x /= z;
  return p;
}

void check_charge_model(const RateTable& table) {
  const auto& m = table.charge_model;
  for (std::size_t i = 0; i < m.transitions.size(); ++i) {
    const auto& t = m.transitions[i];
    const std::string at = "/charge_model/transitions/" + std::to_string(i);
    const auto from = table.species_index(t.from), to = table.species_index(t.to);
    if (!from) throw InputError("", at + "/from", "unknown species '" + t.from + "'");
    if (!to) throw InputError("", at + "/to", "unknown species '" + t.to + "'");
    const auto& a = table.species[*from];
    const auto& b = table.species[*to];
    if (std::abs(a.charge - b.charge) != 1)
      throw InputError("", at,
                       "a transition captures one carrier: charges of '" + t.from + "' (" +
                           std::to_string(a.charge) + ") and '" + t.to + "' (" +
                           std::to_string(b.charge) + ") must differ by 1");
    if (a.sublattice != b.sublattice || a.mechanism != b.mechanism)
      throw InputError("", at,
                       "'" + t.from + "' and '" + t.to +
                           "' must be the same kind of defect (mechanism and sublattice)");
    if (t.level_ev < 0 || t.level_ev > m.band_gap_ev)
      throw InputError("", at + "/level_ev",
                       "transition level must lie in the band gap [0, " +
                           std::to_string(m.band_gap_ev) + "] eV (got " +
                           std::to_string(t.level_ev) + ")");
  }
}

}  // namespace ionhop::rates
