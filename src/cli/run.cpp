// The covdefl command line: the pipeline stages from input to outputs.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>

#include "cli/data_steps.hpp"
#include "cli/layout.hpp"
#include "cli/output.hpp"
#include "cli/run_types.hpp"
#include "covdefl/budget.hpp"
#include "covdefl/cli.hpp"
#include "covdefl/covariance.hpp"
#include "covdefl/io.hpp"
#include "covdefl/kernels.hpp"
#include "covdefl/mpi.hpp"
#include "covdefl/reference.hpp"
#include "covdefl/solver.hpp"
#include "covdefl/tracker.hpp"

namespace covdefl {

namespace {

// Prints one line per finished component on rank 0 and forwards every
// event to the tracker.
class ProgressReporter : public SolveObserver {
public:
    ProgressReporter(Tracker& tracker, int components, bool quiet)
        : tracker_(tracker)
        , components_(components)
        , quiet_(quiet)
    {
    }

    void on_iteration(const IterationRecord& record) override
    {
        tracker_.on_iteration(record);
    }

    void on_block(const BlockSummary& b) override { tracker_.on_block(b); }

    void on_component(const ComponentSummary& s) override
    {
        tracker_.on_component(s);
        if (quiet_) {
            return;
        }
        if (s.probe) {
            std::printf("component %d (estimate of the next eigenvalue for "
                        "the bounds): eigenvalue %.10e, %d iterations\n",
                        s.component + 1, s.eigenvalue, s.iterations);
            std::fflush(stdout);
            return;
        }
        std::printf("component %d/%d: eigenvalue %.10e, %d iterations, "
                    "residual %.2e (relative %.2e), %s, %.3f s\n",
                    s.component + 1, components_, s.eigenvalue, s.iterations,
                    s.residual_norm,
                    s.eigenvalue != 0.0
                        ? s.residual_norm / std::abs(s.eigenvalue)
                        : 0.0,
                    describe(s.status), s.seconds);
        std::fflush(stdout);
    }

private:
    Tracker& tracker_;
    int components_;
    bool quiet_;
};

// Bytes of the largest local share of an m x n block-cyclic matrix with
// nb x nb blocks, rounded up to whole blocks (an upper estimate).
double share_bytes(const ProcessGrid& grid, double m, double n, int nb)
{
    const double rows = std::ceil(m / (nb * grid.nprow())) * nb;
    const double cols = std::ceil(n / (nb * grid.npcol())) * nb;
    return 8.0 * std::min(rows, m) * std::min(cols, n);
}

// Returns the bytes of the solver's vectors on one rank for a d x d matrix.
// They are the method's vector blocks (distributed over the process rows
// like the matrix rows) and, with the triangle kernel, four replicated
// d x m buffers of a product with m vectors.
double solver_bytes(const RunOptions& o, const ProcessGrid& grid, double d)
{
    const double k = o.deflation.components;
    double m = 1.0;        // vectors per product
    double columns = 4.0;  // vectors stored
    if (o.method == "block") {
        m = std::min(d, std::min<double>(o.block.block_width, k) +
                            o.block.guard_vectors + 1.0);
        columns = o.block.iteration == BlockIterationKind::krylov
                      ? (2.0 * o.block.krylov_steps + 4.0) * m
                      : 6.0 * m;
        columns += k;  // the components found
    } else if (o.method == "parallel") {
        m = k + 1.0;
        columns = 3.0 * m;
    } else if (o.method == "lanczos") {
        columns = o.krylov_dimension + 4.0 + k;
    } else {
        columns += k;
    }
    const int nb = o.block_size;
    const double rows = std::min(d, std::ceil(d / (nb * grid.nprow())) * nb);
    const double replicated =
        o.deflation.kernel == ProductKernel::triangle ? 4.0 * d * m : 0.0;
    return 8.0 * (rows * columns + replicated);
}

// Memory this rank may use: MemAvailable of its node divided by the ranks
// on the node. Infinity when /proc/meminfo cannot be read.
double available_bytes_per_rank(MPI_Comm comm)
{
    MPI_Comm node = MPI_COMM_NULL;
    mpi::check(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL,
                                   &node),
               "MPI_Comm_split_type");
    const int ranks_on_node = mpi::size(node);
    MPI_Comm_free(&node);
    std::ifstream meminfo("/proc/meminfo");
    std::string key;
    double kibibytes = 0.0;
    std::string unit;
    while (meminfo >> key >> kibibytes >> unit) {
        if (key == "MemAvailable:") {
            return kibibytes * 1024.0 / ranks_on_node;
        }
    }
    return std::numeric_limits<double>::infinity();
}

// Stops the run before any large allocation when the peak memory estimate
// of some rank exceeds 90% of what its node has available per rank. The
// message names the estimate, the memory available and a rank count that
// would fit, assuming that the estimate falls in proportion to the ranks
// (true of the block-cyclic shares, which dominate it).
void check_memory(const ProcessGrid& grid, double peak_bytes,
                  const std::string& what)
{
    const double available = available_bytes_per_rank(grid.comm());
    const double worst_ratio =
        mpi::max_all(grid.comm(), peak_bytes / (0.9 * available));
    if (worst_ratio <= 1.0) {
        return;
    }
    const double worst_peak = mpi::max_all(grid.comm(), peak_bytes);
    const int ranks_needed = static_cast<int>(
        std::min(std::ceil(worst_ratio * grid.size()),
                 static_cast<double>(std::numeric_limits<int>::max())));
    const GridShape shape = choose_grid_shape(ranks_needed);
    std::ostringstream message;
    message.precision(3);
    const double gib = 1024.0 * 1024.0 * 1024.0;
    message << what << " needs about " << worst_peak / gib
            << " GiB per rank (estimate) on " << grid.size() << " ranks, "
            << "more than the " << 0.9 * available / gib
            << " GiB available per rank (90% of MemAvailable shared by the "
               "ranks of a node); about "
            << ranks_needed << " ranks (a " << shape.rows << "x" << shape.cols
            << " grid) spread over enough nodes would fit";
    throw Error(message.str(), /*collective=*/true);
}

// Marks the rows of the symmetric matrix `a`, whose lower triangle is
// valid, that are exactly zero (a constant data column gives one). The
// result is the same on every rank. Collective.
std::vector<int> find_zero_rows(const BlockCyclicMatrix& a)
{
    std::vector<int> nonzero(static_cast<std::size_t>(a.rows()), 0);
    std::vector<int> rows(static_cast<std::size_t>(a.local_rows()));
    for (int il = 0; il < a.local_rows(); ++il) {
        rows[static_cast<std::size_t>(il)] = a.global_row(il);
    }
    for (int jl = 0; jl < a.local_cols(); ++jl) {
        const int j = a.global_col(jl);
        // Local rows ascend in global index: the lower triangle of this
        // column is a tail of them.
        const auto first = std::lower_bound(rows.begin(), rows.end(), j);
        for (auto row = first; row != rows.end(); ++row) {
            const int il = static_cast<int>(row - rows.begin());
            if (a.local(il, jl) != 0.0) {
                nonzero[static_cast<std::size_t>(*row)] = 1;
                nonzero[static_cast<std::size_t>(j)] = 1;
            }
        }
    }
    mpi::check(MPI_Allreduce(MPI_IN_PLACE, nonzero.data(),
                             static_cast<int>(nonzero.size()), MPI_INT, MPI_MAX,
                             a.grid().comm()),
               "MPI_Allreduce");
    std::vector<int> zero(nonzero.size());
    for (std::size_t i = 0; i < nonzero.size(); ++i) {
        zero[i] = nonzero[i] == 0 ? 1 : 0;
    }
    return zero;
}

// Sets to exactly 0 the entries of each component in the zero rows of Σ.
// For θ ≠ 0 the eigenvector satisfies v_i = (Σv)_i / θ = 0 there, so the
// entries differ from 0 by rounding alone, which the block methods leave
// (their start vectors and filters mix every row). Components with θ at
// the rounding level of the largest one are left as they are, because
// their eigenvectors may lie in those rows. Collective.
void clear_zero_rows(DeflationResult& result, const std::vector<int>& zero)
{
    if (result.components.empty()) {
        return;
    }
    const double d = static_cast<double>(zero.size());
    const double floor = 64.0 * d * std::numeric_limits<double>::epsilon() *
                         std::abs(result.components.front().eigenvalue);
    for (std::size_t k = 0; k < result.vectors.size(); ++k) {
        if (!(std::abs(result.components[k].eigenvalue) > floor)) {
            continue;
        }
        DistVector& v = result.vectors[k];
        for (int il = 0; il < v.local_size(); ++il) {
            if (zero[static_cast<std::size_t>(v.global_row(il))] != 0) {
                v.local(il, 0) = 0.0;
            }
        }
        const double norm = std::sqrt(dot(v, v));
        if (norm > 0.0) {
            for (int il = 0; il < v.local_size(); ++il) {
                v.local(il, 0) /= norm;
            }
        }
    }
}

// Whether the solve overwrites the covariance matrix: explicit deflation
// and the block methods, which deflate it in place.
bool overwrites_matrix(const RunOptions& o)
{
    return o.deflation_kind == "explicit" || o.method == "block" ||
           o.method == "parallel";
}

// Runs the block or parallel method, which deflate `covariance` in place
// by whole blocks.
DeflationResult solve_in_blocks(const RunOptions& o,
                                const DeflationOptions& deflation,
                                BlockCyclicMatrix& covariance,
                                SolveObserver* observer)
{
    if (o.method == "block") {
        return run_block_deflation(covariance, deflation, o.block, observer);
    }
    return run_parallel_deflation(covariance, deflation, observer);
}

Problem load_problem(const RunOptions& o, const ProcessGrid& grid,
                     StageTimes& times)
{
    Problem problem;
    double start = MPI_Wtime();
    // Extra d x d matrices that --check keeps: PDSYEVR's working copy and
    // its eigenvectors, and the original when the solve overwrites it.
    double check_copies = 0.0;
    if (o.check) {
        check_copies = overwrites_matrix(o) ? 3.0 : 2.0;
    }
    if (o.synthetic_dimension > 0) {
        const double d = static_cast<double>(o.synthetic_dimension);
        check_memory(grid,
                     share_bytes(grid, d, d, o.block_size) *
                             std::max(3.0, 1.0 + check_copies) +
                         solver_bytes(o, grid, d),
                     "a synthetic " + std::to_string(o.synthetic_dimension) +
                         " x " + std::to_string(o.synthetic_dimension) +
                         " covariance");
        std::vector<double> eigenvalues;
        try {
            eigenvalues = parse_spectrum(o.spectrum, o.synthetic_dimension);
        } catch (const Error& e) {
            throw Error(e.what(), /*collective=*/true);
        }
        problem.covariance =
            std::make_unique<BlockCyclicMatrix>(synthetic_covariance(
                grid, eigenvalues, o.deflation.seed, o.block_size));
        problem.description =
            "synthetic d = " + std::to_string(o.synthetic_dimension) +
            ", spectrum " + o.spectrum;
        times.covariance = MPI_Wtime() - start;
        return problem;
    }
    InputSource input;
    input.path = o.input;
    input.format = o.format;
    input.raw = o.raw;
    input.dataset = o.dataset;
    input.transpose = o.transpose;
    const MatrixShape shape = read_matrix_shape(grid, input);
    const double n = static_cast<double>(shape.rows);
    const double d = static_cast<double>(shape.cols);
    const double covariance_share = share_bytes(grid, d, d, o.block_size);
    if (o.input_kind == "covariance") {
        check_memory(grid,
                     covariance_share * std::max(2.0, 1.0 + check_copies) +
                         solver_bytes(o, grid, d),
                     "the " + std::to_string(shape.rows) + " x " +
                         std::to_string(shape.cols) + " matrix in " + o.input);
        problem.covariance = std::make_unique<BlockCyclicMatrix>(
            read_covariance_matrix(grid, input, o.block_size));
        problem.description = o.input;
        times.read = MPI_Wtime() - start;
        return problem;
    }
    const double data_share = share_bytes(grid, n, d, o.block_size);
    // --transpose keeps the stored and the transposed matrix at once.
    const double read_peak = o.transpose ? 2.0 * data_share : data_share;
    double peak = std::max(
        {read_peak,
         data_share + covariance_share +
             covariance_workspace_bytes(grid, shape.rows, shape.cols),
         covariance_share * (1.0 + check_copies) + solver_bytes(o, grid, d)});
    std::string kept;
    if (o.scores) {
        // The data stay in memory through the solve. Then V (d x K) and the
        // scores (n x K) join them, and every rank stores the K axes.
        const double k = o.deflation.components;
        peak = std::max(read_peak, data_share +
                                       covariance_share * (1.0 + check_copies) +
                                       solver_bytes(o, grid, d) +
                                       share_bytes(grid, d, k, o.block_size) +
                                       share_bytes(grid, n, k, o.block_size) +
                                       8.0 * d * (k + 1.0));
        kept = ", kept for --scores,";
    }
    check_memory(grid, peak,
                 "the " + std::to_string(shape.rows) + " x " +
                     std::to_string(shape.cols) + " data in " + o.input + kept +
                     " and its covariance");
    BlockCyclicMatrix x = read_data_matrix(grid, input, o.block_size);
    times.read = MPI_Wtime() - start;
    start = MPI_Wtime();
    problem.samples = x.rows();
    if (x.rows() < 2) {
        throw Error(o.input +
                        ": need at least 2 samples (rows) to form a "
                        "covariance with divisor n - 1, but it has " +
                        std::to_string(x.rows()),
                    /*collective=*/true);
    }
    problem.means = center_columns(x);
    if (o.standardize) {
        standardize_data(o, x, problem);
    }
    const double syrk_start = MPI_Wtime();
    problem.covariance =
        std::make_unique<BlockCyclicMatrix>(form_covariance(x));
    times.syrk = MPI_Wtime() - syrk_start;
    times.syrk_flops = n * d * (d + 1.0);
    if (covariance_workspace_bytes(x.grid(), x.rows(), x.cols()) > 0.0) {
        times.syrk_routine = "DSYRK and MPI_Allreduce";
    }
    if (o.scores) {
        problem.data = std::make_unique<BlockCyclicMatrix>(std::move(x));
    }
    problem.description = o.input;
    times.covariance = MPI_Wtime() - start;
    return problem;
}

}  // namespace

int run_command_line(int argc, char** argv, MPI_Comm comm)
{
    const int rank = mpi::rank(comm);
    std::optional<RunOptions> parsed =
        parse_options(argc, argv, rank, mpi::size(comm));
    if (!parsed) {
        return exit_success;
    }
    const RunOptions& o = *parsed;
    bool created_output = false;
    mpi::run_agreed(comm, [&] {
        if (rank == 0) {
            created_output = prepare_output_folder(o.output, o.force);
        }
    });
    CreatedFolderGuard output_guard(o.output, created_output);
    ProcessGrid grid(comm, *o.grid);
    const RunLayout layout = describe_layout(o, grid);
    if (rank == 0) {
        warn_if_oversubscribed(layout);
    }
    StageTimes times;

    // 1. Input to covariance.
    Problem problem = load_problem(o, grid, times);
    const int d = problem.covariance->rows();
    problem.dimension = d;
    if (o.deflation.components > d) {
        throw Error("invalid --components " +
                        std::to_string(o.deflation.components) +
                        ": the input has only d = " + std::to_string(d) +
                        " features, so K must be at most " + std::to_string(d),
                    /*collective=*/true);
    }
    const int kept_columns =
        d - static_cast<int>(problem.dropped_columns.size());
    if (o.deflation.components > kept_columns) {
        throw Error("invalid --components " +
                        std::to_string(o.deflation.components) + ": only " +
                        std::to_string(kept_columns) +
                        " columns are left after --drop-constant-columns, "
                        "so K must be at most " +
                        std::to_string(kept_columns),
                    /*collective=*/true);
    }
    const double total_variance = trace(*problem.covariance);
    if (!(total_variance > 0.0)) {
        // A positive semidefinite matrix with trace 0 is zero, so a
        // non-zero one with trace ≤ 0 has a negative eigenvalue.
        double largest = 0.0;
        const BlockCyclicMatrix& c = *problem.covariance;
        for (int jl = 0; jl < c.local_cols(); ++jl) {
            for (int il = 0; il < c.local_rows(); ++il) {
                largest = std::max(largest, std::abs(c.local(il, jl)));
            }
        }
        largest = mpi::max_all(comm, largest);
        if (largest == 0.0) {
            throw Error(problem.description +
                            ": the covariance is zero (every column is "
                            "constant), so there are no principal "
                            "components; check the input",
                        /*collective=*/true);
        }
        std::ostringstream message;
        message << problem.description << ": the matrix is not positive "
                << "semidefinite: its trace is " << total_variance
                << " but it is not zero, so it has a negative eigenvalue; "
                   "covdefl needs a covariance matrix";
        throw Error(message.str(), /*collective=*/true);
    }
    if (rank == 0 && !o.quiet) {
        std::printf("covdefl %s: %s, d = %d, K = %d, %d ranks on a %dx%d "
                    "grid, block size %d\n",
                    version, problem.description.c_str(), d,
                    o.deflation.components, grid.size(), grid.nprow(),
                    grid.npcol(), o.block_size);
        print_layout(layout);
    }
    // Explicit deflation and the block methods overwrite the matrix, so
    // --check needs a copy.
    std::unique_ptr<BlockCyclicMatrix> original;
    if (o.check && overwrites_matrix(o)) {
        original = std::make_unique<BlockCyclicMatrix>(*problem.covariance);
    }

    // 2. Deflation, observed by the tracker on rank 0.
    Tracker tracker;
    ProgressReporter reporter(tracker, o.deflation.components, o.quiet);
    KernelMeasurements kernel;
    if (o.measure_bandwidth) {
        kernel.triad_bandwidth = measure_triad_bandwidth(comm);
        kernel.dgemm_rate = measure_dgemm_rate(comm);
    }
    double start = MPI_Wtime();
    DeflationOptions deflation = o.deflation;
    deflation.probe = true;
    std::unique_ptr<TargetAccuracyBudget> budget;
    if (o.target_accuracy > 0.0 && rank == 0) {
        budget = std::make_unique<TargetAccuracyBudget>(o.target_accuracy,
                                                        o.deflation.components);
    }
    const std::vector<int> zero_rows = find_zero_rows(*problem.covariance);
    DeflationResult result;
    if (o.method == "block" || o.method == "parallel") {
        result = solve_in_blocks(o, deflation, *problem.covariance,
                                 rank == 0 ? &reporter : nullptr);
        times.solve = MPI_Wtime() - start;
        kernel.block_products = true;
        kernel.bytes_per_product = symv_matrix_bytes(d);
        for (const BlockSummary& block : tracker.blocks()) {
            kernel.products += block.block_products;
            kernel.vector_products += block.vector_products;
            kernel.product_seconds += block.product_seconds;
        }
    } else {
        std::unique_ptr<DeflatedOperator> deflated =
            make_deflation(o, *problem.covariance);
        TimedOperator op(*deflated);
        std::unique_ptr<EigenSubroutine> subroutine = make_subroutine(o);
        result = run_deflation(op, deflation, *subroutine,
                               rank == 0 ? &reporter : nullptr, budget.get());
        times.solve = MPI_Wtime() - start;
        kernel.products = op.products();
        kernel.vector_products = op.products();
        kernel.product_seconds = op.product_seconds();
        kernel.deflation_seconds = op.deflation_seconds();
        kernel.bytes_per_product = symv_matrix_bytes(d);
    }
    kernel.flops = 2.0 * d * d * static_cast<double>(kernel.vector_products);
    clear_zero_rows(result, zero_rows);
    if (original || !o.check) {
        problem.covariance.reset();
    }

    // 3. Optional reference check.
    std::optional<ReferenceCheck> check;
    if (o.check) {
        start = MPI_Wtime();
        // Implicit deflation left the covariance as it was.
        check = check_against_pdsyevr(
            original ? *original : *problem.covariance, result.vectors);
        for (std::size_t i = 0; i < check->components.size(); ++i) {
            ComponentCheck& c = check->components[i];
            const double theta = result.components[i].eigenvalue;
            // A zero reference eigenvalue is compared relative to λ1.
            const double scale =
                c.reference_eigenvalue != 0.0
                    ? std::abs(c.reference_eigenvalue)
                    : std::abs(check->components[0].reference_eigenvalue);
            c.relative_eigenvalue_difference =
                scale > 0.0 ? std::abs(theta - c.reference_eigenvalue) / scale
                            : std::abs(theta - c.reference_eigenvalue);
        }
        times.check = MPI_Wtime() - start;
    }

    // 4. Outputs, written by rank 0.
    start = MPI_Wtime();
    // Every rank needs the signed axes for --scores, rank 0 alone otherwise.
    std::vector<std::vector<double>> axes;
    for (const DistVector& v : result.vectors) {
        axes.push_back(o.scores ? gather_all(v) : gather_to_root(v, 0));
        fix_sign(axes.back());
        clear_entries(axes.back(), problem.dropped_columns);
    }
    const int k = o.deflation.components;
    std::vector<double> eigenvalues;
    std::vector<double> explained;
    for (const ComponentSummary& s : result.components) {
        eigenvalues.push_back(s.eigenvalue);
        explained.push_back(
            total_variance != 0.0 ? s.eigenvalue / total_variance : 0.0);
    }
    bool all_converged = true;
    for (const ComponentSummary& s : result.components) {
        all_converged = all_converged && s.status == ComponentStatus::converged;
    }
    // Bounds and, with a trusted reference, the actual errors (rank 0).
    std::vector<ComponentBounds> bounds;
    std::vector<ActualError> actual;
    std::vector<std::string> defects;
    if (rank == 0) {
        bounds = tracker.bounds(d);
        if (check && check->valid) {
            actual = actual_errors(*check, eigenvalues, bounds);
            defects = find_bound_defects(bounds, actual);
        }
    }
    int defect_count = static_cast<int>(defects.size());
    mpi::check(MPI_Bcast(&defect_count, 1, MPI_INT, 0, comm), "MPI_Bcast");

    std::string staging;
    mpi::run_agreed(comm, [&] {
        if (rank == 0) {
            staging = create_staging_folder(o.output);
        }
    });
    if (o.scores) {
        write_scores(o, *problem.data, axes, broadcast_string(comm, staging));
        problem.data.reset();
    }
    mpi::run_agreed(comm, [&] {
        if (rank != 0) {
            return;
        }
        ResultArrays arrays;
        arrays.components = k;
        arrays.dimension = d;
        arrays.eigenvalues = eigenvalues;
        arrays.explained = explained;
        arrays.means = problem.means;
        arrays.scales = problem.scales;
        for (const std::vector<double>& axis : axes) {
            arrays.axes.insert(arrays.axes.end(), axis.begin(), axis.end());
        }
        publish_results(o.output, staging, o.output_format, arrays,
                        [&](const std::string& path) {
                            // The arrays are written; the report itself is the
                            // rest.
                            times.write = MPI_Wtime() - start;
                            write_report(
                                path,
                                {.options = o,
                                 .grid = grid,
                                 .problem = problem,
                                 .total_variance = total_variance,
                                 .tracker = tracker,
                                 .explained = explained,
                                 .check = check ? &*check : nullptr,
                                 .bounds = bounds,
                                 .actual = actual.empty() ? nullptr : &actual,
                                 .defects = defects,
                                 .budget = budget.get(),
                                 .times = times,
                                 .kernel = kernel,
                                 .layout = layout});
                        });
        print_table(tracker, explained, check ? &*check : nullptr);
        if (!o.quiet) {
            print_bounds(bounds, actual.empty() ? nullptr : &actual);
        }
        for (const std::string& defect : defects) {
            std::fprintf(stderr, "covdefl: DEFECT: %s\n", defect.c_str());
        }
        if (budget) {
            print_budget(*budget, bounds);
        }
        if (!o.quiet) {
            print_kernel(kernel);
            std::printf("\ntime: read %.3f s, covariance %.3f s, solve %.3f s, "
                        "check %.3f s, write %.3f s\nresults in %s\n",
                        times.read, times.covariance, times.solve, times.check,
                        times.write, o.output.c_str());
        }
        for (const ComponentSummary& s : result.components) {
            if (s.status != ComponentStatus::converged) {
                std::fprintf(stderr, "covdefl: warning: component %d: %s\n",
                             s.component + 1, describe(s.status));
            }
        }
        std::fflush(stdout);
    });
    if (defect_count > 0) {
        return exit_bound_defect;
    }
    return all_converged ? exit_success : exit_not_converged;
}

}  // namespace covdefl
