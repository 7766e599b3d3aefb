#include "ionhop/kmc/engine.hpp"

#include <Eigen/Geometry>
#include <algorithm>
#include <cassert>
#include <cmath>
#include <stdexcept>

#include "ionhop/core/error.hpp"
#include "ionhop/core/units.hpp"

namespace ionhop::kmc {

using lattice::SiteIndex;

namespace {
// Host species the rates tell apart: the default occupants of every basis site, then the
// composition's (empty when no rate depends on which ion moves and no alloy is given).
std::vector<std::string> rate_occupants(const rates::RateTable& table,
                                        const lattice::Crystal& crystal,
                                        const RunSettings& settings) {
  bool environment = false, elements = false;
  for (const auto& sp : table.species) {
    environment |= sp.has_environment();
    elements |= !sp.element.empty();
  }
  if (!rates::has_moving_species_rates(table) && settings.composition.empty() && !environment &&
      !settings.initial_state && !elements)
    return {};
  std::vector<std::string> names;
  auto add = [&](const std::string& n) {
    if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  };
  for (const auto& b : crystal.basis) add(b.occupant);
  for (const auto& c : settings.composition) {
    for (const auto& f : c.fractions) add(f.first);
    for (const auto& l : c.layers) add(l.occupant);
    for (const auto& o : c.interface_occupants) add(o);
  }
  if (settings.initial_state) {
    // Consecutive sites mostly repeat a name: skip the search for those.
    const std::string* last = nullptr;
    for (const auto& o : settings.initial_state->occupants) {
      if (o.empty() || (last && *last == o)) continue;
      add(o);
      last = &o;
    }
  }
  // Interstitial atoms can enter the lattice by kick-out: their elements are hosts too.
  for (const auto& sp : table.species)
    if (!sp.element.empty()) add(sp.element);
  return names;
}
}  // namespace

Engine::Engine(const lattice::SiteGraph& graph, const rates::RateTable& table,
               const RunSettings& settings, core::RandomStream rng)
    : graph_(graph),
      table_(table),
      settings_(settings),
      rates_(table, graph, settings.temperature_k, settings.field_v_per_angstrom,
             rate_occupants(table, graph.crystal(), settings)),
      rng_(rng),
      hop_stride_(std::max<std::size_t>(graph.max_hops_per_site(), 1)),
      hop_slots_(hop_stride_),
      stride_(hop_stride_),
      site_defect_(graph.site_count(), -1),
      occupied_bits_((graph.site_count() + 63) / 64, 0),
      tree_(1) {
  const auto& crystal = graph.crystal();
  const std::size_t n_species = table.species.size();
  const std::size_t nb = graph.basis_count();

  if (settings.initial_state) {
    place_from_state(*settings.initial_state);
  } else {
    place_at_random();
  }

  // Host ions on every sublattice that hosts a vacancy species, except on vacancies.
  std::vector<std::string> vacancy_sublattices;
  for (const auto& placement : settings_.defects) {
    const auto& sp = table.species[placement.species];
    if (sp.mechanism == rates::Mechanism::vacancy &&
        std::find(vacancy_sublattices.begin(), vacancy_sublattices.end(), sp.sublattice) ==
            vacancy_sublattices.end())
      vacancy_sublattices.push_back(sp.sublattice);
  }
  occupant_names_ = rate_occupants(table, crystal, settings);
  occupant_dependent_ = rates::has_moving_species_rates(table);
  for (const auto& placement : settings_.defects)
    environment_dependent_ |= table.species[placement.species].has_environment();
  occupant_dependent_ |= environment_dependent_;
  // Rates that depend on the moving ion, an alloy or a given state need to know every ion.
  std::vector<std::string> tracked;  // sublattices whose host ions are tracked
  if ((settings.track_host_ions || occupant_dependent_ || !settings.composition.empty() ||
       settings.initial_state))
    tracked = vacancy_sublattices;
  // Interstitials that carry an element (kick-out, tracer of their atom): the host ions of
  // the sublattices of the placed defects, whenever the table gives such species there.
  for (const auto& sp : table.species) {
    if (sp.mechanism != rates::Mechanism::interstitial || sp.element.empty()) continue;
    if (std::none_of(settings_.defects.begin(), settings_.defects.end(), [&](const auto& p) {
          return table.species[p.species].sublattice == sp.sublattice;
        }))
      continue;
    track_atoms_ = true;
    if (std::find(tracked.begin(), tracked.end(), sp.sublattice) == tracked.end())
      tracked.push_back(sp.sublattice);
  }
  track_ions_ = !tracked.empty();
  if (track_ions_) {
    basis_tracked_.assign(nb, 0);
    for (std::size_t b = 0; b < nb; ++b)
      basis_tracked_[b] =
          std::find(tracked.begin(), tracked.end(), crystal.basis[b].sublattice) != tracked.end();
  }
  if (settings.initial_state) {
    // Sites whose ions are not tracked keep the state's occupants (state() hands them
    // back); one byte per site, indices into state_names_.
    const auto& occupants = settings.initial_state->occupants;
    state_occupant_.assign(occupants.size(), -1);
    for (SiteIndex s = 0; s < occupants.size(); ++s) {
      if (occupants[s].empty() || (track_ions_ && basis_tracked_[graph.basis_of(s)])) continue;
      auto it = std::find(state_names_.begin(), state_names_.end(), occupants[s]);
      if (it == state_names_.end()) {
        if (state_names_.size() >= 127)
          throw InputError("", "", "initial state: more than 127 distinct occupants");
        it = state_names_.insert(state_names_.end(), occupants[s]);
      }
      state_occupant_[s] = static_cast<std::int8_t>(it - state_names_.begin());
    }
    settings_.initial_state.reset();  // placed; do not keep a second copy
  }
  if (track_ions_) {
    auto occupant_index = [&](const std::string& name) {
      auto it = std::find(occupant_names_.begin(), occupant_names_.end(), name);
      if (it != occupant_names_.end())
        return static_cast<std::int32_t>(it - occupant_names_.begin());
      if (occupant_names_.size() >= 127)
        throw InputError("", "", "more than 127 distinct host ions");
      occupant_names_.push_back(name);
      return static_cast<std::int32_t>(occupant_names_.size() - 1);
    };
    site_ion_.assign(graph.site_count(), HostIon{{0.0, 0.0, 0.0}, -1});
    for (const auto& sub : tracked) {
      std::vector<SiteIndex> ion_sites;
      for (SiteIndex s : graph.sites_of_sublattice(sub)) {
        const std::int32_t d = site_defect_[s];
        if (d >= 0 && table.species[defect_species_[d]].mechanism == rates::Mechanism::vacancy)
          continue;
        ion_sites.push_back(s);
      }
      if (settings.initial_state) {
        // Every site of a vacancy sublattice holds an ion (checked by
        // find_lattice_state_problem); elsewhere "" is a site without one.
        for (SiteIndex s : ion_sites) {
          const std::string& name = settings.initial_state->occupants[s];
          site_ion_[s].occupant = name.empty() ? -1 : occupant_index(name);
        }
        continue;
      }
      const SublatticeComposition* alloy = nullptr;
      for (const auto& c : settings.composition)
        if (c.sublattice == sub) alloy = &c;
      if (!alloy) {
        for (SiteIndex s : ion_sites)
          site_ion_[s].occupant = occupant_index(crystal.basis[graph.basis_of(s)].occupant);
        continue;
      }
      if (!alloy->layers.empty()) {
        // Layered stack along a3: the occupant follows the cell index k along a3.
        const auto n3 = static_cast<std::size_t>(graph.supercell()[2]);
        for (SiteIndex s : ion_sites) {
          const std::size_t k = (s / nb) % n3;
          std::size_t layer = 0, start = 0;
          while (layer + 1 < alloy->layers.size() && k >= start + alloy->layers[layer].cells)
            start += alloy->layers[layer++].cells;
          const double f = crystal.basis[s % nb].frac[2];
          const bool boundary_plane = k == start && std::abs(f - std::round(f)) < 1e-9;
          const std::string& name = boundary_plane && !alloy->interface_occupants.empty()
                                        ? alloy->interface_occupants[layer]
                                        : alloy->layers[layer].occupant;
          site_ion_[s].occupant = occupant_index(name);
        }
        continue;
      }
      // Exact counts (the last occupant takes the rounding remainder), placed by a
      // Fisher–Yates shuffle of the ion sites.
      for (std::size_t i = ion_sites.size(); i > 1; --i)
        std::swap(ion_sites[i - 1], ion_sites[rng_.below(i)]);
      std::size_t next = 0;
      for (std::size_t f = 0; f < alloy->fractions.size(); ++f) {
        const bool last = f + 1 == alloy->fractions.size();
        const std::size_t n =
            last ? ion_sites.size() - next
                 : std::min<std::size_t>(ion_sites.size() - next,
                                         static_cast<std::size_t>(std::llround(
                                             alloy->fractions[f].second * ion_sites.size())));
        const std::int32_t o = occupant_index(alloy->fractions[f].first);
        for (std::size_t i = 0; i < n; ++i) site_ion_[ion_sites[next + i]].occupant = o;
        next += n;
      }
    }
    if (track_atoms_) {
      defect_atom_.assign(defect_site_.size(), HostIon{{0.0, 0.0, 0.0}, -1});
      for (std::size_t d = 0; d < defect_site_.size(); ++d) {
        const auto& sp = table.species[defect_species_[d]];
        if (sp.mechanism == rates::Mechanism::interstitial && !sp.element.empty())
          defect_atom_[d].occupant = occupant_index(sp.element);
      }
      check_hosts(tracked);
      // Kick-out needs an occupant column per host name (rate_occupants lists them all).
      assert(occupant_names_.size() <= rates_.occupant_count());
      species_kicks_.assign(n_species, 0);
      if (rates_.has_kickout())
        for (std::size_t s = 0; s < n_species; ++s)
          for (std::size_t o = 0; o < rates_.occupant_count(); ++o)
            if (rates_.kickout_species(s, o) >= 0) species_kicks_[s] = kickout_ = true;
      if (kickout_) hop_slots_ = 3 * hop_stride_;
    }
    if (environment_dependent_) {
      env_shell_.assign(n_species, 0);
      env_site_coef_.assign(n_species, {});
      env_kra_coef_.assign(n_species, {});
      env_saddle_coef_.assign(n_species, {});
      env_common_.assign(n_species, {});
      for (std::size_t s = 0; s < n_species; ++s) {
        const auto& sp = table.species[s];
        if (!sp.has_environment()) continue;
        env_shell_[s] = *crystal.shell_index(sp.environment_shell);
        env_site_coef_[s].assign(occupant_names_.size(), 0.0);
        env_kra_coef_[s].assign(occupant_names_.size(), 0.0);
        for (std::size_t o = 0; o < occupant_names_.size(); ++o) {
          auto e = sp.environment_site_energy_ev.find(occupant_names_[o]);
          if (e != sp.environment_site_energy_ev.end()) env_site_coef_[s][o] = e->second;
          auto k = sp.environment_kra_ev.find(occupant_names_[o]);
          if (k != sp.environment_kra_ev.end()) env_kra_coef_[s][o] = k->second;
        }
        if (sp.environment_saddle_kra_ev.empty()) continue;
        env_saddle_coef_[s].assign(occupant_names_.size(), 0.0);
        for (std::size_t o = 0; o < occupant_names_.size(); ++o) {
          auto q = sp.environment_saddle_kra_ev.find(occupant_names_[o]);
          if (q != sp.environment_saddle_kra_ev.end()) env_saddle_coef_[s][o] = q->second;
        }
        // Common environment neighbours of each hop pair, from the site of basis b in cell
        // 0 (site index b): the supercell is large enough that no two hops reach one site
        // through different images (SiteGraph), so these lists hold for every cell.
        const std::size_t shell = env_shell_[s];
        auto& common = env_common_[s];
        common.assign(nb * hop_stride_, {});
        for (std::size_t b = 0; b < nb; ++b) {
          const auto site = static_cast<SiteIndex>(b);
          const auto targets = graph.hop_targets(site);
          const auto& templates = graph.hop_templates(b);
          for (std::size_t k = 0; k < targets.size(); ++k) {
            const SiteIndex t = targets[k];
            const auto t_targets = graph.hop_targets(t);
            const auto& t_templates = graph.hop_templates(graph.basis_of(t));
            for (std::size_t k1 = 0; k1 < targets.size(); ++k1) {
              const SiteIndex c = targets[k1];
              if (templates[k1].shell != shell || c == t || c == site) continue;
              for (std::size_t k2 = 0; k2 < t_targets.size(); ++k2)
                if (t_templates[k2].shell == shell && t_targets[k2] == c) {
                  common[b * hop_stride_ + k].push_back(static_cast<std::uint16_t>(k1));
                  break;
                }
            }
          }
        }
      }
    }
    if (occupant_dependent_) {
      site_occupant_.assign(graph.site_count(), -1);
      for (std::size_t s = 0; s < site_ion_.size(); ++s)
        site_occupant_[s] = static_cast<std::int8_t>(site_ion_[s].occupant);
    }
    occupant_jumps_.assign(occupant_names_.size(), 0);
    occupant_jump2_.assign(occupant_names_.size(), 0.0);
  }

  // Charge transitions, only when a Fermi level is given and the table has a charge model.
  stride_ = hop_slots_;
  const bool charge_transitions =
      std::isfinite(settings.fermi_level_ev) && !table.charge_model.empty();
  if (charge_transitions) {
    transitions_ =
        rates::compile_transitions(table, settings.fermi_level_ev, settings.temperature_k);
    std::size_t most = 0;
    for (const auto& list : transitions_) most = std::max(most, list.size());
    stride_ = hop_slots_ + most;
  } else {
    transitions_.assign(n_species, {});
  }
  if (charge_transitions || kickout_) {
    // Time in each species (charge state; element after kick-outs), per placed species.
    state_count_.assign(n_species * n_species, 0);
    state_time_.assign(n_species * n_species, 0.0);
    for (std::size_t d = 0; d < defect_site_.size(); ++d)
      ++state_count_[defect_group_[d] * n_species + defect_species_[d]];
  }
  group_transitions_.assign(n_species, 0);

  for (const auto& sp : table.species)
    species_is_vacancy_.push_back(sp.mechanism == rates::Mechanism::vacancy);
  species_hops_.assign(n_species, 0);
  species_jump2_.assign(n_species, 0.0);
  block_msd_.assign(n_species, {});
  block_msd_axes_.assign(n_species, {});
  block_disp_.assign(n_species, {});
  block_origin_ = defect_disp_;
  if (settings.track_site_occupancy) {
    occupancy_count_.assign(n_species * nb, 0);
    occupancy_time_.assign(n_species * nb, 0.0);
    for (std::size_t d = 0; d < defect_site_.size(); ++d)
      ++occupancy_count_[defect_species_[d] * nb + graph.basis_of(defect_site_[d])];
  }

  if (settings.track_z_profile) {
    // Planes along a3: distinct fractional coordinates of the basis sites, in every cell.
    std::vector<double> levels;
    for (const auto& b : crystal.basis) {
      const double f = b.frac[2] - std::floor(b.frac[2]);
      if (std::none_of(levels.begin(), levels.end(),
                       [&](double v) { return std::abs(v - f) < 1e-6; }))
        levels.push_back(f);
    }
    std::sort(levels.begin(), levels.end());
    const int n3 = graph.supercell()[2];
    const double c = crystal.cell_angstrom.row(2).norm();
    for (int k = 0; k < n3; ++k)
      for (double v : levels) plane_z_angstrom_.push_back((k + v) * c);
    const std::size_t planes = plane_z_angstrom_.size();
    site_plane_.resize(graph.site_count());
    for (SiteIndex s = 0; s < graph.site_count(); ++s) {
      // Cell index along a3 from the site index layout ((i·n2 + j)·n3 + k)·nb + b.
      const std::size_t k = (s / nb) % static_cast<std::size_t>(n3);
      const double f = crystal.basis[s % nb].frac[2] - std::floor(crystal.basis[s % nb].frac[2]);
      const auto level = std::find_if(levels.begin(), levels.end(),
                                      [&](double v) { return std::abs(v - f) < 1e-6; }) -
                         levels.begin();
      site_plane_[s] = static_cast<std::uint32_t>(k * levels.size() + level);
    }
    plane_count_.assign(n_species * planes, 0);
    plane_time_.assign(n_species * planes, 0.0);
    for (std::size_t d = 0; d < defect_site_.size(); ++d)
      ++plane_count_[defect_group_[d] * planes + site_plane_[defect_site_[d]]];
  }

  if (!settings.interfaces_z_fraction.empty()) setup_interfaces(settings.interfaces_z_fraction);

  rerate_stamp_.assign(defect_site_.size(), 0);
  tree_ = SumTree(std::max<std::size_t>(defect_site_.size(), 1));
  hop_rate_.assign(std::max<std::size_t>(defect_site_.size(), 1) * stride_, 0.0);
  for (std::size_t d = 0; d < defect_site_.size(); ++d) rerate(d);
}

void Engine::place_at_random() {
  // A partial Fisher–Yates shuffle of the free sites of each sublattice.
  for (const auto& placement : settings_.defects) {
    const auto& sp = table_.species.at(placement.species);
    std::vector<SiteIndex> free_sites;
    for (SiteIndex s : graph_.sites_of_sublattice(sp.sublattice))
      if (site_defect_[s] < 0) free_sites.push_back(s);
    if (placement.count > free_sites.size())
      throw InputError("", "",
                       "cannot place " + std::to_string(placement.count) + " " + sp.name +
                           " defects: sublattice '" + sp.sublattice + "' has only " +
                           std::to_string(free_sites.size()) + " free sites");
    for (std::size_t i = 0; i < placement.count; ++i) {
      const std::size_t j = i + rng_.below(free_sites.size() - i);
      std::swap(free_sites[i], free_sites[j]);
      add_defect(free_sites[i], placement.species);
    }
  }
}

void Engine::place_from_state(const LatticeState& state) {
  if (auto problem = find_lattice_state_problem(graph_, table_, state))
    throw InputError("", "", "initial state: " + problem->problem);
  // Defects of each species in the state; `defects`, if given, must ask for exactly these.
  std::vector<std::size_t> in_state(table_.species.size(), 0), asked(table_.species.size(), 0);
  for (const auto& d : state.defects) ++in_state[d.second];
  for (const auto& p : settings_.defects) asked.at(p.species) += p.count;
  if (!settings_.defects.empty())
    for (std::size_t s = 0; s < in_state.size(); ++s)
      if (in_state[s] != asked[s])
        throw InputError("", "",
                         "initial state has " + std::to_string(in_state[s]) + " " +
                             table_.species[s].name + " defects, but " + std::to_string(asked[s]) +
                             " were asked for");
  settings_.defects.clear();
  for (std::size_t s = 0; s < in_state.size(); ++s)
    if (in_state[s] > 0) settings_.defects.push_back({s, in_state[s]});
  for (const auto& [site, species] : state.defects) add_defect(site, species);
}

void Engine::add_defect(SiteIndex site, std::size_t species) {
  site_defect_[site] = static_cast<std::int32_t>(defect_site_.size());
  set_occupied(site, true);
  defect_site_.push_back(site);
  defect_species_.push_back(static_cast<std::uint32_t>(species));
  defect_group_.push_back(static_cast<std::uint32_t>(species));
  defect_disp_.push_back(lattice::Vec3::Zero());
}

LatticeState Engine::state() const {
  LatticeState st;
  const auto& basis = graph_.crystal().basis;
  st.occupants.resize(graph_.site_count());
  for (SiteIndex s = 0; s < st.occupants.size(); ++s) {
    const std::size_t b = graph_.basis_of(s);
    if (!basis_tracked_.empty() && basis_tracked_[b]) {
      if (site_ion_[s].occupant >= 0) st.occupants[s] = occupant_names_[site_ion_[s].occupant];
    } else if (!state_occupant_.empty()) {
      if (state_occupant_[s] >= 0) st.occupants[s] = state_names_[state_occupant_[s]];
    } else {
      st.occupants[s] = basis[b].occupant;
    }
  }
  st.defects.reserve(defect_site_.size());
  for (std::size_t d = 0; d < defect_site_.size(); ++d) {
    const SiteIndex site = defect_site_[d];
    if (species_is_vacancy_[defect_species_[d]]) st.occupants[site].clear();  // untracked ions
    st.defects.emplace_back(site, defect_species_[d]);
  }
  return st;
}

double Engine::environment_sum(SiteIndex site, const std::vector<double>& per_occupant,
                               std::size_t shell) const {
  // Σ over neighbours y of `site` in `shell` of the coefficient of the ion on y.
  const auto targets = graph_.hop_targets(site);
  const auto& templates = graph_.hop_templates(graph_.basis_of(site));
  double sum = 0;
  for (std::size_t k = 0; k < targets.size(); ++k) {
    if (templates[k].shell != shell) continue;
    const int o = site_occupant_[targets[k]];
    if (o >= 0) sum += per_occupant[o];
  }
  return sum;
}

void Engine::finish_rerate(std::size_t defect, std::uint32_t species, std::size_t hops, double* out,
                           double sum) {
  // The event scan covers every slot: clear the hop slots this site lacks, then the
  // kick-out and charge-transition slots, then publish the defect's total rate.
  for (std::size_t k = hops; k < hop_stride_; ++k) out[k] = 0.0;
  if (kickout_) sum += fill_kickout(defect, species, out);
  if (stride_ > hop_slots_) {
    const auto& tr = transitions_[species];
    for (std::size_t j = 0; j < stride_ - hop_slots_; ++j) {
      const double r = j < tr.size() ? tr[j].rate_hz : 0.0;
      out[hop_slots_ + j] = r;
      sum += r;
    }
  }
  tree_.set(defect, sum);
}

double Engine::fill_kickout(std::size_t defect, std::uint32_t species, double* out) const {
  double* target_host = out + hop_stride_;   // the target's host ion is kicked out
  double* own_host = out + 2 * hop_stride_;  // the own site's host ion is kicked out
  std::fill(target_host, target_host + 2 * hop_stride_, 0.0);
  if (!species_kicks_[species]) return 0.0;
  const SiteIndex site = defect_site_[defect];
  const double* base = rates_.kickout_rates_of(species, graph_.basis_of(site));
  const std::size_t columns = rates_.occupant_count();
  const auto targets = graph_.hop_targets(site);
  const int own = site_ion_[site].occupant;
  double sum = 0.0;
  for (std::size_t k = 0; k < targets.size(); ++k) {
    const SiteIndex t = targets[k];
    if (occupied(t)) continue;  // site exclusion, as for direct hops
    const int m = site_ion_[t].occupant;
    const double r_target = m >= 0 ? base[k * columns + m] : 0.0;
    const double r_own = own >= 0 ? base[k * columns + own] : 0.0;
    target_host[k] = r_target;
    own_host[k] = r_own;
    sum += r_target + r_own;
  }
  return sum;
}

void Engine::check_hosts(const std::vector<std::string>& tracked_sublattices) const {
  // Run-level checks of elements (the composition is known only here): a placed
  // interstitial carries a host ion of its sublattice, and every host ion that some
  // species may kick out has a species to turn into.
  for (const auto& sub : tracked_sublattices) {
    std::vector<std::string> hosts;
    auto add = [&](const std::string& n) {
      if (!n.empty() && std::find(hosts.begin(), hosts.end(), n) == hosts.end()) hosts.push_back(n);
    };
    // The ions placed (the lattice's, the composition's or the state's), and every name the
    // composition gives (a fraction of 0 makes an ion an impurity that may be placed).
    for (SiteIndex s : graph_.sites_of_sublattice(sub))
      if (site_ion_[s].occupant >= 0) add(occupant_names_[site_ion_[s].occupant]);
    for (const auto& c : settings_.composition) {
      if (c.sublattice != sub) continue;
      for (const auto& f : c.fractions) add(f.first);
      for (const auto& l : c.layers) add(l.occupant);
      for (const auto& o : c.interface_occupants) add(o);
    }
    std::string list;
    for (const auto& h : hosts) list += (list.empty() ? "" : ", ") + h;
    for (const auto& p : settings_.defects) {
      const auto& sp = table_.species[p.species];
      if (sp.sublattice != sub || sp.element.empty()) continue;
      if (std::find(hosts.begin(), hosts.end(), sp.element) == hosts.end())
        throw InputError("", "/species/" + std::to_string(p.species) + "/element",
                         "'" + sp.name + "' carries '" + sp.element +
                             "', which is not a host ion of sublattice '" + sub +
                             "' in this run (hosts: " + list +
                             "); name it in the composition (a fraction of 0 is allowed) to "
                             "place it as an impurity");
      add(sp.element);  // it can enter the lattice by kick-out
    }
    for (std::size_t s = 0; s < table_.species.size(); ++s) {
      const auto& sp = table_.species[s];
      if (sp.sublattice != sub || sp.element.empty()) continue;
      for (const auto& h : hosts) {
        const auto o = static_cast<std::size_t>(
            std::find(occupant_names_.begin(), occupant_names_.end(), h) - occupant_names_.begin());
        if (o < rates_.occupant_count() &&
            rates_.kickout_species(s, o) == rates::CompiledRates::kMissingSpecies)
          throw InputError("", "/species/" + std::to_string(s) + "/hops",
                           "'" + sp.name + "' may kick out the host ion '" + h +
                               "' of this run, which needs an interstitial species with "
                               "\"element\": \"" +
                               h + "\" and charge " + std::to_string(sp.charge) +
                               " on sublattice '" + sub + "'; the table has none");
      }
    }
  }
}

void Engine::rerate_environment(std::size_t defect) {
  // Vacancy hop i → t: the ion m on t moves to i. E_i counts the ions around i now (t
  // included, holding m); E_t' counts those around t after the move (i holding m). The
  // barrier E_KRA(m) + (K_i + K_t')/2 + (E_t' − E_i)/2 keeps detailed balance (PHYSICS.md).
  const SiteIndex site = defect_site_[defect];
  const std::uint32_t species = defect_species_[defect];
  const std::size_t shell = env_shell_[species];
  const auto& e_coef = env_site_coef_[species];
  const auto& k_coef = env_kra_coef_[species];
  const std::size_t basis = graph_.basis_of(site);
  const double* base = rates_.rates_of(species, basis);
  const std::size_t columns = rates_.occupant_count();
  const auto targets = graph_.hop_targets(site);
  // Saddle term Σ_s q_s n_s(saddle) over the common environment neighbours c of i and t
  // (c ∉ {i, t}). A hop changes the ions on i and t only, so the reverse hop t → i sees the
  // same ions on the same common sites: the term is equal forward and backward, cancels in
  // E_b,it − E_b,ti = E_t' − E_i, and Γ_it/Γ_ti = exp(−(E_t' − E_i)/k_BT) stays as without it
  // (detailed balance; equilibrium is set by the site energies alone).
  const auto& q_coef = env_saddle_coef_[species];
  const std::vector<std::uint16_t>* common =
      q_coef.empty() ? nullptr : env_common_[species].data() + basis * hop_stride_;
  const double e_i = environment_sum(site, e_coef, shell),
               k_i = environment_sum(site, k_coef, shell);
  const double beta = 1.0 / units::thermal_energy_ev(settings_.temperature_k);
  double* out = hop_rate_.data() + defect * stride_;
  double sum = 0.0;
  for (std::size_t k = 0; k < targets.size(); ++k) {
    const SiteIndex t = targets[k];
    double r = 0.0;
    if (!occupied(t)) {
      const int m = site_occupant_[t];
      // Around t after the move: everything as now, plus the mover on i (a vacancy now,
      // counted as nothing) if i is an environment neighbour of t.
      double e_t = environment_sum(t, e_coef, shell), k_t = environment_sum(t, k_coef, shell);
      if (graph_.hop_templates(graph_.basis_of(site))[k].shell == shell && m >= 0) {
        e_t += e_coef[m];
        k_t += k_coef[m];
      }
      double q = 0.0;
      if (common)
        for (const std::uint16_t k1 : common[k]) {
          const int o = site_occupant_[targets[k1]];
          if (o >= 0) q += q_coef[o];
        }
      r = base[k * columns + (m >= 0 ? m : 0)] *
          std::exp(-beta * (0.5 * (k_i + k_t) + q + 0.5 * (e_t - e_i)));
    }
    out[k] = r;
    sum += r;
  }
  finish_rerate(defect, species, targets.size(), out, sum);
}

void Engine::rerate_around(SiteIndex x, std::size_t moved) {
  // Defects whose rates can depend on the ion on x: within two hops of x (their target's
  // environment may contain x). Saddle term: x is a common neighbour of a defect's site i
  // and its target, so i is one environment hop from x, inside this radius too.
  auto visit = [&](SiteIndex w) {
    if (!occupied(w)) return;
    const auto e = static_cast<std::size_t>(site_defect_[w]);
    if (e == moved || rerate_stamp_[e] == stamp_) return;
    rerate_stamp_[e] = stamp_;
    rerate(e);
  };
  visit(x);
  for (SiteIndex y : graph_.hop_targets(x)) {
    visit(y);
    for (SiteIndex w : graph_.hop_targets(y)) visit(w);
  }
}

void Engine::rerate(std::size_t defect) {
  const SiteIndex site = defect_site_[defect];
  const std::uint32_t species = defect_species_[defect];
  if (environment_dependent_ && !env_site_coef_[species].empty()) {
    rerate_environment(defect);
    return;
  }
  const double* base = rates_.rates_of(species, graph_.basis_of(site));
  const auto targets = graph_.hop_targets(site);
  double* out = hop_rate_.data() + defect * stride_;
  double sum = 0.0;
  if (occupant_dependent_) {
    // Rates depend on the ion that would jump into a vacancy (column = its occupant).
    const std::size_t columns = rates_.occupant_count();
    const bool vacancy = species_is_vacancy_[species];
    for (std::size_t k = 0; k < targets.size(); ++k) {
      const SiteIndex t = targets[k];
      const double r = occupied(t) ? 0.0 : base[k * columns + (vacancy ? site_occupant_[t] : 0)];
      out[k] = r;
      sum += r;
    }
  } else {
    const std::size_t columns = rates_.occupant_count();  // 1, or equal columns for an alloy
    for (std::size_t k = 0; k < targets.size(); ++k) {
      const double r = occupied(targets[k]) ? 0.0 : base[k * columns];  // site exclusion
      out[k] = r;
      sum += r;
    }
  }
  finish_rerate(defect, species, targets.size(), out, sum);
}

void Engine::apply_transition(std::size_t d, std::size_t j) {
  const std::uint32_t from = defect_species_[d];
  const auto to = static_cast<std::uint32_t>(transitions_[from][j].to);
  const std::size_t n_species = table_.species.size();
  if (!occupancy_count_.empty()) {
    const std::size_t nb = graph_.basis_count(), b = graph_.basis_of(defect_site_[d]);
    --occupancy_count_[from * nb + b];
    ++occupancy_count_[to * nb + b];
  }
  --state_count_[defect_group_[d] * n_species + from];
  ++state_count_[defect_group_[d] * n_species + to];
  ++group_transitions_[defect_group_[d]];
  defect_species_[d] = to;
  rerate(d);
}

void Engine::setup_interfaces(const std::vector<double>& interfaces_z_fraction) {
  // Heights along the unit normal of the a1–a2 plane (the stacking direction of a (001)
  // heterojunction); the supercell repeats along it every n3 (a3·n̂).
  const auto& crystal = graph_.crystal();
  const lattice::Vec3 a1 = crystal.cell_angstrom.row(0), a2 = crystal.cell_angstrom.row(1),
                      a3 = crystal.cell_angstrom.row(2);
  stacking_normal_ = a1.cross(a2).normalized();
  const double period = graph_.supercell()[2] * a3.dot(stacking_normal_);
  auto wrap = [&](double z) { return z - period * std::floor(z / period); };
  // Planes: heights of the sites of every sublattice the placed defects live on.
  std::vector<double> planes;
  for (const auto& placement : settings_.defects) {
    const auto& sublattice = table_.species[placement.species].sublattice;
    for (std::size_t b = 0; b < crystal.basis.size(); ++b) {
      if (crystal.basis[b].sublattice != sublattice) continue;
      for (int k = 0; k < graph_.supercell()[2]; ++k) {
        const double z =
            wrap((crystal.cartesian(crystal.basis[b].frac) + k * a3).dot(stacking_normal_));
        if (std::none_of(planes.begin(), planes.end(),
                         [&](double p) { return std::abs(p - z) < 1e-6; }))
          planes.push_back(z);
      }
    }
  }
  std::vector<double> interfaces, initial;
  for (double f : interfaces_z_fraction) interfaces.push_back(wrap(f * period));
  for (SiteIndex s : defect_site_)
    initial.push_back(graph_.position_angstrom(s).dot(stacking_normal_));
  crossings_ = std::make_unique<InterfaceCrossings>(interfaces, planes, period, initial,
                                                    defect_group_, table_.species.size());
}

void Engine::add_state_time(double dt) {
  for (std::size_t i = 0; i < state_time_.size(); ++i) state_time_[i] += dt * state_count_[i];
}

void Engine::apply_hop(std::size_t d, std::size_t k) {
  const SiteIndex from = defect_site_[d];
  const std::size_t from_basis = graph_.basis_of(from);
  const SiteIndex to = graph_.hop_targets(from)[k];
  const lattice::Vec3& jump = graph_.hop_templates(from_basis)[k].displacement_angstrom;
  const std::uint32_t s = defect_species_[d];
  const std::uint32_t g = defect_group_[d];
  const double jump2 = jump.squaredNorm();

  defect_disp_[d] += jump;
  if (crossings_) crossings_->on_hop(d, jump.dot(stacking_normal_));
  ++species_hops_[g];
  species_jump2_[g] += jump2;
  if (!occupancy_count_.empty()) {
    const std::size_t nb = graph_.basis_count();
    --occupancy_count_[s * nb + from_basis];
    ++occupancy_count_[s * nb + graph_.basis_of(to)];
  }
  if (!plane_count_.empty()) {
    const std::size_t planes = plane_z_angstrom_.size();
    --plane_count_[g * planes + site_plane_[from]];
    ++plane_count_[g * planes + site_plane_[to]];
  }
  site_defect_[from] = -1;
  site_defect_[to] = static_cast<std::int32_t>(d);
  set_occupied(from, false);
  set_occupied(to, true);
  defect_site_[d] = to;

  // Vacancy mechanism: the ion on the target site jumps the other way, into the vacancy.
  if (track_ions_ && species_is_vacancy_[s]) {
    HostIon& ion = site_ion_[to];
    assert(ion.occupant >= 0 && site_ion_[from].occupant < 0);
    ion.disp[0] -= jump[0];
    ion.disp[1] -= jump[1];
    ion.disp[2] -= jump[2];
    ++occupant_jumps_[ion.occupant];
    occupant_jump2_[ion.occupant] += jump2;
    site_ion_[from] = ion;
    ion.occupant = -1;
    if (occupant_dependent_) {
      site_occupant_[from] = site_occupant_[to];
      site_occupant_[to] = -1;
    }
  } else if (track_atoms_) {
    // Direct interstitial hop: the interstitial's own atom moves (if it carries one).
    HostIon& atom = defect_atom_[d];
    if (atom.occupant >= 0) {
      atom.disp[0] += jump[0];
      atom.disp[1] += jump[1];
      atom.disp[2] += jump[2];
      ++occupant_jumps_[atom.occupant];
      occupant_jump2_[atom.occupant] += jump2;
    }
  }

  // Local update: the mover, and every defect next to the site it left or entered.
  rerate(d);
  ++hops_;
  if (defect_site_.size() == 1) return;  // a lone defect has no neighbours to re-rate
  if (environment_dependent_) {
    // The ions on `from` and `to` changed: re-rate every defect whose environment sees them.
    ++stamp_;
    rerate_around(from, d);
    rerate_around(to, d);
    return;
  }
  for (SiteIndex site : {from, to})
    for (SiteIndex n : graph_.hop_targets(site)) {
      if (!occupied(n)) continue;
      const std::int32_t e = site_defect_[n];
      if (static_cast<std::size_t>(e) != d) rerate(e);
    }
}

void Engine::apply_kickout(std::size_t d, std::size_t j) {
  // Kept apart from apply_hop so that runs without kick-out keep their hot loop as it was.
  const bool own_host = j >= hop_stride_;
  const std::size_t k = own_host ? j - hop_stride_ : j;
  const SiteIndex from = defect_site_[d];
  const std::size_t from_basis = graph_.basis_of(from);
  const SiteIndex to = graph_.hop_targets(from)[k];
  const std::size_t to_basis = graph_.basis_of(to);
  const lattice::Vec3& jump = graph_.hop_templates(from_basis)[k].displacement_angstrom;
  const std::uint32_t s = defect_species_[d];
  const std::uint32_t g = defect_group_[d];
  const double jump2 = jump.squaredNorm();

  // Atom identities. One atom travels from → to (its displacement += the hop vector): the
  // interstitial atom, which takes the target's lattice site and whose place as the
  // interstitial goes to the target's host ion; or the own site's host ion, which becomes
  // the interstitial on the target while the interstitial atom takes its lattice site.
  HostIon& atom = defect_atom_[d];
  HostIon& host = site_ion_[own_host ? from : to];
  HostIon& mover = own_host ? host : atom;
  assert(atom.occupant >= 0 && host.occupant >= 0);
  mover.disp[0] += jump[0];
  mover.disp[1] += jump[1];
  mover.disp[2] += jump[2];
  ++occupant_jumps_[mover.occupant];
  occupant_jump2_[mover.occupant] += jump2;
  std::swap(atom, host);  // the kicked-out ion is now the interstitial atom
  if (occupant_dependent_)
    site_occupant_[own_host ? from : to] = static_cast<std::int8_t>(host.occupant);
  const int kicked_to = rates_.kickout_species(s, static_cast<std::size_t>(atom.occupant));
  assert(kicked_to >= 0);
  const auto s_new = static_cast<std::uint32_t>(kicked_to);

  defect_disp_[d] += jump;
  if (crossings_) crossings_->on_hop(d, jump.dot(stacking_normal_));
  ++species_hops_[g];
  species_jump2_[g] += jump2;
  if (!occupancy_count_.empty()) {
    const std::size_t nb = graph_.basis_count();
    --occupancy_count_[s * nb + from_basis];
    ++occupancy_count_[s_new * nb + to_basis];
  }
  if (!plane_count_.empty()) {
    const std::size_t planes = plane_z_angstrom_.size();
    --plane_count_[g * planes + site_plane_[from]];
    ++plane_count_[g * planes + site_plane_[to]];
  }
  if (s_new != s) {
    const std::size_t n_species = table_.species.size();
    --state_count_[g * n_species + s];
    ++state_count_[g * n_species + s_new];
    defect_species_[d] = s_new;
  }
  site_defect_[from] = -1;
  site_defect_[to] = static_cast<std::int32_t>(d);
  set_occupied(from, false);
  set_occupied(to, true);
  defect_site_[d] = to;

  // The mover and every defect next to `from` or `to` (whose host ions may have changed).
  rerate(d);
  ++hops_;
  if (defect_site_.size() == 1) return;
  if (environment_dependent_) {
    ++stamp_;
    rerate_around(from, d);
    rerate_around(to, d);
    return;
  }
  for (SiteIndex site : {from, to})
    for (SiteIndex n : graph_.hop_targets(site)) {
      if (!occupied(n)) continue;
      const std::int32_t e = site_defect_[n];
      if (static_cast<std::size_t>(e) != d) rerate(e);
    }
}

namespace {
inline void add_occupancy(std::vector<double>& time, const std::vector<std::uint32_t>& count,
                          double dt) {
  for (std::size_t i = 0; i < time.size(); ++i) time[i] += dt * count[i];
}
}  // namespace

bool Engine::step() {
  const double total = tree_.total();
  if (!(total > 0.0)) return false;
  advance_and_hop(rng_.exponential(total));
  return true;
}

void Engine::advance_and_hop(double dt) {
  if (!occupancy_time_.empty()) add_occupancy(occupancy_time_, occupancy_count_, dt);
  if (!plane_time_.empty()) add_occupancy(plane_time_, plane_count_, dt);
  if (!state_time_.empty()) add_state_time(dt);
  time_s_ += dt;

  // Select the event: a defect from the sum tree, then one of its hops.
  double target = rng_.uniform() * tree_.total();
  const std::size_t d = tree_.find(target);
  const double* r = hop_rate_.data() + d * stride_;
  // Hops occupy slots [0, n_hops), transitions [hop_stride_, stride_); unused slots are 0.
  const std::size_t n = stride_;
  std::size_t k = 0;
  for (; k + 1 < n; ++k) {
    if (target < r[k]) break;
    target -= r[k];
  }
  while (r[k] <= 0.0) --k;  // rounding at the end of the scan: last allowed event
  if (k < hop_stride_) {
    apply_hop(d, k);
  } else if (k < hop_slots_) {  // never without kick-out (hop_slots_ == hop_stride_)
    apply_kickout(d, k - hop_stride_);
  } else {
    apply_transition(d, k - hop_slots_);
  }
}

void Engine::close_block(double at_time_s) {
  block_time_.push_back(at_time_s - block_start_time_s_);
  for (auto& per_group : block_msd_) per_group.push_back(0.0);
  for (auto& per_group : block_msd_axes_) per_group.push_back(lattice::Vec3::Zero());
  for (auto& per_group : block_disp_) per_group.push_back(lattice::Vec3::Zero());
  for (std::size_t d = 0; d < defect_disp_.size(); ++d) {
    const lattice::Vec3 delta = defect_disp_[d] - block_origin_[d];
    block_msd_[defect_group_[d]].back() += delta.squaredNorm();
    block_msd_axes_[defect_group_[d]].back() += delta.cwiseProduct(delta);
    block_disp_[defect_group_[d]].back() += delta;
    block_origin_[d] = defect_disp_[d];
  }
  block_start_time_s_ = at_time_s;
}

RunResult Engine::run() {
  const StopCondition& stop = settings_.stop;
  if (!stop.bounded()) throw std::logic_error("Engine::run: unbounded stop condition");
  const std::size_t blocks = std::max<std::size_t>(settings_.blocks, 1);
  const bool blocks_by_hops = stop.max_hops > 0;
  auto hop_boundary = [&](std::size_t b) {
    return (stop.max_hops * (b + 1) + blocks - 1) / blocks;
  };
  // Hop count at which the open block closes (kept in a variable: no division per hop).
  std::uint64_t next_hop_boundary = blocks_by_hops ? hop_boundary(block_time_.size()) : 0;
  auto time_boundary = [&](std::size_t b) {
    return b + 1 == blocks ? stop.max_time_s : stop.max_time_s * double(b + 1) / double(blocks);
  };
  std::size_t open_block = block_time_.size();
  bool stopped_by_time = false, frozen = false;
  const std::uint64_t start_hops = hops_;

  while (true) {
    const double total = tree_.total();
    if (!(total > 0.0) && std::isinf(stop.max_time_s)) {
      frozen = true;
      break;
    }
    // Draw the waiting time first so a time limit or time-block boundary can cut it.
    const double dt = total > 0.0 ? rng_.exponential(total) : INFINITY;
    if (time_s_ + dt >= stop.max_time_s) {
      if (!blocks_by_hops)
        for (; open_block < blocks; ++open_block) close_block(time_boundary(open_block));
      if (!occupancy_time_.empty())
        add_occupancy(occupancy_time_, occupancy_count_, stop.max_time_s - time_s_);
      if (!plane_time_.empty()) add_occupancy(plane_time_, plane_count_, stop.max_time_s - time_s_);
      if (!state_time_.empty()) add_state_time(stop.max_time_s - time_s_);
      time_s_ = stop.max_time_s;
      stopped_by_time = true;
      frozen = !(total > 0.0);
      break;
    }
    if (!blocks_by_hops)
      for (; open_block < blocks && time_s_ + dt >= time_boundary(open_block); ++open_block)
        close_block(time_boundary(open_block));
    advance_and_hop(dt);
    if (blocks_by_hops && hops_ - start_hops >= next_hop_boundary) {
      for (; open_block < blocks && hops_ - start_hops >= hop_boundary(open_block); ++open_block)
        close_block(time_s_);
      next_hop_boundary = open_block < blocks ? hop_boundary(open_block) : UINT64_MAX;
    }
    if (stop.max_hops > 0 && hops_ - start_hops >= stop.max_hops) break;
  }
  // A run cut short (time limit first, or frozen) keeps its partial last block.
  if (open_block < blocks && time_s_ > block_start_time_s_) {
    close_block(time_s_);
    ++open_block;
  }
  RunResult result = collect();
  result.stopped_by_time = stopped_by_time;
  result.frozen = frozen;
  return result;
}

RunResult Engine::collect() const {
  RunResult r;
  r.time_s = time_s_;
  r.hops = hops_;
  r.block_time_s = block_time_;
  r.z_planes_angstrom = plane_z_angstrom_;
  const std::size_t nb = graph_.basis_count();
  r.species.resize(table_.species.size());
  for (std::size_t s = 0; s < r.species.size(); ++s) {
    auto& t = r.species[s];
    t.hops = species_hops_[s];
    t.jump_length2_sum_angstrom2 = species_jump2_[s];
    t.block_msd_sum_angstrom2 = block_msd_[s];
    if (!plane_time_.empty())
      t.z_profile_time_s.assign(plane_time_.begin() + s * plane_z_angstrom_.size(),
                                plane_time_.begin() + (s + 1) * plane_z_angstrom_.size());
    t.block_msd_axes_angstrom2 = block_msd_axes_[s];
    t.block_displacement_sum_angstrom = block_disp_[s];
    t.transitions = group_transitions_[s];
    if (crossings_) t.interfaces = crossings_->tallies(s);
    if (!state_time_.empty())
      t.state_time_s.assign(state_time_.begin() + s * r.species.size(),
                            state_time_.begin() + (s + 1) * r.species.size());
    if (!occupancy_time_.empty())
      t.occupancy_time_s.assign(occupancy_time_.begin() + s * nb,
                                occupancy_time_.begin() + (s + 1) * nb);
  }
  for (std::size_t d = 0; d < defect_disp_.size(); ++d) {
    auto& t = r.species[defect_group_[d]];
    ++t.defects;
    t.final_msd_sum_angstrom2 += defect_disp_[d].squaredNorm();
    t.final_displacement_sum_angstrom += defect_disp_[d];
  }
  for (std::size_t o = 0; o < occupant_names_.size(); ++o) {
    HostTally h;
    h.occupant = occupant_names_[o];
    h.jumps = occupant_jumps_[o];
    h.jump_length2_sum_angstrom2 = occupant_jump2_[o];
    r.hosts.push_back(h);
  }
  // Every atom of an element counts: host ions and the atoms interstitials carry.
  auto tally = [&](const HostIon& ion) {
    if (ion.occupant < 0) return;
    auto& h = r.hosts[ion.occupant];
    ++h.ions;
    h.displacement2_sum_angstrom2 +=
        ion.disp[0] * ion.disp[0] + ion.disp[1] * ion.disp[1] + ion.disp[2] * ion.disp[2];
  };
  for (const HostIon& ion : site_ion_) tally(ion);
  for (const HostIon& atom : defect_atom_) tally(atom);
  // Only species that are actually present as host ions (the occupant list also names
  // e.g. Pb and Cs when rates distinguish moving ions).
  r.hosts.erase(std::remove_if(r.hosts.begin(), r.hosts.end(),
                               [](const HostTally& h) { return h.ions == 0; }),
                r.hosts.end());
  return r;
}

}  // namespace ionhop::kmc
