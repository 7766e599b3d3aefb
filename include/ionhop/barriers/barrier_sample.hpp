// One sampled vacancy hop of the offline barrier stage: the local environments before and
// after the hop and the CI-NEB energies, the input of the environment-model fit.
#pragma once

#include <map>
#include <optional>
#include <string>

namespace ionhop::barriers {

struct BarrierSample {
  std::string id;              // optional identifier, unique within a file ("" = none)
  std::string defect;          // defect species name, e.g. "V_I^+"
  std::string moving_species;  // host ion that jumps into the vacancy, e.g. "I", "Br"
  // Environment counts n_s (host ions of species s on the environment-shell neighbours) of
  // the vacancy site i before the hop and of the vacancy site j' after it (the mover then
  // sits on i), exactly as the KMC's environment_sum counts them. Missing species: 0.
  std::map<std::string, int> initial_counts;
  std::map<std::string, int> final_counts;
  // Optional: host ions of species s on the common environment neighbours of the two hop
  // sites (the saddle term of the model; the same before and after the hop). Empty: not
  // recorded (then the fit has no saddle term).
  std::map<std::string, int> saddle_counts;
  double barrier_ev = 0;          // forward E_b = E_saddle − E_initial (CI-NEB)
  double reaction_energy_ev = 0;  // ΔE = E_final − E_initial
  bool converged = true;          // false: NEB did not converge; kept in files, not fitted
  std::string occupation_key;     // optional canonical key of the sampled occupation
  // Harmonic-TST attempt frequency of the hop (campaign "vineyard" enabled; converged samples
  // only): ν* of Vineyard (1957) from the relaxed initial endpoint and the saddle, so that the
  // sample's rate is ν* exp(−barrier_ev / k_B T). Absent: not computed.
  std::optional<double> attempt_frequency_hz;
  std::optional<double> imaginary_frequency_thz;  // |ν| of the saddle's unstable mode
  // With a prefactor: why it may be unreliable (near-zero modes, no climbing image; "" =
  // none). Without one: why it was not computed (e.g. "saddle has 2 imaginary modes …"),
  // the sample's barrier staying valid.
  std::string vineyard_warning;
  // Potential energy of the relaxed initial endpoint (eV; converged campaign samples). Repeats
  // of one occupation can relax into different minima; this says which start was the lowest
  // (barriers::drop_metastable_starts). Absent: not recorded (older files).
  std::optional<double> initial_energy_ev;
  // Largest displacement of any atom between the relaxed initial and final endpoints (Å;
  // converged campaign samples). Near 0 (below kMergedEndpointsAngstrom): both endpoints
  // relaxed into one state — e.g. a split vacancy, the mover midway between the two sites —
  // so there is no hop in this environment, only one state shared by the two sites; the band
  // is flat (barrier ~0) and the fit takes it as a barrierless exchange. Absent: not recorded.
  std::optional<double> endpoint_separation_angstrom;
  // Campaigns with a midpoint state (CampaignSettings::midpoint_start): the energy of the
  // relaxed midpoint M above the relaxed initial endpoint (eV; converged samples). The band
  // is the half hop A -> M; endpoint_separation_angstrom is still that of A and B. Absent:
  // no midpoint.
  std::optional<double> midpoint_energy_ev;
  // With midpoint_energy_ev: the highest point between the midpoint and its mirror image (the
  // hop's crossing of the mirror plane; the midpoint itself when it lies on the plane), above
  // the relaxed initial endpoint (eV).
  std::optional<double> mirror_plane_energy_ev;
};

// Endpoints closer than this (largest atom displacement, Å) are one state (see above).
inline constexpr double kMergedEndpointsAngstrom = 0.1;

inline bool endpoints_merged(const BarrierSample& s) {
  return s.converged && s.endpoint_separation_angstrom &&
         *s.endpoint_separation_angstrom < kMergedEndpointsAngstrom;
}

}  // namespace ionhop::barriers
