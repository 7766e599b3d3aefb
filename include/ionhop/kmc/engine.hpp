// Rejection-free residence-time KMC (Bortz–Kalos–Lebowitz; Gillespie): at each step pick a
// hop with probability Γ_k/ΣΓ and advance time by an exact exponential Δt = −ln(u)/ΣΓ.
// Event selection: a sum tree over defects (O(log N)) then a scan over the defect's hops;
// after an event only the moved defect and defects next to its old or new site are
// re-rated. Defects exclude each other from sites (no two on one site, no recombination).
// With a Fermi level set, charge-state transitions (capture/emission) are events of the
// defect too: they change its species in place, and with it its hop rates.
// Interstitials that carry an element (rates::DefectSpecies::element) keep their atom and
// the host ions of their sublattice tracked; a kick-out hop exchanges the roles of the
// interstitial atom and a host ion, which changes the defect's species (I_i ↔ Br_i).
#pragma once

#include <memory>
#include <vector>

#include "ionhop/core/random_stream.hpp"
#include "ionhop/kmc/interface_crossings.hpp"
#include "ionhop/kmc/lattice_state.hpp"
#include "ionhop/kmc/run_result.hpp"
#include "ionhop/kmc/run_settings.hpp"
#include "ionhop/kmc/sum_tree.hpp"
#include "ionhop/lattice/site_graph.hpp"
#include "ionhop/rates/charge_states.hpp"
#include "ionhop/rates/compiled_rates.hpp"

namespace ionhop::kmc {

class Engine {
 public:
  // Places settings.defects at random distinct sites of their sublattices (from `rng`).
  // Throws InputError (no file) if a sublattice has fewer free sites than defects asked.
  // With settings.initial_state, places its defects and host ions instead (see RunSettings);
  // throws InputError (no file, "initial state: ...") when the state does not fit.
  Engine(const lattice::SiteGraph& graph, const rates::RateTable& table,
         const RunSettings& settings, core::RandomStream rng);

  // Runs to the stop condition and returns the tallies.
  RunResult run();

  // One event. Returns false (and does nothing) if no event is possible.
  bool step();

  double time_s() const { return time_s_; }
  std::uint64_t hops() const { return hops_; }
  double total_rate_hz() const { return tree_.total(); }
  std::size_t defect_count() const { return defect_site_.size(); }
  lattice::SiteIndex defect_site(std::size_t d) const { return defect_site_[d]; }
  const lattice::Vec3& defect_displacement_angstrom(std::size_t d) const { return defect_disp_[d]; }
  // Host ion on a site: index into host_occupant_names(), or −1 (none / not tracked).
  int host_occupant_at(lattice::SiteIndex s) const {
    return site_ion_.empty() ? -1 : site_ion_[s].occupant;
  }
  const std::vector<std::string>& host_occupant_names() const { return occupant_names_; }
  // The current configuration: the ion on every site (where ions are not tracked: the
  // initial state's, else the lattice's default occupant; "" on a vacancy) and every defect
  // with its current species. An engine started from it continues from this configuration.
  LatticeState state() const;

 private:
  void place_at_random();
  void place_from_state(const LatticeState& state);
  void add_defect(lattice::SiteIndex site, std::size_t species);
  void rerate(std::size_t defect);
  void rerate_environment(std::size_t defect);
  // Common tail of rerate and rerate_environment: unused hop slots, transitions, sum tree.
  void finish_rerate(std::size_t defect, std::uint32_t species, std::size_t hops, double* out,
                     double sum);  // rates with the local-environment model
  void rerate_around(lattice::SiteIndex site, std::size_t moved);  // env: within two hops
  double environment_sum(lattice::SiteIndex site, const std::vector<double>& per_occupant,
                         std::size_t shell) const;
  void close_block(double at_time_s);
  void apply_hop(std::size_t defect, std::size_t k);
  // Kick-out slot j of the defect: j < hop_stride_, the target's host ion is kicked out;
  // else the own site's (template j − hop_stride_).
  void apply_kickout(std::size_t defect, std::size_t j);
  // Kick-out slots [hop_stride_, 3·hop_stride_) of a defect; returns their sum.
  double fill_kickout(std::size_t defect, std::uint32_t species, double* out) const;
  void check_hosts(const std::vector<std::string>& tracked_sublattices) const;
  void apply_transition(std::size_t defect, std::size_t j);
  void add_state_time(double dt);
  void advance_and_hop(double dt);  // advance time by dt, then select and apply one hop
  RunResult collect() const;

  const lattice::SiteGraph& graph_;
  const rates::RateTable& table_;
  RunSettings settings_;
  rates::CompiledRates rates_;
  core::RandomStream rng_;
  std::size_t hop_stride_;  // max hops per site: slots [0, hop_stride_) of a defect's events
  // Hop slots: hop_stride_ (direct hops), or 3·hop_stride_ with kick-out (then slots
  // [hop_stride_, 2·hop_stride_) kick out the target's host, [2·hop_stride_, 3·hop_stride_)
  // the own site's host, per hop template).
  std::size_t hop_slots_;
  std::size_t stride_;  // hop_slots_ + max transitions per species
  std::vector<std::vector<rates::CompiledTransition>> transitions_;  // per species

  // State: which defect sits on each site (−1: none); per defect its site, species and
  // unwrapped displacement. State is owned here and nowhere else.
  std::vector<std::int32_t> site_defect_;
  // One bit per site, set where a defect sits: the exclusion checks of the hot loop read
  // this (a few kB to ~100 kB, cache-resident) instead of site_defect_ (4 bytes a site).
  std::vector<std::uint64_t> occupied_bits_;
  bool occupied(lattice::SiteIndex s) const { return (occupied_bits_[s >> 6] >> (s & 63)) & 1u; }
  void set_occupied(lattice::SiteIndex s, bool on) {
    if (on)
      occupied_bits_[s >> 6] |= std::uint64_t{1} << (s & 63);
    else
      occupied_bits_[s >> 6] &= ~(std::uint64_t{1} << (s & 63));
  }
  std::vector<lattice::SiteIndex> defect_site_;
  std::vector<std::uint32_t> defect_species_;  // current species (charge state)
  std::vector<std::uint32_t> defect_group_;    // species it was placed as (tallies)
  std::vector<char> species_is_vacancy_;       // per species: vacancy mechanism
  std::vector<lattice::Vec3> defect_disp_;
  std::vector<double> hop_rate_;  // defect × stride
  SumTree tree_;

  // Host ions (vacancy mechanism): ion on each site (−1: none), its unwrapped displacement.
  bool track_ions_ = false;
  // Stored per site (the ion's record moves with it), so a hop touches two records and
  // no indirection through an ion index: fewer cache misses in large supercells.
  bool occupant_dependent_ = false;  // hop rates depend on the moving host ion
  // Local-environment model per species (empty coefficient vectors: none), by occupant.
  bool environment_dependent_ = false;
  std::vector<std::size_t> env_shell_;
  std::vector<std::vector<double>> env_site_coef_, env_kra_coef_;
  // Saddle term per species (empty: none): q_s by occupant, and per (basis b, hop template
  // k) the hop-target indices k1 of a site of basis b whose targets are the common
  // environment neighbours of the site and its k-th target, flattened as
  // env_common_[s][b · hop_stride_ + k]. Every cell has the same hops, so one site per
  // basis gives the lists for all (computed once; the hot path only sums).
  std::vector<std::vector<double>> env_saddle_coef_;
  std::vector<std::vector<std::vector<std::uint16_t>>> env_common_;
  std::vector<std::uint64_t> rerate_stamp_;
  std::uint64_t stamp_ = 0;
  std::vector<std::int8_t> site_occupant_;  // occupant index per site (−1: none), if so
  struct HostIon {
    double disp[3];         // unwrapped displacement (Å)
    std::int32_t occupant;  // index into occupant_names_; −1: no ion (vacancy or no host)
  };
  std::vector<HostIon> site_ion_;
  // Interstitial atoms (species with an element): per defect its atom (occupant −1: none),
  // which moves on a direct hop and trades places with a host ion on a kick-out.
  bool track_atoms_ = false;
  bool kickout_ = false;  // some species can kick out: 3·hop_stride_ hop slots
  std::vector<HostIon> defect_atom_;
  std::vector<char> species_kicks_;  // per species: has a kick-out
  std::vector<std::string> occupant_names_;
  std::vector<char> basis_tracked_;  // per basis site: ions tracked (empty: none)
  // Started from a state: its occupants of the untracked sites (index into state_names_).
  std::vector<std::int8_t> state_occupant_;
  std::vector<std::string> state_names_;
  std::vector<std::uint64_t> occupant_jumps_;
  std::vector<double> occupant_jump2_;

  // Observers.
  double time_s_ = 0;
  std::uint64_t hops_ = 0;
  std::vector<std::uint64_t> species_hops_;
  std::vector<double> species_jump2_;
  std::vector<std::vector<double>> block_msd_;              // group × block
  std::vector<std::vector<lattice::Vec3>> block_disp_;      // group × block
  std::vector<std::vector<lattice::Vec3>> block_msd_axes_;  // group × block
  std::vector<double> block_time_;
  std::vector<lattice::Vec3> block_origin_;  // defect displacement at block start
  double block_start_time_s_ = 0;
  std::vector<std::uint32_t> occupancy_count_;  // species × basis
  std::vector<double> occupancy_time_;          // species × basis
  std::vector<std::uint32_t> site_plane_;       // plane index along a3 (z profile)
  std::vector<double> plane_z_angstrom_;
  std::vector<std::uint32_t> plane_count_;  // group × plane
  std::vector<double> plane_time_;          // group × plane
  std::vector<std::uint32_t> state_count_;  // group × species: defects in that state
  std::vector<double> state_time_;          // group × species
  std::vector<std::uint64_t> group_transitions_;
  std::unique_ptr<InterfaceCrossings> crossings_;  // when interfaces are tracked
  lattice::Vec3 stacking_normal_ = lattice::Vec3::UnitZ();
  void setup_interfaces(const std::vector<double>& interfaces_z_fraction);
};

}  // namespace ionhop::kmc
