// The covdefl command: options in, result files and an exit status out.
#pragma once

#include <mpi.h>

namespace covdefl {

// Exit statuses of the covdefl command.
enum ExitStatus : int {
    exit_success = 0,
    exit_error = 1,          // bad input or option, or a failed run
    exit_not_converged = 3,  // results written, some component unconverged
    exit_bound_defect = 4,   // --check found a bound below the actual error
};

// Parses the command line and runs covdefl on all ranks of `comm`.
// Collective. Returns the exit status; throws Error on failures, with
// collective() telling whether every rank throws it.
int run_command_line(int argc, char** argv, MPI_Comm comm);

}  // namespace covdefl
