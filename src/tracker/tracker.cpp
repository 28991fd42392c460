#include "covdefl/tracker.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace covdefl {

void Tracker::on_iteration(const IterationRecord& record)
{
    if (components_.empty() || components_.back().finished) {
        if (record.component != static_cast<int>(components_.size())) {
            throw std::logic_error("tracker: record for component " +
                                   std::to_string(record.component) +
                                   " arrived out of order");
        }
        components_.emplace_back();
    }
    ComponentTrack& track = components_.back();
    if (record.component != static_cast<int>(components_.size()) - 1 ||
        record.iteration !=
            static_cast<int>(track.rayleigh_quotients.size()) + 1) {
        throw std::logic_error(
            "tracker: iteration " + std::to_string(record.iteration) +
            " of component " + std::to_string(record.component) +
            " arrived out of order");
    }
    track.rayleigh_quotients.push_back(record.rayleigh_quotient);
    track.residual_norms.push_back(record.residual_norm);
    track.step_norms.push_back(record.step_norm);
}

void Tracker::on_component(const ComponentSummary& summary)
{
    if (components_.empty() || components_.back().finished) {
        // A component that finished without any iteration record.
        components_.emplace_back();
    }
    ComponentTrack& track = components_.back();
    if (summary.component != static_cast<int>(components_.size()) - 1) {
        throw std::logic_error("tracker: summary for component " +
                               std::to_string(summary.component) +
                               " arrived out of order");
    }
    track.summary = summary;
    track.finished = true;
    if (summary.probe) {
        probe_ = std::move(track);
        components_.pop_back();
    }
}

void Tracker::on_block(const BlockSummary& summary)
{
    blocks_.push_back(summary);
}

std::vector<BlockBounds> Tracker::block_bounds(int dimension) const
{
    std::vector<ComponentSummary> summaries;
    for (const ComponentTrack& track : components_) {
        summaries.push_back(track.summary);
    }
    return evaluate_block_bounds(
        blocks_, summaries,
        probe_ ? std::optional<ComponentSummary>(probe_->summary)
               : std::nullopt,
        dimension);
}

long long Tracker::total_vector_products() const
{
    long long total = 0;
    if (!blocks_.empty()) {
        for (const BlockSummary& b : blocks_) {
            total += b.vector_products;
        }
        return total;
    }
    for (const ComponentTrack& track : components_) {
        total += track.summary.vector_products;
    }
    if (probe_) {
        total += probe_->summary.vector_products;
    }
    return total;
}

std::vector<ComponentBounds> Tracker::bounds(int dimension) const
{
    std::vector<ComponentSummary> summaries;
    std::vector<std::vector<double>> histories;
    for (const ComponentTrack& track : components_) {
        summaries.push_back(track.summary);
        histories.push_back(track.residual_norms);
    }
    std::optional<ComponentSummary> probe;
    if (probe_) {
        probe = probe_->summary;
    }
    return evaluate_bounds(summaries, histories, probe, dimension);
}

long long Tracker::total_iterations() const
{
    long long total = 0;
    for (const ComponentTrack& track : components_) {
        total += static_cast<long long>(track.rayleigh_quotients.size());
    }
    return total;
}

namespace {

void write_bound(JsonWriter& json, const std::string& name, const Bound& b)
{
    json.key(name);
    json.begin_object();
    if (b.valid) {
        json.field("value", b.value);
    } else {
        json.key("value");
        json.null();
        json.field("vacuous", b.reason);
    }
    json.end_object();
}

void write_bounds(JsonWriter& json, const ComponentBounds& b)
{
    json.key("estimates");
    json.begin_object();
    json.field("eigenvalue_lower", b.eigenvalue_lower);
    json.field("eigenvalue_upper", b.eigenvalue_upper);
    json.field("gap_lower", b.gap_lower);
    json.field("deflated_gap", b.deflated_gap);
    json.field("original_gap", b.original_gap);
    json.field("convergence_ratio", b.convergence_ratio);
    json.field("ratio_estimate", b.ratio_estimate);
    json.field("amplification", b.amplification);
    json.field("c0", b.c0_estimate);
    json.field("required_iterations", b.required_iterations);
    json.end_object();
    json.key("bounds");
    json.begin_object();
    write_bound(json, "subroutine_error", b.subroutine_error);
    write_bound(json, "direct", b.direct);
    write_bound(json, "eigenvalue_error", b.eigenvalue_error);
    write_bound(json, "agnostic", b.agnostic);
    json.field("agnostic_formula", b.agnostic_formula);
    write_bound(json, "power_iteration", b.power);
    json.field("power_iteration_formula", b.power_formula);
    json.end_object();
}

}  // namespace

void Tracker::write_blocks_json(JsonWriter& json, int dimension) const
{
    const std::vector<BlockBounds> bounds = block_bounds(dimension);
    json.begin_array();
    for (std::size_t i = 0; i < blocks_.size(); ++i) {
        const BlockSummary& s = blocks_[i];
        json.begin_object();
        json.field("block", s.block + 1);
        json.field("first_component", s.first + 1);
        json.field("last_component", s.first + s.width);
        json.field("block_products", s.block_products);
        json.field("vector_products", s.vector_products);
        json.field("deflated_ritz_min", s.deflated_min);
        json.field("deflated_ritz_max", s.deflated_max);
        json.field("deflated_residual_frobenius", s.deflated_residual);
        json.field("original_ritz_min", s.original_min);
        json.field("original_ritz_max", s.original_max);
        json.field("original_residual_frobenius", s.original_residual);
        if (i < bounds.size()) {
            const BlockBounds& b = bounds[i];
            json.field("deflated_gap", b.deflated_gap);
            json.field("original_gap", b.original_gap);
            json.key("bounds");
            json.begin_object();
            write_bound(json, "subspace_deflated", b.deflated);
            write_bound(json, "subspace_direct", b.direct);
            json.end_object();
            json.key("split_below");
            if (b.split_below.empty()) {
                json.null();
            } else {
                json.value(b.split_below);
            }
            json.key("split_above");
            if (b.split_above.empty()) {
                json.null();
            } else {
                json.value(b.split_above);
            }
        }
        json.end_object();
    }
    json.end_array();
}

void Tracker::write_json(JsonWriter& json, bool history,
                         const std::vector<ComponentBounds>* bounds,
                         const std::vector<ActualError>* actual) const
{
    json.begin_array();
    for (std::size_t k = 0; k < components_.size(); ++k) {
        const ComponentTrack& track = components_[k];
        const ComponentSummary& s = track.summary;
        json.begin_object();
        json.field("component", s.component + 1);
        json.field("eigenvalue", s.eigenvalue);
        json.field("iterations", s.iterations);
        json.field("vector_products", s.vector_products);
        json.field("residual_norm", s.residual_norm);
        json.field("relative_residual",
                   s.eigenvalue != 0.0
                       ? s.residual_norm / std::abs(s.eigenvalue)
                       : 0.0);
        json.field("stopping_threshold", s.tolerance);
        json.field("converged", s.status == ComponentStatus::converged);
        json.field("status", to_string(s.status));
        json.field("seconds", s.seconds);
        json.field("original_rayleigh_quotient", s.original_rayleigh_quotient);
        json.field("original_residual_norm", s.original_residual_norm);
        json.field("max_overlap_with_earlier", s.max_overlap);
        json.field("start_overlap", s.start_overlap);
        json.field("reorthogonalized", s.reorthogonalized);
        if (bounds != nullptr && k < bounds->size()) {
            write_bounds(json, (*bounds)[k]);
        }
        if (actual != nullptr && k < actual->size()) {
            json.key("actual");
            json.begin_object();
            json.field("vector_error", (*actual)[k].vector_error);
            json.field("eigenvalue_error", (*actual)[k].eigenvalue_error);
            json.end_object();
        }
        if (history) {
            json.key("history");
            json.begin_object();
            json.field("rayleigh_quotient", track.rayleigh_quotients);
            json.field("residual_norm", track.residual_norms);
            json.field("step_norm", track.step_norms);
            json.end_object();
        }
        json.end_object();
    }
    json.end_array();
}

}  // namespace covdefl
