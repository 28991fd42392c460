// MPI start-up, checked MPI calls and agreement on errors across ranks.
#pragma once

#include <mpi.h>

#include <string>

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

}  // namespace covdefl::mpi
