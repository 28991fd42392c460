// Times ScaLAPACK's dense symmetric eigensolvers on a covariance `.npy` file
// read by covdefl's block-cyclic reader: PDSYEVR for the top K eigenpairs
// (RANGE = 'I') or PDSYEVD for all of them. Prints one JSON line on rank 0.
//
// usage: scalapack_eigs --input M.npy --routine pdsyevr|pdsyevd -k K
//                       [--block-size NB]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "covdefl/covariance.hpp"
#include "covdefl/grid.hpp"
#include "covdefl/mpi.hpp"
#include "covdefl/reference.hpp"
#include "grid/scalapack.hpp"

extern "C" {
void pdsyevd_(const char* jobz, const char* uplo, const int* n, double* a,
              const int* ia, const int* ja, const int* desca, double* w,
              double* z, const int* iz, const int* jz, const int* descz,
              double* work, const int* lwork, int* iwork, const int* liwork,
              int* info);
}

namespace {

struct Options {
    std::string input;
    std::string routine;
    int components = 0;
    int block_size = 64;
};

Options parse_options(int argc, char** argv)
{
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string name = argv[i];
        if (i + 1 >= argc) {
            throw covdefl::Error("missing value after '" + name + "'", true);
        }
        const std::string value = argv[++i];
        if (name == "--input") {
            options.input = value;
        } else if (name == "--routine") {
            options.routine = value;
        } else if (name == "-k") {
            options.components = std::atoi(value.c_str());
        } else if (name == "--block-size") {
            options.block_size = std::atoi(value.c_str());
        } else {
            throw covdefl::Error("unknown option '" + name + "'", true);
        }
    }
    if (options.input.empty() ||
        (options.routine != "pdsyevr" && options.routine != "pdsyevd") ||
        options.components < 1 || options.block_size < 1) {
        throw covdefl::Error("usage: scalapack_eigs --input M.npy --routine "
                             "pdsyevr|pdsyevd -k K [--block-size NB]",
                             true);
    }
    return options;
}

// Eigenpairs of one solver run in ascending order, as ScaLAPACK returns
// them: columns 0..found−1 of `vectors`.
struct Eigenpairs {
    int info = 0;
    int found = 0;
    std::vector<double> eigenvalues;
    std::unique_ptr<covdefl::BlockCyclicMatrix> vectors;
    double seconds = 0.0;  // the solver call with its workspace query
};

// Runs PDSYEVR (RANGE = 'I', eigenpairs d−k+1..d) on `a`, overwriting it.
Eigenpairs run_pdsyevr(covdefl::BlockCyclicMatrix& a, int k)
{
    const int d = a.rows();
    const int one = 1;
    const int il = d - k + 1;
    const int iu = d;
    const double vl = 0.0;
    const double vu = 0.0;
    Eigenpairs result;
    result.eigenvalues.assign(static_cast<std::size_t>(d), 0.0);
    result.vectors = std::make_unique<covdefl::BlockCyclicMatrix>(
        a.grid(), d, d, a.block_rows(), a.block_cols());
    const int* descz = result.vectors->desc();
    int nz = 0;
    int lwork = -1;
    int liwork = -1;
    double work_query = 0.0;
    int iwork_query = 0;
    const double start = MPI_Wtime();
    pdsyevr_("V", "I", "L", &d, a.data(), &one, &one, a.desc(), &vl, &vu, &il,
             &iu, &result.found, &nz, result.eigenvalues.data(),
             result.vectors->data(), &one, &one, descz, &work_query, &lwork,
             &iwork_query, &liwork, &result.info);
    if (result.info == 0) {
        lwork = static_cast<int>(work_query);
        liwork = iwork_query;
        std::vector<double> work(static_cast<std::size_t>(std::max(1, lwork)));
        std::vector<int> iwork(static_cast<std::size_t>(std::max(1, liwork)));
        pdsyevr_("V", "I", "L", &d, a.data(), &one, &one, a.desc(), &vl, &vu,
                 &il, &iu, &result.found, &nz, result.eigenvalues.data(),
                 result.vectors->data(), &one, &one, descz, work.data(), &lwork,
                 iwork.data(), &liwork, &result.info);
    }
    result.seconds = MPI_Wtime() - start;
    return result;
}

// Runs PDSYEVD (all eigenpairs) on `a`, overwriting it.
Eigenpairs run_pdsyevd(covdefl::BlockCyclicMatrix& a)
{
    const int d = a.rows();
    const int one = 1;
    Eigenpairs result;
    result.eigenvalues.assign(static_cast<std::size_t>(d), 0.0);
    result.vectors = std::make_unique<covdefl::BlockCyclicMatrix>(
        a.grid(), d, d, a.block_rows(), a.block_cols());
    const int* descz = result.vectors->desc();
    int lwork = -1;
    int liwork = -1;
    double work_query = 0.0;
    int iwork_query = 0;
    const double start = MPI_Wtime();
    pdsyevd_("V", "L", &d, a.data(), &one, &one, a.desc(),
             result.eigenvalues.data(), result.vectors->data(), &one, &one,
             descz, &work_query, &lwork, &iwork_query, &liwork, &result.info);
    if (result.info == 0) {
        lwork = static_cast<int>(work_query);
        liwork = iwork_query;
        std::vector<double> work(static_cast<std::size_t>(std::max(1, lwork)));
        std::vector<int> iwork(static_cast<std::size_t>(std::max(1, liwork)));
        pdsyevd_("V", "L", &d, a.data(), &one, &one, a.desc(),
                 result.eigenvalues.data(), result.vectors->data(), &one, &one,
                 descz, work.data(), &lwork, iwork.data(), &liwork,
                 &result.info);
    }
    result.found = result.info == 0 ? d : 0;
    result.seconds = MPI_Wtime() - start;
    return result;
}

// Returns max over the top k pairs of ‖C z − λ z‖ / |λ| against the original
// matrix `c`, with z the unit eigenvector of eigenvalue λ. Collective.
double max_relative_residual(const covdefl::BlockCyclicMatrix& c,
                             const Eigenpairs& pairs, int k)
{
    const int d = c.rows();
    const int one = 1;
    const double alpha = 1.0;
    const double beta = 0.0;
    const int context = c.grid().context();
    double worst = 0.0;
    for (int i = 0; i < k; ++i) {
        // The i-th largest pair (from 0) is 0-based column found − 1 − i,
        // because the eigenvalues ascend, so its 1-based column is found − i.
        const int column = pairs.found - i;
        const double lambda =
            pairs.eigenvalues[static_cast<std::size_t>(column - 1)];
        covdefl::DistVector z(c.grid(), d, c.block_rows());
        pdgemr2d_(&d, &one, pairs.vectors->data(), &one, &column,
                  pairs.vectors->desc(), z.data(), &one, &one, z.desc(),
                  &context);
        covdefl::DistVector y(c.grid(), d, c.block_rows());
        pdsymv_("L", &d, &alpha, c.data(), &one, &one, c.desc(), z.data(), &one,
                &one, z.desc(), &one, &beta, y.data(), &one, &one, y.desc(),
                &one);
        const double residual = covdefl::difference_norm(y, lambda, z);
        worst = std::max(worst, residual / std::abs(lambda));
    }
    return worst;
}

int run(const Options& options)
{
    const double start = MPI_Wtime();
    const int ranks = covdefl::mpi::size(MPI_COMM_WORLD);
    covdefl::ProcessGrid grid(MPI_COMM_WORLD,
                              covdefl::choose_grid_shape(ranks));
    const covdefl::BlockCyclicMatrix c = covdefl::read_covariance_matrix(
        grid, options.input, "npy", options.block_size);
    const double read_seconds = MPI_Wtime() - start;
    const int d = c.rows();
    const int k = std::min(options.components, d);

    // The solvers overwrite their input, so they get a copy, with the
    // block size that lets PDSYEVR back-transform its vectors (ScaLAPACK
    // 2.2.1; see pdsyevr_block_size). PDSYEVD keeps the requested size.
    const int block_size =
        options.routine == "pdsyevr"
            ? covdefl::pdsyevr_block_size(d, k, options.block_size, grid)
            : options.block_size;
    covdefl::BlockCyclicMatrix a(grid, d, d, block_size, block_size);
    const int one = 1;
    const int context = grid.context();
    pdgemr2d_(&d, &d, c.data(), &one, &one, c.desc(), a.data(), &one, &one,
              a.desc(), &context);
    const Eigenpairs pairs =
        options.routine == "pdsyevr" ? run_pdsyevr(a, k) : run_pdsyevd(a);
    const double total_seconds = MPI_Wtime() - start;
    const bool complete = pairs.info == 0 && pairs.found >= k;
    const double residual =
        complete ? max_relative_residual(c, pairs, k) : -1.0;

    if (grid.rank() == 0) {
        char residual_text[32] = "null";
        if (complete) {
            std::snprintf(residual_text, sizeof residual_text, "%.3e",
                          residual);
        }
        std::printf(
            "{\"tool\": \"scalapack\", \"method\": \"%s\", \"dimension\": %d, "
            "\"components\": %d, \"ranks\": %d, \"grid\": \"%dx%d\", "
            "\"block_size\": %d, \"info\": %d, \"eigenpairs\": %d, "
            "\"read_seconds\": %.6f, \"solve_seconds\": %.6f, "
            "\"total_seconds\": %.6f, \"max_relative_residual\": %s, "
            "\"products\": null, \"eigenvalues\": [",
            options.routine.c_str(), d, k, ranks, grid.nprow(), grid.npcol(),
            block_size, pairs.info, pairs.found, read_seconds, pairs.seconds,
            total_seconds, residual_text);
        for (int i = 0; i < k && complete; ++i) {
            std::printf("%s%.17g", i == 0 ? "" : ", ",
                        pairs.eigenvalues[static_cast<std::size_t>(pairs.found -
                                                                   1 - i)]);
        }
        std::printf("]}\n");
    }
    return complete ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv)
{
    try {
        covdefl::mpi::Environment environment(argc, argv);
        try {
            return run(parse_options(argc, argv));
        } catch (const covdefl::Error& e) {
            if (e.collective() || covdefl::mpi::size(MPI_COMM_WORLD) == 1) {
                if (covdefl::mpi::rank(MPI_COMM_WORLD) == 0) {
                    std::fprintf(stderr, "scalapack_eigs: error: %s\n",
                                 e.what());
                }
                return 1;
            }
            std::fprintf(stderr, "scalapack_eigs: error: %s\n", e.what());
            std::fflush(stderr);
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "scalapack_eigs: error: %s\n", e.what());
    }
    return 1;
}
