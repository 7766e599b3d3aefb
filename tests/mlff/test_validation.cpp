// mlff::validation_metrics on hand-made predictions with known MAE, RMSE, R² and maxima;
// atoms_near with periodic images; predict_frames with a trivial potential.
#include <catch2/catch.hpp>
#include <cmath>

#include "ionhop/core/error.hpp"
#include "ionhop/mlff/validation.hpp"

using namespace ionhop;

namespace {
// E = 0, F = (1, 2, 3) on every atom.
class ConstantForce : public atomistic::Potential {
 public:
  std::string name() const override { return "constant-force"; }
  std::string parameters_json() const override { return "{}"; }
  atomistic::EnergyForces compute(const atomistic::Structure& s) const override {
    atomistic::EnergyForces ef;
    ef.energy_ev = 0.5 * static_cast<double>(s.size());
    ef.forces_ev_per_angstrom = Eigen::Matrix3Xd(3, static_cast<Eigen::Index>(s.size()));
    for (Eigen::Index i = 0; i < ef.forces_ev_per_angstrom.cols(); ++i)
      ef.forces_ev_per_angstrom.col(i) << 1, 2, 3;
    return ef;
  }
};
}  // namespace

TEST_CASE("validation metrics of a hand-made example", "[mlff][metrics]") {
  // Frame 0: 2 atoms, E_ref = 1, E_pred = 1.2 → e = 0.1 eV/atom.
  // Frame 1: 1 atom,  E_ref = 0, E_pred = −0.3 → e = −0.3 eV/atom.
  mlff::FramePrediction a;
  a.atoms = 2;
  a.reference_energy_ev = 1.0;
  a.predicted_energy_ev = 1.2;
  Eigen::Matrix3Xd ra(3, 2), pa(3, 2);
  ra << 1, 0, 0, 0, 0, -1;  // columns (1, 0, 0), (0, 0, -1)
  pa << 1, 0, 0, 0, 0, -1;
  pa(0, 0) = 1.5;  // one error of 0.5
  a.reference_forces_ev_per_angstrom = ra;
  a.predicted_forces_ev_per_angstrom = pa;
  a.near_defect = {true, false};
  mlff::FramePrediction b;
  b.atoms = 1;
  b.reference_energy_ev = 0.0;
  b.predicted_energy_ev = -0.3;
  Eigen::Matrix3Xd rb(3, 1), pb(3, 1);
  rb << 0, 0, 0;
  pb << 0, -1, 0;  // one error of 1
  b.reference_forces_ev_per_angstrom = rb;
  b.predicted_forces_ev_per_angstrom = pb;

  const auto m = mlff::validation_metrics({a, b});
  CHECK(m.structures == 2);
  CHECK(m.energy_observations == 2);
  CHECK(m.force_atoms == 3);
  CHECK(m.near_defect_atoms == 1);
  CHECK(m.energy_mae_ev_per_atom == Approx(0.2));
  CHECK(m.energy_rmse_ev_per_atom == Approx(std::sqrt((0.01 + 0.09) / 2)));
  CHECK(m.energy_max_error_ev_per_atom == Approx(0.3));
  // 9 components, errors 0.5 and 1: MAE 1.5/9, RMSE sqrt(1.25/9).
  CHECK(m.force_mae_ev_per_angstrom == Approx(1.5 / 9));
  CHECK(m.force_rmse_ev_per_angstrom == Approx(std::sqrt(1.25 / 9)));
  CHECK(m.force_max_error_ev_per_angstrom == Approx(1.0));
  // Reference components: 1, 0, 0, 0, 0, −1, 0, 0, 0: mean 0, SS_tot = 2, SS_res = 1.25.
  CHECK(m.force_r2 == Approx(1.0 - 1.25 / 2.0));
  // Near-defect atom 0 of frame 0: errors 0.5, 0, 0.
  CHECK(m.near_defect_force_mae_ev_per_angstrom == Approx(0.5 / 3));
}

TEST_CASE("validation metrics: perfect predictions and missing labels", "[mlff][metrics]") {
  mlff::FramePrediction a;
  a.atoms = 1;
  a.predicted_energy_ev = 3;  // no reference energy: no energy error
  Eigen::Matrix3Xd f(3, 1);
  f << 0.2, -0.4, 0.1;
  a.reference_forces_ev_per_angstrom = f;
  a.predicted_forces_ev_per_angstrom = f;
  const auto m = mlff::validation_metrics({a});
  CHECK(m.energy_observations == 0);
  CHECK(m.energy_mae_ev_per_atom == 0);
  CHECK(m.force_mae_ev_per_angstrom == 0);
  CHECK(m.force_r2 == Approx(1.0));
  CHECK(m.near_defect_atoms == 0);

  a.predicted_forces_ev_per_angstrom = Eigen::Matrix3Xd(3, 2);
  CHECK_THROWS_AS(mlff::validation_metrics({a}), InputError);
}

TEST_CASE("atoms_near uses periodic images; predict_frames pairs labels", "[mlff][metrics]") {
  atomistic::Structure s;
  s.cell_angstrom = 10.0 * Eigen::Matrix3d::Identity();
  s.append("I", atomistic::Vec3(0.5, 0, 0));
  s.append("I", atomistic::Vec3(9.5, 0, 0));  // 1 Å from the point through the boundary
  s.append("I", atomistic::Vec3(5, 5, 5));
  const auto near = mlff::atoms_near(s, atomistic::Vec3(0, 0, 0), 2.0);
  CHECK(near == std::vector<bool>{true, true, false});

  mlff::TrainingFrame t;
  t.structure = s;
  t.energy_ev = 1.0;
  Eigen::Matrix3Xd ref = Eigen::Matrix3Xd::Zero(3, 3);
  t.forces_ev_per_angstrom = ref;
  const ConstantForce potential;
  const auto pred = mlff::predict_frames(potential, {t}, {atomistic::Vec3(0, 0, 0)}, 2.0);
  REQUIRE(pred.size() == 1);
  CHECK(pred[0].predicted_energy_ev == Approx(1.5));
  CHECK(pred[0].near_defect == std::vector<bool>{true, true, false});
  const auto m = mlff::validation_metrics(pred);
  CHECK(m.energy_mae_ev_per_atom == Approx(0.5 / 3));
  CHECK(m.force_mae_ev_per_angstrom == Approx(2.0));
  CHECK(m.force_max_error_ev_per_angstrom == Approx(3.0));
  CHECK(m.force_r2 == 0);  // all reference components equal
}

TEST_CASE("compare_path_barriers reads each profile's own maximum; moving_atom finds the hop",
          "[mlff][metrics]") {
  // Reference profile 0, 0.2, 0.5, 0.3, 0.1 (barrier 0.5 at frame 3, backward 0.4); model
  // 0, 0.35, 0.45, 0.2, 0.05 + a constant offset 7 eV (cancels): maximum 0.45 at frame 3.
  const std::vector<double> ref = {0, 0.2, 0.5, 0.3, 0.1}, model = {0, 0.35, 0.45, 0.2, 0.05};
  std::vector<mlff::FramePrediction> frames;
  for (std::size_t k = 0; k < ref.size(); ++k) {
    mlff::FramePrediction& p = frames.emplace_back();
    p.atoms = 1;
    p.reference_energy_ev = -100 + ref[k];
    p.predicted_energy_ev = 7 + model[k];
  }
  const auto c = mlff::compare_path_barriers(frames);
  CHECK(c.reference_highest == 2);
  CHECK(c.predicted_highest == 2);
  CHECK(c.reference_forward_barrier_ev == Approx(0.5));
  CHECK(c.predicted_forward_barrier_ev == Approx(0.45));
  CHECK(c.forward_error_ev == Approx(-0.05));
  CHECK(c.reference_backward_barrier_ev == Approx(0.4));
  CHECK(c.predicted_backward_barrier_ev == Approx(0.40));
  CHECK(c.backward_error_ev == Approx(0).margin(1e-12));
  CHECK(c.profile_mae_ev == Approx((0.15 + 0.05 + 0.1 + 0.05) / 4));
  frames.resize(1);
  CHECK_THROWS_AS(mlff::compare_path_barriers(frames), InputError);

  // The atom that hops across the periodic boundary (0.3 → 9.6 Å: 0.7 Å by minimum image)
  // moves less than the one that moves 1.5 Å inside the cell.
  mlff::TrainingFrame a, b;
  a.structure.cell_angstrom = 10.0 * Eigen::Matrix3d::Identity();
  a.structure.append("I", atomistic::Vec3(0.3, 0, 0));
  a.structure.append("I", atomistic::Vec3(5, 5, 5));
  b.structure = a.structure;
  b.structure.positions_angstrom.col(0) = atomistic::Vec3(9.6, 0, 0);
  b.structure.positions_angstrom.col(1) = atomistic::Vec3(5, 6.5, 5);
  CHECK(mlff::moving_atom({a, b}) == 1);
  CHECK_THROWS_AS(mlff::moving_atom({a}), InputError);
}
