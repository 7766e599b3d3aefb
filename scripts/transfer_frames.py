#!/usr/bin/env python3
"""Carry extxyz frames of one perovskite over to another: scale cell and positions by the
ratio of the lattice constants and substitute elements (e.g. CsPbI3 I_i^- states -> CsPbBr3
Br_i^- starting points for DFT labels). The output keeps species, positions and, where the
source has it, the frozen-host mask (`fixed`) — no energies or forces: they belong to the
old compound — plus the frame's charge, so that `ionhop dft-label` can label it and
`ionhop neb` can use it as an endpoint file. Standard library only.

Usage:
  scripts/transfer_frames.py IN.extxyz --scale 0.9412 --replace I=Br [--frames 0,2,5] \
      [--charge Q] --note "why" --out OUT.extxyz
"""
import argparse
import re
import sys


def fail(message):
    sys.stderr.write(f"transfer_frames: {message}\n")
    sys.exit(2)


def read_frames(path):
    try:
        with open(path) as handle:
            lines = handle.read().splitlines()
    except OSError as error:
        fail(f"{path}: cannot read ({error.strerror})")
    frames, i = [], 0
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        try:
            count = int(lines[i])
        except ValueError:
            fail(f"{path}: line {i + 1}: expected an atom count, got '{lines[i][:40]}'")
        if i + 2 + count > len(lines):
            fail(f"{path}: frame {len(frames)}: file ends inside the frame")
        frames.append((lines[i + 1], lines[i + 2 : i + 2 + count]))
        i += 2 + count
    return frames


def properties_column(header, name, path, k):
    """Column index of property `name` in an extxyz Properties= spec, or None."""
    spec = re.search(r"Properties=(\S+)", header)
    if not spec:
        return None
    items = spec.group(1).split(":")
    if len(items) % 3:
        fail(f"{path}: frame {k}: Properties= is not NAME:TYPE:COUNT triples")
    column = 0
    for i in range(0, len(items), 3):
        if items[i] == name:
            return column
        column += int(items[i + 2])
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input")
    parser.add_argument("--scale", type=float, required=True,
                        help="factor for the cell and all positions (a_new / a_old)")
    parser.add_argument("--replace", action="append", default=[],
                        help="OLD=NEW element substitution (repeatable)")
    parser.add_argument("--frames", default="",
                        help="comma-separated frame indices (default: all)")
    parser.add_argument("--charge", type=int, default=None,
                        help="cell charge of the new frames (default: the source frame's)")
    parser.add_argument("--note", default="", help="text for the frames' transfer_source")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    if not 0.5 < args.scale < 2.0:
        fail(f"--scale: {args.scale} is not a ratio of two lattice constants (0.5-2)")
    replace = {}
    for item in args.replace:
        if item.count("=") != 1 or not all(item.split("=")):
            fail(f"--replace: '{item}' is not OLD=NEW")
        old, new = item.split("=")
        replace[old] = new

    frames = read_frames(args.input)
    wanted = range(len(frames))
    if args.frames:
        try:
            wanted = [int(x) for x in args.frames.split(",")]
        except ValueError:
            fail(f"--frames: '{args.frames}' is not a comma-separated list of integers")
        for k in wanted:
            if not 0 <= k < len(frames):
                fail(f"--frames: {args.input} has {len(frames)} frames, no frame {k}")

    out = []
    for k in wanted:
        header, atoms = frames[k]
        lattice = re.search(r'Lattice="([^"]+)"', header)
        if not lattice:
            fail(f"{args.input}: frame {k}: no Lattice=\"...\" in the comment line")
        cell = [float(x) * args.scale for x in lattice.group(1).split()]
        charge = args.charge
        if charge is None:
            source = re.search(r"(?:^|\s)charge=([-+]?\d+)", header)
            charge = int(source.group(1)) if source else None
        fixed_column = properties_column(header, "fixed", args.input, k)
        properties = "species:S:1:pos:R:3" + (":fixed:L:1" if fixed_column is not None else "")
        fields = [f'Lattice="{" ".join(f"{x:.10g}" for x in cell)}"',
                  f"Properties={properties}", 'pbc="T T T"']
        if charge is not None:
            fields.append(f"charge={charge}")
        note = f"{args.input} frame {k} scaled by {args.scale}"
        if replace:
            note += " with " + ",".join(f"{o}->{n}" for o, n in replace.items())
        if args.charge is not None:
            note += f", cell charge {args.charge}"
        if args.note:
            note += "; " + args.note
        fields.append(f'transfer_source="{note}"')
        out.append(str(len(atoms)))
        out.append(" ".join(fields))
        for n, line in enumerate(atoms):
            parts = line.split()
            if len(parts) < 4:
                fail(f"{args.input}: frame {k}, atom {n}: expected species and 3 coordinates")
            species = replace.get(parts[0], parts[0])
            try:
                xyz = [float(x) * args.scale for x in parts[1:4]]
            except ValueError:
                fail(f"{args.input}: frame {k}, atom {n}: coordinates are not numbers")
            line_out = f"{species} {xyz[0]:.8f} {xyz[1]:.8f} {xyz[2]:.8f}"
            if fixed_column is not None:
                if fixed_column >= len(parts) or parts[fixed_column] not in ("T", "F"):
                    fail(f"{args.input}: frame {k}, atom {n}: fixed is not T or F")
                line_out += " " + parts[fixed_column]
            out.append(line_out)
    with open(args.out, "w") as handle:
        handle.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
