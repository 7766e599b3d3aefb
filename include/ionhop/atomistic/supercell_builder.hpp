// Atomistic structures of a lattice::Crystal supercell for the offline barrier stage:
// perfect cells (atom k = KMC site k), vacancies, split interstitials, and the two
// endpoints of vacancy and interstitial hops in the same atom order (for CI-NEB).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ionhop/atomistic/structure.hpp"
#include "ionhop/core/random_stream.hpp"
#include "ionhop/kmc/run_settings.hpp"
#include "ionhop/lattice/site_graph.hpp"

namespace ionhop::atomistic {

using lattice::SiteIndex;

// Per-site host occupants from compositions, as the KMC engine assigns them (random alloy
// with exact counts by a Fisher–Yates shuffle drawn from `rng`, or a layered (001) stack
// with optional interface planes); sites of other sublattices keep their basis occupant.
// The engine does this inline in its constructor (not callable), so this mirrors it for a
// cell without vacancies. Throws InputError (no file) for an unknown sublattice, layers
// that do not add up to the supercell along a3, or interface occupants not one per layer.
std::vector<std::string> occupants_from_composition(
    const lattice::SiteGraph& graph, const std::vector<kmc::SublatticeComposition>& composition,
    core::RandomStream& rng);

// Occupant species on the neighbours of `site` in hop shell `shell`: the environment the
// KMC local-environment model sums over (kmc::Engine::environment_sum: every neighbour y
// of the site in that shell, counted by the ion on y; empty occupant = no ion, not
// counted). Throws InputError (no file) for an unknown shell, a site out of range, a site
// not on the shell's sublattice, or an occupant vector not one entry per site.
std::map<std::string, std::size_t> environment_counts(
    const lattice::SiteGraph& graph, const std::vector<std::string>& site_occupants, SiteIndex site,
    const std::string& shell);

struct DefectStructure {
  Structure structure;
  std::vector<std::int64_t> site_to_atom;  // atom on each site (−1: vacancy)
  std::int64_t extra_atom = -1;            // the interstitial's atom (−1: none)
};

// A split ("dumbbell") interstitial on a site: the host and an extra atom share the site,
// displaced by −delta (host) and +delta (extra) along a direction perpendicular to the axis
// from the site to its nearest site of `axis_sublattice` (the B–X–B axis of a perovskite
// halide).
struct SplitInterstitialSpec {
  std::string sublattice;       // the site must be on it, e.g. "X"
  std::string element;          // the extra atom, e.g. "I"
  double delta_angstrom = 0;    // > 0: each atom's distance from the site
  std::string axis_sublattice;  // e.g. "B"; "" = no axis (any direction)
};

struct HopEndpoints {
  Structure initial, final;     // same atoms in the same order
  std::size_t moving_atom = 0;  // index of the hopping atom in both
  std::string moving_element;
  // final − initial position of the moving atom, unwrapped: final positions are initial
  // ones plus a displacement, never wrapped back, so a straight interpolation is the hop.
  Vec3 moving_displacement_angstrom = Vec3::Zero();
  Vec3 hop_vector_angstrom =
      Vec3::Zero();  // the defect's hop from site i to site j (the hop template's)
  std::vector<std::int64_t> initial_site_to_atom, final_site_to_atom;
};

class SupercellBuilder {
 public:
  // site_occupants: one element per site (non-empty) overriding the basis occupants, or
  // empty for the basis occupants. Throws InputError (no file) for a wrong length or an
  // empty entry. Keeps a reference to `graph`, which must outlive the builder.
  explicit SupercellBuilder(const lattice::SiteGraph& graph,
                            std::vector<std::string> site_occupants = {});

  const lattice::SiteGraph& graph() const { return graph_; }
  const std::vector<std::string>& site_occupants() const { return occupants_; }
  // Supercell lattice vectors: the crystal's scaled by n1, n2, n3 (rows).
  Eigen::Matrix3d cell_angstrom() const;

  // (a) Every site occupied, atom k on site k at graph().position_angstrom(k).
  Structure perfect() const;
  // (b) The atom on `site` removed; later atoms shift down by one. `sublattice` ("" = any)
  // is checked against the site's.
  DefectStructure vacancy(SiteIndex site, const std::string& sublattice) const;
  // (c) Split interstitial at `site`: extra atom (appended last) at r + δû, host at r − δû,
  // û = direction normalised. Throws InputError for δ ≤ 0, a zero direction, or one not
  // perpendicular to the axis (when spec.axis_sublattice is set).
  DefectStructure split_interstitial(SiteIndex site, const SplitInterstitialSpec& spec,
                                     const Vec3& direction) const;
  // (d) Vacancy hop i → j in hop shell `shell`: initial = vacancy on i; final = the atom of
  // j moved onto i (by −hop vector), every other atom where it was.
  HopEndpoints vacancy_hop(SiteIndex from, SiteIndex to, const std::string& shell) const;
  // (e) Interstitial hop i → j in `shell` (spec.sublattice must be the shell's). Mechanism:
  // direct hop of the extra atom between dumbbells. Initial: dumbbell at i oriented
  // towards j, û_i = the part of the hop vector d perpendicular to i's axis, extra at
  // r_i + δû_i (the side facing j), host i at r_i − δû_i. Final: the mirror image at j,
  // û_j = the part of −d perpendicular to j's axis, extra at r_j + δû_j (facing i), host j
  // at r_j − δû_j, host i back on r_i. The extra atom is the mover; labelling the dumbbell
  // atom nearer j as "extra" makes the straight interpolation the short path (for equal
  // elements the labels are arbitrary, so this loses no generality), and the mirror
  // symmetry makes the forward and backward barriers equal in a uniform host.
  HopEndpoints interstitial_hop(SiteIndex from, SiteIndex to, const std::string& shell,
                                const SplitInterstitialSpec& spec) const;
  // (f) environment_counts with this builder's occupants.
  std::map<std::string, std::size_t> environment_counts(SiteIndex site,
                                                        const std::string& shell) const;

 private:
  void check_site(SiteIndex site, const std::string& sublattice, const std::string& what) const;
  // Hop template (index into hop_targets(from)) from `from` to `to` in `shell`.
  std::size_t hop_between(SiteIndex from, SiteIndex to, const std::string& shell) const;
  // Unit vector from `site` to its nearest site of `sublattice` (the bond axis).
  Vec3 axis_of(SiteIndex site, const std::string& sublattice) const;

  const lattice::SiteGraph& graph_;
  std::vector<std::string> occupants_;
};

}  // namespace ionhop::atomistic
