// Environment-sampling campaigns (barriers/campaign): planning errors, the initial-state
// occupants of an occupation, and run_sample on a 2×2×2 cubic CsPbI3 cell with the
// illustrative Buckingham–Coulomb potential (environment counts, a converged CI-NEB sample,
// and a sample whose NEB cannot converge recorded as a failure with NaN energies).
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <numeric>

#include "../test_support.hpp"
#include "ionhop/barriers/campaign.hpp"
#include "ionhop/io/lattice_file.hpp"
#include "ionhop/io/pair_potential_file.hpp"

using namespace ionhop;

namespace {
lattice::SiteGraph cspbi3_graph(int n) {
  return lattice::SiteGraph(io::load_crystal(test::source_path("lattices/cspbi3_cubic.json")),
                            {n, n, n});
}

// A pure-iodide vacancy campaign: one distinct occupation per moving species; a short
// 3-image band so that a full sample takes well under a second.
barriers::CampaignSettings iodide_settings() {
  barriers::CampaignSettings s;
  s.defect_name = "V_I^+";
  s.species = {"I"};
  s.moving_species = {"I"};
  s.mode = barriers::SamplingMode::exhaustive;
  s.max_exhaustive = 16;
  s.seed = 7;
  s.neb.images = 3;
  s.neb.max_steps = 1000;
  s.neb.endpoint_relaxation.force_tolerance_ev_per_angstrom = 0.02;
  s.neb.endpoint_relaxation.max_steps = 3000;
  return s;
}

int total(const std::map<std::string, int>& counts) {
  return std::accumulate(counts.begin(), counts.end(), 0,
                         [](int a, const auto& kv) { return a + kv.second; });
}

const atomistic::PairPotential& illustrative_potential() {
  static const atomistic::PairPotential p = io::load_pair_potential(
      test::source_path("examples/potentials/cspbi3_buckingham_coulomb.json"));
  return p;
}
}  // namespace

TEST_CASE(
    "campaign: plan_campaign rejects unknown shells, foreign moving species and off-sublattice "
    "sites",
    "[barriers][campaign]") {
  const auto graph = cspbi3_graph(2);
  SECTION("unknown environment shell") {
    auto s = iodide_settings();
    s.environment_shell = "X-Y";
    CHECK_THROWS_AS(barriers::plan_campaign(graph, s), InputError);
  }
  SECTION("unknown hop shell") {
    auto s = iodide_settings();
    s.hop_shell = "B-B";
    CHECK_THAT(test::input_error_of([&] { barriers::plan_campaign(graph, s); }),
               Catch::Contains("unknown hop shell 'B-B'"));
  }
  SECTION("moving species not among the varied species") {
    auto s = iodide_settings();
    s.moving_species = {"I", "Br"};
    CHECK_THAT(test::input_error_of([&] { barriers::plan_campaign(graph, s); }),
               Catch::Contains("'Br'") && Catch::Contains("not one of the varied species"));
  }
  SECTION("from_site on another sublattice") {
    auto s = iodide_settings();
    const auto b_sites = graph.sites_of_sublattice("B");
    REQUIRE(!b_sites.empty());
    s.from_site = static_cast<std::int64_t>(b_sites.front());
    CHECK_THAT(test::input_error_of([&] { barriers::plan_campaign(graph, s); }),
               Catch::Contains("is not a site of sublattice 'X'"));
  }
  SECTION("from_site beyond the supercell") {
    auto s = iodide_settings();
    s.from_site = static_cast<std::int64_t>(graph.site_count());
    CHECK_THAT(test::input_error_of([&] { barriers::plan_campaign(graph, s); }),
               Catch::Contains("is not a site of sublattice 'X'"));
  }
  SECTION("a valid pure-iodide plan has one occupation") {
    const auto plan = barriers::plan_campaign(graph, iodide_settings());
    CHECK(plan.occupations.size() == 1);
    CHECK(plan.environment.from == graph.sites_of_sublattice("X").front());
  }
}

TEST_CASE(
    "campaign: initial_site_occupants: the mover on `to`, the varied occupants on their sites",
    "[barriers][campaign]") {
  const auto graph = cspbi3_graph(2);
  auto s = iodide_settings();
  s.species = {"I", "Br"};
  s.moving_species = {"Br"};
  s.background = "Cl";  // other X sites: neither the lattice default nor a varied species
  const auto env = barriers::hop_environment(graph, graph.sites_of_sublattice("X").front(), 0,
                                             s.environment_shell);
  barriers::EnvironmentOccupation o;
  o.moving = 1;  // Br
  for (std::size_t k = 0; k < env.sites.size(); ++k)
    o.occupants.push_back(static_cast<std::uint8_t>(k % 2));  // I, Br, I, Br, ...
  o.key = barriers::canonical_key(env, o.moving, o.occupants);
  const auto occ = barriers::initial_site_occupants(graph, s, env, o);
  REQUIRE(occ.size() == graph.site_count());
  CHECK(occ[env.to] == "Br");
  for (std::size_t k = 0; k < env.sites.size(); ++k)
    CHECK(occ[env.sites[k]] == (k % 2 ? "Br" : "I"));
  // Everything else: background on X, basis occupants elsewhere.
  for (lattice::SiteIndex site = 0; site < graph.site_count(); ++site) {
    if (site == env.to || site == env.from ||
        std::find(env.sites.begin(), env.sites.end(), site) != env.sites.end())
      continue;
    const auto& basis = graph.crystal().basis[graph.basis_of(site)];
    CHECK(occ[site] == (basis.sublattice == "X" ? std::string("Cl") : basis.occupant));
  }
  CHECK(!occ[env.from].empty());  // the builder removes the vacancy's atom, not this list
  CHECK(barriers::sample_id(s, o) == "V_I^+/" + o.key);
}

TEST_CASE(
    "campaign: run_sample: a converged CI-NEB sample of an iodide-vacancy hop in 2x2x2 CsPbI3",
    "[barriers][campaign]") {
  const auto graph = cspbi3_graph(2);
  const auto settings = iodide_settings();
  const auto plan = barriers::plan_campaign(graph, settings);
  REQUIRE(plan.occupations.size() == 1);
  const auto out = barriers::run_sample(graph, illustrative_potential(), settings, plan.environment,
                                        plan.occupations.front());
  const auto& s = out.sample;
  INFO("failure: " << out.failure);
  CHECK(s.id == barriers::sample_id(settings, plan.occupations.front()));
  CHECK(s.defect == "V_I^+");
  CHECK(s.moving_species == "I");
  CHECK(s.occupation_key == plan.occupations.front().key);
  // All 8 X-X neighbours of the vacancy are occupied by I, the mover counted (it sits on a
  // neighbour of the vacancy before and after the hop).
  CHECK(total(s.initial_counts) == 8);
  CHECK(total(s.final_counts) == 8);
  CHECK(s.initial_counts.at("I") == 8);
  CHECK(s.final_counts.at("I") == 8);
  REQUIRE(s.converged);
  CHECK(out.failure.empty());
  CHECK(std::isfinite(s.barrier_ev));
  CHECK(s.barrier_ev >= 0);
  CHECK(s.barrier_ev >= s.reaction_energy_ev);
  REQUIRE(out.neb.energies_ev.size() == settings.neb.images + 2);
  const double e_max = *std::max_element(out.neb.energies_ev.begin(), out.neb.energies_ev.end());
  CHECK(s.barrier_ev == Approx(e_max - out.neb.energies_ev.front()).margin(1e-12));
  CHECK(s.reaction_energy_ev ==
        Approx(out.neb.energies_ev.back() - out.neb.energies_ev.front()).margin(1e-12));
}

TEST_CASE(
    "campaign: run_sample: a NEB that cannot converge gives converged=false, NaN and a reason",
    "[barriers][campaign]") {
  const auto graph = cspbi3_graph(2);
  const auto plan = barriers::plan_campaign(graph, iodide_settings());
  REQUIRE(plan.occupations.size() == 1);
  SECTION("the band: max_steps 1") {
    auto settings = iodide_settings();
    settings.neb.max_steps = 1;
    const auto out = barriers::run_sample(graph, illustrative_potential(), settings,
                                          plan.environment, plan.occupations.front());
    CHECK_FALSE(out.sample.converged);
    CHECK(std::isnan(out.sample.barrier_ev));
    CHECK(std::isnan(out.sample.reaction_energy_ev));
    CHECK_THAT(out.failure, Catch::Contains("CI-NEB did not converge"));
    CHECK(!out.neb.images.empty());  // the band exists (written as a path by the CLI)
    // The environment is known even when the energies are not.
    CHECK(total(out.sample.initial_counts) == 8);
    CHECK(total(out.sample.final_counts) == 8);
  }
  SECTION("the endpoints: endpoint relaxation limited to 1 step") {
    auto settings = iodide_settings();
    settings.neb.endpoint_relaxation.max_steps = 1;
    const auto out = barriers::run_sample(graph, illustrative_potential(), settings,
                                          plan.environment, plan.occupations.front());
    CHECK_FALSE(out.sample.converged);
    CHECK(std::isnan(out.sample.barrier_ev));
    CHECK(std::isnan(out.sample.reaction_energy_ev));
    CHECK_THAT(out.failure, Catch::Contains("did not converge"));
    CHECK(out.neb.images.empty());
  }
}

TEST_CASE("campaign: run_sample: a band guard stops a band or endpoint, failing the sample",
          "[barriers][campaign]") {
  const auto graph = cspbi3_graph(2);
  const auto plan = barriers::plan_campaign(graph, iodide_settings());
  REQUIRE(plan.occupations.size() == 1);
  const auto reference = barriers::run_sample(graph, illustrative_potential(), iodide_settings(),
                                              plan.environment, plan.occupations.front());
  REQUIRE(reference.sample.converged);
  REQUIRE(reference.neb.steps > 8);
  SECTION("a guard that objects at its third look stops the band there") {
    auto settings = iodide_settings();
    settings.band_guard_every_steps = 4;
    std::vector<std::size_t> band_sizes;
    std::size_t endpoint_looks = 0;
    settings.band_guard = [&](const std::vector<atomistic::Structure>& band) {
      if (band.size() == 1) {  // an endpoint relaxation (the last section)
        ++endpoint_looks;
        return std::string();
      }
      band_sizes.push_back(band.size());
      return band_sizes.size() == 3 ? std::string("test objection") : std::string();
    };
    const auto out = barriers::run_sample(graph, illustrative_potential(), settings,
                                          plan.environment, plan.occupations.front());
    CHECK(band_sizes.size() == 3);
    CHECK(endpoint_looks > 0);
    CHECK(band_sizes.front() == settings.neb.images + 2);  // endpoints included
    CHECK_FALSE(out.sample.converged);
    CHECK(std::isnan(out.sample.barrier_ev));
    CHECK(out.failure == "band stopped at step 8: test objection");  // looks at 0, 4, 8
    CHECK(out.neb.stopped);
    CHECK(out.neb.steps == 8);
    CHECK(out.neb.images.size() == settings.neb.images + 2);  // kept for the path file
  }
  SECTION("a guard that never objects changes nothing") {
    auto settings = iodide_settings();
    std::size_t looks = 0;
    settings.band_guard = [&](const std::vector<atomistic::Structure>&) {
      ++looks;
      return std::string();
    };
    const auto out = barriers::run_sample(graph, illustrative_potential(), settings,
                                          plan.environment, plan.occupations.front());
    CHECK(looks > 1);
    REQUIRE(out.sample.converged);
    CHECK(out.sample.barrier_ev == reference.sample.barrier_ev);  // bit for bit
    CHECK(out.neb.steps == reference.neb.steps);
  }
  SECTION("the guard watches the endpoint relaxations too, each as a band of one") {
    auto settings = iodide_settings();
    settings.band_guard_every_steps = 3;
    std::size_t endpoint_looks = 0;
    atomistic::Structure objected_to;
    settings.band_guard = [&](const std::vector<atomistic::Structure>& band) {
      if (band.size() != 1) return std::string();
      if (++endpoint_looks < 2) return std::string();
      objected_to = band.front();
      return std::string("endpoint objection");
    };
    const auto out = barriers::run_sample(graph, illustrative_potential(), settings,
                                          plan.environment, plan.occupations.front());
    // Looks at relaxation steps 0 and 3 of the initial endpoint; the second one objects.
    CHECK(endpoint_looks == 2);
    CHECK_FALSE(out.sample.converged);
    CHECK(std::isnan(out.sample.barrier_ev));
    CHECK(out.failure == "NEB endpoint initial stopped at relaxation step 3: endpoint objection");
    CHECK(out.neb.stopped);
    REQUIRE(out.neb.images.size() == 1);  // the structure the guard objected to, for the path file
    CHECK((out.neb.images.front().positions_angstrom.array() ==
           objected_to.positions_angstrom.array())
              .all());
    CHECK(out.neb.energies_ev.size() == 1);
    CHECK(out.neb.energies_ev.front() ==
          Approx(illustrative_potential().compute(objected_to).energy_ev).margin(1e-9));
  }
}

TEST_CASE("campaign: symmetric endpoints give a hop between equivalent minima",
          "[barriers][campaign]") {
  const auto graph = cspbi3_graph(2);
  auto settings = iodide_settings();
  settings.endpoints = atomistic::EndpointMode::kMirror;
  const auto plan = barriers::plan_campaign(graph, settings);
  const auto out = barriers::run_sample(graph, illustrative_potential(), settings, plan.environment,
                                        plan.occupations.front());
  INFO("failure: " << out.failure);
  REQUIRE(out.sample.converged);
  // The final endpoint is the mirror image of the relaxed initial one: same energy, so the
  // reaction energy vanishes and the barrier is the same in both directions.
  CHECK(out.sample.reaction_energy_ev == Approx(0).margin(1e-9));
  CHECK(out.neb.backward_barrier_ev == Approx(out.neb.forward_barrier_ev).margin(1e-9));
  // Only the hopping ion moves far: host atoms differ between the endpoints by the local
  // relaxation around the vacancy, not by a tilt-domain switch of the cell.
  const auto& a = out.neb.images.front();
  const auto& b = out.neb.images.back();
  const std::vector<double> moved = test::displacements_largest_first(a, b);
  CHECK(moved[0] > 3.0);  // the hop, ~a/√2 = 4.4 Å
  CHECK(moved[1] < moved[0] / 2);
}

TEST_CASE("campaign: shared-host endpoints with refinement leave no deeper image on the band",
          "[barriers][campaign]") {
  const auto graph = cspbi3_graph(2);
  auto settings = iodide_settings();
  settings.endpoints = atomistic::EndpointMode::kSharedHost;
  settings.max_endpoint_refinements = 5;
  const auto plan = barriers::plan_campaign(graph, settings);
  const auto out = barriers::run_sample(graph, illustrative_potential(), settings, plan.environment,
                                        plan.occupations.front());
  INFO("failure: " << out.failure);
  REQUIRE(out.sample.converged);
  CHECK(out.endpoint_refinements <= settings.max_endpoint_refinements);
  if (out.endpoint_refinements < settings.max_endpoint_refinements)
    CHECK_FALSE(atomistic::endpoints_to_refine(out.neb, settings.refine_tolerance_ev).needed());
  // One host: only the hopping ion moves far between the endpoints.
  const auto& a = out.neb.images.front();
  const auto& b = out.neb.images.back();
  const std::vector<double> moved = test::displacements_largest_first(a, b);
  CHECK(moved[0] > 3.0);
  CHECK(moved[1] < 1.0);
}

namespace {
// The split iodide interstitial (pair 2.8 Å apart, perpendicular to the Pb–I axis) hopping
// between nearest X sites, in a cell of charge −1: pure host, rattle off, so both endpoints
// start from symmetry-equivalent ideal positions.
barriers::CampaignSettings interstitial_settings() {
  auto s = iodide_settings();
  s.defect_name = "I_i^-";
  s.mechanism = rates::Mechanism::interstitial;
  s.interstitial = {"X", "I", 1.4, "B"};
  s.cell_charge_e = -1;
  s.rattle_angstrom = 0;
  return s;
}
}  // namespace

TEST_CASE("campaign: interstitial campaigns sample a pure host with the interstitial moving",
          "[barriers][campaign]") {
  const auto graph = cspbi3_graph(2);
  SECTION("two host species") {
    auto s = interstitial_settings();
    s.species = {"I", "Br"};
    CHECK_THAT(test::input_error_of([&] { barriers::plan_campaign(graph, s); }),
               Catch::Contains("pure host") && Catch::Contains("not 2"));
  }
  SECTION("shared-host endpoints (they reflect only the hopping atom)") {
    auto s = interstitial_settings();
    s.endpoints = atomistic::EndpointMode::kSharedHost;
    CHECK_THAT(test::input_error_of([&] { barriers::plan_campaign(graph, s); }),
               Catch::Contains("one-atom"));
  }
  SECTION("a moving species other than the interstitial's element") {
    auto s = interstitial_settings();
    s.species = {"Br"};
    s.moving_species = {"Br"};
    CHECK_THAT(test::input_error_of([&] { barriers::plan_campaign(graph, s); }),
               Catch::Contains("interstitial's element 'I'"));
  }
}

TEST_CASE("campaign: a split-interstitial hop between equivalent sites has no reaction energy",
          "[barriers][campaign]") {
  const auto graph = cspbi3_graph(2);
  const auto settings = interstitial_settings();
  const auto plan = barriers::plan_campaign(graph, settings);
  REQUIRE(plan.occupations.size() == 1);
  const auto out = barriers::run_sample(graph, illustrative_potential(), settings, plan.environment,
                                        plan.occupations.front());
  INFO("failure: " << out.failure);
  const auto& s = out.sample;
  CHECK(s.defect == "I_i^-");
  CHECK(s.moving_species == "I");
  // Every X site stays occupied: 8 iodide neighbours around both split sites.
  CHECK(s.initial_counts.at("I") == 8);
  CHECK(s.final_counts.at("I") == 8);
  REQUIRE(s.converged);
  REQUIRE(out.neb.images.front().size() == graph.site_count() + 1);
  CHECK(out.neb.images.front().charge_e == -1);
  // The two ideal endpoints are images of each other under the mirror of the hop, and the
  // potential has that symmetry: the relaxed endpoints differ in energy only by what the
  // relaxation tolerance leaves, |ΔE| ≲ F_tol · (displacement it leaves) ≪ 5 meV.
  CHECK(s.reaction_energy_ev == Approx(0).margin(5e-3));
  CHECK(s.barrier_ev > 0.01);
  CHECK(out.neb.backward_barrier_ev == Approx(s.barrier_ev).margin(5e-3));
  // The extra atom (appended last) moves farthest, and the defect — the centre of the split
  // pair, the extra atom with the host of `from` before and of `to` after — moves by one
  // X–X hop, a/√2 = 4.45 Å (within the relaxation of the pair).
  const auto& a = out.neb.images.front();
  const auto& b = out.neb.images.back();
  const auto extra = static_cast<Eigen::Index>(a.size() - 1);
  const auto host_from = static_cast<Eigen::Index>(plan.environment.from);
  const auto host_to = static_cast<Eigen::Index>(plan.environment.to);
  const atomistic::Vec3 d = a.minimum_image(
      atomistic::Vec3(b.positions_angstrom.col(extra) - a.positions_angstrom.col(extra)));
  CHECK(d.norm() == Approx(test::displacements_largest_first(a, b).front()).margin(1e-9));
  const atomistic::Vec3 x = a.positions_angstrom.col(extra);
  const atomistic::Vec3 centre_before =
      x + 0.5 * a.minimum_image(atomistic::Vec3(a.positions_angstrom.col(host_from) - x));
  const atomistic::Vec3 x_after = x + d;
  const atomistic::Vec3 centre_after =
      x_after + 0.5 * b.minimum_image(atomistic::Vec3(b.positions_angstrom.col(host_to) - x_after));
  const double a_lattice = graph.crystal().cell_angstrom.row(0).norm();
  CHECK((centre_after - centre_before).norm() == Approx(a_lattice / std::sqrt(2.0)).margin(0.3));
}

TEST_CASE("campaign: mirror endpoints make a split-interstitial hop exactly symmetric",
          "[barriers][campaign]") {
  const auto graph = cspbi3_graph(2);
  auto settings = interstitial_settings();
  settings.endpoints = atomistic::EndpointMode::kMirror;
  settings.rattle_angstrom = 0.05;  // broken symmetry, symmetrised by the mirror
  const auto plan = barriers::plan_campaign(graph, settings);
  const auto out = barriers::run_sample(graph, illustrative_potential(), settings, plan.environment,
                                        plan.occupations.front());
  INFO("failure: " << out.failure);
  REQUIRE(out.sample.converged);
  // The final endpoint is the mirror image of the relaxed initial one (hosts swapped): equal
  // energies to rounding, the same barrier both ways.
  CHECK(out.sample.reaction_energy_ev == Approx(0).margin(1e-9));
  CHECK(out.neb.backward_barrier_ev == Approx(out.neb.forward_barrier_ev).margin(1e-9));
}
