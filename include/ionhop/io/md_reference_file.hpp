// MD Arrhenius reference tables (schema "ionhop.md_arrhenius/1"), e.g.
// examples/reference/cspbi3_md_arrhenius_table1.json (Table 1 of Tyagi et al.).
#pragma once

#include <string>

#include "ionhop/analysis/md_comparison.hpp"

namespace ionhop::io {
analysis::MdReference load_md_reference(const std::string& path);
}
