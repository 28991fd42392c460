#include <cmath>
#include <limits>
#include <memory>
#include <sstream>

#include "covdefl/mpi.hpp"
#include "covdefl/reference.hpp"
#include "grid/scalapack.hpp"

namespace covdefl {

namespace {

// PDSYEVR's eigenpairs d−k+1..d of one run, ascending as PDSYEVR returns
// them.
struct EigenRun {
    int info = 0;
    int found = 0;
    std::vector<double> eigenvalues;
    std::unique_ptr<BlockCyclicMatrix> vectors;  // d x d, columns 0..found−1
};

EigenRun run_pdsyevr(const BlockCyclicMatrix& original, int block_size, int k)
{
    const ProcessGrid& grid = original.grid();
    const int d = original.rows();
    const int one = 1;
    const int context = grid.context();
    // PDSYEVR overwrites its input, so it works on a copy (PDGEMR2D also
    // changes the block size when asked).
    BlockCyclicMatrix a(grid, d, d, block_size, block_size);
    pdgemr2d_(&d, &d, original.data(), &one, &one, original.desc(), a.data(),
              &one, &one, a.desc(), &context);

    EigenRun run;
    run.vectors =
        std::make_unique<BlockCyclicMatrix>(grid, d, d, block_size, block_size);
    run.eigenvalues.assign(static_cast<std::size_t>(d), 0.0);
    const int il = d - k + 1;
    const int iu = d;
    const double vl = 0.0;
    const double vu = 0.0;
    int nz = 0;
    int lwork = -1;
    int liwork = -1;
    double work_query = 0.0;
    int iwork_query = 0;
    pdsyevr_("V", "I", "L", &d, a.data(), &one, &one, a.desc(), &vl, &vu, &il,
             &iu, &run.found, &nz, run.eigenvalues.data(), run.vectors->data(),
             &one, &one, run.vectors->desc(), &work_query, &lwork, &iwork_query,
             &liwork, &run.info);
    if (run.info != 0) {
        return run;
    }
    lwork = static_cast<int>(work_query);
    liwork = iwork_query;
    std::vector<double> work(static_cast<std::size_t>(std::max(1, lwork)));
    std::vector<int> iwork(static_cast<std::size_t>(std::max(1, liwork)));
    pdsyevr_("V", "I", "L", &d, a.data(), &one, &one, a.desc(), &vl, &vu, &il,
             &iu, &run.found, &nz, run.eigenvalues.data(), run.vectors->data(),
             &one, &one, run.vectors->desc(), work.data(), &lwork, iwork.data(),
             &liwork, &run.info);
    return run;
}

// Largest block size not above `requested` for which PDSYEVR's internal
// workspace suffices for its back-transformation. PDSYEVR (ScaLAPACK
// 2.2.1, SRC/pdsyevr.f) hands PDORMTR a fixed SIZE1 = max(18·N,
// NP00·MQ00 + 2·NB²) entries, with MQ00 counting only the IU − IL + 1
// wanted columns, while PDORMTR needs max(NB(NB−1)/2, (MpC0 + NqC0)·NB) +
// NB². When the second exceeds the first, PDORMTR rejects its LWORK,
// PDSYEVR still returns INFO = 0, and the vectors are not
// back-transformed. Both sizes are taken at their maximum over the grid.
int safe_block_size(int n, int k, int requested, const ProcessGrid& grid)
{
    const int zero = 0;
    const int nprow = grid.nprow();
    const int npcol = grid.npcol();
    for (int nb = requested; nb > 1; nb /= 2) {
        const long long np00 = numroc_(&n, &nb, &zero, &zero, &nprow);
        const long long mq00 = numroc_(&k, &nb, &zero, &zero, &npcol);
        const long long size1 = std::max(18LL * n, np00 * mq00 + 2LL * nb * nb);
        const long long needed =
            std::max(static_cast<long long>(nb) * (nb - 1) / 2,
                     (np00 + mq00) * nb) +
            static_cast<long long>(nb) * nb;
        if (needed <= size1) {
            return nb;
        }
    }
    return 1;
}

// Column `column` (0-based) of `z` as a distributed vector.
DistVector extract_column(const BlockCyclicMatrix& z, int column,
                          int block_size)
{
    DistVector v(z.grid(), z.rows(), block_size);
    const int d = z.rows();
    const int one = 1;
    const int jz = column + 1;
    const int context = z.grid().context();
    pdgemr2d_(&d, &one, z.data(), &one, &jz, z.desc(), v.data(), &one, &one,
              v.desc(), &context);
    return v;
}

// ‖C x − θ x‖ for a unit vector x, with θ = xᵀCx when `theta` is null.
double residual(const BlockCyclicMatrix& c, const DistVector& x,
                const double* theta)
{
    DistVector y(c.grid(), c.rows(), c.block_rows());
    const int d = c.rows();
    const int one = 1;
    const double alpha = 1.0;
    const double beta = 0.0;
    pdsymv_("L", &d, &alpha, c.data(), &one, &one, c.desc(), x.data(), &one,
            &one, x.desc(), &one, &beta, y.data(), &one, &one, y.desc(), &one);
    const double value = theta != nullptr ? *theta : dot(x, y);
    return difference_norm(y, value, x);
}

}  // namespace

ReferenceCheck check_against_pdsyevr(const BlockCyclicMatrix& original,
                                     const std::vector<DistVector>& vectors)
{
    const double start = MPI_Wtime();
    const int d = original.rows();
    const int k = static_cast<int>(vectors.size());
    const int nb = original.block_rows();
    const double limit = 1e3 * d * std::numeric_limits<double>::epsilon();

    ReferenceCheck check;
    const int first_block_size = safe_block_size(d, k, nb, original.grid());
    std::vector<int> block_sizes{first_block_size};
    if (first_block_size > 16) {
        block_sizes.push_back(16);
    }
    std::vector<DistVector> reference;
    EigenRun run;
    for (const int block_size : block_sizes) {
        run = run_pdsyevr(original, block_size, k);
        check.block_size_used = block_size;
        check.info = run.info;
        std::ostringstream failure;
        reference.clear();
        if (run.info != 0 || run.found != k) {
            failure << "PDSYEVR (block size " << block_size
                    << ") returned info = " << run.info << " with " << run.found
                    << " of " << k << " eigenpairs";
            check.failure = failure.str();
            continue;
        }
        const double scale = std::max(std::abs(run.eigenvalues[k - 1]),
                                      std::numeric_limits<double>::min());
        check.max_residual = 0.0;
        check.max_orthogonality = 0.0;
        for (int i = 0; i < k; ++i) {
            // Reference component i is PDSYEVR's column k − 1 − i.
            reference.push_back(extract_column(*run.vectors, k - 1 - i, nb));
            const double lambda = run.eigenvalues[k - 1 - i];
            check.max_residual =
                std::max(check.max_residual,
                         residual(original, reference.back(), &lambda) / scale);
        }
        for (int i = 0; i < k; ++i) {
            for (int j = 0; j <= i; ++j) {
                const double expected = i == j ? 1.0 : 0.0;
                check.max_orthogonality = std::max(
                    check.max_orthogonality,
                    std::abs(dot(reference[i], reference[j]) - expected));
            }
        }
        if (!(check.max_residual <= limit) ||
            !(check.max_orthogonality <= limit)) {
            failure << "PDSYEVR (block size " << block_size
                    << ") returned eigenpairs that fail their own checks: "
                    << "relative residual " << check.max_residual
                    << ", orthogonality error " << check.max_orthogonality
                    << " (limit " << limit << ")";
            check.failure = failure.str();
            continue;
        }
        check.valid = true;
        check.failure.clear();
        break;
    }

    for (int i = 0; i < k; ++i) {
        ComponentCheck component;
        const DistVector& v = vectors[static_cast<std::size_t>(i)];
        component.residual_original = residual(original, v, nullptr);
        if (check.valid) {
            const double lambda = run.eigenvalues[k - 1 - i];
            const DistVector& z = reference[static_cast<std::size_t>(i)];
            component.reference_eigenvalue = lambda;
            // sin∠(v, z) = ‖v − (zᵀv) z‖ for unit v and z, accurate also
            // for tiny angles (unlike √(1 − (zᵀv)²)).
            component.sin_angle = difference_norm(v, dot(z, v), z);
        }
        check.components.push_back(component);
    }
    check.seconds = MPI_Wtime() - start;
    return check;
}

int pdsyevr_block_size(int n, int k, int requested, const ProcessGrid& grid)
{
    return safe_block_size(n, k, requested, grid);
}

std::vector<ActualError>
actual_errors(const ReferenceCheck& check,
              const std::vector<double>& eigenvalues,
              const std::vector<ComponentBounds>& bounds)
{
    std::vector<ActualError> errors;
    if (!check.valid || check.components.empty()) {
        return errors;
    }
    const double reference_residual =
        check.max_residual * std::abs(check.components[0].reference_eigenvalue);
    for (std::size_t i = 0; i < check.components.size(); ++i) {
        const ComponentCheck& c = check.components[i];
        ActualError error;
        error.vector_error = chord_from_sine(c.sin_angle);
        error.eigenvalue_error =
            std::abs(eigenvalues[i] - c.reference_eigenvalue);
        const double gap = bounds[i].original_gap;
        error.vector_uncertainty = check.max_orthogonality +
                                   (gap > 0.0 ? reference_residual / gap : 0.0);
        error.eigenvalue_uncertainty = reference_residual;
        errors.push_back(error);
    }
    return errors;
}

}  // namespace covdefl
