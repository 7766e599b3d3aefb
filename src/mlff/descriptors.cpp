// Chebyshev/Legendre two- and three-body descriptors and their analytic gradients
// (see descriptors.hpp for the definitions and the moment-tensor evaluation).
#include "ionhop/mlff/descriptors.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "ionhop/core/error.hpp"

namespace ionhop::mlff {

namespace {
[[noreturn]] void fail(const std::string& problem) { throw InputError("", "", problem); }

double factorial(int n) {
  double f = 1;
  for (int k = 2; k <= n; ++k) f *= k;
  return f;
}
}  // namespace

Descriptor::Descriptor(DescriptorSettings settings) : settings_(std::move(settings)) {
  auto& s = settings_;
  if (s.elements.empty()) fail("mlff descriptor: at least one element is needed");
  std::sort(s.elements.begin(), s.elements.end());
  for (std::size_t k = 0; k < s.elements.size(); ++k) {
    if (s.elements[k].empty()) fail("mlff descriptor: empty element symbol");
    if (k > 0 && s.elements[k] == s.elements[k - 1])
      fail("mlff descriptor: element " + s.elements[k] + " is listed twice");
  }
  if (!(std::isfinite(s.cutoff_angstrom) && s.cutoff_angstrom > 0))
    fail("mlff descriptor: cutoff_angstrom must be > 0");
  if (s.radial_order < 1 || s.radial_order > 64)
    fail("mlff descriptor: radial_order must be in [1, 64]");
  if (s.angular_radial_order < 1 || s.angular_radial_order > 64)
    fail("mlff descriptor: angular_radial_order must be in [1, 64]");
  if (!(std::isfinite(s.inner_radius_angstrom) && s.inner_radius_angstrom >= 0 &&
        s.inner_radius_angstrom < s.cutoff_angstrom))
    fail("mlff descriptor: inner_radius_angstrom must be >= 0 and below cutoff_angstrom");
  // The monomial expansion of P_l has coefficients ~ 2^l / √l with alternating signs: beyond
  // l ≈ 8 the cancellation costs more digits than the 1e-10 invariance the tests ask for.
  if (s.angular_order < 0 || s.angular_order > 8)
    fail("mlff descriptor: angular_order must be in [0, 8]");

  const std::size_t species = s.elements.size();
  const auto nr = static_cast<std::size_t>(s.radial_order);
  const auto na = static_cast<std::size_t>(s.angular_radial_order);
  const auto channels_l = static_cast<std::size_t>(s.angular_order + 1);
  channels_ = species * na;
  radial_count_ = std::max(s.radial_order, s.angular_radial_order);
  two_body_count_ = species * nr;
  three_body_count_ = channels_ * (channels_ + 1) / 2 * channels_l;

  for (int k = 0; k <= s.angular_order; ++k)
    for (int a = k; a >= 0; --a)
      for (int b = k - a; b >= 0; --b) {
        const int c = k - a - b;
        monomials_.push_back(
            {a, b, c, k, factorial(k) / (factorial(a) * factorial(b) * factorial(c))});
      }

  // Bonnet's recursion (l+1) P_{l+1} = (2l+1) x P_l − l P_{l−1} on coefficient vectors.
  legendre_.assign(channels_l, std::vector<double>(channels_l, 0.0));
  legendre_[0][0] = 1;
  if (channels_l > 1) legendre_[1][1] = 1;
  for (std::size_t l = 1; l + 1 < channels_l; ++l)
    for (std::size_t k = 0; k < channels_l; ++k) {
      const double from_x = k > 0 ? (2.0 * l + 1) * legendre_[l][k - 1] : 0.0;
      legendre_[l + 1][k] = (from_x - static_cast<double>(l) * legendre_[l - 1][k]) / (l + 1.0);
    }

  pair_index_.assign(channels_ * channels_, 0);
  std::size_t index = 0;
  for (std::size_t a = 0; a < channels_; ++a)
    for (std::size_t b = a; b < channels_; ++b) {
      pair_index_[a * channels_ + b] = index;
      pair_index_[b * channels_ + a] = index;
      ++index;
    }
}

std::vector<std::string> Descriptor::feature_labels() const {
  std::vector<std::string> out;
  const auto& el = settings_.elements;
  for (const auto& e : el)
    for (int n = 0; n < settings_.radial_order; ++n)
      out.push_back("G2 " + e + " n=" + std::to_string(n));
  const auto na = static_cast<std::size_t>(settings_.angular_radial_order);
  for (std::size_t a = 0; a < channels_; ++a)
    for (std::size_t b = a; b < channels_; ++b)
      for (int l = 0; l <= settings_.angular_order; ++l)
        out.push_back("G3 " + el[a / na] + " n=" + std::to_string(a % na) + ", " + el[b / na] +
                      " m=" + std::to_string(b % na) + ", l=" + std::to_string(l));
  return out;
}

int Descriptor::species_of(const std::string& element) const {
  const auto& el = settings_.elements;
  const auto it = std::lower_bound(el.begin(), el.end(), element);
  return it != el.end() && *it == element ? static_cast<int>(it - el.begin()) : -1;
}

std::vector<int> Descriptor::species_of(const atomistic::Structure& structure,
                                        const std::string& who) const {
  std::vector<int> out(structure.size());
  for (std::size_t i = 0; i < structure.size(); ++i) {
    out[i] = species_of(structure.elements[i]);
    if (out[i] < 0) fail(who + " has no parameters for element " + structure.elements[i]);
  }
  return out;
}

atomistic::NeighbourList Descriptor::neighbours(const atomistic::Structure& structure,
                                                const std::string& who) const {
  try {
    return atomistic::build_neighbour_list(structure, settings_.cutoff_angstrom);
  } catch (const InputError& e) {
    fail(who + ": " + e.problem());
  }
}

// g_n(r) = T_n(x) f_c(r) and dg_n/dr for n < radial_count_, with the Chebyshev recursions
// T_{n+1} = 2x T_n − T_{n−1},  T'_{n+1} = 2 T_n + 2x T'_n − T'_{n−1}.
void Descriptor::radial(double r, double* g, double* dg) const {
  const double rc = settings_.cutoff_angstrom, r_in = settings_.inner_radius_angstrom;
  double x, dx_dr, fc, dfc;
  if (r_in > 0) {
    // The inner-radius form (header): u ∈ [0, 1], x = −cos(πu), f_c = ½[cos(πu) + 1].
    const double width = rc - r_in, u = std::clamp((r - r_in) / width, 0.0, 1.0);
    const double inside = r > r_in ? 1.0 : 0.0;  // flat (zero slope) for r ≤ r_in
    const double s = std::sin(std::numbers::pi * u), c = std::cos(std::numbers::pi * u);
    x = -c;
    dx_dr = inside * std::numbers::pi * s / width;
    fc = 0.5 * (c + 1.0);
    dfc = -inside * 0.5 * std::numbers::pi * s / width;
  } else {
    x = 2.0 * r / rc - 1.0;
    dx_dr = 2.0 / rc;
    fc = 0.5 * (std::cos(std::numbers::pi * r / rc) + 1.0);
    dfc = -0.5 * std::numbers::pi / rc * std::sin(std::numbers::pi * r / rc);
  }
  double t_prev = 1, t = x, dt_prev = 0, dt = 1;
  for (int n = 0; n < radial_count_; ++n) {
    double tn, dtn;
    if (n == 0) {
      tn = 1;
      dtn = 0;
    } else if (n == 1) {
      tn = x;
      dtn = 1;
    } else {
      tn = 2 * x * t - t_prev;
      dtn = 2 * t + 2 * x * dt - dt_prev;
      t_prev = t;
      t = tn;
      dt_prev = dt;
      dt = dtn;
    }
    g[n] = tn * fc;
    dg[n] = dtn * dx_dr * fc + tn * dfc;
  }
}

void Descriptor::accumulate_moments(const atomistic::NeighbourList& list,
                                    const std::vector<int>& species, std::size_t center,
                                    Workspace& work) const {
  const auto neighbours = list.of(center);
  const auto m = static_cast<Eigen::Index>(neighbours.size());
  const auto q_count = static_cast<Eigen::Index>(monomials_.size());
  const int nr = radial_count_, na = settings_.angular_radial_order, lmax = settings_.angular_order;
  work.radial.resize(2 * nr, m);
  work.monomial_values.resize(q_count, m);
  work.moments.setZero(static_cast<Eigen::Index>(channels_), q_count);
  double px[9], py[9], pz[9];
  for (Eigen::Index p = 0; p < m; ++p) {
    const auto& nb = neighbours[static_cast<std::size_t>(p)];
    double* g = &work.radial(0, p);
    radial(nb.distance_angstrom, g, g + nr);
    const atomistic::Vec3 u = nb.vector_angstrom / nb.distance_angstrom;
    px[0] = py[0] = pz[0] = 1;
    for (int k = 1; k <= lmax; ++k) {
      px[k] = px[k - 1] * u.x();
      py[k] = py[k - 1] * u.y();
      pz[k] = pz[k - 1] * u.z();
    }
    for (Eigen::Index q = 0; q < q_count; ++q) {
      const Monomial& mo = monomials_[static_cast<std::size_t>(q)];
      work.monomial_values(q, p) = px[mo.a] * py[mo.b] * pz[mo.c];
    }
    const Eigen::Index row0 = species[nb.atom] * na;
    for (int n = 0; n < na; ++n)
      work.moments.row(row0 + n) += g[n] * work.monomial_values.col(p).transpose();
  }
}

void Descriptor::compute_center(const atomistic::NeighbourList& list,
                                const std::vector<int>& species, std::size_t center,
                                Eigen::Ref<Eigen::VectorXd> values, Eigen::MatrixXd* gradients,
                                Workspace& work) const {
  accumulate_moments(list, species, center, work);
  const auto neighbours = list.of(center);
  const auto m = static_cast<Eigen::Index>(neighbours.size());
  const int nr = settings_.radial_order, na = settings_.angular_radial_order;
  const int rc = radial_count_, lmax = settings_.angular_order;
  const auto channels = static_cast<Eigen::Index>(channels_);
  const auto q_count = static_cast<Eigen::Index>(monomials_.size());
  const auto t2 = static_cast<Eigen::Index>(two_body_count_);
  const Eigen::Index nl = lmax + 1;
  const auto& A = work.moments;

  values.setZero();
  // Two-body sums and the j = k self terms D[s][n][m] = Σ_{j∈s} g_n g_m of the three-body sums.
  Eigen::MatrixXd self = Eigen::MatrixXd::Zero(channels, na);  // row s·N_a + n, column m
  for (Eigen::Index p = 0; p < m; ++p) {
    const int s = species[neighbours[static_cast<std::size_t>(p)].atom];
    const double* g = &work.radial(0, p);
    for (int n = 0; n < nr; ++n) values[s * nr + n] += g[n];
    for (int n = 0; n < na; ++n)
      for (int k = n; k < na; ++k) self(s * na + n, k) += g[n] * g[k];
  }
  // C_k[a, b] = Σ_{q: deg q = k} mult_q A[a][q] A[b][q], then G3 = Σ_k c_lk C_k − D.
  std::vector<double> ck(static_cast<std::size_t>(nl));
  for (Eigen::Index a = 0; a < channels; ++a)
    for (Eigen::Index b = a; b < channels; ++b) {
      std::fill(ck.begin(), ck.end(), 0.0);
      for (Eigen::Index q = 0; q < q_count; ++q) {
        const Monomial& mo = monomials_[static_cast<std::size_t>(q)];
        ck[static_cast<std::size_t>(mo.degree)] += mo.mult * A(a, q) * A(b, q);
      }
      const bool same = a / na == b / na;
      const double d = same ? self(a, b % na) : 0.0;
      const Eigen::Index base =
          t2 +
          static_cast<Eigen::Index>(pair_index_[static_cast<std::size_t>(a * channels + b)]) * nl;
      for (Eigen::Index l = 0; l < nl; ++l) {
        double v = -d;
        for (Eigen::Index k = 0; k <= l; ++k)
          v += legendre_[static_cast<std::size_t>(l)][static_cast<std::size_t>(k)] *
               ck[static_cast<std::size_t>(k)];
        values[base + l] = v;
      }
    }
  if (gradients == nullptr) return;

  // Gradients with respect to neighbour p (species σ, unit vector u, distance r):
  //   ∂(g_n μ_q)/∂r_p = g_n' μ_q u + g_n ∇μ_q,   ∇μ_q = (∇_u μ_q − deg_q μ_q u)/r
  // (the tangential part of ∇_u; u·∇_u μ_q = deg_q μ_q by homogeneity). For a = (σ, n):
  //   ∂C_k[a, b] ∋ Σ_q mult A[b][q] ∂(g_n μ_q) = g_n' s_bk u + g_n v_bk, doubled for b = a,
  // with s_bk = Σ_{deg q = k} mult A[b][q] μ_q and v_bk = Σ_{deg q = k} mult A[b][q] ∇μ_q,
  // which do not depend on n.
  Eigen::MatrixXd& grad = *gradients;
  grad.setZero(static_cast<Eigen::Index>(feature_count()), 3 * m);
  Eigen::Matrix3Xd grad_mu(3, q_count);
  Eigen::MatrixXd s_bk(channels, nl);
  std::vector<atomistic::Vec3> v_bk(static_cast<std::size_t>(channels * nl));
  std::vector<atomistic::Vec3> t_k(static_cast<std::size_t>(nl));
  double px[10], py[10], pz[10];
  for (Eigen::Index p = 0; p < m; ++p) {
    const auto& nb = neighbours[static_cast<std::size_t>(p)];
    const int sigma = species[nb.atom];
    const double r = nb.distance_angstrom;
    const atomistic::Vec3 u = nb.vector_angstrom / r;
    const double* g = &work.radial(0, p);
    const double* dg = g + rc;
    for (int n = 0; n < nr; ++n) grad.block(sigma * nr + n, 3 * p, 1, 3) = dg[n] * u.transpose();

    px[0] = py[0] = pz[0] = 1;
    for (int k = 1; k <= lmax; ++k) {
      px[k] = px[k - 1] * u.x();
      py[k] = py[k - 1] * u.y();
      pz[k] = pz[k - 1] * u.z();
    }
    for (Eigen::Index q = 0; q < q_count; ++q) {
      const Monomial& mo = monomials_[static_cast<std::size_t>(q)];
      const double mu = work.monomial_values(q, p);
      const atomistic::Vec3 grad_u(mo.a > 0 ? mo.a * px[mo.a - 1] * py[mo.b] * pz[mo.c] : 0.0,
                                   mo.b > 0 ? mo.b * px[mo.a] * py[mo.b - 1] * pz[mo.c] : 0.0,
                                   mo.c > 0 ? mo.c * px[mo.a] * py[mo.b] * pz[mo.c - 1] : 0.0);
      grad_mu.col(q) = (grad_u - mo.degree * mu * u) / r;
    }
    s_bk.setZero();
    for (auto& v : v_bk) v.setZero();
    for (Eigen::Index b = 0; b < channels; ++b)
      for (Eigen::Index q = 0; q < q_count; ++q) {
        const Monomial& mo = monomials_[static_cast<std::size_t>(q)];
        const double w = mo.mult * A(b, q);
        s_bk(b, mo.degree) += w * work.monomial_values(q, p);
        v_bk[static_cast<std::size_t>(b * nl + mo.degree)] += w * grad_mu.col(q);
      }
    for (int n = 0; n < na; ++n) {
      const Eigen::Index a = sigma * na + n;
      for (Eigen::Index b = 0; b < channels; ++b) {
        const double factor = b == a ? 2.0 : 1.0;
        for (Eigen::Index k = 0; k < nl; ++k)
          t_k[static_cast<std::size_t>(k)] =
              factor * (dg[n] * s_bk(b, k) * u + g[n] * v_bk[static_cast<std::size_t>(b * nl + k)]);
        const Eigen::Index base =
            t2 +
            static_cast<Eigen::Index>(pair_index_[static_cast<std::size_t>(a * channels + b)]) * nl;
        for (Eigen::Index l = 0; l < nl; ++l) {
          atomistic::Vec3 acc = atomistic::Vec3::Zero();
          for (Eigen::Index k = 0; k <= l; ++k)
            acc += legendre_[static_cast<std::size_t>(l)][static_cast<std::size_t>(k)] *
                   t_k[static_cast<std::size_t>(k)];
          grad.block(base + l, 3 * p, 1, 3) += acc.transpose();
        }
      }
      // The removed self term D[σ][n][k] (n ≤ k): −(g_n' g_k + g_n g_k') u in every l.
      for (int k = n; k < na; ++k) {
        const Eigen::Index b = sigma * na + k;
        const Eigen::Index base =
            t2 +
            static_cast<Eigen::Index>(pair_index_[static_cast<std::size_t>(a * channels + b)]) * nl;
        const atomistic::Vec3 dd = (dg[n] * g[k] + g[n] * dg[k]) * u;
        for (Eigen::Index l = 0; l < nl; ++l) grad.block(base + l, 3 * p, 1, 3) -= dd.transpose();
      }
    }
  }
}

double Descriptor::contract_center(const atomistic::NeighbourList& list,
                                   const std::vector<int>& species, std::size_t center,
                                   const Eigen::Ref<const Eigen::VectorXd>& w,
                                   Eigen::Matrix3Xd& d_dr, Workspace& work) const {
  const auto neighbours = list.of(center);
  const auto m = static_cast<Eigen::Index>(neighbours.size());
  Eigen::VectorXd values(static_cast<Eigen::Index>(feature_count()));
  compute_center(list, species, center, values, nullptr, work);
  const double energy = w.dot(values);

  const int nr = settings_.radial_order, na = settings_.angular_radial_order;
  const int rc = radial_count_, lmax = settings_.angular_order;
  const auto channels = static_cast<Eigen::Index>(channels_);
  const auto q_count = static_cast<Eigen::Index>(monomials_.size());
  const auto t2 = static_cast<Eigen::Index>(two_body_count_);
  const Eigen::Index nl = lmax + 1;
  const auto& A = work.moments;

  // Reverse mode. With λ_k[a, b] = Σ_{l ≥ k} w[a, b, l] c_lk the three-body energy is
  //   Σ_k Σ_{deg q = k} mult_q ½ Σ_{a,b} B_k[a, b] A[a][q] A[b][q],
  // B_k symmetric with B_k[a, b] = λ_k[a, b] off the diagonal and 2λ_k[a, a] on it, so
  //   Ā[a][q] = ∂E/∂A[a][q] = mult_q Σ_b B_{deg q}[a, b] A[b][q].
  std::vector<Eigen::MatrixXd> b_k(static_cast<std::size_t>(nl),
                                   Eigen::MatrixXd(channels, channels));
  Eigen::MatrixXd self_weight = Eigen::MatrixXd::Zero(channels, na);  // Σ_l w for a = (s,n), (s,k)
  for (Eigen::Index a = 0; a < channels; ++a)
    for (Eigen::Index b = a; b < channels; ++b) {
      const Eigen::Index base =
          t2 +
          static_cast<Eigen::Index>(pair_index_[static_cast<std::size_t>(a * channels + b)]) * nl;
      for (Eigen::Index k = 0; k < nl; ++k) {
        double lambda = 0;
        for (Eigen::Index l = k; l < nl; ++l)
          lambda +=
              w[base + l] * legendre_[static_cast<std::size_t>(l)][static_cast<std::size_t>(k)];
        auto& bk = b_k[static_cast<std::size_t>(k)];
        bk(a, b) = a == b ? 2 * lambda : lambda;
        bk(b, a) = bk(a, b);
      }
      if (a / na == b / na) self_weight(a, b % na) = w.segment(base, nl).sum();
    }
  Eigen::MatrixXd& adjoint = work.adjoint;
  adjoint.resize(channels, q_count);
  for (Eigen::Index q = 0; q < q_count; ++q) {
    const Monomial& mo = monomials_[static_cast<std::size_t>(q)];
    adjoint.col(q) = mo.mult * (b_k[static_cast<std::size_t>(mo.degree)] * A.col(q));
  }

  d_dr.resize(3, m);
  Eigen::VectorXd alpha(q_count), beta(q_count);
  double px[10], py[10], pz[10];
  for (Eigen::Index p = 0; p < m; ++p) {
    const auto& nb = neighbours[static_cast<std::size_t>(p)];
    const int sigma = species[nb.atom];
    const double r = nb.distance_angstrom;
    const atomistic::Vec3 u = nb.vector_angstrom / r;
    const double* g = &work.radial(0, p);
    const double* dg = g + rc;
    double radial_part = 0;  // coefficient of u from everything that depends on r only
    for (int n = 0; n < nr; ++n) radial_part += w[sigma * nr + n] * dg[n];
    for (int n = 0; n < na; ++n)
      for (int k = n; k < na; ++k)
        radial_part -= self_weight(sigma * na + n, k) * (dg[n] * g[k] + g[n] * dg[k]);
    // α_q = Σ_n Ā[σ,n][q] g_n', β_q = Σ_n Ā[σ,n][q] g_n:  ∂E/∂r_p ∋ u Σ α_q μ_q + Σ β_q ∇μ_q.
    alpha.setZero();
    beta.setZero();
    for (int n = 0; n < na; ++n) {
      alpha += dg[n] * adjoint.row(sigma * na + n).transpose();
      beta += g[n] * adjoint.row(sigma * na + n).transpose();
    }
    radial_part += alpha.dot(work.monomial_values.col(p));
    px[0] = py[0] = pz[0] = 1;
    for (int k = 1; k <= lmax; ++k) {
      px[k] = px[k - 1] * u.x();
      py[k] = py[k - 1] * u.y();
      pz[k] = pz[k - 1] * u.z();
    }
    atomistic::Vec3 grad_u = atomistic::Vec3::Zero();
    double radial_beta = 0;
    for (Eigen::Index q = 0; q < q_count; ++q) {
      const Monomial& mo = monomials_[static_cast<std::size_t>(q)];
      const double bq = beta[q];
      if (bq == 0) continue;
      if (mo.a > 0) grad_u.x() += bq * mo.a * px[mo.a - 1] * py[mo.b] * pz[mo.c];
      if (mo.b > 0) grad_u.y() += bq * mo.b * px[mo.a] * py[mo.b - 1] * pz[mo.c];
      if (mo.c > 0) grad_u.z() += bq * mo.c * px[mo.a] * py[mo.b] * pz[mo.c - 1];
      radial_beta += bq * mo.degree * work.monomial_values(q, p);
    }
    d_dr.col(p) = radial_part * u + (grad_u - radial_beta * u) / r;
  }
  return energy;
}

Eigen::MatrixXd Descriptor::compute(const atomistic::Structure& structure) const {
  const auto species = species_of(structure, "mlff descriptor");
  const auto list = neighbours(structure, "mlff descriptor");
  Eigen::MatrixXd out(static_cast<Eigen::Index>(feature_count()),
                      static_cast<Eigen::Index>(structure.size()));
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, structure.size()),
                    [&](const tbb::blocked_range<std::size_t>& range) {
                      Workspace work;
                      for (std::size_t i = range.begin(); i != range.end(); ++i)
                        compute_center(list, species, i, out.col(static_cast<Eigen::Index>(i)),
                                       nullptr, work);
                    });
  return out;
}

}  // namespace ionhop::mlff
