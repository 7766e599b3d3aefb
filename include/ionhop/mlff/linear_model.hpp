// The linear machine-learned force field E = Σ_i [b_{s(i)} + w_{s(i)}·φ(i)] (+ an optional
// fixed ZBL core repulsion, FitSettings::core_repulsion) behind the Potential interface:
// exact analytic forces and stress, Bayesian uncertainties.
#pragma once

#include <Eigen/Core>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "ionhop/atomistic/potential.hpp"
#include "ionhop/mlff/core_repulsion.hpp"
#include "ionhop/mlff/descriptors.hpp"

namespace ionhop::mlff {

// Settings of the weighted ridge fit (see fit.hpp); recorded in the model's training metadata.
struct FitSettings {
  // Noise levels of the observations; each row of the least-squares problem is weighted by
  // 1/σ², so they set the relative weight of energies, forces and stresses and, in the
  // Bayesian reading, the scale of the posterior covariance.
  // Energy: noise of a total energy of N atoms is σ_E √N (independent per-atom errors), so
  // w_E = 1/(σ_E² N).
  double energy_sigma_ev_per_atom = 0.001;
  double force_sigma_ev_per_angstrom = 0.05;
  double stress_sigma_ev_per_angstrom3 = 0;  // 0: stresses are not fitted
  // F0 > 0: observations far from equilibrium count less. Atom k's force noise becomes
  // σ_F·max(1, |F_k|/F0) and a frame's energy noise σ_E·max(1, max_k |F_k|/F0), with F_k
  // the reference (DFT) force. Why: active learning labels images where a band left the
  // training domain, often with atoms in contact (DFT forces of 3–60 eV/Å); with the
  // near-equilibrium noise a linear model spends its capacity on those few rows and loses
  // accuracy along the paths that matter, where a noise that grows with |F| keeps them as
  // weak walls (the relative-error weighting of force-matching fits). 0: off.
  double high_force_scale_ev_per_angstrom = 0;
  // Ridge λ: Gaussian prior w̃ ~ N(m̃, 1/λ) on the weights of standardised features (m̃ = 0
  // except for the biases, centred on per-element reference energies: fit.hpp)
  // (w̃_c = d_c w_c, d_c the weighted RMS of design column c, floored at the median over
  // columns: fit.hpp), so one λ suits features of
  // very different magnitude. Must be > 0 (it keeps the posterior covariance finite).
  double ridge_lambda = 1e-8;
  // Optional fixed ZBL repulsion under the model (core_repulsion.hpp): the fit targets are
  // the reference minus it, and the model adds it back. Off (outer 0) by default.
  CoreRepulsionSettings core_repulsion;
};

// What the fit saw and how well it reproduces it (on the training data).
struct TrainingMetadata {
  std::size_t structures = 0, atoms = 0;
  std::size_t energy_observations = 0, force_observations = 0, stress_observations = 0;
  double energy_rmse_ev_per_atom = 0, energy_mae_ev_per_atom = 0;
  double force_rmse_ev_per_angstrom = 0, force_mae_ev_per_angstrom = 0;
  double stress_rmse_ev_per_angstrom3 = 0;
  std::string data_sha256;  // of the canonical text of the training frames
  std::string date;         // ISO 8601 UTC of the fit
  FitSettings settings;
  // The total charge (e) shared by every training cell: ionhop fits one model per defect
  // charge state (docs/mlff.md), and compute() refuses a structure of another charge.
  // nullopt: the frames had different charges, or the model predates this field.
  std::optional<int> cell_charge_e;
};

// Posterior standard deviations of a model's predictions for one structure.
struct Uncertainty {
  // Of each atomic energy b + w·φ(i). NOTE: the split of an energy into atomic energies is
  // not fully fixed by total energies and forces (the bias of each element at a single
  // training composition, w_A[B] vs w_B[A] of the cross two-body terms): along those
  // directions the posterior is the prior, so per-atom values carry a prior-dependent
  // offset (large for small λ). Compare them between atoms or structures of one model; the
  // total energy and the forces below are free of it.
  Eigen::VectorXd per_atom_ev;
  double total_ev = 0;                      // of the total energy (correlations kept)
  Eigen::Matrix3Xd forces_ev_per_angstrom;  // of each force component
};

// The descriptor hyperparameters as JSON, the "descriptor" object of the model file and of
// parameters_json: elements, cutoff_angstrom, radial_order, angular_radial_order,
// angular_order, plus the fixed basis choices (radial_basis, cutoff_function, angular).
nlohmann::json descriptor_settings_json(const DescriptorSettings& settings);

class LinearModel : public atomistic::Potential {
 public:
  // weights: for every species s (elements() order) a block [b_s, w_s(0..F−1)], F =
  // descriptor feature count, so S·(F+1) numbers. precision_cholesky_upper: upper-triangular
  // R with RᵀR = Σ⁻¹ the posterior precision of the weights (S·(F+1) square), or empty for a
  // model without uncertainty. Throws InputError (no file) for a size mismatch or
  // non-finite numbers.
  LinearModel(const DescriptorSettings& descriptor, Eigen::VectorXd weights,
              Eigen::MatrixXd precision_cholesky_upper = {}, TrainingMetadata training = {});

  std::string name() const override { return "mlff-linear"; }
  // Canonical JSON: schema, model kind, descriptor hyperparameters and basis choices, the
  // parameter count and the SHA-256 of the weights in shortest round-trip form.
  std::string parameters_json() const override;
  // Energy, forces −∂E/∂r and stress (1/V)Σ_i Σ_j ∂E_i/∂r_ij ⊗ r_ij (the virial of the
  // local energies, exact because E depends on positions only through the r_ij). Atoms are
  // evaluated in parallel into per-atom arrays and reduced serially in atom order, so the
  // result is bit-identical for any thread count. Throws InputError for an unknown element,
  // a cutoff above half the smallest cell width, or a cell charge other than the training
  // cells' (training().cell_charge_e): a charged-defect model is not valid for another
  // charge state.
  atomistic::EnergyForces compute(const atomistic::Structure& structure) const override;

  const Descriptor& descriptor() const { return descriptor_; }
  const std::vector<std::string>& elements() const { return descriptor_.elements(); }
  std::size_t parameter_count() const { return static_cast<std::size_t>(weights_.size()); }
  std::size_t block_size() const { return descriptor_.feature_count() + 1; }
  const Eigen::VectorXd& weights() const { return weights_; }
  double bias_ev(std::size_t species) const { return weights_[block_offset(species)]; }

  // Per-atom energies b + w·φ(i) (+ half of each core-repulsion pair; they sum to
  // compute().energy_ev).
  Eigen::VectorXd atomic_energies_ev(const atomistic::Structure& structure) const;

  bool has_uncertainty() const { return precision_cholesky_upper_.size() > 0; }
  const Eigen::MatrixXd& precision_cholesky_upper() const { return precision_cholesky_upper_; }
  // Bayesian linear regression (posterior w ~ N(ŵ, Σ)): var E_i = ψ_iᵀ Σ ψ_i with ψ_i = [1, φ(i)]
  // in the block of atom i's species, var E = ψᵀ Σ ψ with ψ = Σ_i ψ_i, var F_kα likewise
  // with ψ = −∂ψ/∂r_kα (the force rows of the design matrix); evaluated as ‖R⁻ᵀψ‖². The
  // scale is set by the fit's σ's (not re-estimated from the residuals). Large where the
  // structure's descriptors leave the span of the training data, the criterion of on-the-fly
  // learning (Jinnouchi, Karsai & Kresse, PRB 100, 014105 (2019); Vandermause et al., npj Comput.
  // Mater. 6, 20 (2020)). Throws InputError when the model has no posterior.
  Uncertainty uncertainty(const atomistic::Structure& structure) const;

  const TrainingMetadata& training() const { return training_; }
  const CoreRepulsionSettings& core_repulsion() const { return training_.settings.core_repulsion; }

 private:
  Eigen::Index block_offset(std::size_t species) const {
    return static_cast<Eigen::Index>(species * block_size());
  }

  Descriptor descriptor_;
  Eigen::VectorXd weights_;
  Eigen::MatrixXd precision_cholesky_upper_;
  TrainingMetadata training_;
};

}  // namespace ionhop::mlff
