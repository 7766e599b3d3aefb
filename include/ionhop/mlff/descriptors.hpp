// Atom-centred, element-resolved two- and three-body descriptors of the local environment
// (Chebyshev radial basis × smooth cutoff, Legendre angular channels), with analytic
// gradients with respect to every neighbour: the features of the linear MLFF.
#pragma once

#include <Eigen/Core>
#include <cstddef>
#include <string>
#include <vector>

#include "ionhop/atomistic/neighbour_list.hpp"
#include "ionhop/atomistic/structure.hpp"

namespace ionhop::mlff {

// Hyperparameters of the descriptor (all recorded in the model file and parameters_json).
struct DescriptorSettings {
  std::vector<std::string> elements;  // species the model knows; stored sorted, unique
  double cutoff_angstrom = 5.5;       // r_c: neighbours with r < r_c contribute
  int radial_order = 8;               // N_r ≥ 1: two-body radial functions n = 0..N_r−1
  int angular_radial_order = 4;       // N_a ≥ 1: radial functions of the three-body terms
  int angular_order = 3;              // L ≥ 0: Legendre channels l = 0..L
  // r_in ≥ 0, < r_c: 0 is the plain basis below; > 0 makes every radial function flat
  // (constant, zero slope) for r ≤ r_in, so the fitted energy cannot keep falling as two
  // atoms approach closer than the training data go (the band collapses of docs/mlff.md).
  double inner_radius_angstrom = 0;
};

// The features φ(i) of an atom i with neighbours j (vectors r_ij, r < r_c):
//
//   Radial basis  g_n(r) = T_n(x) f_c(r),  x = 2r/r_c − 1 ∈ [−1, 1),
//                 f_c(r) = ½[cos(πr/r_c) + 1]  (Behler's cosine cutoff: f_c, f_c' → 0 at
//                 r_c, so energies and forces are continuous when atoms cross the cutoff),
//                 T_n the Chebyshev polynomials (the radial basis of Artrith, Urban & Ceder,
//                 PRB 96, 014112 (2017); bounded, well conditioned).
//
//   Inner radius  with r_in > 0 the same functions of u = (r − r_in)/(r_c − r_in) clamped to
//                 [0, 1]: x = −cos(πu) (so T_n(x) = (−1)^n cos(nπu)) and f_c = ½[cos(πu) + 1].
//                 dx/du = df_c/du = 0 at u = 0, so g_n and dg_n/dr are continuous at r_in
//                 and g_n(r ≤ r_in) = g_n(r_in) = (−1)^n: no force from the model inside r_in
//                 (a core repulsion, mlff/core_repulsion.hpp, supplies one).
//
//   Two-body      G2[s][n] = Σ_{j ∈ s} g_n(r_ij)            s = neighbour species
//                 (a radial Behler–Parrinello G2 with polynomial instead of Gaussian shape).
//
//   Three-body    G3[a, b][l] = Σ_{j ≠ k} g_n(r_ij) g_m(r_ik) P_l(cos θ_jik),
//                 a = (s, n) with j ∈ s, b = (s', m) with k ∈ s', index a = s·N_a + n, a ≤ b
//                 (the other order is the same sum with j and k swapped), l = 0..L.
//                 This is the Legendre form of the SOAP power spectrum (Bartók, Kondor &
//                 Csányi, PRB 87, 184115 (2013)) with the j = k self terms removed so that it
//                 is purely three-body (Behler's angular G4 are of this type).
//
// Evaluation is O(neighbours), not O(neighbours²): (u_j·u_k)^k expands into Cartesian
// monomials, (u·v)^k = Σ_{a+b+c=k} k!/(a!b!c!) u_x^a u_y^b u_z^c v_x^a v_y^b v_z^c, so with the
// moment tensors A[s,n][q] = Σ_{j∈s} g_n(r_ij) μ_q(û_ij) (μ_q the monomials of degree ≤ L,
// the moment-tensor idea of Shapeev's MTP, MMS 14, 1153 (2016)) one has
//   C_k[a, b] = Σ_{j,k} g_n g_m cos^k θ = Σ_{q: deg q = k} mult_q A[a][q] A[b][q],
// and G3[a, b][l] = Σ_k c_lk C_k[a, b] − δ_{s s'} Σ_{j∈s} g_n(r_ij) g_m(r_ij), where
// P_l(x) = Σ_k c_lk x^k and P_l(1) = 1 removes the j = k terms for every l.
//
// Every feature depends on the structure only through the vectors r_ij of the atoms within
// r_c, through distances and angles, and sums over neighbours: it is exactly invariant to
// translations, rotations, permutations of like atoms and the choice of cell basis.
// Features are in order [G2 (s, n)…, G3 (a ≤ b, l)…]; feature_labels() names them.
class Descriptor {
 public:
  // Validates (InputError, no file): at least one element, no empty or duplicate symbol,
  // r_c > 0 and finite, N_r ≥ 1, N_a ≥ 1, 0 ≤ L ≤ 8, 0 ≤ r_in < r_c. Elements are sorted.
  explicit Descriptor(DescriptorSettings settings);

  const DescriptorSettings& settings() const { return settings_; }
  const std::vector<std::string>& elements() const { return settings_.elements; }
  std::size_t species_count() const { return settings_.elements.size(); }
  std::size_t two_body_count() const { return two_body_count_; }
  std::size_t three_body_count() const { return three_body_count_; }
  std::size_t feature_count() const { return two_body_count_ + three_body_count_; }
  // e.g. "G2 I n=3", "G3 I n=0, Pb m=2, l=1".
  std::vector<std::string> feature_labels() const;

  // Species index of an element (position in elements()), −1 if unknown.
  int species_of(const std::string& element) const;
  // Species index of every atom; throws InputError(no file) "… no parameters for element Xx"
  // prefixed by `who` (e.g. "potential mlff-linear").
  std::vector<int> species_of(const atomistic::Structure& structure, const std::string& who) const;

  // Neighbour list at r_c (full). Throws InputError prefixed by `who` when r_c exceeds half
  // the cell's smallest perpendicular width.
  atomistic::NeighbourList neighbours(const atomistic::Structure& structure,
                                      const std::string& who) const;

  // Scratch space of one thread (the descriptor object itself is immutable and shared).
  struct Workspace {
    Eigen::MatrixXd moments;  // A: (S·N_a) × monomials
    Eigen::MatrixXd radial;   // per neighbour: g_n and dg_n/dr, rows n
    Eigen::MatrixXd monomial_values, adjoint;
  };

  // φ(i) of one atom (`values`, feature_count()) and, when `gradients` is not null, its
  // gradients ∂φ/∂r_ij for every neighbour p of list.of(center): columns 3p, 3p+1, 3p+2
  // (feature_count() × 3·neighbours). ∂φ/∂r_i = −Σ_p ∂φ/∂r_ij (translation invariance).
  void compute_center(const atomistic::NeighbourList& list, const std::vector<int>& species,
                      std::size_t center, Eigen::Ref<Eigen::VectorXd> values,
                      Eigen::MatrixXd* gradients, Workspace& work) const;

  // The adjoint (reverse-mode) product used by the potential: returns w·φ(center) and writes
  // ∂(w·φ)/∂r_ij for every neighbour p into column p of `d_dr` (3 × neighbours), at a cost
  // O(neighbours · N_a · monomials) instead of O(neighbours · features).
  double contract_center(const atomistic::NeighbourList& list, const std::vector<int>& species,
                         std::size_t center, const Eigen::Ref<const Eigen::VectorXd>& w,
                         Eigen::Matrix3Xd& d_dr, Workspace& work) const;

  // Features of every atom of a structure (feature_count() × atoms), TBB-parallel over atoms.
  Eigen::MatrixXd compute(const atomistic::Structure& structure) const;

 private:
  struct Monomial {
    int a, b, c;  // exponents of u_x, u_y, u_z
    int degree;   // a + b + c
    double mult;  // degree! / (a! b! c!)
  };
  // Radial values g_n, dg_n/dr (n < max(N_r, N_a)) of one distance into work.radial (rows
  // 2n, 2n+1... see .cpp).
  void radial(double r, double* g, double* dg) const;
  // Fills the moments A and returns nothing; shared by compute_center and contract_center.
  void accumulate_moments(const atomistic::NeighbourList& list, const std::vector<int>& species,
                          std::size_t center, Workspace& work) const;

  DescriptorSettings settings_;
  std::size_t two_body_count_ = 0, three_body_count_ = 0;
  std::size_t channels_ = 0;  // K = S·N_a
  int radial_count_ = 0;      // max(N_r, N_a)
  std::vector<Monomial> monomials_;
  std::vector<std::vector<double>> legendre_;  // c_lk: P_l(x) = Σ_k c_lk x^k
  std::vector<std::size_t> pair_index_;  // K×K → index of the pair (min, max) among a ≤ b
};

}  // namespace ionhop::mlff
