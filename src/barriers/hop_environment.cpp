// Hop environments: varied sites, symmetry operations fixing the hop, occupation sampling.
#include "ionhop/barriers/hop_environment.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

#include "ionhop/core/error.hpp"
#include "ionhop/core/random_stream.hpp"

namespace ionhop::barriers {

using lattice::SiteIndex;
using lattice::Vec3;

namespace {

// The 48 signed permutation matrices of the cubic point group O_h.
std::vector<Eigen::Matrix3d> cubic_operations() {
  std::vector<Eigen::Matrix3d> ops;
  std::array<int, 3> perm = {0, 1, 2};
  do {
    for (int signs = 0; signs < 8; ++signs) {
      Eigen::Matrix3d r = Eigen::Matrix3d::Zero();
      for (int row = 0; row < 3; ++row) r(row, perm[row]) = (signs >> row) & 1 ? -1.0 : 1.0;
      ops.push_back(r);
    }
  } while (std::next_permutation(perm.begin(), perm.end()));
  // Identity first (perm 012, signs 0 is generated first already).
  return ops;
}

// Is x ↦ m + R (x − m) a symmetry of the crystal? R must map lattice vectors to lattice
// vectors and every basis site onto a site with the same sublattice and occupant.
bool is_crystal_symmetry(const lattice::SiteGraph& graph, const Eigen::Matrix3d& r,
                         const Vec3& centre) {
  const auto& crystal = graph.crystal();
  const Eigen::Matrix3d h = crystal.cell_angstrom;  // rows a_i
  for (int i = 0; i < 3; ++i) {
    const Vec3 image = r * h.row(i).transpose();
    const Vec3 frac = h.transpose().partialPivLu().solve(image);
    if ((frac - frac.array().round().matrix()).norm() > 1e-6) return false;
  }
  for (std::size_t b = 0; b < crystal.basis.size(); ++b) {
    const Vec3 p = crystal.cartesian(crystal.basis[b].frac);
    const auto s = graph.site_at(centre + r * (p - centre));
    if (!s) return false;
    const auto& target = crystal.basis[graph.basis_of(*s)];
    if (target.sublattice != crystal.basis[b].sublattice ||
        target.occupant != crystal.basis[b].occupant)
      return false;
  }
  return true;
}

// Minimum-image displacement between two sites of the supercell.
Vec3 site_displacement(const lattice::SiteGraph& graph, SiteIndex a, SiteIndex b) {
  const auto& crystal = graph.crystal();
  Eigen::Matrix3d super = crystal.cell_angstrom;
  for (int i = 0; i < 3; ++i) super.row(i) *= graph.supercell()[i];
  const Vec3 d = graph.position_angstrom(b) - graph.position_angstrom(a);
  Vec3 f = super.transpose().partialPivLu().solve(d);
  f -= f.array().round().matrix();
  return super.transpose() * f;
}

std::string key_text(std::size_t moving, const std::vector<std::uint8_t>& occupants) {
  std::string s(1, static_cast<char>('a' + moving));
  s += '|';
  for (auto o : occupants) s += static_cast<char>('a' + o);
  return s;
}

}  // namespace

HopEnvironment hop_environment(const lattice::SiteGraph& graph, SiteIndex from, std::size_t hop,
                               const std::string& environment_shell) {
  const auto& crystal = graph.crystal();
  const auto shell = crystal.shell_index(environment_shell);
  if (!shell) throw InputError("", "", "unknown environment shell '" + environment_shell + "'");
  const auto targets = graph.hop_targets(from);
  if (hop >= targets.size())
    throw InputError("", "",
                     "hop " + std::to_string(hop) + " out of range: site " + std::to_string(from) +
                         " has " + std::to_string(targets.size()) + " hops");
  HopEnvironment env;
  env.from = from;
  env.to = targets[hop];
  env.hop_angstrom = graph.hop_templates(graph.basis_of(from))[hop].displacement_angstrom;

  std::set<SiteIndex> varied;
  for (SiteIndex centre : {env.from, env.to}) {
    const auto& templates = graph.hop_templates(graph.basis_of(centre));
    const auto next = graph.hop_targets(centre);
    for (std::size_t k = 0; k < next.size(); ++k)
      if (templates[k].shell == *shell && next[k] != env.from && next[k] != env.to)
        varied.insert(next[k]);
  }
  env.sites.assign(varied.begin(), varied.end());

  // Symmetry operations about the hop's midpoint that fix both hop sites.
  const Vec3 origin = graph.position_angstrom(from);
  const Vec3 centre = origin + 0.5 * env.hop_angstrom;
  for (const Eigen::Matrix3d& r : cubic_operations()) {
    if ((r * env.hop_angstrom - env.hop_angstrom).norm() > 1e-6) continue;
    if (!is_crystal_symmetry(graph, r, centre)) continue;
    std::vector<std::size_t> perm(env.sites.size());
    bool ok = true;
    for (std::size_t k = 0; k < env.sites.size() && ok; ++k) {
      const Vec3 p = origin + site_displacement(graph, from, env.sites[k]);
      const auto image = graph.site_at(centre + r * (p - centre));
      const auto it =
          image ? std::lower_bound(env.sites.begin(), env.sites.end(), *image) : env.sites.end();
      ok = it != env.sites.end() && *it == *image;
      if (ok) perm[k] = static_cast<std::size_t>(it - env.sites.begin());
    }
    // In a supercell too small to hold the environment without aliasing, an operation
    // may fail to map the set onto itself: it is not a symmetry of this cell, drop it.
    if (ok) env.symmetries.push_back(perm);
  }
  return env;
}

std::string canonical_key(const HopEnvironment& environment, std::size_t moving,
                          const std::vector<std::uint8_t>& occupants) {
  std::string best;
  std::vector<std::uint8_t> image(occupants.size());
  for (const auto& perm : environment.symmetries) {
    for (std::size_t k = 0; k < occupants.size(); ++k) image[perm[k]] = occupants[k];
    std::string key = key_text(moving, image);
    if (best.empty() || key < best) best = std::move(key);
  }
  return best.empty() ? key_text(moving, occupants) : best;
}

std::vector<EnvironmentOccupation> enumerate_occupations(
    const HopEnvironment& environment, std::size_t species_count,
    const std::vector<std::size_t>& moving_species, std::size_t max_count) {
  const std::size_t m = environment.sites.size();
  const double raw = std::pow(static_cast<double>(species_count), static_cast<double>(m));
  if (raw > static_cast<double>(max_count))
    throw InputError("", "",
                     "exhaustive enumeration of " + std::to_string(m) + " sites with " +
                         std::to_string(species_count) + " species needs " +
                         std::to_string(static_cast<long long>(raw)) + " occupations (limit " +
                         std::to_string(max_count) + "): use stratified sampling");
  std::vector<EnvironmentOccupation> out;
  std::set<std::string> seen;
  for (std::size_t moving : moving_species) {
    std::vector<std::uint8_t> occ(m, 0);
    while (true) {
      std::string key = canonical_key(environment, moving, occ);
      if (seen.insert(key).second) out.push_back({moving, occ, key});
      std::size_t k = 0;  // odometer increment
      while (k < m && ++occ[k] == species_count) occ[k++] = 0;
      if (k == m) break;
    }
  }
  return out;
}

std::vector<EnvironmentOccupation> sample_occupations(
    const HopEnvironment& environment, std::size_t species_count,
    const std::vector<std::size_t>& moving_species, std::size_t budget_per_moving_species,
    std::uint64_t seed) {
  const std::size_t m = environment.sites.size();
  std::vector<EnvironmentOccupation> out;
  std::set<std::string> seen;
  std::uint64_t stream = 0;
  for (std::size_t moving : moving_species) {
    // Strata: number of sites not held by species 0 (0 … m), each filled by the other
    // species in turn at random positions.
    const std::size_t strata = m + 1;
    for (std::size_t stratum = 0; stratum < strata; ++stratum) {
      const std::size_t share = budget_per_moving_species / strata +
                                (stratum < budget_per_moving_species % strata ? 1 : 0);
      core::RandomStream rng(seed, stream++);
      std::size_t taken = 0;
      // Attempts bounded: a small stratum (e.g. 0 or m non-base sites) has few distinct
      // occupations; stop when repeated draws find nothing new.
      for (std::size_t attempt = 0; taken < share && attempt < 50 * share + 50; ++attempt) {
        std::vector<std::size_t> order(m);
        std::iota(order.begin(), order.end(), 0);
        for (std::size_t i = 0; i < stratum; ++i) std::swap(order[i], order[i + rng.below(m - i)]);
        std::vector<std::uint8_t> occ(m, 0);
        for (std::size_t i = 0; i < stratum; ++i)
          occ[order[i]] =
              static_cast<std::uint8_t>(species_count > 2 ? 1 + rng.below(species_count - 1) : 1);
        std::string key = canonical_key(environment, moving, occ);
        if (!seen.insert(key).second) continue;
        out.push_back({moving, occ, key});
        ++taken;
      }
    }
  }
  return out;
}

}  // namespace ionhop::barriers
