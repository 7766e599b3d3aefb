// Symmetry-equivalent NEB endpoints. A hop between two equivalent sites of a crystal is
// mapped onto its own reverse by the mirror plane perpendicular to the hop through its
// midpoint (for X–X hops in cubic ABX3 that plane is a lattice mirror). Relaxing only the
// initial endpoint and taking the final one as its mirror image makes both endpoints the
// SAME minimum, up to symmetry: in a soft, tilting lattice two independently relaxed
// endpoints otherwise fall into different octahedral-tilt patterns, and the band then
// measures a tilt rearrangement, not the hop (docs/mlff.md).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "ionhop/atomistic/structure.hpp"

namespace ionhop::atomistic {

// x ↦ R (x − o) + o followed by a renumbering of the atoms.
struct HopMirror {
  Eigen::Matrix3d reflection = Eigen::Matrix3d::Identity();  // R = I − 2 n nᵀ
  Vec3 origin_angstrom = Vec3::Zero();                       // a point on the plane
  // Atom k of the image is atom source_atom[k] of the original, mirrored.
  std::vector<std::size_t> source_atom;
  std::size_t moving_atom = 0;  // the hopping atom (maps onto itself)
  // Atoms whose ideal positions differ between the endpoints: 1 for a vacancy hop, 3 for a
  // split interstitial (the extra atom and the two hosts, which the mirror swaps).
  std::size_t moved_atoms = 1;

  // The mirror image of `s` (positions of atom k near those of atom k of the ideal final
  // endpoint it was derived from; not wrapped).
  Structure apply(const Structure& s) const;

  // `displaced` moved back towards mirror symmetry: with u = displaced − ideal (per atom,
  // minimum image), returns ideal + ½ (u_k + R u_source(k)), a displacement field the
  // mirror maps onto itself. A symmetry-breaking rattle symmetrised this way starts the
  // relaxation in a tilt pattern the mirror preserves, so the mirrored final endpoint has
  // the SAME tilts and the band measures the hop, not a tilt-domain switch (docs/mlff.md).
  Structure symmetrize_displacements(const Structure& displaced, const Structure& ideal) const;

  // A state on the mirror plane that is its own mirror image (e.g. the face state midway
  // between two split-interstitial sites) has apply(s) = s atom by atom, in the numbering of
  // the initial endpoint. asymmetry_angstrom is the largest minimum-image distance between
  // atom k of s and atom k of apply(s) (0 for such a state); symmetrize returns the nearest
  // such state, x_k + ½ mic(apply(s)_k − x_k), which apply maps onto itself because the
  // mirror is an involution (source_atom is its own inverse).
  double asymmetry_angstrom(const Structure& s) const;
  Structure symmetrize(const Structure& s) const;

  // `s` with only the hopping atom reflected through the plane: from a relaxed initial
  // endpoint, the start of a final endpoint in the SAME host (same tilt pattern). Only for
  // one-atom hops (moved_atoms == 1): InputError otherwise.
  Structure reflect_moving_atom(const Structure& s) const;
  // InputError unless the hop moves one atom (what shared-host endpoints need).
  void require_one_atom_hop() const;
};

// How the two endpoints of a hop are made. In a lattice that tilts (cubic CsPbI3 is
// dynamically unstable to octahedral tilts), relaxed endpoints can fall into different tilt
// patterns, and a band between them measures a tilt rearrangement as well as the hop.
enum class EndpointMode {
  kIndependent,  // both relaxed from the same rattle (ionhop neb; may differ in tilts)
  kMirror,       // final = mirror image of the relaxed initial: equal energies, but the
                 // mirrored host may carry the mirrored tilt pattern (a domain switch)
  kSharedHost,   // final = relaxed initial with only the hopping ion reflected, then
                 // relaxed: both endpoints in one host tilt pattern (the hop in a frozen,
                 // tilted lattice; forward and backward barriers may differ)
};
// "independent", "mirror", "shared_host"; InputError (no file) for anything else.
EndpointMode parse_endpoint_mode(const std::string& text);
std::string endpoint_mode_name(EndpointMode mode);

// Finds the mirror that maps the ideal initial endpoint onto the ideal final one: the moving
// atom is the one displaced farthest between the endpoints (the only one in a vacancy hop;
// the extra atom of a split-interstitial hop, whose hosts shift by δ), the plane is
// perpendicular to its displacement through its midpoint, the cell must map onto itself,
// every mirrored atom must land within tolerance_angstrom of an atom of the same element
// (one-to-one) in the final endpoint, and the moving atom on itself. Throws InputError
// naming the first failure otherwise (strained cells, mixed environments that break the
// symmetry, hops whose several moving atoms are not mirror images).
HopMirror find_hop_mirror(const Structure& ideal_initial, const Structure& ideal_final,
                          double tolerance_angstrom = 0.05);

}  // namespace ionhop::atomistic
