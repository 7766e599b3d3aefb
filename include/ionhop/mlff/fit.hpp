// Fitting the linear MLFF: weighted ridge least squares on energies, forces and stresses,
// which is also the posterior mean of Bayesian linear regression (posterior kept for
// uncertainties).
#pragma once

#include <Eigen/Core>
#include <optional>
#include <string>
#include <vector>

#include "ionhop/atomistic/structure.hpp"
#include "ionhop/mlff/linear_model.hpp"

namespace ionhop::mlff {

// One labelled structure (io::training_frames_from_extxyz converts extxyz frames).
struct TrainingFrame {
  atomistic::Structure structure;
  std::optional<double> energy_ev;
  std::optional<Eigen::Matrix3Xd> forces_ev_per_angstrom;  // column per atom
  std::optional<Eigen::Matrix3d> stress_ev_per_angstrom3;  // Potential's convention
};

// The linear least-squares problem y ≈ X w of a data set (rows in frame order: energy, then
// forces 3k+α, then stress xx, yy, zz, yz, xz, xy), with the weight 1/σ² of every row.
struct DesignMatrix {
  Eigen::MatrixXd matrix;       // rows × S·(F+1)
  Eigen::VectorXd targets;      // observed values
  Eigen::VectorXd row_weights;  // 1/σ² per row
  enum class Kind { energy, force, stress };
  std::vector<Kind> kinds;                // per row
  std::vector<std::size_t> frame_of_row;  // per row
};

// Rows of every observation the settings use (energies if σ_E > 0, forces if σ_F > 0,
// stresses if σ_S > 0, each only where the frame has it). Energy rows: Σ_i ψ_i; force rows:
// −∂/∂r_kα Σ_i ψ_i; stress rows (1/V) Σ_i Σ_j ∂ψ_i/∂r_ij,a r_ij,b; with ψ_i = [1, φ(i)] in
// the block of i's species. TBB-parallel over frames, deterministic. Throws InputError
// (no file) naming the frame ("training frame 3: …", counted from 0) for an unknown element,
// a cutoff too large for its cell, or forces of the wrong shape.
DesignMatrix build_design_matrix(const Descriptor& descriptor,
                                 const std::vector<TrainingFrame>& frames,
                                 const FitSettings& settings);

// Minimises Σ_rows w_r (y_r − X_r·w)² + λ Σ_c (d_c (w_c − m_c))² (m_c: 0, except for the
// biases: the per-element reference energies that best fit the energies by composition
// alone, minimum norm; d_c: weighted RMS of column c,
// floored at the median over columns, so λ acts on standardised features and no weight
// has a wider prior than a typical feature's, weakly excited ones included) by a
// Householder QR of the stacked system [√W X; √λ D] = Q R, which avoids squaring the
// condition number as the normal equations would. R is also the Cholesky factor of the
// posterior precision XᵀWX + λD² of Bayesian linear regression with noise σ and prior
// N(m, (λD²)⁻¹) (Bishop, PRML §3.3), kept in the model for LinearModel::uncertainty.
// Note that only w_A[B] + w_B[A] of the two cross-species two-body blocks is identifiable
// (Σ_{i∈A} G2[B](i) = Σ_{i∈B} G2[A](i)); the prior splits it evenly. The same holds for
// the biases of data sets with a single composition. Training-set RMSE/MAE go into the
// model's TrainingMetadata. Throws InputError (no file) for no frames, no observations,
// σ < 0, all σ = 0, or λ ≤ 0.
LinearModel fit_linear_model(const DescriptorSettings& descriptor,
                             const std::vector<TrainingFrame>& frames,
                             const FitSettings& settings = {});

// SHA-256 of a canonical text of the frames (cells, elements, positions, labels in shortest
// round-trip form): identifies the training set in the model file.
std::string training_data_sha256(const std::vector<TrainingFrame>& frames);

}  // namespace ionhop::mlff
