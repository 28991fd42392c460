// Solver events: plain numbers without MPI types, so the rank-0 tracker
// can consume them and be tested on its own.
#pragma once

#include <string>

namespace covdefl {

// Scalars of one iteration of a sub-routine, produced by collective
// reductions and therefore identical on every rank.
struct IterationRecord {
    int component = 0;          // 0-based component index k
    int iteration = 0;          // 1-based iteration count within component k
    double rayleigh_quotient = 0.0;  // θ = vᵀÂv with ‖v‖ = 1
    double residual_norm = 0.0;      // ‖Âv − θv‖
    double step_norm = 0.0;          // ‖v_new − v‖, the change of the iterate
};

// Outcome of a component's sub-routine.
enum class ComponentStatus {
    converged,       // ‖Âv − θv‖ ≤ tol·|θ| (or at the rounding floor)
    iteration_limit  // stopped at --max-iterations, not converged
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
    double seconds = 0.0;        // wall time of this component
};

// Receives the solver's events on rank 0 (the other ranks pass none).
class SolveObserver {
public:
    virtual ~SolveObserver() = default;
    virtual void on_iteration(const IterationRecord&) {}
    virtual void on_component(const ComponentSummary&) {}
};

}  // namespace covdefl
