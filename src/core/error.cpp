#include "ionhop/core/error.hpp"

namespace ionhop {

namespace {
std::string format_input_error(const std::string& file, const std::string& path,
                               const std::string& problem) {
  std::string out;
  if (!file.empty()) out += file + ": ";
  if (!path.empty()) out += path + ": ";
  out += problem;
  return out;
}
}  // namespace

InputError::InputError(std::string file, std::string json_path, std::string problem)
    : std::runtime_error(format_input_error(file, json_path, problem)),
      file_(std::move(file)),
      json_path_(std::move(json_path)),
      problem_(std::move(problem)) {}

}  // namespace ionhop
