// Catch2 main for the MPI tests: initialises MPI, runs the session on every
// rank and fails the run on every rank when any rank saw a failure, so a
// failing rank cannot pass unnoticed.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <mpi.h>

#include "covdefl/mpi.hpp"

int main(int argc, char** argv)
{
    covdefl::mpi::Environment environment(argc, argv);
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);

    Catch::Session session;
    const int status = session.run(argc, argv);
    int local_failed = status != 0 ? 1 : 0;
    int any_failed = 0;
    MPI_Allreduce(&local_failed, &any_failed, 1, MPI_INT, MPI_MAX,
                  MPI_COMM_WORLD);
    if (rank == 0 && any_failed != 0 && local_failed == 0) {
        std::fprintf(stderr, "a test failed on another rank\n");
    }
    return any_failed != 0 ? 1 : 0;
}
