#include "start_frame.hpp"

#include <filesystem>

#include "ionhop/core/error.hpp"
#include "ionhop/io/extxyz.hpp"

namespace ionhop::cli {

StartFrame read_start_frame(const std::string& path, long long frame) {
  if (!std::filesystem::exists(path)) throw InputError(path, "", "no such file");
  const auto frames = io::read_extxyz(path);
  if (frames.empty()) throw InputError(path, "", "no frame");
  const std::size_t k = frame < 0 ? frames.size() - 1 : static_cast<std::size_t>(frame);
  if (k >= frames.size())
    throw InputError(path, "",
                     "--frame " + std::to_string(k) + ": the file has " +
                         std::to_string(frames.size()) + " frame(s) (counted from 0)");
  return {frames[k].structure, k};
}

}  // namespace ionhop::cli
