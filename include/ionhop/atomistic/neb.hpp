// Climbing-image nudged elastic band (Henkelman, Uberuaga & Jónsson, JCP 113, 9901 (2000))
// with the improved tangent (Henkelman & Jónsson, JCP 113, 9978 (2000)) and IDPP interpolation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "ionhop/atomistic/fire.hpp"
#include "ionhop/atomistic/potential.hpp"
#include "ionhop/atomistic/structure.hpp"

namespace ionhop::atomistic {

enum class Interpolation {
  kLinear,  // straight line in Cartesian space (minimum-image displacement per atom)
  // Image-dependent pair potential (Smidstrup, Pedersen, Stokbro & Jónsson, JCP 140, 214106
  // (2014)): pair distances are interpolated linearly and each image is moved towards them.
  // Falls back to linear for one-atom structures (no pairs).
  kIdpp,
};

// Called once per band evaluation: step, max per-atom NEB force (eV/Å), climbing active.
using NebProgress = std::function<void(std::size_t step, double max_force, bool climbing)>;
// Called every NebSettings::monitor_every_steps band updates (and on the starting band) with
// the band (endpoints included); returning false stops the optimisation there (NebResult::
// stopped). On-the-fly learning uses it to check the model's uncertainty along the band.
using NebMonitor = std::function<bool(std::size_t step, const std::vector<Structure>& band)>;

struct NebSettings {
  std::size_t images = 5;  // interior images (≥ 1)
  double spring_constant_ev_per_angstrom2 = 5.0;
  double force_tolerance_ev_per_angstrom = 0.05;  // on every interior image's NEB force
  std::size_t max_steps = 1000;                   // FIRE updates of the band
  bool climb = true;
  // The climbing image is switched on once the band's max force falls below
  // climb_force_factor × tolerance (a rough MEP first, so the right image climbs).
  double climb_force_factor = 5.0;
  Interpolation interpolation = Interpolation::kIdpp;
  // IDPP band optimisation: tolerance on the IDPP "force" (Å⁻³) and its step limit. Not
  // converging is not an error (IDPP only makes the starting path).
  FireSettings idpp{FireParameters{}, 0.01, 300, {}, {}, 10};
  // Gaussian displacement (σ per component, Å) of the interior images' free atoms after the
  // interpolation, stream band_rattle_seed. A band between mirror-symmetric endpoints is
  // symmetric, and NEB forces keep it so: its climbing image can converge to a higher-order
  // saddle on the symmetric ridge. Breaking the band's symmetry lets it find the first-order
  // saddle (seen for V_I^+ in a frozen host: three imaginary modes without it). 0: none.
  double band_rattle_angstrom = 0;
  std::uint64_t band_rattle_seed = 1;
  bool relax_endpoints = true;
  FireSettings endpoint_relaxation{FireParameters{}, 0.01, 2000, {}, {}, 10};
  FireParameters optimizer;  // FIRE tunables for the band itself
  NebProgress progress;      // optional
  NebMonitor monitor;        // optional
  std::size_t monitor_every_steps = 10;
};

struct NebResult {
  // Relaxed initial, interior images, relaxed final. Positions are continuous along the path
  // (not wrapped): the final endpoint is the initial one plus the minimum-image displacement.
  std::vector<Structure> images;
  std::vector<double> energies_ev;
  // Cumulative Cartesian path length (all atoms) from the initial endpoint, Å.
  std::vector<double> path_distance_angstrom;
  double forward_barrier_ev = 0;              // E_max − E_initial
  double backward_barrier_ev = 0;             // E_max − E_final
  std::size_t highest_image = 0;              // index into images of E_max
  std::optional<std::size_t> climbing_image;  // index into images, if the CI was on at the end
  Structure saddle;                           // images[highest_image]
  double saddle_energy_ev = 0;
  bool converged = false;
  bool stopped = false;   // the monitor stopped the band (images: the band it was shown)
  std::size_t steps = 0;  // FIRE updates of the band
  double max_force_ev_per_angstrom = 0;
  std::size_t endpoint_steps_initial = 0, endpoint_steps_final = 0;
};

// Checks that two endpoints describe the same system: same cell, same atoms in the same order
// and the same fixed atoms. Throws InputError naming the first mismatch.
void check_neb_endpoints(const Structure& initial, const Structure& final_structure);

// The starting band: endpoints plus settings.images interior images, by settings.interpolation
// (endpoints as given, no relaxation). Throws like check_neb_endpoints.
std::vector<Structure> interpolate_band(const Structure& initial, const Structure& final_structure,
                                        const NebSettings& settings);

// Runs CI-NEB: relaxes the endpoints (if asked; InputError if one does not converge),
// interpolates, and optimises the band with FIRE on the stacked coordinates, evaluating the
// images concurrently (the potential must be thread-safe). Fixed atoms never move (an atom
// fixed at different positions in the two endpoints keeps its interpolated positions).
NebResult run_neb(const Potential& potential, const Structure& initial,
                  const Structure& final_structure, const NebSettings& settings);

// Endpoint refinement for soft lattices. An interior image before the highest image that
// lies more than `tolerance_ev` below the initial endpoint (or one after it below the final
// endpoint) means that endpoint's relaxation stopped on a flat or unstable mode (a tilt) and
// the band found a deeper state of the same basin; the barrier must then be measured from
// that state. Returns the lowest such image on each side (nullopt: none).
struct EndpointRefinement {
  std::optional<std::size_t> initial_from, final_from;  // indices into NebResult::images
  bool needed() const { return initial_from || final_from; }
};
EndpointRefinement endpoints_to_refine(const NebResult& result, double tolerance_ev);

// Optimises a given band (endpoints included, as from interpolate_band or a previous
// NebResult::images; at least one interior image) with its endpoints held as they are:
// no endpoint relaxation and no interpolation. Restarts a band, e.g. after a refit.
NebResult run_neb_band(const Potential& potential, const std::vector<Structure>& band,
                       const NebSettings& settings);

}  // namespace ionhop::atomistic
