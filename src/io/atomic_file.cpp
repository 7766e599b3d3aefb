// Temporary file + rename (atomic on POSIX within one file system).
#include "ionhop/io/atomic_file.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "ionhop/core/error.hpp"

namespace ionhop::io {

namespace fs = std::filesystem;

void write_file_atomically(const std::string& path, const std::string& content) {
  const fs::path target(path);
  std::error_code ec;
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
  if (ec) throw InputError(path, "", "cannot create directory: " + ec.message());
  const fs::path temp = target.string() + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(temp, std::ios::binary);
    out << content;
    out.close();
    if (!out) {
      fs::remove(temp, ec);
      throw InputError(path, "", "cannot write file");
    }
  }
  fs::rename(temp, target, ec);
  if (ec) {
    fs::remove(temp, ec);
    throw InputError(path, "", "cannot write file: " + ec.message());
  }
}

}  // namespace ionhop::io
