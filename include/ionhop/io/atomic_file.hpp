// Writing one file so that readers never see it half-written: a temporary file in the same
// directory, then a rename over the target.
#pragma once

#include <string>

namespace ionhop::io {

// Creates missing parent directories. Throws InputError(path, "", ...) when it cannot write.
void write_file_atomically(const std::string& path, const std::string& content);

}  // namespace ionhop::io
