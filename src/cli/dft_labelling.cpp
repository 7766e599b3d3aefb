// CP2K results → labelled extxyz frames (see dft_labelling.hpp).
#include "dft_labelling.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "ionhop/core/error.hpp"
#include "ionhop/core/sha256.hpp"
#include "ionhop/io/mlff_model_file.hpp"

namespace ionhop::cli {

std::string shortest_number(double x) {
  char buf[40];
  for (int p = 1; p <= 17; ++p) {
    std::snprintf(buf, sizeof buf, "%.*g", p, x);
    if (std::strtod(buf, nullptr) == x) break;
  }
  return buf;
}

bool is_reference_label_key(const std::string& key) {
  return key == "stress" || key == "dft" || key == "dft_source_frame" || key == "label_potential" ||
         key == "label_potential_sha256" || key.rfind("cp2k_", 0) == 0;
}

std::string cp2k_settings_hash(const reference::Cp2kSettings& s) {
  const auto num = shortest_number;
  std::ostringstream t;
  t << "cutoff_ry=" << num(s.cutoff_ry) << " rel_cutoff_ry=" << num(s.rel_cutoff_ry)
    << " eps_scf=" << num(s.eps_scf) << " max_scf=" << s.max_scf
    << " eps_default=" << num(s.eps_default) << " mixing_alpha=" << num(s.mixing_alpha)
    << " nbroyden=" << s.mixing_nbroyden << " smearing_k=" << num(s.smearing_temperature_k)
    << " added_mos=" << s.added_mos << " d3bj=" << s.dispersion_d3bj
    << " multiplicity=" << s.multiplicity << " stress=" << s.compute_stress;
  for (const auto& [element, kind] : s.kinds)
    t << " kind " << element << " " << kind.basis_set << " " << kind.potential << " "
      << kind.valence_electrons;
  return core::sha256_hex(t.str()).substr(0, 16);
}

io::ExtxyzFrame cp2k_labelled_frame(const atomistic::Structure& structure,
                                    const reference::Cp2kResult& r,
                                    const reference::Cp2kSettings& dft, double wall_s) {
  io::ExtxyzFrame out;
  out.structure = structure;
  out.energy_ev = r.energy_ev;
  out.forces_ev_per_angstrom = r.forces_ev_per_angstrom;
  auto& info = out.structure.info;
  if (r.has_stress) {
    std::string s;
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j)
        s += (s.empty() ? "" : " ") + shortest_number(r.stress_ev_per_angstrom3(i, j));
    info["stress"] = s;
  }
  info["dft"] = kDftLabel;
  info["cp2k_settings_sha256"] = cp2k_settings_hash(dft);
  info["cp2k_attempts"] = std::to_string(r.attempts.size());
  info["cp2k_wall_s"] = shortest_number(std::round(wall_s * 10) / 10);
  if (!r.attempts.empty() && r.attempts.back().settings.smearing_temperature_k > 0)
    info["cp2k_smearing_k"] = shortest_number(r.attempts.back().settings.smearing_temperature_k);
  // The spin state actually reached (UKS): lets a reader check a doublet stayed a doublet.
  if (!r.attempts.empty() && r.attempts.back().output.abs_spin_density)
    info["dft_abs_spin_density"] =
        shortest_number(std::round(*r.attempts.back().output.abs_spin_density * 1e4) / 1e4);
  return out;
}

ReferenceLabeller::ReferenceLabeller(const io::LearningReference& reference,
                                     const std::string& out_dir, const atomistic::Structure& sample,
                                     const std::string& sample_file)
    : reference_(reference), out_dir_(out_dir) {
  if (reference_.code == "cp2k") {
    dft_ = reference::resolve_cp2k_data_files(reference::Cp2kSettings{});
    dft_.smearing_temperature_k = reference_.cp2k_smearing_temperature_k;
    try {
      (void)reference::count_electrons(sample, dft_);
    } catch (const InputError& e) {
      throw InputError(sample_file, "", e.problem());
    }
  } else {
    potential_ =
        std::make_shared<io::LoadedPotential>(io::load_potential(reference_.potential_path));
    (void)potential_->potential->compute(sample);  // unknown elements: fail now
  }
}

mlff::ReferenceLabel ReferenceLabeller::operator()(const atomistic::Structure& s,
                                                   std::size_t index) const {
  mlff::ReferenceLabel label;
  const auto t0 = std::chrono::steady_clock::now();
  if (potential_) {
    const auto ef = potential_->potential->compute(s);
    label.ok = true;
    label.frame.structure = s;
    label.frame.energy_ev = ef.energy_ev;
    label.frame.forces_ev_per_angstrom = ef.forces_ev_per_angstrom;
    label.frame.structure.info["label_potential"] = potential_->potential->name();
    label.frame.structure.info["label_potential_sha256"] = potential_->sha256;
    return label;
  }
  reference::Cp2kRunSettings run;
  run.mpi_ranks = reference_.cp2k_ranks;
  run.timeout_s = reference_.cp2k_timeout_s;
  run.work_dir =
      (std::filesystem::path(out_dir_) / "reference" / ("label-" + std::to_string(index))).string();
  // The labels of one learning run are geometries of one cell (same atoms, charge and
  // multiplicity): the previous label's converged orbitals start the SCF closer than atomic
  // densities (fewer SCF steps; the same converged result).
  reference::Cp2kSettings dft = dft_;
  if (index > 0)
    dft.initial_wavefunction_file = reference::last_wavefunction_file(
        (std::filesystem::path(out_dir_) / "reference" / ("label-" + std::to_string(index - 1)))
            .string(),
        dft.project);
  std::printf("  label %zu: CP2K (%d ranks%s)...\n", index, run.mpi_ranks,
              dft.initial_wavefunction_file.empty() ? "" : ", SCF from the previous label");
  std::fflush(stdout);
  const reference::Cp2kResult r = reference::run_cp2k(s, dft, run);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!r.converged) {
    label.failure = r.failure;
    return label;
  }
  label.ok = true;
  label.frame = io::training_frames_from_extxyz({cp2k_labelled_frame(s, r, dft_, wall)}).front();
  return label;
}

}  // namespace ionhop::cli
