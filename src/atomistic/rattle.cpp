// Common random displacement of two NEB endpoints (Box–Muller on the project's streams).
#include "ionhop/atomistic/rattle.hpp"

#include <cassert>

#include "ionhop/core/random_stream.hpp"

namespace ionhop::atomistic {

void rattle_endpoints(Structure& initial, Structure& final_structure, double amplitude_angstrom,
                      std::uint64_t seed) {
  assert(initial.size() == final_structure.size());
  if (!(amplitude_angstrom > 0)) return;
  core::RandomStream rng(seed, 0x7a771e);
  for (std::size_t k = 0; k < initial.size(); ++k) {
    for (int a = 0; a < 3; ++a) {
      const double g = rng.standard_normal();
      if (initial.is_fixed(k)) continue;
      const double d = amplitude_angstrom * g;
      initial.positions_angstrom(a, static_cast<Eigen::Index>(k)) += d;
      final_structure.positions_angstrom(a, static_cast<Eigen::Index>(k)) += d;
    }
  }
}

}  // namespace ionhop::atomistic
