// Saddle refinement on a surface whose straight path crosses a second-order saddle: the
// unstable-mode eigenvectors satisfy H x = ω² M x, the reaction mode is the one along the band
// (not the lowest), and a band pushed off the ridge converges to the exact first-order saddle.
#include <Eigen/Dense>
#include <catch2/catch.hpp>
#include <cmath>

#include "ionhop/atomistic/analytic_surfaces.hpp"
#include "ionhop/atomistic/harmonic_tst.hpp"
#include "ionhop/atomistic/neb.hpp"
#include "ionhop/atomistic/saddle_refinement.hpp"
#include "ionhop/core/error.hpp"

using namespace ionhop;
using namespace ionhop::atomistic;

namespace {

// One atom on V(x, y) = h (x²/w² − 1)² + c y⁴ + (k − g e^{−x²/λ²}) y² (z free: a zero mode).
// Minima (±w, 0) at V = 0 (y curvature 2(k − g e^{−w²/λ²}) > 0). On x = 0 the y² coefficient
// is k − g < 0, so (0, 0) is a ridge point with two unstable modes, V = h, and the first-order
// saddles sit at (0, ±y*), y*² = (g − k)/(2c), V* = h − (g − k)²/(4c): x curvature there
// −4h/w² + 2 g y*²/λ² < 0, y curvature 12 c y*² + 2(k − g) = 4(g − k) > 0. The straight band
// y = 0 feels no y force, so CI-NEB converges on the ridge.
class RidgeSurface : public Potential {
 public:
  static constexpr double kH = 1.0, kW = 1.5, kC = 4.0, kK = 0.3, kG = 1.5, kLambda = 0.8;
  static double saddle_y() { return std::sqrt((kG - kK) / (2 * kC)); }
  static double saddle_energy() { return kH - (kG - kK) * (kG - kK) / (4 * kC); }
  std::string name() const override { return "ridge-surface"; }
  std::string parameters_json() const override { return "{}"; }
  EnergyForces compute(const Structure& s) const override {
    const double x = s.positions_angstrom(0, 0), y = s.positions_angstrom(1, 0);
    const double u = x * x / (kW * kW) - 1, e = std::exp(-x * x / (kLambda * kLambda));
    const double coefficient = kK - kG * e;
    EnergyForces out;
    out.energy_ev = kH * u * u + kC * y * y * y * y + coefficient * y * y;
    out.forces_ev_per_angstrom = Eigen::Matrix3Xd::Zero(3, 1);
    // ∂V/∂x = 4h u x/w² + (2 g x/λ²) e y²;  ∂V/∂y = 4c y³ + 2 (k − g e) y.
    out.forces_ev_per_angstrom(0, 0) =
        -(4 * kH * u * x / (kW * kW) + 2 * kG * x / (kLambda * kLambda) * e * y * y);
    out.forces_ev_per_angstrom(1, 0) = -(4 * kC * y * y * y + 2 * coefficient * y);
    return out;
  }
};

HarmonicSettings unit_mass() {
  HarmonicSettings h;
  h.masses_amu = {{"X", 1.0}};
  h.displacement_angstrom = 1e-4;
  h.keep_unstable_modes = true;
  return h;
}

NebSettings straight_band() {
  NebSettings s;
  s.images = 7;
  s.interpolation = Interpolation::kLinear;
  s.force_tolerance_ev_per_angstrom = 1e-4;
  s.max_steps = 20000;
  s.relax_endpoints = false;
  return s;
}

}  // namespace

TEST_CASE("unstable modes: H x = omega^2 M x, scaled to 1 A, translations excluded",
          "[vineyard][saddle-refinement]") {
  // Two atoms, masses 1 and 4, a Hessian with two negative eigenvalues that conserves
  // momentum in every direction (rows of each Cartesian block sum to zero).
  Eigen::Matrix3d k;
  k << -1.0, 0.2, 0.0, 0.2, -0.5, 0.1, 0.0, 0.1, 2.0;
  Eigen::MatrixXd hessian(6, 6);
  hessian << k, -k, -k, k;
  Eigen::VectorXd masses(2);
  masses << 1.0, 4.0;
  HarmonicSettings settings;
  settings.keep_unstable_modes = true;
  const HarmonicAnalysis a = analyse_hessian(hessian, masses, settings);
  REQUIRE(a.removed_zero_modes == 3);
  REQUIRE(a.imaginary_modes == 2);
  REQUIRE(a.unstable_modes_angstrom.size() == 2);
  Eigen::VectorXd m(6);
  m << 1, 1, 1, 4, 4, 4;
  for (std::size_t i = 0; i < 2; ++i) {
    const Eigen::VectorXd& x = a.unstable_modes_angstrom[i];
    // ω² (eV/(Å² amu)) back from the signed frequency.
    const double nu = a.frequencies_thz[static_cast<Eigen::Index>(i)] * 1e12 * 2 * M_PI;
    const double omega2 = -nu * nu / kOmega2PerEvPerAngstrom2Amu_s2;
    CHECK((hessian * x - omega2 * m.cwiseProduct(x)).norm() < 1e-10 * hessian.norm());
    CHECK(std::max(x.segment<3>(0).norm(), x.segment<3>(3).norm()) == Approx(1.0));
    // No centre-of-mass motion: Σ m_k x_k = 0 (orthogonal to the removed translations).
    CHECK((x.segment<3>(0) * 1.0 + x.segment<3>(3) * 4.0).norm() < 1e-12);
  }
  // Off by default: nothing kept.
  CHECK(analyse_hessian(hessian, masses, HarmonicSettings{}).unstable_modes_angstrom.empty());
}

TEST_CASE("a straight band converges on the ridge; refinement finds the exact first-order saddle",
          "[neb][saddle-refinement]") {
  const RidgeSurface surface;
  const Structure a = single_atom_structure(-RidgeSurface::kW, 0.0);
  const Structure b = single_atom_structure(RidgeSurface::kW, 0.0);
  const NebSettings band = straight_band();
  const NebResult on_ridge = run_neb(surface, a, b, band);
  REQUIRE(on_ridge.converged);
  // The ridge point (0, 0): V = h, two unstable modes, y (2(k − g) = −2.4) below x (−4h/w²).
  CHECK(on_ridge.forward_barrier_ev == Approx(RidgeSurface::kH).margin(1e-6));
  CHECK(std::abs(on_ridge.saddle.positions_angstrom(1, 0)) < 1e-12);
  const HarmonicAnalysis ridge_modes = analyse_normal_modes(surface, on_ridge.saddle, unit_mass());
  REQUIRE(ridge_modes.imaginary_modes == 2);
  CHECK(std::abs(ridge_modes.unstable_modes_angstrom[0][1]) == Approx(1.0));  // y, the lowest
  CHECK(std::abs(ridge_modes.unstable_modes_angstrom[1][0]) == Approx(1.0));  // x, along the band
  const Eigen::VectorXd mass = Eigen::VectorXd::Ones(1);
  CHECK(reaction_mode_index(on_ridge, ridge_modes, mass) == 1);

  SECTION("the band is moved off the ridge, endpoints and x untouched, tapering from the top") {
    const std::vector<Structure> moved = band_off_ridge(on_ridge, ridge_modes, 1, 0.1);
    REQUIRE(moved.size() == on_ridge.images.size());
    CHECK(moved.front().positions_angstrom == on_ridge.images.front().positions_angstrom);
    CHECK(moved.back().positions_angstrom == on_ridge.images.back().positions_angstrom);
    const std::size_t top = on_ridge.highest_image;
    CHECK(std::abs(moved[top].positions_angstrom(1, 0)) == Approx(0.1));
    CHECK(std::abs(moved[top - 1].positions_angstrom(1, 0)) <
          std::abs(moved[top].positions_angstrom(1, 0)));
    for (std::size_t i = 0; i < moved.size(); ++i)
      CHECK(moved[i].positions_angstrom(0, 0) == on_ridge.images[i].positions_angstrom(0, 0));
    // Only the reaction mode left: nothing to push along.
    HarmonicAnalysis one = ridge_modes;
    one.unstable_modes_angstrom.resize(1);
    CHECK_THROWS_AS(band_off_ridge(on_ridge, one, 0, 0.1), InputError);
  }

  SECTION("refine_saddle: one restart, the first-order saddle (0, +-y*) and its barrier") {
    SaddleRefinementSettings refine;
    refine.max_refinements = 3;
    const SaddleRefinement r = refine_saddle(surface, on_ridge, band, unit_mass(), refine);
    REQUIRE(r.neb.converged);
    CHECK(r.refinements == 1);
    CHECK(r.saddle.imaginary_modes == 1);
    // CI-NEB at 1e-4 eV/Å: the saddle is exact to ~F/|curvature| ~ 1e-4 Å, its energy to ~1e-8.
    CHECK(r.neb.forward_barrier_ev == Approx(RidgeSurface::saddle_energy()).margin(1e-6));
    CHECK(std::abs(r.neb.saddle.positions_angstrom(1, 0)) ==
          Approx(RidgeSurface::saddle_y()).margin(1e-3));
    CHECK(std::abs(r.neb.saddle.positions_angstrom(0, 0)) < 1e-3);
  }

  SECTION("no refinements allowed: the ridge band is returned with its two modes") {
    const SaddleRefinement r =
        refine_saddle(surface, on_ridge, band, unit_mass(), SaddleRefinementSettings{});
    CHECK(r.refinements == 0);
    CHECK(r.saddle.imaginary_modes == 2);
    CHECK(r.neb.forward_barrier_ev == on_ridge.forward_barrier_ev);
  }
}
