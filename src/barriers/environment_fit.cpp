// Weighted least-squares fit of the local-environment model to CI-NEB samples (two linear
// fits: ΔE for the site energies, E_b − ΔE/2 for the KRA part) and its rate-table species.
#include "ionhop/barriers/environment_fit.hpp"

#include <Eigen/Dense>
#include <Eigen/SVD>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>
#include <sstream>

#include "ionhop/core/error.hpp"

namespace ionhop::barriers {

namespace {

[[noreturn]] void fail(const std::string& problem) { throw InputError("", "", problem); }

std::string sample_label(const std::vector<BarrierSample>& samples, std::size_t k) {
  return samples[k].id.empty() ? "#" + std::to_string(k) : samples[k].id;
}

int count_of(const std::map<std::string, int>& counts, const std::string& species) {
  auto it = counts.find(species);
  return it == counts.end() ? 0 : it->second;
}

std::string format_ev(double x) {
  std::ostringstream s;
  s.precision(6);
  s << x;
  return s.str();
}

// One linear least-squares problem: rows are samples, columns coefficients.
struct Design {
  Eigen::MatrixXd x;
  Eigen::VectorXd y, w;
  std::vector<std::string> names;
  std::vector<bool> penalised;      // ridge applies to this column
  std::vector<std::size_t> sample;  // row → index in the input vector
};

// Names of the coefficients the design cannot determine: those with a component along the
// null space of W^½X (a coefficient is identifiable iff its unit vector lies in the row
// space). Columns are scaled to unit norm first so the rank tolerance is scale-free.
std::vector<std::string> non_identifiable(const Design& d) {
  const Eigen::Index n = d.x.rows(), p = d.x.cols();
  std::vector<std::string> out;
  if (p == 0) return out;
  Eigen::MatrixXd z = d.w.cwiseSqrt().asDiagonal() * d.x;
  for (Eigen::Index j = 0; j < p; ++j) {
    const double norm = z.col(j).norm();
    if (norm > 0) z.col(j) /= norm;
  }
  Eigen::JacobiSVD<Eigen::MatrixXd> svd(z, Eigen::ComputeFullV);
  const auto& sv = svd.singularValues();
  const double tol = 1e-9 * std::max<double>(1.0, sv.size() > 0 ? sv(0) : 0.0);
  for (Eigen::Index j = 0; j < p; ++j) {
    double in_null = 0;
    for (Eigen::Index k = 0; k < p; ++k)
      if (k >= std::min(n, p) || sv(k) <= tol) in_null += svd.matrixV()(j, k) * svd.matrixV()(j, k);
    if (in_null > 1e-8) out.push_back(d.names[j]);
  }
  return out;
}

// Minimises Σ_i w_i (y_i − x_iβ)² + λ Σ_{j penalised} β_j² through a column-pivoted QR of
// the augmented matrix Z = [W^½X; λ^½P], so A = XᵀWX + λP = ZᵀZ = Π RᵀR Πᵀ is never formed.
// Hat matrix H = W^½X A⁻¹ XᵀW^½: h_ii = ‖(W^½X Π R⁻¹)_i‖²; the leave-one-out residual of a
// linear smoother with fixed λ is exactly e_i / (1 − h_ii) (no refits needed).
LinearFitResult solve(const Design& d, double ridge, const std::vector<BarrierSample>& samples,
                      std::size_t largest) {
  const Eigen::Index n = d.x.rows(), p = d.x.cols();
  LinearFitResult r;
  r.coefficient_names = d.names;
  r.samples = static_cast<std::size_t>(n);
  const Eigen::VectorXd sqrt_w = d.w.cwiseSqrt();
  const Eigen::MatrixXd xw = sqrt_w.asDiagonal() * d.x;
  Eigen::VectorXd h = Eigen::VectorXd::Zero(n);
  Eigen::MatrixXd a_inv = Eigen::MatrixXd::Zero(p, p);
  r.values_ev = Eigen::VectorXd::Zero(p);
  if (p > 0) {
    Eigen::MatrixXd z = Eigen::MatrixXd::Zero(n + p, p);
    z.topRows(n) = xw;
    for (Eigen::Index j = 0; j < p; ++j)
      if (d.penalised[j]) z(n + j, j) = std::sqrt(ridge);
    Eigen::VectorXd rhs = Eigen::VectorXd::Zero(n + p);
    rhs.head(n) = sqrt_w.cwiseProduct(d.y);
    Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(z);
    qr.setThreshold(1e-12);
    if (qr.rank() < p) fail("the samples cannot determine the environment model (rank-deficient)");
    r.values_ev = qr.solve(rhs);
    const Eigen::MatrixXd rr = qr.matrixR().topLeftCorner(p, p).triangularView<Eigen::Upper>();
    const Eigen::MatrixXd r_inv =
        rr.triangularView<Eigen::Upper>().solve(Eigen::MatrixXd::Identity(p, p));
    const Eigen::MatrixXd m = (xw * qr.colsPermutation()) * r_inv;  // n × p
    h = m.rowwise().squaredNorm();
    a_inv = qr.colsPermutation() * (r_inv * r_inv.transpose()) * qr.colsPermutation().transpose();
  }
  const Eigen::VectorXd e = d.y - d.x * r.values_ev;
  const double sum_w = d.w.sum();
  const double ssr = (d.w.array() * e.array().square()).sum();
  r.effective_parameters = h.sum();
  const double dof = static_cast<double>(n) - r.effective_parameters;
  if (dof < 0.5)
    fail("need more converged samples than fitted coefficients (" + std::to_string(n) +
         " samples, " + std::to_string(p) +
         " coefficients: " + "no residual left to estimate errors)");
  r.residual_sd_ev = std::sqrt(ssr / dof);
  r.rmse_ev = std::sqrt(ssr / sum_w);
  r.covariance_ev2 = (r.residual_sd_ev * r.residual_sd_ev) * a_inv * (xw.transpose() * xw) * a_inv;

  std::vector<SampleResidual> res(static_cast<std::size_t>(n));
  double cv = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const double one_minus_h = 1.0 - h(i);
    auto& s = res[static_cast<std::size_t>(i)];
    s.sample = sample_label(samples, d.sample[static_cast<std::size_t>(i)]);
    s.residual_ev = e(i);
    s.leverage = h(i);
    // h = 1: the sample alone determines a coefficient; leaving it out leaves the model
    // undetermined, so its cross-validation error is unbounded.
    s.loo_residual_ev =
        one_minus_h > 1e-9 ? e(i) / one_minus_h : std::numeric_limits<double>::infinity();
    cv += d.w(i) * s.loo_residual_ev * s.loo_residual_ev;
  }
  r.cv_rmse_ev = std::sqrt(cv / sum_w);
  std::stable_sort(res.begin(), res.end(), [](const SampleResidual& a, const SampleResidual& b) {
    return std::abs(a.residual_ev) > std::abs(b.residual_ev);
  });
  res.resize(std::min(res.size(), largest));
  r.largest_residuals = std::move(res);
  return r;
}

// Throws naming every coefficient of either fit that the samples cannot determine.
void check_identifiable(const Design& site, const Design& kra, const std::string& gauge) {
  std::string list;
  std::size_t count = 0;
  for (const auto* d : {&site, &kra})
    for (const auto& b : non_identifiable(*d)) {
      list += (list.empty() ? "" : ", ") + b;
      ++count;
    }
  if (count == 0) return;
  fail("the samples cannot determine the environment model: coefficient" +
       std::string(count == 1 ? " " : "s ") + list + " not identifiable (" + gauge +
       "); sample more varied environments");
}

nlohmann::json fit_json(const LinearFitResult& r) {
  nlohmann::json coefficients = nlohmann::json::object();
  for (std::size_t j = 0; j < r.coefficient_names.size(); ++j) {
    const auto jj = static_cast<Eigen::Index>(j);
    coefficients[r.coefficient_names[j]] = {
        {"value_ev", r.values_ev(jj)}, {"standard_error_ev", std::sqrt(r.covariance_ev2(jj, jj))}};
  }
  nlohmann::json largest = nlohmann::json::array();
  for (const auto& s : r.largest_residuals)
    largest.push_back({{"sample", s.sample},
                       {"residual_ev", s.residual_ev},
                       {"loo_residual_ev", s.loo_residual_ev},  // inf → null
                       {"leverage", s.leverage}});
  return {{"samples", r.samples},
          {"effective_parameters", r.effective_parameters},
          {"coefficients", coefficients},
          {"residual_sd_ev", r.residual_sd_ev},
          {"rmse_ev", r.rmse_ev},
          {"loo_cv_rmse_ev", r.cv_rmse_ev},  // null when some sample has leverage 1
          {"largest_residuals", largest}};
}

}  // namespace

EnvironmentFit fit_environment_model(const std::vector<BarrierSample>& samples,
                                     const FitOptions& options) {
  if (!options.weights.empty() && options.weights.size() != samples.size())
    fail("weights: " + std::to_string(options.weights.size()) + " given for " +
         std::to_string(samples.size()) + " samples");
  if (!std::isfinite(options.ridge) || options.ridge < 0)
    fail("ridge must be a finite number >= 0 (got " + format_ev(options.ridge) + ")");

  EnvironmentFit fit;
  fit.ridge = options.ridge;
  fit.defect = options.defect;
  std::vector<std::size_t> used;
  std::set<std::string> species;
  for (std::size_t k = 0; k < samples.size(); ++k) {
    const auto& s = samples[k];
    const std::string label = "sample " + sample_label(samples, k);
    if (!options.defect.empty() && s.defect != options.defect) {
      ++fit.samples_other_defect;
      continue;
    }
    if (!s.converged) {
      ++fit.samples_not_converged;
      continue;
    }
    if (fit.defect.empty()) fit.defect = s.defect;
    if (s.defect != fit.defect)
      fail(label + ": defect '" + s.defect + "' differs from '" + fit.defect +
           "' (fit one defect species at a time: set the defect option)");
    if (s.moving_species.empty()) fail(label + ": no moving species");
    if (!std::isfinite(s.barrier_ev) || !std::isfinite(s.reaction_energy_ev))
      fail(label + ": barrier and reaction energy must be finite for a converged sample");
    if (!options.weights.empty() && !(options.weights[k] > 0 && std::isfinite(options.weights[k])))
      fail(label + ": weight must be a finite number > 0");
    for (const auto* counts : {&s.initial_counts, &s.final_counts})
      for (const auto& [name, n] : *counts) {
        if (name.empty()) fail(label + ": empty host species name in the environment counts");
        if (n < 0) fail(label + ": negative count of '" + name + "' neighbours");
        species.insert(name);
      }
    used.push_back(k);
  }
  if (used.empty())
    fail("no converged samples to fit" +
         (fit.samples_not_converged + fit.samples_other_defect > 0
              ? " (" + std::to_string(fit.samples_not_converged) + " not converged, " +
                    std::to_string(fit.samples_other_defect) + " of other defects)"
              : std::string()));
  fit.samples_used = used.size();
  fit.host_species.assign(species.begin(), species.end());
  if (fit.host_species.empty()) fail("the samples count no neighbours at all");

  // The gauge e_ref = k_ref = 0 is a reparametrisation only if N = Σ_s n_s is the same on
  // every site; otherwise (a vacant neighbour) it would bias the model.
  auto total = [](const std::map<std::string, int>& c) {
    return std::accumulate(c.begin(), c.end(), 0,
                           [](int a, const auto& kv) { return a + kv.second; });
  };
  fit.neighbour_count = total(samples[used[0]].initial_counts);
  for (std::size_t k : used)
    for (const auto* counts : {&samples[k].initial_counts, &samples[k].final_counts})
      if (total(*counts) != fit.neighbour_count)
        fail("sample " + sample_label(samples, k) + ": " + std::to_string(total(*counts)) +
             " neighbours counted, other sites have " + std::to_string(fit.neighbour_count) +
             " (the fit needs the same number of halide neighbours on every site)");

  fit.reference_species =
      options.reference_species.empty() ? fit.host_species.front() : options.reference_species;
  if (!species.count(fit.reference_species))
    fail("reference species '" + fit.reference_species + "' is not among the host species counted");
  std::vector<std::string> free_species;
  for (const auto& s : fit.host_species)
    if (s != fit.reference_species) free_species.push_back(s);
  std::set<std::string> moving;
  for (std::size_t k : used) {
    moving.insert(samples[k].moving_species);
    ++fit.samples_per_moving_species[samples[k].moving_species];
  }
  const std::vector<std::string> movers(moving.begin(), moving.end());
  const std::string gauge =
      "gauge: e_" + fit.reference_species + " = k_" + fit.reference_species + " = 0";

  const auto n = static_cast<Eigen::Index>(used.size());
  const auto n_free = static_cast<Eigen::Index>(free_species.size());
  const auto n_movers = static_cast<Eigen::Index>(movers.size());
  // Saddle term: only when every sample records its saddle counts (mixing would bias it).
  std::size_t with_saddle = 0;
  for (std::size_t k : used) with_saddle += !samples[k].saddle_counts.empty();
  if (with_saddle != 0 && with_saddle != used.size())
    fail(std::to_string(with_saddle) + " of " + std::to_string(used.size()) +
         " samples record saddle counts: all or none must");
  const bool saddle = with_saddle > 0;
  const Eigen::Index n_saddle = saddle ? n_free : 0;
  Design site, kra;
  site.x.setZero(n, n_free);
  kra.x.setZero(n, n_movers + n_free + n_saddle);
  site.y.resize(n);
  kra.y.resize(n);
  site.w.resize(n);
  for (const auto& s : free_species) {
    site.names.push_back("e_" + s);
    site.penalised.push_back(true);
  }
  for (const auto& m : movers) {
    kra.names.push_back("E_KRA(" + m + ")");
    kra.penalised.push_back(false);
  }
  for (const auto& s : free_species) {
    kra.names.push_back("k_" + s);
    kra.penalised.push_back(true);
  }
  for (Eigen::Index j = 0; j < n_saddle; ++j) {
    kra.names.push_back("q_" + free_species[static_cast<std::size_t>(j)]);
    kra.penalised.push_back(true);
  }
  for (Eigen::Index r = 0; r < n; ++r) {
    const std::size_t k = used[static_cast<std::size_t>(r)];
    const auto& s = samples[k];
    site.sample.push_back(k);
    site.w(r) = options.weights.empty() ? 1.0 : options.weights[k];
    // Fit 1: ΔE = Σ_s e_s (n_s(j') − n_s(i)), reference column dropped (gauge).
    site.y(r) = s.reaction_energy_ev;
    // Fit 2: E_b − ΔE/2 = E_KRA(m) + Σ_s k_s (n_s(i) + n_s(j'))/2.
    kra.y(r) = s.barrier_ev - 0.5 * s.reaction_energy_ev;
    const auto mover = std::find(movers.begin(), movers.end(), s.moving_species) - movers.begin();
    kra.x(r, mover) = 1.0;
    for (Eigen::Index j = 0; j < n_free; ++j) {
      const auto& sp = free_species[static_cast<std::size_t>(j)];
      const int ni = count_of(s.initial_counts, sp), nf = count_of(s.final_counts, sp);
      site.x(r, j) = nf - ni;
      kra.x(r, n_movers + j) = 0.5 * (ni + nf);
      // + Σ_s q_s n_s(saddle), the same before and after the hop (kinetics only).
      if (saddle) kra.x(r, n_movers + n_free + j) = count_of(s.saddle_counts, sp);
    }
  }
  kra.w = site.w;
  kra.sample = site.sample;

  check_identifiable(site, kra, gauge);
  fit.site_energy_fit = solve(site, options.ridge, samples, options.largest_residuals);
  fit.kra_fit = solve(kra, options.ridge, samples, options.largest_residuals);

  auto estimate = [](const LinearFitResult& r, Eigen::Index j) {
    return CoefficientEstimate{r.values_ev(j), std::sqrt(r.covariance_ev2(j, j))};
  };
  fit.site_energy_ev[fit.reference_species] = CoefficientEstimate{0.0, 0.0};
  fit.kra_per_neighbour_ev[fit.reference_species] = CoefficientEstimate{0.0, 0.0};
  for (Eigen::Index j = 0; j < n_free; ++j) {
    const auto& sp = free_species[static_cast<std::size_t>(j)];
    fit.site_energy_ev[sp] = estimate(fit.site_energy_fit, j);
    fit.kra_per_neighbour_ev[sp] = estimate(fit.kra_fit, n_movers + j);
  }
  for (Eigen::Index m = 0; m < n_movers; ++m)
    fit.kra_ev[movers[static_cast<std::size_t>(m)]] = estimate(fit.kra_fit, m);
  if (saddle) {
    fit.saddle_kra_ev[fit.reference_species] = CoefficientEstimate{0.0, 0.0};
    for (Eigen::Index j = 0; j < n_saddle; ++j)
      fit.saddle_kra_ev[free_species[static_cast<std::size_t>(j)]] =
          estimate(fit.kra_fit, n_movers + n_free + j);
  }
  return fit;
}

double predicted_reaction_energy_ev(const EnvironmentFit& fit, const BarrierSample& sample) {
  double e_i = 0, e_f = 0;
  for (const auto& [s, c] : fit.site_energy_ev) {
    e_i += c.value_ev * count_of(sample.initial_counts, s);
    e_f += c.value_ev * count_of(sample.final_counts, s);
  }
  return e_f - e_i;
}

double predicted_barrier_ev(const EnvironmentFit& fit, const BarrierSample& sample) {
  auto kra = fit.kra_ev.find(sample.moving_species);
  if (kra == fit.kra_ev.end())
    fail("no fitted E_KRA for moving species '" + sample.moving_species + "'");
  double k_sum = 0;
  for (const auto& [s, c] : fit.kra_per_neighbour_ev)
    k_sum += c.value_ev * (count_of(sample.initial_counts, s) + count_of(sample.final_counts, s));
  double q_sum = 0;
  for (const auto& [s, c] : fit.saddle_kra_ev)
    q_sum += c.value_ev * count_of(sample.saddle_counts, s);
  // E_b = E_KRA(m) + Σ_s k_s (n_s(i) + n_s(j'))/2 + Σ_s q_s n_s(saddle) + (E_j' − E_i)/2.
  return kra->second.value_ev + 0.5 * k_sum + q_sum +
         0.5 * predicted_reaction_energy_ev(fit, sample);
}

nlohmann::json fit_provenance_json(const EnvironmentFit& fit, const nlohmann::json& caller) {
  nlohmann::json out = caller.is_object() ? caller : nlohmann::json::object();
  if (!caller.is_object() && !caller.is_null()) out["source"] = caller;
  if (out.contains("environment_fit"))
    fail("the caller's provenance must not have a key \"environment_fit\" (the fit writes it)");
  nlohmann::json per_moving = fit.samples_per_moving_species;
  out["environment_fit"] = {
      {"method",
       "weighted linear least squares (column-pivoted QR) of the local-environment model to "
       "converged CI-NEB samples; standard errors from the residual variance; leave-one-out "
       "cross-validation from the hat matrix, e_i/(1 - h_ii)"},
      {"model", std::string("E_i = sum_s e_s n_s(i); fit 1: dE = E_j' - E_i; fit 2: E_b - dE/2 = "
                            "E_KRA(m) + sum_s k_s (n_s(i) + n_s(j'))/2") +
                    (fit.saddle_kra_ev.empty() ? "" : " + sum_s q_s n_s(saddle)")},
      {"gauge", "e_" + fit.reference_species + " = k_" + fit.reference_species +
                    " = 0 (reference species '" + fit.reference_species + "'): every site has " +
                    std::to_string(fit.neighbour_count) +
                    " halide neighbours, so only differences from the reference are "
                    "identifiable; E_KRA absorbs N k_ref"},
      {"defect", fit.defect},
      {"neighbour_count", fit.neighbour_count},
      {"ridge", fit.ridge},
      {"samples",
       {{"used", fit.samples_used},
        {"not_converged_excluded", fit.samples_not_converged},
        {"other_defect_excluded", fit.samples_other_defect},
        {"per_moving_species", per_moving}}},
      {"site_energy_fit", fit_json(fit.site_energy_fit)},
      {"kra_fit", fit_json(fit.kra_fit)}};
  return out;
}

rates::DefectSpecies to_defect_species(const EnvironmentFit& fit, const SpeciesSpec& spec) {
  rates::DefectSpecies sp;
  sp.name = spec.name.empty() ? fit.defect : spec.name;
  if (sp.name.empty()) fail("the species needs a name");
  sp.mechanism = spec.mechanism;
  const bool vacancy = spec.mechanism == rates::Mechanism::vacancy;
  if (!vacancy) {
    sp.element = spec.element;
    for (const auto& [s, c] : fit.site_energy_ev)
      if (c.value_ev != 0)
        fail("an interstitial's environment model is not supported (e_" + s + " != 0)");
    for (const auto& [s, c] : fit.kra_per_neighbour_ev)
      if (c.value_ev != 0)
        fail("an interstitial's environment model is not supported (k_" + s + " != 0)");
    for (const auto& [s, c] : fit.saddle_kra_ev)
      if (c.value_ev != 0)
        fail("an interstitial's environment model is not supported (q_" + s + " != 0)");
  }
  sp.charge = spec.charge;
  sp.sublattice = spec.sublattice;
  sp.mobile = true;
  for (const auto& [m, e] : fit.kra_ev) {
    auto nu = spec.attempt_frequency_by_moving_hz.find(m);
    const double nu_hz =
        nu == spec.attempt_frequency_by_moving_hz.end() ? spec.attempt_frequency_hz : nu->second;
    if (!(nu_hz > 0) || !std::isfinite(nu_hz))
      fail("no attempt frequency (> 0) for moving species '" + m + "'");
    // The table requires E_KRA ≥ 0; in the gauge k_ref = 0 it is E_KRA + N k_ref of the
    // ungauged model, which another reference species may make non-negative.
    if (e.value_ev < 0)
      fail("fitted E_KRA(" + m + ") = " + format_ev(e.value_ev) + " eV is negative in the gauge " +
           "k_" + fit.reference_species + " = 0; choose another reference species");
    rates::HopRate hop;
    hop.shell = spec.hop_shell;
    hop.barrier_ev = e.value_ev;
    hop.attempt_frequency_hz = nu_hz;
    if (vacancy) hop.moving_species = m;  // direct interstitial hops carry none
    hop.provenance = "E_KRA(" + m + ") = " + format_ev(e.value_ev) + " +/- " +
                     format_ev(e.standard_error_ev) + " eV from " +
                     std::to_string(fit.samples_per_moving_species.at(m)) +
                     " CI-NEB samples (environment fit; see the species' provenance)";
    sp.hops.push_back(hop);
  }
  if (!vacancy) {
    sp.provenance = fit_provenance_json(fit, spec.provenance).dump();
    return sp;
  }
  sp.environment_shell = spec.environment_shell;
  for (const auto& [s, c] : fit.site_energy_ev) sp.environment_site_energy_ev[s] = c.value_ev;
  for (const auto& [s, c] : fit.kra_per_neighbour_ev) sp.environment_kra_ev[s] = c.value_ev;
  for (const auto& [s, c] : fit.saddle_kra_ev) sp.environment_saddle_kra_ev[s] = c.value_ev;
  sp.provenance = fit_provenance_json(fit, spec.provenance).dump();
  return sp;
}

}  // namespace ionhop::barriers
