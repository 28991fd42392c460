// Error bounds for the components of an inexact Hotelling's deflation,
// evaluated from measured quantities. No MPI: rank 0 computes them from
// the component summaries.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "covdefl/events.hpp"

namespace covdefl {

// A bound that is either a number or vacuous, with the reason it is
// vacuous (a gap estimate that is not positive, a residual larger than
// its gap, a hypothesis of the theorem that fails).
struct Bound {
    double value = 0.0;
    bool valid = false;
    std::string reason;  // why it is vacuous; empty when valid

    static Bound of(double v) { return Bound{v, true, {}}; }
    static Bound vacuous(std::string reason)
    {
        return Bound{0.0, false, std::move(reason)};
    }
};

// Everything the tracker derives for component k (1-based in the report).
// All λ and T values are estimates built from measured Rayleigh quotients
// and residuals, never the true spectrum.
struct ComponentBounds {
    // λk lies in [θ'k − r'k, θ'k + r'k] (Krylov–Weinstein, if that
    // eigenvalue is the k-th); these are the stand-ins for λk.
    double eigenvalue_lower = 0.0;
    double eigenvalue_upper = 0.0;
    // Lower estimate of Tk = λk − λk+1: (θ'k − r'k) − (θ'k+1 + r'k+1).
    double gap_lower = 0.0;
    // Distance estimates used by the a posteriori bounds: from θk to the
    // rest of Âk's spectrum, and from θ'k to the rest of Σ's spectrum.
    double deflated_gap = 0.0;
    double original_gap = 0.0;
    // Residual reduction per iteration over the last iterations, and its
    // stand-in λk+1/λk.
    double convergence_ratio = 0.0;
    double ratio_estimate = 0.0;
    // Amplification of earlier errors at step k: 3 + 2λk/Tk.
    double amplification = 0.0;
    // 1/|x0ᵀûk| estimated from the start vector and the result.
    double c0_estimate = 0.0;

    Bound subroutine_error;  // ‖δk‖ = ‖vk − ûk‖ ≤ chord(rk / γk)
    Bound direct;            // ‖vk − uk‖ ≤ chord(r'k / γ'k)
    Bound eigenvalue_error;  // |θk − λk| ≤ r'k²/γ'k + |θk − θ'k|
    Bound agnostic;          // propagated, sub-routine agnostic
    Bound power;             // propagated, power iteration
    double agnostic_formula = 0.0;  // its formula's value, hypotheses aside
    double power_formula = 0.0;
    // Iteration counts the power-iteration theorem requires (constants
    // taken as 1), beside the iterations the run made.
    double required_iterations = 0.0;
};

// Subspace bounds of one block of the block or parallel method
// (docs/theory.md): the sin Θ theorem of Davis and Kahan for the span Q of
// the block's vectors, ‖sin Θ(Q, U)‖_F ≤ (‖R‖_F + rounding) / δ, with
// R = ΣQ − QH, H = QᵀΣQ and δ the distance from H's eigenvalues to the
// rest of the spectrum. It holds when single vectors are not determined
// (a repeated eigenvalue inside the block).
struct BlockBounds {
    int block = 0;  // 0-based
    int first = 0;  // 0-based index of the first component
    int width = 0;
    // δ against the matrix deflated by the earlier blocks (the eigenvalues
    // below the block only) and against Σ (both sides).
    double deflated_gap = 0.0;
    double original_gap = 0.0;
    Bound deflated;  // ‖sin Θ(Q, Ub)‖_F, Ub: top eigenvectors of Σb
    Bound direct;    // ‖sin Θ(Q, U)‖_F, U: eigenvectors first..last of Σ
    // Set when the eigenvalue estimates of the block's last component and
    // the next one (or of its first and the previous one) overlap: an
    // eigenvalue cluster is split at this block boundary.
    std::string split_below;
    std::string split_above;
};

// Evaluates the subspace bounds of every block from the block summaries,
// the K component summaries in order and the probe (as evaluate_bounds).
std::vector<BlockBounds>
evaluate_block_bounds(const std::vector<BlockSummary>& blocks,
                      const std::vector<ComponentSummary>& components,
                      const std::optional<ComponentSummary>& probe,
                      int dimension);

// Actual errors of component k against a trusted reference eigenpair.
struct ActualError {
    double vector_error = 0.0;      // ‖vk − uk‖, sign aligned
    double eigenvalue_error = 0.0;  // |θk − λk|
    // Error of the reference itself, from its residuals and orthogonality.
    double vector_uncertainty = 0.0;
    double eigenvalue_uncertainty = 0.0;
};

// Returns one message per bound that is smaller than the actual error it
// bounds, by more than the reference's uncertainty plus 8ε: each is a
// defect of the analysis or of its stand-ins.
std::vector<std::string>
find_bound_defects(const std::vector<ComponentBounds>& bounds,
                   const std::vector<ActualError>& actual);

// ‖v − u‖ for unit vectors at angle φ (sign aligned) with sin φ = s:
// √(2 − 2cos φ), in a form that keeps its digits for tiny s.
double chord_from_sine(double s);

// Evaluates every bound. `components` are the K summaries in order,
// `residual_histories` their per-iteration residual norms, `probe` the
// summary of component K + 1 when it was computed (nothing when K = d),
// and `dimension` is d.
std::vector<ComponentBounds>
evaluate_bounds(const std::vector<ComponentSummary>& components,
                const std::vector<std::vector<double>>& residual_histories,
                const std::optional<ComponentSummary>& probe, int dimension);

}  // namespace covdefl
