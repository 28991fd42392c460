// The report.json file and the tables rank 0 prints.
#include <cmath>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "cli/layout.hpp"
#include "cli/run_types.hpp"
#include "covdefl/error.hpp"
#include "covdefl/json.hpp"

namespace covdefl {

namespace {

// A bound as a table cell; a vacuous one shows its formula's value, when
// finite, marked with '*' (not a guarantee).
std::string format_bound(const Bound& bound, double formula)
{
    char text[32];
    if (bound.valid) {
        std::snprintf(text, sizeof text, "%.2e", bound.value);
    } else if (std::isfinite(formula) && formula > 0.0) {
        std::snprintf(text, sizeof text, "%.2e*", formula);
    } else {
        return "vacuous";
    }
    return text;
}

// Time per product and the bandwidth it implies, 0 without products.
double seconds_per_product(const KernelMeasurements& kernel)
{
    return kernel.products > 0
               ? kernel.product_seconds / static_cast<double>(kernel.products)
               : 0.0;
}

double product_bandwidth(const KernelMeasurements& kernel)
{
    const double seconds = seconds_per_product(kernel);
    return seconds > 0.0 ? kernel.bytes_per_product / seconds : 0.0;
}

void write_kernel(JsonWriter& json, const KernelMeasurements& kernel)
{
    json.key("kernel");
    json.begin_object();
    json.field("product_kind", kernel.block_products ? "block" : "vector");
    json.field("products", kernel.products);
    json.field("vector_products", kernel.vector_products);
    json.field("product_seconds", kernel.product_seconds);
    json.field("seconds_per_product", seconds_per_product(kernel));
    json.field("bytes_per_product", kernel.bytes_per_product);
    json.field("bandwidth_gb_per_s", product_bandwidth(kernel) / 1e9);
    json.field("gflop_per_s", kernel.product_seconds > 0.0
                                  ? kernel.flops / kernel.product_seconds / 1e9
                                  : 0.0);
    json.field("deflation_seconds", kernel.deflation_seconds);
    if (kernel.triad_bandwidth > 0.0) {
        json.field("triad_bandwidth_gb_per_s", kernel.triad_bandwidth / 1e9);
        json.field("fraction_of_triad",
                   product_bandwidth(kernel) / kernel.triad_bandwidth);
    }
    json.end_object();
}

}  // namespace

void print_kernel(const KernelMeasurements& kernel)
{
    std::printf("\n%s: %lld in %.3f s, %.3f ms each, %.3g MB of the "
                "matrix each: %.2f GB/s, %.1f GFLOP/s",
                kernel.block_products ? "block products" : "products",
                kernel.products, kernel.product_seconds,
                1e3 * seconds_per_product(kernel),
                kernel.bytes_per_product / 1e6, product_bandwidth(kernel) / 1e9,
                kernel.product_seconds > 0.0
                    ? kernel.flops / kernel.product_seconds / 1e9
                    : 0.0);
    if (kernel.triad_bandwidth > 0.0) {
        std::printf(" (%.0f%% of the triad's %.2f GB/s)",
                    100.0 * product_bandwidth(kernel) / kernel.triad_bandwidth,
                    kernel.triad_bandwidth / 1e9);
    }
    std::printf("\n");
}

const char* describe(ComponentStatus status)
{
    switch (status) {
    case ComponentStatus::converged:
        return "converged";
    case ComponentStatus::iteration_limit:
        return "NOT CONVERGED (iteration limit)";
    case ComponentStatus::not_separated:
        return "NOT SEPARATED from earlier components (re-orthogonalised, "
               "then its residual failed the stopping test)";
    }
    return "unknown";
}

void write_report(const std::string& path, const ReportInputs& report)
{
    const RunOptions& o = report.options;
    const Problem& problem = report.problem;
    const Tracker& tracker = report.tracker;
    const ReferenceCheck* check = report.check;
    const StageTimes& times = report.times;
    {
        std::ofstream out(path);
        JsonWriter json(out);
        json.begin_object();
        json.field("covdefl_version", version);
        json.field("command_line", o.command_line);
        json.key("parallel");
        json.begin_object();
        json.field("ranks", report.grid.size());
        json.field("grid_rows", report.grid.nprow());
        json.field("grid_cols", report.grid.npcol());
        json.field("block_size", o.block_size);
        json.end_object();
        write_layout(json, report.layout);
        json.key("input");
        json.begin_object();
        json.field("source", problem.description);
        json.field("kind", o.synthetic_dimension > 0 ? std::string("synthetic")
                                                     : o.input_kind);
        json.field("dimension", problem.dimension);
        if (problem.samples > 0) {
            json.field("samples", problem.samples);
            json.field("standardized", o.standardize);
            json.key("dropped_columns");
            json.begin_array();
            for (const int column : problem.dropped_columns) {
                json.value(column + 1);
            }
            json.end_array();
        }
        json.end_object();
        json.key("outputs");
        json.begin_object();
        json.field("format", o.output_format);
        json.field("scores", o.scores);
        json.end_object();
        json.key("solver");
        json.begin_object();
        json.field("method", o.method);
        if (o.method == "block") {
            json.field("block_width", o.block.block_width);
            json.field("guard_vectors", o.block.guard_vectors);
            json.field("block_iteration", o.block_iteration);
            if (o.block.iteration == BlockIterationKind::krylov) {
                json.field("block_steps", o.block.krylov_steps);
            }
        }
        if (o.method == "lanczos") {
            json.field("krylov_dimension", o.krylov_dimension);
        }
        json.field("deflation", o.deflation_kind);
        json.field("product_kernel", o.product_kernel);
        json.field("components", o.deflation.components);
        json.field("tolerance", o.deflation.tolerance);
        json.field("max_iterations", o.deflation.max_iterations);
        json.field("seed", static_cast<long long>(o.deflation.seed));
        json.field("total_iterations", tracker.total_iterations());
        json.field("total_vector_products", tracker.total_vector_products());
        json.end_object();
        write_kernel(json, report.kernel);
        json.field("total_variance", report.total_variance);
        json.field("explained_variance_ratio", report.explained);
        json.key("components");
        tracker.write_json(json, o.history, &report.bounds, report.actual);
        if (!tracker.blocks().empty()) {
            json.key("blocks");
            tracker.write_blocks_json(json, problem.dimension);
        }
        if (tracker.probe()) {
            const ComponentSummary& p = tracker.probe()->summary;
            json.key("next_eigenvalue_estimate");
            json.begin_object();
            json.field("component", p.component + 1);
            json.field("eigenvalue", p.eigenvalue);
            json.field("iterations", p.iterations);
            json.field("residual_norm", p.residual_norm);
            json.field("original_rayleigh_quotient",
                       p.original_rayleigh_quotient);
            json.field("original_residual_norm", p.original_residual_norm);
            json.field("converged", p.status == ComponentStatus::converged);
            json.end_object();
        }
        if (report.budget != nullptr) {
            json.key("target_accuracy");
            report.budget->write_json(json);
        }
        json.key("bound_defects");
        json.begin_array();
        for (const std::string& defect : report.defects) {
            json.value(defect);
        }
        json.end_array();
        if (check != nullptr) {
            json.key("check");
            json.begin_object();
            json.field("reference", "PDSYEVR");
            json.field("valid", check->valid);
            json.field("failure", check->failure);
            json.field("info", check->info);
            json.field("block_size", check->block_size_used);
            json.field("max_reference_relative_residual", check->max_residual);
            json.field("max_reference_orthogonality_error",
                       check->max_orthogonality);
            json.key("components");
            json.begin_array();
            for (std::size_t i = 0; i < check->components.size(); ++i) {
                const ComponentCheck& c = check->components[i];
                json.begin_object();
                json.field("component", static_cast<int>(i) + 1);
                json.field("residual_original_matrix", c.residual_original);
                if (check->valid) {
                    json.field("reference_eigenvalue", c.reference_eigenvalue);
                    json.field("relative_eigenvalue_difference",
                               c.relative_eigenvalue_difference);
                    json.field("sin_angle", c.sin_angle);
                }
                json.end_object();
            }
            json.end_array();
            json.field("seconds", check->seconds);
            json.end_object();
        }
        json.key("seconds");
        json.begin_object();
        json.field("read", times.read);
        json.field("covariance", times.covariance);
        json.field("solve", times.solve);
        json.field("check", times.check);
        json.field("write", times.write);
        json.end_object();
        if (times.syrk > 0.0) {
            // DGEMM-bound step: compare with the DGEMM rate of
            // bench/dgemm_peak.c on the same ranks.
            json.key("covariance_kernel");
            json.begin_object();
            json.field("routine", times.syrk_routine);
            json.field("flops", times.syrk_flops);
            json.field("seconds", times.syrk);
            json.field("gflop_per_s", times.syrk_flops / times.syrk / 1e9);
            if (report.kernel.dgemm_rate > 0.0) {
                json.field("dgemm_gflop_per_s", report.kernel.dgemm_rate / 1e9);
                json.field("fraction_of_dgemm", times.syrk_flops / times.syrk /
                                                    report.kernel.dgemm_rate);
            }
            json.end_object();
        }
        json.end_object();
        out.close();
        if (!out) {
            throw Error("cannot write " + path + ": " + std::strerror(errno) +
                        "; check the free space and permissions of the "
                        "output folder");
        }
    }
}

void print_bounds(const std::vector<ComponentBounds>& bounds,
                  const std::vector<ActualError>* actual)
{
    std::printf("\n%4s  %10s  %10s  %10s  %10s  %10s  %10s", "k", "gap est.",
                "amplif.", "|δ| bound", "direct", "agnostic", "power it.");
    if (actual != nullptr) {
        std::printf("  %10s", "actual");
    }
    std::printf("\n");
    bool marked = false;
    for (std::size_t k = 0; k < bounds.size(); ++k) {
        const ComponentBounds& b = bounds[k];
        const std::string agnostic =
            format_bound(b.agnostic, b.agnostic_formula);
        const std::string power = format_bound(b.power, b.power_formula);
        marked = marked || agnostic.back() == '*' || power.back() == '*';
        std::printf("%4zu  %10.3e  %10.3e  %10s  %10s  %10s  %10s", k + 1,
                    b.gap_lower, b.amplification,
                    format_bound(b.subroutine_error, 0.0).c_str(),
                    format_bound(b.direct, 0.0).c_str(), agnostic.c_str(),
                    power.c_str());
        if (actual != nullptr) {
            std::printf("  %10.3e", (*actual)[k].vector_error);
        }
        std::printf("\n");
    }
    std::printf("Bounds on ‖vk − uk‖ use measured stand-ins for the "
                "eigenvalues and gaps, so they are estimates.\n");
    if (marked) {
        std::printf("* the theorem's hypothesis is not met: the formula's "
                    "value, not a guarantee (report.json gives the "
                    "reason).\n");
    }
}

// The budget's plan and outcome, and the direct bounds that certify it.
void print_budget(const TargetAccuracyBudget& budget,
                  const std::vector<ComponentBounds>& bounds)
{
    std::printf("\ntarget accuracy %.1e (‖vk − uk‖ for every k):\n",
                budget.epsilon());
    std::printf("%4s  %12s  %12s  %12s  %s\n", "k", "own target",
                "own achieved", "direct bound", "");
    for (std::size_t k = 0; k < budget.components().size(); ++k) {
        const ComponentBudget& b = budget.components()[k];
        const Bound& direct = bounds[k].direct;
        const bool certified = direct.valid && direct.value <= budget.epsilon();
        std::string verdict;
        if (!b.reached && b.limited_by == "iteration limit") {
            verdict = "NOT REACHED (iteration limit)";
        } else if (!b.reached) {
            verdict = "NOT REACHED (rounding floor above the target: the gap "
                      "is too small for the precision)";
        } else if (certified) {
            verdict = "within target (direct bound certifies it)";
        } else {
            verdict = "own target reached, NOT CERTIFIED (direct bound above "
                      "the target)";
        }
        std::printf("%4zu  %12.3e  %12.3e  %12s  %s\n", k + 1, b.target_error,
                    b.achieved_error, format_bound(direct, 0.0).c_str(),
                    verdict.c_str());
    }
}

void print_table(const Tracker& tracker, const std::vector<double>& explained,
                 const ReferenceCheck* check)
{
    std::printf("\n%4s  %22s  %9s  %10s  %9s", "k", "eigenvalue", "explained",
                "iterations", "rel.resid");
    if (check != nullptr && check->valid) {
        std::printf("  %9s  %9s", "rel.diff", "sin(angle)");
    }
    std::printf("\n");
    for (std::size_t i = 0; i < tracker.components().size(); ++i) {
        const ComponentSummary& s = tracker.components()[i].summary;
        std::printf("%4d  %22.15e  %9.6f  %10d  %9.2e", s.component + 1,
                    s.eigenvalue, explained[i], s.iterations,
                    s.eigenvalue != 0.0
                        ? s.residual_norm / std::abs(s.eigenvalue)
                        : 0.0);
        if (check != nullptr && check->valid) {
            std::printf("  %9.2e  %9.2e",
                        check->components[i].relative_eigenvalue_difference,
                        check->components[i].sin_angle);
        }
        std::printf("%s\n", s.status == ComponentStatus::converged
                                ? ""
                                : "  NOT CONVERGED");
    }
    if (check != nullptr && !check->valid) {
        std::printf("reference check not trusted: %s\n",
                    check->failure.c_str());
    }
}

}  // namespace covdefl
