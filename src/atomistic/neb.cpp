// Climbing-image NEB: endpoint checks and relaxation, linear/IDPP interpolation with minimum-image
// displacements, and FIRE on the band's stacked coordinates with images evaluated under TBB.
#include "ionhop/atomistic/neb.hpp"

#include <tbb/parallel_for.h>
#include <tbb/parallel_invoke.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "ionhop/core/error.hpp"
#include "ionhop/core/random_stream.hpp"

namespace ionhop::atomistic {

namespace {

using Eigen::Index;
using Eigen::VectorXd;

std::string format_double(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

VectorXd flatten(const Structure& s) {
  return Eigen::Map<const VectorXd>(s.positions_angstrom.data(), 3 * s.positions_angstrom.cols());
}

void set_positions(Structure& s, const VectorXd& x) {
  s.positions_angstrom = Eigen::Map<const Eigen::Matrix3Xd>(x.data(), 3, x.size() / 3);
}

// 1 for the coordinates of movable atoms, 0 for fixed ones.
VectorXd free_mask(const Structure& s) {
  VectorXd mask = VectorXd::Ones(3 * static_cast<Index>(s.size()));
  for (std::size_t k = 0; k < s.size(); ++k)
    if (s.is_fixed(k)) mask.segment<3>(3 * static_cast<Index>(k)).setZero();
  return mask;
}

// Minimum image with the inverse cell computed once (Structure::minimum_image factorises the
// cell on every call, too slow for the O(N²) IDPP pair loop). Fractional rounding is exact for
// orthogonal cells; skewed cells fall back to the 27-image search.
class MinimumImage {
 public:
  explicit MinimumImage(const Structure& s) : s_(s), h_t_(s.cell_angstrom.transpose()) {
    h_t_inv_ = h_t_.inverse();
    const Eigen::Matrix3d metric = s.cell_angstrom * h_t_;
    orthogonal_ =
        (metric - Eigen::Matrix3d(metric.diagonal().asDiagonal())).norm() < 1e-12 * metric.norm();
  }
  Vec3 operator()(const Vec3& d) const {
    if (!orthogonal_) return s_.minimum_image(d);
    Vec3 f = h_t_inv_ * d;
    for (int a = 0; a < 3; ++a) f[a] -= std::round(f[a]);
    return h_t_ * f;
  }

 private:
  const Structure& s_;
  Eigen::Matrix3d h_t_, h_t_inv_;
  bool orthogonal_ = true;
};

// ---- The band ------------------------------------------------------------------------------

// Energy and true force (−∇E, fixed coordinates zeroed) of interior image `image` at x.
using ImageEvaluator = std::function<double(std::size_t image, const VectorXd& x, VectorXd& force)>;

struct BandOptions {
  double spring_constant = 0;
  double tolerance = 0;
  std::size_t max_steps = 0;
  bool climb = false;
  double climb_force_factor = 1;
  FireParameters fire;
  NebProgress progress;
  // Shown the path (all images) every monitor_every steps; false stops the band.
  std::function<bool(std::size_t step, const std::vector<VectorXd>& path)> monitor;
  std::size_t monitor_every = 0;
};

struct BandOutcome {
  std::vector<VectorXd> path;  // all images, endpoints included
  std::vector<double> energies;
  bool converged = false;
  bool stopped = false;
  std::size_t steps = 0;
  double max_force = 0;
  std::optional<std::size_t> climbing_image;
};

// Improved tangent, Henkelman & Jónsson JCP 113, 9978 (2000), Eqs. (8)–(11): the uphill
// neighbour's direction, and an energy-weighted mix at extrema so that kinks do not form.
VectorXd improved_tangent(const VectorXd& prev, const VectorXd& cur, const VectorXd& next,
                          double e_prev, double e_cur, double e_next) {
  const VectorXd tau_plus = next - cur, tau_minus = cur - prev;
  VectorXd tau;
  if (e_next > e_cur && e_cur > e_prev) {
    tau = tau_plus;
  } else if (e_next < e_cur && e_cur < e_prev) {
    tau = tau_minus;
  } else {
    const double dv_max = std::max(std::abs(e_next - e_cur), std::abs(e_prev - e_cur));
    const double dv_min = std::min(std::abs(e_next - e_cur), std::abs(e_prev - e_cur));
    tau = e_next > e_prev ? (tau_plus * dv_max + tau_minus * dv_min).eval()
                          : (tau_plus * dv_min + tau_minus * dv_max).eval();
  }
  const double norm = tau.norm();
  return norm > 0 ? VectorXd(tau / norm) : VectorXd(VectorXd::Zero(tau.size()));
}

BandOutcome optimise_band(std::vector<VectorXd> path, double e_initial, double e_final,
                          const ImageEvaluator& evaluate, const VectorXd& mask,
                          const BandOptions& o) {
  const std::size_t n = path.size() - 2;  // interior images
  const Index m = path.front().size();
  VectorXd x(m * static_cast<Index>(n));
  for (std::size_t i = 0; i < n; ++i) x.segment(m * static_cast<Index>(i), m) = path[i + 1];
  std::vector<double> energies(n + 2);
  energies.front() = e_initial;
  energies.back() = e_final;
  std::vector<VectorXd> true_forces(n, VectorXd::Zero(m));
  VectorXd neb_force = VectorXd::Zero(x.size());
  FireStepper stepper(o.fire, x.size());
  bool climbing = false;
  std::size_t top = 1;

  // NEB force on every interior image (Henkelman, Uberuaga & Jónsson 2000): the true force
  // perpendicular to the tangent plus the spring force along it, Eq. (5)–(6); the climbing
  // image instead feels the true force with its tangential part inverted, Eq. (7), and no
  // spring, so it climbs to the saddle along the band.
  const auto assemble = [&]() {
    for (std::size_t i = 1; i <= n; ++i) {
      const VectorXd t = improved_tangent(path[i - 1], path[i], path[i + 1], energies[i - 1],
                                          energies[i], energies[i + 1]);
      const VectorXd& f = true_forces[i - 1];
      const double f_par = f.dot(t);
      VectorXd out;
      if (climbing && i == top) {
        out = f - 2 * f_par * t;
      } else {
        const double spring =
            o.spring_constant * ((path[i + 1] - path[i]).norm() - (path[i] - path[i - 1]).norm());
        out = f - f_par * t + spring * t;
      }
      neb_force.segment(m * static_cast<Index>(i - 1), m) = out.cwiseProduct(mask);
    }
    return max_block_norm(neb_force);
  };

  BandOutcome result;
  for (std::size_t step = 0;; ++step) {
    for (std::size_t i = 0; i < n; ++i) path[i + 1] = x.segment(m * static_cast<Index>(i), m);
    if (o.monitor && o.monitor_every > 0 && step % o.monitor_every == 0 && !o.monitor(step, path)) {
      result.stopped = true;
      result.steps = step;
      break;
    }
    tbb::parallel_for(std::size_t{0}, n, [&](std::size_t i) {
      true_forces[i].setZero();
      energies[i + 1] = evaluate(i + 1, path[i + 1], true_forces[i]);
      true_forces[i] = true_forces[i].cwiseProduct(mask);
    });
    // The climbing image is the highest interior image, re-chosen every step.
    top = static_cast<std::size_t>(std::max_element(energies.begin() + 1, energies.end() - 1) -
                                   energies.begin());
    double max_force = assemble();
    if (o.climb && !climbing && max_force < o.climb_force_factor * o.tolerance) {
      climbing = true;
      stepper.reset();  // the force field changes: restart FIRE's dynamics
      max_force = assemble();
    }
    result.steps = step;
    result.max_force = max_force;
    if (o.progress) o.progress(step, max_force, climbing);
    // Converged only on a checked configuration, and (if asked) only with the CI on.
    if (max_force < o.tolerance && (climbing || !o.climb)) {
      result.converged = true;
      break;
    }
    if (step >= o.max_steps) break;
    stepper.step(x, neb_force);
  }
  result.path = std::move(path);
  result.energies = std::move(energies);
  if (climbing) result.climbing_image = top;
  return result;
}

// ---- Interpolation -------------------------------------------------------------------------

// Linear path; the final endpoint is expressed as initial + minimum-image displacement per
// atom, so a hop across the periodic boundary interpolates through the boundary.
std::vector<VectorXd> linear_path(const Structure& a, const Structure& b, std::size_t images) {
  const MinimumImage mic(a);
  const Index n = a.positions_angstrom.cols();
  VectorXd start = flatten(a), shift(3 * n);
  for (Index k = 0; k < n; ++k)
    shift.segment<3>(3 * k) = mic(b.positions_angstrom.col(k) - a.positions_angstrom.col(k));
  std::vector<VectorXd> path;
  for (std::size_t i = 0; i <= images + 1; ++i)
    path.push_back(start + static_cast<double>(i) / static_cast<double>(images + 1) * shift);
  return path;
}

// IDPP (Smidstrup et al. 2014, Eq. (2)): S(image) = Σ_{i<j} w(d_ij) (d_ij^target − d_ij)²
// with w(d) = d⁻⁴ and d_ij^target interpolated linearly between the endpoints' (minimum-image)
// distances. As in the paper, the images are relaxed on their S by a NEB (springs keep them
// spread along the path), starting from the linear path.
std::vector<VectorXd> idpp_path(const Structure& a, const Structure& b,
                                const NebSettings& settings) {
  std::vector<VectorXd> path = linear_path(a, b, settings.images);
  const Index n = a.positions_angstrom.cols();
  if (n < 2) return path;
  const MinimumImage mic(a);
  std::vector<std::pair<Index, Index>> pairs;
  std::vector<double> d_initial, d_final;
  for (Index i = 0; i < n; ++i)
    for (Index j = i + 1; j < n; ++j) {
      pairs.emplace_back(i, j);
      d_initial.push_back(mic(a.positions_angstrom.col(j) - a.positions_angstrom.col(i)).norm());
      d_final.push_back(mic(b.positions_angstrom.col(j) - b.positions_angstrom.col(i)).norm());
    }
  const double last = static_cast<double>(settings.images + 1);
  const VectorXd mask = free_mask(a);
  const ImageEvaluator objective = [&](std::size_t image, const VectorXd& x, VectorXd& force) {
    const double t = static_cast<double>(image) / last;
    force.setZero(x.size());
    double s = 0;
    for (std::size_t p = 0; p < pairs.size(); ++p) {
      const auto [i, j] = pairs[p];
      const Vec3 u = mic(x.segment<3>(3 * j) - x.segment<3>(3 * i));
      const double d = std::max(u.norm(), 1e-6);
      const double target = (1 - t) * d_initial[p] + t * d_final[p];
      const double diff = target - d, d4 = d * d * d * d;
      s += diff * diff / d4;
      // dS/dd = −2 (target − d)/d⁴ − 4 (target − d)²/d⁵; F_j = −dS/dd û, F_i = −F_j.
      const double ds_dd = -2 * diff / d4 - 4 * diff * diff / (d4 * d);
      const Vec3 f_j = -ds_dd / d * u;
      force.segment<3>(3 * j) += f_j;
      force.segment<3>(3 * i) -= f_j;
    }
    return s;
  };
  BandOptions o;
  o.spring_constant = settings.spring_constant_ev_per_angstrom2;
  o.tolerance = settings.idpp.force_tolerance_ev_per_angstrom;
  o.max_steps = settings.idpp.max_steps;
  o.climb = false;
  o.fire = settings.idpp.fire;
  // S vanishes at both endpoints by construction.
  return optimise_band(std::move(path), 0.0, 0.0, objective, mask, o).path;
}

void check_settings(const NebSettings& s) {
  if (s.images < 1) throw InputError("", "", "NEB needs at least one interior image");
  if (!(s.spring_constant_ev_per_angstrom2 > 0))
    throw InputError("", "", "NEB spring constant must be positive");
  if (!(s.force_tolerance_ev_per_angstrom > 0))
    throw InputError("", "", "NEB force tolerance must be positive");
}

std::vector<VectorXd> starting_path(const Structure& a, const Structure& b,
                                    const NebSettings& settings) {
  std::vector<VectorXd> path = settings.interpolation == Interpolation::kIdpp
                                   ? idpp_path(a, b, settings)
                                   : linear_path(a, b, settings.images);
  if (settings.band_rattle_angstrom > 0) {
    // Interior images only, free atoms only.
    core::RandomStream rng(settings.band_rattle_seed, 0xba4d);
    const VectorXd mask = free_mask(a);
    for (std::size_t i = 1; i + 1 < path.size(); ++i)
      for (Index c = 0; c < path[i].size(); ++c)
        path[i][c] += mask[c] * settings.band_rattle_angstrom * rng.standard_normal();
  }
  return path;
}

// The band optimisation shared by run_neb and run_neb_band: `a` is the template structure
// (cell, elements, fixed atoms), `path` all images' stacked coordinates.
NebResult optimise_structure_band(const Potential& potential, const Structure& a,
                                  std::vector<VectorXd> path, double e_a, double e_b,
                                  const NebSettings& settings) {
  NebResult result;
  // One work structure per image, so concurrent evaluations share nothing mutable.
  std::vector<Structure> work(path.size(), a);
  const Index m = path.front().size();
  const ImageEvaluator evaluate = [&](std::size_t image, const VectorXd& x, VectorXd& force) {
    Structure& s = work[image];
    set_positions(s, x);
    const EnergyForces ef = potential.compute(s);
    force = Eigen::Map<const VectorXd>(ef.forces_ev_per_angstrom.data(), m);
    return ef.energy_ev;
  };
  BandOptions o;
  o.spring_constant = settings.spring_constant_ev_per_angstrom2;
  o.tolerance = settings.force_tolerance_ev_per_angstrom;
  o.max_steps = settings.max_steps;
  o.climb = settings.climb;
  o.climb_force_factor = settings.climb_force_factor;
  o.fire = settings.optimizer;
  o.progress = settings.progress;
  if (settings.monitor) {
    o.monitor_every = std::max<std::size_t>(settings.monitor_every_steps, 1);
    o.monitor = [&](std::size_t step, const std::vector<VectorXd>& now) {
      std::vector<Structure> images(now.size(), a);
      for (std::size_t i = 0; i < now.size(); ++i) set_positions(images[i], now[i]);
      return settings.monitor(step, images);
    };
  }
  BandOutcome band = optimise_band(std::move(path), e_a, e_b, evaluate, free_mask(a), o);

  for (std::size_t i = 0; i < band.path.size(); ++i) {
    result.images.push_back(a);
    set_positions(result.images.back(), band.path[i]);
    result.path_distance_angstrom.push_back(i == 0 ? 0.0
                                                   : result.path_distance_angstrom.back() +
                                                         (band.path[i] - band.path[i - 1]).norm());
  }
  result.energies_ev = band.energies;
  result.highest_image = static_cast<std::size_t>(
      std::max_element(result.energies_ev.begin(), result.energies_ev.end()) -
      result.energies_ev.begin());
  result.saddle = result.images[result.highest_image];
  result.saddle_energy_ev = result.energies_ev[result.highest_image];
  result.forward_barrier_ev = result.saddle_energy_ev - result.energies_ev.front();
  result.backward_barrier_ev = result.saddle_energy_ev - result.energies_ev.back();
  result.climbing_image = band.climbing_image;
  result.converged = band.converged;
  result.stopped = band.stopped;
  result.steps = band.steps;
  result.max_force_ev_per_angstrom = band.max_force;
  return result;
}

}  // namespace

void check_neb_endpoints(const Structure& initial, const Structure& final_structure) {
  for (const Structure* s : {&initial, &final_structure})
    if (static_cast<std::size_t>(s->positions_angstrom.cols()) != s->size() ||
        (!s->fixed.empty() && s->fixed.size() != s->size()))
      throw InputError("", "",
                       std::string("NEB endpoint ") + (s == &initial ? "initial" : "final") +
                           " has inconsistent positions/elements/fixed sizes");
  if (initial.size() != final_structure.size())
    throw InputError("", "",
                     "NEB endpoints have different atom counts: initial " +
                         std::to_string(initial.size()) + ", final " +
                         std::to_string(final_structure.size()));
  if ((initial.cell_angstrom - final_structure.cell_angstrom).cwiseAbs().maxCoeff() > 1e-6)
    throw InputError("", "", "NEB endpoints have different cells");
  for (std::size_t k = 0; k < initial.size(); ++k) {
    if (initial.elements[k] != final_structure.elements[k])
      throw InputError("", "",
                       "NEB endpoints differ at atom " + std::to_string(k) + ": initial " +
                           initial.elements[k] + ", final " + final_structure.elements[k]);
    if (initial.is_fixed(k) != final_structure.is_fixed(k))
      throw InputError("", "",
                       "NEB endpoints differ at atom " + std::to_string(k) + ": fixed in " +
                           (initial.is_fixed(k) ? "initial" : "final") + " only");
  }
}

std::vector<Structure> interpolate_band(const Structure& initial, const Structure& final_structure,
                                        const NebSettings& settings) {
  check_neb_endpoints(initial, final_structure);
  check_settings(settings);
  std::vector<Structure> band;
  for (const VectorXd& x : starting_path(initial, final_structure, settings)) {
    band.push_back(initial);
    set_positions(band.back(), x);
  }
  return band;
}

NebResult run_neb(const Potential& potential, const Structure& initial,
                  const Structure& final_structure, const NebSettings& settings) {
  check_neb_endpoints(initial, final_structure);
  check_settings(settings);

  NebResult result;
  Structure a = initial, b = final_structure;
  double e_a = 0, e_b = 0;
  if (settings.relax_endpoints) {
    // The two relaxations are independent: run them concurrently (the Potential is const
    // and thread-safe), then report the initial endpoint's failure first.
    RelaxResult relaxed[2];
    tbb::parallel_invoke([&] { relaxed[0] = relax(potential, a, settings.endpoint_relaxation); },
                         [&] { relaxed[1] = relax(potential, b, settings.endpoint_relaxation); });
    for (int k = 0; k < 2; ++k) {
      RelaxResult& r = relaxed[k];
      if (!r.converged)
        throw InputError("", "",
                         std::string("NEB endpoint ") + (k == 0 ? "initial" : "final") +
                             " did not converge: max force " +
                             format_double(r.max_force_ev_per_angstrom) + " eV/Å after " +
                             std::to_string(r.steps) + " steps");
    }
    e_a = relaxed[0].energy_ev;
    e_b = relaxed[1].energy_ev;
    result.endpoint_steps_initial = relaxed[0].steps;
    result.endpoint_steps_final = relaxed[1].steps;
    a = std::move(relaxed[0].structure);
    b = std::move(relaxed[1].structure);
  } else {
    e_a = potential.compute(a).energy_ev;
    e_b = potential.compute(b).energy_ev;
  }

  std::vector<VectorXd> path = starting_path(a, b, settings);
  NebResult band = optimise_structure_band(potential, a, std::move(path), e_a, e_b, settings);
  band.endpoint_steps_initial = result.endpoint_steps_initial;
  band.endpoint_steps_final = result.endpoint_steps_final;
  return band;
}

EndpointRefinement endpoints_to_refine(const NebResult& r, double tolerance_ev) {
  EndpointRefinement out;
  const auto& e = r.energies_ev;
  if (e.size() < 3) return out;
  const std::size_t top = r.highest_image, last = e.size() - 1;
  for (std::size_t i = 1; i < top; ++i)
    if (e[i] < e.front() - tolerance_ev && (!out.initial_from || e[i] < e[*out.initial_from]))
      out.initial_from = i;
  for (std::size_t i = std::max<std::size_t>(top + 1, 1); i < last; ++i)
    if (e[i] < e.back() - tolerance_ev && (!out.final_from || e[i] < e[*out.final_from]))
      out.final_from = i;
  return out;
}

NebResult run_neb_band(const Potential& potential, const std::vector<Structure>& band,
                       const NebSettings& settings) {
  if (band.size() < 3) throw InputError("", "", "a NEB band needs at least one interior image");
  check_neb_endpoints(band.front(), band.back());
  for (const Structure& image : band) check_neb_endpoints(band.front(), image);
  check_settings(settings);
  std::vector<VectorXd> path;
  for (const Structure& image : band) path.push_back(flatten(image));
  return optimise_structure_band(potential, band.front(), std::move(path),
                                 potential.compute(band.front()).energy_ev,
                                 potential.compute(band.back()).energy_ev, settings);
}

}  // namespace ionhop::atomistic
