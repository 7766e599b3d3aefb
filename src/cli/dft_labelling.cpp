// CP2K results → labelled extxyz frames (see dft_labelling.hpp).
#include "dft_labelling.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "ionhop/core/sha256.hpp"

namespace ionhop::cli {

std::string shortest_number(double x) {
  char buf[40];
  for (int p = 1; p <= 17; ++p) {
    std::snprintf(buf, sizeof buf, "%.*g", p, x);
    if (std::strtod(buf, nullptr) == x) break;
  }
  return buf;
}

std::string cp2k_settings_hash(const reference::Cp2kSettings& s) {
  const auto num = shortest_number;
  std::ostringstream t;
  t << "cutoff_ry=" << num(s.cutoff_ry) << " rel_cutoff_ry=" << num(s.rel_cutoff_ry)
    << " eps_scf=" << num(s.eps_scf) << " max_scf=" << s.max_scf
    << " eps_default=" << num(s.eps_default) << " mixing_alpha=" << num(s.mixing_alpha)
    << " nbroyden=" << s.mixing_nbroyden << " smearing_k=" << num(s.smearing_temperature_k)
    << " added_mos=" << s.added_mos << " d3bj=" << s.dispersion_d3bj
    << " multiplicity=" << s.multiplicity << " stress=" << s.compute_stress;
  for (const auto& [element, kind] : s.kinds)
    t << " kind " << element << " " << kind.basis_set << " " << kind.potential << " "
      << kind.valence_electrons;
  return core::sha256_hex(t.str()).substr(0, 16);
}

io::ExtxyzFrame cp2k_labelled_frame(const atomistic::Structure& structure,
                                    const reference::Cp2kResult& r,
                                    const reference::Cp2kSettings& dft, double wall_s) {
  io::ExtxyzFrame out;
  out.structure = structure;
  out.energy_ev = r.energy_ev;
  out.forces_ev_per_angstrom = r.forces_ev_per_angstrom;
  auto& info = out.structure.info;
  if (r.has_stress) {
    std::string s;
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j)
        s += (s.empty() ? "" : " ") + shortest_number(r.stress_ev_per_angstrom3(i, j));
    info["stress"] = s;
  }
  info["dft"] = kDftLabel;
  info["cp2k_settings_sha256"] = cp2k_settings_hash(dft);
  info["cp2k_attempts"] = std::to_string(r.attempts.size());
  info["cp2k_wall_s"] = shortest_number(std::round(wall_s * 10) / 10);
  if (!r.attempts.empty() && r.attempts.back().settings.smearing_temperature_k > 0)
    info["cp2k_smearing_k"] = shortest_number(r.attempts.back().settings.smearing_temperature_k);
  return out;
}

}  // namespace ionhop::cli
