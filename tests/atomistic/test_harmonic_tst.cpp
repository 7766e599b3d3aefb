// Harmonic TST (Vineyard 1957): finite-difference Hessians against analytic ones with the exact
// O(h²) error term, Vineyard's prefactor of a separable well in closed form, 1/sqrt(m) mass
// scaling, HTST as the low-temperature limit of the classical TST rate, a CI-NEB saddle of
// Müller–Brown, translations of a periodic CsPbI3 cell, and the input errors.
#include <tbb/global_control.h>

#include <Eigen/Dense>
#include <catch2/catch.hpp>
#include <cmath>
#include <numbers>

#include "../test_support.hpp"
#include "ionhop/atomistic/analytic_surfaces.hpp"
#include "ionhop/atomistic/element_masses.hpp"
#include "ionhop/atomistic/fire.hpp"
#include "ionhop/atomistic/harmonic_tst.hpp"
#include "ionhop/atomistic/neb.hpp"
#include "ionhop/atomistic/rattle.hpp"
#include "ionhop/atomistic/supercell_builder.hpp"
#include "ionhop/io/lattice_file.hpp"
#include "ionhop/io/pair_potential_file.hpp"

using namespace ionhop;
using namespace ionhop::atomistic;
using Catch::Matchers::Contains;

namespace {

// ν = sqrt(k/m)/(2π) in THz from SI units directly (independent of the library's constant).
double nu_thz(double stiffness_ev_per_angstrom2, double mass_amu) {
  const double k_si = stiffness_ev_per_angstrom2 * 1.602176634e-19 / 1e-20;  // J/m²
  const double m_si = mass_amu * 1.66053906660e-27;                          // kg
  return std::sqrt(k_si / m_si) / (2 * std::numbers::pi) * 1e-12;
}

// One atom (about the origin; the cell is irrelevant) on
//   E = h (x²/w² − 1)² + ½ (k_a + k_b x²/w²) y² + ½ k_z z².
// Stationary points on y = z = 0 where V' = 0: minima (±w, 0, 0) with Hessian
// diag(8h/w², k_a + k_b, k_z), saddle (0, 0, 0) with diag(−4h/w², k_a, k_z). The transverse
// stiffness differs between minimum and saddle, so Vineyard's ratio is not just ν_x(min):
//   ν* = ν_x(min) ν_y(min) ν_z / (ν_y(saddle) ν_z) = sqrt(8h/(m w²)) sqrt((k_a + k_b)/k_a) / 2π.
class SeparableWell : public Potential {
 public:
  static constexpr double kH = 0.5, kW = 1.0, kKa = 2.0, kKb = 3.0, kKz = 5.0;
  std::string name() const override { return "separable-well"; }
  std::string parameters_json() const override { return "{}"; }
  EnergyForces compute(const Structure& s) const override {
    const double x = s.positions_angstrom(0, 0), y = s.positions_angstrom(1, 0),
                 z = s.positions_angstrom(2, 0);
    const double u = x * x / (kW * kW) - 1, ky = kKa + kKb * x * x / (kW * kW);
    EnergyForces out;
    out.energy_ev = kH * u * u + 0.5 * ky * y * y + 0.5 * kKz * z * z;
    out.forces_ev_per_angstrom = Eigen::Matrix3Xd(3, 1);
    out.forces_ev_per_angstrom.col(0)
        << -(4 * kH * x / (kW * kW) * u + kKb * x * y * y / (kW * kW)),
        -ky * y, -kKz * z;
    return out;
  }
  static Eigen::Matrix3d hessian(const Eigen::Vector3d& r) {
    const double x = r[0], y = r[1], w2 = kW * kW;
    Eigen::Matrix3d h = Eigen::Matrix3d::Zero();
    h(0, 0) = 4 * kH / w2 * (3 * x * x / w2 - 1) + kKb * y * y / w2;
    h(0, 1) = h(1, 0) = 2 * kKb * x * y / w2;
    h(1, 1) = kKa + kKb * x * x / w2;
    h(2, 2) = kKz;
    return h;
  }
};

// Double wells in x and in y: (0, 0, 0) is a saddle of order 2, (w, 0, 0) one of order 1,
// (w, w, 0) a minimum.
class TwoWells : public Potential {
 public:
  std::string name() const override { return "two-wells"; }
  std::string parameters_json() const override { return "{}"; }
  EnergyForces compute(const Structure& s) const override {
    EnergyForces out;
    out.forces_ev_per_angstrom = Eigen::Matrix3Xd(3, 1);
    for (int a = 0; a < 2; ++a) {
      const double q = s.positions_angstrom(a, 0), u = q * q - 1;
      out.energy_ev += 0.5 * u * u;
      out.forces_ev_per_angstrom(a, 0) = -2 * q * u;
    }
    out.energy_ev += 2.5 * std::pow(s.positions_angstrom(2, 0), 2);
    out.forces_ev_per_angstrom(2, 0) = -5 * s.positions_angstrom(2, 0);
    return out;
  }
};

// E = ½ (x − x0)ᵀ K (x − x0) over all 3N coordinates: the Hessian is K, exactly.
class QuadraticForm : public Potential {
 public:
  QuadraticForm(Eigen::MatrixXd k, Eigen::VectorXd x0) : k_(std::move(k)), x0_(std::move(x0)) {}
  std::string name() const override { return "quadratic-form"; }
  std::string parameters_json() const override { return "{}"; }
  EnergyForces compute(const Structure& s) const override {
    const Eigen::VectorXd dx = Eigen::Map<const Eigen::VectorXd>(s.positions_angstrom.data(),
                                                                 3 * s.positions_angstrom.cols()) -
                               x0_;
    const Eigen::VectorXd f = -k_ * dx;
    EnergyForces out;
    out.energy_ev = 0.5 * dx.dot(k_ * dx);
    out.forces_ev_per_angstrom =
        Eigen::Map<const Eigen::Matrix3Xd>(f.data(), 3, s.positions_angstrom.cols());
    return out;
  }

 private:
  Eigen::MatrixXd k_;
  Eigen::VectorXd x0_;
};

Structure atom_at(double x, double y, double z, const std::string& element) {
  Structure s = single_atom_structure(x, y, 100.0, element);
  s.positions_angstrom(2, 0) = z;
  return s;
}

// Symmetric positive-definite (or, with `negative` eigenvalues flipped, indefinite) K.
Eigen::MatrixXd random_symmetric(int n, int negative, unsigned seed) {
  std::srand(seed);
  const Eigen::MatrixXd a = Eigen::MatrixXd::Random(n, n);
  const Eigen::HouseholderQR<Eigen::MatrixXd> qr(a);
  const Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(n, n);
  Eigen::VectorXd lambda(n);
  for (int i = 0; i < n; ++i) lambda[i] = (i < negative ? -1.0 : 1.0) * (1.0 + 0.5 * i);
  return q * lambda.asDiagonal() * q.transpose();
}

}  // namespace

TEST_CASE("eV/(A^2 amu) to THz: the constant from CODATA e and u", "[vineyard]") {
  CHECK(kOmega2PerEvPerAngstrom2Amu_s2 == Approx(9.6485332157e27).epsilon(1e-10));
  // 1 eV/(Å² amu): ω = 9.8226e13 rad/s, ν = 15.633 THz.
  CHECK(frequency_thz_from_eigenvalue(1.0) == Approx(15.6333).epsilon(1e-5));
  CHECK(frequency_thz_from_eigenvalue(-4.0) == Approx(-2 * 15.6333).epsilon(1e-5));
  CHECK(frequency_thz_from_eigenvalue(2.0) == Approx(nu_thz(2.0, 1.0)).epsilon(1e-12));
}

TEST_CASE("finite-difference Hessian: exact O(h^2) error term and convergence order",
          "[vineyard]") {
  const SeparableWell well;
  // E is quartic in x, so the central difference of F_x has the exact error h²/6 ∂⁴E/∂x⁴
  // = 4 h_b h²/w⁴ on H_xx and none elsewhere (F_y, F_z are at most quadratic in the
  // displaced coordinate).
  for (const double h : {0.01, 0.005}) {
    const Eigen::Vector3d r(0.37, -0.21, 0.4);
    const Eigen::MatrixXd fd = finite_difference_hessian(well, atom_at(r[0], r[1], r[2], "Ar"), h);
    Eigen::Matrix3d expected = SeparableWell::hessian(r);
    expected(0, 0) += 4 * SeparableWell::kH * h * h / std::pow(SeparableWell::kW, 4);
    INFO("h = " << h << "\nFD\n" << fd << "\nexpected\n" << expected);
    CHECK((fd - expected).cwiseAbs().maxCoeff() < 1e-9);
  }
  // Müller–Brown (not polynomial): error(h) / error(h/2) → 4 for an O(h²) method.
  const MullerBrownPotential mb;
  const Eigen::Vector2d p(-0.3, 0.9);
  const auto error_at = [&](double h) {
    const Eigen::MatrixXd fd = finite_difference_hessian(mb, single_atom_structure(p[0], p[1]), h);
    CHECK(fd.row(2).norm() == 0.0);  // V does not depend on z
    return (fd.topLeftCorner<2, 2>() - MullerBrownPotential::hessian(p)).norm();
  };
  const double e1 = error_at(0.004), e2 = error_at(0.002);
  INFO("MB Hessian error: h = 0.004 -> " << e1 << ", h = 0.002 -> " << e2 << ", |H| "
                                         << MullerBrownPotential::hessian(p).norm());
  CHECK(e1 / e2 == Approx(4.0).epsilon(0.02));
  CHECK(e2 < 1e-4 * MullerBrownPotential::hessian(p).norm());
}

TEST_CASE(
    "finite-difference Hessian: free atoms only, exact for a quadratic form, "
    "thread-count independent",
    "[vineyard]") {
  const int atoms = 4;
  const Eigen::MatrixXd k = random_symmetric(3 * atoms, 0, 11);
  const Eigen::VectorXd x0 = Eigen::VectorXd::LinSpaced(3 * atoms, -1.0, 2.0);
  const QuadraticForm potential(k, x0);
  Structure s;
  s.cell_angstrom = Eigen::Matrix3d::Identity() * 50;
  for (int a = 0; a < atoms; ++a) s.append("Ar", Vec3(0.1 * a, -0.2 * a, 0.3));
  s.fixed = {false, true, false, false};  // atom 1 fixed: rows/cols 3–5 of K drop out
  const Eigen::MatrixXd h = finite_difference_hessian(potential, s, 0.01);
  REQUIRE(h.rows() == 9);
  Eigen::MatrixXd expected(9, 9);
  const int keep[3] = {0, 2, 3};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      expected.block<3, 3>(3 * i, 3 * j) = k.block<3, 3>(3 * keep[i], 3 * keep[j]);
  CHECK((h - expected).cwiseAbs().maxCoeff() < 1e-10);  // round-off ε|F|/h only
  CHECK((h - h.transpose()).norm() == 0.0);

  Eigen::MatrixXd one_thread;
  {
    const tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 1);
    one_thread = finite_difference_hessian(potential, s, 0.01);
  }
  CHECK((one_thread - h).norm() == 0.0);
}

TEST_CASE("Vineyard prefactor of a separable double well in closed form", "[vineyard]") {
  const SeparableWell well;
  using W = SeparableWell;
  const double m = atomic_mass_amu("Ar");
  const HarmonicSettings settings;  // h = 0.005 Å, translations tested (none is free here)
  const VineyardResult r =
      vineyard_prefactor(well, atom_at(W::kW, 0, 0, "Ar"), atom_at(0, 0, 0, "Ar"), settings);
  const double v_xx_min = 8 * W::kH / (W::kW * W::kW), v_xx_saddle = 4 * W::kH / (W::kW * W::kW);
  const double expected = nu_thz(v_xx_min, m) * std::sqrt((W::kKa + W::kKb) / W::kKa);
  // FD error: H_xx gains 4 h_b h²/w⁴, relative h²/(2w²) = 1.25e-5 at the minimum, so ν_x is off
  // by 6e-6 relative; the transverse stiffnesses are exact. Tolerance 1e-4 as required.
  INFO("nu* = " << r.prefactor_thz << " THz, expected " << expected);
  CHECK(r.prefactor_thz == Approx(expected).epsilon(1e-4));
  CHECK(std::abs(r.prefactor_thz / expected - 1) < 1e-5);
  CHECK(r.imaginary_frequency_thz == Approx(nu_thz(v_xx_saddle, m)).epsilon(1e-4));
  CHECK(r.warning.empty());
  CHECK(r.minimum.imaginary_modes == 0);
  CHECK(r.saddle.imaginary_modes == 1);
  // One atom held by an external potential: no uniform translation is a zero mode.
  CHECK(r.minimum.removed_zero_modes == 0);
  CHECK(r.saddle.removed_zero_modes == 0);
  REQUIRE(r.minimum.frequencies_thz.size() == 3);
  // Ascending: ν_y(min) = sqrt(5/m), ν_z = sqrt(5/m), ν_x(min) = sqrt(4/m).
  CHECK(r.minimum.frequencies_thz[0] == Approx(nu_thz(v_xx_min, m)).epsilon(1e-4));
  CHECK(r.saddle.frequencies_thz[1] == Approx(nu_thz(W::kKa, m)).epsilon(1e-9));
}

TEST_CASE("Vineyard prefactor scales as 1/sqrt(m) for equal masses", "[vineyard]") {
  const SeparableWell well;
  const HarmonicSettings settings;
  const auto prefactor = [&](const std::string& element) {
    return vineyard_prefactor(well, atom_at(SeparableWell::kW, 0, 0, element),
                              atom_at(0, 0, 0, element), settings)
        .prefactor_thz;
  };
  // The Hessian is the same; every eigenvalue of M^{-1/2} H M^{-1/2} scales as 1/m.
  CHECK(prefactor("H") / prefactor("Pb") ==
        Approx(std::sqrt(atomic_mass_amu("Pb") / atomic_mass_amu("H"))).epsilon(1e-12));

  // Three atoms of one element on quadratic forms: K_min positive definite, K_saddle with one
  // negative eigenvalue (the two analyses combined with the second overload).
  const Eigen::MatrixXd k_min = random_symmetric(9, 0, 3), k_saddle = random_symmetric(9, 1, 5);
  const Eigen::VectorXd x0 = Eigen::VectorXd::Zero(9);
  const QuadraticForm p_min(k_min, x0), p_saddle(k_saddle, x0);
  const auto three_atoms = [](const std::string& element) {
    Structure s;
    s.cell_angstrom = Eigen::Matrix3d::Identity() * 50;
    for (int a = 0; a < 3; ++a) s.append(element, Vec3(0.2 * a, 0, 0));
    return s;
  };
  const auto ratio_prefactor = [&](const std::string& element) {
    return vineyard_prefactor(analyse_normal_modes(p_min, three_atoms(element), settings),
                              analyse_normal_modes(p_saddle, three_atoms(element), settings),
                              settings)
        .prefactor_thz;
  };
  CHECK(ratio_prefactor("I") / ratio_prefactor("Cs") ==
        Approx(std::sqrt(atomic_mass_amu("Cs") / atomic_mass_amu("I"))).epsilon(1e-12));
  // Masses from settings override the table: m = 4 vs 1 halves ν*.
  HarmonicSettings heavy = settings, light = settings;
  heavy.masses_amu["X"] = 4.0;
  light.masses_amu["X"] = 1.0;
  const auto with = [&](const HarmonicSettings& s) {
    return vineyard_prefactor(well, atom_at(SeparableWell::kW, 0, 0, "X"), atom_at(0, 0, 0, "X"), s)
        .prefactor_thz;
  };
  CHECK(with(light) / with(heavy) == Approx(2.0).epsilon(1e-12));
}

TEST_CASE("HTST is the low-temperature limit of the classical TST rate", "[vineyard]") {
  // Classical TST for the separable well, dividing surface x = 0, reactant x > 0 (the y and z
  // Gaussian integrals done analytically):
  //   k_TST = sqrt(k_B T/(2π m)) e^{−h/k_B T} / sqrt(k_a) / ∫_0^∞ e^{−V(x)/k_B T} / sqrt(k_y(x))
  //   dx.
  // Laplace's method gives k_TST = ν* e^{−h/k_B T} (1 + c k_B T/h + O(T²)): the ratio → 1
  // linearly in T, so Richardson's 2 r(T/2) − r(T) is 1 up to O(T²).
  using W = SeparableWell;
  const SeparableWell well;
  const double m = atomic_mass_amu("Ar");
  const double nu_star_hz = vineyard_prefactor(well, atom_at(W::kW, 0, 0, "Ar"),
                                               atom_at(0, 0, 0, "Ar"), HarmonicSettings{})
                                .prefactor_thz *
                            1e12;
  const auto ratio = [&](double kt_ev) {
    const int n = 200000;  // Simpson on [0, 3w]; the well's Gaussian width is ≥ 0.01 Å here
    const double dx = 3 * W::kW / n;
    double integral = 0;
    for (int i = 0; i <= n; ++i) {
      const double x = i * dx, u = x * x / (W::kW * W::kW) - 1;
      const double f = std::exp(-W::kH * u * u / kt_ev) / std::sqrt(W::kKa + W::kKb * x * x);
      integral += f * (i == 0 || i == n ? 1 : (i % 2 ? 4 : 2));
    }
    integral *= dx / 3;
    // sqrt(eV/amu) → Å/s: sqrt(9.6485e27 Å² s⁻²) per sqrt(eV/amu).
    const double speed =
        std::sqrt(kt_ev / (2 * std::numbers::pi * m) * kOmega2PerEvPerAngstrom2Amu_s2);
    const double k_tst_over_boltzmann = speed / std::sqrt(W::kKa) / integral;  // s⁻¹
    return k_tst_over_boltzmann / nu_star_hz;
  };
  const double kt = W::kH / 200;
  const double r1 = ratio(kt), r2 = ratio(kt / 2);
  INFO("k_TST/k_HTST at kT = h/200: " << r1 << ", h/400: " << r2);
  CHECK(std::abs(r1 - 1) < 0.05);
  CHECK((r1 - 1) / (r2 - 1) == Approx(2.0).epsilon(0.05));  // linear in T
  CHECK(std::abs(2 * r2 - r1 - 1) < 1e-4);
}

TEST_CASE("CI-NEB saddle of Mueller-Brown: one imaginary mode, z translation removed",
          "[vineyard]") {
  const MullerBrownPotential mb;
  FireParameters fire;
  fire.dt_start = 0.002;
  fire.dt_max = 0.01;
  fire.max_step_angstrom = 0.05;
  NebSettings s;
  s.images = 9;
  s.spring_constant_ev_per_angstrom2 = 100;
  s.force_tolerance_ev_per_angstrom = 1e-3;
  s.max_steps = 20000;
  s.climb_force_factor = 1000;
  s.interpolation = Interpolation::kLinear;
  s.endpoint_relaxation = FireSettings{fire, 1e-4, 5000, {}, {}, 10};
  s.optimizer = fire;
  const NebResult neb = run_neb(mb, single_atom_structure(-0.558, 1.442, 100, "H"),
                                single_atom_structure(-0.050, 0.467, 100, "H"), s);
  REQUIRE(neb.converged);
  // MB is stiff (|H| ~ 1e3 eV/Å²): the FD Hessian error measured above is 0.024 eV/Å² at
  // h = 0.002 Å, 2e-5 of |H| (round-off ε|F|/h ~ 1e-11 stays negligible).
  HarmonicSettings settings;
  settings.displacement_angstrom = 0.002;
  const VineyardResult r = vineyard_prefactor(mb, neb.images.front(), neb.saddle, settings);
  CHECK(r.saddle.imaginary_modes == 1);
  CHECK(r.minimum.imaginary_modes == 0);
  // V does not depend on z: that translation is an exact zero mode and is removed; x and y
  // are pinned by the surface.
  CHECK(r.minimum.removed_zero_modes == 1);
  CHECK(r.saddle.removed_zero_modes == 1);
  CHECK(r.minimum.removed_mode_frequencies_thz[0] == 0.0);
  CHECK(r.warning.empty());

  // Against the analytic Hessians at the same two points: ν* = ν(λ1) ν(λ2) / ν(λ2 at the saddle).
  const double m = atomic_mass_amu("H");
  const auto eigen = [&](const Structure& st) {
    return Eigen::SelfAdjointEigenSolver<Eigen::Matrix2d>(
               MullerBrownPotential::hessian(st.positions_angstrom.col(0).head<2>()))
        .eigenvalues();
  };
  const Eigen::Vector2d lm = eigen(neb.images.front()), ls = eigen(neb.saddle);
  REQUIRE(ls[0] < 0);
  const double expected = nu_thz(lm[0], m) * nu_thz(lm[1], m) / nu_thz(ls[1], m);
  INFO("nu* = " << r.prefactor_thz << " THz (FD) vs " << expected << " THz (analytic Hessian)");
  // Relative FD error ~2e-5 on the eigenvalues, ~1e-5 on ν* (measured 1e-5); tolerance 1e-4.
  CHECK(r.prefactor_thz == Approx(expected).epsilon(1e-4));
  CHECK(r.imaginary_frequency_thz == Approx(nu_thz(-ls[0], m)).epsilon(1e-4));

  // Without zero-mode removal the z mode has frequency 0 and ν* is undefined: an error.
  HarmonicSettings keep_all = settings;
  keep_all.zero_modes = ZeroModeTreatment::kNone;
  CHECK_THROWS_WITH(vineyard_prefactor(mb, neb.images.front(), neb.saddle, keep_all),
                    Contains("zero frequency"));
}

TEST_CASE("periodic CsPbI3: three translations removed, no imaginary mode at a minimum",
          "[vineyard]") {
  const auto crystal = io::load_crystal(test::source_path("lattices/cspbi3_cubic.json"));
  const lattice::SiteGraph graph(crystal, {2, 2, 2});
  Structure start = SupercellBuilder(graph).perfect();  // 40 atoms
  Structure twin = start;
  // The cubic cell is a saddle (tilt instability): break the symmetry, then relax.
  rattle_endpoints(start, twin, 0.05, 7);
  const PairPotential potential = io::load_pair_potential(
      test::source_path("examples/potentials/cspbi3_buckingham_coulomb.json"));
  const RelaxResult relaxed =
      relax(potential, start, FireSettings{FireParameters{}, 1e-4, 20000, {}, {}, 10});
  REQUIRE(relaxed.converged);

  const HarmonicSettings settings;
  const HarmonicAnalysis a = analyse_normal_modes(potential, relaxed.structure, settings);
  INFO("relaxation steps " << relaxed.steps << "; removed translations "
                           << a.removed_mode_frequencies_thz.transpose() << " THz; lowest modes "
                           << a.frequencies_thz.head(6).transpose() << " THz; highest "
                           << a.frequencies_thz.tail(1) << " THz");
  CHECK(a.removed_zero_modes == 3);
  CHECK(a.frequencies_thz.size() == 3 * 40 - 3);
  CHECK(a.removed_mode_frequencies_thz.cwiseAbs().maxCoeff() < settings.imaginary_tolerance_thz);
  CHECK(a.imaginary_modes == 0);

  // Without the projection the same spectrum appears plus three near-zero modes.
  HarmonicSettings keep_all = settings;
  keep_all.zero_modes = ZeroModeTreatment::kNone;
  const HarmonicAnalysis all = analyse_normal_modes(potential, relaxed.structure, keep_all);
  REQUIRE(all.frequencies_thz.size() == 120);
  std::vector<double> v(all.frequencies_thz.begin(), all.frequencies_thz.end());
  std::sort(v.begin(), v.end(), [](double x, double y) { return std::abs(x) < std::abs(y); });
  for (int i = 0; i < 3; ++i)
    CHECK(std::abs(v[static_cast<std::size_t>(i)]) < settings.imaginary_tolerance_thz);
  std::vector<double> rest(v.begin() + 3, v.end());
  std::sort(rest.begin(), rest.end());
  double worst = 0;
  for (std::size_t i = 0; i < rest.size(); ++i)
    worst = std::max(worst, std::abs(rest[i] - a.frequencies_thz[static_cast<Eigen::Index>(i)]));
  INFO("largest difference between projected and unprojected spectra " << worst << " THz");
  CHECK(worst < 1e-3);
}

TEST_CASE("Vineyard input errors: not a minimum, not a first-order saddle, other structures",
          "[vineyard]") {
  const SeparableWell well;
  const HarmonicSettings settings;
  const Structure minimum = atom_at(SeparableWell::kW, 0, 0, "Ar");
  const Structure saddle = atom_at(0, 0, 0, "Ar");
  CHECK_THAT(test::input_error_of([&] { vineyard_prefactor(well, saddle, saddle, settings); }),
             Contains("minimum has 1 imaginary mode (") && Contains("THz): not a minimum"));
  CHECK_THAT(test::input_error_of([&] { vineyard_prefactor(well, minimum, minimum, settings); }),
             Contains("saddle has 0 imaginary modes") &&
                 Contains("not a first-order saddle; tighten the NEB force tolerance"));
  const TwoWells wells;
  CHECK_THAT(test::input_error_of([&] {
               vineyard_prefactor(wells, atom_at(1, 1, 0, "Ar"), atom_at(0, 0, 0, "Ar"), settings);
             }),
             Contains("saddle has 2 imaginary modes (") &&
                 Contains("not a first-order saddle; tighten the NEB force tolerance"));
  // The order-1 saddle of the same surface is fine.
  CHECK_NOTHROW(
      vineyard_prefactor(wells, atom_at(1, 1, 0, "Ar"), atom_at(0, 1, 0, "Ar"), settings));

  Structure two = minimum;
  two.append("Ar", Vec3(5, 5, 5));
  CHECK_THAT(test::input_error_of([&] { vineyard_prefactor(well, two, saddle, settings); }),
             Contains("different atom counts"));
  CHECK_THAT(test::input_error_of(
                 [&] { vineyard_prefactor(well, minimum, atom_at(0, 0, 0, "Kr"), settings); }),
             Contains("differ at atom 0"));
  CHECK_THAT(test::input_error_of([&] { finite_difference_hessian(well, minimum, 0.0); }),
             Contains("positive"));
  Structure all_fixed = minimum;
  all_fixed.fixed = {true};
  CHECK_THAT(test::input_error_of([&] { finite_difference_hessian(well, all_fixed); }),
             Contains("no free atoms"));
  CHECK_THAT(
      test::input_error_of([&] { analyse_normal_modes(well, atom_at(1, 0, 0, "Xx"), settings); }),
      Contains("Xx"));
}

TEST_CASE("near-zero imaginary modes are reported in the warning, not counted", "[vineyard]") {
  // Diagonal Hessians for one atom of mass 1: eigenvalue λ gives ν = 15.633 sqrt(λ) THz.
  const auto lambda_of = [](double nu) { return std::copysign(std::pow(nu / 15.6333, 2), nu); };
  HarmonicSettings settings;
  settings.zero_modes = ZeroModeTreatment::kNone;
  const Eigen::VectorXd mass = Eigen::VectorXd::Ones(1);
  const Eigen::Matrix3d h_min =
      Eigen::Vector3d(lambda_of(-0.01), lambda_of(2), lambda_of(3)).asDiagonal();
  const Eigen::Matrix3d h_saddle =
      Eigen::Vector3d(lambda_of(-1), lambda_of(2), lambda_of(3)).asDiagonal();
  const HarmonicAnalysis min = analyse_hessian(h_min, mass, settings);
  CHECK(min.imaginary_modes == 0);
  CHECK(min.small_imaginary_modes == 1);
  const VineyardResult r =
      vineyard_prefactor(min, analyse_hessian(h_saddle, mass, settings), settings);
  CHECK(r.prefactor_thz == Approx(0.01).epsilon(1e-4));  // |−0.01| × 2 × 3 / (2 × 3)
  CHECK_THAT(r.warning, Contains("minimum has 1 near-zero mode") && Contains("unreliable"));
  // Beyond the tolerance the same mode is imaginary and the minimum is rejected.
  settings.imaginary_tolerance_thz = 0.005;
  CHECK_THAT(test::input_error_of([&] {
               vineyard_prefactor(analyse_hessian(h_min, mass, settings),
                                  analyse_hessian(h_saddle, mass, settings), settings);
             }),
             Contains("minimum has 1 imaginary mode"));
}
