// CP2K labels as extxyz frames, shared by `ionhop dft-label` and `ionhop active-learn`: the
// same info keys (stress, dft, settings hash, attempts, wall time) wherever a label is made.
#pragma once

#include <memory>
#include <string>

#include "ionhop/atomistic/structure.hpp"
#include "ionhop/io/active_learning_file.hpp"
#include "ionhop/io/extxyz.hpp"
#include "ionhop/io/potential_file.hpp"
#include "ionhop/mlff/on_the_fly.hpp"
#include "ionhop/reference/cp2k_input.hpp"
#include "ionhop/reference/cp2k_runner.hpp"

namespace ionhop::cli {

inline constexpr const char* kDftLabel = "PBE-D3(BJ)/DZVP-MOLOPT-SR-GTH";

// Shortest decimal text that reads back to exactly x.
std::string shortest_number(double x);

// Info keys that label a frame's energy (DFT or another potential): dropped from frames whose
// energy and forces come from ionhop's own potential (md, relax).
bool is_reference_label_key(const std::string& key);

// SHA-256 (first 16 hex digits) of the DFT settings that determine the numbers: method,
// grids, SCF, mixing, smearing, dispersion, kinds. Data-file locations are left out (they
// differ between machines, not the physics).
std::string cp2k_settings_hash(const reference::Cp2kSettings& settings);

// `structure` with the converged result `r`: energy, forces, and info stress (9 numbers,
// eV/Å³, ionhop's sign), dft, cp2k_settings_sha256 (of `dft`, the first attempt's settings),
// cp2k_attempts, cp2k_wall_s, cp2k_smearing_k when the accepted attempt was smeared, and
// dft_abs_spin_density (∫|ρ↑ − ρ↓|, 4 decimals) when CP2K printed one (UKS).
io::ExtxyzFrame cp2k_labelled_frame(const atomistic::Structure& structure,
                                    const reference::Cp2kResult& r,
                                    const reference::Cp2kSettings& dft, double wall_s);

// The reference calculator of `active-learn` and `learn-neb`: CP2K (work directories
// out_dir/reference/label-k) or a classical potential (tests and demonstrations of the loops
// without DFT). Checks now that `sample` can be labelled (elements with a basis, or known to
// the potential) and throws InputError against `sample_file` otherwise.
class ReferenceLabeller {
 public:
  ReferenceLabeller(const io::LearningReference& reference, const std::string& out_dir,
                    const atomistic::Structure& sample, const std::string& sample_file);
  mlff::ReferenceLabel operator()(const atomistic::Structure& s, std::size_t index) const;

 private:
  io::LearningReference reference_;
  std::string out_dir_;
  reference::Cp2kSettings dft_;
  std::shared_ptr<io::LoadedPotential> potential_;
};

}  // namespace ionhop::cli
