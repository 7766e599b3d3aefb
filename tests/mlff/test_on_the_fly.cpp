// On-the-fly learning (mlff::run_on_the_fly) with the shipped CsPbI3 pair potential as the
// reference: only uncertain frames are labelled, the budget holds, learning lowers the force
// error on independent MD frames, and a killed run resumes bit-identically.
#include <catch2/catch.hpp>
#include <iostream>
#include <random>
#include <stdexcept>

#include "ionhop/atomistic/fire.hpp"
#include "ionhop/atomistic/molecular_dynamics.hpp"
#include "ionhop/atomistic/pair_potential.hpp"
#include "ionhop/atomistic/rattle.hpp"
#include "ionhop/atomistic/supercell_builder.hpp"
#include "ionhop/io/lattice_file.hpp"
#include "ionhop/io/pair_potential_file.hpp"
#include "ionhop/mlff/on_the_fly.hpp"
#include "ionhop/mlff/validation.hpp"
#include "pair_reference.hpp"

using namespace ionhop;
using atomistic::Structure;

namespace {

Structure perfect_cell() {
  static const lattice::Crystal crystal =
      io::load_crystal(test::source_path("lattices/cspbi3_cubic.json"));
  static const lattice::SiteGraph graph(crystal, {2, 2, 2});
  return atomistic::SupercellBuilder(graph).perfect();
}

// The bootstrap set: rattled copies (σ = 0.1 Å) labelled by the pair potential.
std::vector<mlff::TrainingFrame> bootstrap(std::size_t count) {
  return test::pair_bootstrap(perfect_cell(), count, 7);
}

mlff::OnTheFlySettings settings(std::size_t budget) {
  mlff::OnTheFlySettings s;
  s.descriptor.elements = {"Cs", "I", "Pb"};
  s.descriptor.cutoff_angstrom = 5.5;
  s.descriptor.radial_order = 6;
  s.descriptor.angular_radial_order = 3;
  s.descriptor.angular_order = 2;
  s.fit.energy_sigma_ev_per_atom = 0.002;
  s.fit.force_sigma_ev_per_angstrom = 0.05;
  s.fit.ridge_lambda = 1e-3;
  s.temperatures_k = {650};
  s.steps_per_temperature = 300;
  s.timestep_fs = 2;
  s.friction_per_fs = 0.01;
  s.seed = 3;
  s.check_every_steps = 10;
  s.force_uncertainty_threshold_ev_per_angstrom = 0.25;
  s.reference_budget = budget;
  return s;
}

// Independent MD frames of the reference itself at 650 K: the distribution the model must
// describe after learning.
std::vector<mlff::TrainingFrame> reference_md_frames() {
  atomistic::MdState state;
  state.structure = perfect_cell();
  atomistic::assign_maxwell_boltzmann_velocities(state, 650, 99);
  atomistic::LangevinDynamics md(test::pair_reference(), {650, 2.0, 0.01, 99}, state);
  std::vector<mlff::TrainingFrame> out;
  for (int k = 0; k < 8; ++k) {
    md.run(50);
    out.push_back(test::pair_labelled(md.state().structure));
  }
  return out;
}

}  // namespace

TEST_CASE("On-the-fly learning labels only uncertain frames and learns the MD distribution",
          "[mlff][on-the-fly]") {
  const auto initial = bootstrap(6);
  const auto s = settings(10);
  std::vector<double> checked, labelled_sigmas;
  mlff::OnTheFlyCallbacks cb;
  cb.checked = [&](const mlff::OnTheFlyCallbacks::Check& c) {
    checked.push_back(c.uncertainty_ev_per_angstrom);
  };
  cb.labelled = [&](const mlff::TrainingFrame&, double, std::uint64_t, double sigma) {
    labelled_sigmas.push_back(sigma);
  };
  const auto result =
      mlff::run_on_the_fly(initial, {}, perfect_cell(), s, test::pair_labeller(), cb);
  REQUIRE(result.reference_calls <= s.reference_budget);
  REQUIRE(result.labelled.size() == result.reference_calls);  // no failures
  REQUIRE(result.labelled.size() == labelled_sigmas.size());
  REQUIRE(!labelled_sigmas.empty());  // rattled cells do not cover 650 K MD
  for (double sigma : labelled_sigmas) CHECK(sigma > s.force_uncertainty_threshold_ev_per_angstrom);
  // Every check above the threshold was labelled (no gap, budget left) unless the budget ran out.
  std::size_t above = 0;
  for (double sigma : checked) above += sigma > s.force_uncertainty_threshold_ev_per_angstrom;
  if (!result.budget_exhausted) CHECK(above == labelled_sigmas.size());

  // The learned model describes independent reference MD better than the bootstrap model.
  const auto md_frames = reference_md_frames();
  const auto before = mlff::fit_linear_model(s.descriptor, initial, s.fit);
  const double mae_before =
      mlff::validation_metrics(mlff::predict_frames(before, md_frames)).force_mae_ev_per_angstrom;
  const double mae_after = mlff::validation_metrics(mlff::predict_frames(result.model, md_frames))
                               .force_mae_ev_per_angstrom;
  std::cout << "[on-the-fly] " << result.labelled.size()
            << " labels; force MAE on reference MD frames: bootstrap model " << 1e3 * mae_before
            << " meV/A, learned model " << 1e3 * mae_after << " meV/A\n";
  CHECK(mae_after < 0.8 * mae_before);
}

TEST_CASE("On-the-fly learning respects the budget and resumes bit-identically",
          "[mlff][on-the-fly]") {
  const auto initial = bootstrap(6);
  const auto s = settings(4);
  const auto full = mlff::run_on_the_fly(initial, {}, perfect_cell(), s, test::pair_labeller());
  REQUIRE(full.reference_calls == 4);
  REQUIRE(full.budget_exhausted);

  // The same run killed during its third label: what was persisted is the labels so far and
  // the checkpoint written after the second.
  std::vector<mlff::TrainingFrame> persisted;
  std::optional<mlff::OnTheFlyCheckpoint> last;
  mlff::OnTheFlyCallbacks cb;
  cb.labelled = [&](const mlff::TrainingFrame& f, double, std::uint64_t, double) {
    persisted.push_back(f);
  };
  cb.checkpoint = [&](const mlff::OnTheFlyCheckpoint& cp) { last = cp; };
  const mlff::Labeller dies_on_third = [](const Structure& st, std::size_t index) {
    if (index == 2) throw std::runtime_error("killed");
    return test::pair_labeller()(st, index);
  };
  REQUIRE_THROWS_AS(mlff::run_on_the_fly(initial, {}, perfect_cell(), s, dies_on_third, cb),
                    std::runtime_error);
  REQUIRE(persisted.size() == 2);
  REQUIRE(last);
  REQUIRE(last->reference_calls == 2);

  const auto resumed =
      mlff::run_on_the_fly(initial, persisted, perfect_cell(), s, test::pair_labeller(), {}, last);
  REQUIRE(resumed.labelled.size() == full.labelled.size());
  for (std::size_t k = 0; k < full.labelled.size(); ++k)
    CHECK(resumed.labelled[k].structure.positions_angstrom ==
          full.labelled[k].structure.positions_angstrom);
  CHECK(resumed.model.weights() == full.model.weights());
}

TEST_CASE("A relaxation segment (T = 0) learns where FIRE goes", "[mlff][on-the-fly]") {
  const auto initial = bootstrap(6);
  auto s = settings(6);
  s.temperatures_k = {0};
  s.steps_per_temperature = 400;
  std::vector<double> kinetic;
  mlff::OnTheFlyCallbacks cb;
  cb.checked = [&](const mlff::OnTheFlyCallbacks::Check& c) {
    kinetic.push_back(c.kinetic_temperature_k);
    CHECK(c.temperature_k == 0);
  };
  const auto result =
      mlff::run_on_the_fly(initial, {}, perfect_cell(), s, test::pair_labeller(), cb);
  REQUIRE(!kinetic.empty());
  for (double t : kinetic) CHECK(t == 0);  // no MD: FIRE steps
  REQUIRE(result.segments.size() == 1);
  CHECK(result.segments[0].steps <= s.steps_per_temperature);
  // The learned model relaxes the same symmetry-broken start without leaving its data.
  Structure start = perfect_cell(), twin = perfect_cell();
  atomistic::rattle_endpoints(start, twin, mlff::kRelaxationRattleAngstrom, s.seed);
  atomistic::FireSettings fire;
  fire.force_tolerance_ev_per_angstrom = 0.01;
  fire.max_steps = 2000;
  const auto relaxed = atomistic::relax(result.model, start, fire);
  const auto sigma = mlff::max_force_uncertainty_ev_per_angstrom(result.model, relaxed.structure);
  std::cout << "[on-the-fly] relaxation segment: " << result.labelled.size()
            << " labels; FIRE with the learned model ends at max-atom sigma_F " << sigma
            << " eV/A\n";
  CHECK(sigma < s.force_uncertainty_threshold_ev_per_angstrom);
}

TEST_CASE("On-the-fly learning rejects bad settings", "[mlff][on-the-fly][bad-input]") {
  const auto initial = bootstrap(2);
  auto s = settings(1);
  Structure charged = perfect_cell();
  charged.charge_e = 1;
  CHECK_THROWS_AS(mlff::run_on_the_fly(initial, {}, charged, s, test::pair_labeller()), InputError);
  s.temperatures_k.clear();
  CHECK_THROWS_AS(mlff::run_on_the_fly(initial, {}, perfect_cell(), s, test::pair_labeller()),
                  InputError);
  s = settings(1);
  s.force_uncertainty_threshold_ev_per_angstrom = 0;
  CHECK_THROWS_AS(mlff::run_on_the_fly(initial, {}, perfect_cell(), s, test::pair_labeller()),
                  InputError);
  s = settings(1);
  CHECK_THROWS_AS(mlff::run_on_the_fly({}, {}, perfect_cell(), s, test::pair_labeller()),
                  InputError);
}

TEST_CASE("The training-domain check flags structures far from the MLFF's data",
          "[mlff][on-the-fly]") {
  const auto initial = bootstrap(6);
  const auto s = settings(0);
  const auto model = mlff::fit_linear_model(s.descriptor, initial, s.fit);
  // A rattled cell 8 % smaller: outside the data. (Not the perfect cell: by inversion
  // symmetry its force features have zero gradients, so σ_F = 0 there whatever the model.)
  Structure compressed = initial[1].structure;
  compressed.cell_angstrom *= 0.92;
  compressed.positions_angstrom *= 0.92;
  const auto c =
      mlff::check_training_domain(model, {initial[0].structure, compressed},
                                  mlff::kDefaultUncertaintyWarningEvPerAngstrom, "test structure");
  REQUIRE(c.applicable);
  REQUIRE(c.max_force_uncertainty_ev_per_angstrom.size() == 2);
  CHECK(c.max_force_uncertainty_ev_per_angstrom[0] < c.threshold_ev_per_angstrom);
  CHECK(c.max_force_uncertainty_ev_per_angstrom[1] > c.threshold_ev_per_angstrom);
  CHECK(c.outside == std::vector<std::size_t>{1});
  CHECK_THAT(c.warning, Catch::Contains("1 of 2 test structures outside"));
  // A classical potential has no such measure.
  CHECK_FALSE(
      mlff::check_training_domain(test::pair_reference(), {compressed}, 0.25, "x").applicable);
}
