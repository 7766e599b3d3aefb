#include "tables.hpp"

#include <cmath>
#include <cstdio>
#include <string>

namespace ionhop::cli {

namespace {
std::string fmt(const char* f, double x) {
  if (!std::isfinite(x)) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, f, x);
  return buf;
}
std::string pm(const char* f, double v, double e) { return fmt(f, v) + " ± " + fmt(f, e); }
std::string pad(const std::string& s, std::size_t w) {
  // Width in characters, counting the two-byte "±" as one.
  std::size_t len = 0;
  for (unsigned char c : s) len += (c & 0xC0) != 0x80;
  return s + std::string(w > len ? w - len : 0, ' ');
}
}  // namespace

void print_points_table(std::ostream& out, const sweep::SweepResult& result) {
  out << "Diffusion coefficients (mean ± standard error over replicas)\n";
  out << pad("species", 9) << pad("T (K)", 8) << pad("D (cm^2/s)", 26)
      << pad("D first half / D", 18) << pad("t_sim/replica (s)", 19) << pad("hops", 12)
      << "f (tracer)\n";
  for (const auto& p : result.points) {
    out << pad(p.point.species, 9) << pad(fmt("%.0f", p.point.temperature_k), 8);
    if (p.immobile) {
      out << "immobile (no hops in the rate table)\n";
      continue;
    }
    out << pad(pm("%.3e", p.diffusion.value, p.diffusion.error), 26)
        << pad(fmt("%.3f", p.diffusion_first_half.value / p.diffusion.value), 18)
        << pad(fmt("%.3e", p.simulated_time_s.value), 19) << pad(std::to_string(p.hops), 12)
        << (std::isfinite(p.correlation_factor.value)
                ? pm("%.3f", p.correlation_factor.value, p.correlation_factor.error)
                : std::string("-"))
        << "\n";
  }
}

void print_arrhenius_table(std::ostream& out, const sweep::SweepConfig& config,
                           const sweep::SweepResult& result) {
  out << "Arrhenius fits, D = D0 exp(-Ea / kB T)   [KMC: this sweep; MD: reference]\n";
  out << pad("species", 9) << pad("Ea KMC (eV)", 18) << pad("Ea MD (eV)", 14)
      << pad("D0 KMC (cm^2/s)", 24) << pad("D0 MD (cm^2/s)", 22) << pad("D(300 K) KMC (cm^2/s)", 24)
      << "D(300 K) MD\n";
  for (const auto& a : result.arrhenius) {
    const auto d300 = a.fit.diffusion_at(300.0);
    const analysis::MdArrhenius* md =
        config.md_reference ? config.md_reference->find(a.species) : nullptr;
    out << pad(a.species, 9)
        << pad(pm("%.4f", a.fit.activation_energy_ev, a.fit.activation_energy_err_ev()), 18)
        << pad(md && !md->immobile
                   ? pm("%.2f", md->activation_energy_ev, md->activation_energy_err_ev)
                   : "-",
               14)
        << pad(pm("%.3e", a.fit.prefactor(), a.fit.prefactor_err()), 24)
        << pad(md && !md->immobile ? pm("%.2e", md->prefactor_cm2_s, md->prefactor_err_cm2_s) : "-",
               22)
        << pad(pm("%.3e", d300.value, d300.error), 24)
        << (md && md->diffusion_300k_cm2_s ? fmt("%.3e", *md->diffusion_300k_cm2_s) : "-") << "\n";
  }
  for (const auto& note : result.notes) out << "note: " << note << "\n";
}

void print_comparison_table(std::ostream& out, const sweep::SweepResult& result) {
  if (result.comparison.empty()) return;
  out << "Comparison with MD: ratio = D_KMC / D_MD, z = (ln D_KMC - ln D_MD) / combined sigma(ln "
         "D)\n";
  out << pad("species", 9) << pad("T (K)", 8) << pad("D KMC (cm^2/s)", 26)
      << pad("D MD (cm^2/s)", 26) << pad("ratio", 9) << pad("z", 8) << "KMC from\n";
  for (const auto& c : result.comparison) {
    out << pad(c.species, 9) << pad(fmt("%.0f", c.temperature_k), 8)
        << pad(pm("%.3e", c.kmc.value, c.kmc.error), 26)
        << pad(pm("%.3e", c.md.value, c.md.error), 26) << pad(fmt("%.3f", c.ratio), 9)
        << pad(fmt("%+.2f", c.z_score), 8) << c.kmc_source << "\n";
  }
}

void print_composition_table(std::ostream& out, const sweep::SweepResult& result) {
  bool any = false;
  for (const auto& p : result.points) any |= !p.point.composition_label.empty();
  if (!any) return;
  out << "\nMixed hosts: D parallel (x, y) and perpendicular (z) to (001), tracer D and f per "
         "host species\n";
  out << pad("species", 9) << pad("composition", 38) << pad("T (K)", 7) << pad("D_par (cm^2/s)", 24)
      << pad("D_perp (cm^2/s)", 24) << pad("Haven ratio", 18) << "tracers: D* (cm^2/s), f\n";
  for (const auto& p : result.points) {
    if (p.immobile) continue;
    const analysis::Estimate& dx = p.diffusion_axes[0];
    const analysis::Estimate& dy = p.diffusion_axes[1];
    const double par = 0.5 * (dx.value + dy.value), par_err = 0.5 * std::hypot(dx.error, dy.error);
    out << pad(p.point.species, 9)
        << pad(p.point.composition_label.empty() ? "(lattice default)" : p.point.composition_label,
               38)
        << pad(fmt("%.0f", p.point.temperature_k), 7) << pad(pm("%.3e", par, par_err), 24)
        << pad(pm("%.3e", p.diffusion_axes[2].value, p.diffusion_axes[2].error), 24)
        << pad(pm("%.3f", p.haven_ratio.value, p.haven_ratio.error), 18);
    for (const auto& t : p.tracers)
      out << t.occupant << ": " << fmt("%.3e", t.tracer_diffusion.value) << ", "
          << pm("%.3f", t.correlation_factor.value, t.correlation_factor.error) << "  ";
    out << "\n";
  }
}

void print_interfaces_table(std::ostream& out, const sweep::SweepResult& result) {
  bool any = false;
  for (const auto& p : result.points) any |= !p.interfaces.empty();
  if (!any) return;
  out << "\nInterfaces: transmission probability per arrival (first passage through the "
         "interface zone) and crossings per defect per second\n";
  out << pad("species", 9) << pad("composition", 38) << pad("T (K)", 7) << pad("z (A)", 9)
      << pad("arrivals", 10) << pad("P_T", 18) << pad("P_T from below", 18)
      << pad("P_T from above", 18) << "crossings/defect/s\n";
  for (const auto& p : result.points)
    for (const auto& in : p.interfaces)
      out << pad(p.point.species, 9) << pad(p.point.composition_label, 38)
          << pad(fmt("%.0f", p.point.temperature_k), 7) << pad(fmt("%.2f", in.z_angstrom), 9)
          << pad(fmt("%.0f", in.arrivals), 10)
          << pad(pm("%.4f", in.transmission_probability.value, in.transmission_probability.error),
                 18)
          << pad(pm("%.4f", in.transmission_probability_up.value,
                    in.transmission_probability_up.error),
                 18)
          << pad(pm("%.4f", in.transmission_probability_down.value,
                    in.transmission_probability_down.error),
                 18)
          << pm("%.3e", in.crossing_rate_per_defect_hz.value, in.crossing_rate_per_defect_hz.error)
          << "\n";
}

}  // namespace ionhop::cli
