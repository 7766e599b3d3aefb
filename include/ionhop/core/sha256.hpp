// SHA-256 (FIPS 180-4) of a byte string, as lowercase hex: input-file hashes in provenance.
#pragma once

#include <string>
#include <string_view>

namespace ionhop::core {
std::string sha256_hex(std::string_view data);
}
