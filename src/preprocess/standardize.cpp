#include "covdefl/standardize.hpp"

#include <cmath>
#include <limits>

#include "covdefl/mpi.hpp"

namespace covdefl {

ColumnScaling standardize_columns(BlockCyclicMatrix& x,
                                  const std::vector<double>& means)
{
    const int d = x.cols();
    const double n = x.rows();
    std::vector<double> sum_squares(static_cast<std::size_t>(d), 0.0);
    std::vector<double> max_abs(static_cast<std::size_t>(d), 0.0);
    for (int jl = 0; jl < x.local_cols(); ++jl) {
        const auto j = static_cast<std::size_t>(x.global_col(jl));
        for (int il = 0; il < x.local_rows(); ++il) {
            const double value = x.local(il, jl);
            sum_squares[j] += value * value;
            max_abs[j] = std::max(max_abs[j], std::abs(value));
        }
    }
    const MPI_Comm comm = x.grid().comm();
    mpi::sum_all(comm, sum_squares.data(), d);
    mpi::check(MPI_Allreduce(MPI_IN_PLACE, max_abs.data(), d, MPI_DOUBLE,
                             MPI_MAX, comm),
               "MPI_Allreduce");

    ColumnScaling scaling;
    scaling.scales.resize(static_cast<std::size_t>(d));
    // Divisor of each column, 0 for a constant column.
    std::vector<double> divisors(static_cast<std::size_t>(d), 0.0);
    const double epsilon = std::numeric_limits<double>::epsilon();
    for (int j = 0; j < d; ++j) {
        const auto index = static_cast<std::size_t>(j);
        const double scale = std::sqrt(sum_squares[index] / (n - 1.0));
        scaling.scales[index] = scale;
        const double rounding_level =
            n * epsilon * (std::abs(means[index]) + max_abs[index]);
        if (scale <= rounding_level) {
            scaling.constant_columns.push_back(j);
        } else {
            divisors[index] = scale;
        }
    }

    // x_ij ← x_ij / s_j, and 0 in the constant columns.
    for (int jl = 0; jl < x.local_cols(); ++jl) {
        const double divisor =
            divisors[static_cast<std::size_t>(x.global_col(jl))];
        for (int il = 0; il < x.local_rows(); ++il) {
            x.local(il, jl) = divisor > 0.0 ? x.local(il, jl) / divisor : 0.0;
        }
    }
    return scaling;
}

}  // namespace covdefl
