// Cross-rank agreement check of values that every rank must share.
#include <algorithm>
#include <cstdint>
#include <string>

#include "covdefl/mpi.hpp"

namespace covdefl::mpi {

namespace {

// 64-bit FNV-1a hash (Fowler, Noll and Vo).
std::uint64_t fnv1a(const std::vector<std::byte>& bytes)
{
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    for (const std::byte b : bytes) {
        hash ^= static_cast<std::uint64_t>(b);
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

// Lists up to 10 rank numbers, for the message.
std::string list_ranks(const std::vector<int>& ranks)
{
    const std::size_t listed = std::min<std::size_t>(ranks.size(), 10);
    std::string text;
    for (std::size_t i = 0; i < listed; ++i) {
        text += (i > 0 ? ", " : "") + std::to_string(ranks[i]);
    }
    if (listed < ranks.size()) {
        text += ", ... (" + std::to_string(ranks.size()) + " ranks)";
    }
    return text;
}

}  // namespace

void expect_agreed_bytes(MPI_Comm comm, const std::vector<std::byte>& bytes,
                         std::string_view description)
{
    const int nranks = size(comm);
    const std::uint64_t local[2] = {bytes.size(), fnv1a(bytes)};
    std::vector<std::uint64_t> all(2 * static_cast<std::size_t>(nranks));
    check(MPI_Allgather(local, 2, MPI_UINT64_T, all.data(), 2, MPI_UINT64_T,
                        comm),
          "MPI_Allgather");
    std::vector<int> differing;
    for (int r = 1; r < nranks; ++r) {
        const std::size_t i = 2 * static_cast<std::size_t>(r);
        if (all[i] != all[0] || all[i + 1] != all[1]) {
            differing.push_back(r);
        }
    }
    if (differing.empty()) {
        return;
    }
    // Every rank has the same gathered hashes, so every rank builds the
    // same message and throws at this point.
    const bool several = differing.size() > 1;
    throw Error("internal error: the ranks disagree on " +
                    std::string(description) + ": " +
                    (several ? "ranks " : "rank ") + list_ranks(differing) +
                    (several ? " have" : " has") +
                    " values that differ bit for bit from rank 0's; please "
                    "report this with the command line",
                /*collective=*/true);
}

}  // namespace covdefl::mpi
