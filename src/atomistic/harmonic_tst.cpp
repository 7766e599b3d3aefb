// Harmonic TST: central-difference Hessians (TBB over the displaced structures), mass-weighted
// normal modes with the zero-mode translations projected out, and Vineyard's prefactor.
#include "ionhop/atomistic/harmonic_tst.hpp"

#include <tbb/parallel_for.h>
#include <tbb/parallel_invoke.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <vector>

#include "ionhop/atomistic/element_masses.hpp"
#include "ionhop/core/error.hpp"

namespace ionhop::atomistic {

namespace {

std::string format_number(double value, const char* format = "%.4g") {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

// "−3.1, −0.4 THz" for the given frequencies (at most 6 listed).
std::string frequency_list(const std::vector<double>& nu_thz) {
  std::string out;
  for (std::size_t i = 0; i < nu_thz.size() && i < 6; ++i)
    out += (i ? ", " : "") + format_number(nu_thz[i]);
  if (nu_thz.size() > 6) out += ", ...";
  return out + " THz";
}

std::string plural(std::size_t n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

// Frequencies ν < −tol (the imaginary modes counted) or −tol ≤ ν < 0 (the small ones).
std::vector<double> imaginary(const HarmonicAnalysis& a, double tol, bool small) {
  std::vector<double> out;
  for (const double nu : a.frequencies_thz)
    if (small ? (nu < 0 && nu >= -tol) : nu < -tol) out.push_back(nu);
  return out;
}

}  // namespace

double frequency_thz_from_eigenvalue(double eigenvalue_ev_per_angstrom2_amu) {
  const double omega_per_s =
      std::sqrt(std::abs(eigenvalue_ev_per_angstrom2_amu) * kOmega2PerEvPerAngstrom2Amu_s2);
  return std::copysign(omega_per_s / (2 * std::numbers::pi) * 1e-12,
                       eigenvalue_ev_per_angstrom2_amu);
}

Eigen::MatrixXd finite_difference_hessian(const Potential& potential, const Structure& structure,
                                          double displacement_angstrom) {
  const double h = displacement_angstrom;
  if (!(h > 0) || !std::isfinite(h))
    throw InputError(
        "", "", "Hessian displacement must be a positive number of Å, got " + format_number(h));
  const auto atoms = structure.free_atom_indices();
  if (atoms.empty())
    throw InputError("", "", "no free atoms: every atom is fixed, there are no modes");
  const Eigen::Index n = static_cast<Eigen::Index>(3 * atoms.size());
  // Column i of plus/minus: the free atoms' forces with coordinate i displaced by ±h. Each task
  // writes only its own column, so the result is independent of scheduling.
  Eigen::MatrixXd plus(n, n), minus(n, n);
  tbb::parallel_for(Eigen::Index{0}, 2 * n, [&](Eigen::Index task) {
    const Eigen::Index i = task / 2;
    const bool forward = task % 2 == 0;
    Structure displaced = structure;
    displaced.positions_angstrom(i % 3, static_cast<Eigen::Index>(atoms[i / 3])) +=
        forward ? h : -h;
    const EnergyForces ef = potential.compute(displaced);
    auto& column_of = forward ? plus : minus;
    for (std::size_t k = 0; k < atoms.size(); ++k)
      column_of.col(i).segment<3>(static_cast<Eigen::Index>(3 * k)) =
          ef.forces_ev_per_angstrom.col(static_cast<Eigen::Index>(atoms[k]));
  });
  // G(j, i) = −∂F_j/∂x_i = ∂²E/∂x_i∂x_j; the symmetric part removes the antisymmetric O(h²)
  // truncation error and round-off of the two one-sided estimates of each mixed derivative.
  const Eigen::MatrixXd g = -(plus - minus) / (2 * h);
  return (g + g.transpose()) / 2;
}

Eigen::VectorXd free_atom_masses_amu(const Structure& structure, const HarmonicSettings& settings) {
  const auto atoms = structure.free_atom_indices();
  Eigen::VectorXd masses(static_cast<Eigen::Index>(atoms.size()));
  for (std::size_t k = 0; k < atoms.size(); ++k) {
    const std::string& element = structure.elements[atoms[k]];
    const auto it = settings.masses_amu.find(element);
    masses[static_cast<Eigen::Index>(k)] =
        it != settings.masses_amu.end() ? it->second : atomic_mass_amu(element);
  }
  return masses;
}

HarmonicAnalysis analyse_hessian(const Eigen::MatrixXd& hessian_ev_per_angstrom2,
                                 const Eigen::VectorXd& masses_amu,
                                 const HarmonicSettings& settings) {
  const Eigen::Index n = hessian_ev_per_angstrom2.rows();
  if (hessian_ev_per_angstrom2.cols() != n || n != 3 * masses_amu.size())
    throw InputError("", "",
                     "Hessian is " + std::to_string(n) + "x" +
                         std::to_string(hessian_ev_per_angstrom2.cols()) + ", expected " +
                         std::to_string(3 * masses_amu.size()) + "x" +
                         std::to_string(3 * masses_amu.size()) + " for " +
                         std::to_string(masses_amu.size()) + " atoms");
  for (Eigen::Index k = 0; k < masses_amu.size(); ++k)
    if (!(masses_amu[k] > 0) || !std::isfinite(masses_amu[k]))
      throw InputError("", "",
                       "mass of free atom " + std::to_string(k) + " must be > 0 amu, got " +
                           format_number(masses_amu[k]));

  // D = M^{-1/2} H M^{-1/2}: its eigenvalues are ω² of the normal modes (Newton's equations
  // M ẍ = −H x with x = M^{-1/2} q give q̈ = −D q).
  Eigen::VectorXd inv_sqrt_m(n);
  for (Eigen::Index c = 0; c < n; ++c) inv_sqrt_m[c] = 1 / std::sqrt(masses_amu[c / 3]);
  const Eigen::MatrixXd d =
      inv_sqrt_m.asDiagonal() * hessian_ev_per_angstrom2 * inv_sqrt_m.asDiagonal();

  // Unit mass-weighted uniform translations: q = M^{1/2} x with x = e_α on every atom.
  std::vector<Eigen::VectorXd> removed;
  HarmonicAnalysis out;
  const double scale = d.cwiseAbs().rowwise().sum().maxCoeff();  // ‖D‖_∞ ≥ ‖D‖₂
  std::vector<double> removed_nu;
  for (int alpha = 0; alpha < 3; ++alpha) {
    if (settings.zero_modes == ZeroModeTreatment::kNone) break;
    Eigen::VectorXd u = Eigen::VectorXd::Zero(n);
    for (Eigen::Index k = 0; k < masses_amu.size(); ++k)
      u[3 * k + alpha] = std::sqrt(masses_amu[k]);
    u.normalize();
    const bool null_vector = (d * u).norm() <= settings.translation_null_tolerance * scale;
    if (settings.zero_modes == ZeroModeTreatment::kTranslations || null_vector) {
      removed_nu.push_back(frequency_thz_from_eigenvalue(u.dot(d * u)));
      removed.push_back(std::move(u));
    }
  }
  out.removed_zero_modes = removed.size();
  out.removed_mode_frequencies_thz = Eigen::Map<const Eigen::VectorXd>(
      removed_nu.data(), static_cast<Eigen::Index>(removed_nu.size()));

  // Restrict D to the orthogonal complement of the removed translations: the last n − n0
  // columns of the Householder Q of [u_1 … u_n0] are an orthonormal basis C of it, and
  // D' = Cᵀ D C has exactly the modes orthogonal to the translations (no ~0 eigenvalues to
  // identify among the real soft modes afterwards).
  Eigen::MatrixXd reduced, complement;
  const Eigen::Index n0 = static_cast<Eigen::Index>(removed.size());
  if (n0 == 0) {
    reduced = d;
  } else {
    Eigen::MatrixXd u(n, n0);
    for (Eigen::Index c = 0; c < n0; ++c) u.col(c) = removed[static_cast<std::size_t>(c)];
    const Eigen::MatrixXd q = u.householderQr().householderQ() * Eigen::MatrixXd::Identity(n, n);
    complement = q.rightCols(n - n0);
    reduced = complement.transpose() * d * complement;
    reduced = (reduced + reduced.transpose()).eval() / 2;  // exact symmetry for the solver
  }
  out.frequencies_thz = Eigen::VectorXd(reduced.rows());
  const double tol = settings.imaginary_tolerance_thz;
  if (reduced.rows() > 0) {
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(
        reduced,
        settings.keep_unstable_modes ? Eigen::ComputeEigenvectors : Eigen::EigenvaluesOnly);
    const Eigen::VectorXd& lambda = solver.eigenvalues();  // ascending
    for (Eigen::Index i = 0; i < lambda.size(); ++i) {
      out.frequencies_thz[i] = frequency_thz_from_eigenvalue(lambda[i]);
      if (settings.keep_unstable_modes && out.frequencies_thz[i] < -tol) {
        // Back from the reduced basis and from mass weighting: x = M^{-1/2} C y.
        const Eigen::VectorXd q = n0 == 0
                                      ? Eigen::VectorXd(solver.eigenvectors().col(i))
                                      : Eigen::VectorXd(complement * solver.eigenvectors().col(i));
        Eigen::VectorXd x = inv_sqrt_m.cwiseProduct(q);
        double largest = 0;
        for (Eigen::Index k = 0; k < x.size() / 3; ++k)
          largest = std::max(largest, x.segment<3>(3 * k).norm());
        out.unstable_modes_angstrom.push_back(x / largest);
      }
    }
  }
  for (const double nu : out.frequencies_thz) {
    if (nu < -tol)
      ++out.imaginary_modes;
    else if (nu < 0)
      ++out.small_imaginary_modes;
  }
  return out;
}

HarmonicAnalysis analyse_normal_modes(const Potential& potential, const Structure& structure,
                                      const HarmonicSettings& settings) {
  const Eigen::VectorXd masses = free_atom_masses_amu(structure, settings);
  return analyse_hessian(
      finite_difference_hessian(potential, structure, settings.displacement_angstrom), masses,
      settings);
}

VineyardResult vineyard_prefactor(const HarmonicAnalysis& minimum, const HarmonicAnalysis& saddle,
                                  const HarmonicSettings& settings) {
  const double tol = settings.imaginary_tolerance_thz;
  if (minimum.frequencies_thz.size() + static_cast<Eigen::Index>(minimum.removed_zero_modes) !=
      saddle.frequencies_thz.size() + static_cast<Eigen::Index>(saddle.removed_zero_modes))
    throw InputError("", "", "minimum and saddle have different numbers of coordinates");
  if (minimum.removed_zero_modes != saddle.removed_zero_modes)
    throw InputError("", "",
                     "minimum has " + plural(minimum.removed_zero_modes, "zero mode") +
                         " removed but the saddle " + std::to_string(saddle.removed_zero_modes) +
                         ": Vineyard's ratio needs the same zero modes at both (set the zero-mode "
                         "treatment explicitly)");
  if (minimum.imaginary_modes != 0)
    throw InputError("", "",
                     "minimum has " + plural(minimum.imaginary_modes, "imaginary mode") + " (" +
                         frequency_list(imaginary(minimum, tol, false)) +
                         "): not a minimum; relax it with a tighter force tolerance or from a "
                         "symmetry-broken (rattled) start");
  if (saddle.imaginary_modes != 1) {
    const std::string detail =
        saddle.imaginary_modes == 0
            ? "lowest mode " + (saddle.frequencies_thz.size() > 0
                                    ? format_number(saddle.frequencies_thz[0]) + " THz"
                                    : std::string("none"))
            : frequency_list(imaginary(saddle, tol, false));
    throw InputError("", "",
                     "saddle has " + plural(saddle.imaginary_modes, "imaginary mode") + " (" +
                         detail + "): not a first-order saddle; tighten the NEB force tolerance");
  }

  // ln ν* = Σ_i ln ν_i(min) − Σ_{i≥1} ln |ν_i(saddle)|; frequencies_thz is ascending, so the
  // saddle's unstable mode is index 0. Near-zero modes enter by magnitude (see the settings).
  VineyardResult out;
  out.minimum = minimum;
  out.saddle = saddle;
  out.imaginary_frequency_thz = std::abs(saddle.frequencies_thz[0]);
  double log_ratio = 0;
  std::vector<double> near_zero_min, near_zero_saddle;
  for (Eigen::Index i = 0; i < minimum.frequencies_thz.size(); ++i) {
    const double nu = minimum.frequencies_thz[i];
    if (nu == 0)
      throw InputError("", "",
                       "minimum has a mode of zero frequency that was not removed as a "
                       "translation: nu* would be 0 (is the zero-mode treatment right?)");
    if (std::abs(nu) < tol) near_zero_min.push_back(nu);
    log_ratio += std::log(std::abs(nu));
  }
  for (Eigen::Index i = 1; i < saddle.frequencies_thz.size(); ++i) {
    const double nu = saddle.frequencies_thz[i];
    if (nu == 0)
      throw InputError("", "",
                       "saddle has a mode of zero frequency that was not removed as a "
                       "translation: nu* would be infinite (is the zero-mode treatment right?)");
    if (std::abs(nu) < tol) near_zero_saddle.push_back(nu);
    log_ratio -= std::log(std::abs(nu));
  }
  out.prefactor_thz = std::exp(log_ratio);

  std::string warning;
  const auto add = [&](const std::string& text) {
    warning += (warning.empty() ? "" : "; ") + text;
  };
  if (!near_zero_min.empty())
    add("minimum has " + plural(near_zero_min.size(), "near-zero mode") + " (" +
        frequency_list(near_zero_min) + ", |nu| < " + format_number(tol) + " THz)");
  if (!near_zero_saddle.empty())
    add("saddle has " + plural(near_zero_saddle.size(), "near-zero mode") + " besides the " +
        "unstable one (" + frequency_list(near_zero_saddle) + ", |nu| < " + format_number(tol) +
        " THz)");
  if (!warning.empty())
    warning +=
        ": they enter the product by magnitude and dominate it, so nu* is unreliable "
        "(finite-difference noise of a flat direction, or a loosely converged structure)";
  for (const auto* a : {&minimum, &saddle})
    for (const double nu : a->removed_mode_frequencies_thz)
      if (std::abs(nu) >= tol) {
        add(std::string("a removed translation of the ") + (a == &minimum ? "minimum" : "saddle") +
            " has |nu| = " + format_number(std::abs(nu)) +
            " THz: the potential is not translation invariant there");
        break;
      }
  out.warning = warning;
  return out;
}

VineyardResult vineyard_prefactor(const Potential& potential, const Structure& minimum,
                                  const Structure& saddle, const HarmonicSettings& settings) {
  if (minimum.size() != saddle.size())
    throw InputError("", "",
                     "minimum and saddle have different atom counts (" +
                         std::to_string(minimum.size()) + " and " + std::to_string(saddle.size()) +
                         ")");
  for (std::size_t k = 0; k < minimum.size(); ++k) {
    if (minimum.elements[k] != saddle.elements[k])
      throw InputError("", "",
                       "minimum and saddle differ at atom " + std::to_string(k) + " (" +
                           minimum.elements[k] + " vs " + saddle.elements[k] + ")");
    if (minimum.is_fixed(k) != saddle.is_fixed(k))
      throw InputError(
          "", "",
          "atom " + std::to_string(k) + " is fixed in one of minimum and saddle but not the other");
  }
  HarmonicAnalysis at_minimum, at_saddle;
  tbb::parallel_invoke([&] { at_minimum = analyse_normal_modes(potential, minimum, settings); },
                       [&] { at_saddle = analyse_normal_modes(potential, saddle, settings); });
  return vineyard_prefactor(at_minimum, at_saddle, settings);
}

}  // namespace ionhop::atomistic
