// `ionhop label-with-potential IN.extxyz --potential P --out OUT.extxyz` (hidden): energies,
// forces and stresses of every frame from a classical potential. For tests of the MLFF
// pipeline and for comparing potentials; it is NOT a stand-in for DFT labels.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "commands.hpp"
#include "ionhop/core/error.hpp"
#include "ionhop/io/atomic_file.hpp"
#include "ionhop/io/extxyz.hpp"
#include "ionhop/io/potential_file.hpp"

namespace ionhop::cli {

namespace {
struct LabelPotentialArgs {
  std::string input, potential, out;
};

std::string num(double x) {
  char buf[40];
  for (int p = 1; p <= 17; ++p) {
    std::snprintf(buf, sizeof buf, "%.*g", p, x);
    if (std::strtod(buf, nullptr) == x) break;
  }
  return buf;
}
}  // namespace

Action add_label_potential_command(CLI::App& app) {
  auto a = std::make_shared<LabelPotentialArgs>();
  auto* sub = app.add_subcommand(
      "label-with-potential",
      "Label extxyz frames with a classical potential (tests/comparisons; NOT DFT)");
  sub->group("");  // hidden from `ionhop --help`
  sub->add_option("structures", a->input, "extxyz file of structures")->required();
  sub->add_option("--potential", a->potential, "potential file (e.g. ionhop.pair_potential/1)")
      ->required();
  sub->add_option("--out", a->out, "labelled extxyz to write")->required();
  sub->footer(
      "Writes energy, forces and info stress=\"9 numbers\" (eV/A^3), label_potential=NAME,\n"
      "label_potential_sha256=. This is for testing the MLFF pipeline (fit-mlff, validate)\n"
      "and for comparing potentials. It is NOT a substitute for DFT labels (`ionhop\n"
      "dft-label`): an MLFF fitted to these frames reproduces the classical potential.");
  return [a]() {
    if (!std::filesystem::exists(a->input)) throw InputError(a->input, "", "no such file");
    const io::LoadedPotential potential = io::load_potential(a->potential);
    auto frames = io::read_extxyz(a->input);
    if (frames.empty()) throw InputError(a->input, "", "no frame");
    for (std::size_t k = 0; k < frames.size(); ++k) {
      auto& f = frames[k];
      atomistic::EnergyForces ef;
      try {
        ef = potential.potential->compute(f.structure);
      } catch (const InputError& e) {
        throw InputError(a->input, "", "frame " + std::to_string(k + 1) + ": " + e.problem());
      }
      f.energy_ev = ef.energy_ev;
      f.forces_ev_per_angstrom = ef.forces_ev_per_angstrom;
      auto& info = f.structure.info;
      if (ef.has_stress) {
        std::string s;
        for (int i = 0; i < 3; ++i)
          for (int j = 0; j < 3; ++j)
            s += (s.empty() ? "" : " ") + num(ef.stress_ev_per_angstrom3(i, j));
        info["stress"] = s;
      }
      info["label_potential"] = potential.potential->name();
      info["label_potential_sha256"] = potential.sha256;
    }
    io::write_file_atomically(a->out, io::format_extxyz(frames));
    std::printf("labelled %zu frame(s) with %s (%s) -> %s\n", frames.size(),
                potential.potential->name().c_str(), a->potential.c_str(), a->out.c_str());
    return 0;
  };
}

}  // namespace ionhop::cli
