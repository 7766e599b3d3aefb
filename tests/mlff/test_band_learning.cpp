// On-the-fly learning along a CI-NEB band (mlff::run_band_learning) with the shipped CsPbI3
// pair potential as the reference: only uncertain structures are labelled, the budget holds,
// the learned band is trusted and its barrier matches the reference's own CI-NEB barrier on
// the same mirror-symmetric endpoints, and a killed run resumes bit-identically.
#include <algorithm>
#include <catch2/catch.hpp>
#include <iostream>
#include <random>
#include <stdexcept>

#include "ionhop/atomistic/fire.hpp"
#include "ionhop/atomistic/hop_mirror.hpp"
#include "ionhop/atomistic/pair_potential.hpp"
#include "ionhop/atomistic/rattle.hpp"
#include "ionhop/atomistic/supercell_builder.hpp"
#include "ionhop/core/error.hpp"
#include "ionhop/io/lattice_file.hpp"
#include "ionhop/io/pair_potential_file.hpp"
#include "ionhop/mlff/band_learning.hpp"
#include "pair_reference.hpp"

using namespace ionhop;
using atomistic::Structure;

namespace {

const atomistic::HopEndpoints& hop() {
  static const lattice::Crystal crystal =
      io::load_crystal(test::source_path("lattices/cspbi3_cubic.json"));
  static const lattice::SiteGraph graph(crystal, {2, 2, 2});
  static const atomistic::HopEndpoints ends = [] {
    const atomistic::SupercellBuilder b(graph);
    const auto from = graph.sites_of_sublattice("X").front();
    return b.vacancy_hop(from, graph.hop_targets(from).front(), "X-X");
  }();
  return ends;
}

// The bootstrap set: rattled copies (σ = 0.1 Å) labelled by the pair potential.
std::vector<mlff::TrainingFrame> bootstrap(std::size_t count) {
  return test::pair_bootstrap(hop().initial, count, 11);
}

mlff::BandLearningSettings settings(std::size_t budget) {
  mlff::BandLearningSettings s;
  s.descriptor.elements = {"Cs", "I", "Pb"};
  s.descriptor.cutoff_angstrom = 5.5;
  s.descriptor.radial_order = 6;
  s.descriptor.angular_radial_order = 3;
  s.descriptor.angular_order = 2;
  s.fit.energy_sigma_ev_per_atom = 0.002;
  s.fit.force_sigma_ev_per_angstrom = 0.05;
  s.fit.ridge_lambda = 1e-3;
  s.neb.images = 3;
  s.neb.force_tolerance_ev_per_angstrom = 0.05;
  s.neb.max_steps = 1500;
  s.neb.endpoint_relaxation.force_tolerance_ev_per_angstrom = 0.02;
  s.neb.endpoint_relaxation.max_steps = 3000;
  s.check_every_steps = 5;
  s.force_uncertainty_threshold_ev_per_angstrom = 0.25;
  s.reference_budget = budget;
  s.mirror = atomistic::find_hop_mirror(hop().initial, hop().final);
  s.endpoints = atomistic::EndpointMode::kMirror;
  return s;
}

Structure rattled_initial() {
  Structure a = hop().initial, b = hop().final;
  atomistic::rattle_endpoints(a, b, 0.05, 1);
  return a;
}

// The reference's highest energy along a band relative to its first image (what validate
// --path computes with DFT).
double reference_barrier_along(const std::vector<Structure>& images) {
  const double e0 = test::pair_reference().compute(images.front()).energy_ev;
  double barrier = 0;
  for (const auto& image : images)
    barrier = std::max(barrier, test::pair_reference().compute(image).energy_ev - e0);
  return barrier;
}

}  // namespace

TEST_CASE("NEB-band learning labels uncertain structures and reproduces the reference barrier",
          "[mlff][band-learning]") {
  const auto initial = bootstrap(6);
  const auto s = settings(25);
  std::vector<double> labelled_sigmas;
  std::vector<std::string> where;
  mlff::BandLearningCallbacks cb;
  cb.labelled = [&](const mlff::TrainingFrame&, const std::string& w, std::size_t, double sigma) {
    labelled_sigmas.push_back(sigma);
    where.push_back(w);
  };
  const Structure start = rattled_initial();
  const auto result =
      mlff::run_band_learning(initial, {}, start, start, s, test::pair_labeller(), cb);
  REQUIRE(result.reference_calls <= s.reference_budget);
  REQUIRE(result.labelled.size() == result.reference_calls);
  REQUIRE(!labelled_sigmas.empty());  // rattled cells do not cover the hop
  for (double sigma : labelled_sigmas) CHECK(sigma > s.force_uncertainty_threshold_ev_per_angstrom);
  std::size_t band_labels = 0;
  for (const auto& w : where) band_labels += w.rfind("image", 0) == 0;
  CHECK(band_labels > 0);  // the transition region needed labels of its own
  INFO(result.failure);
  REQUIRE(result.trusted);
  REQUIRE(result.neb);
  for (double sigma : result.image_uncertainty_ev_per_angstrom)
    CHECK(sigma <= s.force_uncertainty_threshold_ev_per_angstrom);

  // Mirror-symmetric endpoints: the two barriers of a band between equivalent minima agree.
  CHECK(result.neb->forward_barrier_ev == Approx(result.neb->backward_barrier_ev).margin(0.02));

  // The reference recomputed along the learned band (what validate --path does with DFT):
  // the barrier along the path must agree within the target, 0.1 eV. (Not the
  // reference's own CI-NEB barrier: in this soft, tilting lattice that depends by up to
  // 0.2 eV on which tilt minimum the endpoints relax into, docs/mlff.md.)
  const auto& images = result.neb->images;
  const double reference_barrier = reference_barrier_along(images);
  std::cout << "[band-learning] " << result.labelled.size() << " labels (" << band_labels
            << " on the band); barrier along the learned band: model "
            << result.neb->forward_barrier_ev << " eV, reference " << reference_barrier << " eV\n";
  CHECK(result.neb->forward_barrier_ev == Approx(reference_barrier).margin(0.1));
  // And the learning mattered: the bootstrap model along the same band is further off.
  const auto bootstrap_model = mlff::fit_linear_model(s.descriptor, initial, s.fit);
  double bootstrap_barrier = 0;
  const double b0 = bootstrap_model.compute(images.front()).energy_ev;
  for (const auto& image : images)
    bootstrap_barrier = std::max(bootstrap_barrier, bootstrap_model.compute(image).energy_ev - b0);
  std::cout << "[band-learning] bootstrap model along the same band: " << bootstrap_barrier
            << " eV\n";
}

TEST_CASE("NEB-band learning with shared-host endpoints keeps the host's tilt pattern",
          "[mlff][band-learning]") {
  const auto initial = bootstrap(6);
  auto s = settings(25);
  s.endpoints = atomistic::EndpointMode::kSharedHost;
  const Structure start = rattled_initial();
  const auto result = mlff::run_band_learning(initial, {}, start, start, s, test::pair_labeller());
  INFO(result.failure);
  REQUIRE(result.trusted);
  const auto& images = result.neb->images;
  // Only the hopping ion moves far between the endpoints: both sit in one host.
  const Structure& a = images.front();
  const Structure& b = images.back();
  const std::vector<double> moved = test::displacements_largest_first(a, b);
  CHECK(moved[0] > 3.0);
  CHECK(moved[1] < 1.0);
  // The barrier along the learned band against the reference along the same band.
  const double reference_barrier = reference_barrier_along(images);
  std::cout << "[band-learning] shared host: " << result.labelled.size()
            << " labels; host atoms move <= " << moved[1]
            << " A between the endpoints; barrier along the band: model "
            << result.neb->forward_barrier_ev << " eV, reference " << reference_barrier << " eV\n";
  CHECK(result.neb->forward_barrier_ev == Approx(reference_barrier).margin(0.1));
}

TEST_CASE("NEB-band learning respects the budget and resumes bit-identically",
          "[mlff][band-learning]") {
  const auto initial = bootstrap(6);
  const auto s = settings(4);
  const Structure start = rattled_initial();
  const auto full = mlff::run_band_learning(initial, {}, start, start, s, test::pair_labeller());
  REQUIRE(full.reference_calls == 4);
  REQUIRE(full.budget_exhausted);
  REQUIRE_FALSE(full.trusted);
  REQUIRE(full.neb);  // the last trusted band, evaluated with the final model

  std::vector<mlff::TrainingFrame> persisted;
  std::optional<mlff::BandLearningCheckpoint> last;
  mlff::BandLearningCallbacks cb;
  cb.labelled = [&](const mlff::TrainingFrame& f, const std::string&, std::size_t, double) {
    persisted.push_back(f);
  };
  cb.checkpoint = [&](const mlff::BandLearningCheckpoint& cp) { last = cp; };
  const mlff::Labeller dies_on_third = [](const Structure& st, std::size_t index) {
    if (index == 2) throw std::runtime_error("killed");
    return test::pair_labeller()(st, index);
  };
  REQUIRE_THROWS_AS(mlff::run_band_learning(initial, {}, start, start, s, dies_on_third, cb),
                    std::runtime_error);
  REQUIRE(persisted.size() == 2);
  REQUIRE(last);
  REQUIRE(last->reference_calls == 2);
  const auto resumed =
      mlff::run_band_learning(initial, persisted, start, start, s, test::pair_labeller(), {}, last);
  REQUIRE(resumed.labelled.size() == full.labelled.size());
  for (std::size_t k = 0; k < full.labelled.size(); ++k)
    CHECK(resumed.labelled[k].structure.positions_angstrom ==
          full.labelled[k].structure.positions_angstrom);
  CHECK(resumed.model.weights() == full.model.weights());
}

TEST_CASE("NEB-band learning rejects bad settings", "[mlff][band-learning][bad-input]") {
  const auto initial = bootstrap(2);
  const Structure start = rattled_initial();
  Structure charged = start;
  charged.charge_e = 1;
  auto s = settings(1);
  CHECK_THROWS_WITH(
      mlff::run_band_learning(initial, {}, charged, charged, s, test::pair_labeller()),
      Catch::Contains("one model per charge state"));
  s.force_uncertainty_threshold_ev_per_angstrom = 0;
  CHECK_THROWS_AS(mlff::run_band_learning(initial, {}, start, start, s, test::pair_labeller()),
                  InputError);
  s = settings(1);
  s.check_every_steps = 0;
  CHECK_THROWS_AS(mlff::run_band_learning(initial, {}, start, start, s, test::pair_labeller()),
                  InputError);
  s = settings(1);
  CHECK_THROWS_AS(mlff::run_band_learning({}, {}, start, start, s, test::pair_labeller()),
                  InputError);
}

TEST_CASE("An endpoint refinement on the final side restarts the mirror's initial endpoint",
          "[mlff][band-learning]") {
  // A deeper state next to the final endpoint: with mirror endpoints the final endpoint is
  // derived from the initial one, so the restart must move the initial start to the mirror
  // image of that state (the bug this guards against repeated the same band 5 times).
  const auto& ends = hop();
  mlff::BandLearningSettings s = settings(1);
  REQUIRE(s.mirror);
  Structure near_final = ends.final;
  near_final.positions_angstrom.col(static_cast<Eigen::Index>(ends.moving_atom)) -=
      0.2 * ends.moving_displacement_angstrom;  // 20 % back towards the initial site
  const std::vector<Structure> images = {ends.initial, near_final, ends.final};
  atomistic::EndpointRefinement refine;
  refine.final_from = 1;

  mlff::BandLearningCheckpoint cp{0, 0, ends.initial, ends.final, images, 0, false};
  mlff::restart_endpoints_after_refinement(cp, refine, images, s);
  const Structure expected = s.mirror->apply(near_final);
  CHECK(cp.refinements == 1);
  CHECK(cp.band.empty());
  CHECK_FALSE(cp.final_start_from_band);
  CHECK((cp.initial.positions_angstrom - expected.positions_angstrom).norm() == 0.0);
  // The mirror image of a state 20 % of the way back from the final site lies 20 % of the
  // way from the initial site towards the final one.
  const auto moving = static_cast<Eigen::Index>(ends.moving_atom);
  const atomistic::Vec3 from_initial = cp.initial.minimum_image(
      cp.initial.positions_angstrom.col(moving) - ends.initial.positions_angstrom.col(moving));
  CHECK((from_initial - 0.2 * ends.moving_displacement_angstrom).norm() < 1e-9);

  // Independent endpoints: the final start itself moves to the band image.
  s.endpoints = atomistic::EndpointMode::kIndependent;
  mlff::BandLearningCheckpoint independent{0, 0, ends.initial, ends.final, images, 0, false};
  mlff::restart_endpoints_after_refinement(independent, refine, images, s);
  CHECK(independent.final_start_from_band);
  CHECK((independent.final_structure.positions_angstrom - near_final.positions_angstrom).norm() ==
        0.0);
  CHECK((independent.initial.positions_angstrom - ends.initial.positions_angstrom).norm() == 0.0);
}
