// The local environment of a defect hop for barrier sampling: which sites around the hop
// have their occupants varied, the point-group operations that leave the hop unchanged
// (so symmetry-equivalent occupations are computed once), and exhaustive or stratified
// random choices of occupations (issue 4 §5).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ionhop/lattice/site_graph.hpp"

namespace ionhop::barriers {

struct HopEnvironment {
  lattice::SiteIndex from = 0, to = 0;  // the defect moves from → to
  lattice::Vec3 hop_angstrom = lattice::Vec3::Zero();
  // Varied sites: the neighbours (environment shell) of `from` and of `to`, without the two
  // hop sites themselves, in increasing site order.
  std::vector<lattice::SiteIndex> sites;
  // Each symmetry operation that fixes `from` and `to` as a permutation of `sites`
  // (sites[k] ↦ sites[perm[k]]); the identity is first.
  std::vector<std::vector<std::size_t>> symmetries;
};

// Builds the environment of the hop from `from` along hop k of the site graph (index into
// hop_targets(from)), varying the neighbours in hop shell `environment_shell`. Operations
// are the 48 signed axis permutations about the hop's midpoint that map the crystal onto
// itself; those that do not are dropped, so a non-cubic crystal simply has fewer.
// Throws InputError (no file) for an unknown shell or a hop index out of range.
HopEnvironment hop_environment(const lattice::SiteGraph& graph, lattice::SiteIndex from,
                               std::size_t hop, const std::string& environment_shell);

// One occupation of the varied sites (index into a species list per site) plus the species
// of the moving ion, and its canonical key: the lexicographically smallest image under
// the hop's symmetries, written "<moving>|<one letter per site>" (letters a, b, … index
// the species list), so equivalent occupations share one key.
struct EnvironmentOccupation {
  std::size_t moving = 0;
  std::vector<std::uint8_t> occupants;
  std::string key;
  // Campaigns may compute one occupation several times from different symmetry-breaking
  // starts (CampaignSettings::repeats): the spread measures that noise.
  std::size_t repeat = 0;
};

std::string canonical_key(const HopEnvironment& environment, std::size_t moving,
                          const std::vector<std::uint8_t>& occupants);

// Every symmetry-distinct occupation of the varied sites by `species_count` species, for
// each moving species in `moving_species`; throws InputError when there are more than
// `max_count` raw occupations (use stratified sampling then).
std::vector<EnvironmentOccupation> enumerate_occupations(
    const HopEnvironment& environment, std::size_t species_count,
    const std::vector<std::size_t>& moving_species, std::size_t max_count);

// Stratified random sample: for each moving species, the strata are the numbers of sites
// held by each species other than the first (for two species: the count of the second,
// 0 … M); the budget per moving species is shared equally among strata, and a stratum with
// fewer distinct occupations than its share gives all of them. Deterministic for a seed.
std::vector<EnvironmentOccupation> sample_occupations(
    const HopEnvironment& environment, std::size_t species_count,
    const std::vector<std::size_t>& moving_species, std::size_t budget_per_moving_species,
    std::uint64_t seed);

}  // namespace ionhop::barriers
