// The starting structure of `md` and `relax`: one frame of an extxyz file, chosen with
// --frame (counted from 0; the last when not given).
#pragma once

#include <string>

#include "ionhop/atomistic/structure.hpp"

namespace ionhop::cli {

struct StartFrame {
  atomistic::Structure structure;
  std::size_t index = 0;  // of the frame in the file, counted from 0
};

// frame < 0: the last frame. Throws InputError(path, "", ...) for a missing file, a file
// without frames or a frame out of range (and read_extxyz's errors).
StartFrame read_start_frame(const std::string& path, long long frame);

}  // namespace ionhop::cli
