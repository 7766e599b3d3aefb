// Runs a sweep: every (point, replica) is an independent task on the TBB pool, with its
// own counter-based random stream; results are gathered in grid order, so they do not
// depend on the number of threads. Then per-point estimates, Arrhenius fits and the MD
// comparison are computed.
#pragma once

#include <functional>

#include "ionhop/kmc/engine.hpp"
#include "ionhop/lattice/site_graph.hpp"
#include "ionhop/sweep/sweep_result.hpp"

namespace ionhop::sweep {

struct SweepOptions {
  std::size_t threads = 0;  // 0: all cores
  // Called after each finished task with (done, total); may be called from any thread,
  // never concurrently.
  std::function<void(std::size_t, std::size_t)> progress;
  // Called with (point index in grid order, replica, the finished engine) after each run,
  // e.g. to save its final lattice state; may run concurrently on several threads for
  // different (point, replica).
  std::function<void(std::size_t, std::size_t, const kmc::Engine&)> replica_finished;
};

SweepResult run_sweep(const SweepConfig& config, const SweepOptions& options = {});

// Estimates of one point from its replicas' runs (exposed for `ionhop run` and tests).
struct ReplicaRun;
PointResult summarize_point(const SweepConfig& config, const lattice::SiteGraph& graph,
                            const SweepPoint& point, const std::vector<ReplicaRun>& runs);

// Arrhenius fits and MD comparison from finished points.
void fit_and_compare(const SweepConfig& config, SweepResult& result);

}  // namespace ionhop::sweep
