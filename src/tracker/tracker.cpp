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
        throw std::logic_error("tracker: iteration " +
                               std::to_string(record.iteration) +
                               " of component " +
                               std::to_string(record.component) +
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
}

long long Tracker::total_iterations() const
{
    long long total = 0;
    for (const ComponentTrack& track : components_) {
        total += static_cast<long long>(track.rayleigh_quotients.size());
    }
    return total;
}

void Tracker::write_json(JsonWriter& json, bool history) const
{
    json.begin_array();
    for (const ComponentTrack& track : components_) {
        const ComponentSummary& s = track.summary;
        json.begin_object();
        json.field("component", s.component + 1);
        json.field("eigenvalue", s.eigenvalue);
        json.field("iterations", s.iterations);
        json.field("residual_norm", s.residual_norm);
        json.field("relative_residual",
                   s.eigenvalue != 0.0 ? s.residual_norm / std::abs(s.eigenvalue)
                                       : 0.0);
        json.field("stopping_threshold", s.tolerance);
        json.field("converged", s.status == ComponentStatus::converged);
        json.field("status", to_string(s.status));
        json.field("seconds", s.seconds);
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
