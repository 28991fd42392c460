// MPI steps shared by the parallel text readers: prefix sums of per-range
// counts, agreement on the first error in file order, and the all-to-all
// exchange that moves parsed values to their block-cyclic owners.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <limits>
#include <new>
#include <string>
#include <vector>

#include "covdefl/mpi.hpp"

namespace covdefl::io {

// Returns the sums of `values` over the ranks below this one (MPI_Exscan),
// element by element; rank 0 gets zeros.
std::vector<std::int64_t>
exclusive_prefix_sum(MPI_Comm comm, const std::vector<std::int64_t>& values);

// Returns the sum of `value` over all ranks.
std::int64_t sum_over_ranks(MPI_Comm comm, std::int64_t value);

// Collective: like mpi::agree_on_error, but the error with the smallest
// `key` (a line number, say) wins, and the lowest rank among equal keys.
// Every rank throws a collective Error with its message when any failed.
void agree_on_first_error(MPI_Comm comm, bool local_failed, std::int64_t key,
                          const std::string& local_message);

// Returns a buffer for send_counts[r] elements to each rank r, in rank
// order, and stores where the part of each rank starts in `offsets`.
// Collective: throws a collective Error when any rank cannot allocate it.
template <class T>
std::vector<T>
allocate_send_buffer(MPI_Comm comm,
                     const std::vector<std::int64_t>& send_counts,
                     std::vector<std::int64_t>& offsets)
{
    offsets.assign(send_counts.size(), 0);
    std::int64_t total = 0;
    for (std::size_t r = 0; r < send_counts.size(); ++r) {
        offsets[r] = total;
        total += send_counts[r];
    }
    std::vector<T> send;
    bool out_of_memory = false;
    try {
        send.resize(static_cast<std::size_t>(total));
    } catch (const std::bad_alloc&) {
        out_of_memory = true;
    }
    mpi::agree_on_error(
        comm, out_of_memory,
        "cannot allocate " +
            std::to_string(total * sizeof(T) / double(1 << 30)) +
            " GiB on rank " + std::to_string(mpi::rank(comm)) +
            " to send its share of the input; run on more ranks or nodes");
    return send;
}

// Sends send_counts[r] elements of `send`, which are stored in rank order,
// to each rank r with one MPI_Alltoallv, and returns what this rank
// receives, in rank order of the senders. Collective. Throws a collective
// Error when a count or an offset on any rank exceeds the 32-bit range of
// MPI_Alltoallv, or when the receive buffer cannot be allocated.
template <class T>
std::vector<T> exchange_by_rank(MPI_Comm comm, const std::vector<T>& send,
                                const std::vector<std::int64_t>& send_counts,
                                MPI_Datatype type)
{
    const int nranks = mpi::size(comm);
    std::vector<std::int64_t> receive_counts(static_cast<std::size_t>(nranks));
    mpi::check(MPI_Alltoall(send_counts.data(), 1, MPI_INT64_T,
                            receive_counts.data(), 1, MPI_INT64_T, comm),
               "MPI_Alltoall");

    // Offsets are the running sums of the counts, so checking each offset
    // and the total checks every count too.
    constexpr std::int64_t int_max = std::numeric_limits<int>::max();
    std::vector<int> send_ints(nranks), send_offsets(nranks);
    std::vector<int> receive_ints(nranks), receive_offsets(nranks);
    std::int64_t send_total = 0;
    std::int64_t receive_total = 0;
    bool too_large = false;
    for (int r = 0; r < nranks; ++r) {
        too_large = too_large || send_total + send_counts[r] > int_max ||
                    receive_total + receive_counts[r] > int_max;
        if (!too_large) {
            send_ints[r] = static_cast<int>(send_counts[r]);
            send_offsets[r] = static_cast<int>(send_total);
            receive_ints[r] = static_cast<int>(receive_counts[r]);
            receive_offsets[r] = static_cast<int>(receive_total);
        }
        send_total += send_counts[r];
        receive_total += receive_counts[r];
    }
    mpi::agree_on_error(
        comm, too_large,
        "rank " + std::to_string(mpi::rank(comm)) + " would send " +
            std::to_string(send_total) + " and receive " +
            std::to_string(receive_total) +
            " items in one MPI_Alltoallv, whose counts are 32-bit (at most " +
            std::to_string(int_max) + "); run on more ranks");

    std::vector<T> received;
    bool out_of_memory = false;
    try {
        received.resize(static_cast<std::size_t>(receive_total));
    } catch (const std::bad_alloc&) {
        out_of_memory = true;
    }
    mpi::agree_on_error(
        comm, out_of_memory,
        "cannot allocate " +
            std::to_string(receive_total * sizeof(T) / double(1 << 30)) +
            " GiB on rank " + std::to_string(mpi::rank(comm)) +
            " to receive its share of the input; run on more ranks or nodes");
    mpi::check(MPI_Alltoallv(send.data(), send_ints.data(), send_offsets.data(),
                             type, received.data(), receive_ints.data(),
                             receive_offsets.data(), type, comm),
               "MPI_Alltoallv");
    return received;
}

}  // namespace covdefl::io
