// Solver events: plain numbers without MPI types, so the rank-0 tracker
// can consume them and be tested on its own.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace covdefl {

// Scalars of one iteration of a sub-routine, produced by collective
// reductions and therefore identical on every rank.
struct IterationRecord {
    int component = 0;  // 0-based component index k
    int iteration = 0;  // 1-based iteration count within component k
    double rayleigh_quotient = 0.0;  // θ = vᵀÂv with ‖v‖ = 1
    double residual_norm = 0.0;      // ‖Âv − θv‖
    double step_norm = 0.0;  // ‖v_new − v‖, the change of the iterate
};

// Outcome of a component's sub-routine.
enum class ComponentStatus {
    converged,  // ‖Âv − θv‖ ≤ tol·|θ| (or at the rounding floor)
    iteration_limit,  // stopped at --max-iterations, not converged
    // The result overlapped an earlier component by more than the square
    // root of its relative stopping threshold, and after
    // re-orthogonalisation its residual no longer passed: its eigenvalue is
    // at the error level that the earlier components left.
    not_separated
};

std::string to_string(ComponentStatus status);

// Outcome of one deflation step.
struct ComponentSummary {
    int component = 0;
    int iterations = 0;
    double eigenvalue = 0.0;     // final Rayleigh quotient θk of Âk
    double residual_norm = 0.0;  // ‖Âk vk − θk vk‖ of the returned vk
    double tolerance = 0.0;      // the stopping threshold that applied
    ComponentStatus status = ComponentStatus::converged;
    double seconds = 0.0;  // wall time of this component

    // Measured against the original matrix Σ after the sub-routine ends,
    // from Σ vk = Âk vk + Σ_{j<k} θj (vjᵀvk) vj, so no copy of Σ is kept.
    double original_rayleigh_quotient = 0.0;  // θ'k = vkᵀ Σ vk
    double original_residual_norm = 0.0;      // ‖Σ vk − θ'k vk‖
    double max_overlap = 0.0;                 // max_{j<k} |vjᵀ vk|
    double deflation_leak = 0.0;              // Σ_{j<k} θj (vjᵀ vk)²
    double start_overlap = 0.0;  // |x0ᵀ vk| for the unit start vector x0
    // True when vk was made orthogonal to the earlier components after the
    // sub-routine, because it overlapped one of them by more than the
    // square root of its relative stopping threshold.
    bool reorthogonalized = false;
    // The sub-routine that produced it ("power", "lanczos", "block",
    // "parallel"), so that the tracker applies a method's own bound only to
    // that method.
    std::string subroutine = "power";
    // True for the extra component K + 1 that only serves as the estimate
    // of λK+1 for the gap of component K; it is not an output.
    bool probe = false;
    // Products with the matrix in matrix-vector-product equivalents: a
    // block product with m columns counts m. Power iteration makes one per
    // iteration. The block and parallel methods count the products their
    // block made until this component was locked.
    long long vector_products = 0;
};

// Appends the bytes of the fields of `summary` that every rank must agree
// on (all but `seconds` and `subroutine`), for mpi::expect_agreed.
void append_bytes(std::vector<std::byte>& bytes,
                  const ComponentSummary& summary);

// The subspace found by one block of the block or parallel method: the
// components first..first + width − 1 (0-based), spanned by the
// orthonormalised vectors Q. No MPI types, like the other events.
struct BlockSummary {
    int block = 0;  // 0-based block index
    int first = 0;  // 0-based index of its first component
    int width = 0;  // components in the block, the probe excluded
    long long block_products = 0;   // products with a block of vectors
    long long vector_products = 0;  // matrix-vector-product equivalents
    double product_seconds = 0.0;   // wall time of the products on rank 0
    // Against the matrix deflated by the earlier blocks, Σb: the extreme
    // eigenvalues of H = QᵀΣbQ and ‖ΣbQ − QH‖_F.
    double deflated_min = 0.0;
    double deflated_max = 0.0;
    double deflated_residual = 0.0;
    // The same against the original matrix Σ.
    double original_min = 0.0;
    double original_max = 0.0;
    double original_residual = 0.0;
};

// Chooses when a component stops, on rank 0. The solver broadcasts rank
// 0's decision, so every rank stops at the same iteration.
class StoppingPolicy {
public:
    virtual ~StoppingPolicy() = default;
    // Absolute residual threshold after this iteration: the iteration
    // stops when ‖Âv − θv‖ is at most this (or at the rounding floor).
    virtual double residual_threshold(const IterationRecord& record) = 0;
    // Called with each finished component, the probe included.
    virtual void on_component(const ComponentSummary& summary) = 0;
};

// Receives the solver's events on rank 0 (the other ranks pass none).
class SolveObserver {
public:
    virtual ~SolveObserver() = default;
    virtual void on_iteration(const IterationRecord&) {}
    virtual void on_component(const ComponentSummary&) {}
    // Called after the components of a block, by the block and parallel
    // methods only.
    virtual void on_block(const BlockSummary&) {}
};

}  // namespace covdefl
