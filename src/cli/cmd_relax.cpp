// `ionhop relax --potential P --structure IN.extxyz --out OUT.extxyz`: FIRE relaxation of the
// atomic positions (cell fixed) of one extxyz frame with any potential, optionally with a
// frozen host (atoms beyond a radius of one atom fixed, as in the barrier configs) and a
// minimum check (escapes along negative curvature, atomistic/minimum_check). Its purpose is
// comparing defect structures (which of two candidate minima is lower) and making endpoints
// for `neb`; with an MLFF the relaxation stops where the model becomes uncertain, because
// FIRE would otherwise follow the model's extrapolation into nonsense (docs/mlff.md).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "commands.hpp"
#include "dft_labelling.hpp"
#include "ionhop/atomistic/fire.hpp"
#include "ionhop/atomistic/frozen_host.hpp"
#include "ionhop/atomistic/minimum_check.hpp"
#include "ionhop/core/build_info.hpp"
#include "ionhop/core/error.hpp"
#include "ionhop/io/atomic_file.hpp"
#include "ionhop/io/extxyz.hpp"
#include "ionhop/io/potential_file.hpp"
#include "ionhop/mlff/domain_check.hpp"
#include "ionhop/mlff/linear_model.hpp"
#include "start_frame.hpp"

namespace ionhop::cli {

namespace {
struct RelaxArgs {
  std::string potential, structure, out;
  long long frame = -1;  // −1: the last frame
  long long centre_atom = -1;
  double fmax_ev_per_angstrom = 0.01;
  double free_within_angstrom = 0;
  double uncertainty_stop_ev_per_angstrom = mlff::kDefaultUncertaintyWarningEvPerAngstrom;
  std::size_t max_steps = 2000, print_every = 50;
  bool confirm_minimum = false, no_domain_stop = false;
};
}  // namespace

Action add_relax_command(CLI::App& app) {
  auto a = std::make_shared<RelaxArgs>();
  auto* sub = app.add_subcommand(
      "relax",
      "FIRE relaxation of one structure with a potential (cell fixed; optional frozen host)");
  sub->add_option("--potential", a->potential, "potential file (any schema of load_potential)")
      ->required();
  sub->add_option("--structure", a->structure, "extxyz file with the starting structure")
      ->required();
  sub->add_option("--frame", a->frame, "frame of --structure, counted from 0 (default: last)")
      ->check(non_negative_integer());
  sub->add_option("--fmax", a->fmax_ev_per_angstrom,
                  "converged when every movable atom's |F| is below this (eV/A, default 0.01)");
  sub->add_option("--max-steps", a->max_steps, "FIRE updates at most (default 2000)")
      ->check(non_negative_integer());
  auto* centre_option =
      sub->add_option(
             "--centre-atom", a->centre_atom,
             "atom (counted from 0) at the centre of the free region of --free-within-angstrom")
          ->check(non_negative_integer());
  auto* free_within_option =
      sub->add_option("--free-within-angstrom", a->free_within_angstrom,
                      "fix every atom farther than this from --centre-atom (frozen host)");
  sub->add_flag("--confirm-minimum", a->confirm_minimum,
                "check the Hessian of the relaxed structure and escape along negative "
                "curvature (at most 5 times) until it is a minimum");
  sub->add_option("--uncertainty-stop", a->uncertainty_stop_ev_per_angstrom,
                  "MLFF only: stop where the max-atom force uncertainty exceeds this (eV/A, "
                  "default 0.25, checked every 10 steps)");
  sub->add_flag("--no-domain-stop", a->no_domain_stop,
                "MLFF only: relax on outside the training domain (the result gets a warning)");
  sub->add_option("--print-every", a->print_every,
                  "progress line every N steps (default 50; 0: none)")
      ->check(non_negative_integer());
  sub->add_option("--out", a->out, "relaxed structure (extxyz, one frame) to write")->required();
  sub->footer(
      "Writes the relaxed frame with energy, forces, the fixed mask and info relax_converged,\n"
      "relax_steps, relax_max_force_ev_per_angstrom, relax_potential(_sha256), and for an\n"
      "MLFF mlff_max_force_uncertainty_ev_per_angstrom. Exit 0: converged (and a minimum with\n"
      "--confirm-minimum); 3: not converged, not a minimum, or stopped outside the MLFF's\n"
      "training domain (the frame where it stopped is written, relax_stopped=T). Bad input:\n"
      "exit 2, nothing written.\n"
      "Example (an I_i^- cell, the 12 atoms within 5 A of the interstitial free):\n"
      "  ionhop relax --potential examples/mlff/models/cspbi3_ii_minus.json \\\n"
      "    --structure start.extxyz --centre-atom 40 --free-within-angstrom 5 \\\n"
      "    --confirm-minimum --out relaxed.extxyz");
  return [a, centre_option, free_within_option]() {
    const bool has_centre = centre_option->count() > 0;
    const bool has_free_within = free_within_option->count() > 0;
    if (!(a->fmax_ev_per_angstrom > 0) || !std::isfinite(a->fmax_ev_per_angstrom))
      throw InputError("", "",
                       "--fmax must be > 0 (got " + shortest_number(a->fmax_ev_per_angstrom) + ")");
    if (!(a->uncertainty_stop_ev_per_angstrom > 0) ||
        !std::isfinite(a->uncertainty_stop_ev_per_angstrom))
      throw InputError("", "",
                       "--uncertainty-stop must be > 0 (got " +
                           shortest_number(a->uncertainty_stop_ev_per_angstrom) + ")");
    const bool frozen_host = has_centre || has_free_within;
    if (has_centre != has_free_within)
      throw InputError("", "", "--free-within-angstrom and --centre-atom go together");
    if (frozen_host && (!(a->free_within_angstrom > 0) || !std::isfinite(a->free_within_angstrom)))
      throw InputError("", "",
                       "--free-within-angstrom must be > 0 (got " +
                           shortest_number(a->free_within_angstrom) + ")");
    const StartFrame start_frame = read_start_frame(a->structure, a->frame);
    const std::size_t k = start_frame.index;
    atomistic::Structure start = start_frame.structure;
    for (auto it = start.info.begin(); it != start.info.end();)
      it = is_reference_label_key(it->first) ? start.info.erase(it) : std::next(it);
    const std::string where = "frame " + std::to_string(k) + ": ";
    std::size_t fixed_atoms = start.size() - start.free_atom_indices().size();
    if (frozen_host) {
      const auto centre = static_cast<std::size_t>(a->centre_atom);
      if (centre >= start.size())
        throw InputError(a->structure, "",
                         where + "--centre-atom " + std::to_string(centre) + ": the frame has " +
                             std::to_string(start.size()) + " atoms (counted from 0)");
      fixed_atoms = atomistic::fix_atoms_farther_than(start, centre, a->free_within_angstrom);
    }
    if (fixed_atoms == start.size())
      throw InputError(a->structure, "", where + "every atom is fixed: nothing to relax");
    const io::LoadedPotential potential = io::load_potential(a->potential);
    const auto* model = dynamic_cast<const mlff::LinearModel*>(potential.potential.get());
    const bool guard = model != nullptr && model->has_uncertainty() && !a->no_domain_stop;

    atomistic::FireSettings fire;
    fire.force_tolerance_ev_per_angstrom = a->fmax_ev_per_angstrom;
    fire.max_steps = a->max_steps;
    if (a->print_every > 0)
      fire.progress = [&](std::size_t step, double energy, double max_force) {
        if (step % a->print_every == 0)
          std::printf("%8zu %18.6f %12.5f\n", step, energy, max_force);
      };
    double stop_sigma = 0;
    if (guard) {
      fire.monitor_every_steps = 10;
      fire.monitor = [&](std::size_t, const atomistic::Structure& s) {
        stop_sigma = mlff::max_force_uncertainty_ev_per_angstrom(*model, s);
        return stop_sigma <= a->uncertainty_stop_ev_per_angstrom;
      };
    }

    std::printf("relax: %zu atoms (%zu fixed), %s, fmax %g eV/A, at most %zu steps%s\n",
                start.size(), fixed_atoms, potential.potential->name().c_str(),
                a->fmax_ev_per_angstrom, a->max_steps,
                guard ? ", stops outside the MLFF's training domain" : "");
    if (a->print_every > 0) std::printf("%8s %18s %12s\n", "step", "energy_eV", "max|F|_eV/A");
    const auto t0 = std::chrono::steady_clock::now();
    atomistic::RelaxResult r;
    std::size_t escapes = 0;
    bool is_minimum = true;
    try {
      if (a->confirm_minimum) {
        const atomistic::MinimumResult m =
            atomistic::relax_to_minimum(*potential.potential, start, fire);
        r = m.relaxed;
        escapes = m.escapes;
        is_minimum = m.confirmed;
      } else {
        r = atomistic::relax(*potential.potential, start, fire);
      }
    } catch (const InputError& e) {
      throw InputError(a->structure, "", where + e.problem());
    } catch (const std::runtime_error& e) {  // non-finite energies or forces
      throw InputError(a->structure, "", where + e.what() + " (nothing written)");
    }
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    io::ExtxyzFrame out;
    out.structure = r.structure;
    const atomistic::EnergyForces ef = potential.potential->compute(r.structure);
    out.energy_ev = ef.energy_ev;
    out.forces_ev_per_angstrom = ef.forces_ev_per_angstrom;
    auto& info = out.structure.info;
    std::ostringstream source;
    source << "relax structure=" << a->structure << " frame=" << k
           << " fmax=" << shortest_number(a->fmax_ev_per_angstrom);
    if (frozen_host)
      source << " centre_atom=" << a->centre_atom
             << " free_within_angstrom=" << shortest_number(a->free_within_angstrom);
    info["source"] = source.str();
    info["relax_potential"] = potential.potential->name();
    info["relax_potential_sha256"] = potential.sha256;
    info["relax_converged"] = r.converged ? "T" : "F";
    info["relax_stopped"] = r.stopped ? "T" : "F";
    info["relax_steps"] = std::to_string(r.steps);
    info["relax_max_force_ev_per_angstrom"] = shortest_number(r.max_force_ev_per_angstrom);
    if (a->confirm_minimum) {
      info["relax_minimum_escapes"] = std::to_string(escapes);
      info["relax_minimum_confirmed"] = is_minimum ? "T" : "F";
    }
    std::string warning;
    const mlff::DomainCheck domain = mlff::check_training_domain(
        *potential.potential, {r.structure}, a->uncertainty_stop_ev_per_angstrom, "structure");
    if (domain.applicable) {
      info["mlff_max_force_uncertainty_ev_per_angstrom"] =
          shortest_number(domain.max_force_uncertainty_ev_per_angstrom.front());
      warning = domain.warning;
    }
    io::write_file_atomically(a->out, io::format_extxyz({out}));

    std::printf("%s: E = %.6f eV, max |F| = %.4f eV/A, %zu steps%s, %.2f s; wrote %s\n",
                r.stopped      ? "STOPPED outside the MLFF's training domain"
                : !r.converged ? "NOT CONVERGED"
                : !is_minimum  ? "NOT A MINIMUM"
                               : "converged",
                ef.energy_ev, r.max_force_ev_per_angstrom, r.steps,
                a->confirm_minimum ? (", " + std::to_string(escapes) + " escape(s)").c_str() : "",
                wall, a->out.c_str());
    if (r.stopped)
      std::printf(
          "force uncertainty %.3f eV/A > %.3f eV/A: label this frame (dft-label) and "
          "refit, or pass --no-domain-stop\n",
          stop_sigma, a->uncertainty_stop_ev_per_angstrom);
    if (!warning.empty()) std::printf("WARNING: %s\n", warning.c_str());
    return r.converged && is_minimum ? 0 : 3;
  };
}

}  // namespace ionhop::cli
