// Types shared by the parts of the covdefl command line.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "covdefl/binary_input.hpp"
#include "covdefl/block_solver.hpp"
#include "covdefl/budget.hpp"
#include "covdefl/grid.hpp"
#include "covdefl/lanczos.hpp"
#include "covdefl/reference.hpp"
#include "covdefl/solver.hpp"
#include "covdefl/tracker.hpp"

namespace covdefl {

inline constexpr const char* version = "0.1.0";
inline constexpr const char* default_input =
    "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";

// Options of one run, parsed and validated.
struct RunOptions {
    std::string input = default_input;
    std::string format = "auto";
    std::string dataset;  // HDF5 input only; empty: the only 2-D dataset
    std::string input_kind = "data";
    io::RawOptions raw;      // --shape, --dtype, --byte-order, --layout
    bool transpose = false;  // the input is stored d x n
    long long synthetic_dimension = 0;
    std::string spectrum = "geometric:0.9";
    DeflationOptions deflation;
    std::string method = "block";  // block, lanczos, power or parallel
    BlockDeflationOptions block;
    std::string block_iteration = "krylov";  // krylov or chebyshev
    int block_size = 64;
    bool block_size_from_option = false;  // false: the default block size
    std::optional<GridShape> grid;
    bool grid_from_option = false;  // false: choose_grid_shape's shape
    std::string output = "covdefl-output";
    std::string output_format = "npy";  // npy, csv or hdf5
    bool force = false;                 // replace the results in --output
    bool scores = false;                // write the projected data
    bool standardize = false;           // divide columns by their std dev
    bool drop_constant_columns = false;
    double target_accuracy = 0.0;  // 0: off
    int krylov_dimension = LanczosIteration::default_krylov_dimension;
    std::string deflation_kind = "explicit";  // explicit or implicit
    std::string product_kernel = "triangle";  // triangle or pblas
    bool measure_bandwidth = false;
    bool check = false;
    bool history = false;
    bool quiet = false;
    std::string command_line;
};

// Wall time of each pipeline stage, in seconds.
struct StageTimes {
    double read = 0.0;
    double covariance = 0.0;  // centring and forming the covariance
    double syrk = 0.0;        // xᵀx alone, part of `covariance`
    std::string syrk_routine = "PDSYRK";
    double syrk_flops = 0.0;  // n·d·(d + 1), the flops of xᵀx

    double solve = 0.0;
    double check = 0.0;
    double write = 0.0;
};

// The matrix whose eigenpairs are wanted, with what is known about it.
struct Problem {
    std::unique_ptr<BlockCyclicMatrix> covariance;
    std::vector<double> means;  // empty unless the input is a data matrix
    // Column standard deviations, with --standardize only (length d).
    std::vector<double> scales;
    // Constant columns left out by --drop-constant-columns, 0-based.
    std::vector<int> dropped_columns;
    // The centred (and standardised) n x d data, kept for --scores only.
    std::unique_ptr<BlockCyclicMatrix> data;
    long long samples = 0;  // n, for data inputs
    int dimension = 0;      // d
    std::string description;
};

// Memory-bound kernel figures of a run (rank 0's timings).
struct KernelMeasurements {
    long long products = 0;          // products with the deflated matrix
    long long vector_products = 0;   // matrix-vector-product equivalents
    double product_seconds = 0.0;    // their total wall time on rank 0
    double deflation_seconds = 0.0;  // wall time of the deflation updates
    double bytes_per_product = 0.0;  // matrix bytes one product reads
    double flops = 0.0;              // 2·d² per vector product
    double triad_bandwidth = 0.0;    // bytes/s, 0 unless measured
    double dgemm_rate = 0.0;         // flops/s, 0 unless measured
    // True for the block and parallel methods: `products` counts products
    // with a block of vectors.
    bool block_products = false;
};

struct RunLayout;

// Returns the eigen sub-routine that --method names. Throws Error on
// another name.
std::unique_ptr<EigenSubroutine> make_subroutine(const RunOptions& o);

// Returns the deflated operator that --deflation names on `matrix`.
// Explicit deflation overwrites the matrix, implicit deflation leaves it
// as it is. Throws Error on another name.
std::unique_ptr<DeflatedOperator> make_deflation(const RunOptions& o,
                                                 BlockCyclicMatrix& matrix);

// Returns the parsed options, or nothing when --help or --version was
// handled. Every rank parses the same command line, so a bad option is a
// collective error.
std::optional<RunOptions> parse_options(int argc, char** argv, int rank,
                                        int nranks);

// Status of a component in words, for the progress lines.
const char* describe(ComponentStatus status);

// Inputs of report.json. A call that leaves out a reference member does not
// compile. A null pointer leaves its section out of the report.
struct ReportInputs {
    const RunOptions& options;
    const ProcessGrid& grid;
    const Problem& problem;
    double total_variance;  // trace of the covariance matrix
    const Tracker& tracker;
    const std::vector<double>& explained;  // explained variance ratios
    const ReferenceCheck* check;           // null without --check
    const std::vector<ComponentBounds>& bounds;
    // Actual errors against a trusted PDSYEVR reference, or null.
    const std::vector<ActualError>* actual;
    const std::vector<std::string>& defects;  // bounds below actual errors
    const TargetAccuracyBudget* budget;       // null without --target-accuracy
    const StageTimes& times;
    const KernelMeasurements& kernel;
    const RunLayout& layout;
};

// Writes report.json to `path` (rank 0). Throws Error when the file cannot
// be written.
void write_report(const std::string& path, const ReportInputs& report);

// Prints the kernel figures (rank 0).
void print_kernel(const KernelMeasurements& kernel);

// Prints the bounds table (rank 0).
void print_bounds(const std::vector<ComponentBounds>& bounds,
                  const std::vector<ActualError>* actual);

// Prints the budget's plan and outcome (rank 0).
void print_budget(const TargetAccuracyBudget& budget,
                  const std::vector<ComponentBounds>& bounds);

// Prints the final table of components (rank 0).
void print_table(const Tracker& tracker, const std::vector<double>& explained,
                 const ReferenceCheck* check);

}  // namespace covdefl
