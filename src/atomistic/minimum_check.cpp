// Negative-curvature check and escape for relaxed structures (see the header).
#include "ionhop/atomistic/minimum_check.hpp"

#include <Eigen/Eigenvalues>
#include <vector>

#include "ionhop/atomistic/harmonic_tst.hpp"

namespace ionhop::atomistic {

std::optional<UnstableDirection> most_unstable_direction(
    const Potential& potential, const Structure& structure,
    double curvature_threshold_ev_per_angstrom2, double hessian_step_angstrom) {
  const Eigen::MatrixXd h = finite_difference_hessian(potential, structure, hessian_step_angstrom);
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(h);
  const double lowest = eig.eigenvalues()(0);
  if (!(lowest < curvature_threshold_ev_per_angstrom2)) return std::nullopt;
  UnstableDirection out;
  out.curvature_ev_per_angstrom2 = lowest;
  out.direction = Eigen::Matrix3Xd::Zero(3, static_cast<Eigen::Index>(structure.size()));
  const Eigen::VectorXd v = eig.eigenvectors().col(0);
  Eigen::Index row = 0;
  for (std::size_t k = 0; k < structure.size(); ++k) {
    if (structure.is_fixed(k)) continue;
    out.direction.col(static_cast<Eigen::Index>(k)) = v.segment<3>(row);
    row += 3;
  }
  // Sign convention: the largest component positive (the eigenvector's sign is arbitrary;
  // this makes the escape deterministic).
  Eigen::Index i = 0, j = 0;
  out.direction.cwiseAbs().maxCoeff(&i, &j);
  if (out.direction(i, j) < 0) out.direction = -out.direction;
  out.direction /= out.direction.colwise().norm().maxCoeff();
  return out;
}

Structure escape_along(const Potential& potential, const Structure& structure,
                       const UnstableDirection& unstable, const MinimumSettings& settings) {
  // Soft modes have small curvatures: a fixed small step can leave forces below the
  // relaxation tolerance (|λ| d < tol), and FIRE would stop on the ridge again. Walk down the
  // mode instead, in steps of escape_step_angstrom, while the energy keeps falling.
  Structure best = structure;
  double e_best = potential.compute(structure).energy_ev;
  for (std::size_t k = 0; k < settings.max_escape_steps; ++k) {
    Structure next = best;
    next.positions_angstrom += settings.escape_step_angstrom * unstable.direction;
    const double e = potential.compute(next).energy_ev;
    if (!(e < e_best)) break;
    best = std::move(next);
    e_best = e;
  }
  if (best.positions_angstrom == structure.positions_angstrom) {
    // Not even the first step went down (a cubic term): take one step anyway; the
    // relaxation that follows decides.
    best.positions_angstrom += settings.escape_step_angstrom * unstable.direction;
  }
  return best;
}

MinimumResult relax_to_minimum(const Potential& potential, const Structure& start,
                               const FireSettings& fire, const MinimumSettings& settings) {
  MinimumResult out;
  out.relaxed = relax(potential, start, fire);
  while (out.relaxed.converged) {
    const auto unstable = most_unstable_direction(potential, out.relaxed.structure,
                                                  settings.curvature_threshold_ev_per_angstrom2,
                                                  settings.hessian_step_angstrom);
    if (!unstable) {
      out.confirmed = true;
      break;
    }
    if (out.escapes >= settings.max_escapes) break;
    ++out.escapes;
    out.relaxed =
        relax(potential, escape_along(potential, out.relaxed.structure, *unstable, settings), fire);
  }
  return out;
}

}  // namespace ionhop::atomistic
