// Errors: InputError is a user's bad input (file + JSON path + problem); the CLI prints its
// one-line message and exits 2. Internal invariant failures are bugs and use assert.
#pragma once

#include <stdexcept>
#include <string>

namespace ionhop {

class InputError : public std::runtime_error {
 public:
  // file: the input file ("" when not from a file); json_path: RFC 6901 pointer such as
  // "/species/2/hops/0/barrier_ev" ("" for the whole file); problem: what is wrong.
  InputError(std::string file, std::string json_path, std::string problem);

  const std::string& file() const { return file_; }
  const std::string& json_path() const { return json_path_; }
  const std::string& problem() const { return problem_; }

 private:
  std::string file_, json_path_, problem_;
};

}  // namespace ionhop
