// Weighted ridge / Bayesian linear regression fit of the linear MLFF (see fit.hpp).
#include "ionhop/mlff/fit.hpp"

#include <tbb/parallel_for.h>

#include <Eigen/Dense>
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>

#include "ionhop/core/error.hpp"
#include "ionhop/core/sha256.hpp"

namespace ionhop::mlff {

namespace {
[[noreturn]] void fail(const std::string& problem) { throw InputError("", "", problem); }

std::string utc_now_iso8601() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

// Voigt order of the fitted stress components.
constexpr int kVoigt[6][2] = {{0, 0}, {1, 1}, {2, 2}, {1, 2}, {0, 2}, {0, 1}};
}  // namespace

DesignMatrix build_design_matrix(const Descriptor& descriptor,
                                 const std::vector<TrainingFrame>& frames,
                                 const FitSettings& settings) {
  const std::size_t nf = frames.size();
  const std::size_t block = descriptor.feature_count() + 1;
  const auto n_params = static_cast<Eigen::Index>(descriptor.species_count() * block);
  const auto features = static_cast<Eigen::Index>(descriptor.feature_count());

  // Row layout first (serial), so that frames can fill disjoint rows in parallel.
  std::vector<std::size_t> first_row(nf + 1, 0);
  std::vector<std::array<bool, 3>> uses(nf);
  for (std::size_t f = 0; f < nf; ++f) {
    const auto& fr = frames[f];
    const std::string where = "training frame " + std::to_string(f) + ": ";
    const auto atoms = static_cast<Eigen::Index>(fr.structure.size());
    if (atoms == 0) fail(where + "no atoms");
    if (fr.forces_ev_per_angstrom && fr.forces_ev_per_angstrom->cols() != atoms)
      fail(where + "forces for " + std::to_string(fr.forces_ev_per_angstrom->cols()) +
           " atoms, structure has " + std::to_string(atoms));
    uses[f] = {
        fr.energy_ev.has_value() && settings.energy_sigma_ev_per_atom > 0,
        fr.forces_ev_per_angstrom.has_value() && settings.force_sigma_ev_per_angstrom > 0,
        fr.stress_ev_per_angstrom3.has_value() && settings.stress_sigma_ev_per_angstrom3 > 0};
    first_row[f + 1] = first_row[f] + (uses[f][0] ? 1 : 0) +
                       (uses[f][1] ? 3 * static_cast<std::size_t>(atoms) : 0) +
                       (uses[f][2] ? 6 : 0);
  }
  const auto rows = static_cast<Eigen::Index>(first_row[nf]);
  DesignMatrix d;
  d.matrix = Eigen::MatrixXd::Zero(rows, n_params);
  d.targets.resize(rows);
  d.row_weights.resize(rows);
  d.kinds.resize(static_cast<std::size_t>(rows));
  d.frame_of_row.resize(static_cast<std::size_t>(rows));

  // Errors inside the parallel loop are collected per frame and the first one rethrown, so
  // which error is reported does not depend on scheduling.
  std::vector<std::string> errors(nf);
  tbb::parallel_for(std::size_t{0}, nf, [&](std::size_t f) {
    const auto& fr = frames[f];
    const std::string who = "training frame " + std::to_string(f) + ": mlff";
    std::vector<int> species;
    atomistic::NeighbourList list;
    // The fixed core repulsion is not fitted: the targets are the reference minus it.
    atomistic::EnergyForces core;
    try {
      species = descriptor.species_of(fr.structure, who);
      list = descriptor.neighbours(fr.structure, who);
    } catch (const InputError& e) {
      errors[f] = e.problem();
      return;
    }
    try {
      core = core_repulsion(settings.core_repulsion, fr.structure, list);
    } catch (const InputError& e) {
      errors[f] = "training frame " + std::to_string(f) + ": " + e.problem();
      return;
    }
    const std::size_t n = fr.structure.size();
    auto row = static_cast<Eigen::Index>(first_row[f]);
    const Eigen::Index energy_row = uses[f][0] ? row++ : -1;
    const Eigen::Index force_row = uses[f][1] ? row : -1;
    if (uses[f][1]) row += 3 * static_cast<Eigen::Index>(n);
    const Eigen::Index stress_row = uses[f][2] ? row : -1;
    const double inv_volume = 1.0 / fr.structure.volume_angstrom3();

    Descriptor::Workspace work;
    Eigen::VectorXd phi(features);
    Eigen::MatrixXd grad;
    Eigen::RowVectorXd energy_sum = Eigen::RowVectorXd::Zero(n_params);
    for (std::size_t i = 0; i < n; ++i) {
      const bool need_gradients = uses[f][1] || uses[f][2];
      descriptor.compute_center(list, species, i, phi, need_gradients ? &grad : nullptr, work);
      const auto off = static_cast<Eigen::Index>(static_cast<std::size_t>(species[i]) * block);
      energy_sum[off] += 1.0;
      energy_sum.segment(off + 1, features) += phi.transpose();
      if (!need_gradients) continue;
      const auto neighbours = list.of(i);
      for (std::size_t p = 0; p < neighbours.size(); ++p) {
        const auto cp = static_cast<Eigen::Index>(3 * p);
        if (force_row >= 0) {
          const auto j = static_cast<Eigen::Index>(neighbours[p].atom);
          const auto ii = static_cast<Eigen::Index>(i);
          for (Eigen::Index a = 0; a < 3; ++a) {
            // F = −∂E/∂r: atom j sees −∂φ_i/∂r_ij, atom i sees +∂φ_i/∂r_ij.
            d.matrix.row(force_row + 3 * j + a).segment(off + 1, features) -=
                grad.col(cp + a).transpose();
            d.matrix.row(force_row + 3 * ii + a).segment(off + 1, features) +=
                grad.col(cp + a).transpose();
          }
        }
        if (stress_row >= 0) {
          const atomistic::Vec3& r = neighbours[p].vector_angstrom;
          for (int v = 0; v < 6; ++v)
            d.matrix.row(stress_row + v).segment(off + 1, features) +=
                (inv_volume * r[kVoigt[v][1]]) * grad.col(cp + kVoigt[v][0]).transpose();
        }
      }
    }
    // Noise multipliers of FitSettings::high_force_scale_ev_per_angstrom (1 when off).
    const double f0 = settings.high_force_scale_ev_per_angstrom;
    const auto force_factor = [&](std::size_t k) {
      if (f0 <= 0 || !fr.forces_ev_per_angstrom) return 1.0;
      return std::max(1.0,
                      fr.forces_ev_per_angstrom->col(static_cast<Eigen::Index>(k)).norm() / f0);
    };
    double frame_factor = 1.0;
    for (std::size_t k = 0; k < n; ++k) frame_factor = std::max(frame_factor, force_factor(k));
    if (energy_row >= 0) {
      d.matrix.row(energy_row) = energy_sum;
      d.targets[energy_row] = *fr.energy_ev - core.energy_ev;
      const double sigma_e = settings.energy_sigma_ev_per_atom * frame_factor;
      d.row_weights[energy_row] = 1.0 / (sigma_e * sigma_e * static_cast<double>(n));
      d.kinds[static_cast<std::size_t>(energy_row)] = DesignMatrix::Kind::energy;
    }
    if (force_row >= 0)
      for (Eigen::Index k = 0; k < 3 * static_cast<Eigen::Index>(n); ++k) {
        d.targets[force_row + k] =
            (*fr.forces_ev_per_angstrom)(k % 3, k / 3) - core.forces_ev_per_angstrom(k % 3, k / 3);
        const double sigma_f =
            settings.force_sigma_ev_per_angstrom * force_factor(static_cast<std::size_t>(k / 3));
        d.row_weights[force_row + k] = 1.0 / (sigma_f * sigma_f);
        d.kinds[static_cast<std::size_t>(force_row + k)] = DesignMatrix::Kind::force;
      }
    if (stress_row >= 0)
      for (int v = 0; v < 6; ++v) {
        d.targets[stress_row + v] = (*fr.stress_ev_per_angstrom3)(kVoigt[v][0], kVoigt[v][1]) -
                                    core.stress_ev_per_angstrom3(kVoigt[v][0], kVoigt[v][1]);
        d.row_weights[stress_row + v] =
            1.0 / (settings.stress_sigma_ev_per_angstrom3 * settings.stress_sigma_ev_per_angstrom3);
        d.kinds[static_cast<std::size_t>(stress_row + v)] = DesignMatrix::Kind::stress;
      }
    for (std::size_t r = first_row[f]; r < first_row[f + 1]; ++r) d.frame_of_row[r] = f;
  });
  for (const auto& e : errors)
    if (!e.empty()) fail(e);
  return d;
}

LinearModel fit_linear_model(const DescriptorSettings& descriptor_settings,
                             const std::vector<TrainingFrame>& frames,
                             const FitSettings& settings) {
  const Descriptor descriptor(descriptor_settings);
  if (frames.empty()) fail("mlff fit: no training frames");
  const double sigmas[3] = {settings.energy_sigma_ev_per_atom, settings.force_sigma_ev_per_angstrom,
                            settings.stress_sigma_ev_per_angstrom3};
  for (double s : sigmas)
    if (!(std::isfinite(s) && s >= 0)) fail("mlff fit: noise levels sigma must be finite and >= 0");
  if (sigmas[0] == 0 && sigmas[1] == 0 && sigmas[2] == 0)
    fail("mlff fit: every noise level sigma is 0, nothing to fit");
  if (!(std::isfinite(settings.ridge_lambda) && settings.ridge_lambda > 0))
    fail("mlff fit: ridge_lambda must be > 0");
  if (!(std::isfinite(settings.high_force_scale_ev_per_angstrom) &&
        settings.high_force_scale_ev_per_angstrom >= 0))
    fail("mlff fit: high_force_scale_ev_per_angstrom must be finite and >= 0");
  try {
    check_core_repulsion(settings.core_repulsion);
  } catch (const InputError& e) {
    fail("mlff fit: " + e.problem());
  }

  const DesignMatrix d = build_design_matrix(descriptor, frames, settings);
  const Eigen::Index rows = d.matrix.rows(), n = d.matrix.cols();
  if (rows == 0) fail("mlff fit: the frames hold no observation that the settings use");
  if (!d.targets.allFinite()) fail("mlff fit: non-finite energy, force or stress in the data");

  const Eigen::VectorXd sqrt_w = d.row_weights.cwiseSqrt();
  Eigen::VectorXd scale = (sqrt_w.asDiagonal() * d.matrix).colwise().norm().transpose() /
                          std::sqrt(static_cast<double>(rows));
  // Floor the scales at the median column scale: a feature the data excite only weakly (a
  // pair type that enters the cutoff in a few frames, at its smooth tail) would otherwise get
  // a prior on its raw weight 1/(λ d_c²) orders of magnitude wider than a typical feature's,
  // so one frame that excites it fixes a huge weight and the model explodes a little further
  // along that direction (seen in on-the-fly MD). With the floor no weight's prior is wider
  // than a typical feature's; columns that are zero in all data get the median too.
  std::vector<double> positive;
  for (Eigen::Index c = 0; c < n; ++c)
    if (scale[c] > 0) positive.push_back(scale[c]);
  double median = 1.0;
  if (!positive.empty()) {
    std::nth_element(positive.begin(), positive.begin() + positive.size() / 2, positive.end());
    median = positive[positive.size() / 2];
  }
  for (Eigen::Index c = 0; c < n; ++c) scale[c] = std::max(scale[c], median);

  Eigen::MatrixXd stacked(rows + n, n);
  stacked.topRows(rows) = sqrt_w.asDiagonal() * d.matrix;
  stacked.bottomRows(n) = (std::sqrt(settings.ridge_lambda) * scale).asDiagonal();
  // Prior mean of the biases: per-element reference energies e_s, the minimum-norm least-
  // squares solution of E_k ≈ Σ_s n_ks e_s over the energy rows (n_ks = the bias columns of
  // the energy rows). DFT total energies are large (−317 eV/atom for CsPbI3 with GTH
  // pseudopotentials): a prior centred on 0 would make the ridge pull the biases away from
  // them and the fit push the misfit into the forces. With the prior centred on e_s the ridge
  // only shrinks deviations from the composition-mean energy; the posterior covariance is
  // unchanged (same precision matrix).
  const auto block = static_cast<Eigen::Index>(descriptor.feature_count() + 1);
  const Eigen::Index species = n / block;
  Eigen::VectorXd prior_mean = Eigen::VectorXd::Zero(n);
  {
    std::vector<Eigen::Index> energy_rows;
    for (Eigen::Index r = 0; r < rows; ++r)
      if (d.kinds[static_cast<std::size_t>(r)] == DesignMatrix::Kind::energy)
        energy_rows.push_back(r);
    if (!energy_rows.empty()) {
      Eigen::MatrixXd composition(static_cast<Eigen::Index>(energy_rows.size()), species);
      Eigen::VectorXd energies(static_cast<Eigen::Index>(energy_rows.size()));
      for (std::size_t k = 0; k < energy_rows.size(); ++k) {
        const auto r = energy_rows[k], row = static_cast<Eigen::Index>(k);
        for (Eigen::Index sp = 0; sp < species; ++sp)
          composition(row, sp) = d.matrix(r, sp * block);
        energies[row] = d.targets[r];
      }
      const Eigen::VectorXd e = composition.completeOrthogonalDecomposition().solve(energies);
      for (Eigen::Index sp = 0; sp < species; ++sp) prior_mean[sp * block] = e[sp];
    }
  }
  Eigen::VectorXd rhs = Eigen::VectorXd::Zero(rows + n);
  rhs.head(rows) = sqrt_w.cwiseProduct(d.targets);
  rhs.tail(n) = (std::sqrt(settings.ridge_lambda) * scale).cwiseProduct(prior_mean);
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(std::move(stacked));
  const Eigen::VectorXd weights = qr.solve(rhs);
  Eigen::MatrixXd r_factor = qr.matrixQR().topRows(n).triangularView<Eigen::Upper>();

  TrainingMetadata meta;
  meta.settings = settings;
  meta.structures = frames.size();
  meta.cell_charge_e = frames.front().structure.charge_e;
  for (const auto& f : frames)
    if (f.structure.charge_e != *meta.cell_charge_e) meta.cell_charge_e.reset();
  for (const auto& f : frames) meta.atoms += f.structure.size();
  const Eigen::VectorXd residual = d.matrix * weights - d.targets;
  double e2 = 0, e1 = 0, f2 = 0, f1 = 0, s2 = 0;
  for (Eigen::Index r = 0; r < rows; ++r) {
    const double x = residual[r];
    switch (d.kinds[static_cast<std::size_t>(r)]) {
      case DesignMatrix::Kind::energy: {
        const double per_atom =
            x / static_cast<double>(
                    frames[d.frame_of_row[static_cast<std::size_t>(r)]].structure.size());
        e2 += per_atom * per_atom;
        e1 += std::abs(per_atom);
        ++meta.energy_observations;
        break;
      }
      case DesignMatrix::Kind::force:
        f2 += x * x;
        f1 += std::abs(x);
        ++meta.force_observations;
        break;
      case DesignMatrix::Kind::stress:
        s2 += x * x;
        ++meta.stress_observations;
        break;
    }
  }
  auto mean = [](double sum, std::size_t count) {
    return count ? sum / static_cast<double>(count) : 0.0;
  };
  meta.energy_rmse_ev_per_atom = std::sqrt(mean(e2, meta.energy_observations));
  meta.energy_mae_ev_per_atom = mean(e1, meta.energy_observations);
  meta.force_rmse_ev_per_angstrom = std::sqrt(mean(f2, meta.force_observations));
  meta.force_mae_ev_per_angstrom = mean(f1, meta.force_observations);
  meta.stress_rmse_ev_per_angstrom3 = std::sqrt(mean(s2, meta.stress_observations));
  meta.data_sha256 = training_data_sha256(frames);
  meta.date = utc_now_iso8601();
  return LinearModel(descriptor.settings(), weights, std::move(r_factor), std::move(meta));
}

std::string training_data_sha256(const std::vector<TrainingFrame>& frames) {
  nlohmann::json all = nlohmann::json::array();
  auto flat = [](const auto& m) {
    std::vector<double> v;
    for (Eigen::Index c = 0; c < m.cols(); ++c)
      for (Eigen::Index r = 0; r < m.rows(); ++r) v.push_back(m(r, c));
    return v;
  };
  for (const auto& f : frames) {
    nlohmann::json j;
    j["cell"] = flat(Eigen::Matrix3d(f.structure.cell_angstrom.transpose()));
    j["elements"] = f.structure.elements;
    j["positions"] = flat(f.structure.positions_angstrom);
    j["energy"] = f.energy_ev ? nlohmann::json(*f.energy_ev) : nlohmann::json();
    j["forces"] = f.forces_ev_per_angstrom ? nlohmann::json(flat(*f.forces_ev_per_angstrom))
                                           : nlohmann::json();
    j["stress"] = f.stress_ev_per_angstrom3 ? nlohmann::json(flat(*f.stress_ev_per_angstrom3))
                                            : nlohmann::json();
    all.push_back(j);
  }
  return core::sha256_hex(all.dump());
}

}  // namespace ionhop::mlff
