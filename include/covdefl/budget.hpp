// The accuracy budget: stopping each component so that every one of the K
// components ends within a requested distance ε of its principal axis.
// No MPI: it runs on rank 0 as the solver's stopping policy.
#pragma once

#include <string>
#include <vector>

#include "covdefl/events.hpp"
#include "covdefl/json.hpp"

namespace covdefl {

// Plan and outcome of the budget for one component.
struct ComponentBudget {
    double target_error = 0.0;  // own error allowed: sin∠(vk, ûk)
    double gap_estimate = 0.0;  // |θk|·(1 − ρ), ρ = residual contraction
    double residual_threshold = 0.0;  // target_error · gap_estimate
    double transmission = 0.0;    // measured share of earlier errors passed on
    double achieved_error = 0.0;  // final residual / gap estimate
    bool reached = false;         // achieved_error ≤ target_error
    // Why the target was not reached: "iteration limit", "rounding floor"
    // (the gap is too small for the precision), or empty.
    std::string limited_by;
};

// Stopping policy for --target-accuracy ε. Component k stops when its
// residual r satisfies r / γk ≤ εk, where γk = |θ|(1 − ρ) is the gap that
// the residual contraction ρ ≈ λk+1/λk of power iteration reveals, and
//
//     εk = ε / (1.4 (1 + τ/ρ))   (εK = ε / 1.4 for the last component).
//
// Power iteration leaves vk's error mostly along uk+1, and the deflation
// passes an error e of vk to the next component as about (θk/λk+1) e ≈
// e/ρ. τ starts at 1 and becomes the largest measured ratio of a
// component's inherited error ((r'k − rk)/γk, the part of its residual
// against Σ that its own iteration cannot remove) to the model's
// prediction Σ_{j<k} (θj/θk) ej. The factor 1.4 leaves room for the error
// of these estimates. docs/theory.md discusses them.
class TargetAccuracyBudget : public StoppingPolicy {
public:
    TargetAccuracyBudget(double epsilon, int components);

    double residual_threshold(const IterationRecord& record) override;
    void on_component(const ComponentSummary& summary) override;

    const std::vector<ComponentBudget>& components() const { return budgets_; }
    double epsilon() const { return epsilon_; }

    // Writes the "target_accuracy" object of the report.
    void write_json(JsonWriter& json) const;

private:
    double epsilon_;
    int components_;
    double transmission_ = 1.0;
    bool transmission_measured_ = false;
    double smallest_gap_ = 0.0;
    std::vector<double> residuals_;  // current component, per iteration
    std::vector<ComponentBudget> budgets_;
    std::vector<double> eigenvalues_;  // |θj| of finished components
};

}  // namespace covdefl
