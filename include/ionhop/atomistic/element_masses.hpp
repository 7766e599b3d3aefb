// Standard atomic weights of the elements H–Bi (Z = 1–83): the masses of molecular dynamics.
#pragma once

#include <string>

namespace ionhop::atomistic {

// Standard atomic weight of a chemical element (amu = g/mol), by its symbol ("H", "Pb", case
// as in the periodic table). Values: IUPAC 2013 (J. Meija et al., Pure Appl. Chem. 88, 265
// (2016)), the conventional value where the standard weight is an interval (H 1.008, C 12.011,
// Cl 35.45, Br 79.904, ...); Tc and Pm, which have no stable isotope, get the mass number of
// their longest-lived isotope (98, 145). Throws InputError (no file) "no atomic mass for element
// 'Xx'" for any other symbol (elements beyond Bi, pseudo-species such as "A" or "X").
double atomic_mass_amu(const std::string& element);

// Atomic number Z of an element H–Bi by its symbol (the same table). Throws InputError (no
// file) "no atomic number for element 'Xx'" for any other symbol.
int atomic_number(const std::string& element);

}  // namespace ionhop::atomistic
