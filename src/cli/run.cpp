// The covdefl command line: options, the pipeline stages, outputs.
#include <boost/program_options.hpp>

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

#include "cli/output.hpp"
#include "covdefl/budget.hpp"
#include "covdefl/cli.hpp"
#include "covdefl/covariance.hpp"
#include "covdefl/io.hpp"
#include "covdefl/mpi.hpp"
#include "covdefl/reference.hpp"
#include "covdefl/solver.hpp"
#include "covdefl/tracker.hpp"

namespace covdefl {

namespace {

namespace po = boost::program_options;

constexpr const char* version = "0.1.0";
constexpr const char* default_input =
    "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";

struct RunOptions {
    std::string input = default_input;
    std::string format = "auto";
    std::string input_kind = "data";
    long long synthetic_dimension = 0;
    std::string spectrum = "geometric:0.9";
    DeflationOptions deflation;
    int block_size = 64;
    std::optional<GridShape> grid;
    std::string output = "covdefl-output";
    double target_accuracy = 0.0;  // 0: off
    bool check = false;
    bool history = false;
    bool quiet = false;
    std::string command_line;
};

po::options_description describe_options(RunOptions& o)
{
    po::options_description options("Options");
    // clang-format off
    options.add_options()
        ("help,h", "print this help and exit")
        ("version", "print the version and exit")
        ("input,i", po::value(&o.input)->default_value(o.input),
         "input file: an n x d data matrix (rows are samples) or, with "
         "--input-kind covariance, a d x d symmetric matrix")
        ("format", po::value(&o.format)->default_value(o.format),
         "input format: npy, idx (MNIST, gzipped or not) or auto (from the "
         "file name)")
        ("input-kind", po::value(&o.input_kind)->default_value(o.input_kind),
         "data (centre the columns, form C = XcᵀXc/(n-1)) or covariance "
         "(use the matrix as C)")
        ("synthetic", po::value(&o.synthetic_dimension),
         "ignore --input and build a d x d covariance Q diag(λ) Qᵀ with "
         "random orthogonal Q and the --spectrum eigenvalues; value: d")
        ("spectrum", po::value(&o.spectrum)->default_value(o.spectrum),
         "eigenvalues for --synthetic: geometric:R (R^(i-1)), power:P "
         "(i^-P) or list:a,b,... (then zeros)")
        ("components,k",
         po::value(&o.deflation.components)->default_value(10),
         "number K of principal components, 1 <= K <= d")
        ("tol", po::value(&o.deflation.tolerance)->default_value(1e-12, "1e-12"),
         "stop a component when ||Av - θv|| <= tol·|θ| (relative residual, "
         "dimensionless)")
        ("max-iterations",
         po::value(&o.deflation.max_iterations)->default_value(10000),
         "iteration limit per component; a component that reaches it is "
         "reported as not converged")
        ("seed", po::value(&o.deflation.seed)->default_value(42),
         "seed of the start vectors and of --synthetic; the same seed gives "
         "the same result for every rank count and grid")
        ("block-size", po::value(&o.block_size)->default_value(o.block_size),
         "ScaLAPACK block size (rows = columns) of every distributed matrix")
        ("grid", po::value<std::string>(),
         "process grid PxQ with P·Q = number of ranks (default: as square "
         "as possible, P >= Q)")
        ("output,o", po::value(&o.output)->default_value(o.output),
         "results folder (created if missing)")
        ("target-accuracy", po::value(&o.target_accuracy),
         "stop each component so that every one ends within this distance "
         "‖vk − uk‖ of its principal axis (estimated; replaces --tol for "
         "the K components), for example 1e-6")
        ("check", po::bool_switch(&o.check),
         "also compute the top K eigenpairs with ScaLAPACK PDSYEVR and report "
         "the differences (costs three extra d x d matrices)")
        ("history", po::bool_switch(&o.history),
         "keep every iteration's θ, residual and step norm in report.json")
        ("quiet,q", po::bool_switch(&o.quiet),
         "print only errors and the final table");
    // clang-format on
    return options;
}

// Returns the parsed options, or nothing when --help or --version was
// handled. Every rank parses the same command line, so a bad option is a
// collective error.
std::optional<RunOptions> parse_options(int argc, char** argv, int rank,
                                        int nranks)
{
    RunOptions o;
    po::options_description options = describe_options(o);
    po::variables_map values;
    try {
        po::store(po::command_line_parser(argc, argv).options(options).run(),
                  values);
        po::notify(values);
    } catch (const po::error& e) {
        throw Error(std::string(e.what()) +
                        "; run covdefl --help for the options",
                    /*collective=*/true);
    }
    if (values.count("help") != 0) {
        if (rank == 0) {
            std::cout << "covdefl " << version
                      << ": top-K principal components by Hotelling's "
                         "deflation on a ScaLAPACK process grid\n\n"
                         "usage: mpirun -np N covdefl [options]\n\n"
                      << options
                      << "\nExit status: 0 success, 1 error, 3 results "
                         "written but some component did not converge, 4 "
                         "with --check: a bound is below the actual error.\n";
        }
        return std::nullopt;
    }
    if (values.count("version") != 0) {
        if (rank == 0) {
            std::cout << "covdefl " << version << "\n";
        }
        return std::nullopt;
    }
    auto reject = [](const std::string& message) {
        throw Error(message, /*collective=*/true);
    };
    if (o.deflation.components < 1) {
        reject("invalid --components " +
               std::to_string(o.deflation.components) +
               ": must be at least 1");
    }
    if (!(o.deflation.tolerance > 0.0 && o.deflation.tolerance < 1.0)) {
        std::ostringstream message;
        message << "invalid --tol " << o.deflation.tolerance
                << ": must be in (0, 1), for example 1e-10";
        reject(message.str());
    }
    if (values.count("target-accuracy") != 0 &&
        !(o.target_accuracy > 0.0 && o.target_accuracy < 1.0)) {
        std::ostringstream message;
        message << "invalid --target-accuracy " << o.target_accuracy
                << ": must be in (0, 1), for example 1e-6";
        reject(message.str());
    }
    if (o.deflation.max_iterations < 1) {
        reject("invalid --max-iterations " +
               std::to_string(o.deflation.max_iterations) +
               ": must be at least 1");
    }
    // ScaLAPACK's workspaces grow as the block size squared, so a huge
    // block costs gigabytes even for a small matrix.
    if (o.block_size < 1 || o.block_size > 2048) {
        reject("invalid --block-size " + std::to_string(o.block_size) +
               ": must be between 1 and 2048 (64 is the measured default)");
    }
    if (o.input_kind != "data" && o.input_kind != "covariance") {
        reject("invalid --input-kind '" + o.input_kind +
               "': expected data or covariance");
    }
    if (values.count("synthetic") != 0 &&
        (o.synthetic_dimension < 1 || o.synthetic_dimension > 1'000'000)) {
        reject("invalid --synthetic " +
               std::to_string(o.synthetic_dimension) +
               ": d must be between 1 and 1000000");
    }
    if (values.count("grid") != 0) {
        try {
            o.grid = parse_grid_shape(values["grid"].as<std::string>());
        } catch (const Error& e) {
            reject(e.what());
        }
    } else {
        o.grid = choose_grid_shape(nranks);
    }
    if (o.grid->rows * o.grid->cols != nranks) {
        reject("--grid " + std::to_string(o.grid->rows) + "x" +
               std::to_string(o.grid->cols) + " needs " +
               std::to_string(o.grid->rows * o.grid->cols) +
               " ranks but the job has " + std::to_string(nranks) +
               "; choose P x Q equal to the rank count");
    }
    for (int i = 0; i < argc; ++i) {
        o.command_line += (i > 0 ? " " : "") + std::string(argv[i]);
    }
    return o;
}

const char* describe(ComponentStatus status)
{
    switch (status) {
    case ComponentStatus::converged:
        return "converged";
    case ComponentStatus::iteration_limit:
        return "NOT CONVERGED (iteration limit)";
    case ComponentStatus::not_separated:
        return "NOT SEPARATED from earlier components (eigenvalue at the "
               "deflation's error level)";
    }
    return "unknown";
}

// Prints one line per finished component on rank 0 and forwards every
// event to the tracker.
class ProgressReporter : public SolveObserver {
public:
    ProgressReporter(Tracker& tracker, int components, bool quiet)
        : tracker_(tracker), components_(components), quiet_(quiet)
    {}

    void on_iteration(const IterationRecord& record) override
    {
        tracker_.on_iteration(record);
    }

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
                    describe(s.status),
                    s.seconds);
        std::fflush(stdout);
    }

private:
    Tracker& tracker_;
    int components_;
    bool quiet_;
};

// Wall time of each pipeline stage, in seconds.
struct StageTimes {
    double read = 0.0;
    double covariance = 0.0;
    double solve = 0.0;
    double check = 0.0;
    double write = 0.0;
};

// The matrix whose eigenpairs are wanted, with what is known about it.
struct Problem {
    std::unique_ptr<BlockCyclicMatrix> covariance;
    std::vector<double> means;  // empty unless the input is a data matrix
    long long samples = 0;      // n, for data inputs
    int dimension = 0;          // d
    std::string description;
};

// Bytes of the largest local share of an m x n block-cyclic matrix with
// nb x nb blocks, rounded up to whole blocks (an upper estimate).
double share_bytes(const ProcessGrid& grid, double m, double n, int nb)
{
    const double rows = std::ceil(m / (nb * grid.nprow())) * nb;
    const double cols = std::ceil(n / (nb * grid.npcol())) * nb;
    return 8.0 * std::min(rows, m) * std::min(cols, n);
}

// Memory this rank may use: MemAvailable of its node divided by the ranks
// on the node. Infinity when /proc/meminfo cannot be read.
double available_bytes_per_rank(MPI_Comm comm)
{
    MPI_Comm node = MPI_COMM_NULL;
    mpi::check(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0,
                                   MPI_INFO_NULL, &node),
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
// of some rank exceeds 90% of what its node has available per rank.
void check_memory(const ProcessGrid& grid, double peak_bytes,
                  const std::string& what)
{
    const double available = available_bytes_per_rank(grid.comm());
    const double worst_ratio =
        mpi::max_all(grid.comm(), peak_bytes / (0.9 * available));
    if (worst_ratio <= 1.0) {
        return;
    }
    std::ostringstream message;
    message.precision(3);
    const double gib = 1024.0 * 1024.0 * 1024.0;
    message << what << " needs about " << peak_bytes / gib
            << " GiB per rank, more than the " << 0.9 * available / gib
            << " GiB available per rank on this node; run on about "
            << std::ceil(worst_ratio * grid.size())
            << " ranks spread over more nodes";
    throw Error(message.str(), /*collective=*/true);
}

Problem load_problem(const RunOptions& o, const ProcessGrid& grid,
                     StageTimes& times)
{
    Problem problem;
    double start = MPI_Wtime();
    // Extra d x d matrices that --check keeps: the original, PDSYEVR's
    // working copy and its eigenvectors.
    const double check_copies = o.check ? 3.0 : 0.0;
    if (o.synthetic_dimension > 0) {
        const double d = static_cast<double>(o.synthetic_dimension);
        check_memory(grid,
                     share_bytes(grid, d, d, o.block_size) *
                         std::max(3.0, 1.0 + check_copies),
                     "a synthetic " + std::to_string(o.synthetic_dimension) +
                         " x " + std::to_string(o.synthetic_dimension) +
                         " covariance");
        std::vector<double> eigenvalues;
        try {
            eigenvalues = parse_spectrum(o.spectrum, o.synthetic_dimension);
        } catch (const Error& e) {
            throw Error(e.what(), /*collective=*/true);
        }
        problem.covariance = std::make_unique<BlockCyclicMatrix>(
            synthetic_covariance(grid, eigenvalues, o.deflation.seed,
                                 o.block_size));
        problem.description = "synthetic d = " +
                              std::to_string(o.synthetic_dimension) +
                              ", spectrum " + o.spectrum;
        times.covariance = MPI_Wtime() - start;
        return problem;
    }
    const MatrixShape shape = read_matrix_shape(grid, o.input, o.format);
    const double n = static_cast<double>(shape.rows);
    const double d = static_cast<double>(shape.cols);
    const double covariance_share = share_bytes(grid, d, d, o.block_size);
    if (o.input_kind == "covariance") {
        check_memory(grid, covariance_share * std::max(2.0, 1.0 + check_copies),
                     "the " + std::to_string(shape.rows) + " x " +
                         std::to_string(shape.cols) + " matrix in " + o.input);
        problem.covariance = std::make_unique<BlockCyclicMatrix>(
            read_covariance_matrix(grid, o.input, o.format, o.block_size));
        problem.description = o.input;
        times.read = MPI_Wtime() - start;
        return problem;
    }
    check_memory(grid,
                 std::max(share_bytes(grid, n, d, o.block_size) +
                              covariance_share,
                          covariance_share * (1.0 + check_copies)),
                 "the " + std::to_string(shape.rows) + " x " +
                     std::to_string(shape.cols) + " data in " + o.input +
                     " and its covariance");
    BlockCyclicMatrix x =
        read_data_matrix(grid, o.input, o.format, o.block_size);
    times.read = MPI_Wtime() - start;
    start = MPI_Wtime();
    problem.samples = x.rows();
    if (x.rows() < 2) {
        throw Error(o.input + ": need at least 2 samples (rows) to form a "
                              "covariance with divisor n - 1, but it has " +
                        std::to_string(x.rows()),
                    /*collective=*/true);
    }
    problem.means = center_columns(x);
    problem.covariance =
        std::make_unique<BlockCyclicMatrix>(form_covariance(x));
    problem.description = o.input;
    times.covariance = MPI_Wtime() - start;
    return problem;
}

void write_report(const std::string& path, const RunOptions& o,
                  const ProcessGrid& grid, const Problem& problem,
                  double total_variance, const Tracker& tracker,
                  const std::vector<double>& explained,
                  const ReferenceCheck* check,
                  const std::vector<ComponentBounds>& bounds,
                  const std::vector<ActualError>* actual,
                  const std::vector<std::string>& defects,
                  const TargetAccuracyBudget* budget,
                  const StageTimes& times)
{
    {
        std::ofstream out(path);
        JsonWriter json(out);
        json.begin_object();
        json.field("covdefl_version", version);
        json.field("command_line", o.command_line);
        json.key("parallel");
        json.begin_object();
        json.field("ranks", grid.size());
        json.field("grid_rows", grid.nprow());
        json.field("grid_cols", grid.npcol());
        json.field("block_size", o.block_size);
        json.end_object();
        json.key("input");
        json.begin_object();
        json.field("source", problem.description);
        json.field("kind", o.synthetic_dimension > 0 ? std::string("synthetic")
                                                      : o.input_kind);
        json.field("dimension", problem.dimension);
        if (problem.samples > 0) {
            json.field("samples", problem.samples);
        }
        json.end_object();
        json.key("solver");
        json.begin_object();
        json.field("method", "power");
        json.field("components", o.deflation.components);
        json.field("tolerance", o.deflation.tolerance);
        json.field("max_iterations", o.deflation.max_iterations);
        json.field("seed", static_cast<long long>(o.deflation.seed));
        json.field("total_iterations", tracker.total_iterations());
        json.end_object();
        json.field("total_variance", total_variance);
        json.field("explained_variance_ratio", explained);
        json.key("components");
        tracker.write_json(json, o.history, &bounds, actual);
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
        if (budget != nullptr) {
            json.key("target_accuracy");
            budget->write_json(json);
        }
        json.key("bound_defects");
        json.begin_array();
        for (const std::string& defect : defects) {
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
        json.end_object();
        out.close();
        if (!out) {
            throw Error("cannot write " + path + ": " + std::strerror(errno) +
                        "; check the free space and permissions of the "
                        "output folder");
        }
    }
}

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

void print_bounds(const std::vector<ComponentBounds>& bounds,
                  const std::vector<ActualError>* actual)
{
    std::printf("\n%4s  %10s  %10s  %10s  %10s  %10s  %10s", "k", "gap est.",
                "amplif.", "|δ| bound", "direct", "agnostic", "power it.");
    if (actual != nullptr) {
        std::printf("  %10s", "actual");
    }
    std::printf("\n");
    for (std::size_t k = 0; k < bounds.size(); ++k) {
        const ComponentBounds& b = bounds[k];
        std::printf("%4zu  %10.3e  %10.3e  %10s  %10s  %10s  %10s", k + 1,
                    b.gap_lower, b.amplification,
                    format_bound(b.subroutine_error, 0.0).c_str(),
                    format_bound(b.direct, 0.0).c_str(),
                    format_bound(b.agnostic, b.agnostic_formula).c_str(),
                    format_bound(b.power, b.power_formula).c_str());
        if (actual != nullptr) {
            std::printf("  %10.3e", (*actual)[k].vector_error);
        }
        std::printf("\n");
    }
    std::printf("Bounds on ‖vk − uk‖ use measured stand-ins for the "
                "eigenvalues and gaps, so they are estimates.\n* the "
                "theorem's hypothesis is not met: the formula's value, not a "
                "guarantee (report.json gives the reason).\n");
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
        std::printf("%4zu  %12.3e  %12.3e  %12s  %s\n", k + 1,
                    b.target_error, b.achieved_error,
                    format_bound(direct, 0.0).c_str(),
                    certified ? "within target"
                    : b.reached
                        ? "NOT CERTIFIED (the bound exceeds the target)"
                        : "NOT REACHED (gap too small for the precision)");
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
    mpi::run_agreed(comm, [&] {
        if (rank == 0) {
            prepare_output_folder(o.output);
        }
    });
    ProcessGrid grid(comm, *o.grid);
    StageTimes times;

    // 1. Input to covariance.
    Problem problem = load_problem(o, grid, times);
    const int d = problem.covariance->rows();
    problem.dimension = d;
    if (o.deflation.components > d) {
        throw Error("invalid --components " +
                        std::to_string(o.deflation.components) +
                        ": the input has only d = " + std::to_string(d) +
                        " features, so K must be at most " +
                        std::to_string(d),
                    /*collective=*/true);
    }
    const double total_variance = trace(*problem.covariance);
    if (rank == 0 && !o.quiet) {
        std::printf("covdefl %s: %s, d = %d, K = %d, %d ranks on a %dx%d "
                    "grid, block size %d\n",
                    version, problem.description.c_str(), d,
                    o.deflation.components, grid.size(), grid.nprow(),
                    grid.npcol(), o.block_size);
        std::fflush(stdout);
    }
    std::unique_ptr<BlockCyclicMatrix> original;
    if (o.check) {
        original = std::make_unique<BlockCyclicMatrix>(*problem.covariance);
    }

    // 2. Deflation, observed by the tracker on rank 0.
    Tracker tracker;
    ProgressReporter reporter(tracker, o.deflation.components, o.quiet);
    double start = MPI_Wtime();
    DeflationOptions deflation = o.deflation;
    deflation.probe = true;
    ExplicitDeflation op(*problem.covariance);
    PowerIteration power;
    std::unique_ptr<TargetAccuracyBudget> budget;
    if (o.target_accuracy > 0.0 && rank == 0) {
        budget = std::make_unique<TargetAccuracyBudget>(
            o.target_accuracy, o.deflation.components);
    }
    DeflationResult result = run_deflation(op, deflation, power,
                                           rank == 0 ? &reporter : nullptr,
                                           budget.get());
    times.solve = MPI_Wtime() - start;
    problem.covariance.reset();

    // 3. Optional reference check.
    std::optional<ReferenceCheck> check;
    if (o.check) {
        start = MPI_Wtime();
        check = check_against_pdsyevr(*original, result.vectors);
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
    std::vector<std::vector<double>> axes;
    for (const DistVector& v : result.vectors) {
        axes.push_back(gather_to_root(v, 0));
    }
    const int k = o.deflation.components;
    std::vector<double> eigenvalues;
    std::vector<double> explained;
    for (const ComponentSummary& s : result.components) {
        eigenvalues.push_back(s.eigenvalue);
        explained.push_back(total_variance != 0.0
                                ? s.eigenvalue / total_variance
                                : 0.0);
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
            for (std::size_t i = 0; i < check->components.size(); ++i) {
                const ComponentCheck& c = check->components[i];
                ActualError error;
                error.vector_error = chord_from_sine(c.sin_angle);
                error.eigenvalue_error = std::abs(
                    result.components[i].eigenvalue - c.reference_eigenvalue);
                // PDSYEVR's pairs are accurate to about its residual
                // (times λ1) over the gap, plus its loss of orthogonality.
                const double reference_residual =
                    check->max_residual *
                    std::abs(check->components[0].reference_eigenvalue);
                const double gap = bounds[i].original_gap;
                error.vector_uncertainty =
                    check->max_orthogonality +
                    (gap > 0.0 ? reference_residual / gap : 0.0);
                error.eigenvalue_uncertainty = reference_residual;
                actual.push_back(error);
            }
            defects = find_bound_defects(bounds, actual);
        }
    }
    int defect_count = static_cast<int>(defects.size());
    mpi::check(MPI_Bcast(&defect_count, 1, MPI_INT, 0, comm), "MPI_Bcast");

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
        for (std::vector<double>& axis : axes) {
            fix_sign(axis);
            arrays.axes.insert(arrays.axes.end(), axis.begin(), axis.end());
        }
        times.write = MPI_Wtime() - start;
        publish_results(o.output, arrays, [&](const std::string& path) {
            write_report(path, o, grid, problem, total_variance, tracker,
                         explained, check ? &*check : nullptr, bounds,
                         actual.empty() ? nullptr : &actual, defects,
                         budget.get(), times);
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
            std::printf("\ntime: read %.3f s, covariance %.3f s, solve %.3f s, "
                        "check %.3f s, write %.3f s\nresults in %s\n",
                        times.read, times.covariance, times.solve,
                        times.check, times.write, o.output.c_str());
        }
        if (!all_converged) {
            std::fprintf(stderr,
                         "covdefl: warning: some components did not converge "
                         "(iteration limit %d) or could not be separated "
                         "from earlier ones; see their status in "
                         "report.json\n",
                         o.deflation.max_iterations);
        }
        std::fflush(stdout);
    });
    if (defect_count > 0) {
        return exit_bound_defect;
    }
    return all_converged ? exit_success : exit_not_converged;
}

}  // namespace covdefl
