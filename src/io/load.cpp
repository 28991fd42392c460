// Parallel reading of a matrix file into block-cyclic storage.
#include <algorithm>
#include <cmath>
#include <sstream>

#include "covdefl/covariance.hpp"
#include "covdefl/hdf5.hpp"
#include "covdefl/io.hpp"
#include "covdefl/mpi.hpp"
#include "grid/scalapack.hpp"

namespace covdefl {

namespace {

// Upper bound on the doubles one rank buffers per read, so a very wide
// matrix is read a few rows at a time (64 MiB).
constexpr std::int64_t read_buffer_doubles = 8 << 20;

std::string describe_value(double value)
{
    if (std::isnan(value)) {
        return "NaN";
    }
    return value > 0 ? "+infinity" : "-infinity";
}

// Reads the rows and columns of `x` that this rank owns from `source`,
// throwing InputError at the first non-finite value.
void read_local_part(io::RowSource& source, BlockCyclicMatrix& x,
                     const std::string& path)
{
    const std::int64_t d = source.cols();
    const int nb = x.block_rows();
    const std::int64_t rows_per_read = std::max<std::int64_t>(
        1, std::min<std::int64_t>(nb, read_buffer_doubles / d));
    std::vector<double> buffer(static_cast<std::size_t>(rows_per_read * d));

    // Local rows come in runs of up to nb consecutive global rows.
    for (int il = 0; il < x.local_rows();) {
        const int first = x.global_row(il);
        const int run = std::min<int>(nb - il % nb, x.local_rows() - il);
        for (int offset = 0; offset < run;) {
            const int count = static_cast<int>(
                std::min<std::int64_t>(rows_per_read, run - offset));
            source.read_rows(first + offset, count, buffer.data());
            for (int r = 0; r < count; ++r) {
                const double* row = buffer.data() + r * d;
                for (std::int64_t j = 0; j < d; ++j) {
                    if (!std::isfinite(row[j])) {
                        std::ostringstream message;
                        message << path << ": non-finite value ("
                                << describe_value(row[j]) << ") at row "
                                << first + offset + r + 1 << ", column "
                                << j + 1
                                << " (1-based); covdefl needs finite data, "
                                   "so remove or impute the value";
                        throw InputError(message.str());
                    }
                }
                for (int jl = 0; jl < x.local_cols(); ++jl) {
                    x.local(il + offset + r, jl) = row[x.global_col(jl)];
                }
            }
            offset += count;
        }
        il += run;
    }
}

// Opens `path` on every rank and returns the source; a failure on any rank
// becomes a collective Error.
std::unique_ptr<io::RowSource> open_on_all_ranks(const ProcessGrid& grid,
                                                 const std::string& path,
                                                 const std::string& format)
{
    std::unique_ptr<io::RowSource> source;
    mpi::run_agreed(grid.comm(), [&] { source = io::open_rows(path, format); });
    return source;
}

// Throws a collective Error unless the matrix of a covariance input is
// square.
void require_square(const std::string& path, std::int64_t rows,
                    std::int64_t cols)
{
    if (rows != cols) {
        throw Error(path + ": a covariance matrix must be square, but it is " +
                        std::to_string(rows) + " x " + std::to_string(cols) +
                        "; use --input-kind data for an n x d data matrix",
                    /*collective=*/true);
    }
}

// Reads the matrix of a covariance input, rejecting a matrix that is not
// square before reading its entries.
BlockCyclicMatrix read_square_matrix(const ProcessGrid& grid,
                                     const std::string& path,
                                     const std::string& format,
                                     const std::string& dataset, int block_size)
{
    if (io::is_hdf5_input(path, format, dataset)) {
        const MatrixShape shape =
            io::read_hdf5_shape(grid.comm(), path, dataset);
        require_square(path, shape.rows, shape.cols);
        return io::read_hdf5_matrix(grid, path, dataset, block_size);
    }
    auto source = open_on_all_ranks(grid, path, format);
    require_square(path, source->rows(), source->cols());
    BlockCyclicMatrix a(grid, source->rows(), source->cols(), block_size,
                        block_size);
    mpi::run_agreed(grid.comm(), [&] { read_local_part(*source, a, path); });
    return a;
}

}  // namespace

MatrixShape read_matrix_shape(const ProcessGrid& grid, const std::string& path,
                              const std::string& format,
                              const std::string& dataset)
{
    if (io::is_hdf5_input(path, format, dataset)) {
        return io::read_hdf5_shape(grid.comm(), path, dataset);
    }
    auto source = open_on_all_ranks(grid, path, format);
    return MatrixShape{source->rows(), source->cols()};
}

BlockCyclicMatrix read_data_matrix(const ProcessGrid& grid,
                                   const std::string& path,
                                   const std::string& format, int block_size,
                                   const std::string& dataset)
{
    if (io::is_hdf5_input(path, format, dataset)) {
        return io::read_hdf5_matrix(grid, path, dataset, block_size);
    }
    auto source = open_on_all_ranks(grid, path, format);
    BlockCyclicMatrix x(grid, source->rows(), source->cols(), block_size,
                        block_size);
    mpi::run_agreed(grid.comm(), [&] { read_local_part(*source, x, path); });
    return x;
}

BlockCyclicMatrix read_covariance_matrix(const ProcessGrid& grid,
                                         const std::string& path,
                                         const std::string& format,
                                         int block_size,
                                         const std::string& dataset)
{
    BlockCyclicMatrix a =
        read_square_matrix(grid, path, format, dataset, block_size);

    // t = aᵀ, to compare each entry with its mirror image.
    BlockCyclicMatrix t(grid, a.rows(), a.cols(), block_size, block_size);
    const int n = a.rows();
    const int one = 1;
    const double alpha = 1.0;
    const double beta = 0.0;
    pdtran_(&n, &n, &alpha, a.data(), &one, &one, a.desc(), &beta, t.data(),
            &one, &one, t.desc());

    // Largest |a_ij − a_ji| and where; largest |a_ij|; first negative
    // diagonal entry.
    struct {
        double value;
        int rank;
    } local_max{0.0, grid.rank()}, global_max{};
    int worst_row = 0;
    int worst_col = 0;
    double largest_entry = 0.0;
    double min_diagonal = 0.0;
    int min_diagonal_index = -1;
    for (int jl = 0; jl < a.local_cols(); ++jl) {
        for (int il = 0; il < a.local_rows(); ++il) {
            const double value = a.local(il, jl);
            const double asymmetry = std::abs(value - t.local(il, jl));
            largest_entry = std::max(largest_entry, std::abs(value));
            if (asymmetry > local_max.value) {
                local_max.value = asymmetry;
                worst_row = a.global_row(il);
                worst_col = a.global_col(jl);
            }
            if (a.global_row(il) == a.global_col(jl) && value < min_diagonal) {
                min_diagonal = value;
                min_diagonal_index = a.global_row(il);
            }
        }
    }
    mpi::check(MPI_Allreduce(&local_max, &global_max, 1, MPI_DOUBLE_INT,
                             MPI_MAXLOC, grid.comm()),
               "MPI_Allreduce");
    largest_entry = mpi::max_all(grid.comm(), largest_entry);
    int location[2] = {worst_row, worst_col};
    mpi::check(MPI_Bcast(location, 2, MPI_INT, global_max.rank, grid.comm()),
               "MPI_Bcast");
    if (global_max.value > 1e-10 * largest_entry) {
        std::ostringstream message;
        message << path << ": covariance matrix is not symmetric: the largest "
                << "asymmetry |a(i,j) - a(j,i)| = " << global_max.value
                << " is at row " << location[0] + 1 << ", column "
                << location[1] + 1 << " (1-based, largest entry "
                << largest_entry << "); pass a symmetric matrix";
        throw Error(message.str(), /*collective=*/true);
    }
    const bool negative_here = min_diagonal_index >= 0;
    std::string negative_message;
    if (negative_here) {
        std::ostringstream message;
        message << path << ": covariance matrix has a negative diagonal entry "
                << min_diagonal << " at (" << min_diagonal_index + 1 << ", "
                << min_diagonal_index + 1
                << "), so it is not positive semidefinite";
        negative_message = message.str();
    }
    mpi::agree_on_error(grid.comm(), negative_here, negative_message);

    // a = (a + aᵀ) / 2, which removes rounding-level asymmetry.
    for (int jl = 0; jl < a.local_cols(); ++jl) {
        for (int il = 0; il < a.local_rows(); ++il) {
            a.local(il, jl) = 0.5 * (a.local(il, jl) + t.local(il, jl));
        }
    }
    return a;
}

}  // namespace covdefl
