// `ionhop md --potential P --structure IN.extxyz --temperature-k T --steps N --out TRAJ.extxyz`:
// Langevin (BAOAB) or NVE molecular dynamics with any potential, from one extxyz frame with
// Maxwell–Boltzmann velocities. Its purpose is sampling MLFF training structures at 600–750 K
// (docs/mlff.md); the trajectory and log are written atomically at the end.
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iterator>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "commands.hpp"
#include "dft_labelling.hpp"
#include "ionhop/atomistic/molecular_dynamics.hpp"
#include "ionhop/core/error.hpp"
#include "ionhop/io/atomic_file.hpp"
#include "ionhop/io/extxyz.hpp"
#include "ionhop/io/potential_file.hpp"
#include "start_frame.hpp"

namespace ionhop::cli {

namespace {
struct MdArgs {
  std::string potential, structure, out, log;
  long long frame = -1;  // −1: the last frame
  double temperature_k = -1, timestep_fs = 2.0, friction_per_fs = 0.01;
  std::uint64_t steps = 0, every = 10, seed = 1;
};

// Shortest text that reads back as the same double (std::to_chars' guarantee).
std::string shortest(double x) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, r.ptr);
}

// One extxyz frame with the velocities appended as a `velo:R:3` column (Å/fs): written by
// io::write_extxyz_frame, then the column added to Properties and to every atom line.
std::string frame_with_velocities(const io::ExtxyzFrame& frame, const Eigen::Matrix3Xd& v) {
  std::ostringstream os;
  io::write_extxyz_frame(os, frame);
  const std::string text = os.str();
  std::string out;
  std::size_t line_start = 0;
  for (std::size_t line = 0; line_start < text.size(); ++line) {
    const std::size_t end = text.find('\n', line_start);
    std::string l = text.substr(line_start, end - line_start);
    line_start = end + 1;
    if (line == 1) {
      // Lattice="…" holds only numbers, so the first " Properties=" is the key itself.
      const std::size_t p = l.find(" Properties=");
      const std::size_t value_end = l.find(' ', p + 1);
      l.insert(value_end == std::string::npos ? l.size() : value_end, ":velo:R:3");
    } else if (line >= 2) {
      const auto k = static_cast<Eigen::Index>(line - 2);
      for (int d = 0; d < 3; ++d) l += " " + shortest(v(d, k));
    }
    out += l + "\n";
  }
  return out;
}

void print_row(const atomistic::LangevinDynamics& md) {
  std::printf("%10llu %11.1f %15.6f %12.6f %15.6f %9.1f\n",
              static_cast<unsigned long long>(md.state().step), md.state().time_fs,
              md.potential_energy_ev(), md.kinetic_energy_ev(), md.total_energy_ev(),
              md.temperature_k());
}
}  // namespace

Action add_md_command(CLI::App& app) {
  auto a = std::make_shared<MdArgs>();
  auto* sub = app.add_subcommand(
      "md", "Langevin/NVE molecular dynamics with a potential (sampling MLFF training frames)");
  sub->add_option("--potential", a->potential, "potential file (any schema of load_potential)")
      ->required();
  sub->add_option("--structure", a->structure, "extxyz file with the starting structure")
      ->required();
  sub->add_option("--frame", a->frame, "frame of --structure, counted from 0 (default: last)")
      ->check(non_negative_integer());
  sub->add_option("--temperature-k", a->temperature_k,
                  "temperature (K): initial velocities and Langevin bath")
      ->required();
  sub->add_option("--steps", a->steps, "number of MD steps")
      ->required()
      ->check(non_negative_integer());
  sub->add_option("--timestep-fs", a->timestep_fs, "timestep (fs, default 2)");
  sub->add_option("--friction-per-fs", a->friction_per_fs,
                  "Langevin friction gamma (1/fs, default 0.01; 0 = NVE velocity Verlet)");
  sub->add_option("--seed", a->seed, "random seed of velocities and noise (default 1)")
      ->check(non_negative_integer());
  sub->add_option("--every", a->every,
                  "write a frame, a log row and a progress line every M steps (default 10)")
      ->check(non_negative_integer());
  sub->add_option("--out", a->out, "trajectory (extxyz) to write")->required();
  sub->add_option("--log", a->log,
                  "CSV log: step,time_fs,potential_ev,kinetic_ev,total_ev,temperature_k");
  sub->footer(
      "Starts from the frame with Maxwell-Boltzmann velocities at --temperature-k (centre of\n"
      "mass at rest), then BAOAB Langevin steps. Frames at steps 0, M, 2M, ... carry energy,\n"
      "forces, velocities (velo, A/fs) and info md_step, time_fs, temperature_k; positions\n"
      "are not wrapped into the cell. Same seed -> identical trajectory. Outputs are written\n"
      "at the end (atomically); a failed run writes nothing.\n"
      "Example:\n  ionhop md --potential vi_mlff.json --structure vi_train.extxyz --frame 0 \\\n"
      "    --temperature-k 650 --steps 5000 --timestep-fs 2 --every 100 --seed 1 \\\n"
      "    --out vi_md.extxyz --log vi_md.csv");
  return [a]() {
    if (!(a->temperature_k >= 0) || !std::isfinite(a->temperature_k))
      throw InputError("", "",
                       "--temperature-k must be >= 0 (got " + shortest(a->temperature_k) + ")");
    if (!(a->timestep_fs > 0) || !std::isfinite(a->timestep_fs))
      throw InputError("", "", "--timestep-fs must be > 0 (got " + shortest(a->timestep_fs) + ")");
    if (!(a->friction_per_fs >= 0) || !std::isfinite(a->friction_per_fs))
      throw InputError("", "",
                       "--friction-per-fs must be >= 0 (got " + shortest(a->friction_per_fs) + ")");
    if (a->every == 0) throw InputError("", "", "--every must be >= 1");
    const StartFrame start_frame = read_start_frame(a->structure, a->frame);
    const std::size_t k = start_frame.index;
    const io::LoadedPotential potential = io::load_potential(a->potential);

    atomistic::LangevinSettings settings;
    settings.temperature_k = a->temperature_k;
    settings.timestep_fs = a->timestep_fs;
    settings.friction_per_fs = a->friction_per_fs;
    settings.seed = a->seed;
    atomistic::MdState initial;
    initial.structure = start_frame.structure;
    const std::string where = "frame " + std::to_string(k) + ": ";
    std::unique_ptr<atomistic::LangevinDynamics> md;
    try {
      atomistic::assign_maxwell_boltzmann_velocities(initial, a->temperature_k, a->seed);
      md = std::make_unique<atomistic::LangevinDynamics>(*potential.potential, settings, initial);
    } catch (const InputError& e) {
      throw InputError(a->structure, "", where + e.problem());
    } catch (const std::runtime_error& e) {  // non-finite forces of the start
      throw InputError(a->structure, "", where + e.what());
    }

    std::ostringstream source;
    source << "md structure=" << a->structure << " frame=" << k << " potential=" << a->potential
           << " temperature_k=" << shortest(a->temperature_k)
           << " timestep_fs=" << shortest(a->timestep_fs)
           << " friction_per_fs=" << shortest(a->friction_per_fs) << " seed=" << a->seed;
    std::string trajectory;
    std::string log = "step,time_fs,potential_ev,kinetic_ev,total_ev,temperature_k\n";
    std::size_t written = 0;
    auto record = [&]() {
      const auto& s = md->state();
      io::ExtxyzFrame f;
      f.structure = s.structure;
      for (auto it = f.structure.info.begin(); it != f.structure.info.end();)
        it = is_reference_label_key(it->first) ? f.structure.info.erase(it) : std::next(it);
      auto& info = f.structure.info;
      info["source"] = source.str();
      info["md_potential"] = potential.potential->name();
      info["md_potential_sha256"] = potential.sha256;
      info["md_step"] = std::to_string(s.step);
      info["time_fs"] = shortest(s.time_fs);
      info["temperature_k"] = shortest(md->temperature_k());
      f.energy_ev = md->potential_energy_ev();
      f.forces_ev_per_angstrom = md->energy_forces().forces_ev_per_angstrom;
      trajectory += frame_with_velocities(f, s.velocities_angstrom_per_fs);
      log += std::to_string(s.step) + "," + shortest(s.time_fs) + "," +
             shortest(md->potential_energy_ev()) + "," + shortest(md->kinetic_energy_ev()) + "," +
             shortest(md->total_energy_ev()) + "," + shortest(md->temperature_k()) + "\n";
      ++written;
      print_row(*md);
    };

    std::printf("md: %zu atoms, %s, T = %g K, dt = %g fs, gamma = %g /fs, %llu steps\n",
                initial.structure.size(), potential.potential->name().c_str(), a->temperature_k,
                a->timestep_fs, a->friction_per_fs, static_cast<unsigned long long>(a->steps));
    std::printf("%10s %11s %15s %12s %15s %9s\n", "step", "time_fs", "E_pot_eV", "E_kin_eV",
                "E_tot_eV", "T_K");
    const auto start = std::chrono::steady_clock::now();
    record();
    for (std::uint64_t n = 1; n <= a->steps; ++n) {
      try {
        md->step();
      } catch (const InputError& e) {
        // The potential rejects a visited structure (e.g. overlapping atoms): a blow-up too.
        throw InputError(a->structure, "",
                         where + "MD step " + std::to_string(n) + ": " + e.problem() +
                             " (nothing written; try a smaller --timestep-fs)");
      } catch (const std::runtime_error& e) {
        // A blow-up (timestep too large, or the potential failing on the visited structures).
        throw InputError(a->structure, "",
                         where + e.what() + " (nothing written; try a smaller --timestep-fs)");
      }
      if (n % a->every == 0) record();
    }
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    io::write_file_atomically(a->out, trajectory);
    if (!a->log.empty()) io::write_file_atomically(a->log, log);
    std::printf("wrote %zu frame(s) to %s%s%s; %.2f s\n", written, a->out.c_str(),
                a->log.empty() ? "" : ", log ", a->log.c_str(), wall);
    return 0;
  };
}

}  // namespace ionhop::cli
