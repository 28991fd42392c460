#include "io/exchange.hpp"

#include <algorithm>

namespace covdefl::io {

std::vector<std::int64_t>
exclusive_prefix_sum(MPI_Comm comm, const std::vector<std::int64_t>& values)
{
    std::vector<std::int64_t> prefix(values.size(), 0);
    mpi::check(MPI_Exscan(values.data(), prefix.data(),
                          static_cast<int>(values.size()), MPI_INT64_T, MPI_SUM,
                          comm),
               "MPI_Exscan");
    // MPI_Exscan leaves the receive buffer of rank 0 undefined.
    if (mpi::rank(comm) == 0) {
        std::fill(prefix.begin(), prefix.end(), 0);
    }
    return prefix;
}

std::int64_t sum_over_ranks(MPI_Comm comm, std::int64_t value)
{
    std::int64_t sum = 0;
    mpi::check(MPI_Allreduce(&value, &sum, 1, MPI_INT64_T, MPI_SUM, comm),
               "MPI_Allreduce");
    return sum;
}

void agree_on_first_error(MPI_Comm comm, bool local_failed, std::int64_t key,
                          const std::string& local_message)
{
    const std::int64_t no_error = std::numeric_limits<std::int64_t>::max();
    const std::int64_t local_key = local_failed ? key : no_error;
    std::int64_t first_key = no_error;
    mpi::check(
        MPI_Allreduce(&local_key, &first_key, 1, MPI_INT64_T, MPI_MIN, comm),
        "MPI_Allreduce");
    if (first_key == no_error) {
        return;
    }
    // Only the ranks that hold the first error pass it on, and the lowest
    // of them wins.
    mpi::agree_on_error(comm, local_failed && local_key == first_key,
                        local_message);
}

}  // namespace covdefl::io
