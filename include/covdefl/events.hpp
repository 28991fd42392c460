// Solver events: plain numbers without MPI types, so the rank-0 tracker
// can consume them and be tested on its own.
#pragma once

#include <string>

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
    // The sub-routine that produced it ("power", "lanczos"), so that the
    // tracker applies a method's own bound only to that method.
    std::string subroutine = "power";
    // True for the extra component K + 1 that only serves as the estimate
    // of λK+1 for the gap of component K; it is not an output.
    bool probe = false;
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
};

}  // namespace covdefl
