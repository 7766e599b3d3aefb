// Ionic pair potential: shifted-and-switched Buckingham / Lennard-Jones terms plus Ewald
// Coulomb between per-element point charges.
#include "ionhop/atomistic/pair_potential.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <utility>

#include "ionhop/core/error.hpp"

namespace ionhop::atomistic {

namespace {
std::string format_number(double x, int precision = 4) {
  std::ostringstream s;
  s << std::setprecision(precision) << x;
  return s.str();
}

[[noreturn]] void fail(const std::string& problem) { throw InputError("", "", problem); }

bool finite(double x) { return std::isfinite(x); }

// Provenance as JSON: an object/array stays structured, anything else is a string.
nlohmann::json text_or_json(const std::string& s) {
  auto j = nlohmann::json::parse(s, nullptr, false);
  return (j.is_discarded() || !(j.is_object() || j.is_array())) ? nlohmann::json(s) : j;
}
}  // namespace

std::string to_string(PairForm form) {
  return form == PairForm::buckingham ? "buckingham" : "lennard_jones";
}

PairPotential::PairPotential(PairPotentialParameters parameters)
    : parameters_(std::move(parameters)) {
  const auto& p = parameters_;
  if (p.name.empty()) fail("a pair potential needs a name");
  if (p.charges_e.empty()) fail("potential " + p.name + " gives no element charges");
  for (const auto& [element, q] : p.charges_e) {
    if (element.empty()) fail("potential " + p.name + ": empty element symbol");
    if (!finite(q)) fail("potential " + p.name + ": the charge of " + element + " is not finite");
    elements_.push_back(element);  // std::map: already sorted
  }
  if (!(finite(p.cutoff_angstrom) && p.cutoff_angstrom > 0))
    fail("potential " + p.name + ": cutoff_angstrom must be > 0");
  if (!(finite(p.switch_width_angstrom) && p.switch_width_angstrom >= 0 &&
        p.switch_width_angstrom < p.cutoff_angstrom))
    fail("potential " + p.name + ": switch_width_angstrom must be in [0, cutoff_angstrom)");
  if (!(finite(p.min_distance_angstrom) && p.min_distance_angstrom >= 0 &&
        p.min_distance_angstrom < p.cutoff_angstrom - p.switch_width_angstrom))
    fail("potential " + p.name +
         ": min_distance_angstrom must be >= 0 and below cutoff_angstrom − switch_width_angstrom");
  if (!(p.ewald_accuracy > 0 && p.ewald_accuracy < 1))
    fail("potential " + p.name + ": the Ewald accuracy must be in (0, 1)");

  const std::size_t ns = elements_.size();
  terms_.assign(ns * ns, Term{});
  auto species = [&](const std::string& e) -> std::size_t {
    const auto it = std::lower_bound(elements_.begin(), elements_.end(), e);
    if (it == elements_.end() || *it != e)
      fail("potential " + p.name + ": element " + e + " appears in a pair but has no charge");
    return static_cast<std::size_t>(it - elements_.begin());
  };
  for (const PairTerm& pt : p.pairs) {
    const std::size_t a = species(pt.element_a), b = species(pt.element_b);
    const std::string label = pt.element_a + "-" + pt.element_b;
    if (terms_[a * ns + b].active)
      fail("potential " + p.name + ": pair " + label + " is listed twice");
    Term t;
    t.active = true;
    t.form = pt.form;
    if (pt.form == PairForm::buckingham) {
      if (!(finite(pt.a_ev) && pt.a_ev >= 0 && finite(pt.c_ev_angstrom6) &&
            pt.c_ev_angstrom6 >= 0 && finite(pt.rho_angstrom) && pt.rho_angstrom > 0))
        fail("potential " + p.name + ": pair " + label + " needs A >= 0, rho > 0, C >= 0");
      t.p0 = pt.a_ev;
      t.p1 = 1 / pt.rho_angstrom;
      t.p2 = pt.c_ev_angstrom6;
    } else {
      if (!(finite(pt.epsilon_ev) && pt.epsilon_ev >= 0 && finite(pt.sigma_angstrom) &&
            pt.sigma_angstrom > 0))
        fail("potential " + p.name + ": pair " + label + " needs epsilon >= 0, sigma > 0");
      t.p0 = 4 * pt.epsilon_ev;
      t.p1 = std::pow(pt.sigma_angstrom, 6);
    }
    double phi_c = 0, dphi_c = 0;
    evaluate(t, p.cutoff_angstrom, phi_c, dphi_c);
    t.shift_ev = phi_c;
    terms_[a * ns + b] = t;
    terms_[b * ns + a] = t;
  }
}

void PairPotential::evaluate(const Term& t, double r, double& phi, double& dphi_dr) {
  const double inv_r2 = 1 / (r * r);
  const double inv_r6 = inv_r2 * inv_r2 * inv_r2;
  if (t.form == PairForm::buckingham) {
    // φ = A e^(−r/ρ) − C/r⁶,  φ' = −(A/ρ) e^(−r/ρ) + 6C/r⁷
    const double rep = t.p0 * std::exp(-r * t.p1);
    phi = rep - t.p2 * inv_r6;
    dphi_dr = -t.p1 * rep + 6 * t.p2 * inv_r6 / r;
  } else {
    // φ = 4ε(s² − s), s = (σ/r)⁶;  φ' = 4ε(−12 s² + 6 s)/r
    const double s = t.p1 * inv_r6;
    phi = t.p0 * (s * s - s);
    dphi_dr = t.p0 * (-12 * s * s + 6 * s) / r;
  }
}

EnergyForces PairPotential::compute(const Structure& structure) const {
  const auto& p = parameters_;
  const std::size_t n = structure.size();
  const std::size_t ns = elements_.size();
  std::vector<std::size_t> species(n);
  std::vector<double> charges(n);
  for (std::size_t k = 0; k < n; ++k) {
    const auto it = std::lower_bound(elements_.begin(), elements_.end(), structure.elements[k]);
    if (it == elements_.end() || *it != structure.elements[k])
      fail("potential " + p.name + " has no parameters for element " + structure.elements[k]);
    species[k] = static_cast<std::size_t>(it - elements_.begin());
    charges[k] = p.charges_e.at(structure.elements[k]);
  }
  if (n > 0) {
    const double width = structure.min_perpendicular_width_angstrom();
    if (p.cutoff_angstrom > 0.5 * width)
      fail("potential " + p.name + ": cutoff " + format_number(p.cutoff_angstrom) +
           " Å is larger than half the smallest cell width (" + format_number(width) +
           " / 2 = " + format_number(0.5 * width) + " Å); use a larger supercell");
  }

  EnergyForces out;
  out.has_stress = true;
  out.forces_ev_per_angstrom = Eigen::Matrix3Xd::Zero(3, static_cast<Eigen::Index>(n));
  Eigen::Matrix3d virial = Eigen::Matrix3d::Zero();
  double energy = 0;
  const double r_on = p.cutoff_angstrom - p.switch_width_angstrom;
  const double min2 = p.min_distance_angstrom * p.min_distance_angstrom;
  PeriodicPairFinder finder(structure.cell_angstrom, structure.positions_angstrom,
                            p.cutoff_angstrom);
  finder.for_each_pair([&](std::size_t i, std::size_t j, const Vec3& d, double r2) {
    if (r2 < min2)
      fail("atoms " + std::to_string(i) + " and " + std::to_string(j) +
           " overlap (r = " + format_number(std::sqrt(r2), 3) + " Å)");
    const Term& t = terms_[species[i] * ns + species[j]];
    if (!t.active) return;
    const double r = std::sqrt(r2);
    double phi = 0, dphi = 0;
    evaluate(t, r, phi, dphi);
    phi -= t.shift_ev;
    if (r > r_on) {
      // Quintic smoothstep S(x) = 1 − 10x³ + 15x⁴ − 6x⁵: S(0) = 1, S(1) = 0, S' = S'' = 0 at both.
      const double w = p.switch_width_angstrom;
      const double x = (r - r_on) / w;
      const double s = 1 - x * x * x * (10 - 15 * x + 6 * x * x);
      const double ds_dr = -30 * x * x * (1 - 2 * x + x * x) / w;
      dphi = dphi * s + phi * ds_dr;
      phi *= s;
    }
    energy += phi;
    const Vec3 f = (dphi / r) * d;  // force on i (d = r_j − r_i)
    out.forces_ev_per_angstrom.col(static_cast<Eigen::Index>(i)) += f;
    out.forces_ev_per_angstrom.col(static_cast<Eigen::Index>(j)) -= f;
    virial += (dphi / r) * d * d.transpose();
  });

  if (n > 0) {
    const EnergyForces coulomb = ewald_coulomb(structure, charges, {p.ewald_accuracy, 0});
    energy += coulomb.energy_ev;
    out.forces_ev_per_angstrom += coulomb.forces_ev_per_angstrom;
    virial += coulomb.stress_ev_per_angstrom3 * structure.volume_angstrom3();
  }
  out.energy_ev = energy;
  out.stress_ev_per_angstrom3 =
      n > 0 ? Eigen::Matrix3d(virial / structure.volume_angstrom3()) : Eigen::Matrix3d::Zero();
  return out;
}

std::string PairPotential::parameters_json() const {
  const auto& p = parameters_;
  nlohmann::json j;
  j["schema"] = "ionhop.pair_potential/1";
  j["name"] = p.name;
  j["description"] = p.description;
  j["provenance"] = text_or_json(p.provenance);
  j["charges_e"] = p.charges_e;
  // Canonical pair list: elements sorted within a pair, pairs sorted by elements.
  std::vector<std::pair<std::pair<std::string, std::string>, nlohmann::json>> pairs;
  for (const PairTerm& t : p.pairs) {
    auto key = std::minmax(t.element_a, t.element_b);
    nlohmann::json e = {{"elements", {key.first, key.second}}, {"form", to_string(t.form)}};
    if (t.form == PairForm::buckingham) {
      e["A_ev"] = t.a_ev;
      e["rho_angstrom"] = t.rho_angstrom;
      e["C_ev_angstrom6"] = t.c_ev_angstrom6;
    } else {
      e["epsilon_ev"] = t.epsilon_ev;
      e["sigma_angstrom"] = t.sigma_angstrom;
    }
    pairs.emplace_back(std::make_pair(key.first, key.second), e);
  }
  std::sort(pairs.begin(), pairs.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
  j["pairs"] = nlohmann::json::array();
  for (const auto& [_, e] : pairs) j["pairs"].push_back(e);
  j["cutoff_angstrom"] = p.cutoff_angstrom;
  j["switch_width_angstrom"] = p.switch_width_angstrom;
  j["min_distance_angstrom"] = p.min_distance_angstrom;
  j["ewald"] = {{"accuracy", p.ewald_accuracy}};
  // Model choices fixed in code, recorded so a change of them changes the hash.
  j["coulomb_constant_ev_angstrom"] = kCoulombEvAngstrom;
  j["short_range_truncation"] =
      "shifted by phi(cutoff), quintic switch on [cutoff - switch_width, cutoff]";
  return j.dump();
}

}  // namespace ionhop::atomistic
