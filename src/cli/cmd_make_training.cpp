// `ionhop make-training-structures`: rattled and strained copies of a perfect, vacancy or
// split-interstitial supercell, the bootstrap training set of the MLFF (labelled afterwards
// by `ionhop dft-label`), optionally as a random alloy (--mix: mixed-halide cells, a new
// arrangement per frame). MD and NEB frames come later, from active-learn and learn-neb.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <numbers>
#include <optional>
#include <sstream>

#include "commands.hpp"
#include "ionhop/atomistic/supercell_builder.hpp"
#include "ionhop/core/error.hpp"
#include "ionhop/core/random_stream.hpp"
#include "ionhop/io/atomic_file.hpp"
#include "ionhop/io/extxyz.hpp"
#include "ionhop/io/lattice_file.hpp"

namespace ionhop::cli {

namespace {
struct MakeTrainingArgs {
  std::string lattice, defect = "none", element, out;
  std::vector<int> supercell{2, 2, 2};
  int charge = 0;
  std::size_t count = 1;
  double rattle_angstrom = 0.05, strain = 0.0;
  std::uint64_t seed = 1;
  // Half the separation of the split-interstitial pair. The default 1.0 Å puts the two
  // ions 2.0 Å apart, well inside an I–I bond (~2.7–2.9 Å): CP2K forces of such cells reach
  // 30 eV/Å. ~1.4 Å is closer to a relaxed I_i pair.
  double split_delta_angstrom = 1.0;
  // Random alloy: this fraction of the atoms of element mix_host (default: --element) become
  // mix_element, a new random arrangement per frame (exact count, rounded).
  std::string mix_element, mix_host;
  double mix_fraction = 0;
};

// Replaces round(fraction × N_host) of the atoms of element `host`, chosen uniformly at
// random (partial Fisher–Yates), by `element`.
void substitute_at_random(atomistic::Structure& s, const std::string& host,
                          const std::string& element, double fraction, core::RandomStream& rng) {
  std::vector<std::size_t> hosts;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (s.elements[i] == host) hosts.push_back(i);
  const auto n =
      static_cast<std::size_t>(std::lround(fraction * static_cast<double>(hosts.size())));
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t j = k + static_cast<std::size_t>(rng.uniform() * (hosts.size() - k));
    std::swap(hosts[k], hosts[std::min(j, hosts.size() - 1)]);
    s.elements[hosts[k]] = element;
  }
}

std::string shortest(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  // Prefer the shortest text that reads back exactly.
  for (int p = 1; p <= 17; ++p) {
    char t[64];
    std::snprintf(t, sizeof t, "%.*g", p, x);
    if (std::strtod(t, nullptr) == x) return t;
  }
  return buf;
}

// The sublattice whose basis occupant is `element` (first in basis order).
std::string sublattice_of_element(const lattice::Crystal& crystal, const std::string& element,
                                  const std::string& file) {
  for (const auto& b : crystal.basis)
    if (b.occupant == element) return b.sublattice;
  throw InputError(file, "",
                   "no sublattice of '" + crystal.name + "' is occupied by element '" + element +
                       "' (--element)");
}

}  // namespace

Action add_make_training_command(CLI::App& app) {
  auto a = std::make_shared<MakeTrainingArgs>();
  auto* sub = app.add_subcommand(
      "make-training-structures",
      "Rattled + strained copies of a perfect/defect supercell: the MLFF bootstrap set");
  sub->add_option("--lattice", a->lattice, "lattice file (schema ionhop.lattice/1)")->required();
  sub->add_option("--supercell", a->supercell, "n1 n2 n3 (default 2 2 2)")->expected(3);
  sub->add_option("--defect", a->defect, "vacancy | interstitial | none (default none)")
      ->check(CLI::IsMember({"vacancy", "interstitial", "none"}));
  sub->add_option("--element", a->element,
                  "defect element, e.g. I: vacancy at the first site of its sublattice, or "
                  "split interstitial (delta --split-delta-angstrom) there");
  sub->add_option("--split-delta-angstrom", a->split_delta_angstrom,
                  "split interstitial: each ion of the pair this far from the site (default 1.0; "
                  "the pair is 2x this apart)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--mix-element", a->mix_element,
                  "random alloy: substitute this element (e.g. Br) for a fraction of the host "
                  "atoms, a new arrangement per frame");
  sub->add_option("--mix-fraction", a->mix_fraction,
                  "random alloy: fraction of the host atoms substituted (rounded to a count)")
      ->check(CLI::Range(0.0, 1.0));
  sub->add_option("--mix-host", a->mix_host,
                  "random alloy: the element substituted (default: --element)");
  sub->add_option("--charge", a->charge, "total cell charge in e (extxyz charge=, DFT CHARGE)");
  sub->add_option("--count", a->count, "number of structures (default 1)")
      ->check(non_negative_integer());
  sub->add_option("--rattle-angstrom", a->rattle_angstrom,
                  "Gaussian displacement sigma per Cartesian component (default 0.05)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--strain", a->strain,
                  "each of the 6 strain components uniform in [-S, S] (default 0)")
      ->check(CLI::Range(0.0, 0.2));
  sub->add_option("--seed", a->seed, "random seed (default 1)")->check(non_negative_integer());
  sub->add_option("--out", a->out, "extxyz file to write")->required();
  sub->footer(
      "Each frame: info source=..., training_frame=k, defect=..., and for a defect\n"
      "defect_position=\"x y z\" (the site, in the strained cell; used by `ionhop validate`).\n"
      "Deterministic for a given seed. These rattled cells are only the BOOTSTRAP set: as in\n"
      "the paper, the training frames that matter come from MD at 600-750 K with the model\n"
      "(ionhop active-learn) and from NEB bands (ionhop learn-neb).\n"
      "Example:\n  ionhop make-training-structures --lattice lattices/cspbi3_cubic.json "
      "--supercell 2 2 2 \\\n    --defect vacancy --element I --charge 1 --count 20 "
      "--rattle-angstrom 0.1 --strain 0.02 \\\n    --seed 1 --out train.extxyz");
  return [a]() {
    if (a->supercell.size() != 3) throw InputError("", "", "--supercell needs three integers");
    if (a->defect != "none" && a->element.empty())
      throw InputError("", "", "--defect " + a->defect + " needs --element");
    if (a->mix_host.empty()) a->mix_host = a->element;
    if (!a->mix_element.empty() && a->mix_host.empty())
      throw InputError("", "", "--mix-element needs --mix-host (or --element)");
    if (a->mix_element.empty() && a->mix_fraction > 0)
      throw InputError("", "", "--mix-fraction needs --mix-element");
    const lattice::Crystal crystal = io::load_crystal(a->lattice);
    const std::array<int, 3> cells{a->supercell[0], a->supercell[1], a->supercell[2]};
    std::unique_ptr<lattice::SiteGraph> graph;
    try {
      graph = std::make_unique<lattice::SiteGraph>(crystal, cells);
    } catch (const InputError& e) {
      throw InputError(a->lattice, "", "--supercell: " + e.problem());
    }
    const atomistic::SupercellBuilder builder(*graph);
    atomistic::Structure base;
    std::optional<atomistic::Vec3> defect_position;
    if (a->defect == "none") {
      base = builder.perfect();
    } else {
      const std::string sublattice = sublattice_of_element(crystal, a->element, a->lattice);
      const auto site = graph->sites_of_sublattice(sublattice).front();
      defect_position = graph->position_angstrom(site);
      if (a->defect == "vacancy") {
        base = builder.vacancy(site, sublattice).structure;
      } else {
        // Split interstitial perpendicular to the site's axis to its nearest B site (the
        // B–X–B axis of a perovskite); without a "B" sublattice, along any direction.
        const std::string axis = crystal.has_sublattice("B") ? "B" : "";
        atomistic::Vec3 direction(0, 0, 1);
        if (!axis.empty()) {
          const atomistic::Structure perfect = builder.perfect();
          atomistic::Vec3 u = atomistic::Vec3::Zero();
          double best = 1e300;
          for (const auto b : graph->sites_of_sublattice(axis)) {
            const atomistic::Vec3 d =
                perfect.minimum_image(graph->position_angstrom(b) - *defect_position);
            if (d.norm() < best) best = d.norm(), u = d.normalized();
          }
          int least = 0;
          for (int k = 1; k < 3; ++k)
            if (std::abs(u[k]) < std::abs(u[least])) least = k;
          direction = u.cross(atomistic::Vec3::Unit(least)).normalized();
        }
        try {
          base = builder
                     .split_interstitial(
                         site, {sublattice, a->element, a->split_delta_angstrom, axis}, direction)
                     .structure;
        } catch (const InputError& e) {
          throw InputError(a->lattice, "", "--defect interstitial: " + e.problem());
        }
      }
    }
    base.charge_e = a->charge;
    if (!a->mix_element.empty() &&
        std::find(base.elements.begin(), base.elements.end(), a->mix_host) == base.elements.end())
      throw InputError(a->lattice, "",
                       "--mix-host: no atom of element '" + a->mix_host + "' in the supercell");

    std::ostringstream source;
    source << "make-training-structures lattice=" << a->lattice << " supercell=" << cells[0] << "x"
           << cells[1] << "x" << cells[2] << " defect=" << a->defect;
    if (a->defect != "none") source << " element=" << a->element;
    if (a->defect == "interstitial" && a->split_delta_angstrom != 1.0)
      source << " split_delta_angstrom=" << shortest(a->split_delta_angstrom);
    source << " charge=" << a->charge << " rattle_angstrom=" << shortest(a->rattle_angstrom)
           << " strain=" << shortest(a->strain) << " seed=" << a->seed;
    if (!a->mix_element.empty())
      source << " mix=" << a->mix_element << ":" << shortest(a->mix_fraction)
             << " mix_host=" << a->mix_host;

    std::vector<io::ExtxyzFrame> frames;
    for (std::size_t k = 0; k < a->count; ++k) {
      core::RandomStream rng(a->seed, 0x7261747400000000ULL + k);  // one stream per frame
      io::ExtxyzFrame frame;
      atomistic::Structure& s = frame.structure;
      s = base;
      if (!a->mix_element.empty()) {
        core::RandomStream mix_rng(a->seed, 0x6d69780000000000ULL + k);  // own stream per frame
        substitute_at_random(s, a->mix_host, a->mix_element, a->mix_fraction, mix_rng);
      }
      // Symmetric strain ε (xx, yy, zz, yz, xz, xy uniform in [−S, S]); r → (I + ε) r.
      Eigen::Matrix3d eps = Eigen::Matrix3d::Zero();
      const int ij[6][2] = {{0, 0}, {1, 1}, {2, 2}, {1, 2}, {0, 2}, {0, 1}};
      for (const auto& p : ij) {
        const double e = a->strain * (2.0 * rng.uniform() - 1.0);
        eps(p[0], p[1]) = eps(p[1], p[0]) = e;
      }
      const Eigen::Matrix3d deform = Eigen::Matrix3d::Identity() + eps;
      s.cell_angstrom = s.cell_angstrom * deform.transpose();  // rows a_i → (I + ε) a_i
      s.positions_angstrom = deform * s.positions_angstrom;
      for (Eigen::Index i = 0; i < s.positions_angstrom.cols(); ++i)
        for (int c = 0; c < 3; ++c)
          s.positions_angstrom(c, i) += a->rattle_angstrom * rng.standard_normal();
      s.info["source"] = source.str();
      s.info["training_frame"] = std::to_string(k);
      s.info["defect"] = a->defect;
      if (defect_position) {
        const atomistic::Vec3 p = deform * *defect_position;
        s.info["defect_position"] = shortest(p.x()) + " " + shortest(p.y()) + " " + shortest(p.z());
      }
      frames.push_back(std::move(frame));
    }
    io::write_file_atomically(a->out, io::format_extxyz(frames));
    std::printf("wrote %zu structure(s) of %zu atoms (charge %+d e) to %s\n", frames.size(),
                base.size(), a->charge, a->out.c_str());
    return 0;
  };
}

}  // namespace ionhop::cli
