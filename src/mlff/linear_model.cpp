// Linear MLFF: energies, forces and stress by reverse-mode descriptor contraction, and the
// Bayesian predictive variances of energies and forces.
#include "ionhop/mlff/linear_model.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <Eigen/Dense>
#include <vector>

#include "ionhop/core/error.hpp"
#include "ionhop/core/sha256.hpp"
#include "ionhop/mlff/fit.hpp"

namespace ionhop::mlff {

namespace {
const char* kWho = "potential mlff-linear";
[[noreturn]] void fail(const std::string& problem) { throw InputError("", "", problem); }

std::string signed_charge(int q) { return (q > 0 ? "+" : "") + std::to_string(q) + " e"; }

// One model per defect charge state (docs/mlff.md): the DFT energies of a charged cell
// include the electrons' and the background's energy, so a model is only valid for the
// cell charge it was trained on.
void check_cell_charge(const TrainingMetadata& training, const atomistic::Structure& s) {
  if (training.cell_charge_e && *training.cell_charge_e != s.charge_e)
    fail(std::string(kWho) + ": the structure has cell charge " + signed_charge(s.charge_e) +
         " but the model was trained on cells of charge " + signed_charge(*training.cell_charge_e) +
         " (use the model of that charge state)");
}
}  // namespace

nlohmann::json descriptor_settings_json(const DescriptorSettings& settings) {
  nlohmann::json j;
  j["elements"] = settings.elements;
  j["cutoff_angstrom"] = settings.cutoff_angstrom;
  j["radial_order"] = settings.radial_order;
  j["angular_radial_order"] = settings.angular_radial_order;
  j["angular_order"] = settings.angular_order;
  // Fixed in code; recorded so that a change of the basis changes the hash. The key
  // inner_radius_angstrom is written only when set, so models without it keep their hash.
  if (settings.inner_radius_angstrom > 0) {
    j["inner_radius_angstrom"] = settings.inner_radius_angstrom;
    j["radial_basis"] =
        "chebyshev T_n(-cos(pi u)), u = clamp((r - r_in)/(r_c - r_in), 0, 1): flat for r <= r_in";
    j["cutoff_function"] = "0.5 (cos(pi u) + 1)";
  } else {
    j["radial_basis"] = "chebyshev T_n(2r/r_c - 1)";
    j["cutoff_function"] = "0.5 (cos(pi r / r_c) + 1)";
  }
  j["angular"] = "legendre P_l(cos theta_jik), j != k";
  return j;
}

LinearModel::LinearModel(const DescriptorSettings& descriptor, Eigen::VectorXd weights,
                         Eigen::MatrixXd precision_cholesky_upper, TrainingMetadata training)
    : descriptor_(descriptor),
      weights_(std::move(weights)),
      precision_cholesky_upper_(std::move(precision_cholesky_upper)),
      training_(std::move(training)) {
  const std::size_t expected = descriptor_.species_count() * block_size();
  if (static_cast<std::size_t>(weights_.size()) != expected)
    fail("mlff model: " + std::to_string(weights_.size()) + " weights, expected " +
         std::to_string(expected) + " (" + std::to_string(descriptor_.species_count()) +
         " elements × (1 bias + " + std::to_string(descriptor_.feature_count()) + " features))");
  if (!weights_.allFinite()) fail("mlff model: weights must be finite");
  if (precision_cholesky_upper_.size() > 0) {
    const auto n = static_cast<Eigen::Index>(expected);
    if (precision_cholesky_upper_.rows() != n || precision_cholesky_upper_.cols() != n)
      fail("mlff model: the posterior precision factor must be " + std::to_string(n) + " × " +
           std::to_string(n));
    if (!precision_cholesky_upper_.allFinite())
      fail("mlff model: the posterior precision factor must be finite");
    if ((precision_cholesky_upper_.diagonal().array() == 0).any())
      fail("mlff model: the posterior precision factor is singular");
    // Only the upper triangle is meaningful: make the rest exactly zero.
    precision_cholesky_upper_.triangularView<Eigen::StrictlyLower>().setZero();
  }
  try {
    check_core_repulsion(training_.settings.core_repulsion);
  } catch (const InputError& e) {
    fail("mlff model: " + e.problem());
  }
}

std::string LinearModel::parameters_json() const {
  nlohmann::json j;
  j["schema"] = "ionhop.mlff/1";
  j["model"] = "linear";
  j["descriptor"] = descriptor_settings_json(descriptor_.settings());
  j["parameter_count"] = static_cast<std::int64_t>(weights_.size());
  if (core_repulsion().enabled())  // only when used: the hash of older models is unchanged
    j["core_repulsion"] = {{"kind", "ZBL, quintic switch"},
                           {"inner_angstrom", core_repulsion().inner_angstrom},
                           {"outer_angstrom", core_repulsion().outer_angstrom}};
  std::vector<double> w(weights_.data(), weights_.data() + weights_.size());
  // nlohmann writes doubles in shortest round-trip form: equal text ⇔ bit-identical weights.
  j["weights_sha256"] = core::sha256_hex(nlohmann::json(w).dump());
  return j.dump();
}

atomistic::EnergyForces LinearModel::compute(const atomistic::Structure& structure) const {
  check_cell_charge(training_, structure);
  const auto species = descriptor_.species_of(structure, kWho);
  const auto list = descriptor_.neighbours(structure, kWho);
  const std::size_t n = structure.size();
  std::vector<std::size_t> offsets(n + 1, 0);
  for (std::size_t i = 0; i < n; ++i) offsets[i + 1] = offsets[i] + list.of(i).size();

  // Per-atom energies and ∂E_i/∂r_ij per neighbour entry: no shared accumulators, so the
  // parallel phase cannot change the summation order.
  Eigen::VectorXd atomic(static_cast<Eigen::Index>(n));
  Eigen::Matrix3Xd d_dr(3, static_cast<Eigen::Index>(offsets[n]));
  const auto features = static_cast<Eigen::Index>(descriptor_.feature_count());
  tbb::parallel_for(
      tbb::blocked_range<std::size_t>(0, n), [&](const tbb::blocked_range<std::size_t>& range) {
        Descriptor::Workspace work;
        Eigen::Matrix3Xd local;
        for (std::size_t i = range.begin(); i != range.end(); ++i) {
          const Eigen::Index off = block_offset(static_cast<std::size_t>(species[i]));
          const double e = descriptor_.contract_center(
              list, species, i, weights_.segment(off + 1, features), local, work);
          atomic[static_cast<Eigen::Index>(i)] = weights_[off] + e;
          d_dr.middleCols(static_cast<Eigen::Index>(offsets[i]), local.cols()) = local;
        }
      });

  atomistic::EnergyForces out;
  out.forces_ev_per_angstrom = Eigen::Matrix3Xd::Zero(3, static_cast<Eigen::Index>(n));
  Eigen::Matrix3d virial = Eigen::Matrix3d::Zero();
  for (std::size_t i = 0; i < n; ++i) {
    out.energy_ev += atomic[static_cast<Eigen::Index>(i)];
    const auto neighbours = list.of(i);
    for (std::size_t p = 0; p < neighbours.size(); ++p) {
      const atomistic::Vec3 g = d_dr.col(static_cast<Eigen::Index>(offsets[i] + p));
      // r_ij = r_j − r_i: ∂E_i/∂r_j = g, ∂E_i/∂r_i = −g.
      out.forces_ev_per_angstrom.col(static_cast<Eigen::Index>(neighbours[p].atom)) -= g;
      out.forces_ev_per_angstrom.col(static_cast<Eigen::Index>(i)) += g;
      virial += g * neighbours[p].vector_angstrom.transpose();
    }
  }
  out.stress_ev_per_angstrom3 = virial / structure.volume_angstrom3();
  out.has_stress = true;
  if (core_repulsion().enabled()) {
    // The descriptor's list (r_c ≥ r_outer in practice) serves the repulsion too.
    const atomistic::EnergyForces core = mlff::core_repulsion(core_repulsion(), structure, list);
    out.energy_ev += core.energy_ev;
    out.forces_ev_per_angstrom += core.forces_ev_per_angstrom;
    out.stress_ev_per_angstrom3 += core.stress_ev_per_angstrom3;
  }
  return out;
}

Eigen::VectorXd LinearModel::atomic_energies_ev(const atomistic::Structure& structure) const {
  check_cell_charge(training_, structure);
  const auto species = descriptor_.species_of(structure, kWho);
  (void)descriptor_.neighbours(structure, kWho);  // the cutoff check with this model's name
  const Eigen::MatrixXd phi = descriptor_.compute(structure);
  const auto features = static_cast<Eigen::Index>(descriptor_.feature_count());
  Eigen::VectorXd out(phi.cols());
  for (Eigen::Index i = 0; i < phi.cols(); ++i) {
    const Eigen::Index off =
        block_offset(static_cast<std::size_t>(species[static_cast<std::size_t>(i)]));
    out[i] = weights_[off] + weights_.segment(off + 1, features).dot(phi.col(i));
  }
  if (core_repulsion().enabled())
    out += core_repulsion_atomic_energies(core_repulsion(), structure);
  return out;
}

Uncertainty LinearModel::uncertainty(const atomistic::Structure& structure) const {
  if (!has_uncertainty())
    fail("mlff model: no posterior covariance (the model was not fitted with uncertainty)");
  check_cell_charge(training_, structure);
  const auto species = descriptor_.species_of(structure, kWho);
  (void)descriptor_.neighbours(structure, kWho);
  const Eigen::MatrixXd phi = descriptor_.compute(structure);
  const auto atoms = phi.cols();
  // Force rows of the design matrix: the gradients of ψ, by the fit's own code path.
  TrainingFrame frame;
  frame.structure = structure;
  frame.forces_ev_per_angstrom = Eigen::Matrix3Xd::Zero(3, atoms);
  FitSettings unit;
  unit.force_sigma_ev_per_angstrom = 1;
  const DesignMatrix forces = build_design_matrix(descriptor_, {frame}, unit);

  const auto n_params = static_cast<Eigen::Index>(parameter_count());
  const auto features = static_cast<Eigen::Index>(descriptor_.feature_count());
  // Columns: ψ_i per atom, Σ_i ψ_i, then one per force component.
  Eigen::MatrixXd psi = Eigen::MatrixXd::Zero(n_params, 4 * atoms + 1);
  for (Eigen::Index i = 0; i < atoms; ++i) {
    const Eigen::Index off =
        block_offset(static_cast<std::size_t>(species[static_cast<std::size_t>(i)]));
    psi(off, i) = 1.0;
    psi.col(i).segment(off + 1, features) = phi.col(i);
  }
  psi.col(atoms) = psi.leftCols(atoms).rowwise().sum();
  psi.rightCols(3 * atoms) = forces.matrix.transpose();
  // Σ = (RᵀR)⁻¹ ⇒ ψᵀΣψ = ‖R⁻ᵀψ‖²: one triangular solve with all ψ as right-hand sides.
  precision_cholesky_upper_.triangularView<Eigen::Upper>().transpose().solveInPlace(psi);
  Uncertainty out;
  out.per_atom_ev = psi.leftCols(atoms).colwise().norm().transpose();
  out.total_ev = psi.col(atoms).norm();
  const Eigen::RowVectorXd force_std = psi.rightCols(3 * atoms).colwise().norm();
  out.forces_ev_per_angstrom = Eigen::Map<const Eigen::Matrix3Xd>(force_std.data(), 3, atoms);
  return out;
}

}  // namespace ionhop::mlff
