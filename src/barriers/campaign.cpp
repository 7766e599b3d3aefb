// Environment-sampling campaign: plan occupations, build endpoints, run CI-NEB.
#include "ionhop/barriers/campaign.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "ionhop/atomistic/fire.hpp"
#include "ionhop/atomistic/frozen_host.hpp"
#include "ionhop/atomistic/hop_mirror.hpp"
#include "ionhop/atomistic/rattle.hpp"
#include "ionhop/atomistic/supercell_builder.hpp"
#include "ionhop/barriers/midpoint_hop.hpp"
#include "ionhop/core/error.hpp"

namespace ionhop::barriers {

using lattice::SiteIndex;

namespace {
std::size_t species_index(const CampaignSettings& s, const std::string& name, const char* what) {
  const auto it = std::find(s.species.begin(), s.species.end(), name);
  if (it == s.species.end())
    throw InputError("", "",
                     std::string(what) + " '" + name + "' is not one of the varied species");
  return static_cast<std::size_t>(it - s.species.begin());
}

std::map<std::string, int> to_int_counts(const std::map<std::string, std::size_t>& counts) {
  std::map<std::string, int> out;
  for (const auto& [species, n] : counts) out[species] = static_cast<int>(n);
  return out;
}

// The unrelaxed endpoints of a sample's hop with the given site occupants, at the cell charge.
atomistic::HopEndpoints built_hop(const lattice::SiteGraph& graph, const CampaignSettings& settings,
                                  const HopEnvironment& environment,
                                  const std::vector<std::string>& occupants) {
  const atomistic::SupercellBuilder builder(graph, occupants);
  atomistic::HopEndpoints ends =
      settings.mechanism == rates::Mechanism::vacancy
          ? builder.vacancy_hop(environment.from, environment.to, settings.hop_shell)
          : builder.interstitial_hop(environment.from, environment.to, settings.hop_shell,
                                     settings.interstitial);
  ends.initial.charge_e = ends.final.charge_e = settings.cell_charge_e;
  return ends;
}

// The frozen host (radius, fixed elements) and the seeded initial endpoint of a sample.
void apply_frozen_host_and_start(const CampaignSettings& settings, atomistic::HopEndpoints& ends) {
  if (settings.fix_beyond_angstrom > 0)
    atomistic::fix_atoms_beyond(ends.initial, ends.final, settings.fix_beyond_angstrom);
  if (!settings.fix_elements.empty())
    atomistic::fix_elements(ends.initial, ends.final, settings.fix_elements);
  if (settings.initial_start) {
    try {
      atomistic::seed_free_atoms(ends.initial, *settings.initial_start);
    } catch (const InputError& e) {
      throw InputError("", "/sampling/initial_start",
                       settings.initial_start_path + ": " + e.problem());
    }
  }
}

// The sample's midpoint seed (barriers/midpoint_hop), its errors naming the file and key.
atomistic::Structure seeded_midpoint_of(const CampaignSettings& settings,
                                        const atomistic::HopMirror& mirror,
                                        const atomistic::Structure& built_initial,
                                        const atomistic::Structure* rattled_initial = nullptr) {
  try {
    return seeded_midpoint(*settings.midpoint_start, mirror, built_initial, rattled_initial);
  } catch (const InputError& e) {
    throw InputError("", "/sampling/midpoint_start",
                     settings.midpoint_start_path + ": " + e.problem());
  }
}
}  // namespace

CampaignPlan plan_campaign(const lattice::SiteGraph& graph, const CampaignSettings& settings) {
  const auto& crystal = graph.crystal();
  if (settings.species.empty()) throw InputError("", "", "no varied species given");
  if (settings.moving_species.empty()) throw InputError("", "", "no moving species given");
  if (!crystal.has_sublattice(settings.sublattice))
    throw InputError("", "", "unknown sublattice '" + settings.sublattice + "'");
  const auto hop_shell = crystal.shell_index(settings.hop_shell);
  if (!hop_shell) throw InputError("", "", "unknown hop shell '" + settings.hop_shell + "'");
  const auto sites = graph.sites_of_sublattice(settings.sublattice);
  SiteIndex from = sites.front();
  if (settings.from_site >= 0) {
    from = static_cast<SiteIndex>(settings.from_site);
    if (static_cast<std::size_t>(settings.from_site) >= graph.site_count() ||
        std::find(sites.begin(), sites.end(), from) == sites.end())
      throw InputError("", "",
                       "site " + std::to_string(settings.from_site) +
                           " is not a site of sublattice '" + settings.sublattice + "'");
  }
  CampaignPlan plan;
  plan.environment = hop_environment(graph, from, settings.hop, settings.environment_shell);
  if (graph.hop_templates(graph.basis_of(from))[settings.hop].shell != *hop_shell)
    throw InputError("", "",
                     "hop " + std::to_string(settings.hop) + " of site " + std::to_string(from) +
                         " is not in shell '" + settings.hop_shell + "'");
  if (settings.mechanism == rates::Mechanism::interstitial) {
    if (settings.species.size() != 1)
      throw InputError("", "",
                       "an interstitial campaign samples a pure host: give one varied species, "
                       "not " +
                           std::to_string(settings.species.size()));
    if (settings.endpoints == atomistic::EndpointMode::kSharedHost)
      throw InputError("", "",
                       "shared_host endpoints reflect only the hopping atom and need a one-atom "
                       "(vacancy) hop: use \"mirror\" or \"independent\" for interstitials");
    if (settings.moving_species.size() != 1 ||
        settings.moving_species.front() != settings.interstitial.element)
      throw InputError("", "",
                       "the moving species of an interstitial campaign is the interstitial's "
                       "element '" +
                           settings.interstitial.element + "'");
  }
  for (const auto& element : settings.fix_elements) {
    const bool framework =
        std::any_of(crystal.basis.begin(), crystal.basis.end(), [&](const auto& b) {
          return b.sublattice != settings.sublattice && b.occupant == element;
        });
    if (!framework)
      throw InputError("", "/sampling/fix_elements",
                       "'" + element +
                           "' is not the occupant of a sublattice other "
                           "than the hop's '" +
                           settings.sublattice + "' (only the framework can be fixed)");
  }
  std::vector<std::size_t> moving;
  for (const auto& m : settings.moving_species)
    moving.push_back(species_index(settings, m, "moving species"));
  plan.occupations = settings.mode == SamplingMode::exhaustive
                         ? enumerate_occupations(plan.environment, settings.species.size(), moving,
                                                 settings.max_exhaustive)
                         : sample_occupations(plan.environment, settings.species.size(), moving,
                                              settings.budget_per_moving_species, settings.seed);
  if (settings.repeats > 1) {
    std::vector<EnvironmentOccupation> repeated;
    for (const auto& o : plan.occupations)
      for (std::size_t r = 0; r < settings.repeats; ++r) {
        repeated.push_back(o);
        repeated.back().repeat = r;
      }
    plan.occupations = std::move(repeated);
  }
  // The half band A -> M stands for the hop only when B is A's mirror image.
  if (settings.midpoint_start && settings.endpoints != atomistic::EndpointMode::kMirror)
    throw InputError("", "/sampling/midpoint_start",
                     "needs \"endpoints\": \"mirror\" (the hop's second half is the band's "
                     "mirror image)");
  if (settings.initial_start || settings.midpoint_start) {
    // A seeded structure fits every sample only when every sample is the same structure; it
    // must fit the first one's built hop and mask.
    const char* key =
        settings.initial_start ? "/sampling/initial_start" : "/sampling/midpoint_start";
    if (settings.species.size() != 1)
      throw InputError("", key,
                       "needs a pure host (one varied species): each mixed occupation is "
                       "another structure");
    atomistic::HopEndpoints ends = built_hop(
        graph, settings, plan.environment,
        initial_site_occupants(graph, settings, plan.environment, plan.occupations.front()));
    std::optional<atomistic::HopMirror> mirror;
    if (settings.midpoint_start) {
      try {
        mirror = atomistic::find_hop_mirror(ends.initial, ends.final);
      } catch (const InputError& e) {
        throw InputError("", "/sampling/midpoint_start",
                         "the hop has no mirror plane: " + e.problem());
      }
    }
    apply_frozen_host_and_start(settings, ends);
    if (mirror) seeded_midpoint_of(settings, *mirror, ends.initial);
  }
  return plan;
}

std::vector<std::string> initial_site_occupants(const lattice::SiteGraph& graph,
                                                const CampaignSettings& settings,
                                                const HopEnvironment& environment,
                                                const EnvironmentOccupation& occupation) {
  const auto& crystal = graph.crystal();
  std::vector<std::string> occupants(graph.site_count());
  for (SiteIndex s = 0; s < graph.site_count(); ++s) {
    const auto& basis = crystal.basis[graph.basis_of(s)];
    occupants[s] = basis.sublattice == settings.sublattice && !settings.background.empty()
                       ? settings.background
                       : basis.occupant;
  }
  for (std::size_t k = 0; k < environment.sites.size(); ++k)
    occupants[environment.sites[k]] = settings.species.at(occupation.occupants[k]);
  occupants[environment.to] = settings.species.at(occupation.moving);
  return occupants;  // the vacancy's site keeps an occupant here; the builder removes it
}

std::string sample_id(const CampaignSettings& settings, const EnvironmentOccupation& occupation) {
  return settings.defect_name + "/" + occupation.key +
         (occupation.repeat > 0 ? "#" + std::to_string(occupation.repeat) : "");
}

SampleOutcome run_sample(const lattice::SiteGraph& graph, const atomistic::Potential& potential,
                         const CampaignSettings& settings, const HopEnvironment& environment,
                         const EnvironmentOccupation& occupation) {
  std::vector<std::string> occupants =
      initial_site_occupants(graph, settings, environment, occupation);
  const bool vacancy = settings.mechanism == rates::Mechanism::vacancy;
  atomistic::HopEndpoints ends = built_hop(graph, settings, environment, occupants);
  std::optional<atomistic::HopMirror> mirror;
  if (settings.endpoints != atomistic::EndpointMode::kIndependent) {
    try {
      mirror = atomistic::find_hop_mirror(ends.initial, ends.final);
    } catch (const InputError&) {
      // This occupation is not mirror-symmetric: independent endpoints (header).
    }
  }
  apply_frozen_host_and_start(settings, ends);
  const atomistic::Structure ideal_initial = ends.initial;
  atomistic::rattle_endpoints(ends.initial, ends.final, settings.rattle_angstrom,
                              settings.seed + occupation.repeat);
  if (mirror && settings.endpoints == atomistic::EndpointMode::kMirror)
    ends.initial = mirror->symmetrize_displacements(ends.initial, ideal_initial);
  // The midpoint state gets the initial endpoint's (symmetrised) rattle: a mirror-symmetric
  // displacement field, so the state stays on the plane. plan_campaign checked the seed and
  // the mirror (pure host: every occupation is the first one's structure).
  const bool with_midpoint =
      settings.midpoint_start && mirror && settings.endpoints == atomistic::EndpointMode::kMirror;
  std::optional<atomistic::Structure> midpoint_start;
  if (with_midpoint)
    midpoint_start = seeded_midpoint_of(settings, *mirror, ideal_initial, &ends.initial);

  SampleOutcome out;
  BarrierSample& s = out.sample;
  s.id = sample_id(settings, occupation);
  s.defect = settings.defect_name;
  s.moving_species = settings.species.at(occupation.moving);
  s.occupation_key = occupation.key;
  // Environment counts as the KMC counts them: around the vacancy before the hop (the
  // mover on `to` included) and around the vacancy after it (the mover then on `from`). An
  // interstitial leaves every lattice site occupied: its neighbours before and after.
  std::vector<std::string> before = occupants, after = occupants;
  if (vacancy) {
    before[environment.from] = "";
    after[environment.from] = s.moving_species;
    after[environment.to] = "";
  }
  s.initial_counts = to_int_counts(
      atomistic::environment_counts(graph, before, environment.from, settings.environment_shell));
  s.final_counts = to_int_counts(
      atomistic::environment_counts(graph, after, environment.to, settings.environment_shell));
  // Saddle: ions on the common environment neighbours of the two hop sites (the same before
  // and after the hop, since only the ions on `from` and `to` change).
  const auto shell = *graph.crystal().shell_index(settings.environment_shell);
  auto shell_neighbours = [&](lattice::SiteIndex site) {
    std::vector<lattice::SiteIndex> out;
    const auto& templates = graph.hop_templates(graph.basis_of(site));
    const auto targets = graph.hop_targets(site);
    for (std::size_t k = 0; k < targets.size(); ++k)
      if (templates[k].shell == shell) out.push_back(targets[k]);
    return out;
  };
  const auto around_from = shell_neighbours(environment.from);
  for (lattice::SiteIndex y : shell_neighbours(environment.to))
    if (y != environment.from && y != environment.to &&
        std::find(around_from.begin(), around_from.end(), y) != around_from.end() &&
        !before[y].empty())
      ++s.saddle_counts[before[y]];

  std::optional<atomistic::HarmonicAnalysis> saddle_modes;  // from the saddle refinement
  std::optional<double> plane_crossing_ev;  // midpoint campaigns: above the initial endpoint
  try {
    // The guard watches the endpoint relaxations too (as one-structure bands): an endpoint
    // that runs out of an MLFF's domain would otherwise be relaxed into the model's
    // extrapolation (seen: a free Cs 0.2 A from a frozen one, 1000 eV below the real minimum).
    atomistic::FireSettings endpoint_fire = settings.neb.endpoint_relaxation;
    std::string endpoint_guard_reason;
    std::size_t endpoint_guard_step = 0;
    if (settings.band_guard) {
      endpoint_fire.monitor_every_steps = settings.band_guard_every_steps;
      endpoint_fire.monitor = [&](std::size_t step, const atomistic::Structure& structure) {
        endpoint_guard_reason = settings.band_guard({structure});
        endpoint_guard_step = step;
        return endpoint_guard_reason.empty();
      };
    }
    const auto relaxed_endpoint = [&](const atomistic::Structure& start, const char* which) {
      atomistic::RelaxResult r;
      if (settings.confirm_minima) {
        const atomistic::MinimumResult m =
            atomistic::relax_to_minimum(potential, start, endpoint_fire, settings.minimum);
        out.minimum_escapes += m.escapes;
        r = m.relaxed;
        if (r.converged && !m.confirmed)
          throw InputError("", "",
                           std::string("NEB endpoint ") + which + " is not a minimum after " +
                               std::to_string(m.escapes) + " escapes along negative curvature");
      } else {
        r = atomistic::relax(potential, start, endpoint_fire);
      }
      if (r.stopped) {
        // Keep the structure where the guard objected, as a one-image path (for the path
        // file, and so for select-uncertain).
        out.neb = atomistic::NebResult{};
        out.neb.images = {r.structure};
        out.neb.energies_ev = {r.energy_ev};
        out.neb.path_distance_angstrom = {0.0};
        out.neb.stopped = true;
        throw InputError("", "",
                         std::string("NEB endpoint ") + which + " stopped at relaxation step " +
                             std::to_string(endpoint_guard_step) + ": " + endpoint_guard_reason);
      }
      if (!r.converged)
        throw InputError("", "",
                         std::string("NEB endpoint ") + which + " did not converge: max force " +
                             std::to_string(r.max_force_ev_per_angstrom) + " eV/Å after " +
                             std::to_string(r.steps) + " steps");
      return r;
    };
    // The final endpoint that goes with a relaxed initial one (mirror-derived modes).
    const auto final_for = [&](const atomistic::Structure& initial) {
      if (settings.endpoints == atomistic::EndpointMode::kMirror) return mirror->apply(initial);
      return relaxed_endpoint(mirror->reflect_moving_atom(initial), "final").structure;
    };
    // The guard's verdict, kept for the failure message (the monitor itself can only say stop).
    std::string guard_reason;
    std::size_t guard_step = 0;
    atomistic::NebSettings guarded = settings.neb;
    if (settings.band_guard) {
      guarded.monitor_every_steps = settings.band_guard_every_steps;
      guarded.monitor = [&](std::size_t step, const std::vector<atomistic::Structure>& images) {
        guard_reason = settings.band_guard(images);
        guard_step = step;
        return guard_reason.empty();
      };
    }
    atomistic::NebSettings band = guarded;
    band.relax_endpoints = false;
    atomistic::Structure a, b;
    if (mirror) {
      // With a midpoint state the band ends at M, relaxed like an endpoint from its symmetric
      // start (it may break the symmetry: an intermediate near the plane, header).
      a = relaxed_endpoint(ends.initial, "initial").structure;
      b = with_midpoint ? relaxed_endpoint(*midpoint_start, "midpoint").structure : final_for(a);
      out.neb = atomistic::run_neb(potential, a, b, band);
    } else if (settings.confirm_minima || (settings.band_guard && settings.neb.relax_endpoints)) {
      // Here rather than inside run_neb, so that the guard watches these relaxations too.
      a = relaxed_endpoint(ends.initial, "initial").structure;
      b = relaxed_endpoint(ends.final, "final").structure;
      out.neb = atomistic::run_neb(potential, a, b, band);
    } else {
      out.neb = atomistic::run_neb(potential, ends.initial, ends.final, guarded);
      a = out.neb.images.front();
      b = out.neb.images.back();
    }
    // A deeper state of an endpoint's basin on the converged band: relax that endpoint
    // again from it and recompute (atomistic::endpoints_to_refine).
    for (atomistic::EndpointRefinement refine =
             atomistic::endpoints_to_refine(out.neb, settings.refine_tolerance_ev);
         out.neb.converged && refine.needed() &&
         out.endpoint_refinements < settings.max_endpoint_refinements;
         refine = atomistic::endpoints_to_refine(out.neb, settings.refine_tolerance_ev)) {
      ++out.endpoint_refinements;
      if (refine.initial_from) {
        a = relaxed_endpoint(out.neb.images[*refine.initial_from], "initial").structure;
        if (mirror && !with_midpoint) b = final_for(a);
      } else if (with_midpoint) {
        b = relaxed_endpoint(out.neb.images[*refine.final_from], "midpoint").structure;
      } else {
        b = relaxed_endpoint(out.neb.images[*refine.final_from], "final").structure;
        if (settings.endpoints == atomistic::EndpointMode::kMirror) a = mirror->apply(b);
      }
      out.neb = atomistic::run_neb(potential, a, b, band);
    }
    // A converged band on a higher-order saddle (a symmetric ridge): push it off along the
    // extra unstable modes. If the modes cannot be computed the band stays as it is, and the
    // Vineyard step below says why.
    if (settings.vineyard && settings.saddle_refinement.max_refinements > 0 && out.neb.converged &&
        !out.neb.stopped) {
      try {
        atomistic::SaddleRefinement r = atomistic::refine_saddle(
            potential, out.neb, band, settings.harmonic, settings.saddle_refinement);
        out.neb = std::move(r.neb);
        out.saddle_refinements = r.refinements;
        if (out.neb.converged && !out.neb.stopped) saddle_modes = std::move(r.saddle);
      } catch (const InputError&) {
      }
    }
    if (out.neb.stopped)
      throw InputError("", "",
                       "band stopped at step " + std::to_string(guard_step) + ": " + guard_reason);
    // The half band stands for the hop only below its saddle: M, and the crossing of the
    // plane between M and its mirror image M' (header).
    if (with_midpoint && out.neb.converged)
      plane_crossing_ev = midpoint_plane_crossing_ev(potential, *mirror, out.neb, band,
                                                     settings.refine_tolerance_ev, guard_reason);
  } catch (const InputError& e) {
    // Endpoints that do not relax, or a band or endpoint the guard stopped: record the
    // failure, never a number (the stopped band or endpoint stays in out.neb, for its path
    // file).
    s.converged = false;
    s.barrier_ev = s.reaction_energy_ev = NAN;
    out.failure = e.problem();
    return out;
  }
  s.converged = out.neb.converged;
  s.barrier_ev = out.neb.forward_barrier_ev;
  if (s.converged) {
    s.initial_energy_ev = out.neb.energies_ev.front();
    // The hop's endpoints: with a midpoint state, A and B = A mirrored (the band ends at M).
    const atomistic::Structure& first = out.neb.images.front();
    s.endpoint_separation_angstrom = first.largest_displacement_angstrom(
        with_midpoint ? mirror->apply(first) : out.neb.images.back());
  }
  s.reaction_energy_ev = out.neb.energies_ev.back() - out.neb.energies_ev.front();
  if (with_midpoint && s.converged) {
    // The band ends at M; the hop ends at B, A's mirror image: same energy (header).
    s.midpoint_energy_ev = s.reaction_energy_ev;
    s.mirror_plane_energy_ev = plane_crossing_ev;
    s.reaction_energy_ev = 0;
  }
  if (!s.converged) {
    out.failure = "CI-NEB did not converge: max force " +
                  std::to_string(out.neb.max_force_ev_per_angstrom) + " eV/Å after " +
                  std::to_string(out.neb.steps) + " steps";
    s.barrier_ev = s.reaction_energy_ev = NAN;
    return out;
  }
  if (settings.vineyard) {
    // The saddle of a converged CI-NEB is its climbing image (the highest image); the
    // minimum is the relaxed initial endpoint, the state the hop leaves (rate ν* e^{−E_b/kT}
    // with E_b measured from it).
    try {
      out.vineyard = saddle_modes
                         ? atomistic::vineyard_prefactor(
                               atomistic::analyse_normal_modes(potential, out.neb.images.front(),
                                                               settings.harmonic),
                               *saddle_modes, settings.harmonic)
                         : atomistic::vineyard_prefactor(potential, out.neb.images.front(),
                                                         out.neb.saddle, settings.harmonic);
      if (!out.neb.climbing_image)
        out.vineyard->warning += std::string(out.vineyard->warning.empty() ? "" : "; ") +
                                 "no climbing image: the highest image only approximates the "
                                 "saddle";
      // Through a midpoint state the ion reaches B from M half the time (header).
      s.attempt_frequency_hz = out.vineyard->prefactor_thz * 1e12 * (with_midpoint ? 0.5 : 1.0);
      s.imaginary_frequency_thz = out.vineyard->imaginary_frequency_thz;
      s.vineyard_warning = out.vineyard->warning;
    } catch (const InputError& e) {
      // The barrier is still a converged CI-NEB barrier; only ν* is unavailable.
      s.vineyard_warning = "no prefactor: " + e.problem();
    }
  }
  return out;
}

std::map<std::string, VineyardStatistics> vineyard_statistics(
    const std::vector<BarrierSample>& samples, const std::string& defect) {
  std::map<std::string, std::vector<double>> logs;
  std::map<std::string, VineyardStatistics> out;
  for (const auto& s : samples) {
    if (!s.converged || (!defect.empty() && s.defect != defect)) continue;
    auto& st = out[s.moving_species];
    if (!s.attempt_frequency_hz || !(*s.attempt_frequency_hz > 0) ||
        !std::isfinite(*s.attempt_frequency_hz)) {
      ++st.converged_without;
      continue;
    }
    const double nu = *s.attempt_frequency_hz;
    st.min_hz = st.samples == 0 ? nu : std::min(st.min_hz, nu);
    st.max_hz = st.samples == 0 ? nu : std::max(st.max_hz, nu);
    ++st.samples;
    logs[s.moving_species].push_back(std::log(nu));
  }
  for (const auto& [species, x] : logs) {
    auto& st = out[species];
    const double n = static_cast<double>(x.size());
    double mean = 0;
    for (double v : x) mean += v;
    mean /= n;
    double ss = 0;
    for (double v : x) ss += (v - mean) * (v - mean);
    // min ≤ ν̄ ≤ max holds exactly; the clamp only undoes the last-ulp error of exp(ln ν), so
    // one sample's mean is that sample's ν*.
    st.geometric_mean_hz = std::clamp(std::exp(mean), st.min_hz, st.max_hz);
    st.log_standard_error =
        x.size() > 1 ? std::sqrt(ss / (n - 1) / n) : std::numeric_limits<double>::quiet_NaN();
  }
  return out;
}

}  // namespace ionhop::barriers
