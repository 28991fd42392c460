// MPI start-up, checked MPI calls, and agreement on errors and on values
// across ranks.
#pragma once

#include <mpi.h>

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "covdefl/error.hpp"

namespace covdefl::mpi {

// Initialises MPI on construction and finalises it on destruction. Also
// shuts BLACS down (without finalising MPI) first, so that every exit path
// of `main` releases both. Errors on MPI_COMM_WORLD are returned, not fatal.
class Environment {
public:
    Environment(int& argc, char**& argv);
    ~Environment();
    Environment(const Environment&) = delete;
    Environment& operator=(const Environment&) = delete;
};

// Throws Error naming `call` and the decoded MPI message when `rc` is not
// MPI_SUCCESS.
void check(int rc, const char* call);

int rank(MPI_Comm comm);
int size(MPI_Comm comm);

// Collective: every rank passes its local outcome, and all ranks learn
// whether any rank failed. If one did, every rank throws a collective Error
// carrying the message of the lowest failing rank. Call it after any step
// that can fail on some ranks only (file reads, allocations), before the
// next blocking collective.
void agree_on_error(MPI_Comm comm, bool local_failed,
                    const std::string& local_message);

// Runs `step` on every rank and turns an exception on any rank into a
// collective Error on all ranks (see agree_on_error).
template <class Step>
void run_agreed(MPI_Comm comm, Step&& step)
{
    bool failed = false;
    std::string message;
    try {
        step();
    } catch (const std::exception& e) {
        failed = true;
        message = e.what();
    }
    agree_on_error(comm, failed, message);
}

// Sums `count` doubles over all ranks in place (MPI_Allreduce).
void sum_all(MPI_Comm comm, double* values, int count);

// Returns the maximum of `value` over all ranks.
double max_all(MPI_Comm comm, double value);

// A value whose bytes are its whole state, with no padding: an integer, a
// floating-point type other than long double, bool or an enum.
template <class T>
concept AgreementValue = std::is_enum_v<T> ||
    (std::is_arithmetic_v<T> && !std::is_same_v<T, long double>);

// Appends the bytes of `value` to `bytes`.
template <AgreementValue T>
void append_bytes(std::vector<std::byte>& bytes, const T& value)
{
    const std::size_t offset = bytes.size();
    bytes.resize(offset + sizeof value);
    std::memcpy(bytes.data() + offset, &value, sizeof value);
}

// Appends the element count of `values`, then the bytes of each. The
// elements are AgreementValues, or types with their own append_bytes
// overload in their namespace (found by argument-dependent lookup).
template <class T>
void append_bytes(std::vector<std::byte>& bytes, const std::vector<T>& values)
{
    append_bytes(bytes, values.size());
    for (const T& value : values) {
        append_bytes(bytes, value);
    }
}

// Collective: checks that `bytes` is the same on every rank of `comm`.
// Every rank sends its byte count and a 64-bit FNV-1a hash of the bytes
// (MPI_Allgather), and compares the others with rank 0's. If any rank
// differs, every rank throws the same collective Error that contains
// `description` (a noun phrase such as "the Lanczos decision") and the
// ranks that differ. A hash collision can hide a difference.
void expect_agreed_bytes(MPI_Comm comm, const std::vector<std::byte>& bytes,
                         std::string_view description);

// Collective: checks that every rank of `comm` passes the same `values`,
// bit for bit, and throws a collective Error naming `description` and the
// ranks that differ otherwise (see expect_agreed_bytes). Each value is an
// AgreementValue, a type with its own append_bytes overload (such as
// ComponentSummary) or a std::vector of them. The comparison is bitwise, so
// -0.0 and +0.0 differ, and NaNs with the same bits agree: a value that
// comes from one reduction or broadcast has the same bits on every rank,
// and any other outcome means that the ranks computed it apart. Every rank
// must reach the call, so it finds a difference before the ranks branch
// apart, not after.
template <class... Values>
void expect_agreed(MPI_Comm comm, std::string_view description,
                   const Values&... values)
{
    std::vector<std::byte> bytes;
    (append_bytes(bytes, values), ...);
    expect_agreed_bytes(comm, bytes, description);
}

// True when the build checks agreement at the solvers' decision points
// (CMake option COVDEFL_CHECK_AGREEMENT, on by default in Debug builds).
#ifndef COVDEFL_CHECK_AGREEMENT
#define COVDEFL_CHECK_AGREEMENT 0
#endif
inline constexpr bool agreement_checks = COVDEFL_CHECK_AGREEMENT != 0;

}  // namespace covdefl::mpi

// Calls mpi::expect_agreed(comm, description, values...) in builds with
// COVDEFL_CHECK_AGREEMENT on. Otherwise it does nothing, and the arguments
// are compiled but not evaluated.
#define COVDEFL_EXPECT_AGREED(comm, description, ...)                          \
    do {                                                                       \
        if constexpr (::covdefl::mpi::agreement_checks) {                      \
            ::covdefl::mpi::expect_agreed((comm), (description), __VA_ARGS__); \
        }                                                                      \
    } while (false)
