// Binary sum tree over non-negative weights: O(log N) update and O(log N) selection of
// leaf i with probability w_i / Σw. Parents are recomputed from their children on every
// update, so rounding never accumulates however many updates are made.
#pragma once

#include <cassert>
#include <cstddef>
#include <vector>

namespace ionhop::kmc {

class SumTree {
 public:
  explicit SumTree(std::size_t leaves) {
    capacity_ = 1;
    while (capacity_ < leaves) capacity_ *= 2;
    node_.assign(2 * capacity_, 0.0);
    leaves_ = leaves;
  }

  std::size_t size() const { return leaves_; }
  double total() const { return node_[1]; }
  double weight(std::size_t leaf) const { return node_[capacity_ + leaf]; }

  void set(std::size_t leaf, double w) {
    assert(leaf < leaves_ && w >= 0.0);
    std::size_t i = capacity_ + leaf;
    node_[i] = w;
    for (i /= 2; i >= 1; i /= 2) node_[i] = node_[2 * i] + node_[2 * i + 1];
  }

  // Leaf whose cumulative interval contains `target` in [0, total()); on return `target`
  // holds the offset inside that leaf's weight. Never returns a zero-weight leaf.
  std::size_t find(double& target) const {
    std::size_t i = 1;
    while (i < capacity_) {
      const double left = node_[2 * i];
      if (target < left || node_[2 * i + 1] <= 0.0) {
        i = 2 * i;
      } else {
        target -= left;
        i = 2 * i + 1;
      }
    }
    // Rounding can leave target slightly above a leaf's weight; clamp inside it.
    if (target >= node_[i]) target = node_[i] * (1.0 - 1e-16);
    return i - capacity_;
  }

 private:
  std::size_t capacity_, leaves_;
  std::vector<double> node_;
};

}  // namespace ionhop::kmc
