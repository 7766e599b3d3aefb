#include "ionhop/sweep/sweep_runner.hpp"

#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "ionhop/core/error.hpp"
#include "ionhop/core/random_stream.hpp"
#include "ionhop/core/units.hpp"
#include "ionhop/kmc/engine.hpp"
#include "ionhop/kmc/replica_observables.hpp"
#include "ionhop/rates/charge_states.hpp"
#include "ionhop/rates/compiled_rates.hpp"

namespace ionhop::sweep {

struct ReplicaRun {
  kmc::ReplicaObservables observables;
  std::vector<double> z_planes_angstrom;
  double time_s = 0;
  std::uint64_t hops = 0;
  double wall_s = 0;
};

namespace {

using analysis::Estimate;
constexpr double kToCm2 = units::angstrom2_to_cm2;

Estimate collect(const std::vector<ReplicaRun>& runs, double kmc::ReplicaObservables::*field,
                 double scale) {
  std::vector<double> v;
  for (const auto& r : runs)
    if (std::isfinite(r.observables.*field)) v.push_back(r.observables.*field * scale);
  return analysis::mean_with_standard_error(v);
}

std::string cell_key(const std::array<int, 3>& c, std::size_t n) {
  return std::to_string(c[0]) + "x" + std::to_string(c[1]) + "x" + std::to_string(c[2]) + "/" +
         std::to_string(n);
}

// The sweep point an MD comparison uses at temperature t: the first supercell and defect
// count of the grid, no field, fixed charge, the first composition; null if the sweep has none.
const PointResult* comparison_point(const SweepConfig& config, const SweepResult& result,
                                    const std::string& species, double t) {
  for (const auto& p : result.points)
    if (p.point.species == species && p.point.temperature_k == t &&
        p.point.supercell == config.supercells.front() &&
        p.point.defects == config.defect_counts.front() && !p.point.has_field() &&
        !std::isfinite(p.point.fermi_level_ev) && p.point.composition == 0)
      return &p;
  return nullptr;
}

// "Immobile in MD" against a rate table in which the species hops: how many hops the KMC's
// rates predict in the MD's time at its temperatures (analysis::check_md_immobility).
std::string immobility_note(const std::string& species, const analysis::MdReference& ref,
                            const SweepResult& result, const SweepConfig& config) {
  const std::string head = species + ": immobile in MD, mobile in the rate table";
  if (!ref.observation_time_s)
    return head +
           "; the MD reference gives no MD time (md_time_per_temperature_ns), so the "
           "expected number of hops cannot be checked";
  std::vector<double> rates;
  std::string missing;
  for (double t : ref.temperatures_k) {
    const PointResult* p = comparison_point(config, result, species, t);
    if (p)
      rates.push_back(p->hop_rate_per_defect_hz.value);
    else
      missing += (missing.empty() ? "" : ", ") + std::to_string(static_cast<int>(t)) + " K";
  }
  if (!missing.empty())
    return head + "; no sweep point at the MD temperature(s) " + missing +
           ", so the expected number of hops cannot be checked";
  const auto check = analysis::check_md_immobility(rates, *ref.observation_time_s);
  char buf[320];
  std::snprintf(buf, sizeof buf,
                "; in %.3g ns at each of the %zu MD temperatures (%g-%g K) its KMC hop rates give "
                "N = %.3g hops per defect, P(no hop) = exp(-N) = %.3g: %s",
                *ref.observation_time_s * 1e9, ref.temperatures_k.size(),
                *std::min_element(ref.temperatures_k.begin(), ref.temperatures_k.end()),
                *std::max_element(ref.temperatures_k.begin(), ref.temperatures_k.end()),
                check.expected_hops, check.probability_no_hop,
                check.consistent ? "consistent with no hop in MD"
                                 : "INCONSISTENT (MD should have seen hops)");
  return head + buf;
}

}  // namespace

PointResult summarize_point(const SweepConfig& config, const lattice::SiteGraph& graph,
                            const SweepPoint& point, const std::vector<ReplicaRun>& runs) {
  const auto& sp = config.rate_table.species[point.species_index];
  PointResult r;
  r.point = point;
  r.mechanism = rates::to_string(sp.mechanism);
  r.charge = sp.charge;
  r.immobile = !sp.mobile;
  r.replicas = runs.size();
  for (const auto& run : runs) {
    r.hops += run.hops;
    r.wall_time_s += run.wall_s;
  }
  if (r.immobile) {
    // No hops are defined: D = 0 exactly, nothing to simulate.
    r.diffusion = {0.0, 0.0, runs.size()};
    return r;
  }
  using O = kmc::ReplicaObservables;
  r.diffusion = collect(runs, &O::diffusion_angstrom2_s, kToCm2);
  r.diffusion_first_half = collect(runs, &O::diffusion_first_half_angstrom2_s, kToCm2);
  r.diffusion_single_origin = collect(runs, &O::diffusion_single_origin_angstrom2_s, kToCm2);
  r.diffusion_uncorrelated = collect(runs, &O::diffusion_uncorrelated_angstrom2_s, kToCm2);
  r.hop_rate_per_defect_hz = collect(runs, &O::hop_rate_per_defect_hz, 1.0);
  r.collective_diffusion = collect(runs, &O::collective_diffusion_angstrom2_s, kToCm2);
  r.haven_ratio = collect(runs, &O::haven_ratio, 1.0);
  if (config.z_profile && !runs.empty()) {
    r.z_planes_angstrom = runs.front().z_planes_angstrom;
    for (std::size_t plane = 0; plane < r.z_planes_angstrom.size(); ++plane) {
      std::vector<double> v;
      for (const auto& run : runs)
        if (plane < run.observables.z_profile_fraction.size())
          v.push_back(run.observables.z_profile_fraction[plane]);
      r.z_profile_fraction.push_back(analysis::mean_with_standard_error(v));
    }
  }
  if (!runs.empty())
    for (std::size_t i = 0; i < runs.front().observables.interfaces.size(); ++i) {
      PointResult::Interface out;
      out.z_angstrom = runs.front().observables.interfaces[i].z_angstrom;
      using C = kmc::ReplicaObservables::InterfaceCrossing;
      auto over = [&](double C::*field) {
        std::vector<double> v;
        for (const auto& run : runs)
          if (i < run.observables.interfaces.size() &&
              std::isfinite(run.observables.interfaces[i].*field))
            v.push_back(run.observables.interfaces[i].*field);
        return analysis::mean_with_standard_error(v);
      };
      for (const auto& run : runs)
        if (i < run.observables.interfaces.size())
          out.arrivals += static_cast<double>(run.observables.interfaces[i].arrivals);
      out.transmission_probability = over(&C::transmission_probability);
      out.transmission_probability_up = over(&C::transmission_probability_up);
      out.transmission_probability_down = over(&C::transmission_probability_down);
      out.crossing_rate_per_defect_hz = over(&C::crossing_rate_per_defect_hz);
      r.interfaces.push_back(out);
    }
  for (int axis = 0; axis < 3; ++axis) {
    std::vector<double> v;
    for (const auto& run : runs)
      if (std::isfinite(run.observables.diffusion_axes_angstrom2_s[axis]))
        v.push_back(run.observables.diffusion_axes_angstrom2_s[axis] * kToCm2);
    r.diffusion_axes[axis] = analysis::mean_with_standard_error(v);
  }
  r.tracer_diffusion = collect(runs, &O::tracer_diffusion_angstrom2_s, kToCm2);
  r.correlation_factor = collect(runs, &O::correlation_factor, 1.0);
  if (!runs.empty()) r.host_occupant = runs.front().observables.host_occupant;
  if (!runs.empty()) {
    // Host species are the same in every replica (same composition), in the same order.
    for (std::size_t h = 0; h < runs.front().observables.hosts.size(); ++h) {
      PointResult::Tracer t;
      t.occupant = runs.front().observables.hosts[h].occupant;
      std::vector<double> ions, d, f;
      for (const auto& run : runs) {
        const auto& hosts = run.observables.hosts;
        if (h >= hosts.size() || hosts[h].occupant != t.occupant) continue;
        ions.push_back(static_cast<double>(hosts[h].ions));
        if (std::isfinite(hosts[h].tracer_diffusion_angstrom2_s))
          d.push_back(hosts[h].tracer_diffusion_angstrom2_s * kToCm2);
        if (std::isfinite(hosts[h].correlation_factor)) f.push_back(hosts[h].correlation_factor);
      }
      t.ions = analysis::mean_with_standard_error(ions);
      t.tracer_diffusion = analysis::mean_with_standard_error(d);
      t.correlation_factor = analysis::mean_with_standard_error(f);
      r.tracers.push_back(t);
    }
  }

  std::vector<double> times, groups;
  for (const auto& run : runs) {
    times.push_back(run.time_s);
    for (double g : run.observables.diffusion_block_groups_angstrom2_s)
      groups.push_back(g * kToCm2);
  }
  r.simulated_time_s = analysis::mean_with_standard_error(times);
  r.min_simulated_time_s = times.empty() ? NAN : *std::min_element(times.begin(), times.end());
  r.diffusion_block_err = analysis::mean_with_standard_error(groups).error;
  // With one replica the block error is the only error available.
  if (runs.size() == 1) r.diffusion.error = r.diffusion_block_err;

  const double kt = units::thermal_energy_ev(point.temperature_k);
  if (point.has_field()) {
    // Field direction and magnitude in internal units (V/Å); 1 V/cm = 1e-8 V/Å.
    const Eigen::Vector3d field(point.field_v_per_cm[0], point.field_v_per_cm[1],
                                point.field_v_per_cm[2]);
    const Eigen::Vector3d unit = field.normalized();
    const double e_v_per_angstrom = field.norm() * 1e-8;
    const double sign = sp.charge > 0 ? 1.0 : (sp.charge < 0 ? -1.0 : 1.0);
    std::vector<double> v, mu, d_corr, ratio;
    for (const auto& run : runs) {
      const auto& o = run.observables;
      const double v_par = o.drift_velocity_angstrom_s.dot(unit);  // Å/s
      const double mobility = sign * v_par / e_v_per_angstrom;     // Å²/(V·s)
      v.push_back(v_par * 1e-8);                                   // cm/s
      mu.push_back(mobility * kToCm2);
      d_corr.push_back(o.diffusion_drift_corrected_angstrom2_s * kToCm2);
      if (sp.charge != 0)
        ratio.push_back(mobility * kt /
                        (std::abs(sp.charge) * o.diffusion_drift_corrected_angstrom2_s));
    }
    r.drift_velocity_cm_s = analysis::mean_with_standard_error(v);
    r.mobility_cm2_v_s = analysis::mean_with_standard_error(mu);
    r.diffusion_drift_corrected = analysis::mean_with_standard_error(d_corr);
    r.nernst_einstein_ratio = analysis::mean_with_standard_error(ratio);
  }

  if (std::isfinite(point.fermi_level_ev) && !config.rate_table.charge_model.empty()) {
    const auto family = rates::charge_state_family(config.rate_table, point.species_index);
    const auto p_eq = rates::equilibrium_occupancies(config.rate_table, point.species_index,
                                                     point.fermi_level_ev, point.temperature_k);
    const rates::CompiledRates zero_field(config.rate_table, graph, point.temperature_k);
    r.diffusion_fast_switching_cm2_s = 0;
    for (std::size_t i = 0; i < family.size(); ++i) {
      PointResult::ChargeState cs;
      cs.species = config.rate_table.species[family[i]].name;
      cs.charge = config.rate_table.species[family[i]].charge;
      std::vector<double> fractions;
      for (const auto& run : runs)
        if (family[i] < run.observables.state_fraction.size())
          fractions.push_back(run.observables.state_fraction[family[i]]);
      cs.time_fraction = analysis::mean_with_standard_error(fractions);
      cs.equilibrium_fraction = p_eq[i];
      cs.diffusion_uncorrelated_cm2_s = rates::uncorrelated_diffusion_angstrom2_s(
                                            config.rate_table, zero_field, graph, family[i]) *
                                        kToCm2;
      r.diffusion_fast_switching_cm2_s += p_eq[i] * cs.diffusion_uncorrelated_cm2_s;
      r.charge_states.push_back(cs);
    }
    r.transitions_per_defect_hz = collect(runs, &O::transitions_per_defect_hz, 1.0);
  } else if (!runs.empty() && !runs.front().observables.state_fraction.empty()) {
    for (std::size_t s = 0; s < config.rate_table.species.size(); ++s) {
      std::vector<double> fractions;
      for (const auto& run : runs)
        if (s < run.observables.state_fraction.size())
          fractions.push_back(run.observables.state_fraction[s]);
      const auto f = analysis::mean_with_standard_error(fractions);
      if (f.value > 0) r.species_time.push_back({config.rate_table.species[s].name, f});
    }
  }
  return r;
}

void fit_and_compare(const SweepConfig& config, SweepResult& result) {
  // Group points by (species, supercell, defect count), keeping grid order.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const PointResult*>> groups;
  for (const auto& p : result.points) {
    char conditions[160];
    std::snprintf(conditions, sizeof conditions, "|E=%g,%g,%g|EF=%g", p.point.field_v_per_cm[0],
                  p.point.field_v_per_cm[1], p.point.field_v_per_cm[2], p.point.fermi_level_ev);
    const std::string key = p.point.species + "|" + cell_key(p.point.supercell, p.point.defects) +
                            conditions + "|" + p.point.composition_label;
    if (!groups.count(key)) order.push_back(key);
    groups[key].push_back(&p);
  }
  std::map<std::string, const ArrheniusResult*> first_fit;  // species → first group's fit
  result.arrhenius.reserve(order.size());
  for (const auto& key : order) {
    const auto& pts = groups[key];
    const PointResult& head = *pts.front();
    if (head.immobile) {
      result.notes.push_back(head.point.species +
                             ": immobile in the rate table (no hops); D = 0, no Arrhenius fit");
      continue;
    }
    std::vector<analysis::ArrheniusPoint> data;
    for (const auto* p : pts)
      if (p->diffusion.value > 0 && p->diffusion.error > 0)
        data.push_back({p->point.temperature_k, p->diffusion.value, p->diffusion.error});
    ArrheniusResult a;
    a.species = head.point.species;
    a.supercell = head.point.supercell;
    a.defects = head.point.defects;
    a.field_v_per_cm = head.point.field_v_per_cm;
    a.fermi_level_ev = head.point.fermi_level_ev;
    a.composition_label = head.point.composition_label;
    a.report_temperature_k = config.report_temperature_k;
    try {
      a.fit = analysis::fit_arrhenius(data);
    } catch (const std::invalid_argument& e) {
      result.notes.push_back(a.species + " (" + cell_key(a.supercell, a.defects) +
                             "): no Arrhenius fit: " + e.what());
      continue;
    }
    a.diffusion_at_report_temperature = a.fit.diffusion_at(config.report_temperature_k);
    result.arrhenius.push_back(a);
    // The MD comparison uses the first zero-field, fixed-charge group of each species, in
    // the first composition of the grid.
    if (!first_fit.count(a.species) && !head.point.has_field() &&
        !std::isfinite(head.point.fermi_level_ev) && head.point.composition == 0)
      first_fit[a.species] = &result.arrhenius.back();
  }

  if (!config.md_reference) return;
  const auto& ref = *config.md_reference;
  for (const auto& species : config.species) {
    const analysis::MdArrhenius* md = ref.find(species);
    if (!md) continue;
    const auto& sp = config.rate_table.species[*config.rate_table.species_index(species)];
    if (md->immobile && sp.mobile) {
      result.notes.push_back(immobility_note(species, ref, result, config));
      continue;
    }
    if (md->immobile || !sp.mobile) {
      result.notes.push_back(species + ": " + (md->immobile ? "immobile in MD" : "mobile in MD") +
                             ", " + (sp.mobile ? "mobile" : "immobile") + " in the rate table" +
                             (md->immobile == !sp.mobile ? " (consistent)" : " (INCONSISTENT)"));
      continue;
    }
    auto fit_it = first_fit.find(species);
    std::vector<double> temps = ref.temperatures_k;
    temps.push_back(config.report_temperature_k);
    for (double t : temps) {
      // Prefer a sweep point at exactly this temperature (first supercell/defect count).
      const PointResult* at = comparison_point(config, result, species, t);
      if (at && at->diffusion.error > 0) {
        result.comparison.push_back(
            analysis::compare_with_md(species, t, at->diffusion, "point", *md));
      } else if (fit_it != first_fit.end()) {
        result.comparison.push_back(
            analysis::compare_with_md(species, t, fit_it->second->fit.diffusion_at(t), "fit", *md));
      }
    }
  }
}

SweepResult run_sweep(const SweepConfig& config, const SweepOptions& options) {
  const auto points = expand_grid(config);
  if (config.replicas == 0) throw InputError("", "/replicas", "must be >= 1");

  // One site graph per supercell, shared read-only by all tasks.
  std::map<std::array<int, 3>, std::unique_ptr<lattice::SiteGraph>> graphs;
  for (const auto& cell : config.supercells)
    if (!graphs.count(cell))
      graphs[cell] = std::make_unique<lattice::SiteGraph>(config.crystal, cell);

  struct Task {
    std::size_t point, replica;
  };
  std::vector<Task> tasks;
  for (std::size_t p = 0; p < points.size(); ++p) {
    if (!config.rate_table.species[points[p].species_index].mobile) continue;
    for (std::size_t r = 0; r < config.replicas; ++r) tasks.push_back({p, r});
  }
  std::vector<ReplicaRun> runs(points.size() * config.replicas);

  std::mutex progress_mutex;
  std::size_t done = 0;
  auto body = [&](std::size_t i) {
    const Task& task = tasks[i];
    const SweepPoint& point = points[task.point];
    const auto start = std::chrono::steady_clock::now();
    kmc::RunSettings settings;
    settings.temperature_k = point.temperature_k;
    if (config.initial_state)
      settings.initial_state = config.initial_state;  // its defects replace the count
    else
      settings.defects = {{point.species_index, point.defects}};
    settings.stop = config.stop;
    settings.blocks = config.blocks;
    settings.field_v_per_angstrom =
        Eigen::Vector3d(point.field_v_per_cm[0], point.field_v_per_cm[1], point.field_v_per_cm[2]) *
        1e-8;
    settings.fermi_level_ev = point.fermi_level_ev;
    settings.composition = config.compositions[point.composition];
    settings.track_z_profile = config.z_profile;
    settings.interfaces_z_fraction =
        config.interfaces_z_fraction.empty()
            ? kmc::layer_boundaries_z_fraction(settings.composition, point.supercell[2])
            : config.interfaces_z_fraction;
    kmc::Engine engine(*graphs.at(point.supercell), config.rate_table, settings,
                       core::RandomStream(config.seed, stream_id(point, task.replica)));
    const kmc::RunResult run = engine.run();
    if (options.replica_finished) options.replica_finished(task.point, task.replica, engine);
    ReplicaRun& out = runs[task.point * config.replicas + task.replica];
    // Host tracers: vacancy mechanism, or interstitials whose atoms are tracked (element set:
    // kick-out moves host atoms too).
    const auto& placed = config.rate_table.species[point.species_index];
    out.observables = kmc::replica_observables(
        run, point.species_index,
        placed.mechanism == rates::Mechanism::vacancy || !placed.element.empty());
    out.time_s = run.time_s;
    out.hops = run.hops;
    out.z_planes_angstrom = run.z_planes_angstrom;
    out.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (options.progress) {
      std::lock_guard lock(progress_mutex);
      options.progress(++done, tasks.size());
    }
  };

  {
    std::unique_ptr<tbb::global_control> limit;
    if (options.threads > 0)
      limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                    options.threads);
    tbb::parallel_for(
        tbb::blocked_range<std::size_t>(0, tasks.size(), 1),
        [&](const tbb::blocked_range<std::size_t>& range) {
          for (std::size_t i = range.begin(); i != range.end(); ++i) body(i);
        },
        tbb::simple_partitioner());
  }

  SweepResult result;
  for (std::size_t p = 0; p < points.size(); ++p) {
    std::vector<ReplicaRun> point_runs;
    if (config.rate_table.species[points[p].species_index].mobile)
      point_runs.assign(runs.begin() + p * config.replicas,
                        runs.begin() + (p + 1) * config.replicas);
    result.points.push_back(
        summarize_point(config, *graphs.at(points[p].supercell), points[p], point_runs));
  }
  fit_and_compare(config, result);
  return result;
}

}  // namespace ionhop::sweep
