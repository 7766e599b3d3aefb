#include "ionhop/rates/compiled_rates.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

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
    if (!sp.element.empty()) {
      // The element must be an ion this sublattice can host: not one that only the other
      // sublattices hold (a typo such as "Pb" for "I" on X). Ions that only a composition
      // brings in (Br in CsPbI3) are checked by the engine, which knows the composition.
      bool own = false;
      const lattice::BasisSite* other = nullptr;
      for (const auto& b : crystal.basis) {
        if (b.occupant != sp.element) continue;
        if (b.sublattice == sp.sublattice)
          own = true;
        else
          other = &b;
      }
      if (!own && other)
        throw InputError("", at + "/element",
                         "'" + sp.element + "' is the ion of sublattice '" + other->sublattice +
                             "', not a host ion of sublattice '" + sp.sublattice + "'");
      // A kick-out of the lattice's own host ion needs the species that ion becomes.
      for (std::size_t h = 0; h < sp.hops.size(); ++h) {
        const auto& hop = sp.hops[h];
        if (hop.mechanism != HopMechanism::kickout || !hop.moving_species.empty()) continue;
        for (const auto& b : crystal.basis)
          if (b.sublattice == sp.sublattice &&
              !interstitial_species_of(table, b.occupant, sp.charge, sp.sublattice))
            throw InputError("", at + "/hops/" + std::to_string(h),
                             "kick-out of the host ion '" + b.occupant +
                                 "' needs an interstitial species with \"element\": \"" +
                                 b.occupant + "\" and charge " + std::to_string(sp.charge) +
                                 " on sublattice '" + sp.sublattice +
                                 "' (the kicked-out ion becomes it); the table has none");
      }
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

namespace {
double species_site_energy(const DefectSpecies& sp, const lattice::Crystal& crystal,
                           std::size_t basis) {
  auto it = sp.site_energies_ev.find(crystal.basis[basis].label);
  return it == sp.site_energies_ev.end() ? 0.0 : it->second;
}
}  // namespace

bool has_moving_species_rates(const RateTable& table) {
  for (const auto& sp : table.species)
    if (sp.mechanism == Mechanism::vacancy)
      for (const auto& h : sp.hops)
        if (!h.moving_species.empty()) return true;
  return false;
}

bool has_kickout(const RateTable& table) {
  for (const auto& sp : table.species)
    for (const auto& h : sp.hops)
      if (h.mechanism == HopMechanism::kickout) return true;
  return false;
}

std::optional<std::size_t> interstitial_species_of(const RateTable& table,
                                                   const std::string& element, int charge,
                                                   const std::string& sublattice) {
  for (std::size_t s = 0; s < table.species.size(); ++s) {
    const auto& sp = table.species[s];
    if (sp.mechanism == Mechanism::interstitial && sp.element == element && sp.charge == charge &&
        sp.sublattice == sublattice)
      return s;
  }
  return std::nullopt;
}

namespace {
// Species a's kick-out entry for kicking out `ion` along `shell`: the entry naming the ion,
// else the generic one (no moving_species); -1: none.
int own_kickout_entry(const DefectSpecies& a, const std::string& ion, const std::string& shell) {
  int generic = -1;
  for (std::size_t h = 0; h < a.hops.size(); ++h) {
    const auto& hop = a.hops[h];
    if (hop.mechanism != HopMechanism::kickout || hop.shell != shell) continue;
    if (hop.moving_species == ion) return static_cast<int>(h);
    if (hop.moving_species.empty()) generic = static_cast<int>(h);
  }
  return generic;
}
}  // namespace

const HopRate* kickout_entry(const RateTable& table, std::size_t a, std::size_t b,
                             const std::string& shell) {
  const auto& sa = table.species[a];
  const auto& sb = table.species[b];
  // An immobile species could not undo the kick-out that made it: none with it.
  if (!sa.mobile || !sb.mobile || sa.element.empty() || sb.element.empty()) return nullptr;
  if (int h = own_kickout_entry(sa, sb.element, shell); h >= 0) return &sa.hops[h];
  if (int h = own_kickout_entry(sb, sa.element, shell); h >= 0) return &sb.hops[h];
  return nullptr;
}

void check_kickout(const RateTable& table) {
  const auto& species = table.species;
  for (std::size_t s = 0; s < species.size(); ++s) {
    const auto& sp = species[s];
    const std::string at = "/species/" + std::to_string(s);
    if (sp.element.empty()) continue;
    const auto first = interstitial_species_of(table, sp.element, sp.charge, sp.sublattice);
    if (first && *first != s)
      throw InputError("", at + "/element",
                       "'" + species[*first].name + "' already carries element '" + sp.element +
                           "' with charge " + std::to_string(sp.charge) + " on sublattice '" +
                           sp.sublattice + "' (a kick-out must know which species it makes)");
    for (std::size_t h = 0; h < sp.hops.size(); ++h) {
      const auto& hop = sp.hops[h];
      if (hop.mechanism != HopMechanism::kickout || hop.moving_species.empty()) continue;
      if (!interstitial_species_of(table, hop.moving_species, sp.charge, sp.sublattice))
        throw InputError("", at + "/hops/" + std::to_string(h) + "/moving_species",
                         "kick-out of '" + hop.moving_species +
                             "' needs an interstitial species with \"element\": \"" +
                             hop.moving_species + "\" and charge " + std::to_string(sp.charge) +
                             " on sublattice '" + sp.sublattice +
                             "' (the kicked-out ion becomes it); the table has none");
    }
  }
  // Detailed balance: a kick-out a → b and its reverse b → a share E_KRA and ν.
  auto number = [](double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", x);
    return std::string(buf);
  };
  for (std::size_t a = 0; a < species.size(); ++a)
    for (std::size_t b = a; b < species.size(); ++b) {
      const auto& sa = species[a];
      const auto& sb = species[b];
      if (sa.element.empty() || sb.element.empty() || sa.charge != sb.charge ||
          sa.sublattice != sb.sublattice)
        continue;
      for (const auto& hop : sb.hops) {
        if (hop.mechanism != HopMechanism::kickout) continue;
        const int ha = own_kickout_entry(sa, sb.element, hop.shell);
        const int hb = own_kickout_entry(sb, sa.element, hop.shell);
        if (ha < 0 || hb < 0) continue;
        const auto& ea = sa.hops[ha];
        const auto& eb = sb.hops[hb];
        if (ea.barrier_ev != eb.barrier_ev || ea.attempt_frequency_hz != eb.attempt_frequency_hz)
          throw InputError(
              "", "/species/" + std::to_string(b) + "/hops/" + std::to_string(hb),
              "kick-outs between '" + sa.name + "' and '" + sb.name + "' on shell '" + hop.shell +
                  "' are each other's reverse: detailed balance needs the same " +
                  "barrier_ev and attempt_frequency_hz in both directions (this entry: " +
                  number(eb.barrier_ev) + " eV, " + number(eb.attempt_frequency_hz) +
                  " Hz; /species/" + std::to_string(a) + "/hops/" + std::to_string(ha) + ": " +
                  number(ea.barrier_ev) + " eV, " + number(ea.attempt_frequency_hz) +
                  " Hz); give one of them, or equal ones");
      }
    }
  // A charge transition keeps the atom: it may not change an interstitial's element, nor
  // give one to a species without (its atom would not be tracked) or take it away.
  const auto& transitions = table.charge_model.transitions;
  auto shown = [](const std::string& e) { return e.empty() ? std::string("none") : "'" + e + "'"; };
  for (std::size_t i = 0; i < transitions.size(); ++i) {
    const auto from = table.species_index(transitions[i].from);
    const auto to = table.species_index(transitions[i].to);
    if (!from || !to) continue;  // check_charge_model reports these
    if (species[*from].element != species[*to].element)
      throw InputError("", "/charge_model/transitions/" + std::to_string(i),
                       "a charge transition keeps the interstitial's atom: '" +
                           species[*from].name + "' and '" + species[*to].name +
                           "' must carry the same element (" + shown(species[*from].element) +
                           " vs " + shown(species[*to].element) + ")");
  }
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
  check_kickout(table);
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
            if (h.mechanism != HopMechanism::direct) continue;  // kick-outs: below
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
  if (!rates::has_kickout(table) || occupants.empty()) return;

  // Kick-out: species s (element a) at basis b exchanges roles with a host ion of column o
  // (element m) and ends on the target as species t = the interstitial of element m. The
  // reverse is the kick-out of a by t (same entry, kickout_entry), so with
  // E_b = E_KRA + (E_t(target) − E_s(b))/2 the pair obeys Γ_fwd/Γ_rev = exp(−ΔE/k_BT).
  // Each of the two ions that can be kicked out (the target's or the own site's host)
  // gets Γ/2: see rate_table.hpp.
  kick_rates_.assign(rates_.size(), 0.0);
  kick_to_.assign(table.species.size() * occupant_count_, kNoKickout);
  const double kt = units::thermal_energy_ev(temperature_k);
  for (std::size_t s = 0; s < table.species.size(); ++s) {
    const auto& sp = table.species[s];
    if (sp.mechanism != Mechanism::interstitial || sp.element.empty()) continue;
    for (std::size_t o = 0; o < occupant_count_; ++o) {
      const auto to = interstitial_species_of(table, occupants[o], sp.charge, sp.sublattice);
      if (!to) {
        if (sp.mobile)
          for (const auto& h : sp.hops)
            if (h.mechanism == HopMechanism::kickout &&
                (h.moving_species.empty() || h.moving_species == occupants[o]))
              kick_to_[s * occupant_count_ + o] = kMissingSpecies;
        continue;
      }
      bool any = false;
      for (std::size_t b = 0; b < basis_count_; ++b) {
        if (crystal.basis[b].sublattice != sp.sublattice) continue;
        const auto& templates = graph.hop_templates(b);
        for (std::size_t k = 0; k < templates.size(); ++k) {
          const HopRate* hop =
              kickout_entry(table, s, *to, crystal.hop_shells[templates[k].shell].name);
          if (!hop) continue;
          any = true;
          const double eb =
              hop->barrier_ev +
              0.5 * (species_site_energy(table.species[*to], crystal, templates[k].target_basis) -
                     species_site_energy(sp, crystal, b));
          const double bias_ev =
              sp.charge * field_v_per_angstrom.dot(templates[k].displacement_angstrom);
          kick_rates_[((s * basis_count_ + b) * stride_ + k) * occupant_count_ + o] =
              0.5 * arrhenius_rate_hz(hop->attempt_frequency_hz, eb, temperature_k) *
              std::exp(bias_ev / (2.0 * kt));
        }
      }
      if (any) kick_to_[s * occupant_count_ + o] = static_cast<int>(*to);
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
