#include <cstdio>
#include <exception>

#include "covdefl/cli.hpp"
#include "covdefl/mpi.hpp"

int main(int argc, char** argv)
{
    try {
        covdefl::mpi::Environment environment(argc, argv);
        int rank = 0;
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
        try {
            return covdefl::run_command_line(argc, argv, MPI_COMM_WORLD);
        } catch (const covdefl::Error& e) {
            if (e.collective()) {
                // Every rank threw the same error, so rank 0 reports it
                // once and all ranks finalise MPI normally.
                if (rank == 0) {
                    std::fprintf(stderr, "covdefl: error: %s\n", e.what());
                }
                return covdefl::exit_error;
            }
            std::fprintf(stderr, "covdefl: error on rank %d: %s\n", rank,
                         e.what());
        } catch (const std::exception& e) {
            std::fprintf(stderr, "covdefl: internal error on rank %d: %s\n",
                         rank, e.what());
        }
        // Only this rank has seen the failure; the others may be waiting in
        // a collective, so the whole job stops here.
        std::fflush(stderr);
        MPI_Abort(MPI_COMM_WORLD, covdefl::exit_error);
        return covdefl::exit_error;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "covdefl: error: %s\n", e.what());
        return covdefl::exit_error;
    }
}
