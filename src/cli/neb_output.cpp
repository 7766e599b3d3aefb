// CI-NEB result → extxyz path, JSON summary, terminal profile; Vineyard result → JSON.
#include "neb_output.hpp"

#include <cstdio>

#include "ionhop/io/extxyz.hpp"

namespace ionhop::cli {

std::string neb_path_extxyz(const atomistic::NebResult& result) {
  std::vector<io::ExtxyzFrame> frames;
  for (std::size_t i = 0; i < result.images.size(); ++i) {
    io::ExtxyzFrame f;
    f.structure = result.images[i];
    f.structure.info["image"] = std::to_string(i);
    f.structure.info["path_distance_angstrom"] = std::to_string(result.path_distance_angstrom[i]);
    if (result.climbing_image && *result.climbing_image == i) f.structure.info["climbing"] = "T";
    f.energy_ev = result.energies_ev[i];
    frames.push_back(std::move(f));
  }
  return io::format_extxyz(frames);
}

nlohmann::json neb_result_to_json(const atomistic::NebResult& r) {
  nlohmann::json j;
  j["converged"] = r.converged;
  j["steps"] = r.steps;
  j["max_force_ev_per_angstrom"] = r.max_force_ev_per_angstrom;
  j["forward_barrier_ev"] = r.forward_barrier_ev;
  j["backward_barrier_ev"] = r.backward_barrier_ev;
  j["reaction_energy_ev"] = r.energies_ev.back() - r.energies_ev.front();
  j["highest_image"] = r.highest_image;
  j["climbing_image"] = r.climbing_image ? nlohmann::json(*r.climbing_image) : nlohmann::json();
  j["energies_ev"] = r.energies_ev;
  j["path_distance_angstrom"] = r.path_distance_angstrom;
  j["endpoint_relaxation_steps"] = {r.endpoint_steps_initial, r.endpoint_steps_final};
  return j;
}

nlohmann::json vineyard_to_json(const atomistic::VineyardResult& r,
                                const atomistic::HarmonicSettings& settings) {
  const auto list = [](const Eigen::VectorXd& v) {
    return std::vector<double>(v.begin(), v.end());
  };
  nlohmann::json j;
  j["computed"] = true;
  j["prefactor_thz"] = r.prefactor_thz;
  j["prefactor_hz"] = r.prefactor_thz * 1e12;
  j["imaginary_frequency_thz"] = r.imaginary_frequency_thz;
  j["minimum_frequencies_thz"] = list(r.minimum.frequencies_thz);
  j["saddle_frequencies_thz"] = list(r.saddle.frequencies_thz);
  j["removed_zero_modes"] = r.minimum.removed_zero_modes;
  j["removed_mode_frequencies_thz"] = {{"minimum", list(r.minimum.removed_mode_frequencies_thz)},
                                       {"saddle", list(r.saddle.removed_mode_frequencies_thz)}};
  j["small_imaginary_modes"] = {{"minimum", r.minimum.small_imaginary_modes},
                                {"saddle", r.saddle.small_imaginary_modes}};
  j["warning"] = r.warning;
  j["hessian_step_angstrom"] = settings.displacement_angstrom;
  j["imaginary_tolerance_thz"] = settings.imaginary_tolerance_thz;
  return j;
}

void print_neb_profile(std::ostream& out, const atomistic::NebResult& r) {
  out << "image  path (A)   E - E_initial (eV)\n";
  for (std::size_t i = 0; i < r.images.size(); ++i) {
    char line[96];
    std::snprintf(line, sizeof line, "%5zu  %8.4f   %10.5f%s\n", i, r.path_distance_angstrom[i],
                  r.energies_ev[i] - r.energies_ev.front(),
                  r.climbing_image && *r.climbing_image == i ? "   <- climbing image" : "");
    out << line;
  }
}

}  // namespace ionhop::cli
