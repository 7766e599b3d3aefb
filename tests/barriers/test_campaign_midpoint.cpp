// Campaigns through a midpoint state (CampaignSettings::midpoint_start): the half band from
// the initial endpoint A to the self-mirror state M stands for the whole hop A -> M -> B.
// Checked on the iodide-vacancy hop of a 2×2×2 CsPbI3 cell (frozen host beyond 4.5 Å) with
// the illustrative Buckingham–Coulomb potential, whose hop has one saddle on the mirror plane,
// and with that potential plus a Gaussian well for the hopping atom centred on that saddle,
// which turns it into an intermediate minimum between two equal saddles.
#include <catch2/catch.hpp>
#include <cmath>

#include "../test_support.hpp"
#include "ionhop/atomistic/hop_mirror.hpp"
#include "ionhop/atomistic/supercell_builder.hpp"
#include "ionhop/barriers/campaign.hpp"
#include "ionhop/io/lattice_file.hpp"
#include "ionhop/io/pair_potential_file.hpp"

using namespace ionhop;
using atomistic::Vec3;

namespace {
lattice::SiteGraph cspbi3_graph() {
  return lattice::SiteGraph(io::load_crystal(test::source_path("lattices/cspbi3_cubic.json")),
                            {2, 2, 2});
}

const atomistic::PairPotential& illustrative_potential() {
  static const atomistic::PairPotential p = io::load_pair_potential(
      test::source_path("examples/potentials/cspbi3_buckingham_coulomb.json"));
  return p;
}

// base + E_w, E_w = −D exp(−|r_a − c|² / 2w²) for one atom a (the hop's extra atom, which the
// mirror maps onto itself) with c on the mirror plane: the sum keeps the mirror symmetry.
// F_a = −∇E_w = −D g (r_a − c) / w², g the Gaussian.
class WellOnPlane : public atomistic::Potential {
 public:
  WellOnPlane(const atomistic::Potential& base, std::size_t atom, Vec3 centre, double depth_ev,
              double width_angstrom)
      : base_(base), atom_(atom), centre_(centre), depth_(depth_ev), width_(width_angstrom) {}
  std::string name() const override { return "test-well"; }
  std::string parameters_json() const override { return "{}"; }
  atomistic::EnergyForces compute(const atomistic::Structure& s) const override {
    atomistic::EnergyForces out = base_.compute(s);
    const auto a = static_cast<Eigen::Index>(atom_);
    const Vec3 d = s.minimum_image(Vec3(s.positions_angstrom.col(a) - centre_));
    const double g = std::exp(-d.squaredNorm() / (2 * width_ * width_));
    out.energy_ev -= depth_ * g;
    out.forces_ev_per_angstrom.col(a) -= depth_ * g * d / (width_ * width_);
    out.has_stress = false;
    return out;
  }

 private:
  const atomistic::Potential& base_;
  std::size_t atom_;
  Vec3 centre_;
  double depth_, width_;
};

barriers::CampaignSettings vacancy_settings() {
  barriers::CampaignSettings s;
  s.defect_name = "V_I^+";
  s.cell_charge_e = 1;
  s.species = {"I"};
  s.moving_species = {"I"};
  s.mode = barriers::SamplingMode::exhaustive;
  s.seed = 3;
  s.rattle_angstrom = 0.03;
  s.endpoints = atomistic::EndpointMode::kMirror;
  s.fix_beyond_angstrom = 4.5;
  s.neb.images = 9;
  s.neb.max_steps = 4000;
  s.neb.force_tolerance_ev_per_angstrom = 0.005;
  s.neb.endpoint_relaxation.force_tolerance_ev_per_angstrom = 0.002;
  s.neb.endpoint_relaxation.max_steps = 5000;
  return s;
}

atomistic::HopMirror hop_mirror(const lattice::SiteGraph& graph,
                                const barriers::CampaignSettings& s,
                                const barriers::CampaignPlan& plan) {
  const auto ends = atomistic::SupercellBuilder(graph).vacancy_hop(
      plan.environment.from, plan.environment.to, s.hop_shell);
  return atomistic::find_hop_mirror(ends.initial, ends.final);
}

// The whole hop A -> B with the plain potential (mirror endpoints, Vineyard on): one saddle,
// where the middle image crosses the mirror plane. (Without the frozen host the soft
// illustrative lattice tilts along the band, whose images then fall below the endpoints.)
const barriers::SampleOutcome& plain_hop() {
  static const barriers::SampleOutcome out = [] {
    const auto graph = cspbi3_graph();
    auto s = vacancy_settings();
    s.vineyard = true;
    const auto plan = barriers::plan_campaign(graph, s);
    return barriers::run_sample(graph, illustrative_potential(), s, plan.environment,
                                plan.occupations.front());
  }();
  return out;
}
}  // namespace

TEST_CASE("campaign midpoint: the half band through an intermediate is the whole hop",
          "[barriers][campaign][midpoint]") {
  const auto graph = cspbi3_graph();
  auto full = vacancy_settings();
  full.vineyard = true;
  const auto plan = barriers::plan_campaign(graph, full);
  const atomistic::HopMirror mirror = hop_mirror(graph, full, plan);
  // The well's centre: the hopping atom at the plain hop's saddle (the climbing image, on the
  // plane). 0.3 eV deep, 0.35 Å wide: the plain saddle becomes a minimum between two saddles.
  INFO("plain hop: " << plain_hop().failure);
  REQUIRE(plain_hop().sample.converged);
  const Vec3 centre = mirror.symmetrize(plain_hop().neb.saddle)
                          .positions_angstrom.col(static_cast<Eigen::Index>(mirror.moving_atom));
  const WellOnPlane potential(illustrative_potential(), mirror.moving_atom, centre, 0.3, 0.35);
  const auto whole =
      barriers::run_sample(graph, potential, full, plan.environment, plan.occupations.front());
  INFO("whole hop: " << whole.failure);
  REQUIRE(whole.sample.converged);
  // The whole band has the intermediate: its middle image is below the climbing image.
  const std::size_t middle = whole.neb.energies_ev.size() / 2;
  const double middle_ev = whole.neb.energies_ev[middle] - whole.neb.energies_ev.front();
  for (double e : whole.neb.energies_ev) UNSCOPED_INFO(e - whole.neb.energies_ev.front());
  REQUIRE(middle_ev < whole.sample.barrier_ev - 0.02);

  auto half = full;
  half.midpoint_start = whole.neb.images[middle];
  REQUIRE_NOTHROW(barriers::plan_campaign(graph, half));
  const auto out =
      barriers::run_sample(graph, potential, half, plan.environment, plan.occupations.front());
  INFO("half band: " << out.failure);
  REQUIRE(out.sample.converged);
  const auto& s = out.sample;
  // The same saddle (one of the two mirror-image saddles of the whole band) above the same
  // minimum: equal barriers to what the band force tolerances (5 meV/Å) leave.
  CHECK(s.barrier_ev == Approx(whole.sample.barrier_ev).margin(2e-3));
  CHECK(s.reaction_energy_ev == 0);
  // M is the intermediate: the relaxed self-mirror state, below the saddle, exactly on the
  // plane, and no higher than the whole band's middle image.
  REQUIRE(s.midpoint_energy_ev);
  CHECK(*s.midpoint_energy_ev < s.barrier_ev - 0.02);
  CHECK(*s.midpoint_energy_ev <= middle_ev + 1e-3);
  CHECK(mirror.asymmetry_angstrom(out.neb.images.back()) < 1e-6);
  // Here M is symmetric, so the lowest state on the plane next to it is M itself.
  REQUIRE(s.mirror_plane_energy_ev);
  CHECK(*s.mirror_plane_energy_ev == Approx(*s.midpoint_energy_ev).margin(1e-3));
  // A and B are the whole band's endpoints, one hop apart.
  REQUIRE(s.endpoint_separation_angstrom);
  CHECK(*s.endpoint_separation_angstrom ==
        Approx(*whole.sample.endpoint_separation_angstrom).margin(1e-3));
  // From M the ion goes on or back with equal probability: half the prefactor of A -> saddle,
  // which the whole band computes from the same minimum and a mirror-equivalent saddle
  // (finite-difference Hessians of slightly different converged points: a few per cent).
  REQUIRE(s.attempt_frequency_hz);
  REQUIRE(whole.sample.attempt_frequency_hz);
  CHECK(*s.attempt_frequency_hz == Approx(0.5 * *whole.sample.attempt_frequency_hz).epsilon(0.05));
}

TEST_CASE("campaign midpoint: a midpoint that is the hop's saddle fails the sample",
          "[barriers][campaign][midpoint]") {
  // The plain potential: one saddle, on the mirror plane. The self-mirror state relaxed from
  // the band's middle image is that saddle, so the half band has no lower intermediate.
  const auto graph = cspbi3_graph();
  auto half = vacancy_settings();
  const auto plan = barriers::plan_campaign(graph, half);
  INFO("plain hop: " << plain_hop().failure);
  REQUIRE(plain_hop().sample.converged);
  half.midpoint_start = plain_hop().neb.images[plain_hop().neb.images.size() / 2];
  const auto out = barriers::run_sample(graph, illustrative_potential(), half, plan.environment,
                                        plan.occupations.front());
  CHECK_FALSE(out.sample.converged);
  CHECK(std::isnan(out.sample.barrier_ev));
  CHECK_FALSE(out.sample.midpoint_energy_ev);
  CHECK_THAT(out.failure, Catch::Contains("half band's maximum"));
}

TEST_CASE("campaign midpoint: bad midpoint states and settings are refused at plan time",
          "[barriers][campaign][midpoint][bad-input]") {
  const auto graph = cspbi3_graph();
  auto s = vacancy_settings();
  const auto plan = barriers::plan_campaign(graph, s);
  const atomistic::SupercellBuilder builder(graph);
  const auto ends = builder.vacancy_hop(plan.environment.from, plan.environment.to, s.hop_shell);
  s.midpoint_start_path = "m.extxyz";
  SECTION("the initial endpoint itself: the extra atom is a hop away from its mirror image") {
    s.midpoint_start = ends.initial;
    CHECK_THAT(test::input_error_of([&] { barriers::plan_campaign(graph, s); }),
               Catch::Contains("/sampling/midpoint_start") && Catch::Contains("m.extxyz") &&
                   Catch::Contains("not its own mirror image"));
  }
  SECTION("another atom count") {
    atomistic::Structure one = ends.initial;
    one.elements.resize(1);
    one.positions_angstrom.conservativeResize(3, 1);
    s.midpoint_start = one;
    CHECK_THAT(test::input_error_of([&] { barriers::plan_campaign(graph, s); }),
               Catch::Contains("/sampling/midpoint_start") && Catch::Contains("has 1 atoms"));
  }
  SECTION("endpoints that are not mirror images") {
    s.midpoint_start = ends.initial;
    s.endpoints = atomistic::EndpointMode::kIndependent;
    CHECK_THAT(test::input_error_of([&] { barriers::plan_campaign(graph, s); }),
               Catch::Contains("\"endpoints\": \"mirror\""));
  }
}
