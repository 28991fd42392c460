// Command-line options of covdefl (Boost.Program_options).
#include <boost/program_options.hpp>

#include <iostream>
#include <sstream>

#include "cli/run_types.hpp"
#include "covdefl/error.hpp"
#include "covdefl/hdf5.hpp"

namespace covdefl {

namespace {

namespace po = boost::program_options;

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
         "input format: npy, raw (binary, needs --shape), idx (MNIST, "
         "gzipped or not), csv (delimited text), mm (Matrix Market), hdf5 "
         "or auto (from the file name; .bin and .raw are raw)")
        ("dataset", po::value(&o.dataset),
         "HDF5 input: path of the 2-D dataset in the file (default: the "
         "only 2-D dataset)")
        ("shape", po::value(&o.raw.shape),
         "raw input only: rows and columns as stored, n,d (required)")
        ("dtype", po::value(&o.raw.dtype),
         "raw input only: float64 (default) or float32")
        ("byte-order", po::value(&o.raw.byte_order),
         "raw input only: little (default) or big")
        ("layout", po::value(&o.raw.layout),
         "raw input only: row (row-major, C order; default) or column "
         "(column-major, Fortran order)")
        ("transpose", po::bool_switch(&o.transpose),
         "the input is stored transposed, d x n (features x samples): read "
         "it as stored, then transpose it on the grid (PDTRAN)")
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
        ("method", po::value(&o.method)->default_value(o.method),
         "sub-routine: lanczos (thick-restart Lanczos, one component at a "
         "time), power (power iteration, one component at a time), block "
         "(--block-width components at a time by --block-iteration, one "
         "matrix read per product with all of them) or parallel (all K "
         "vectors iterate at once, parallel deflation)")
        ("block-iteration",
         po::value(&o.block_iteration)->default_value(o.block_iteration),
         "how --method block finds each block: krylov (restarted block "
         "Krylov, --block-steps products per cycle) or chebyshev "
         "(Chebyshev-filtered subspace iteration)")
        ("block-steps",
         po::value(&o.block.krylov_steps)->default_value(o.block.krylov_steps),
         "--block-iteration krylov: most block products per restart "
         "cycle; the basis holds up to this many times the block's vectors "
         "(2 to 100)")
        ("block-width", po::value(&o.block.block_width)
                            ->default_value(o.block.block_width),
         "components per deflation step of --method block (b >= 1)")
        ("guard-vectors", po::value(&o.block.guard_vectors),
         "extra vectors that --method block iterates beside each block, so "
         "that component b converges at the rate λ(b+g+1)/λb (default: 2 "
         "for --block-iteration krylov, half the block width rounded up "
         "for chebyshev)")
        ("block-size", po::value(&o.block_size)->default_value(o.block_size),
         "ScaLAPACK block size (rows = columns) of every distributed matrix, "
         "1 to 2048")
        ("grid", po::value<std::string>(),
         "process grid PxQ with P·Q = number of ranks (default: as square "
         "as possible, P >= Q)")
        ("output,o", po::value(&o.output)->default_value(o.output),
         "results folder (created if missing); a folder that contains "
         "results of an earlier run needs --force")
        ("output-format", po::value(&o.output_format)->default_value(o.output_format),
         "format of the result arrays: npy (NumPy), csv (text with a "
         "header line, 17 significant digits) or hdf5 (results.h5, and "
         "scores.h5 with --scores); report.json is always written")
        ("force", po::bool_switch(&o.force),
         "replace the results of an earlier run in --output and remove its "
         "result files that this run does not write")
        ("scores", po::bool_switch(&o.scores),
         "also write the projected data (X - mean) V, n x K, as scores.npy "
         "or scores.csv (data inputs only; keeps the data matrix in memory)")
        ("standardize", po::bool_switch(&o.standardize),
         "divide each centred column by its sample standard deviation "
         "(divisor n-1), so the components are those of the correlation "
         "matrix (data inputs only)")
        ("drop-constant-columns", po::bool_switch(&o.drop_constant_columns),
         "with --standardize: leave out constant columns (their component "
         "entries are 0) instead of stopping with an error")
        ("target-accuracy", po::value(&o.target_accuracy),
         "stop each component so that every one ends within this distance "
         "‖vk − uk‖ of its principal axis (estimated; replaces --tol for "
         "the K components), for example 1e-6")
        ("krylov-dim",
         po::value(&o.krylov_dimension)->default_value(o.krylov_dimension),
         "Lanczos basis size m (at least 3); a restart keeps m/2 Ritz "
         "vectors")
        ("deflation",
         po::value(&o.deflation_kind)->default_value(o.deflation_kind),
         "implicit (products with Σ − Σj θj vj vjᵀ, Σ left intact) or "
         "explicit (rank-one updates of Σ in place)")
        ("product-kernel",
         po::value(&o.product_kernel)->default_value(o.product_kernel),
         "how products with Σ are computed: triangle (each rank multiplies "
         "its share of the lower triangle by the full vectors, reading it "
         "once, then one MPI_Allreduce) or pblas (PDSYMV and PDSYMM)")
        ("measure-bandwidth", po::bool_switch(&o.measure_bandwidth),
         "measure the memory bandwidth with a STREAM-like triad and the "
         "DGEMM rate before the solve, and report the products' share of "
         "the bandwidth and the covariance's share of the DGEMM rate")
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

}  // namespace

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
            if (io::hdf5_available()) {
                std::cout << "HDF5 support: on (parallel HDF5 "
                          << io::hdf5_library_version() << ")\n";
            } else {
                std::cout << "HDF5 support: off\n";
            }
        }
        return std::nullopt;
    }
    auto reject = [](const std::string& message) {
        throw Error(message, /*collective=*/true);
    };
    if (o.deflation.components < 1) {
        reject("invalid --components " +
               std::to_string(o.deflation.components) + ": must be at least 1");
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
    if (o.deflation_kind != "explicit" && o.deflation_kind != "implicit") {
        reject("invalid --deflation '" + o.deflation_kind +
               "': expected explicit or implicit");
    }
    if (o.product_kernel != "triangle" && o.product_kernel != "pblas") {
        reject("invalid --product-kernel '" + o.product_kernel +
               "': expected triangle or pblas");
    }
    o.deflation.kernel = o.product_kernel == "pblas" ? ProductKernel::pblas
                                                     : ProductKernel::triangle;
    if (o.krylov_dimension < 3 || o.krylov_dimension > 1000) {
        reject("invalid --krylov-dim " + std::to_string(o.krylov_dimension) +
               ": must be between 3 and 1000");
    }
    if (values.count("target-accuracy") != 0 && o.method != "power") {
        reject("--target-accuracy needs --method power, because its "
               "stopping model assumes the residual contraction of power "
               "iteration; add --method power, or use --tol with " +
               o.method);
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
    if (o.method != "lanczos" && o.method != "power" && o.method != "block" &&
        o.method != "parallel") {
        reject("invalid --method '" + o.method +
               "': expected lanczos, power, block or parallel");
    }
    if (o.deflation_kind == "implicit" &&
        (o.method == "block" || o.method == "parallel")) {
        reject("--deflation implicit works with --method lanczos or power; "
               "--method " +
               o.method + " deflates the matrix in place by whole blocks");
    }
    if (o.block.block_width < 1) {
        reject("invalid --block-width " + std::to_string(o.block.block_width) +
               ": must be at least 1");
    }
    if (o.block_iteration != "krylov" && o.block_iteration != "chebyshev") {
        reject("invalid --block-iteration '" + o.block_iteration +
               "': expected krylov or chebyshev");
    }
    o.block.iteration = o.block_iteration == "chebyshev"
                            ? BlockIterationKind::chebyshev
                            : BlockIterationKind::krylov;
    if (o.block.krylov_steps < 2 || o.block.krylov_steps > 100) {
        reject("invalid --block-steps " + std::to_string(o.block.krylov_steps) +
               ": must be between 2 and 100");
    }
    if (values.count("guard-vectors") == 0) {
        o.block.guard_vectors = o.block.iteration == BlockIterationKind::krylov
                                    ? BlockDeflationOptions{}.guard_vectors
                                    : (o.block.block_width + 1) / 2;
    } else if (o.block.guard_vectors < 0) {
        reject("invalid --guard-vectors " +
               std::to_string(o.block.guard_vectors) + ": must be at least 0");
    }
    if (o.input_kind != "data" && o.input_kind != "covariance") {
        reject("invalid --input-kind '" + o.input_kind +
               "': expected data or covariance");
    }
    if (o.output_format != "npy" && o.output_format != "csv" &&
        o.output_format != "hdf5") {
        reject("invalid --output-format '" + o.output_format +
               "': expected npy, csv or hdf5");
    }
    if (o.output_format == "hdf5" && !io::hdf5_available()) {
        reject("--output-format hdf5: this covdefl build has no HDF5 "
               "support; install libhdf5-openmpi-dev and rebuild, or use "
               "--output-format npy");
    }
    const bool data_input =
        values.count("synthetic") == 0 && o.input_kind == "data";
    const std::string not_data = values.count("synthetic") != 0
                                     ? "--synthetic builds a covariance"
                                     : "--input-kind covariance reads one";
    if (o.scores && !data_input) {
        reject("--scores needs a data matrix input: the scores are the "
               "centred data times the components, but " +
               not_data + " without any data; remove --scores");
    }
    if (o.standardize && !data_input) {
        reject("--standardize needs a data matrix input, but " + not_data +
               " without any data; remove --standardize");
    }
    if (o.drop_constant_columns && !o.standardize) {
        reject("--drop-constant-columns applies only with --standardize; "
               "add --standardize or remove --drop-constant-columns");
    }
    if (values.count("synthetic") == 0 && !values["spectrum"].defaulted()) {
        reject("--spectrum " + o.spectrum +
               " applies to --synthetic only; add --synthetic D or remove "
               "--spectrum");
    }
    if (values.count("synthetic") != 0 &&
        (o.synthetic_dimension < 1 || o.synthetic_dimension > 1'000'000)) {
        reject("invalid --synthetic " + std::to_string(o.synthetic_dimension) +
               ": d must be between 1 and 1000000");
    }
    if (values.count("grid") != 0) {
        try {
            o.grid = parse_grid_shape(values["grid"].as<std::string>());
            o.grid_from_option = true;
        } catch (const Error& e) {
            reject(e.what());
        }
    } else {
        o.grid = choose_grid_shape(nranks);
    }
    o.block_size_from_option = !values["block-size"].defaulted();
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

}  // namespace covdefl
