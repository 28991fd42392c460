// mpi::expect_agreed, called directly so that these tests run in every
// build type, whatever COVDEFL_CHECK_AGREEMENT is.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "covdefl/mpi.hpp"
#include "covdefl/solver.hpp"

using namespace covdefl;

namespace {

int world_rank()
{
    return mpi::rank(MPI_COMM_WORLD);
}

int world_size()
{
    return mpi::size(MPI_COMM_WORLD);
}

// Runs `check` on every rank and returns the message of the Error it
// threw, or an empty string. Checks that the error is collective.
template <class Check>
std::string agreement_error(Check&& check)
{
    try {
        check();
    } catch (const Error& e) {
        CHECK(e.collective());
        return e.what();
    }
    return "";
}

// The part of the message that names ranks 1 to P - 1.
std::string all_but_rank_zero(int size)
{
    std::string ranks = size > 2 ? "ranks 1" : "rank 1";
    for (int r = 2; r < size; ++r) {
        ranks += ", " + std::to_string(r);
    }
    return ranks + (size > 2 ? " have values" : " has values");
}

}  // namespace

TEST_CASE("expect_agreed passes equal values", "[agreement]")
{
    const std::vector<double> ritz_values = {3.5, -0.0, 1e-300};
    const std::vector<int> empty;
    CHECK_NOTHROW(mpi::expect_agreed(MPI_COMM_WORLD, "equal values", 7, 2.5,
                                     -0.0, true, ComponentStatus::not_separated,
                                     ritz_values, empty, 9LL));
    CHECK_NOTHROW(mpi::expect_agreed(MPI_COMM_WORLD, "no values"));
}

TEST_CASE("expect_agreed passes a NaN with the same bits", "[agreement]")
{
    const double nan = std::numeric_limits<double>::quiet_NaN();
    CHECK_NOTHROW(mpi::expect_agreed(MPI_COMM_WORLD, "NaN", nan));
}

TEST_CASE("expect_agreed rejects a different double", "[agreement]")
{
    const int last = world_size() - 1;
    const double theta = world_rank() == last && last > 0 ? 2.0 : 1.0;
    const std::string message = agreement_error(
        [&] { mpi::expect_agreed(MPI_COMM_WORLD, "the test value", theta); });
    if (last == 0) {
        CHECK(message.empty());
    } else {
        CHECK_THAT(message, Catch::Contains("disagree on the test value"));
        CHECK_THAT(message, Catch::Contains("rank " + std::to_string(last) +
                                            " has values"));
    }
}

TEST_CASE("expect_agreed rejects -0.0 against +0.0", "[agreement]")
{
    // Bitwise comparison: -0.0 == +0.0 is true, but a value that came from
    // one reduction or broadcast has the same sign bit on every rank.
    const int last = world_size() - 1;
    const double zero = world_rank() == last && last > 0 ? -0.0 : +0.0;
    const std::string message = agreement_error(
        [&] { mpi::expect_agreed(MPI_COMM_WORLD, "a signed zero", zero); });
    if (last == 0) {
        CHECK(message.empty());
    } else {
        CHECK_THAT(message, Catch::Contains("disagree on a signed zero"));
        CHECK_THAT(message, Catch::Contains("rank " + std::to_string(last)));
    }
}

TEST_CASE("expect_agreed names every differing rank", "[agreement]")
{
    // Rank r passes iteration count 10 + r: ranks 1 to P - 1 differ.
    const int iterations = 10 + world_rank();
    const std::string message = agreement_error([&] {
        mpi::expect_agreed(MPI_COMM_WORLD, "the iteration count", iterations);
    });
    const int size = world_size();
    if (size == 1) {
        CHECK(message.empty());
    } else {
        CHECK_THAT(message, Catch::Contains(all_but_rank_zero(size)));
        CHECK_THAT(message, Catch::Contains("iteration count"));
    }
}

TEST_CASE("expect_agreed rejects a different vector length", "[agreement]")
{
    // Rank 1 drops the last Ritz value. Its other values match rank 0's,
    // so the count alone differs.
    std::vector<double> ritz_values = {4.0, 2.0, 1.0};
    if (world_rank() == 1) {
        ritz_values.pop_back();
    }
    const std::string message = agreement_error([&] {
        mpi::expect_agreed(MPI_COMM_WORLD, "the Ritz values", ritz_values);
    });
    if (world_size() == 1) {
        CHECK(message.empty());
    } else {
        CHECK_THAT(message, Catch::Contains("disagree on the Ritz values"));
        CHECK_THAT(message, Catch::Contains("rank 1 has values"));
    }
}

TEST_CASE("expect_agreed rejects a different decision", "[agreement]")
{
    // The same scalars everywhere, and one status that differs on rank 0.
    const ComponentStatus status = world_rank() == 0
                                       ? ComponentStatus::converged
                                       : ComponentStatus::iteration_limit;
    const std::string message = agreement_error([&] {
        mpi::expect_agreed(MPI_COMM_WORLD, "the stop decision", 12, 0.5,
                           status);
    });
    const int size = world_size();
    if (size == 1) {
        CHECK(message.empty());
    } else {
        CHECK_THAT(message, Catch::Contains("disagree on the stop decision"));
        // Rank 0 is the reference, so the other ranks are the ones named.
        CHECK_THAT(message, Catch::Contains(all_but_rank_zero(size)));
    }
}

TEST_CASE("expect_agreed compares component summaries", "[agreement]")
{
    ComponentSummary summary;
    summary.component = 2;
    summary.iterations = 40;
    summary.eigenvalue = 0.81;
    summary.status = ComponentStatus::converged;
    // The wall time is rank-local and left out of the comparison.
    summary.seconds = 0.001 * world_rank();
    CHECK_NOTHROW(
        mpi::expect_agreed(MPI_COMM_WORLD, "equal summaries", summary));

    const int last = world_size() - 1;
    if (world_rank() == last && last > 0) {
        summary.iterations = 41;
    }
    const std::vector<ComponentSummary> summaries = {summary, summary};
    const std::string message = agreement_error([&] {
        mpi::expect_agreed(MPI_COMM_WORLD, "the summaries", summaries);
    });
    if (last == 0) {
        CHECK(message.empty());
    } else {
        CHECK_THAT(message, Catch::Contains("disagree on the summaries"));
        CHECK_THAT(message, Catch::Contains("rank " + std::to_string(last) +
                                            " has values"));
    }
}
