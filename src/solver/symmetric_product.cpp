#include "covdefl/symmetric_product.hpp"

#include <mpi.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "covdefl/error.hpp"
#include "covdefl/mpi.hpp"
#include "solver/blas.hpp"

extern "C" void dsymm_(const char* side, const char* uplo, const int* m,
                       const int* n, const double* alpha, const double* a,
                       const int* lda, const double* b, const int* ldb,
                       const double* beta, double* c, const int* ldc);

namespace covdefl {

namespace {

// Bytes of one row strip of a column block for a single vector: the
// transposed product reads the strip again right after the plain one, so
// it should still be in the core's L2 cache.
constexpr int strip_bytes = 256 * 1024;

// Rows per strip of a column block `width` columns wide, for n vectors.
// With several vectors the products are closer to compute-bound, and
// DGEMM on the whole block column ran faster than on strips (CPU time of
// bench/product_kernels.cpp, d = 6144, n = 13 and 24).
int strip_rows(int width, int n)
{
    if (n > 1) {
        return std::numeric_limits<int>::max();
    }
    return std::max(8, strip_bytes / (8 * std::max(width, 1)));
}

// Four doubles of an AVX2 register (GCC vector extension).
typedef double Lanes __attribute__((vector_size(32)));

__attribute__((target("avx2,fma"))) inline Lanes load(const double* p)
{
    Lanes v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// yr += A·xc and yc += Aᵀ·xr for the h x w column-major block A (leading
// dimension ld) in one pass over A, four columns at a time, so that each
// entry serves both products as it streams from memory. Compiled for
// AVX2 and FMA; the caller checks that the processor has them.
__attribute__((target("avx2,fma"))) void
fused_panel(int h, int w, const double* a, int ld, const double* xc,
            const double* xr, double* yr, double* yc)
{
    const std::size_t step = static_cast<std::size_t>(ld);
    int j = 0;
    for (; j + 4 <= w; j += 4) {
        const double* a0 = a + step * j;
        const double* a1 = a0 + step;
        const double* a2 = a1 + step;
        const double* a3 = a2 + step;
        const Lanes x0 = {xc[j], xc[j], xc[j], xc[j]};
        const Lanes x1 = {xc[j + 1], xc[j + 1], xc[j + 1], xc[j + 1]};
        const Lanes x2 = {xc[j + 2], xc[j + 2], xc[j + 2], xc[j + 2]};
        const Lanes x3 = {xc[j + 3], xc[j + 3], xc[j + 3], xc[j + 3]};
        Lanes t0 = {0.0, 0.0, 0.0, 0.0};
        Lanes t1 = t0;
        Lanes t2 = t0;
        Lanes t3 = t0;
        int i = 0;
        for (; i + 4 <= h; i += 4) {
            const Lanes v0 = load(a0 + i);
            const Lanes v1 = load(a1 + i);
            const Lanes v2 = load(a2 + i);
            const Lanes v3 = load(a3 + i);
            const Lanes r = load(xr + i);
            Lanes y = load(yr + i);
            y += v0 * x0 + v1 * x1 + v2 * x2 + v3 * x3;
            std::memcpy(yr + i, &y, sizeof y);
            t0 += v0 * r;
            t1 += v1 * r;
            t2 += v2 * r;
            t3 += v3 * r;
        }
        double s0 = (t0[0] + t0[1]) + (t0[2] + t0[3]);
        double s1 = (t1[0] + t1[1]) + (t1[2] + t1[3]);
        double s2 = (t2[0] + t2[1]) + (t2[2] + t2[3]);
        double s3 = (t3[0] + t3[1]) + (t3[2] + t3[3]);
        for (; i < h; ++i) {
            yr[i] += a0[i] * xc[j] + a1[i] * xc[j + 1] + a2[i] * xc[j + 2] +
                     a3[i] * xc[j + 3];
            s0 += a0[i] * xr[i];
            s1 += a1[i] * xr[i];
            s2 += a2[i] * xr[i];
            s3 += a3[i] * xr[i];
        }
        yc[j] += s0;
        yc[j + 1] += s1;
        yc[j + 2] += s2;
        yc[j + 3] += s3;
    }
    for (; j < w; ++j) {
        const double* aj = a + step * j;
        double sum = 0.0;
        for (int i = 0; i < h; ++i) {
            yr[i] += aj[i] * xc[j];
            sum += aj[i] * xr[i];
        }
        yc[j] += sum;
    }
}

bool has_fused_panel()
{
    static const bool available =
        __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return available;
}

std::size_t entries(int rows, int cols)
{
    return static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols);
}

}  // namespace

ProductKernel parse_product_kernel(const std::string& text,
                                   const std::string& option)
{
    if (text == "triangle") {
        return ProductKernel::triangle;
    }
    if (text == "pblas") {
        return ProductKernel::pblas;
    }
    throw Error("invalid " + option + " '" + text +
                "': expected triangle or pblas");
}

const char* product_kernel_name(ProductKernel kernel)
{
    return kernel == ProductKernel::triangle ? "triangle" : "pblas";
}

SymmetricProduct::SymmetricProduct(const BlockCyclicMatrix& matrix, bool fused)
    : matrix_(matrix)
    , fused_(fused && has_fused_panel())
{
    if (matrix.rows() != matrix.cols() ||
        matrix.block_rows() != matrix.block_cols()) {
        throw Error("SymmetricProduct needs a square matrix with square "
                    "blocks");
    }
    const int rows = matrix.local_rows();
    const int cols = matrix.local_cols();
    const int nb = matrix.block_cols();
    row_index_.resize(static_cast<std::size_t>(rows));
    col_index_.resize(static_cast<std::size_t>(cols));
    for (int i = 0; i < rows; ++i) {
        row_index_[i] = matrix.global_row(i);
    }
    for (int j = 0; j < cols; ++j) {
        col_index_[j] = matrix.global_col(j);
    }
    // Local rows ascend in global index, so the rows on or below the
    // diagonal block of a column block are a tail of the local rows.
    for (int j0 = 0; j0 < cols; j0 += nb) {
        const int diagonal = col_index_[j0];
        const auto first =
            std::lower_bound(row_index_.begin(), row_index_.end(), diagonal);
        first_row_.push_back(static_cast<int>(first - row_index_.begin()));
        holds_diagonal_.push_back(first != row_index_.end() &&
                                  *first == diagonal);
    }
}

void SymmetricProduct::local_product(const double* x, int n,
                                     double* partial) const
{
    const int d = matrix_.rows();
    const int rows = matrix_.local_rows();
    const int cols = matrix_.local_cols();
    std::fill(partial, partial + entries(d, n), 0.0);
    if (rows == 0 || cols == 0) {
        return;
    }
    const int nb = matrix_.block_cols();
    const int ld = matrix_.local_ld();
    xr_.resize(entries(rows, n));
    xc_.resize(entries(cols, n));
    yr_.assign(entries(rows, n), 0.0);
    yc_.assign(entries(cols, n), 0.0);
    for (int k = 0; k < n; ++k) {
        const double* xk = x + entries(d, k);
        for (int i = 0; i < rows; ++i) {
            xr_[entries(rows, k) + i] = xk[row_index_[i]];
        }
        for (int j = 0; j < cols; ++j) {
            xc_[entries(cols, k) + j] = xk[col_index_[j]];
        }
    }
    const double one = 1.0;
    const int inc = 1;
    for (std::size_t block = 0; block < first_row_.size(); ++block) {
        const int j0 = static_cast<int>(block) * nb;
        const int width = std::min(nb, cols - j0);
        int r = first_row_[block];
        const double* column = matrix_.data() + entries(ld, j0);
        if (holds_diagonal_[block]) {
            // The diagonal block, from its lower triangle.
            dsymm_("L", "L", &width, &n, &one, column + r, &ld, xc_.data() + j0,
                   &cols, &one, yr_.data() + r, &rows);
            r += width;
        }
        // Strictly below the diagonal: y_rows += A x_cols and
        // y_cols += Aᵀ x_rows, strip by strip.
        if (n == 1 && fused_) {
            fused_panel(rows - r, width, column + r, ld, xc_.data() + j0,
                        xr_.data() + r, yr_.data() + r, yc_.data() + j0);
            continue;
        }
        const int step = strip_rows(width, n);
        for (int s = r; s < rows; s += std::min(step, rows - s)) {
            const int h = std::min(step, rows - s);
            const double* strip = column + s;
            if (n == 1) {
                dgemv_("N", &h, &width, &one, strip, &ld, xc_.data() + j0, &inc,
                       &one, yr_.data() + s, &inc);
                dgemv_("T", &h, &width, &one, strip, &ld, xr_.data() + s, &inc,
                       &one, yc_.data() + j0, &inc);
            } else {
                dgemm_("N", "N", &h, &n, &width, &one, strip, &ld,
                       xc_.data() + j0, &cols, &one, yr_.data() + s, &rows);
                dgemm_("T", "N", &width, &n, &h, &one, strip, &ld,
                       xr_.data() + s, &rows, &one, yc_.data() + j0, &cols);
            }
        }
    }
    for (int k = 0; k < n; ++k) {
        double* pk = partial + entries(d, k);
        for (int i = 0; i < rows; ++i) {
            pk[row_index_[i]] += yr_[entries(rows, k) + i];
        }
        for (int j = 0; j < cols; ++j) {
            pk[col_index_[j]] += yc_[entries(cols, k) + j];
        }
    }
}

std::size_t SymmetricProduct::message_entries(int n) const
{
    const std::size_t count = entries(dimension(), n);
    if (count > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
        throw Error("a block product of " + std::to_string(n) +
                        " vectors of length " + std::to_string(dimension()) +
                        " exceeds one MPI message; use fewer vectors per "
                        "block",
                    /*collective=*/true);
    }
    return count;
}

void SymmetricProduct::multiply_replicated(const double* x, int n,
                                           double* y) const
{
    const std::size_t count = message_entries(n);
    full_.resize(count);
    local_product(x, n, full_.data());
    mpi::check(MPI_Allreduce(full_.data(), y, static_cast<int>(count),
                             MPI_DOUBLE, MPI_SUM, matrix_.grid().comm()),
               "MPI_Allreduce");
}

void SymmetricProduct::multiply(const BlockCyclicMatrix& x, int x0,
                                BlockCyclicMatrix& y, int y0, int n) const
{
    if (n == 0) {
        return;
    }
    const int d = dimension();
    std::vector<double> xs(message_entries(n), 0.0);
    const int xrows = x.local_cols() == 0 ? 0 : x.local_rows();
    for (int k = 0; k < n; ++k) {
        const double* column = x.data() + entries(x.local_ld(), x0 + k);
        double* xk = xs.data() + entries(d, k);
        for (int i = 0; i < xrows; ++i) {
            xk[x.global_row(i)] = column[i];
        }
    }
    // Each entry has one owner, so the sum is a copy.
    mpi::sum_all(matrix_.grid().comm(), xs.data(), static_cast<int>(xs.size()));
    std::vector<double> ys(xs.size());
    multiply_replicated(xs.data(), n, ys.data());
    const int yrows = y.local_cols() == 0 ? 0 : y.local_rows();
    for (int k = 0; k < n; ++k) {
        double* column = y.data() + entries(y.local_ld(), y0 + k);
        const double* yk = ys.data() + entries(d, k);
        for (int i = 0; i < yrows; ++i) {
            column[i] = yk[y.global_row(i)];
        }
    }
}

}  // namespace covdefl
