// The ZBL core repulsion under the linear MLFF: the published ZBL form and the switch's limits,
// finite-difference forces and stress, the fit with the repulsion as a fixed baseline
// (recovers a known model exactly; the model adds it back), the model file round trip.
#include <Eigen/Dense>
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "../test_support.hpp"
#include "ionhop/io/mlff_model_file.hpp"
#include "ionhop/mlff/core_repulsion.hpp"
#include "ionhop/mlff/fit.hpp"

using namespace ionhop;
using atomistic::Structure;
using atomistic::Vec3;
using mlff::CoreRepulsionSettings;

namespace {

const CoreRepulsionSettings kCore{1.8, 2.4};

double max_abs(const Eigen::MatrixXd& m) { return m.cwiseAbs().maxCoeff(); }

Structure dimer(const std::string& a, const std::string& b, double r) {
  Structure s;
  s.cell_angstrom = 15.0 * Eigen::Matrix3d::Identity();
  s.append(a, Vec3(1, 2, 3));
  s.append(b, Vec3(1, 2, 3) + r * Vec3(2, -1, 2) / 3.0);
  return s;
}

// 16 atoms of Pb and I in a small triclinic cell: nearest distances 1–3 Å, so the repulsion
// is active (inside and across the switch) on many pairs.
Structure crowded_cell(unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-0.45, 0.45), coin(0, 1);
  Structure s;
  s.cell_angstrom << 5.6, 0, 0, 0.5, 5.4, 0, -0.3, 0.4, 5.8;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j)
      for (int k = 0; k < 2; ++k)
        for (int h = 0; h < 2; ++h) {
          const Vec3 f((i + 0.25 + 0.5 * h) / 2, (j + 0.25) / 2, (k + 0.25 + 0.4 * h) / 2);
          s.append(coin(rng) < 0.5 ? "Pb" : "I", s.cartesian(f) + Vec3(u(rng), u(rng), u(rng)));
        }
  return s;
}

Structure strained(const Structure& s, const Eigen::Matrix3d& f) {
  Structure out = s;
  out.cell_angstrom = s.cell_angstrom * f.transpose();
  out.positions_angstrom = f * s.positions_angstrom;
  return out;
}

}  // namespace

TEST_CASE("Core repulsion: ZBL below the switch, zero above it, smooth across both ends",
          "[mlff]") {
  // ZBL (Ziegler, Biersack & Littmark 1985) for Pb (82) – I (53), written out here once more.
  const double a = 0.46850 / (std::pow(82, 0.23) + std::pow(53, 0.23));
  const auto zbl = [&](double r) {
    const double x = r / a;
    const double phi = 0.18175 * std::exp(-3.19980 * x) + 0.50986 * std::exp(-0.94229 * x) +
                       0.28022 * std::exp(-0.40290 * x) + 0.02817 * std::exp(-0.20162 * x);
    return 14.399645 * 82 * 53 / r * phi;
  };
  for (double r : {0.5, 1.0, 1.5, 1.79}) {
    INFO("r = " << r);
    CHECK(mlff::core_repulsion(kCore, dimer("Pb", "I", r)).energy_ev ==
          Approx(zbl(r)).epsilon(1e-12));
  }
  // The pair is symmetric in the species and repulsive everywhere inside the switch.
  CHECK(mlff::core_repulsion(kCore, dimer("I", "Pb", 1.2)).energy_ev ==
        Approx(zbl(1.2)).epsilon(1e-12));
  for (double r = 0.8; r < 2.35; r += 0.05)
    CHECK(mlff::core_repulsion_pair(kCore, 82, 53, r).derivative_ev_per_angstrom < 0);
  // Exactly zero from r_outer on, for energy and forces.
  for (double r : {2.41, 2.5, 4.0}) {
    const auto e = mlff::core_repulsion(kCore, dimer("Pb", "I", r));
    CHECK(e.energy_ev == 0.0);
    CHECK(e.forces_ev_per_angstrom.cwiseAbs().maxCoeff() == 0.0);
  }
  // C¹ at both ends of the switch: energy and derivative continuous (one-sided values).
  const double eps = 1e-7;
  for (double r0 : {kCore.inner_angstrom, kCore.outer_angstrom}) {
    const auto below = mlff::core_repulsion_pair(kCore, 82, 53, r0 - eps);
    const auto above = mlff::core_repulsion_pair(kCore, 82, 53, r0 + eps);
    INFO("switch end " << r0);
    // Over 2ε the values move by ~2ε times the next derivative; a kink of a wrong switch
    // (e.g. a linear one: V/width ≈ 30 eV/Å at r_inner) would be orders of magnitude more.
    const double slope = std::abs(below.derivative_ev_per_angstrom);
    CHECK(std::abs(below.energy_ev - above.energy_ev) < 4 * eps * slope + 1e-12);
    CHECK(std::abs(below.derivative_ev_per_angstrom - above.derivative_ev_per_angstrom) <
          1e-3 * slope + 1e-9);
  }
  // Half-way through the switch S = 1/2.
  const double mid = 0.5 * (kCore.inner_angstrom + kCore.outer_angstrom);
  CHECK(mlff::core_repulsion_pair(kCore, 82, 53, mid).energy_ev == Approx(0.5 * zbl(mid)));
  // Disabled settings contribute nothing; inverted ones are refused.
  CHECK(mlff::core_repulsion(CoreRepulsionSettings{}, dimer("Pb", "I", 1.0)).energy_ev == 0.0);
  CHECK(test::input_error_of([] {
          mlff::check_core_repulsion({2.4, 1.8});
        }).find("inner < outer") != std::string::npos);
  CHECK(test::input_error_of([] {
          (void)mlff::core_repulsion(kCore, dimer("Pb", "Xx", 1.0));
        }).find("Xx") != std::string::npos);
}

TEST_CASE("Core repulsion: forces and stress match finite differences; per-atom split sums up",
          "[mlff]") {
  const Structure s = crowded_cell(5);
  const auto r = mlff::core_repulsion(kCore, s);
  REQUIRE(r.energy_ev > 1.0);  // several pairs inside the switch
  CHECK(r.energy_ev == Approx(mlff::core_repulsion_atomic_energies(kCore, s).sum()).epsilon(1e-12));
  const double fscale = max_abs(r.forces_ev_per_angstrom);
  CHECK(r.forces_ev_per_angstrom.rowwise().sum().norm() < 1e-11 * fscale * s.size());
  const double h = 1e-6;
  const double worst = test::worst_finite_difference_force_error(
      [](const Structure& x) { return mlff::core_repulsion(kCore, x).energy_ev; }, s,
      r.forces_ev_per_angstrom, h);
  INFO("max |F| = " << fscale << " eV/Å, worst FD deviation " << worst);
  CHECK(worst < 1e-6 * fscale);
  const double v = s.volume_angstrom3();
  const double sscale = max_abs(r.stress_ev_per_angstrom3);
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) {
      Eigen::Matrix3d fp = Eigen::Matrix3d::Identity(), fm = fp;
      fp(a, b) += h;
      fm(a, b) -= h;
      const double fd = (mlff::core_repulsion(kCore, strained(s, fp)).energy_ev -
                         mlff::core_repulsion(kCore, strained(s, fm)).energy_ev) /
                        (2 * h * v);
      INFO("stress component " << a << b);
      CHECK(std::abs(fd - r.stress_ev_per_angstrom3(a, b)) < 1e-6 * sscale);
    }
}

TEST_CASE("MLFF with a core repulsion: the fit recovers a known model, which adds it back",
          "[mlff]") {
  mlff::DescriptorSettings ds;
  ds.elements = {"I", "Pb"};
  ds.cutoff_angstrom = 2.6;  // below half the crowded cell's width (2.69 Å)
  ds.radial_order = 4;
  ds.angular_radial_order = 2;
  ds.angular_order = 2;
  const mlff::Descriptor d(ds);
  std::mt19937 rng(3);
  std::normal_distribution<double> n(0, 0.05);
  Eigen::VectorXd truth(static_cast<Eigen::Index>(d.species_count() * (d.feature_count() + 1)));
  for (Eigen::Index k = 0; k < truth.size(); ++k) truth[k] = n(rng);
  mlff::TrainingMetadata with_core;
  with_core.settings.core_repulsion = kCore;
  const mlff::LinearModel true_model(ds, truth, {}, with_core);
  const mlff::LinearModel bare(ds, truth);
  std::vector<mlff::TrainingFrame> frames;
  for (unsigned k = 0; k < 12; ++k) {
    const Structure s = crowded_cell(40 + k);
    const auto r = true_model.compute(s);
    // The model is the bare linear model plus the repulsion.
    const auto b = bare.compute(s);
    const auto c = mlff::core_repulsion(kCore, s);
    CHECK(r.energy_ev == Approx(b.energy_ev + c.energy_ev).epsilon(1e-12));
    CHECK(max_abs(r.forces_ev_per_angstrom - b.forces_ev_per_angstrom - c.forces_ev_per_angstrom) <
          1e-9 * max_abs(r.forces_ev_per_angstrom));
    CHECK(true_model.atomic_energies_ev(s).sum() == Approx(r.energy_ev).epsilon(1e-12));
    mlff::TrainingFrame f;
    f.structure = s;
    f.energy_ev = r.energy_ev;
    f.forces_ev_per_angstrom = r.forces_ev_per_angstrom;
    f.stress_ev_per_angstrom3 = r.stress_ev_per_angstrom3;
    frames.push_back(f);
  }
  mlff::FitSettings fs;
  fs.energy_sigma_ev_per_atom = 1e-3;
  fs.force_sigma_ev_per_angstrom = 1e-2;
  fs.stress_sigma_ev_per_angstrom3 = 1e-4;
  fs.ridge_lambda = 1e-14;
  fs.core_repulsion = kCore;
  const mlff::LinearModel fit = mlff::fit_linear_model(ds, frames, fs);
  INFO("force RMSE " << fit.training().force_rmse_ev_per_angstrom);
  CHECK(fit.training().force_rmse_ev_per_angstrom < 1e-8);
  // Recovered as a function (some weights of this tiny basis are not identifiable): the same
  // energies and forces as the true model on cells the fit did not see.
  for (unsigned k = 0; k < 3; ++k) {
    const Structure s = crowded_cell(90 + k);
    const auto want = true_model.compute(s), got = fit.compute(s);
    CHECK(got.energy_ev == Approx(want.energy_ev).epsilon(1e-10));
    CHECK(max_abs(got.forces_ev_per_angstrom - want.forces_ev_per_angstrom) <
          1e-7 * max_abs(want.forces_ev_per_angstrom));
  }
  CHECK(fit.core_repulsion().outer_angstrom == kCore.outer_angstrom);
  // Without the baseline the same linear model cannot represent the data: a factor of many.
  fs.core_repulsion = {};
  const mlff::LinearModel without = mlff::fit_linear_model(ds, frames, fs);
  CHECK(without.training().force_rmse_ev_per_angstrom >
        1e3 * fit.training().force_rmse_ev_per_angstrom + 1e-3);

  // The model file keeps the repulsion: same energy after a round trip, and the parameter
  // hash differs from the bare model's.
  const auto json = io::mlff_model_to_json(fit);
  REQUIRE(json.contains("core_repulsion"));
  const mlff::LinearModel back = io::mlff_model_from_json(json, "model.json");
  CHECK(back.compute(frames[0].structure).energy_ev == fit.compute(frames[0].structure).energy_ev);
  CHECK(mlff::LinearModel(ds, fit.weights()).parameters_json() != fit.parameters_json());
  auto bad = json;
  bad["core_repulsion"]["inner_angstrom"] = 3.0;
  const std::string why =
      test::input_error_of([&] { (void)io::mlff_model_from_json(bad, "model.json"); });
  CHECK(why.find("/core_repulsion/inner_angstrom") != std::string::npos);
  CHECK(why.find("below outer_angstrom") != std::string::npos);
}
