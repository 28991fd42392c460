#include "covdefl/mpi.hpp"

#include <algorithm>
#include <vector>

extern "C" void Cblacs_exit(int not_done);

namespace covdefl::mpi {

Environment::Environment(int& argc, char**& argv)
{
    check(MPI_Init(&argc, &argv), "MPI_Init");
    check(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN),
          "MPI_Comm_set_errhandler");
}

Environment::~Environment()
{
    // Releases BLACS's own buffers and communicators; the argument 1 keeps
    // MPI running so that MPI_Finalize below stays the one shutdown.
    Cblacs_exit(1);
    MPI_Finalize();
}

void check(int rc, const char* call)
{
    if (rc == MPI_SUCCESS) {
        return;
    }
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    MPI_Error_string(rc, text, &length);
    throw Error(std::string(call) + " failed: " + std::string(text, length));
}

int rank(MPI_Comm comm)
{
    int value = 0;
    check(MPI_Comm_rank(comm, &value), "MPI_Comm_rank");
    return value;
}

int size(MPI_Comm comm)
{
    int value = 0;
    check(MPI_Comm_size(comm, &value), "MPI_Comm_size");
    return value;
}

void agree_on_error(MPI_Comm comm, bool local_failed,
                    const std::string& local_message)
{
    // The lowest failing rank, or `size` when no rank failed.
    const int nranks = size(comm);
    int candidate = local_failed ? rank(comm) : nranks;
    int first_failed = nranks;
    check(MPI_Allreduce(&candidate, &first_failed, 1, MPI_INT, MPI_MIN, comm),
          "MPI_Allreduce");
    if (first_failed == nranks) {
        return;
    }
    int length = static_cast<int>(local_message.size());
    check(MPI_Bcast(&length, 1, MPI_INT, first_failed, comm), "MPI_Bcast");
    std::vector<char> text(local_message.begin(), local_message.end());
    text.resize(static_cast<std::size_t>(length));
    check(MPI_Bcast(text.data(), length, MPI_CHAR, first_failed, comm),
          "MPI_Bcast");
    throw Error(std::string(text.begin(), text.end()), /*collective=*/true);
}

void sum_all(MPI_Comm comm, double* values, int count)
{
    check(MPI_Allreduce(MPI_IN_PLACE, values, count, MPI_DOUBLE, MPI_SUM, comm),
          "MPI_Allreduce");
}

double max_all(MPI_Comm comm, double value)
{
    double result = 0.0;
    check(MPI_Allreduce(&value, &result, 1, MPI_DOUBLE, MPI_MAX, comm),
          "MPI_Allreduce");
    return result;
}

}  // namespace covdefl::mpi
