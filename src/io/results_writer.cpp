#include "ionhop/io/results_writer.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ionhop/core/build_info.hpp"
#include "ionhop/core/error.hpp"

namespace ionhop::io {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {
// JSON has no NaN: a value that could not be estimated is null.
json num(double x) { return std::isfinite(x) ? json(x) : json(nullptr); }

std::string csv_num(double x) {
  if (!std::isfinite(x)) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", x);
  return buf;
}

json cell_json(const std::array<int, 3>& c) { return json::array({c[0], c[1], c[2]}); }
std::string cell_text(const std::array<int, 3>& c) {
  return std::to_string(c[0]) + "x" + std::to_string(c[1]) + "x" + std::to_string(c[2]);
}
}  // namespace

json sweep_result_to_json(const sweep::SweepConfig& config, const sweep::SweepResult& result) {
  json out;
  out["schema"] = "ionhop.results/1";
  out["units"] = {{"diffusion", "cm^2/s"}, {"energy", "eV"}, {"temperature", "K"}, {"time", "s"}};
  out["conventions"] = {
      {"diffusion",
       "D = <|dr|^2>/(6t) from unwrapped defect displacements, averaged over block "
       "origins (blocks per run given) and defects; error = standard error over "
       "independent replicas"},
      {"correlation_factor",
       "f = sum_ions |R_ion|^2 / sum_jumps d^2 over host ions (vacancy mechanism)"},
      {"arrhenius",
       "weighted least squares of ln D vs 1/(k_B T), weights 1/sigma(ln D)^2; "
       "covariance scaled by chi2/dof when > 1"},
      {"z_score",
       "(ln D_KMC - ln D_MD) / sqrt(sigma_ln_KMC^2 + sigma_ln_MD^2); MD errors of E_a "
       "and D0 treated as independent"}};
  out["settings"] = {{"replicas", config.replicas},
                     {"blocks", config.blocks},
                     {"stop_hops", config.stop.max_hops},
                     {"stop_time_s", num(config.stop.max_time_s)},
                     {"seed", config.seed},
                     {"report_temperature_k", config.report_temperature_k}};
  out["points"] = json::array();
  for (const auto& p : result.points) {
    json j = {{"species", p.point.species},
              {"mechanism", p.mechanism},
              {"charge", p.charge},
              {"temperature_k", p.point.temperature_k},
              {"supercell", cell_json(p.point.supercell)},
              {"defects", p.point.defects},
              {"immobile", p.immobile},
              {"field_v_per_cm", json::array({p.point.field_v_per_cm[0], p.point.field_v_per_cm[1],
                                              p.point.field_v_per_cm[2]})},
              {"fermi_level_ev", num(p.point.fermi_level_ev)},
              {"composition",
               p.point.composition_label.empty() ? json(nullptr) : json(p.point.composition_label)},
              {"replicas", p.replicas},
              {"hops", p.hops},
              {"diffusion_cm2_s", num(p.diffusion.value)},
              {"diffusion_err_cm2_s", num(p.diffusion.error)}};
    if (!p.immobile) {
      j["diffusion_block_err_cm2_s"] = num(p.diffusion_block_err);
      j["convergence"] = {
          {"diffusion_first_half_cm2_s", num(p.diffusion_first_half.value)},
          {"diffusion_first_half_err_cm2_s", num(p.diffusion_first_half.error)},
          {"relative_change",
           num(p.diffusion.value > 0 ? p.diffusion_first_half.value / p.diffusion.value - 1
                                     : NAN)}};
      j["diffusion_single_origin_cm2_s"] = num(p.diffusion_single_origin.value);
      j["diffusion_single_origin_err_cm2_s"] = num(p.diffusion_single_origin.error);
      j["diffusion_uncorrelated_cm2_s"] = num(p.diffusion_uncorrelated.value);
      j["hop_rate_per_defect_hz"] = num(p.hop_rate_per_defect_hz.value);
      j["collective_diffusion_cm2_s"] = num(p.collective_diffusion.value);
      j["collective_diffusion_err_cm2_s"] = num(p.collective_diffusion.error);
      j["diffusion_xyz_cm2_s"] =
          json::array({num(p.diffusion_axes[0].value), num(p.diffusion_axes[1].value),
                       num(p.diffusion_axes[2].value)});
      j["diffusion_xyz_err_cm2_s"] =
          json::array({num(p.diffusion_axes[0].error), num(p.diffusion_axes[1].error),
                       num(p.diffusion_axes[2].error)});
      if (!p.z_profile_fraction.empty()) {
        json z = json::array(), f = json::array(), e = json::array();
        for (std::size_t i = 0; i < p.z_profile_fraction.size(); ++i) {
          z.push_back(p.z_planes_angstrom[i]);
          f.push_back(num(p.z_profile_fraction[i].value));
          e.push_back(num(p.z_profile_fraction[i].error));
        }
        j["z_profile"] = {{"z_angstrom", z}, {"fraction", f}, {"fraction_err", e}};
      }
      if (!p.interfaces.empty()) {
        json list = json::array();
        for (const auto& in : p.interfaces)
          list.push_back(
              {{"z_angstrom", in.z_angstrom},
               {"arrivals", in.arrivals},
               {"transmission_probability", num(in.transmission_probability.value)},
               {"transmission_probability_err", num(in.transmission_probability.error)},
               {"transmission_probability_from_below", num(in.transmission_probability_up.value)},
               {"transmission_probability_from_below_err",
                num(in.transmission_probability_up.error)},
               {"transmission_probability_from_above", num(in.transmission_probability_down.value)},
               {"transmission_probability_from_above_err",
                num(in.transmission_probability_down.error)},
               {"crossing_rate_per_defect_hz", num(in.crossing_rate_per_defect_hz.value)},
               {"crossing_rate_per_defect_err_hz", num(in.crossing_rate_per_defect_hz.error)}});
        j["interfaces"] = list;
      }
      if (!p.species_time.empty()) {
        json list = json::array();
        for (const auto& st : p.species_time)
          list.push_back({{"species", st.species},
                          {"time_fraction", num(st.time_fraction.value)},
                          {"time_fraction_err", num(st.time_fraction.error)}});
        j["species_time_fraction"] = list;
      }
      j["haven_ratio"] = num(p.haven_ratio.value);
      j["haven_ratio_err"] = num(p.haven_ratio.error);
      j["simulated_time_s"] = num(p.simulated_time_s.value);
      j["min_simulated_time_s"] = num(p.min_simulated_time_s);
      if (p.point.has_field()) {
        j["drift"] = {{"field_magnitude_v_per_cm", p.point.field_magnitude_v_per_cm()},
                      {"velocity_cm_s", num(p.drift_velocity_cm_s.value)},
                      {"velocity_err_cm_s", num(p.drift_velocity_cm_s.error)},
                      {"mobility_cm2_v_s", num(p.mobility_cm2_v_s.value)},
                      {"mobility_err_cm2_v_s", num(p.mobility_cm2_v_s.error)},
                      {"diffusion_about_drift_cm2_s", num(p.diffusion_drift_corrected.value)},
                      {"diffusion_about_drift_err_cm2_s", num(p.diffusion_drift_corrected.error)},
                      {"nernst_einstein_ratio", num(p.nernst_einstein_ratio.value)},
                      {"nernst_einstein_ratio_err", num(p.nernst_einstein_ratio.error)}};
      }
      if (!p.charge_states.empty()) {
        json states = json::array();
        for (const auto& cs : p.charge_states)
          states.push_back(
              {{"species", cs.species},
               {"charge", cs.charge},
               {"time_fraction", num(cs.time_fraction.value)},
               {"time_fraction_err", num(cs.time_fraction.error)},
               {"equilibrium_fraction", num(cs.equilibrium_fraction)},
               {"diffusion_uncorrelated_cm2_s", num(cs.diffusion_uncorrelated_cm2_s)}});
        j["charge_states"] = states;
        j["diffusion_fast_switching_cm2_s"] = num(p.diffusion_fast_switching_cm2_s);
        j["transitions_per_defect_hz"] = num(p.transitions_per_defect_hz.value);
      }
      if (!p.tracers.empty()) {
        json tracers = json::array();
        for (const auto& t : p.tracers)
          tracers.push_back({{"ion", t.occupant},
                             {"ions", num(t.ions.value)},
                             {"tracer_diffusion_cm2_s", num(t.tracer_diffusion.value)},
                             {"tracer_diffusion_err_cm2_s", num(t.tracer_diffusion.error)},
                             {"correlation_factor", num(t.correlation_factor.value)},
                             {"correlation_factor_err", num(t.correlation_factor.error)}});
        j["tracers"] = tracers;
      }
      if (!p.host_occupant.empty()) {
        j["tracer"] = {{"ion", p.host_occupant},
                       {"tracer_diffusion_cm2_s", num(p.tracer_diffusion.value)},
                       {"tracer_diffusion_err_cm2_s", num(p.tracer_diffusion.error)},
                       {"correlation_factor", num(p.correlation_factor.value)},
                       {"correlation_factor_err", num(p.correlation_factor.error)}};
      }
    }
    out["points"].push_back(j);
  }
  out["arrhenius"] = json::array();
  for (const auto& a : result.arrhenius) {
    out["arrhenius"].push_back(
        {{"species", a.species},
         {"supercell", cell_json(a.supercell)},
         {"defects", a.defects},
         {"field_v_per_cm",
          json::array({a.field_v_per_cm[0], a.field_v_per_cm[1], a.field_v_per_cm[2]})},
         {"fermi_level_ev", num(a.fermi_level_ev)},
         {"composition", a.composition_label.empty() ? json(nullptr) : json(a.composition_label)},
         {"points", a.fit.points},
         {"activation_energy_ev", num(a.fit.activation_energy_ev)},
         {"activation_energy_err_ev", num(a.fit.activation_energy_err_ev())},
         {"prefactor_cm2_s", num(a.fit.prefactor())},
         {"prefactor_err_cm2_s", num(a.fit.prefactor_err())},
         {"ln_prefactor", num(a.fit.ln_prefactor)},
         {"covariance_ln_prefactor_activation_energy",
          json::array(
              {json::array({num(a.fit.var_ln_prefactor), num(a.fit.cov_ln_prefactor_activation)}),
               json::array({num(a.fit.cov_ln_prefactor_activation), num(a.fit.var_activation)})})},
         {"chi2", num(a.fit.chi2)},
         {"degrees_of_freedom", a.fit.degrees_of_freedom},
         {"covariance_scaled", a.fit.covariance_scaled},
         {"report_temperature_k", a.report_temperature_k},
         {"diffusion_300k_cm2_s", num(a.fit.diffusion_at(300.0).value)},
         {"diffusion_300k_err_cm2_s", num(a.fit.diffusion_at(300.0).error)},
         {"diffusion_report_temperature_cm2_s", num(a.diffusion_at_report_temperature.value)},
         {"diffusion_report_temperature_err_cm2_s", num(a.diffusion_at_report_temperature.error)}});
  }
  out["comparison"] = json::array();
  for (const auto& c : result.comparison) {
    out["comparison"].push_back({{"species", c.species},
                                 {"temperature_k", c.temperature_k},
                                 {"kmc_source", c.kmc_source},
                                 {"diffusion_kmc_cm2_s", num(c.kmc.value)},
                                 {"diffusion_kmc_err_cm2_s", num(c.kmc.error)},
                                 {"diffusion_md_cm2_s", num(c.md.value)},
                                 {"diffusion_md_err_cm2_s", num(c.md.error)},
                                 {"ratio", num(c.ratio)},
                                 {"z_score", num(c.z_score)}});
  }
  if (config.md_reference) {
    json md = {{"description", config.md_reference->description},
               {"md_temperatures_k", config.md_reference->temperatures_k},
               {"species", json::array()}};
    for (const auto& s : config.md_reference->species) {
      json j = {{"species", s.species}, {"immobile", s.immobile}};
      if (!s.immobile) {
        j["activation_energy_ev"] = s.activation_energy_ev;
        j["activation_energy_err_ev"] = s.activation_energy_err_ev;
        j["prefactor_cm2_s"] = s.prefactor_cm2_s;
        j["prefactor_err_cm2_s"] = s.prefactor_err_cm2_s;
      }
      md["species"].push_back(j);
    }
    out["md_reference"] = md;
  }
  out["notes"] = result.notes;
  return out;
}

json provenance_to_json(const sweep::SweepConfig& config, const sweep::SweepResult& result,
                        const RunProvenance& run) {
  json inputs = json::array();
  for (const auto& f : config.inputs)
    inputs.push_back({{"role", f.role}, {"path", f.path}, {"sha256", f.sha256}});
  json wall = json::array();
  for (const auto& p : result.points)
    wall.push_back({{"species", p.point.species},
                    {"temperature_k", p.point.temperature_k},
                    {"supercell", cell_json(p.point.supercell)},
                    {"defects", p.point.defects},
                    {"wall_time_s_summed_over_replicas", p.wall_time_s}});
  return {{"program", "ionhop"},
          {"version", core::version()},
          {"git_commit", core::git_commit()},
          {"seed", run.seed},
          {"threads", run.threads},
          {"command_line", run.command_line},
          {"inputs", inputs},
          {"wall_time_s", run.wall_time_s},
          {"point_wall_times", wall},
          {"rng", "Philox4x64-10 (Random123); key = (seed, hash(point, replica))"}};
}

std::string points_csv(const sweep::SweepResult& result) {
  std::ostringstream o;
  o << "species,mechanism,charge,temperature_k,supercell,defects,replicas,hops,diffusion_cm2_s,"
       "diffusion_err_cm2_s,diffusion_first_half_cm2_s,diffusion_first_half_err_cm2_s,"
       "simulated_time_s,tracer_diffusion_cm2_s,tracer_diffusion_err_cm2_s,correlation_factor,"
       "correlation_factor_err,field_v_per_cm,fermi_level_ev,mobility_cm2_v_s,mobility_err_cm2_v_s,"
       "nernst_einstein_ratio,nernst_einstein_ratio_err\n";
  for (const auto& p : result.points) {
    o << p.point.species << ',' << p.mechanism << ',' << p.charge << ','
      << csv_num(p.point.temperature_k) << ',' << cell_text(p.point.supercell) << ','
      << p.point.defects << ',' << p.replicas << ',' << p.hops << ',' << csv_num(p.diffusion.value)
      << ',' << csv_num(p.diffusion.error) << ',' << csv_num(p.diffusion_first_half.value) << ','
      << csv_num(p.diffusion_first_half.error) << ',' << csv_num(p.simulated_time_s.value) << ','
      << csv_num(p.tracer_diffusion.value) << ',' << csv_num(p.tracer_diffusion.error) << ','
      << csv_num(p.correlation_factor.value) << ',' << csv_num(p.correlation_factor.error) << ','
      << csv_num(p.point.field_v_per_cm[0]) << ' ' << csv_num(p.point.field_v_per_cm[1]) << ' '
      << csv_num(p.point.field_v_per_cm[2]) << ',' << csv_num(p.point.fermi_level_ev) << ','
      << csv_num(p.mobility_cm2_v_s.value) << ',' << csv_num(p.mobility_cm2_v_s.error) << ','
      << csv_num(p.nernst_einstein_ratio.value) << ',' << csv_num(p.nernst_einstein_ratio.error)
      << '\n';
  }
  return o.str();
}

std::string interfaces_csv(const sweep::SweepResult& result) {
  std::ostringstream o;
  o << "species,composition,temperature_k,supercell,defects,interface_z_angstrom,arrivals,"
       "transmission_probability,transmission_probability_err,"
       "transmission_probability_from_below,transmission_probability_from_below_err,"
       "transmission_probability_from_above,transmission_probability_from_above_err,"
       "crossing_rate_per_defect_hz,crossing_rate_per_defect_err_hz\n";
  for (const auto& p : result.points)
    for (const auto& in : p.interfaces)
      o << p.point.species << ",\"" << p.point.composition_label << "\","
        << csv_num(p.point.temperature_k) << ',' << cell_text(p.point.supercell) << ','
        << p.point.defects << ',' << csv_num(in.z_angstrom) << ',' << csv_num(in.arrivals) << ','
        << csv_num(in.transmission_probability.value) << ','
        << csv_num(in.transmission_probability.error) << ','
        << csv_num(in.transmission_probability_up.value) << ','
        << csv_num(in.transmission_probability_up.error) << ','
        << csv_num(in.transmission_probability_down.value) << ','
        << csv_num(in.transmission_probability_down.error) << ','
        << csv_num(in.crossing_rate_per_defect_hz.value) << ','
        << csv_num(in.crossing_rate_per_defect_hz.error) << '\n';
  return o.str();
}

std::string arrhenius_csv(const sweep::SweepResult& result) {
  std::ostringstream o;
  o << "species,supercell,defects,activation_energy_ev,activation_energy_err_ev,prefactor_cm2_s,"
       "prefactor_err_cm2_s,cov_ln_prefactor_activation_energy,diffusion_300k_cm2_s,"
       "diffusion_300k_err_cm2_s,chi2,degrees_of_freedom\n";
  for (const auto& a : result.arrhenius) {
    const auto d300 = a.fit.diffusion_at(300.0);
    o << a.species << ',' << cell_text(a.supercell) << ',' << a.defects << ','
      << csv_num(a.fit.activation_energy_ev) << ',' << csv_num(a.fit.activation_energy_err_ev())
      << ',' << csv_num(a.fit.prefactor()) << ',' << csv_num(a.fit.prefactor_err()) << ','
      << csv_num(a.fit.cov_ln_prefactor_activation) << ',' << csv_num(d300.value) << ','
      << csv_num(d300.error) << ',' << csv_num(a.fit.chi2) << ',' << a.fit.degrees_of_freedom
      << '\n';
  }
  return o.str();
}

std::string comparison_csv(const sweep::SweepResult& result) {
  std::ostringstream o;
  o << "species,temperature_k,kmc_source,diffusion_kmc_cm2_s,diffusion_kmc_err_cm2_s,"
       "diffusion_md_cm2_s,diffusion_md_err_cm2_s,ratio,z_score\n";
  for (const auto& c : result.comparison)
    o << c.species << ',' << csv_num(c.temperature_k) << ',' << c.kmc_source << ','
      << csv_num(c.kmc.value) << ',' << csv_num(c.kmc.error) << ',' << csv_num(c.md.value) << ','
      << csv_num(c.md.error) << ',' << csv_num(c.ratio) << ',' << csv_num(c.z_score) << '\n';
  return o.str();
}

void write_output_directory(const std::string& directory,
                            const std::map<std::string, std::string>& files) {
  const fs::path target = fs::path(directory).lexically_normal();
  const fs::path parent = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec) throw InputError(directory, "", "cannot create parent directory: " + ec.message());
  if (fs::exists(target) && !fs::is_directory(target))
    throw InputError(directory, "", "exists and is not a directory");
  const fs::path staging =
      parent / ("." + target.filename().string() + ".partial-" + std::to_string(::getpid()));
  fs::remove_all(staging, ec);
  fs::create_directory(staging, ec);
  if (ec) throw InputError(directory, "", "cannot create output directory: " + ec.message());
  for (const auto& [name, content] : files) {
    std::ofstream out(staging / name, std::ios::binary);
    out << content;
    out.close();
    if (!out) {
      fs::remove_all(staging, ec);
      throw InputError(directory, "", "cannot write " + name);
    }
  }
  if (!fs::exists(target)) {
    fs::rename(staging, target, ec);
    if (ec) {
      fs::remove_all(staging);
      throw InputError(directory, "", "cannot move results into place: " + ec.message());
    }
    return;
  }
  // Existing directory: each file replaces its old version by an atomic rename.
  for (const auto& [name, _] : files) {
    fs::rename(staging / name, target / name, ec);
    if (ec) {
      fs::remove_all(staging);
      throw InputError(directory, "", "cannot move " + name + " into place: " + ec.message());
    }
  }
  fs::remove_all(staging, ec);
}

}  // namespace ionhop::io
