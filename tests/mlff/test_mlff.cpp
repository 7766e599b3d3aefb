// Linear MLFF: descriptor invariances and gradients, finite-difference forces and stress,
// exact recovery of a known linear model, learning the CsPbI3 pair potential, Bayesian
// uncertainty, thread-count independence, timing.
#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include <Eigen/Dense>
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <iostream>
#include <limits>
#include <numeric>
#include <random>

#include "../test_support.hpp"
#include "ionhop/atomistic/pair_potential.hpp"
#include "ionhop/atomistic/supercell_builder.hpp"
#include "ionhop/io/lattice_file.hpp"
#include "ionhop/io/pair_potential_file.hpp"
#include "ionhop/mlff/fit.hpp"

using namespace ionhop;
using atomistic::Structure;
using atomistic::Vec3;
using mlff::Descriptor;
using mlff::DescriptorSettings;
using mlff::LinearModel;

namespace {

DescriptorSettings small_settings() {
  DescriptorSettings s;
  s.elements = {"Pb", "I"};
  s.cutoff_angstrom = 4.0;
  s.radial_order = 5;
  s.angular_radial_order = 3;
  s.angular_order = 3;
  return s;
}

// A perturbed 3×3×3 grid in a triclinic cell (≈ 10 neighbours within 4 Å), species drawn
// with probability p_pb of Pb.
Structure triclinic_cell(unsigned seed, double p_pb = 0.4, int grid = 3) {
  const double g = grid / 3.0;
  Eigen::Matrix3d rows;
  rows << 9.0 * g, 0, 0, 1.2 * g, 8.6 * g, 0, -0.8 * g, 0.9 * g, 9.3 * g;
  return test::perturbed_pb_i_grid(rows, grid, 0.35, p_pb, seed);
}

Eigen::Matrix3d random_rotation(unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> n;
  Eigen::Quaterniond q(n(rng), n(rng), n(rng), n(rng));
  return q.normalized().toRotationMatrix();
}

// Random weights for a model; the two cross-species two-body blocks are made equal (only
// their sum is identifiable, see fit.hpp), so a fit can recover every weight.
Eigen::VectorXd random_weights(const Descriptor& d, unsigned seed, double scale = 0.01) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-1, 1);
  const std::size_t block = d.feature_count() + 1, ns = d.species_count();
  const auto nr = static_cast<std::size_t>(d.settings().radial_order);
  Eigen::VectorXd w(static_cast<Eigen::Index>(ns * block));
  for (Eigen::Index k = 0; k < w.size(); ++k) w[k] = scale * u(rng);
  for (std::size_t a = 0; a < ns; ++a)
    for (std::size_t b = a + 1; b < ns; ++b)
      for (std::size_t n = 0; n < nr; ++n)
        w[static_cast<Eigen::Index>(b * block + 1 + a * nr + n)] =
            w[static_cast<Eigen::Index>(a * block + 1 + b * nr + n)];
  return w;
}

double max_abs(const Eigen::MatrixXd& m) { return m.cwiseAbs().maxCoeff(); }

Structure strained(const Structure& s, const Eigen::Matrix3d& f) {
  Structure t = s;
  t.cell_angstrom = s.cell_angstrom * f.transpose();
  t.positions_angstrom = f * s.positions_angstrom;
  return t;
}

// Rattled (σ per component) and slightly strained 2×2×2 CsPbI3 cells.
std::vector<Structure> rattled_cspbi3(std::size_t count, unsigned seed, double sigma_angstrom,
                                      double strain) {
  static const lattice::Crystal crystal =
      io::load_crystal(test::source_path("lattices/cspbi3_cubic.json"));
  static const lattice::SiteGraph graph(crystal, {2, 2, 2});
  const Structure perfect = atomistic::SupercellBuilder(graph).perfect();
  std::mt19937 rng(seed);
  std::normal_distribution<double> n(0.0, sigma_angstrom);
  std::uniform_real_distribution<double> e(-strain, strain);
  std::vector<Structure> out;
  for (std::size_t c = 0; c < count; ++c) {
    Eigen::Matrix3d f = Eigen::Matrix3d::Identity();
    for (int a = 0; a < 3; ++a)
      for (int b = a; b < 3; ++b) f(a, b) = f(b, a) = (a == b ? 1.0 : 0.0) + e(rng);
    Structure s = strained(perfect, f);
    for (Eigen::Index k = 0; k < s.positions_angstrom.cols(); ++k)
      s.positions_angstrom.col(k) += Vec3(n(rng), n(rng), n(rng));
    out.push_back(s);
  }
  return out;
}

mlff::TrainingFrame label(const atomistic::Potential& pot, const Structure& s) {
  const auto r = pot.compute(s);
  mlff::TrainingFrame f;
  f.structure = s;
  f.energy_ev = r.energy_ev;
  f.forces_ev_per_angstrom = r.forces_ev_per_angstrom;
  if (r.has_stress) f.stress_ev_per_angstrom3 = r.stress_ev_per_angstrom3;
  return f;
}

}  // namespace

TEST_CASE("MLFF descriptors are invariant to rotation, translation, permutation and cell basis",
          "[mlff]") {
  const Descriptor d(small_settings());
  CHECK(d.feature_count() == 2 * 5 + 21 * 4);
  CHECK(d.feature_labels().size() == d.feature_count());
  CHECK(d.feature_labels()[0] == "G2 I n=0");
  CHECK(d.feature_labels()[d.two_body_count()] == "G3 I n=0, I m=0, l=0");

  const Structure s = triclinic_cell(3);
  const Eigen::MatrixXd ref = d.compute(s);
  const double tol = 1e-10 * std::max(1.0, max_abs(ref));
  REQUIRE(max_abs(ref) > 0.1);

  SECTION("rotation") {
    const Eigen::Matrix3d q = random_rotation(7);
    Structure r = s;
    r.cell_angstrom = s.cell_angstrom * q.transpose();
    r.positions_angstrom = q * s.positions_angstrom;
    CHECK(max_abs(d.compute(r) - ref) < tol);
  }
  SECTION("translation, with and without wrapping") {
    Structure t = s;
    for (Eigen::Index k = 0; k < t.positions_angstrom.cols(); ++k)
      t.positions_angstrom.col(k) += Vec3(-13.1, 4.7, 25.3);
    CHECK(max_abs(d.compute(t) - ref) < tol);
    t.wrap_positions();
    CHECK(max_abs(d.compute(t) - ref) < tol);
  }
  SECTION("permutation of like atoms") {
    std::vector<std::size_t> order(s.size());
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), std::mt19937(5));
    Structure p;
    p.cell_angstrom = s.cell_angstrom;
    for (std::size_t k : order) p.append(s.elements[k], s.positions_angstrom.col(k));
    const Eigen::MatrixXd got = d.compute(p);
    for (std::size_t k = 0; k < order.size(); ++k)
      CHECK(max_abs(got.col(static_cast<Eigen::Index>(k)) -
                    ref.col(static_cast<Eigen::Index>(order[k]))) < tol);
  }
  SECTION("another basis of the same lattice") {
    const Structure big = triclinic_cell(4, 0.4, 6);  // wider cell: the sheared basis must fit r_c
    const Eigen::MatrixXd big_ref = d.compute(big);
    Eigen::Matrix3d m;  // unimodular: a1' = a1 + a2, a3' = a3 − a1
    m << 1, 1, 0, 0, 1, 0, -1, 0, 1;
    REQUIRE(std::abs(m.determinant()) == Approx(1.0));
    Structure b = big;
    b.cell_angstrom = m * big.cell_angstrom;
    REQUIRE(b.min_perpendicular_width_angstrom() > 2 * small_settings().cutoff_angstrom);
    REQUIRE(std::abs(b.volume_angstrom3() - big.volume_angstrom3()) < 1e-9);
    b.wrap_positions();
    CHECK(max_abs(d.compute(b) - big_ref) < 1e-10 * std::max(1.0, max_abs(big_ref)));
  }
}

TEST_CASE("MLFF descriptor gradients match finite differences", "[mlff]") {
  const Descriptor d(small_settings());
  const Structure s = triclinic_cell(9);
  const auto species = d.species_of(s, "test");
  const auto list = d.neighbours(s, "test");
  const auto nf = static_cast<Eigen::Index>(d.feature_count());
  // Analytic ∂φ_i/∂r_k for every atom i, assembled from the per-neighbour gradients.
  const double h = 1e-5;
  Descriptor::Workspace work;
  Eigen::VectorXd phi(nf);
  Eigen::MatrixXd grad;
  for (std::size_t k : {std::size_t{0}, std::size_t{5}, std::size_t{17}})
    for (int a = 0; a < 3; ++a) {
      Structure p = s, m = s;
      p.positions_angstrom(a, static_cast<Eigen::Index>(k)) += h;
      m.positions_angstrom(a, static_cast<Eigen::Index>(k)) -= h;
      const Eigen::MatrixXd fd = (d.compute(p) - d.compute(m)) / (2 * h);
      Eigen::MatrixXd analytic = Eigen::MatrixXd::Zero(nf, static_cast<Eigen::Index>(s.size()));
      for (std::size_t i = 0; i < s.size(); ++i) {
        d.compute_center(list, species, i, phi, &grad, work);
        const auto nb = list.of(i);
        for (std::size_t q = 0; q < nb.size(); ++q) {
          const auto col = grad.col(static_cast<Eigen::Index>(3 * q) + a);
          if (nb[q].atom == k) analytic.col(static_cast<Eigen::Index>(i)) += col;
          if (i == k) analytic.col(static_cast<Eigen::Index>(i)) -= col;
        }
      }
      INFO("atom " << k << " axis " << a);
      CHECK(max_abs(analytic - fd) < 1e-6 * std::max(1.0, max_abs(fd)));
    }
}

TEST_CASE("MLFF forces and stress match finite differences (perturbed triclinic 2-element cell)",
          "[mlff]") {
  const Descriptor d(small_settings());
  const LinearModel model(small_settings(), random_weights(d, 21, 0.05));
  const Structure s = triclinic_cell(11);
  const auto r = model.compute(s);
  REQUIRE(r.has_stress);
  CHECK(r.energy_ev == Approx(model.atomic_energies_ev(s).sum()).epsilon(1e-12));
  const double fscale = max_abs(r.forces_ev_per_angstrom);
  REQUIRE(fscale > 1e-3);
  // Newton's third law: the local energies depend on differences only.
  CHECK(r.forces_ev_per_angstrom.rowwise().sum().norm() < 1e-12 * fscale * s.size());

  const double h = 1e-5;
  const double worst = test::worst_finite_difference_force_error(
      [&](const Structure& x) { return model.compute(x).energy_ev; }, s, r.forces_ev_per_angstrom,
      h);
  INFO("max |F| = " << fscale << " eV/Å, worst FD deviation " << worst);
  CHECK(worst < 1e-6 * fscale);

  const double v = s.volume_angstrom3();
  const double sscale = max_abs(r.stress_ev_per_angstrom3);
  REQUIRE(sscale > 1e-6);
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) {
      Eigen::Matrix3d fp = Eigen::Matrix3d::Identity(), fm = fp;
      fp(a, b) += h;
      fm(a, b) -= h;
      const double fd =
          (model.compute(strained(s, fp)).energy_ev - model.compute(strained(s, fm)).energy_ev) /
          (2 * h * v);
      INFO("stress component " << a << b);
      CHECK(std::abs(fd - r.stress_ev_per_angstrom3(a, b)) < 1e-6 * sscale);
    }
  CHECK(max_abs(r.stress_ev_per_angstrom3 - r.stress_ev_per_angstrom3.transpose()) <
        1e-12 * sscale);
}

TEST_CASE("MLFF fit recovers a known linear model exactly", "[mlff]") {
  const DescriptorSettings ds = small_settings();
  const Descriptor d(ds);
  const Eigen::VectorXd truth = random_weights(d, 33);
  const LinearModel true_model(ds, truth);
  std::vector<mlff::TrainingFrame> frames;
  for (unsigned k = 0; k < 14; ++k)  // varying composition: the biases are identifiable
    frames.push_back(label(true_model, triclinic_cell(100 + k, 0.2 + 0.04 * k)));
  mlff::FitSettings fs;
  fs.energy_sigma_ev_per_atom = 1e-3;
  fs.force_sigma_ev_per_angstrom = 1e-2;
  fs.stress_sigma_ev_per_angstrom3 = 1e-4;
  fs.ridge_lambda = 1e-14;
  const LinearModel fit = mlff::fit_linear_model(ds, frames, fs);
  const double werr = max_abs(fit.weights() - truth) / max_abs(truth);
  const auto& t = fit.training();
  INFO("relative weight error " << werr << ", force RMSE " << t.force_rmse_ev_per_angstrom
                                << " eV/Å, energy RMSE " << t.energy_rmse_ev_per_atom
                                << " eV/atom");
  CHECK(werr < 1e-8);
  CHECK(t.force_rmse_ev_per_angstrom < 1e-10);
  CHECK(t.energy_rmse_ev_per_atom < 1e-10);
  CHECK(t.stress_rmse_ev_per_angstrom3 < 1e-12);
  CHECK(t.structures == 14);
  CHECK(t.energy_observations == 14);
  CHECK(t.force_observations == 14 * 27 * 3);
  CHECK(t.stress_observations == 14 * 6);
  CHECK(t.data_sha256 == mlff::training_data_sha256(frames));
  CHECK(t.data_sha256.size() == 64);
  // The fitted model, evaluated through compute(), reproduces the data (same numbers as
  // the design matrix, by a different code path: reverse mode vs full gradients).
  const auto r = fit.compute(frames[3].structure);
  CHECK(max_abs(r.forces_ev_per_angstrom - *frames[3].forces_ev_per_angstrom) < 1e-9);
  CHECK(r.energy_ev == Approx(*frames[3].energy_ev).epsilon(1e-12));
}

TEST_CASE("MLFF high-force noise: the rows of far-from-equilibrium atoms and frames count less",
          "[mlff]") {
  const DescriptorSettings ds = small_settings();
  const Descriptor d(ds);
  const LinearModel true_model(ds, random_weights(d, 33));
  std::vector<mlff::TrainingFrame> frames;
  for (unsigned k = 0; k < 14; ++k)
    frames.push_back(label(true_model, triclinic_cell(100 + k, 0.2 + 0.04 * k)));
  mlff::FitSettings fs;
  fs.energy_sigma_ev_per_atom = 1e-3;
  fs.force_sigma_ev_per_angstrom = 1e-2;
  fs.ridge_lambda = 1e-14;

  // F0 between the smallest and largest force of frame 0, so both branches of max(1, |F|/F0)
  // occur in it.
  const Eigen::Matrix3Xd& f0_forces = *frames[0].forces_ev_per_angstrom;
  const Eigen::VectorXd norms = f0_forces.colwise().norm().transpose();
  REQUIRE(norms.maxCoeff() > 2 * norms.minCoeff());
  const double f0 = 0.5 * (norms.minCoeff() + norms.maxCoeff());
  fs.high_force_scale_ev_per_angstrom = f0;

  SECTION("row weights: 1/(σ_F max(1,|F_k|/F0))² per force, 1/(σ_E² N max(1,max|F|/F0)²)") {
    const mlff::DesignMatrix m = mlff::build_design_matrix(d, frames, fs);
    const auto n = static_cast<double>(frames[0].structure.size());
    const double frame_factor = norms.maxCoeff() / f0;
    REQUIRE(m.kinds[0] == mlff::DesignMatrix::Kind::energy);
    CHECK(m.row_weights[0] ==
          Approx(1.0 / (1e-6 * n * frame_factor * frame_factor)).epsilon(1e-12));
    std::size_t low = 0, high = 0;
    for (Eigen::Index k = 0; k < norms.size(); ++k) {
      const double factor = std::max(1.0, norms[k] / f0);
      (factor > 1 ? high : low) += 1;
      for (Eigen::Index a = 0; a < 3; ++a) {
        INFO("atom " << k << " component " << a << ", |F| " << norms[k] << " eV/Å, F0 " << f0);
        CHECK(m.row_weights[1 + 3 * k + a] ==
              Approx(1.0 / (1e-4 * factor * factor)).epsilon(1e-12));
      }
    }
    CHECK(low > 0);
    CHECK(high > 0);
    // Off (F0 = 0): the plain 1/σ² weights.
    fs.high_force_scale_ev_per_angstrom = 0;
    const mlff::DesignMatrix plain = mlff::build_design_matrix(d, frames, fs);
    CHECK(plain.row_weights[0] == Approx(1.0 / (1e-6 * n)).epsilon(1e-12));
    CHECK(plain.row_weights[1] == Approx(1e4).epsilon(1e-12));
    CHECK(plain.matrix == m.matrix);
    CHECK(plain.targets == m.targets);
  }
  SECTION("exact data is still recovered exactly: the weights only matter for misfit") {
    const LinearModel fit = mlff::fit_linear_model(ds, frames, fs);
    CHECK(max_abs(fit.weights() - true_model.weights()) / max_abs(true_model.weights()) < 1e-8);
    CHECK(fit.training().settings.high_force_scale_ev_per_angstrom == f0);
  }
  SECTION("a misfit frame with large forces pulls the fit less than with uniform noise") {
    // Frame 5's forces are scaled ×20 (inconsistent with the others and with its own
    // energy): the fit's error on the 13 consistent frames must drop when F0 discounts it.
    auto bad = frames;
    *bad[5].forces_ev_per_angstrom *= 20;
    const auto clean_force_error = [&](double scale) {
      fs.high_force_scale_ev_per_angstrom = scale;
      const LinearModel fit = mlff::fit_linear_model(ds, bad, fs);
      double err = 0;
      for (std::size_t f = 0; f < bad.size(); ++f)
        if (f != 5)
          err += (fit.compute(bad[f].structure).forces_ev_per_angstrom -
                  *bad[f].forces_ev_per_angstrom)
                     .squaredNorm();
      return std::sqrt(err);
    };
    const double uniform = clean_force_error(0), weighted = clean_force_error(f0);
    INFO("force error on the consistent frames: uniform " << uniform << ", F0 " << weighted);
    CHECK(weighted < 0.5 * uniform);
  }
  SECTION("a negative or non-finite F0 is refused") {
    fs.high_force_scale_ev_per_angstrom = -1;
    CHECK_THROWS_WITH(mlff::fit_linear_model(ds, frames, fs),
                      Catch::Contains("high_force_scale_ev_per_angstrom must be finite and >= 0"));
    fs.high_force_scale_ev_per_angstrom = std::numeric_limits<double>::infinity();
    CHECK_THROWS_WITH(mlff::fit_linear_model(ds, frames, fs),
                      Catch::Contains("high_force_scale_ev_per_angstrom must be finite and >= 0"));
  }
}

namespace {
struct Learned {
  LinearModel model;
  std::vector<Structure> test_cells;
  double force_mae = 0, mean_force_component = 0, energy_mae = 0;
};

// Fits `ds` to the shipped CsPbI3 pair potential on `train_count` rattled 2×2×2 cells and
// measures it on 6 held-out cells of the same distribution.
Learned learn_pair_potential(const DescriptorSettings& ds, std::size_t train_count,
                             double rattle_angstrom) {
  const atomistic::PairPotential reference = io::load_pair_potential(
      test::source_path("examples/potentials/cspbi3_buckingham_coulomb.json"));
  std::vector<mlff::TrainingFrame> train, test;
  for (const auto& s : rattled_cspbi3(train_count, 1, rattle_angstrom, 0.01))
    train.push_back(label(reference, s));
  const auto test_cells = rattled_cspbi3(6, 2, rattle_angstrom, 0.01);
  for (const auto& s : test_cells) test.push_back(label(reference, s));
  mlff::FitSettings fs;
  fs.energy_sigma_ev_per_atom = 0.002;
  fs.force_sigma_ev_per_angstrom = 0.05;
  fs.ridge_lambda = 1e-6;
  Learned out{mlff::fit_linear_model(ds, train, fs), test_cells, 0, 0, 0};
  std::size_t components = 0;
  for (const auto& f : test) {
    const auto r = out.model.compute(f.structure);
    out.force_mae += (r.forces_ev_per_angstrom - *f.forces_ev_per_angstrom).cwiseAbs().sum();
    out.mean_force_component += f.forces_ev_per_angstrom->cwiseAbs().sum();
    components += static_cast<std::size_t>(f.forces_ev_per_angstrom->size());
    out.energy_mae +=
        std::abs(r.energy_ev - *f.energy_ev) / static_cast<double>(f.structure.size());
  }
  out.force_mae /= static_cast<double>(components);
  out.mean_force_component /= static_cast<double>(components);
  out.energy_mae /= static_cast<double>(test.size());
  std::cout << "[mlff] CsPbI3 pair potential (rattle " << rattle_angstrom << " Å), "
            << out.model.parameter_count() << " parameters, " << train_count
            << " training cells: train force RMSE "
            << out.model.training().force_rmse_ev_per_angstrom << " eV/Å; held-out force MAE "
            << out.force_mae << " eV/Å (mean |F_a| " << out.mean_force_component
            << " eV/Å), held-out energy MAE " << out.energy_mae << " eV/atom\n";
  return out;
}
}  // namespace

TEST_CASE("MLFF learns the CsPbI3 pair potential; uncertainty grows away from the data", "[mlff]") {
  DescriptorSettings ds;
  ds.elements = {"Cs", "Pb", "I"};
  ds.cutoff_angstrom = 5.5;
  ds.radial_order = 6;
  ds.angular_radial_order = 3;
  ds.angular_order = 2;
  const Learned learned = learn_pair_potential(ds, 30, 0.12);
  const LinearModel& model = learned.model;
  const auto& test_cells = learned.test_cells;
  // Loose but meaningful: a model that learned nothing has MAE ≈ mean |F_a|.
  CHECK(learned.force_mae < 0.1 * learned.mean_force_component);
  CHECK(learned.energy_mae < 0.002);

  // Uncertainty: a held-out cell from the training distribution vs a strongly compressed one.
  const auto in = model.uncertainty(test_cells[0]);
  Structure compressed = test_cells[0];
  compressed.cell_angstrom *= 0.92;
  compressed.positions_angstrom *= 0.92;
  const auto out = model.uncertainty(compressed);
  const double f_in = in.forces_ev_per_angstrom.mean(), f_out = out.forces_ev_per_angstrom.mean();
  std::cout << "[mlff] posterior std: held-out cell: energy " << in.total_ev
            << " eV, mean force component " << f_in << " eV/Å; compressed by 8 %: energy "
            << out.total_ev << " eV, force " << f_out << " eV/Å; mean per-atom energy "
            << in.per_atom_ev.mean() << " vs " << out.per_atom_ev.mean() << " eV\n";
  CHECK(in.per_atom_ev.size() == 40);
  CHECK(in.forces_ev_per_angstrom.cols() == 40);
  CHECK(out.total_ev > 5 * in.total_ev);
  CHECK(f_out > 5 * f_in);
  CHECK(out.per_atom_ev.mean() > in.per_atom_ev.mean());
}

TEST_CASE("MLFF results do not depend on the thread count", "[mlff]") {
  DescriptorSettings ds = small_settings();
  const LinearModel model(ds, random_weights(Descriptor(ds), 5));
  const Structure s = triclinic_cell(41, 0.4, 4);
  atomistic::EnergyForces one, many;
  // Allow 4 threads even on a 2-core machine (oversubscribed, but really 4 threads).
  const tbb::global_control allow(tbb::global_control::max_allowed_parallelism, 4);
  tbb::task_arena(1).execute([&] { one = model.compute(s); });
  tbb::task_arena(4).execute([&] { many = model.compute(s); });
  CHECK(one.energy_ev == many.energy_ev);  // bit-identical, stronger than 1e-12
  CHECK(one.forces_ev_per_angstrom == many.forces_ev_per_angstrom);
  CHECK(one.stress_ev_per_angstrom3 == many.stress_ev_per_angstrom3);
  std::vector<mlff::TrainingFrame> frames;
  for (unsigned k = 0; k < 4; ++k) frames.push_back(label(model, triclinic_cell(k, 0.3 + 0.1 * k)));
  Eigen::VectorXd w1, w4;
  tbb::task_arena(1).execute([&] { w1 = mlff::fit_linear_model(ds, frames).weights(); });
  tbb::task_arena(4).execute([&] { w4 = mlff::fit_linear_model(ds, frames).weights(); });
  CHECK(w1 == w4);
}

TEST_CASE("MLFF parameters_json and bad inputs", "[mlff][bad-input]") {
  const DescriptorSettings ds = small_settings();
  const Descriptor d(ds);
  const Eigen::VectorXd w = random_weights(d, 1);
  const std::string json = LinearModel(ds, w).parameters_json();
  DescriptorSettings reordered = ds;
  std::swap(reordered.elements[0], reordered.elements[1]);
  CHECK(LinearModel(reordered, w).parameters_json() == json);
  Eigen::VectorXd w2 = w;
  w2[7] = std::nextafter(w2[7], 1.0);
  CHECK(LinearModel(ds, w2).parameters_json() != json);
  CHECK(json.find("\"cutoff_angstrom\":4.0") != std::string::npos);
  CHECK(json.find("\"schema\":\"ionhop.mlff/1\"") != std::string::npos);

  CHECK(test::input_error_of([&] { LinearModel(ds, Eigen::VectorXd::Zero(3)); }) ==
        "mlff model: 3 weights, expected 190 (2 elements × (1 bias + 94 features))");
  Structure s = triclinic_cell(1);
  s.elements[4] = "Br";
  const LinearModel model(ds, w);
  CHECK(test::input_error_of([&] { model.compute(s); }) ==
        "potential mlff-linear has no parameters for element Br");
  CHECK(test::input_error_of([&] { model.uncertainty(triclinic_cell(1)); }) ==
        "mlff model: no posterior covariance (the model was not fitted with uncertainty)");
  Structure small = triclinic_cell(1, 0.4, 2);  // 6 Å cell < 2 × 4 Å
  CHECK(test::input_error_of([&] {
          model.compute(small);
        }).starts_with("potential mlff-linear: cutoff 4 Å is larger than half"));
  DescriptorSettings bad = ds;
  bad.elements.push_back("Pb");
  CHECK(test::input_error_of([&] { Descriptor{bad}; }) ==
        "mlff descriptor: element Pb is listed twice");
  bad = ds;
  bad.angular_order = 9;
  CHECK(test::input_error_of([&] { Descriptor{bad}; }) ==
        "mlff descriptor: angular_order must be in [0, 8]");
  mlff::FitSettings fs;
  fs.ridge_lambda = 0;
  CHECK(test::input_error_of([&] { mlff::fit_linear_model(ds, {}, {}); }) ==
        "mlff fit: no training frames");
  std::vector<mlff::TrainingFrame> frames{label(model, triclinic_cell(2))};
  CHECK(test::input_error_of([&] { mlff::fit_linear_model(ds, frames, fs); }) ==
        "mlff fit: ridge_lambda must be > 0");
  frames.push_back(label(model, triclinic_cell(3)));
  frames[1].structure.elements[0] = "Cs";
  CHECK(test::input_error_of([&] { mlff::fit_linear_model(ds, frames); }) ==
        "training frame 1: mlff has no parameters for element Cs");
}

TEST_CASE("MLFF with the default hyperparameters learns the CsPbI3 pair potential",
          "[.mlff_long]") {
  DescriptorSettings ds;
  ds.elements = {"Cs", "Pb", "I"};  // defaults: r_c 5.5 Å, N_r 8, N_a 4, L 3
  for (double rattle : {0.12, 0.25}) {
    const Learned learned = learn_pair_potential(ds, 60, rattle);
    CHECK(learned.force_mae < 0.1 * learned.mean_force_component);
  }
}

TEST_CASE("MLFF cost per atom-step for CsPbI3 supercells", "[.mlff_timing]") {
  DescriptorSettings ds;
  ds.elements = {"Cs", "Pb", "I"};  // defaults: r_c 5.5 Å, N_r 8, N_a 4, L 3
  const Descriptor d(ds);
  const LinearModel model(ds, random_weights(d, 3));
  const lattice::Crystal crystal =
      io::load_crystal(test::source_path("lattices/cspbi3_cubic.json"));
  for (int n : {2, 4}) {
    const lattice::SiteGraph graph(crystal, {n, n, n});
    Structure s = atomistic::SupercellBuilder(graph).perfect();
    std::mt19937 rng(1);
    std::normal_distribution<double> g(0, 0.1);
    for (Eigen::Index k = 0; k < s.positions_angstrom.cols(); ++k)
      s.positions_angstrom.col(k) += Vec3(g(rng), g(rng), g(rng));
    for (int threads : {1, 0}) {
      tbb::task_arena arena(threads == 0 ? tbb::task_arena::automatic : threads);
      const int reps = n == 2 ? 50 : 5;
      double seconds = 0;
      arena.execute([&] {
        model.compute(s);
        const auto t0 = std::chrono::steady_clock::now();
        for (int k = 0; k < reps; ++k) model.compute(s);
        seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / reps;
      });
      std::cout << n << "x" << n << "x" << n << " CsPbI3 (" << s.size() << " atoms, "
                << d.feature_count() << " features/atom), "
                << (threads == 0 ? "all threads" : "1 thread") << ": " << seconds * 1e3
                << " ms per compute(), " << seconds / static_cast<double>(s.size()) * 1e6
                << " µs per atom-step\n";
    }
  }
}
