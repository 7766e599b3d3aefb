// Interface crossings along the stacking axis of a (001) heterojunction: for each interface
// plane, how often defects arrive at it and how often they get through (transmission
// probability and crossing rate, issue 3 §4). Kept out of the engine's hot loop: the
// engine calls on_hop only when interfaces are tracked.
#pragma once

#include <cstdint>
#include <vector>

namespace ionhop::kmc {

// Raw counts of one interface for the defects of one species group. An excursion starts
// when a defect enters the interface zone [z_−, z_+] (z_∓: the nearest defect planes
// strictly below/above the interface height) from outside; it ends when the defect leaves
// the zone — through the far plane (transmitted) or back out the side it came from
// (reflected). Arrivals count finished excursions only, so P_T = transmitted / arrivals
// is the first-passage probability of getting through, and unfinished excursions at the
// end of a run are not counted.
struct InterfaceTally {
  double z_angstrom = 0;  // interface height along the stacking normal
  std::uint64_t arrivals_from_below = 0, transmitted_up = 0;
  std::uint64_t arrivals_from_above = 0, transmitted_down = 0;
};

class InterfaceCrossings {
 public:
  // interfaces_z_angstrom: heights of the interfaces in [0, period); planes_z_angstrom:
  // heights of the planes of sites the defects can occupy, in [0, period); heights are
  // measured along the unit normal of the a1–a2 plane. initial_z_angstrom: each defect's
  // starting height; group_of: its species group.
  InterfaceCrossings(const std::vector<double>& interfaces_z_angstrom,
                     std::vector<double> planes_z_angstrom, double period_angstrom,
                     const std::vector<double>& initial_z_angstrom,
                     const std::vector<std::uint32_t>& group_of, std::size_t groups);

  std::size_t interface_count() const { return interfaces_.size(); }
  // A defect hopped by dz along the normal.
  void on_hop(std::size_t defect, double dz_angstrom);
  // Tallies of one species group, one per interface.
  std::vector<InterfaceTally> tallies(std::size_t group) const;

 private:
  struct Interface {
    double z, below, above;  // z_b and the gaps to the nearest planes below / above
  };
  // Zone of periodic image n of interface i: [lo, hi].
  double lo(std::size_t i, std::int64_t n) const {
    return interfaces_[i].z - interfaces_[i].below + static_cast<double>(n) * period_;
  }
  double hi(std::size_t i, std::int64_t n) const {
    return interfaces_[i].z + interfaces_[i].above + static_cast<double>(n) * period_;
  }
  void count(std::size_t defect, std::size_t i, bool from_below, bool transmitted);

  std::vector<Interface> interfaces_;
  double period_;
  std::vector<double> z_;  // unwrapped height per defect
  std::vector<std::uint32_t> group_;
  // Per defect × interface: 0 outside an excursion, +1 entered from below, −1 from above,
  // and the periodic image of the zone it is in.
  std::vector<std::int8_t> state_;
  std::vector<std::int64_t> image_;
  std::vector<InterfaceTally> tallies_;  // group × interface
};

}  // namespace ionhop::kmc
