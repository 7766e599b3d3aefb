#include "ionhop/rates/compiled_rates.hpp"

#include <algorithm>
#include <cmath>

#include "ionhop/core/error.hpp"
#include "ionhop/core/units.hpp"

namespace ionhop::rates {

void check_against_crystal(const RateTable& table, const lattice::Crystal& crystal) {
  for (std::size_t s = 0; s < table.species.size(); ++s) {
    const auto& sp = table.species[s];
    const std::string at = "/species/" + std::to_string(s);
    if (!crystal.has_sublattice(sp.sublattice))
      throw InputError(
          "", at + "/sublattice",
          "unknown sublattice '" + sp.sublattice + "' (lattice '" + crystal.name + "')");
    for (std::size_t h = 0; h < sp.hops.size(); ++h) {
      const auto shell = crystal.shell_index(sp.hops[h].shell);
      const std::string hat = at + "/hops/" + std::to_string(h) + "/shell";
      if (!shell)
        throw InputError(
            "", hat,
            "unknown hop shell '" + sp.hops[h].shell + "' (lattice '" + crystal.name + "')");
      if (crystal.hop_shells[*shell].sublattice != sp.sublattice)
        throw InputError("", hat,
                         "hop shell '" + sp.hops[h].shell + "' joins sublattice '" +
                             crystal.hop_shells[*shell].sublattice + "', not '" + sp.sublattice +
                             "'");
    }
    if (sp.has_environment()) {
      const auto shell = crystal.shell_index(sp.environment_shell);
      if (!shell)
        throw InputError("", at + "/environment/shell",
                         "unknown hop shell '" + sp.environment_shell + "'");
      if (crystal.hop_shells[*shell].sublattice != sp.sublattice)
        throw InputError("", at + "/environment/shell",
                         "hop shell '" + sp.environment_shell + "' is not on sublattice '" +
                             sp.sublattice + "'");
    }
    for (const auto& [label, energy] : sp.site_energies_ev) {
      const auto b = crystal.basis_index(label);
      if (!b) throw InputError("", at + "/site_energies_ev/" + label, "unknown basis site label");
      if (crystal.basis[*b].sublattice != sp.sublattice)
        throw InputError("", at + "/site_energies_ev/" + label,
                         "basis site is on sublattice '" + crystal.basis[*b].sublattice +
                             "', not '" + sp.sublattice + "'");
    }
  }
}

bool has_moving_species_rates(const RateTable& table) {
  for (const auto& sp : table.species)
    for (const auto& h : sp.hops)
      if (!h.moving_species.empty()) return true;
  return false;
}

CompiledRates::CompiledRates(const RateTable& table, const lattice::SiteGraph& graph,
                             double temperature_k, const lattice::Vec3& field_v_per_angstrom,
                             const std::vector<std::string>& occupants)
    : basis_count_(graph.basis_count()),
      stride_(graph.max_hops_per_site()),
      occupant_count_(std::max<std::size_t>(occupants.size(), 1)),
      temperature_k_(temperature_k) {
  const auto& crystal = graph.crystal();
  check_against_crystal(table, crystal);
  rates_.assign(table.species.size() * basis_count_ * stride_ * occupant_count_, 0.0);
  barriers_.assign(rates_.size(), INFINITY);
  for (std::size_t s = 0; s < table.species.size(); ++s) {
    const auto& sp = table.species[s];
    if (!sp.mobile) continue;
    auto site_energy = [&](std::size_t basis) {
      auto it = sp.site_energies_ev.find(crystal.basis[basis].label);
      return it == sp.site_energies_ev.end() ? 0.0 : it->second;
    };
    for (std::size_t b = 0; b < basis_count_; ++b) {
      if (crystal.basis[b].sublattice != sp.sublattice) continue;
      const auto& templates = graph.hop_templates(b);
      for (std::size_t k = 0; k < templates.size(); ++k) {
        for (std::size_t o = 0; o < occupant_count_; ++o) {
          // The ion that would move: the given occupant, or the target's default one.
          const std::string& mover =
              occupants.empty() ? crystal.basis[templates[k].target_basis].occupant : occupants[o];
          // An entry for this moving species wins over a generic entry of the same shell.
          const HopRate* hop = nullptr;
          for (const auto& h : sp.hops) {
            if (*crystal.shell_index(h.shell) != templates[k].shell) continue;
            if (h.moving_species == mover) {
              hop = &h;
              break;
            }
            if (h.moving_species.empty()) hop = &h;
          }
          if (!hop) continue;  // this ion cannot exchange with the vacancy along this shell
          // Kinetically resolved activation barrier (PHYSICS.md, "Rates").
          const double eb =
              hop->barrier_ev + 0.5 * (site_energy(templates[k].target_basis) - site_energy(b));
          const std::size_t at = ((s * basis_count_ + b) * stride_ + k) * occupant_count_ + o;
          barriers_[at] = eb;
          // Field bias: q (e) × E (V/Å) · Δr (Å) is an energy in eV.
          const double bias_ev =
              sp.charge * field_v_per_angstrom.dot(templates[k].displacement_angstrom);
          rates_[at] = arrhenius_rate_hz(hop->attempt_frequency_hz, eb, temperature_k) *
                       std::exp(bias_ev / (2.0 * units::thermal_energy_ev(temperature_k)));
        }
      }
    }
  }
}

double uncorrelated_diffusion_angstrom2_s(const RateTable& table, const CompiledRates& rates,
                                          const lattice::SiteGraph& graph, std::size_t species) {
  const auto& sp = table.species[species];
  const auto& crystal = graph.crystal();
  const double kt = units::thermal_energy_ev(rates.temperature_k());
  double weighted = 0, weights = 0;
  for (std::size_t b = 0; b < graph.basis_count(); ++b) {
    if (crystal.basis[b].sublattice != sp.sublattice) continue;
    auto it = sp.site_energies_ev.find(crystal.basis[b].label);
    const double w = std::exp(-(it == sp.site_energies_ev.end() ? 0.0 : it->second) / kt);
    double sum = 0;
    const auto& templates = graph.hop_templates(b);
    for (std::size_t k = 0; k < templates.size(); ++k)
      sum += rates.rate_hz(species, b, k) * templates[k].displacement_angstrom.squaredNorm();
    weighted += w * sum / 6.0;
    weights += w;
  }
  return weights > 0 ? weighted / weights : 0.0;
}

}  // namespace ionhop::rates
