// `ionhop select-uncertain MODEL FILE... --out OUT.extxyz`: batch active learning over many
// structures the model produced (the band paths of a campaign, paths/*.extxyz; MD frames):
// the frames whose max-atom force uncertainty exceeds the threshold, most uncertain first,
// at most --per-file from one file (a band's images are correlated) and --max in all,
// written for `ionhop dft-label`. Refit with the labels and run the campaign again until
// nothing is selected.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "commands.hpp"
#include "dft_labelling.hpp"
#include "ionhop/core/error.hpp"
#include "ionhop/io/atomic_file.hpp"
#include "ionhop/io/extxyz.hpp"
#include "ionhop/io/mlff_model_file.hpp"
#include "ionhop/mlff/domain_check.hpp"

namespace ionhop::cli {

namespace {
struct SelectUncertainArgs {
  std::string model, out;
  std::vector<std::string> files;
  double threshold = mlff::kDefaultUncertaintyWarningEvPerAngstrom;
  std::size_t per_file = 1, max_total = 0;
};
}  // namespace

Action add_select_uncertain_command(CLI::App& app) {
  auto a = std::make_shared<SelectUncertainArgs>();
  auto* sub = app.add_subcommand(
      "select-uncertain",
      "Frames where an MLFF is uncertain (e.g. a campaign's band images) -> extxyz for dft-label");
  sub->add_option("model", a->model, "model file (schema ionhop.mlff/1)")->required();
  sub->add_option("files", a->files, "extxyz files of candidate structures")->required();
  sub->add_option("--out", a->out, "extxyz of the selected frames (not written if none)")
      ->required();
  sub->add_option("--threshold-ev-per-angstrom", a->threshold,
                  "select frames whose max-atom force uncertainty exceeds this (default 0.25, "
                  "the active-learn threshold)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--per-file", a->per_file,
                  "at most this many frames from one file (default 1: one image per band)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--max", a->max_total, "at most this many frames in all (default: no limit)")
      ->check(non_negative_integer());
  sub->footer(
      "Each selected frame keeps its info and gains selected_from=\"FILE:FRAME\" (frame from 0)\n"
      "and max_force_uncertainty_ev_per_angstrom=. Exit status 0 (also when nothing is above\n"
      "the threshold: then no file is written); 2: bad input.\n"
      "Example (batch learning over a campaign's bands):\n"
      "  ionhop select-uncertain model.json campaign/paths/*.extxyz --max 8 --out next.extxyz\n"
      "  ionhop dft-label next.extxyz --out next_dft.extxyz");
  return [a]() {
    const mlff::LinearModel model = io::load_mlff_model(a->model);
    if (!model.has_uncertainty())
      throw InputError(a->model, "", "the model has no posterior (no uncertainty to select by)");
    std::vector<atomistic::Structure> candidates;  // energies and forces are not carried on
    std::vector<std::size_t> group, frame_in_file;
    std::vector<double> sigma;
    for (std::size_t f = 0; f < a->files.size(); ++f) {
      const std::string& file = a->files[f];
      if (!std::filesystem::exists(file)) throw InputError(file, "", "no such file");
      auto frames = io::read_extxyz(file);
      for (std::size_t k = 0; k < frames.size(); ++k) {
        try {
          sigma.push_back(mlff::max_force_uncertainty_ev_per_angstrom(model, frames[k].structure));
        } catch (const InputError& e) {
          throw InputError(file, "", "frame " + std::to_string(k) + ": " + e.problem());
        }
        group.push_back(f);
        frame_in_file.push_back(k);
        candidates.push_back(std::move(frames[k].structure));
      }
    }
    const auto chosen =
        mlff::select_uncertain(sigma, group, a->threshold, a->per_file, a->max_total);
    std::size_t above = 0;
    for (double s : sigma) above += s > a->threshold;
    std::printf("%zu frames in %zu files; %zu above %.3f eV/A; selected %zu\n", sigma.size(),
                a->files.size(), above, a->threshold, chosen.size());
    if (chosen.empty()) {
      std::printf("nothing selected: every frame is inside the training domain; %s not written\n",
                  a->out.c_str());
      return 0;
    }
    std::vector<io::ExtxyzFrame> selected;
    for (const std::size_t k : chosen) {
      io::ExtxyzFrame clean;  // only the structure: dft-label computes energy and forces
      clean.structure = std::move(candidates[k]);
      clean.structure.info["selected_from"] =
          a->files[group[k]] + ":" + std::to_string(frame_in_file[k]);
      clean.structure.info["max_force_uncertainty_ev_per_angstrom"] = shortest_number(sigma[k]);
      std::printf("  %-60s frame %3zu  sigma_F %.3f eV/A\n", a->files[group[k]].c_str(),
                  frame_in_file[k], sigma[k]);
      selected.push_back(std::move(clean));
    }
    io::write_file_atomically(a->out, io::format_extxyz(selected));
    std::printf("wrote %zu frame(s) to %s\n", selected.size(), a->out.c_str());
    return 0;
  };
}

}  // namespace ionhop::cli
