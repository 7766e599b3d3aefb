// Supercell structures, point defects and hop endpoints (see supercell_builder.hpp).
#include "ionhop/atomistic/supercell_builder.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "ionhop/core/error.hpp"

namespace ionhop::atomistic {

namespace {

std::string number_text(double x) {
  std::ostringstream out;
  out.precision(6);
  out << x;
  return out.str();
}

std::size_t shell_of(const lattice::SiteGraph& graph, const std::string& shell) {
  const auto index = graph.crystal().shell_index(shell);
  if (!index) throw InputError("", "", "unknown hop shell '" + shell + "'");
  return *index;
}

void check_range(const lattice::SiteGraph& graph, SiteIndex site) {
  if (site >= graph.site_count())
    throw InputError("", "",
                     "site " + std::to_string(site) + " is out of range (the supercell has " +
                         std::to_string(graph.site_count()) + " sites)");
}

// The site must be on the sublattice a hop shell joins (only then has it hops in it).
void check_on_shell(const lattice::SiteGraph& graph, SiteIndex site, std::size_t shell) {
  check_range(graph, site);
  const auto& spec = graph.crystal().hop_shells[shell];
  const auto& basis = graph.crystal().basis[graph.basis_of(site)];
  if (basis.sublattice != spec.sublattice)
    throw InputError("", "",
                     "site " + std::to_string(site) + " is on sublattice '" + basis.sublattice +
                         "' (basis site '" + basis.label + "'), but hop shell '" + spec.name +
                         "' joins '" + spec.sublattice + "' sites");
}

// Part of v perpendicular to the unit vector `axis`, normalised; `axis` zero = v itself.
Vec3 perpendicular_unit(const Vec3& v, const Vec3& axis, const std::string& what) {
  const Vec3 p = v - v.dot(axis) * axis;
  if (p.norm() < 1e-9 * std::max(1.0, v.norm()))
    throw InputError("", "", what + " has no part perpendicular to the bond axis");
  return p.normalized();
}

}  // namespace

std::vector<std::string> occupants_from_composition(
    const lattice::SiteGraph& graph, const std::vector<kmc::SublatticeComposition>& composition,
    core::RandomStream& rng) {
  const auto& crystal = graph.crystal();
  const std::size_t nb = graph.basis_count();
  std::vector<std::string> out(graph.site_count());
  for (SiteIndex s = 0; s < graph.site_count(); ++s)
    out[s] = crystal.basis[graph.basis_of(s)].occupant;
  for (const auto& c : composition) {
    if (!crystal.has_sublattice(c.sublattice))
      throw InputError("", "", "composition names unknown sublattice '" + c.sublattice + "'");
    const auto sites = graph.sites_of_sublattice(c.sublattice);
    if (!c.layers.empty()) {
      const auto n3 = static_cast<std::size_t>(graph.supercell()[2]);
      std::size_t cells = 0;
      for (const auto& l : c.layers) cells += static_cast<std::size_t>(std::max(l.cells, 0));
      if (cells != n3)
        throw InputError("", "",
                         "layers of sublattice '" + c.sublattice + "' add up to " +
                             std::to_string(cells) + " cells along a3, but the supercell has " +
                             std::to_string(n3));
      if (!c.interface_occupants.empty() && c.interface_occupants.size() != c.layers.size())
        throw InputError("", "",
                         "sublattice '" + c.sublattice + "' has " +
                             std::to_string(c.interface_occupants.size()) +
                             " interface occupants for " + std::to_string(c.layers.size()) +
                             " layers");
      // As the engine: the occupant follows the cell index k along a3 (site layout
      // ((i·n2 + j)·n3 + k)·nb + b); the plane at the start of a layer may differ.
      for (SiteIndex s : sites) {
        const std::size_t k = (s / nb) % n3;
        std::size_t layer = 0, start = 0;
        while (layer + 1 < c.layers.size() &&
               k >= start + static_cast<std::size_t>(c.layers[layer].cells))
          start += static_cast<std::size_t>(c.layers[layer++].cells);
        const double f = crystal.basis[s % nb].frac[2];
        const bool boundary_plane = k == start && std::abs(f - std::round(f)) < 1e-9;
        out[s] = boundary_plane && !c.interface_occupants.empty() ? c.interface_occupants[layer]
                                                                  : c.layers[layer].occupant;
      }
      continue;
    }
    if (c.fractions.empty())
      throw InputError(
          "", "",
          "composition of sublattice '" + c.sublattice + "' has neither fractions nor layers");
    // As the engine: exact counts (the last occupant takes the rounding remainder),
    // placed by a Fisher–Yates shuffle of the sites.
    std::vector<SiteIndex> shuffled = sites;
    for (std::size_t i = shuffled.size(); i > 1; --i)
      std::swap(shuffled[i - 1], shuffled[rng.below(i)]);
    std::size_t next = 0;
    for (std::size_t f = 0; f < c.fractions.size(); ++f) {
      const bool last = f + 1 == c.fractions.size();
      const std::size_t n =
          last
              ? shuffled.size() - next
              : std::min<std::size_t>(shuffled.size() - next,
                                      static_cast<std::size_t>(std::llround(
                                          std::max(0.0, c.fractions[f].second) * shuffled.size())));
      for (std::size_t i = 0; i < n; ++i) out[shuffled[next + i]] = c.fractions[f].first;
      next += n;
    }
  }
  return out;
}

std::map<std::string, std::size_t> environment_counts(
    const lattice::SiteGraph& graph, const std::vector<std::string>& site_occupants, SiteIndex site,
    const std::string& shell) {
  if (site_occupants.size() != graph.site_count())
    throw InputError("", "",
                     "occupant vector has " + std::to_string(site_occupants.size()) +
                         " entries, the supercell has " + std::to_string(graph.site_count()) +
                         " sites");
  const std::size_t sh = shell_of(graph, shell);
  check_on_shell(graph, site, sh);
  std::map<std::string, std::size_t> counts;
  const auto targets = graph.hop_targets(site);
  const auto& templates = graph.hop_templates(graph.basis_of(site));
  for (std::size_t k = 0; k < targets.size(); ++k) {
    if (templates[k].shell != sh) continue;
    const std::string& o = site_occupants[targets[k]];
    if (!o.empty()) ++counts[o];
  }
  return counts;
}

SupercellBuilder::SupercellBuilder(const lattice::SiteGraph& graph,
                                   std::vector<std::string> site_occupants)
    : graph_(graph), occupants_(std::move(site_occupants)) {
  if (occupants_.empty()) {
    occupants_.resize(graph.site_count());
    for (SiteIndex s = 0; s < graph.site_count(); ++s)
      occupants_[s] = graph.crystal().basis[graph.basis_of(s)].occupant;
    return;
  }
  if (occupants_.size() != graph.site_count())
    throw InputError("", "",
                     "occupant vector has " + std::to_string(occupants_.size()) +
                         " entries, the supercell has " + std::to_string(graph.site_count()) +
                         " sites");
  for (std::size_t s = 0; s < occupants_.size(); ++s)
    if (occupants_[s].empty())
      throw InputError(
          "", "",
          "site " + std::to_string(s) + " has an empty occupant (use vacancy() for empty sites)");
}

Eigen::Matrix3d SupercellBuilder::cell_angstrom() const {
  Eigen::Matrix3d cell = graph_.crystal().cell_angstrom;
  for (int a = 0; a < 3; ++a) cell.row(a) *= graph_.supercell()[a];
  return cell;
}

Structure SupercellBuilder::perfect() const {
  Structure s;
  s.cell_angstrom = cell_angstrom();
  s.elements = occupants_;
  s.positions_angstrom.resize(3, static_cast<Eigen::Index>(graph_.site_count()));
  for (SiteIndex k = 0; k < graph_.site_count(); ++k)
    s.positions_angstrom.col(k) = graph_.position_angstrom(k);
  return s;
}

void SupercellBuilder::check_site(SiteIndex site, const std::string& sublattice,
                                  const std::string& what) const {
  check_range(graph_, site);
  const auto& basis = graph_.crystal().basis[graph_.basis_of(site)];
  if (!sublattice.empty() && basis.sublattice != sublattice)
    throw InputError("", "",
                     what + ": site " + std::to_string(site) + " is on sublattice '" +
                         basis.sublattice + "' (basis site '" + basis.label + "'), not '" +
                         sublattice + "'");
}

std::size_t SupercellBuilder::hop_between(SiteIndex from, SiteIndex to,
                                          const std::string& shell) const {
  const std::size_t sh = shell_of(graph_, shell);
  check_on_shell(graph_, from, sh);
  check_range(graph_, to);
  const auto targets = graph_.hop_targets(from);
  const auto& templates = graph_.hop_templates(graph_.basis_of(from));
  // The site graph guarantees one image per neighbour, so at most one template matches.
  for (std::size_t k = 0; k < targets.size(); ++k)
    if (targets[k] == to && templates[k].shell == sh) return k;
  throw InputError("", "",
                   "sites " + std::to_string(from) + " and " + std::to_string(to) +
                       " are not neighbours in hop shell '" + shell + "'");
}

Vec3 SupercellBuilder::axis_of(SiteIndex site, const std::string& sublattice) const {
  const auto& crystal = graph_.crystal();
  if (!crystal.has_sublattice(sublattice))
    throw InputError("", "", "unknown axis sublattice '" + sublattice + "'");
  // Search the crystal's basis in the surrounding cells: positions in the supercell are the
  // same up to whole cells, and the nearest site is within one cell for any sane basis
  // (two cells searched to be safe with skewed cells).
  const Vec3 f0 = crystal.basis[graph_.basis_of(site)].frac;
  Vec3 best = Vec3::Zero();
  double best_norm = std::numeric_limits<double>::infinity();
  for (const auto& b : crystal.basis) {
    if (b.sublattice != sublattice) continue;
    for (int i = -2; i <= 2; ++i)
      for (int j = -2; j <= 2; ++j)
        for (int k = -2; k <= 2; ++k) {
          const Vec3 d = crystal.cartesian(b.frac + Vec3(i, j, k) - f0);
          const double n = d.norm();
          if (n > 1e-9 && n < best_norm - 1e-9) best_norm = n, best = d;
        }
  }
  if (!std::isfinite(best_norm))
    throw InputError(
        "", "", "no site of sublattice '" + sublattice + "' near site " + std::to_string(site));
  return best / best_norm;
}

DefectStructure SupercellBuilder::vacancy(SiteIndex site, const std::string& sublattice) const {
  check_site(site, sublattice, "vacancy");
  DefectStructure out;
  out.structure = perfect();
  out.structure.remove(site);
  out.site_to_atom.resize(graph_.site_count());
  for (SiteIndex s = 0; s < graph_.site_count(); ++s)
    out.site_to_atom[s] = s < site ? s : s == site ? -1 : static_cast<std::int64_t>(s) - 1;
  return out;
}

DefectStructure SupercellBuilder::split_interstitial(SiteIndex site,
                                                     const SplitInterstitialSpec& spec,
                                                     const Vec3& direction) const {
  check_site(site, spec.sublattice, "split interstitial");
  if (!(spec.delta_angstrom > 0) || !std::isfinite(spec.delta_angstrom))
    throw InputError(
        "", "",
        "split interstitial: delta " + number_text(spec.delta_angstrom) + " Å must be positive");
  if (spec.element.empty()) throw InputError("", "", "split interstitial: no element given");
  const double norm = direction.norm();
  if (!(norm > 0) || !std::isfinite(norm))
    throw InputError("", "", "split interstitial: the direction must be a non-zero vector");
  const Vec3 u = direction / norm;
  if (!spec.axis_sublattice.empty()) {
    const Vec3 axis = axis_of(site, spec.axis_sublattice);
    if (std::abs(u.dot(axis)) > 1e-6)
      throw InputError("", "",
                       "split interstitial: direction is not perpendicular to the axis from site " +
                           std::to_string(site) + " to its nearest '" + spec.axis_sublattice +
                           "' site (cos = " + number_text(u.dot(axis)) + ")");
  }
  DefectStructure out;
  out.structure = perfect();
  const Vec3 r = graph_.position_angstrom(site);
  out.structure.positions_angstrom.col(site) = r - spec.delta_angstrom * u;
  out.structure.append(spec.element, r + spec.delta_angstrom * u);
  out.site_to_atom.resize(graph_.site_count());
  for (SiteIndex s = 0; s < graph_.site_count(); ++s) out.site_to_atom[s] = s;
  out.extra_atom = static_cast<std::int64_t>(graph_.site_count());
  return out;
}

HopEndpoints SupercellBuilder::vacancy_hop(SiteIndex from, SiteIndex to,
                                           const std::string& shell) const {
  const std::size_t k = hop_between(from, to, shell);
  const Vec3 d = graph_.hop_templates(graph_.basis_of(from))[k].displacement_angstrom;
  DefectStructure start = vacancy(from, "");
  HopEndpoints out;
  out.moving_atom = static_cast<std::size_t>(start.site_to_atom[to]);
  out.moving_element = occupants_[to];
  out.hop_vector_angstrom = d;
  // The ion moves against the vacancy: from j by −d, which lands on i modulo the cell.
  out.moving_displacement_angstrom = -d;
  out.initial = start.structure;
  out.final = start.structure;
  out.final.positions_angstrom.col(static_cast<Eigen::Index>(out.moving_atom)) -= d;
  out.initial_site_to_atom = start.site_to_atom;
  out.final_site_to_atom = std::move(start.site_to_atom);
  out.final_site_to_atom[from] = static_cast<std::int64_t>(out.moving_atom);
  out.final_site_to_atom[to] = -1;
  return out;
}

HopEndpoints SupercellBuilder::interstitial_hop(SiteIndex from, SiteIndex to,
                                                const std::string& shell,
                                                const SplitInterstitialSpec& spec) const {
  const std::size_t k = hop_between(from, to, shell);
  const std::string& shell_sublattice =
      graph_.crystal().hop_shells[shell_of(graph_, shell)].sublattice;
  if (!spec.sublattice.empty() && spec.sublattice != shell_sublattice)
    throw InputError("", "",
                     "interstitial hop: hop shell '" + shell + "' joins '" + shell_sublattice +
                         "' sites, not '" + spec.sublattice + "'");
  const Vec3 d = graph_.hop_templates(graph_.basis_of(from))[k].displacement_angstrom;
  Vec3 u_from = d.normalized(), u_to = -d.normalized();
  if (!spec.axis_sublattice.empty()) {
    u_from = perpendicular_unit(d, axis_of(from, spec.axis_sublattice), "the hop vector");
    u_to = perpendicular_unit(-d, axis_of(to, spec.axis_sublattice), "the hop vector");
  }
  DefectStructure start = split_interstitial(from, spec, u_from);
  const double delta = spec.delta_angstrom;
  const auto extra = static_cast<Eigen::Index>(start.extra_atom);
  HopEndpoints out;
  out.moving_atom = static_cast<std::size_t>(start.extra_atom);
  out.moving_element = spec.element;
  out.hop_vector_angstrom = d;
  out.moving_displacement_angstrom = d + delta * (u_to - u_from);
  out.initial = start.structure;
  out.final = start.structure;
  auto& p = out.final.positions_angstrom;
  p.col(from) = graph_.position_angstrom(from);
  p.col(to) = graph_.position_angstrom(to) - delta * u_to;
  p.col(extra) += out.moving_displacement_angstrom;
  out.initial_site_to_atom = start.site_to_atom;
  out.final_site_to_atom = std::move(start.site_to_atom);
  return out;
}

std::map<std::string, std::size_t> SupercellBuilder::environment_counts(
    SiteIndex site, const std::string& shell) const {
  return atomistic::environment_counts(graph_, occupants_, site, shell);
}

}  // namespace ionhop::atomistic
