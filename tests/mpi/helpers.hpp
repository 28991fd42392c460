// Shared helpers of the MPI tests.
#pragma once

#include <cmath>
#include <vector>

#include "covdefl/covariance.hpp"
#include "covdefl/grid.hpp"
#include "covdefl/solver.hpp"

namespace covdefl::testing {

inline GridShape world_grid_shape()
{
    int size = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    return choose_grid_shape(size);
}

// sin∠(u, v) for unit vectors held in full on every rank.
inline double sin_angle(const std::vector<double>& u,
                        const std::vector<double>& v)
{
    double projection = 0.0;
    for (std::size_t i = 0; i < u.size(); ++i) {
        projection += u[i] * v[i];
    }
    double sum = 0.0;
    for (std::size_t i = 0; i < u.size(); ++i) {
        const double r = v[i] - projection * u[i];
        sum += r * r;
    }
    return std::sqrt(sum);
}

// Column j of a block-cyclic matrix, in full on every rank.
inline std::vector<double> column(const BlockCyclicMatrix& a, int j)
{
    std::vector<double> full(static_cast<std::size_t>(a.rows()), 0.0);
    if (a.owner_col(j) == a.grid().mycol()) {
        const int jl = a.local_col(j);
        for (int il = 0; il < a.local_rows(); ++il) {
            full[static_cast<std::size_t>(a.global_row(il))] = a.local(il, jl);
        }
    }
    MPI_Allreduce(MPI_IN_PLACE, full.data(), a.rows(), MPI_DOUBLE, MPI_SUM,
                  a.grid().comm());
    return full;
}

// Entry (i, j) of a block-cyclic matrix, on every rank.
inline double entry(const BlockCyclicMatrix& a, int i, int j)
{
    double value = 0.0;
    if (a.owner_row(i) == a.grid().myrow() &&
        a.owner_col(j) == a.grid().mycol()) {
        value = a.local(a.local_row(i), a.local_col(j));
    }
    MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_DOUBLE, MPI_SUM,
                  a.grid().comm());
    return value;
}

}  // namespace covdefl::testing
