// SymmetricProduct against a plain serial product, on every grid the rank
// count allows and on block sizes that leave ranks with partial blocks or
// no diagonal block.
#include <mpi.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <vector>

#include "covdefl/symmetric_product.hpp"
#include "helpers.hpp"
#include "solver/vector_block.hpp"

using namespace covdefl;

namespace {

// Entry (i, j) of a symmetric test matrix, from the lower triangle.
double symmetric_entry(int i, int j)
{
    if (i < j) {
        std::swap(i, j);
    }
    return seeded_gaussian(11, static_cast<std::uint64_t>(i),
                           static_cast<std::uint64_t>(j));
}

// The lower triangle of the test matrix; every entry above the diagonal
// is NaN, so a product that reads the upper triangle turns NaN.
BlockCyclicMatrix lower_only(const ProcessGrid& grid, int d, int nb)
{
    BlockCyclicMatrix a(grid, d, d, nb, nb);
    for (int jl = 0; jl < a.local_cols(); ++jl) {
        for (int il = 0; il < a.local_rows(); ++il) {
            const int i = a.global_row(il);
            const int j = a.global_col(jl);
            a.local(il, jl) = i >= j ? symmetric_entry(i, j)
                                     : std::numeric_limits<double>::quiet_NaN();
        }
    }
    return a;
}

// Y = AX by the definition, serially; X and Y are d x n column-major.
std::vector<double> serial_product(const std::vector<double>& x, int d, int n)
{
    std::vector<double> y(x.size(), 0.0);
    for (int k = 0; k < n; ++k) {
        for (int i = 0; i < d; ++i) {
            double sum = 0.0;
            for (int j = 0; j < d; ++j) {
                sum += symmetric_entry(i, j) * x[k * d + j];
            }
            y[k * d + i] = sum;
        }
    }
    return y;
}

std::vector<double> seeded_block(int d, int n)
{
    std::vector<double> x(static_cast<std::size_t>(d) * n);
    for (int k = 0; k < n; ++k) {
        for (int i = 0; i < d; ++i) {
            x[k * d + i] = seeded_gaussian(5, k, i);
        }
    }
    return x;
}

double relative_difference(const std::vector<double>& a,
                           const std::vector<double>& b)
{
    double difference = 0.0;
    double scale = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        difference = std::max(difference, std::abs(a[i] - b[i]));
        scale = std::max(scale, std::abs(b[i]));
    }
    return difference / scale;
}

std::vector<GridShape> grid_shapes()
{
    int size = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    std::vector<GridShape> shapes;
    for (int p = 1; p <= size; ++p) {
        if (size % p == 0) {
            shapes.push_back(GridShape{p, size / p});
        }
    }
    return shapes;
}

}  // namespace

// The NaN entries above the diagonal also check that only the lower
// triangle is read.
TEST_CASE("SymmetricProduct equals serial product", "[product]")
{
    for (const GridShape shape : grid_shapes()) {
        ProcessGrid grid(MPI_COMM_WORLD, shape);
        for (const int d : {1, 7, 50, 131}) {
            for (const int nb : {1, 3, 8, 64}) {
                const BlockCyclicMatrix a = lower_only(grid, d, nb);
                for (const bool fused : {true, false}) {
                    const SymmetricProduct product(a, fused);
                    for (const int n : {1, 3}) {
                        INFO("grid " << shape.rows << "x" << shape.cols
                                     << ", d " << d << ", block " << nb
                                     << ", n " << n << ", fused " << fused);
                        const std::vector<double> x = seeded_block(d, n);
                        const std::vector<double> expected =
                            serial_product(x, d, n);

                        std::vector<double> y(x.size());
                        product.multiply_replicated(x.data(), n, y.data());
                        CHECK(relative_difference(y, expected) < 1e-13);

                        // The distributed form, into columns 1..n of a block.
                        BlockCyclicMatrix xs =
                            block::make_vector_block(grid, d, n + 1, nb);
                        BlockCyclicMatrix ys = xs;
                        for (int il = 0; il < block::local_rows(xs); ++il) {
                            for (int k = 0; k < n; ++k) {
                                xs.local(il, k + 1) =
                                    x[k * d + xs.global_row(il)];
                            }
                        }
                        product.multiply(xs, 1, ys, 1, n);
                        std::vector<double> gathered;
                        for (int k = 0; k < n; ++k) {
                            const std::vector<double> yk =
                                testing::column(ys, k + 1);
                            gathered.insert(gathered.end(), yk.begin(),
                                            yk.end());
                        }
                        CHECK(relative_difference(gathered, expected) < 1e-13);
                    }
                }
            }
        }
    }
}

TEST_CASE("SymmetricProduct equals PDSYMM", "[product]")
{
    ProcessGrid grid(MPI_COMM_WORLD, testing::world_grid_shape());
    const int d = 40;
    const int n = 5;
    BlockCyclicMatrix a = lower_only(grid, d, 4);
    BlockCyclicMatrix x = block::make_vector_block(grid, d, n, 4);
    for (int il = 0; il < block::local_rows(x); ++il) {
        for (int k = 0; k < n; ++k) {
            x.local(il, k) = seeded_gaussian(3, k, x.global_row(il));
        }
    }
    BlockCyclicMatrix mine = x;
    BlockCyclicMatrix pblas = x;
    block::multiply(a, x, 0, mine, 0, n, ProductKernel::triangle);
    block::multiply(a, x, 0, pblas, 0, n, ProductKernel::pblas);
    for (int k = 0; k < n; ++k) {
        CHECK(relative_difference(testing::column(mine, k),
                                  testing::column(pblas, k)) < 1e-13);
    }
}
