// Extended-XYZ (ASE/OVITO convention) read and write of atomistic structures, with the
// energy and forces of each frame: the exchange format of the offline barrier stage.
#pragma once

#include <Eigen/Core>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "ionhop/atomistic/structure.hpp"

namespace ionhop::io {

struct ExtxyzFrame {
  atomistic::Structure structure;  // cell, elements, positions, fixed, charge, info
  std::optional<double> energy_ev;
  std::optional<Eigen::Matrix3Xd> forces_ev_per_angstrom;  // column per atom
};

// Reads every frame of an extended-XYZ file. Per frame: line 1 the atom count; line 2
// key=value pairs (any order, values bare or in "…", '…' or {…}) with Lattice required,
// Properties (default species:S:1:pos:R:3), pbc (must be all true), energy, charge (an
// integer); other keys go to Structure::info. Columns: species and pos required; forces
// read if present; fixed:L:1, or ASE's move_mask:L:1 / move_mask:L:3 (true = free to
// move), set Structure::fixed; any other column is skipped by its declared width.
// Throws InputError(path, "frame N, line M", problem), N and M counted from 1.
std::vector<ExtxyzFrame> read_extxyz(const std::string& path);
// The same from text; `file` only names the source in errors.
std::vector<ExtxyzFrame> parse_extxyz(const std::string& text, const std::string& file = "");

// Writes one frame: Lattice, Properties=species:S:1:pos:R:3[:forces:R:3][:fixed:L:1]
// (fixed only when an atom is fixed), energy (if set), pbc="T T T", charge, then the info
// entries (quoted when they hold spaces or quotes). Numbers in shortest round-trip form,
// so reading back gives bit-identical doubles. Throws InputError (no file) for an info key
// that is reserved or not a valid extxyz key, or an info value holding a line break.
void write_extxyz_frame(std::ostream& out, const ExtxyzFrame& frame);
std::string format_extxyz(const std::vector<ExtxyzFrame>& frames);
// Writes `frames` to `path` (not atomically: callers that need that write a temporary).
void write_extxyz(const std::string& path, const std::vector<ExtxyzFrame>& frames);

}  // namespace ionhop::io
