// Subspace (block) form of the a posteriori bounds: the sin Θ theorem of
// Davis and Kahan, with the stand-ins that docs/theory.md states.
#include <cmath>
#include <limits>

#include "covdefl/bounds.hpp"
#include "tracker/format.hpp"

namespace covdefl {

namespace {

constexpr double infinity = std::numeric_limits<double>::infinity();

using tracker_text::format;

Bound subspace_bound(double residual, double gap, const std::string& label)
{
    if (!(gap > 0.0)) {
        return Bound::vacuous(label.empty() ? "gap estimate " + format(gap) +
                                                  " is not positive"
                                            : label);
    }
    const double s = residual / gap;
    if (!(s < 1.0)) {
        // A split cluster explains a gap at the rounding level better.
        return Bound::vacuous(
            label.empty() ? "block residual " + format(residual) +
                                " is not smaller than the gap " + format(gap)
                          : label);
    }
    return Bound::of(s);
}

double lower(const ComponentSummary& s)
{
    return s.original_rayleigh_quotient - s.original_residual_norm;
}

double upper(const ComponentSummary& s)
{
    return s.original_rayleigh_quotient + s.original_residual_norm;
}

// Text for two adjacent components (0-based i and i + 1) whose eigenvalue
// intervals overlap.
std::string split_label(int i, double lower_i, double upper_next)
{
    return "components " + std::to_string(i + 1) + " and " +
           std::to_string(i + 2) + " are not separated (lower estimate of λ" +
           std::to_string(i + 1) + " " + format(lower_i) +
           " <= upper estimate of λ" + std::to_string(i + 2) + " " +
           format(upper_next) +
           "): an eigenvalue cluster is split at this block boundary, so "
           "the subspace bound is vacuous; a block width that keeps the "
           "cluster in one block gives a bound";
}

}  // namespace

std::vector<BlockBounds>
evaluate_block_bounds(const std::vector<BlockSummary>& blocks,
                      const std::vector<ComponentSummary>& components,
                      const std::optional<ComponentSummary>& probe,
                      int dimension)
{
    const int k_max = static_cast<int>(components.size());
    const double rounding_factor = 16.0 *
                                   std::sqrt(static_cast<double>(dimension)) *
                                   std::numeric_limits<double>::epsilon();
    std::vector<BlockBounds> result;
    for (const BlockSummary& summary : blocks) {
        BlockBounds b;
        b.block = summary.block;
        b.first = summary.first;
        b.width = summary.width;
        const int last = summary.first + summary.width - 1;
        if (summary.width < 1 || last >= k_max) {
            continue;
        }

        // The eigenvalue estimates next to the block, as for one component.
        bool next_known = true;
        double next_upper = 0.0;
        if (last + 1 < k_max) {
            next_upper = upper(components[last + 1]);
        } else if (probe) {
            next_upper = upper(*probe);
        } else if (k_max != dimension) {
            next_known = false;
        }
        const double previous_lower =
            summary.first > 0 ? lower(components[summary.first - 1]) : infinity;

        double deflated_sum = 0.0;
        for (int k = 0; k <= last; ++k) {
            deflated_sum += std::abs(components[k].eigenvalue);
        }
        // Rounding of each of the `width` residual columns, as in the
        // single-vector bounds, summed in the Frobenius norm.
        const double rounding = rounding_factor * deflated_sum *
                                std::sqrt(static_cast<double>(summary.width));

        if (next_known && !(lower(components[last]) > next_upper)) {
            b.split_below =
                split_label(last, lower(components[last]), next_upper);
        }
        if (summary.first > 0 &&
            !(previous_lower > upper(components[summary.first]))) {
            b.split_above = split_label(summary.first - 1, previous_lower,
                                        upper(components[summary.first]));
        }

        if (!next_known) {
            const std::string why = "no estimate of the next eigenvalue "
                                    "(component K + 1 was not computed)";
            b.deflated = Bound::vacuous(why);
            b.direct = Bound::vacuous(why);
            result.push_back(b);
            continue;
        }
        // NOTE: the deflated bound takes the earlier blocks' directions,
        // whose eigenvalues in Σb are near 0, to lie below λl+1's estimate.
        // That fails when λl+1 is itself at the rounding level.
        b.deflated_gap = summary.deflated_min - next_upper;
        b.original_gap = std::min(summary.original_min - next_upper,
                                  previous_lower - summary.original_max);
        b.deflated = subspace_bound(summary.deflated_residual + rounding,
                                    b.deflated_gap, b.split_below);
        std::string label = b.split_below;
        if (label.empty() && !(previous_lower - summary.original_max > 0.0)) {
            label = b.split_above;
        }
        b.direct = subspace_bound(summary.original_residual + rounding,
                                  b.original_gap, label);
        result.push_back(b);
    }
    return result;
}

}  // namespace covdefl
