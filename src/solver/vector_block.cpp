#include "solver/vector_block.hpp"

#include <algorithm>
#include <string>

#include "covdefl/error.hpp"
#include "covdefl/mpi.hpp"
#include "grid/scalapack.hpp"
#include "solver/lapack.hpp"

namespace covdefl::block {

BlockCyclicMatrix make_vector_block(const ProcessGrid& grid, int rows,
                                    int columns, int nb)
{
    const int width = std::max(columns, 1);
    return BlockCyclicMatrix(grid, rows, width, nb, width);
}

int local_rows(const BlockCyclicMatrix& x)
{
    return x.local_cols() == 0 ? 0 : x.local_rows();
}

double* column(BlockCyclicMatrix& x, int j)
{
    return x.data() + static_cast<std::size_t>(j) * x.local_ld();
}

const double* column(const BlockCyclicMatrix& x, int j)
{
    return x.data() + static_cast<std::size_t>(j) * x.local_ld();
}

void multiply(const BlockCyclicMatrix& a, const BlockCyclicMatrix& x, int x0,
              BlockCyclicMatrix& y, int y0, int n, ProductKernel kernel)
{
    if (n == 0) {
        return;
    }
    if (kernel == ProductKernel::triangle) {
        SymmetricProduct(a).multiply(x, x0, y, y0, n);
        return;
    }
    const int d = a.rows();
    const int one = 1;
    const double alpha = 1.0;
    const double beta = 0.0;
    const int jx = x0 + 1;
    const int jy = y0 + 1;
    // Y = ΣX, side L, lower triangle of Σ.
    pdsymm_("L", "L", &d, &n, &alpha, a.data(), &one, &one, a.desc(), x.data(),
            &one, &jx, x.desc(), &beta, y.data(), &one, &jy, y.desc());
}

std::vector<double> gram(const BlockCyclicMatrix& a, int a0, int na,
                         const BlockCyclicMatrix& b, int b0, int nb)
{
    std::vector<double> g(static_cast<std::size_t>(na) * nb, 0.0);
    const int rows = local_rows(a);
    if (rows > 0 && na > 0 && nb > 0) {
        const double one = 1.0;
        const double zero = 0.0;
        const int lda = a.local_ld();
        const int ldb = b.local_ld();
        dgemm_("T", "N", &na, &nb, &rows, &one, column(a, a0), &lda,
               column(b, b0), &ldb, &zero, g.data(), &na);
    }
    if (!g.empty()) {
        mpi::sum_all(a.grid().comm(), g.data(), static_cast<int>(g.size()));
    }
    return g;
}

void combine(BlockCyclicMatrix& y, int y0, int n, double beta, double alpha,
             const BlockCyclicMatrix& a, int a0, int k,
             const std::vector<double>& c)
{
    const int rows = local_rows(y);
    if (rows == 0 || n == 0) {
        return;
    }
    const int ldy = y.local_ld();
    if (k == 0) {
        for (int j = 0; j < n; ++j) {
            double* yj = column(y, y0 + j);
            for (int i = 0; i < rows; ++i) {
                yj[i] *= beta;
            }
        }
        return;
    }
    const int lda = a.local_ld();
    dgemm_("N", "N", &rows, &n, &k, &alpha, column(a, a0), &lda, c.data(), &k,
           &beta, column(y, y0), &ldy);
}

void copy_columns(const BlockCyclicMatrix& x, int x0, int n,
                  BlockCyclicMatrix& y, int y0)
{
    const int rows = local_rows(x);
    for (int j = 0; j < n; ++j) {
        std::copy(column(x, x0 + j), column(x, x0 + j) + rows,
                  column(y, y0 + j));
    }
}

namespace {

void check_info(int info, const std::string& routine)
{
    if (info != 0) {
        throw Error(routine + " failed with info = " + std::to_string(info) +
                        " in the block eigensolver",
                    /*collective=*/true);
    }
}

}  // namespace

void orthonormalize(BlockCyclicMatrix& x, int n)
{
    if (n == 0) {
        return;
    }
    const int d = x.rows();
    const int one = 1;
    int info = 0;
    std::vector<double> tau(static_cast<std::size_t>(n) + 1, 0.0);
    double query = 0.0;
    int lwork = -1;
    pdgeqrf_(&d, &n, x.data(), &one, &one, x.desc(), tau.data(), &query, &lwork,
             &info);
    check_info(info, "PDGEQRF workspace query");
    lwork = static_cast<int>(query) + 1;
    std::vector<double> work(static_cast<std::size_t>(lwork));
    pdgeqrf_(&d, &n, x.data(), &one, &one, x.desc(), tau.data(), work.data(),
             &lwork, &info);
    check_info(info, "PDGEQRF");
    lwork = -1;
    pdorgqr_(&d, &n, &n, x.data(), &one, &one, x.desc(), tau.data(), &query,
             &lwork, &info);
    check_info(info, "PDORGQR workspace query");
    lwork = static_cast<int>(query) + 1;
    work.assign(static_cast<std::size_t>(lwork), 0.0);
    pdorgqr_(&d, &n, &n, x.data(), &one, &one, x.desc(), tau.data(),
             work.data(), &lwork, &info);
    check_info(info, "PDORGQR");
}

void orthonormalize_columns(BlockCyclicMatrix& x, int x0, int n)
{
    BlockCyclicMatrix part =
        make_vector_block(x.grid(), x.rows(), n, x.block_rows());
    copy_columns(x, x0, n, part, 0);
    orthonormalize(part, n);
    copy_columns(part, 0, n, x, x0);
}

void project_out(BlockCyclicMatrix& x, int x0, int n,
                 const BlockCyclicMatrix& basis, int k)
{
    if (k == 0 || n == 0) {
        return;
    }
    // Two passes: the second removes what rounding left of the first.
    for (int pass = 0; pass < 2; ++pass) {
        // X = X − B (BᵀX)
        const std::vector<double> c = gram(basis, 0, k, x, x0, n);
        combine(x, x0, n, 1.0, -1.0, basis, 0, k, c);
    }
}

std::vector<double> symmetric_eigen(MPI_Comm comm, std::vector<double>& h,
                                    int n)
{
    std::vector<double> w(static_cast<std::size_t>(n), 0.0);
    int info = 0;
    if (n > 0) {
        double query = 0.0;
        int lwork = -1;
        dsyev_("V", "L", &n, h.data(), &n, w.data(), &query, &lwork, &info);
        lwork = static_cast<int>(query) + 1;
        std::vector<double> work(static_cast<std::size_t>(lwork));
        if (info == 0) {
            dsyev_("V", "L", &n, h.data(), &n, w.data(), work.data(), &lwork,
                   &info);
        }
    }
    mpi::check(MPI_Bcast(&info, 1, MPI_INT, 0, comm), "MPI_Bcast");
    check_info(info, "DSYEV");
    // DSYEV returns ascending order; the methods want the largest first.
    std::reverse(w.begin(), w.end());
    for (int j = 0; j < n / 2; ++j) {
        std::swap_ranges(h.begin() + static_cast<std::ptrdiff_t>(j) * n,
                         h.begin() + static_cast<std::ptrdiff_t>(j + 1) * n,
                         h.begin() +
                             static_cast<std::ptrdiff_t>(n - 1 - j) * n);
    }
    if (n > 0) {
        mpi::check(MPI_Bcast(w.data(), n, MPI_DOUBLE, 0, comm), "MPI_Bcast");
        mpi::check(MPI_Bcast(h.data(), n * n, MPI_DOUBLE, 0, comm),
                   "MPI_Bcast");
    }
    return w;
}

}  // namespace covdefl::block
