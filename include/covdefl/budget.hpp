// The accuracy budget: stopping each component so that every one of the K
// components ends within a requested distance ε of its principal axis.
// No MPI: it runs on rank 0 as the solver's stopping policy.
#pragma once

#include <vector>

#include "covdefl/events.hpp"
#include "covdefl/json.hpp"

namespace covdefl {

// Plan and outcome of the budget for one component.
struct ComponentBudget {
    double target_error = 0.0;       // own error allowed: sin∠(vk, ûk)
    double gap_estimate = 0.0;       // |θk|·(1 − ρ), ρ = residual contraction
    double residual_threshold = 0.0; // target_error · gap_estimate
    double transmission = 0.0;       // measured share of earlier errors passed on
    double achieved_error = 0.0;     // final residual / gap estimate
    bool reached = false;            // achieved_error ≤ target_error
};

// Stopping policy for --target-accuracy ε. Component k stops when its
// residual r satisfies r / γk ≤ εk, where γk = |θ|(1 − ρ) is the gap that
// the residual contraction ρ ≈ λk+1/λk of power iteration reveals, and
//
//     εk = ε / (2 (1 + τ (K − k) |θk| / γmin)),
//
// with γmin the smallest gap estimate seen so far (this component's
// included). An error e in vk perturbs each later deflated matrix by
// about θk e, which moves its top eigenvector by θk e / γ: the factor
// |θk|/γmin is that growth for each of the K − k steps still to come. τ
// starts at 1 and becomes the largest measured ratio of a component's
// inherited residual (r'k − rk, the part of its residual against Σ that
// its own iteration cannot remove) to the value the model predicts,
// Σ_{j<k} |θj| ej. The factor 2 leaves room for the error of the gap
// estimate. docs/theory.md discusses why these are estimates.
class TargetAccuracyBudget : public StoppingPolicy {
public:
    TargetAccuracyBudget(double epsilon, int components);

    double residual_threshold(const IterationRecord& record) override;
    void on_component(const ComponentSummary& summary) override;

    const std::vector<ComponentBudget>& components() const
    {
        return budgets_;
    }
    double epsilon() const { return epsilon_; }

    // Writes the "target_accuracy" object of the report.
    void write_json(JsonWriter& json) const;

private:
    double epsilon_;
    int components_;
    double transmission_ = 1.0;
    bool transmission_measured_ = false;
    double smallest_gap_ = 0.0;
    std::vector<double> residuals_;   // current component, per iteration
    std::vector<ComponentBudget> budgets_;
    std::vector<double> eigenvalues_;  // |θj| of finished components
};

}  // namespace covdefl
