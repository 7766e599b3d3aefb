// Accuracy metrics of a force field against labelled structures (see validation.hpp).
#include "ionhop/mlff/validation.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "ionhop/core/error.hpp"

namespace ionhop::mlff {

ValidationMetrics validation_metrics(const std::vector<FramePrediction>& frames) {
  ValidationMetrics m;
  m.structures = frames.size();
  double e_abs = 0, e_sq = 0;
  double f_abs = 0, f_sq = 0, near_abs = 0;
  double ref_sum = 0, ref_sq = 0;  // for the variance of the reference components
  std::size_t components = 0;
  for (std::size_t k = 0; k < frames.size(); ++k) {
    const auto& f = frames[k];
    const auto n = static_cast<Eigen::Index>(f.atoms);
    if (!f.near_defect.empty() && f.near_defect.size() != f.atoms)
      throw InputError("", "",
                       "frame " + std::to_string(k) + ": near-defect flags are not one per atom");
    if (f.reference_energy_ev && f.atoms > 0) {
      const double e = (f.predicted_energy_ev - *f.reference_energy_ev) / static_cast<double>(n);
      e_abs += std::abs(e);
      e_sq += e * e;
      m.energy_max_error_ev_per_atom = std::max(m.energy_max_error_ev_per_atom, std::abs(e));
      ++m.energy_observations;
    }
    if (!f.reference_forces_ev_per_angstrom) continue;
    const auto& ref = *f.reference_forces_ev_per_angstrom;
    const auto& pred = f.predicted_forces_ev_per_angstrom;
    if (ref.cols() != n || pred.cols() != n)
      throw InputError("", "",
                       "frame " + std::to_string(k) + ": forces are not one column per atom");
    for (Eigen::Index i = 0; i < n; ++i) {
      const bool near = !f.near_defect.empty() && f.near_defect[static_cast<std::size_t>(i)];
      if (near) ++m.near_defect_atoms;
      for (int a = 0; a < 3; ++a) {
        const double d = std::abs(pred(a, i) - ref(a, i));
        f_abs += d;
        f_sq += d * d;
        if (near) near_abs += d;
        m.force_max_error_ev_per_angstrom = std::max(m.force_max_error_ev_per_angstrom, d);
        ref_sum += ref(a, i);
        ref_sq += ref(a, i) * ref(a, i);
        ++components;
      }
    }
    m.force_atoms += f.atoms;
  }
  if (m.energy_observations > 0) {
    const auto ne = static_cast<double>(m.energy_observations);
    m.energy_mae_ev_per_atom = e_abs / ne;
    m.energy_rmse_ev_per_atom = std::sqrt(e_sq / ne);
  }
  if (components > 0) {
    const auto nc = static_cast<double>(components);
    m.force_mae_ev_per_angstrom = f_abs / nc;
    m.force_rmse_ev_per_angstrom = std::sqrt(f_sq / nc);
    const double ss_tot = ref_sq - ref_sum * ref_sum / nc;
    m.force_r2 = ss_tot > 0 ? 1.0 - f_sq / ss_tot : 0.0;
  }
  if (m.near_defect_atoms > 0)
    m.near_defect_force_mae_ev_per_angstrom =
        near_abs / (3.0 * static_cast<double>(m.near_defect_atoms));
  return m;
}

std::vector<bool> atoms_near(const atomistic::Structure& structure,
                             const atomistic::Vec3& point_angstrom, double radius_angstrom) {
  std::vector<bool> near(structure.size());
  for (std::size_t i = 0; i < structure.size(); ++i)
    near[i] = structure
                  .minimum_image(structure.positions_angstrom.col(static_cast<Eigen::Index>(i)) -
                                 point_angstrom)
                  .norm() < radius_angstrom;
  return near;
}

std::vector<FramePrediction> predict_frames(
    const atomistic::Potential& potential, const std::vector<TrainingFrame>& frames,
    const std::vector<std::optional<atomistic::Vec3>>& defect_positions,
    double near_defect_radius_angstrom) {
  std::vector<FramePrediction> out;
  out.reserve(frames.size());
  for (std::size_t k = 0; k < frames.size(); ++k) {
    const auto& frame = frames[k];
    const atomistic::EnergyForces ef = potential.compute(frame.structure);
    // Filled in place (moving a FramePrediction trips GCC 12's -Wmaybe-uninitialized on
    // std::optional<Eigen::Matrix3Xd>).
    FramePrediction& p = out.emplace_back();
    p.atoms = frame.structure.size();
    p.reference_energy_ev = frame.energy_ev;
    p.predicted_energy_ev = ef.energy_ev;
    p.reference_forces_ev_per_angstrom = frame.forces_ev_per_angstrom;
    p.predicted_forces_ev_per_angstrom = ef.forces_ev_per_angstrom;
    if (k < defect_positions.size() && defect_positions[k])
      p.near_defect =
          atoms_near(frame.structure, *defect_positions[k], near_defect_radius_angstrom);
  }
  return out;
}

PathBarrierComparison compare_path_barriers(const std::vector<FramePrediction>& frames) {
  if (frames.size() < 2)
    throw InputError("", "",
                     "a path needs at least 2 frames, got " + std::to_string(frames.size()));
  for (std::size_t k = 0; k < frames.size(); ++k)
    if (!frames[k].reference_energy_ev)
      throw InputError("", "", "path frame " + std::to_string(k + 1) + " has no reference energy");
  PathBarrierComparison c;
  const double ref0 = *frames.front().reference_energy_ev,
               pred0 = frames.front().predicted_energy_ev;
  double sum = 0;
  for (std::size_t k = 0; k < frames.size(); ++k) {
    c.reference_ev.push_back(*frames[k].reference_energy_ev - ref0);
    c.predicted_ev.push_back(frames[k].predicted_energy_ev - pred0);
    if (k > 0) sum += std::abs(c.predicted_ev[k] - c.reference_ev[k]);
    if (c.reference_ev[k] > c.reference_ev[c.reference_highest]) c.reference_highest = k;
    if (c.predicted_ev[k] > c.predicted_ev[c.predicted_highest]) c.predicted_highest = k;
  }
  c.profile_mae_ev = sum / static_cast<double>(frames.size() - 1);
  c.reference_forward_barrier_ev = c.reference_ev[c.reference_highest];
  c.predicted_forward_barrier_ev = c.predicted_ev[c.predicted_highest];
  c.reference_backward_barrier_ev = c.reference_forward_barrier_ev - c.reference_ev.back();
  c.predicted_backward_barrier_ev = c.predicted_forward_barrier_ev - c.predicted_ev.back();
  c.forward_error_ev = c.predicted_forward_barrier_ev - c.reference_forward_barrier_ev;
  c.backward_error_ev = c.predicted_backward_barrier_ev - c.reference_backward_barrier_ev;
  return c;
}

std::size_t moving_atom(const std::vector<TrainingFrame>& path) {
  if (path.size() < 2) throw InputError("", "", "a path needs at least 2 frames");
  const auto& first = path.front().structure;
  const auto& last = path.back().structure;
  if (first.size() != last.size() || first.size() == 0)
    throw InputError("", "", "the first and last path frames have different atom counts");
  std::size_t best = 0;
  double longest = -1;
  for (std::size_t i = 0; i < first.size(); ++i) {
    const double d =
        first.minimum_image(last.positions_angstrom.col(i) - first.positions_angstrom.col(i))
            .norm();
    if (d > longest) longest = d, best = i;
  }
  return best;
}

}  // namespace ionhop::mlff
