#include "covdefl/budget.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace covdefl {

namespace {

// Iterations before the contraction ratio is trusted.
constexpr std::size_t warm_up = 4;

// Share of ε kept back for the error of the gap and growth estimates:
// the budget aims at ε / 1.4 (measured: the largest actual error was
// 0.85ε over the spectra of tests/mpi/test_budget.cpp and Fashion-MNIST).
constexpr double safety_factor = 1.4;

}  // namespace

TargetAccuracyBudget::TargetAccuracyBudget(double epsilon, int components)
    : epsilon_(epsilon)
    , components_(components)
{
}

double TargetAccuracyBudget::residual_threshold(const IterationRecord& record)
{
    const std::size_t k = static_cast<std::size_t>(record.component);
    if (record.iteration == 1) {
        residuals_.clear();
    }
    residuals_.push_back(record.residual_norm);
    if (budgets_.size() <= k) {
        budgets_.resize(k + 1);
    }
    if (residuals_.size() < warm_up) {
        return 0.0;
    }

    // ρ = the largest of the last three one-step residual ratios; for power
    // iteration it tends to λk+1/λk, and the largest gives the smallest,
    // most cautious gap.
    double rho = 0.0;
    for (std::size_t i = residuals_.size() - 3; i < residuals_.size(); ++i) {
        if (residuals_[i - 1] > 0.0) {
            rho = std::max(rho, residuals_[i] / residuals_[i - 1]);
        }
    }
    rho = std::min(rho, 1.0);
    const double theta = std::abs(record.rayleigh_quotient);
    const double gap = theta * (1.0 - rho);
    // Growth into the next component, θk/λk+1 ≈ 1/ρ: power iteration
    // leaves vk's error mostly along uk+1, so the next component takes
    // most of it. The measured τ covers what reaches the others.
    double growth = 0.0;
    if (record.component + 1 < components_) {
        growth =
            rho > 0.0 ? 1.0 / rho : std::numeric_limits<double>::infinity();
    }
    growth *= transmission_;

    ComponentBudget& budget = budgets_[k];
    budget.target_error = epsilon_ / (safety_factor * (1.0 + growth));
    budget.gap_estimate = gap;
    budget.residual_threshold = budget.target_error * gap;
    budget.transmission = transmission_;
    return budget.residual_threshold;
}

void TargetAccuracyBudget::on_component(const ComponentSummary& summary)
{
    if (summary.probe) {
        return;
    }
    const std::size_t k = static_cast<std::size_t>(summary.component);
    if (budgets_.size() <= k) {
        budgets_.resize(k + 1);
    }
    ComponentBudget& budget = budgets_[k];
    budget.achieved_error = budget.gap_estimate > 0.0
                                ? summary.residual_norm / budget.gap_estimate
                                : std::numeric_limits<double>::infinity();
    budget.reached = budget.achieved_error <= budget.target_error;
    if (summary.status == ComponentStatus::iteration_limit) {
        budget.limited_by = "iteration limit";
    } else if (!budget.reached) {
        // It stopped above its budget, so at the solver's rounding floor.
        budget.limited_by = "rounding floor";
    }
    if (budget.gap_estimate > 0.0) {
        smallest_gap_ = smallest_gap_ > 0.0
                            ? std::min(smallest_gap_, budget.gap_estimate)
                            : budget.gap_estimate;
    }

    // τ from this component's inherited error, (r'k − rk)/γk, against the
    // model's prediction Σ_{j<k} (θj/θk) ej from the earlier own errors.
    const double theta = std::abs(summary.eigenvalue);
    double predicted = 0.0;
    for (std::size_t j = 0; j < eigenvalues_.size(); ++j) {
        predicted += eigenvalues_[j] / theta * budgets_[j].achieved_error;
    }
    const double inherited =
        budget.gap_estimate > 0.0
            ? std::max(0.0,
                       summary.original_residual_norm - summary.residual_norm) /
                  budget.gap_estimate
            : 0.0;
    if (predicted > 0.0 && std::isfinite(predicted)) {
        const double observed = inherited / predicted;
        transmission_ = transmission_measured_
                            ? std::max(transmission_, observed)
                            : observed;
        transmission_measured_ = true;
    }
    eigenvalues_.push_back(std::abs(summary.eigenvalue));
}

void TargetAccuracyBudget::write_json(JsonWriter& json) const
{
    json.begin_object();
    json.field("epsilon", epsilon_);
    json.key("components");
    json.begin_array();
    for (std::size_t k = 0; k < budgets_.size(); ++k) {
        const ComponentBudget& b = budgets_[k];
        json.begin_object();
        json.field("component", static_cast<int>(k) + 1);
        json.field("target_error", b.target_error);
        json.field("gap_estimate", b.gap_estimate);
        json.field("residual_threshold", b.residual_threshold);
        json.field("transmission", b.transmission);
        json.field("achieved_error", b.achieved_error);
        json.field("reached", b.reached);
        if (!b.limited_by.empty()) {
            json.field("limited_by", b.limited_by);
        }
        json.end_object();
    }
    json.end_array();
    json.end_object();
}

}  // namespace covdefl
