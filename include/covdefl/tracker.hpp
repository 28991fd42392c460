// The rank-0 tracker: records what every iteration's reductions produced
// and summarises each component. It uses no MPI.
#pragma once

#include <optional>
#include <vector>

#include "covdefl/bounds.hpp"
#include "covdefl/events.hpp"
#include "covdefl/json.hpp"

namespace covdefl {

// Everything recorded about one component.
struct ComponentTrack {
    ComponentSummary summary;
    std::vector<double> rayleigh_quotients;  // θ after each iteration
    std::vector<double> residual_norms;  // ‖Âv − θv‖ after each iteration
    std::vector<double> step_norms;  // ‖v_new − v‖ after each iteration
    bool finished = false;
};

// Keeps a per-component history of the iteration records it receives.
// Records must arrive in order: component by component, iterations
// 1, 2, ... within each. Throws std::logic_error on records out of order.
class Tracker : public SolveObserver {
public:
    void on_iteration(const IterationRecord& record) override;
    void on_component(const ComponentSummary& summary) override;
    void on_block(const BlockSummary& summary) override;

    const std::vector<ComponentTrack>& components() const
    {
        return components_;
    }

    // The extra component K + 1, when it was computed.
    const std::optional<ComponentTrack>& probe() const { return probe_; }

    // Evaluates the error bounds of every finished component for a matrix
    // of dimension d.
    std::vector<ComponentBounds> bounds(int dimension) const;

    // Block summaries of the block and parallel methods, in order.
    const std::vector<BlockSummary>& blocks() const { return blocks_; }

    // Evaluates the subspace bounds of every block (empty for power
    // iteration).
    std::vector<BlockBounds> block_bounds(int dimension) const;

    // Total iterations over all components recorded so far.
    long long total_iterations() const;

    // Matrix-vector-product equivalents of the whole run, the probe
    // included: the sum over blocks for the block and parallel methods,
    // otherwise the sum over components.
    long long total_vector_products() const;

    // Writes the "blocks" array of the report with each block's bounds.
    void write_blocks_json(JsonWriter& json, int dimension) const;

    // Writes the "components" array of the report; with `history`, each
    // component also lists its per-iteration values. `bounds` and
    // `actual` (may be null) add each component's bounds and actual errors.
    void write_json(JsonWriter& json, bool history,
                    const std::vector<ComponentBounds>* bounds = nullptr,
                    const std::vector<ActualError>* actual = nullptr) const;

private:
    std::vector<ComponentTrack> components_;
    std::optional<ComponentTrack> probe_;
    std::vector<BlockSummary> blocks_;
};

}  // namespace covdefl
