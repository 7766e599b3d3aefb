// Excursion bookkeeping for interface arrivals and transmissions (see the header).
#include "ionhop/kmc/interface_crossings.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace ionhop::kmc {

namespace {
constexpr double kTolerance = 1e-6;  // Å: heights closer than this are one plane
}

InterfaceCrossings::InterfaceCrossings(const std::vector<double>& interfaces_z_angstrom,
                                       std::vector<double> planes_z_angstrom,
                                       double period_angstrom,
                                       const std::vector<double>& initial_z_angstrom,
                                       const std::vector<std::uint32_t>& group_of,
                                       std::size_t groups)
    : period_(period_angstrom), z_(initial_z_angstrom), group_(group_of) {
  assert(!planes_z_angstrom.empty() && period_ > 0);
  std::sort(planes_z_angstrom.begin(), planes_z_angstrom.end());
  for (double zb : interfaces_z_angstrom) {
    // Nearest planes strictly below and above z_b, looking through the periodic images.
    double below = std::numeric_limits<double>::infinity(), above = below;
    for (double p : planes_z_angstrom)
      for (double image : {p - period_, p, p + period_}) {
        if (image < zb - kTolerance) below = std::min(below, zb - image);
        if (image > zb + kTolerance) above = std::min(above, image - zb);
      }
    interfaces_.push_back({zb, below, above});
  }
  state_.assign(z_.size() * interfaces_.size(), 0);
  image_.assign(z_.size() * interfaces_.size(), 0);
  tallies_.resize(groups * interfaces_.size());
  for (std::size_t g = 0; g < groups; ++g)
    for (std::size_t i = 0; i < interfaces_.size(); ++i)
      tallies_[g * interfaces_.size() + i].z_angstrom = interfaces_[i].z;
}

void InterfaceCrossings::count(std::size_t defect, std::size_t i, bool from_below,
                               bool transmitted) {
  InterfaceTally& t = tallies_[group_[defect] * interfaces_.size() + i];
  if (from_below) {
    ++t.arrivals_from_below;
    t.transmitted_up += transmitted;
  } else {
    ++t.arrivals_from_above;
    t.transmitted_down += transmitted;
  }
}

void InterfaceCrossings::on_hop(std::size_t defect, double dz_angstrom) {
  const double z_old = z_[defect];
  const double z_new = z_old + dz_angstrom;
  z_[defect] = z_new;
  if (std::abs(dz_angstrom) < kTolerance) return;  // in-plane hop: no zone boundary crossed
  for (std::size_t i = 0; i < interfaces_.size(); ++i) {
    const std::size_t k = defect * interfaces_.size() + i;
    if (state_[k] != 0) {
      // Inside an excursion: does this hop leave the zone, and through which side?
      const std::int64_t n = image_[k];
      const bool out_below = z_new < lo(i, n) - kTolerance;
      const bool out_above = z_new > hi(i, n) + kTolerance;
      // Reaching the far plane completes a transmission (z_+ from below, z_− from above).
      const bool through =
          state_[k] > 0 ? z_new >= hi(i, n) - kTolerance : z_new <= lo(i, n) + kTolerance;
      if (through) {
        count(defect, i, state_[k] > 0, true);
        state_[k] = 0;
      } else if (out_below || out_above) {
        count(defect, i, state_[k] > 0, false);
        state_[k] = 0;
      }
      continue;
    }
    // Outside an excursion: zones passed over entirely by a long hop are transmissions;
    // a hop ending inside a zone from outside starts an excursion.
    const double z_min = std::min(z_old, z_new), z_max = std::max(z_old, z_new);
    const bool up = z_new > z_old;
    const double width = interfaces_[i].below + interfaces_[i].above;
    // Images whose zone lies strictly inside (z_min, z_max).
    for (auto n = static_cast<std::int64_t>(
             std::ceil((z_min + kTolerance - lo(i, 0)) / period_ - kTolerance));
         lo(i, n) > z_min + kTolerance && hi(i, n) < z_max - kTolerance; ++n)
      count(defect, i, up, true);
    const auto n = static_cast<std::int64_t>(std::floor((z_new + kTolerance - lo(i, 0)) / period_));
    const double zone_lo = lo(i, n), zone_hi = zone_lo + width;
    if (up && z_old < zone_lo - kTolerance && z_new >= zone_lo - kTolerance &&
        z_new < zone_hi - kTolerance) {
      state_[k] = +1;
      image_[k] = n;
    } else if (up && z_old < zone_lo - kTolerance && z_new >= zone_hi - kTolerance) {
      count(defect, i, true, true);  // from below straight onto the far plane
    } else if (!up && z_old > zone_hi + kTolerance && z_new <= zone_hi + kTolerance &&
               z_new > zone_lo + kTolerance) {
      state_[k] = -1;
      image_[k] = n;
    } else if (!up && z_old > zone_hi + kTolerance && z_new <= zone_lo + kTolerance) {
      count(defect, i, false, true);  // from above straight onto the far plane
    }
  }
}

std::vector<InterfaceTally> InterfaceCrossings::tallies(std::size_t group) const {
  return {tallies_.begin() + static_cast<std::ptrdiff_t>(group * interfaces_.size()),
          tallies_.begin() + static_cast<std::ptrdiff_t>((group + 1) * interfaces_.size())};
}

}  // namespace ionhop::kmc
