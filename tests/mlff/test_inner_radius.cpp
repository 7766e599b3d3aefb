// The descriptor's inner radius (mlff/descriptors.hpp, "Inner radius"): below r_in every
// radial function is flat, so a model exerts no force between atoms closer than r_in; the
// functions and their slopes are continuous at r_in; forces and stress stay exact gradients;
// invariances hold; model files round-trip it; and r_in = 0 leaves the plain basis (and the
// parameter hash of existing models) untouched.
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>

#include "../test_support.hpp"
#include "ionhop/io/mlff_model_file.hpp"
#include "ionhop/mlff/descriptors.hpp"
#include "ionhop/mlff/fit.hpp"
#include "ionhop/mlff/linear_model.hpp"

using namespace ionhop;
using atomistic::Structure;
using atomistic::Vec3;
using mlff::Descriptor;
using mlff::DescriptorSettings;
using mlff::LinearModel;

namespace {

DescriptorSettings settings_with_inner(double inner_angstrom) {
  DescriptorSettings s;
  s.elements = {"Pb", "I"};
  s.cutoff_angstrom = 4.0;
  s.radial_order = 5;
  s.angular_radial_order = 3;
  s.angular_order = 3;
  s.inner_radius_angstrom = inner_angstrom;
  return s;
}

// Two atoms r apart along a skew direction in a cubic box wider than 2 r_c.
Structure dimer(double r) {
  Structure s;
  s.cell_angstrom = 12.0 * Eigen::Matrix3d::Identity();
  const Vec3 axis = Vec3(1.0, 0.4, -0.3).normalized();
  s.append("Pb", Vec3(6.0, 6.0, 6.0));
  s.append("I", Vec3(6.0, 6.0, 6.0) + r * axis);
  return s;
}

// A perturbed 3×3×3 grid in a triclinic cell with some pairs inside r_in = 2.6 Å.
Structure crowded_cell(unsigned seed) {
  Eigen::Matrix3d cell;
  cell << 8.4, 0, 0, 1.1, 8.2, 0, -0.7, 0.8, 8.6;
  return test::perturbed_pb_i_grid(cell, 3, 0.5, 0.4, seed);
}

Eigen::VectorXd random_weights(const Descriptor& d, unsigned seed, double scale) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-1, 1);
  Eigen::VectorXd w(static_cast<Eigen::Index>(d.species_count() * (d.feature_count() + 1)));
  for (Eigen::Index k = 0; k < w.size(); ++k) w[k] = scale * u(rng);
  return w;
}

double max_abs(const Eigen::MatrixXd& m) { return m.cwiseAbs().maxCoeff(); }

}  // namespace

TEST_CASE("MLFF inner radius: flat below r_in, continuous value and slope at r_in", "[mlff]") {
  const double r_in = 2.2;
  const Descriptor d(settings_with_inner(r_in));
  const LinearModel model(settings_with_inner(r_in), random_weights(d, 5, 0.3));

  // Inside r_in the features, hence the energy, do not change, and the model's force is 0
  // (to rounding: the angular terms of one neighbour cancel to 1e-16, not exactly).
  const Eigen::MatrixXd at_1 = d.compute(dimer(1.0)), at_2 = d.compute(dimer(2.1));
  CHECK(max_abs(at_1 - at_2) < 1e-13);
  CHECK(max_abs(model.compute(dimer(1.5)).forces_ev_per_angstrom) < 1e-13);
  // G2 of a lone neighbour at r ≤ r_in is g_n(r_in) = T_n(−1) f_c = (−1)^n.
  for (int n = 0; n < 5; ++n) CHECK(at_1(n, 0) == Approx(n % 2 == 0 ? 1.0 : -1.0).margin(1e-15));

  // At r_in the functions are continuous and their slope vanishes from outside: the energy
  // changes by O(δ²), the force by O(δ).
  const double e_in = model.compute(dimer(r_in)).energy_ev;
  for (double delta : {1e-3, 1e-4}) {
    const auto outside = model.compute(dimer(r_in + delta));
    CHECK(std::abs(outside.energy_ev - e_in) < 50 * delta * delta);
    CHECK(max_abs(outside.forces_ev_per_angstrom) < 50 * delta);
  }
  // Beyond r_in the model does act (the test above is not vacuous).
  CHECK(max_abs(model.compute(dimer(3.0)).forces_ev_per_angstrom) > 1e-3);

  // The plain basis (r_in = 0) still depends on r down to 0.
  const Descriptor plain(settings_with_inner(0.0));
  CHECK(max_abs(plain.compute(dimer(1.0)) - plain.compute(dimer(2.1))) > 1e-2);
}

TEST_CASE("MLFF inner radius: forces and stress match finite differences, invariances hold",
          "[mlff]") {
  const DescriptorSettings ds = settings_with_inner(2.6);
  const Descriptor d(ds);
  const LinearModel model(ds, random_weights(d, 21, 0.05));
  const Structure s = crowded_cell(11);
  // The cell has pairs on both sides of r_in (else this would test the plain basis only).
  const auto list = d.neighbours(s, "test");
  std::size_t inside = 0, outside = 0;
  for (std::size_t i = 0; i < s.size(); ++i)
    for (const auto& nb : list.of(i)) (nb.distance_angstrom < 2.6 ? inside : outside)++;
  REQUIRE(inside > 0);
  REQUIRE(outside > 0);

  const auto r = model.compute(s);
  const double fscale = max_abs(r.forces_ev_per_angstrom);
  REQUIRE(fscale > 1e-3);
  const double worst = test::worst_finite_difference_force_error(
      [&](const Structure& x) { return model.compute(x).energy_ev; }, s, r.forces_ev_per_angstrom,
      1e-5);
  INFO("max |F| = " << fscale << " eV/Å, worst FD deviation " << worst);
  CHECK(worst < 1e-6 * fscale);

  const double sscale = max_abs(r.stress_ev_per_angstrom3);
  const double worst_stress = test::worst_finite_difference_stress_error(
      [&](const Structure& x) { return model.compute(x).energy_ev; }, s, r.stress_ev_per_angstrom3,
      1e-5);
  INFO("max |stress| = " << sscale << " eV/Å³, worst FD deviation " << worst_stress);
  CHECK(worst_stress < 1e-6 * sscale);

  // Rotation and translation leave the features unchanged.
  const Eigen::MatrixXd ref = d.compute(s);
  const Eigen::Matrix3d q =
      Eigen::AngleAxisd(0.7, Vec3(0.3, -0.5, 0.8).normalized()).toRotationMatrix();
  Structure moved = s;
  moved.cell_angstrom = s.cell_angstrom * q.transpose();
  moved.positions_angstrom = q * s.positions_angstrom;
  for (Eigen::Index k = 0; k < moved.positions_angstrom.cols(); ++k)
    moved.positions_angstrom.col(k) += Vec3(-3.1, 7.7, 1.3);
  CHECK(max_abs(d.compute(moved) - ref) < 1e-10 * std::max(1.0, max_abs(ref)));
}

TEST_CASE("MLFF inner radius: model files round-trip it; bad values are refused", "[mlff]") {
  const DescriptorSettings ds = settings_with_inner(2.4);
  std::vector<mlff::TrainingFrame> frames;
  const LinearModel truth(ds, random_weights(Descriptor(ds), 3, 0.05));
  for (unsigned k = 0; k < 4; ++k) {
    mlff::TrainingFrame f;
    f.structure = crowded_cell(40 + k);
    const auto r = truth.compute(f.structure);
    f.energy_ev = r.energy_ev;
    f.forces_ev_per_angstrom = r.forces_ev_per_angstrom;
    frames.push_back(f);
  }
  const LinearModel fitted = mlff::fit_linear_model(ds, frames);
  const auto dir = std::filesystem::temp_directory_path() / "ionhop_test_inner_radius";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "model.json").string();
  io::write_mlff_model(path, fitted);
  const LinearModel back = io::load_mlff_model(path);
  CHECK(back.descriptor().settings().inner_radius_angstrom == 2.4);
  CHECK(back.parameters_json() == fitted.parameters_json());
  const Structure probe = crowded_cell(99);
  CHECK(back.compute(probe).energy_ev == fitted.compute(probe).energy_ev);

  // r_in = 0 writes no key: the hash of models fitted before the option is unchanged.
  const DescriptorSettings plain = settings_with_inner(0.0);
  const std::string plain_json =
      LinearModel(plain, random_weights(Descriptor(plain), 1, 0.01)).parameters_json();
  CHECK(plain_json.find("inner_radius") == std::string::npos);
  CHECK(plain_json.find("chebyshev T_n(2r/r_c - 1)") != std::string::npos);
  CHECK(fitted.parameters_json().find("\"inner_radius_angstrom\":2.4") != std::string::npos);

  for (double bad : {-0.1, 4.0, 5.0, std::nan("")})
    CHECK(test::input_error_of([&] { Descriptor{settings_with_inner(bad)}; }) ==
          "mlff descriptor: inner_radius_angstrom must be >= 0 and below cutoff_angstrom");
}
