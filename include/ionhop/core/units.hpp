// Physical constants and unit conversions. Internal units: eV, Å, K, s.
#pragma once

namespace ionhop::units {

// Boltzmann constant, CODATA 2018 (exact since the 2019 SI redefinition).
inline constexpr double boltzmann_ev_per_k = 8.617333262e-5;

// 1 Å² = 1e-16 cm²: diffusion coefficients are computed in Å²/s and reported in cm²/s.
inline constexpr double angstrom2_to_cm2 = 1.0e-16;
inline constexpr double cm2_to_angstrom2 = 1.0e16;

// Thermal energy k_B T in eV.
inline constexpr double thermal_energy_ev(double temperature_k) {
  return boltzmann_ev_per_k * temperature_k;
}

}  // namespace ionhop::units
