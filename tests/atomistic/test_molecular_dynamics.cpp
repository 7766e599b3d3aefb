// Molecular dynamics: velocity Verlet (friction 0) against the exact discrete and continuous
// harmonic oscillator, energy conservation ∝ dt², BAOAB equipartition on harmonic oscillators
// (block-averaged standard errors), Maxwell–Boltzmann velocities, bit-identical determinism
// and resume, fixed atoms, bad settings, and an NVE smoke run with the CsPbI3 pair potential.
#include <Eigen/Dense>
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "../test_support.hpp"
#include "ionhop/atomistic/analytic_surfaces.hpp"
#include "ionhop/atomistic/element_masses.hpp"
#include "ionhop/atomistic/molecular_dynamics.hpp"
#include "ionhop/atomistic/supercell_builder.hpp"
#include "ionhop/core/units.hpp"
#include "ionhop/io/lattice_file.hpp"
#include "ionhop/io/pair_potential_file.hpp"

using namespace ionhop;
using namespace ionhop::atomistic;

namespace {

constexpr double kC = ev_per_amu_in_angstrom2_per_fs2;

// Independent 3D harmonic tethers E = ½ Σ_i k_i |r_i − r0_i|² (no periodic images: the
// positions the integrator keeps continuous are used as they are).
class HarmonicTethers : public Potential {
 public:
  HarmonicTethers(Eigen::Matrix3Xd anchors_angstrom, std::vector<double> stiffness_ev_per_a2)
      : anchors_(std::move(anchors_angstrom)), k_(std::move(stiffness_ev_per_a2)) {}
  std::string name() const override { return "harmonic-tethers"; }
  std::string parameters_json() const override { return "{}"; }
  EnergyForces compute(const Structure& s) const override {
    EnergyForces ef;
    ef.forces_ev_per_angstrom.resize(3, static_cast<Eigen::Index>(s.size()));
    for (std::size_t i = 0; i < s.size(); ++i) {
      const auto c = static_cast<Eigen::Index>(i);
      const Vec3 x = s.positions_angstrom.col(c) - anchors_.col(c);
      ef.energy_ev += 0.5 * k_[i] * x.squaredNorm();
      ef.forces_ev_per_angstrom.col(c) = -k_[i] * x;
    }
    return ef;
  }

 private:
  Eigen::Matrix3Xd anchors_;
  std::vector<double> k_;
};

// Harmonic system of n atoms (elements cycled from `elements`) at anchors on a 5 Å grid, with
// angular frequencies cycled from `omegas_per_fs`: k_i = m_i ω_i² / C.
struct Oscillators {
  Structure structure;
  std::vector<double> omega_per_fs, stiffness_ev_per_a2;
};

Oscillators oscillators(std::size_t n, const std::vector<std::string>& elements,
                        const std::vector<double>& omegas_per_fs) {
  Oscillators o;
  o.structure.cell_angstrom = Eigen::Matrix3d::Identity() * 100.0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string& e = elements[i % elements.size()];
    o.structure.append(e, Vec3(5.0 * (i % 7), 5.0 * ((i / 7) % 7), 5.0 * (i / 49)));
    const double w = omegas_per_fs[i % omegas_per_fs.size()];
    o.omega_per_fs.push_back(w);
    o.stiffness_ev_per_a2.push_back(atomic_mass_amu(e) * w * w / kC);
  }
  return o;
}

HarmonicTethers tethers_of(const Oscillators& o) {
  return HarmonicTethers(o.structure.positions_angstrom, o.stiffness_ev_per_a2);
}

// Mean of a time series with the standard error from `blocks` block means (Flyvbjerg &
// Petersen, J. Chem. Phys. 91, 461 (1989)): valid when a block is much longer than the
// autocorrelation time of the series.
analysis::Estimate block_average(const std::vector<double>& series, std::size_t blocks) {
  const std::size_t length = series.size() / blocks;
  std::vector<double> means;
  for (std::size_t b = 0; b < blocks; ++b) {
    double sum = 0;
    for (std::size_t t = b * length; t < (b + 1) * length; ++t) sum += series[t];
    means.push_back(sum / static_cast<double>(length));
  }
  return analysis::mean_with_standard_error(means);
}

MorsePairPotential argon_morse() {
  MorseParameters p;
  p.depth_ev = 0.5;
  p.alpha_per_angstrom = 1.5;
  p.equilibrium_distance_angstrom = 2.6;
  p.cutoff_angstrom = 7.0;
  return MorsePairPotential(p);
}

// A 3×3×3 Morse cluster of Ar near its equilibrium spacing, in a big box.
Structure argon_cluster() {
  Structure s;
  s.cell_angstrom = Eigen::Matrix3d::Identity() * 30;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 3; ++k) s.append("Ar", Vec3(10 + 2.7 * i, 10 + 2.7 * j, 10 + 2.7 * k));
  return s;
}

bool bit_identical(const MdState& a, const MdState& b) {
  return a.step == b.step && a.time_fs == b.time_fs &&
         a.structure.positions_angstrom == b.structure.positions_angstrom &&
         a.velocities_angstrom_per_fs == b.velocities_angstrom_per_fs;
}

}  // namespace

TEST_CASE("atomic masses: IUPAC 2013 values, unknown symbols rejected", "[md]") {
  CHECK(atomic_mass_amu("H") == 1.008);
  CHECK(atomic_mass_amu("I") == 126.90447);
  CHECK(atomic_mass_amu("Cs") == 132.90545196);
  CHECK(atomic_mass_amu("Pb") == 207.2);
  CHECK(atomic_mass_amu("Br") == 79.904);
  CHECK(atomic_mass_amu("Bi") == 208.98040);
  CHECK(test::input_error_of([] { atomic_mass_amu("Xx"); }) == "no atomic mass for element 'Xx'");
  CHECK(test::input_error_of([] { atomic_mass_amu("pb"); }) == "no atomic mass for element 'pb'");
  CHECK(test::input_error_of([] { atomic_mass_amu("Po"); }) != "(no error)");  // Z = 84
}

TEST_CASE("velocity Verlet reproduces the exact discrete and continuous oscillator", "[md]") {
  // One I atom on a spring, x(0) = A, v(0) = 0. Velocity Verlet on ẍ = −ω²x is the linear
  // recurrence x_{n+1} + x_{n−1} = (2 − ω²h²) x_n, solved exactly by x_n = A cos(nθ) with
  // sin(θ/2) = ωh/2; its velocity is v_n = (x_{n+1} − x_n)/h + ½ h ω² x_n. Against cos(ωt)
  // the phase error after time t is t(θ/h − ω) ≈ t ω³h²/24: second order in h.
  const double omega = 0.01, amplitude = 0.1, t_end_fs = 3000;
  auto run = [&](double h) {
    const Oscillators o = oscillators(1, {"I"}, {omega});
    const HarmonicTethers tether = tethers_of(o);
    MdState s0;
    s0.structure = o.structure;
    s0.structure.positions_angstrom(0, 0) += amplitude;
    LangevinSettings settings;
    settings.friction_per_fs = 0;
    settings.timestep_fs = h;
    LangevinDynamics md(tether, settings, s0);
    const double theta = 2 * std::asin(omega * h / 2);
    const auto steps = static_cast<std::uint64_t>(std::llround(t_end_fs / h));
    double worst_discrete = 0, worst_velocity = 0, worst_continuous = 0;
    for (std::uint64_t n = 1; n <= steps; ++n) {
      const double x_prev = md.state().structure.positions_angstrom(0, 0);  // anchor at 0
      const double v_prev = md.state().velocities_angstrom_per_fs(0, 0);
      const double nn = static_cast<double>(n - 1);
      const double x_exact = amplitude * std::cos(nn * theta);
      const double v_exact = amplitude * (std::cos((nn + 1) * theta) - std::cos(nn * theta)) / h +
                             0.5 * h * omega * omega * x_exact;
      worst_discrete = std::max(worst_discrete, std::abs(x_prev - x_exact));
      worst_velocity = std::max(worst_velocity, std::abs(v_prev - v_exact));
      worst_continuous =
          std::max(worst_continuous, std::abs(x_prev - amplitude * std::cos(omega * nn * h)));
      md.step();
    }
    CHECK(md.state().time_fs == Approx(t_end_fs).epsilon(1e-12));
    CHECK(md.state().structure.positions_angstrom(1, 0) == 0.0);  // y, z untouched
    CHECK(md.state().structure.positions_angstrom(2, 0) == 0.0);
    INFO("h = " << h << ": |x - A cos(n theta)| <= " << worst_discrete << ", |v - v_n| <= "
                << worst_velocity << ", |x - A cos(wt)| <= " << worst_continuous);
    // Rounding only (A = 0.1 Å, ~10³ steps): 1e-12 Å is ~10⁴ ulps of slack.
    CHECK(worst_discrete < 1e-12);
    CHECK(worst_velocity < 1e-13);
    // Leading-order phase error A t ω³ h²/24, within 5 %.
    CHECK(worst_continuous ==
          Approx(amplitude * t_end_fs * std::pow(omega, 3) * h * h / 24).epsilon(0.05));
    return worst_continuous;
  };
  const double e2 = run(2.0), e1 = run(1.0);
  CHECK(e2 / e1 == Approx(4.0).epsilon(0.02));
}

TEST_CASE("NVE energy conservation on harmonic tethers scales as dt^2", "[md]") {
  // For velocity Verlet on a harmonic mode, H̃ = ½mv² + ½kx²(1 − ω²h²/4) is conserved exactly,
  // so the true energy E = H̃ + (ω²h²/4)·½kx² fluctuates by at most (ω²h²/4) of the potential
  // energy: the fluctuation is O(h²), and ×4 smaller for h/2.
  const double omega = 0.02, t_end_fs = 4000;
  auto fluctuation = [&](double h) {
    const Oscillators o = oscillators(20, {"Cs", "Pb", "I", "I", "I"}, {omega});
    const HarmonicTethers tethers = tethers_of(o);
    MdState s0;
    s0.structure = o.structure;
    assign_maxwell_boltzmann_velocities(s0, 600, 7);
    LangevinSettings settings;
    settings.friction_per_fs = 0;
    settings.timestep_fs = h;
    LangevinDynamics md(tethers, settings, s0);
    const double e0 = md.total_energy_ev();
    double lo = e0, hi = e0, shadow_drift = 0, max_potential = 0;
    const double shadow0 =
        md.kinetic_energy_ev() + md.potential_energy_ev() * (1 - omega * omega * h * h / 4);
    while (md.state().time_fs < t_end_fs - 1e-9) {
      md.step();
      const double e = md.total_energy_ev();
      lo = std::min(lo, e);
      hi = std::max(hi, e);
      max_potential = std::max(max_potential, md.potential_energy_ev());
      const double shadow =
          md.kinetic_energy_ev() + md.potential_energy_ev() * (1 - omega * omega * h * h / 4);
      shadow_drift = std::max(shadow_drift, std::abs(shadow - shadow0));
    }
    INFO("h = " << h << ": E0 = " << e0 << " eV, max-min = " << hi - lo
                << " eV, shadow drift = " << shadow_drift << " eV");
    CHECK(shadow_drift < 1e-12 * e0);  // rounding only
    CHECK(hi - lo <= omega * omega * h * h / 4 * max_potential * (1 + 1e-9));
    CHECK(hi - lo > 0.1 * omega * omega * h * h / 4 * e0);  // and it is really there
    return hi - lo;
  };
  const double f2 = fluctuation(2.0), f1 = fluctuation(1.0);
  INFO("fluctuation(2 fs) / fluctuation(1 fs) = " << f2 / f1);
  CHECK(f2 / f1 == Approx(4.0).epsilon(0.02));
}

TEST_CASE("BAOAB samples harmonic oscillators at the set temperature", "[md]") {
  // 64 atoms of four elements (H … I: masses 1–127 amu) with ω = 0.05, 0.1, 0.15 /fs, at
  // 600 K, h = 2 fs, γ = 0.05 /fs. For a harmonic mode BAOAB's stationary distribution is
  // known exactly (Leimkuhler & Matthews 2013): ⟨½kx²⟩ = ½k_BT for every h and γ, and the
  // full-step velocity has ⟨½mv²⟩ = ½k_BT (1 − ω²h²/4) (here 0.25 %, 1 %, 2.25 %). So both
  // are compared with exact values, and the only tolerance is statistical: 4 standard errors
  // of the time average. The per-step averages over the 192 dof are correlated over ~1/γ =
  // 10 steps (energy relaxation) and ~1/ω ≤ 10 steps; 50 blocks of 2000 steps are ~200
  // correlation times long, so the block means are independent.
  const std::vector<double> omegas{0.05, 0.1, 0.15};
  const Oscillators o = oscillators(64, {"H", "O", "Br", "I"}, omegas);
  const HarmonicTethers tethers = tethers_of(o);
  const double temperature = 600, h = 2.0;
  const double half_kt = 0.5 * units::thermal_energy_ev(temperature);
  MdState s0;
  s0.structure = o.structure;
  assign_maxwell_boltzmann_velocities(s0, temperature, 3);
  LangevinSettings settings;
  settings.temperature_k = temperature;
  settings.timestep_fs = h;
  settings.friction_per_fs = 0.05;
  settings.seed = 11;
  LangevinDynamics md(tethers, settings, s0);
  md.run(1000);  // burn-in: the positions start at the anchors (x = 0)

  const std::size_t dof = 3 * o.structure.size();
  double kinetic_expected = 0;  // per dof, in units of ½k_BT
  for (std::size_t i = 0; i < o.structure.size(); ++i)
    kinetic_expected += 3 * (1 - std::pow(o.omega_per_fs[i] * h, 2) / 4) / dof;
  std::vector<double> kinetic, potential;
  for (int n = 0; n < 100000; ++n) {
    md.step();
    kinetic.push_back(md.kinetic_energy_ev() / dof / half_kt);
    potential.push_back(md.potential_energy_ev() / dof / half_kt);
  }
  const analysis::Estimate ke = block_average(kinetic, 50), pe = block_average(potential, 50);
  INFO("<KE>/dof = " << ke.value << " +- " << ke.error << " (exact BAOAB " << kinetic_expected
                     << "), <PE>/dof = " << pe.value << " +- " << pe.error << " (exact 1), "
                     << "in units of kT/2");
  CHECK(test::within_standard_errors(ke, kinetic_expected));
  CHECK(test::within_standard_errors(pe, 1.0));
  // The test has the power to see a wrong temperature (a factor 2 either way) ...
  for (double factor : {0.5, 2.0}) {
    CHECK(!test::within_standard_errors(ke, factor * kinetic_expected));
    CHECK(!test::within_standard_errors(pe, factor));
  }
  // ... and even resolves BAOAB's O(h²) kinetic bias (1.15 % here, ~10 standard errors).
  CHECK(ke.error < 0.0015);
  CHECK(pe.error < 0.0015);
  CHECK(!test::within_standard_errors(ke, 1.0));
}

TEST_CASE("Maxwell-Boltzmann velocities: zero momentum, exact temperature, sigma ~ 1/sqrt(m)",
          "[md]") {
  // 2000 atoms, half H (1 amu) and half Pb (207 amu): per-group ⟨m v²⟩/k_BT per component is 1
  // with standard error √(2/3000) ≈ 0.026; σ ∝ 1/√m is what makes the two groups agree.
  Structure s;
  s.cell_angstrom = Eigen::Matrix3d::Identity() * 50;
  for (int i = 0; i < 2000; ++i) s.append(i % 2 ? "Pb" : "H", Vec3(0.02 * i, 0, 0));
  MdState state;
  state.structure = s;
  assign_maxwell_boltzmann_velocities(state, 650, 42);
  const auto& v = state.velocities_angstrom_per_fs;
  Vec3 p = Vec3::Zero();
  double p_scale = 0;
  std::vector<double> light, heavy;
  const double kt = units::thermal_energy_ev(650);
  for (Eigen::Index k = 0; k < v.cols(); ++k) {
    const double m = atomic_mass_amu(s.elements[static_cast<std::size_t>(k)]);
    p += m * v.col(k);
    p_scale += m * v.col(k).norm();
    for (int d = 0; d < 3; ++d) (k % 2 ? heavy : light).push_back(m * v(d, k) * v(d, k) / kC / kt);
  }
  CHECK(p.norm() < 1e-14 * p_scale);
  CHECK(instantaneous_temperature_k(state) == Approx(650).epsilon(1e-13));
  CHECK(degrees_of_freedom(s) == 3 * 2000 - 3);
  const auto el = analysis::mean_with_standard_error(light);
  const auto eh = analysis::mean_with_standard_error(heavy);
  INFO("<m v^2>/kT: H " << el.value << " +- " << el.error << ", Pb " << eh.value << " +- "
                        << eh.error);
  CHECK(test::within_standard_errors(el, 1.0));
  CHECK(test::within_standard_errors(eh, 1.0));

  // Deterministic in the seed.
  MdState again;
  again.structure = s;
  assign_maxwell_boltzmann_velocities(again, 650, 42);
  CHECK(again.velocities_angstrom_per_fs == v);
  assign_maxwell_boltzmann_velocities(again, 650, 43);
  CHECK(again.velocities_angstrom_per_fs != v);

  // Fixed atoms: v = 0, dof = 3 N_free (momentum not removed), temperature still exact.
  MdState pinned;
  pinned.structure = argon_cluster();
  pinned.structure.fixed.assign(27, false);
  pinned.structure.fixed[0] = pinned.structure.fixed[13] = true;
  assign_maxwell_boltzmann_velocities(pinned, 300, 1);
  CHECK(pinned.velocities_angstrom_per_fs.col(0).norm() == 0.0);
  CHECK(pinned.velocities_angstrom_per_fs.col(13).norm() == 0.0);
  CHECK(degrees_of_freedom(pinned.structure) == 3 * 25);
  CHECK(instantaneous_temperature_k(pinned) == Approx(300).epsilon(1e-13));
  // T = 0: all velocities 0.
  assign_maxwell_boltzmann_velocities(pinned, 0, 1);
  CHECK(pinned.velocities_angstrom_per_fs.isZero(0));
  CHECK(test::input_error_of([&] { assign_maxwell_boltzmann_velocities(pinned, -1, 1); }) !=
        "(no error)");
}

TEST_CASE("Langevin MD is bit-identical for one seed and resumes bit-identically", "[md]") {
  const MorsePairPotential morse = argon_morse();
  MdState s0;
  s0.structure = argon_cluster();
  assign_maxwell_boltzmann_velocities(s0, 600, 5);
  LangevinSettings settings;
  settings.temperature_k = 700;
  settings.friction_per_fs = 0.02;
  settings.seed = 99;

  LangevinDynamics a(morse, settings, s0), b(morse, settings, s0);
  a.run(60);
  b.run(60);
  CHECK(bit_identical(a.state(), b.state()));
  CHECK(a.state().step == 60);
  CHECK(a.potential_energy_ev() == b.potential_energy_ev());

  // Resume: 25 steps, save the state, a new integrator continues for 35 more.
  LangevinDynamics first(morse, settings, s0);
  first.run(25);
  const MdState saved = first.state();
  LangevinDynamics resumed(morse, settings, saved);
  resumed.run(35);
  CHECK(bit_identical(resumed.state(), a.state()));
  CHECK(resumed.energy_forces().forces_ev_per_angstrom == a.energy_forces().forces_ev_per_angstrom);

  // Another seed gives another trajectory.
  settings.seed = 100;
  LangevinDynamics c(morse, settings, s0);
  c.run(60);
  CHECK(c.state().structure.positions_angstrom != a.state().structure.positions_angstrom);
}

TEST_CASE("fixed atoms never move under Langevin dynamics", "[md]") {
  const MorsePairPotential morse = argon_morse();
  MdState s0;
  s0.structure = argon_cluster();
  s0.structure.fixed.assign(27, false);
  for (std::size_t k : {0u, 4u, 26u}) s0.structure.fixed[k] = true;
  assign_maxwell_boltzmann_velocities(s0, 600, 2);
  s0.velocities_angstrom_per_fs.col(4).setConstant(1.0);  // ignored: fixed atoms get v = 0
  LangevinSettings settings;
  settings.temperature_k = 900;
  LangevinDynamics md(morse, settings, s0);
  md.run(100);
  for (Eigen::Index k = 0; k < 27; ++k) {
    if (s0.structure.is_fixed(static_cast<std::size_t>(k))) {
      CHECK(md.state().structure.positions_angstrom.col(k) ==
            s0.structure.positions_angstrom.col(k));
      CHECK(md.state().velocities_angstrom_per_fs.col(k).isZero(0));
      CHECK(md.energy_forces().forces_ev_per_angstrom.col(k).norm() > 0);  // held, not free
    } else {
      CHECK(
          (md.state().structure.positions_angstrom.col(k) - s0.structure.positions_angstrom.col(k))
              .norm() > 1e-3);
    }
  }
}

TEST_CASE("bad MD settings and states are input errors; non-finite forces stop the run", "[md]") {
  const MorsePairPotential morse = argon_morse();
  MdState s0;
  s0.structure = argon_cluster();
  auto error_of = [&](LangevinSettings settings, MdState state) {
    return test::input_error_of([&] { LangevinDynamics md(morse, settings, state); });
  };
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (double dt : {0.0, -1.0, nan}) {
    LangevinSettings s;
    s.timestep_fs = dt;
    CHECK(error_of(s, s0).find("timestep") != std::string::npos);
  }
  for (double t : {-1.0, nan, std::numeric_limits<double>::infinity()}) {
    LangevinSettings s;
    s.temperature_k = t;
    CHECK(error_of(s, s0).find("temperature") != std::string::npos);
  }
  LangevinSettings bad_friction;
  bad_friction.friction_per_fs = -0.01;
  CHECK(error_of(bad_friction, s0).find("friction") != std::string::npos);

  MdState wrong_v = s0;
  wrong_v.velocities_angstrom_per_fs = Eigen::Matrix3Xd::Zero(3, 5);
  CHECK(error_of({}, wrong_v).find("5 velocities for 27 atoms") != std::string::npos);
  MdState wrong_mask = s0;
  wrong_mask.structure.fixed = {true};
  CHECK(error_of({}, wrong_mask) != "(no error)");
  MdState unknown = s0;
  unknown.structure.elements[3] = "Xx";
  CHECK(error_of({}, unknown) == "no atomic mass for element 'Xx'");
  // Empty velocities mean all zero.
  CHECK(error_of({}, s0) == "(no error)");

  // A potential whose forces turn NaN on its second evaluation (step 1).
  class Failing : public Potential {
   public:
    std::string name() const override { return "failing"; }
    std::string parameters_json() const override { return "{}"; }
    EnergyForces compute(const Structure& s) const override {
      EnergyForces ef;
      ef.forces_ev_per_angstrom = Eigen::Matrix3Xd::Zero(3, static_cast<Eigen::Index>(s.size()));
      if (calls_++ >= 1) ef.forces_ev_per_angstrom(1, 2) = std::numeric_limits<double>::quiet_NaN();
      return ef;
    }

   private:
    mutable std::atomic<int> calls_{0};
  } failing;
  LangevinDynamics md(failing, {}, s0);
  CHECK_THROWS_WITH(md.step(), "MD step 1: non-finite forces");
}

TEST_CASE("NVE with the CsPbI3 pair potential conserves energy", "[md]") {
  // 2×2×2 cubic CsPbI3 (40 atoms) at 300 K, 50 steps of 1 fs without friction. Velocity
  // Verlet's energy error is O(h²) and bounded; 1 meV/atom is a generous bound for 1 fs with
  // the stiffest (Pb–I) vibrations of period ≳ 100 fs.
  const auto potential = io::load_pair_potential(
      test::source_path("examples/potentials/cspbi3_buckingham_coulomb.json"));
  const auto crystal = io::load_crystal(test::source_path("lattices/cspbi3_cubic.json"));
  const lattice::SiteGraph graph(crystal, {2, 2, 2});
  MdState s0;
  s0.structure = SupercellBuilder(graph).perfect();
  assign_maxwell_boltzmann_velocities(s0, 300, 1);
  LangevinSettings settings;
  settings.friction_per_fs = 0;
  settings.timestep_fs = 1.0;
  LangevinDynamics md(potential, settings, s0);
  const double e0 = md.total_energy_ev();
  double drift = 0;
  for (int n = 0; n < 50; ++n) {
    md.step();
    drift = std::max(drift, std::abs(md.total_energy_ev() - e0));
  }
  INFO("max |E(t) - E(0)| = " << drift << " eV over 40 atoms; T now " << md.temperature_k()
                              << " K");
  CHECK(drift / 40 < 1e-3);
  CHECK(md.temperature_k() > 0);
}
