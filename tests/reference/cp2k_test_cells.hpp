// Test cells for the CP2K reference tests: cubic CsPbI3 supercells (Cs at the origin, Pb at
// the body centre, I on the face centres of each 6.29 Å cube), optionally rattled, and a
// reader of the &CELL/&COORD sections of a CP2K input (to check round trips).
#pragma once

#include <sstream>
#include <string>

#include "ionhop/atomistic/rattle.hpp"
#include "ionhop/atomistic/structure.hpp"

namespace ionhop::test {

// n×n×n cubic CsPbI3 (5n³ atoms, order Cs, Pb, I, I, I per cube), each atom displaced by a
// Gaussian of σ = rattle_angstrom per component (rattle_endpoints' stream `seed`).
inline atomistic::Structure cspbi3_supercell(int n, double a_angstrom, double rattle_angstrom,
                                             std::uint64_t seed) {
  atomistic::Structure s;
  s.cell_angstrom = Eigen::Matrix3d::Identity() * (n * a_angstrom);
  const double h = 0.5 * a_angstrom;
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      for (int k = 0; k < n; ++k) {
        const atomistic::Vec3 o(i * a_angstrom, j * a_angstrom, k * a_angstrom);
        s.append("Cs", o);
        s.append("Pb", o + atomistic::Vec3(h, h, h));
        s.append("I", o + atomistic::Vec3(h, h, 0));
        s.append("I", o + atomistic::Vec3(h, 0, h));
        s.append("I", o + atomistic::Vec3(0, h, h));
      }
    }
  }
  atomistic::Structure copy = s;
  atomistic::rattle_endpoints(s, copy, rattle_angstrom, seed);
  return s;
}

// Cell rows and atoms of a CP2K input as written by reference::write_cp2k_input ("A
// [angstrom] x y z" rows; "El x y z" lines between "UNIT"/"SCALED" and "&END COORD").
inline atomistic::Structure structure_from_cp2k_input(const std::string& input) {
  atomistic::Structure s;
  std::istringstream in(input);
  std::string line;
  bool in_coord = false;
  while (std::getline(in, line)) {
    std::istringstream t(line);
    std::string first;
    t >> first;
    if (first == "&COORD") {
      in_coord = true;
    } else if (first == "&END" && in_coord) {
      in_coord = false;
    } else if (in_coord && first != "UNIT" && first != "SCALED") {
      atomistic::Vec3 p;
      t >> p.x() >> p.y() >> p.z();
      s.append(first, p);
    } else if (!in_coord && (first == "A" || first == "B" || first == "C")) {
      std::string unit;
      t >> unit;
      const int row = first[0] - 'A';
      t >> s.cell_angstrom(row, 0) >> s.cell_angstrom(row, 1) >> s.cell_angstrom(row, 2);
    } else if (first == "CHARGE") {
      t >> s.charge_e;
    }
  }
  return s;
}

}  // namespace ionhop::test
