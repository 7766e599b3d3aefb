// Hop environments for barrier sampling: varied sites, symmetry operations that fix the
// hop, canonical keys, exhaustive enumeration (Burnside count) and stratified sampling.
#include <catch2/catch.hpp>
#include <set>

#include "../test_support.hpp"
#include "ionhop/barriers/hop_environment.hpp"
#include "ionhop/io/lattice_file.hpp"

using namespace ionhop;

namespace {
lattice::SiteGraph perovskite_graph(int n) {
  return lattice::SiteGraph(io::load_crystal(test::source_path("lattices/cspbi3_cubic.json")),
                            {n, n, n});
}
lattice::SiteIndex first_x_site(const lattice::SiteGraph& g) {
  return g.sites_of_sublattice("X").front();
}
}  // namespace

TEST_CASE("a perovskite X-X hop: varied sites and the operations that fix it",
          "[barriers][environment]") {
  const auto graph = perovskite_graph(3);
  const auto from = first_x_site(graph);
  const auto env = barriers::hop_environment(graph, from, 0, "X-X");
  // Varied sites: the X neighbours of either hop site, except the two hop sites.
  std::set<lattice::SiteIndex> expected;
  for (auto c : {env.from, env.to})
    for (auto n : graph.hop_targets(c))
      if (n != env.from && n != env.to) expected.insert(n);
  CHECK(env.sites == std::vector<lattice::SiteIndex>(expected.begin(), expected.end()));
  // Identity first; every operation is a permutation of the varied sites.
  REQUIRE(!env.symmetries.empty());
  for (std::size_t k = 0; k < env.sites.size(); ++k) CHECK(env.symmetries[0][k] == k);
  for (const auto& perm : env.symmetries) {
    std::set<std::size_t> image(perm.begin(), perm.end());
    CHECK(image.size() == env.sites.size());
  }
  // Pm-3m: the operations fixing both ends of an octahedron edge are the identity and the
  // mirror through the plane of the Pb–X–X–Pb square; check closure rather than a count.
  CHECK(env.symmetries.size() == 2);
  CHECK(env.sites.size() == 12);
  std::set<std::vector<std::size_t>> group(env.symmetries.begin(), env.symmetries.end());
  for (const auto& a : env.symmetries)
    for (const auto& b : env.symmetries) {
      std::vector<std::size_t> ab(a.size());
      for (std::size_t k = 0; k < a.size(); ++k) ab[k] = a[b[k]];
      CHECK(group.count(ab) == 1);
    }
}

TEST_CASE("exhaustive enumeration gives the Burnside count of distinct occupations",
          "[barriers][environment]") {
  const auto graph = perovskite_graph(3);
  const auto env = barriers::hop_environment(graph, first_x_site(graph), 0, "X-X");
  const auto all = barriers::enumerate_occupations(env, 2, {0, 1}, 1u << 20);
  // Burnside: distinct binary occupations = (1/|G|) Σ_g 2^{cycles(g)}.
  double burnside = 0;
  for (const auto& perm : env.symmetries) {
    std::vector<bool> seen(perm.size(), false);
    int cycles = 0;
    for (std::size_t k = 0; k < perm.size(); ++k) {
      if (seen[k]) continue;
      ++cycles;
      for (std::size_t x = k; !seen[x]; x = perm[x]) seen[x] = true;
    }
    burnside += std::pow(2.0, cycles);
  }
  burnside /= static_cast<double>(env.symmetries.size());
  CHECK(all.size() == static_cast<std::size_t>(2 * burnside));  // two moving species
  std::set<std::string> keys;
  for (const auto& o : all) keys.insert(o.key);
  CHECK(keys.size() == all.size());
  // Keys are invariant: applying any symmetry to an occupation gives the same key.
  for (const auto& o : all)
    for (const auto& perm : env.symmetries) {
      std::vector<std::uint8_t> image(o.occupants.size());
      for (std::size_t k = 0; k < perm.size(); ++k) image[perm[k]] = o.occupants[k];
      CHECK(barriers::canonical_key(env, o.moving, image) == o.key);
    }
  CHECK_THROWS_AS(barriers::enumerate_occupations(env, 2, {0}, 100), InputError);
}

TEST_CASE("stratified sampling covers every stratum and is reproducible",
          "[barriers][environment]") {
  const auto graph = perovskite_graph(3);
  const auto env = barriers::hop_environment(graph, first_x_site(graph), 0, "X-X");
  const std::size_t m = env.sites.size();
  const auto a = barriers::sample_occupations(env, 2, {0, 1}, 3 * (m + 1), 7);
  const auto b = barriers::sample_occupations(env, 2, {0, 1}, 3 * (m + 1), 7);
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i].key == b[i].key);
  std::set<std::pair<std::size_t, std::size_t>> strata;
  std::set<std::string> keys;
  for (const auto& o : a) {
    strata.insert({o.moving, static_cast<std::size_t>(
                                 std::count(o.occupants.begin(), o.occupants.end(), 1))});
    keys.insert(o.key);
  }
  CHECK(strata.size() == 2 * (m + 1));  // every count of the second species, per mover
  CHECK(keys.size() == a.size());       // no duplicates
  // Strata 0 and m hold one occupation each; the others 3.
  CHECK(a.size() == 2 * (2 + 3 * (m - 1)));
}
