#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>

#include "covdefl/bounds.hpp"
#include "covdefl/covariance.hpp"
#include "covdefl/mpi.hpp"
#include "covdefl/reference.hpp"
#include "covdefl/solver.hpp"
#include "covdefl/tracker.hpp"
#include "helpers.hpp"

using namespace covdefl;
using covdefl::testing::world_grid_shape;

namespace {

struct BoundRun {
    std::vector<ComponentBounds> bounds;  // rank 0 only
    std::vector<ActualError> actual;      // rank 0 only
    bool reference_valid = false;
};

// Deflation with the next-eigenvalue estimate, the tracker on rank 0 and a
// PDSYEVR reference, as the command line runs them.
BoundRun run_with_bounds(const std::vector<double>& eigenvalues, int k,
                         double tolerance)
{
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    BlockCyclicMatrix c = synthetic_covariance(grid, eigenvalues, 31, 16);
    const BlockCyclicMatrix original = c;
    ExplicitDeflation op(c);
    PowerIteration power;
    Tracker tracker;
    DeflationOptions options;
    options.components = k;
    options.tolerance = tolerance;
    options.probe = true;
    const bool root = grid.rank() == 0;
    DeflationResult result =
        run_deflation(op, options, power, root ? &tracker : nullptr);
    ReferenceCheck check = check_against_pdsyevr(original, result.vectors);

    BoundRun run;
    run.reference_valid = check.valid;
    if (!root || !check.valid) {
        return run;
    }
    run.bounds = tracker.bounds(original.rows());
    std::vector<double> rayleigh_quotients;
    for (const ComponentSummary& summary : result.components) {
        rayleigh_quotients.push_back(summary.eigenvalue);
    }
    run.actual = actual_errors(check, rayleigh_quotients, run.bounds);
    return run;
}

void print_tightness(const char* name, const BoundRun& run)
{
    std::printf("%s: bound / actual per component (direct, agnostic, "
                "power iteration; '-' vacuous)\n",
                name);
    for (std::size_t i = 0; i < run.bounds.size(); ++i) {
        const double actual = run.actual[i].vector_error;
        auto ratio = [actual](const Bound& b) {
            return b.valid && actual > 0.0 ? b.value / actual : -1.0;
        };
        std::printf("  %zu: actual %.2e  %.3g  %.3g  %.3g\n", i + 1, actual,
                    ratio(run.bounds[i].direct), ratio(run.bounds[i].agnostic),
                    ratio(run.bounds[i].power));
    }
}

void require_no_defects(const char* name, const BoundRun& run)
{
    REQUIRE(run.reference_valid);
    if (mpi::rank(MPI_COMM_WORLD) != 0) {
        return;
    }
    print_tightness(name, run);
    const std::vector<std::string> defects =
        find_bound_defects(run.bounds, run.actual);
    for (const std::string& defect : defects) {
        UNSCOPED_INFO(defect);
    }
    CHECK(defects.empty());
}

}  // namespace

TEST_CASE("bounds hold on geometric spectrum", "[bounds]")
{
    const BoundRun run =
        run_with_bounds(parse_spectrum("geometric:0.9", 150), 6, 1e-12);
    require_no_defects("geometric 0.9", run);
    if (mpi::rank(MPI_COMM_WORLD) == 0) {
        for (const ComponentBounds& b : run.bounds) {
            CHECK(b.direct.valid);
            CHECK(b.power.valid);
        }
    }
}

TEST_CASE("bounds hold on power-law spectrum", "[bounds]")
{
    require_no_defects(
        "power law 1/i",
        run_with_bounds(parse_spectrum("power:1", 150), 6, 1e-12));
}

TEST_CASE("bounds hold with nearly equal eigenvalues", "[bounds]")
{
    std::vector<double> eigenvalues = parse_spectrum("geometric:0.8", 120);
    eigenvalues[1] = 0.999;  // λ2/λ1 = 0.999
    const BoundRun run = run_with_bounds(eigenvalues, 4, 1e-12);
    require_no_defects("nearly equal pair", run);
}

TEST_CASE("bounds are vacuous at a repeated eigenvalue", "[bounds]")
{
    std::vector<double> eigenvalues = parse_spectrum("geometric:0.7", 100);
    eigenvalues[2] = eigenvalues[1];  // λ2 = λ3
    const BoundRun run = run_with_bounds(eigenvalues, 4, 1e-12);
    require_no_defects("repeated eigenvalue", run);
    if (mpi::rank(MPI_COMM_WORLD) == 0) {
        CHECK_FALSE(run.bounds[1].direct.valid);
        CHECK_FALSE(run.bounds[2].direct.valid);
        CHECK_THAT(run.bounds[1].direct.reason,
                   Catch::Contains("not positive"));
        CHECK(run.bounds[0].direct.valid);
    }
}

TEST_CASE("loose tolerance errors grow and bounds follow", "[bounds]")
{
    // With tol = 1e-4 each component's own error is about 1e-4·λ/gap, and
    // the deflation passes it on: the later components' errors are larger.
    const BoundRun run =
        run_with_bounds(parse_spectrum("geometric:0.8", 150), 6, 1e-4);
    require_no_defects("geometric 0.8, tol 1e-4", run);
    if (mpi::rank(MPI_COMM_WORLD) == 0) {
        CHECK(run.actual.back().vector_error > run.actual.front().vector_error);
        CHECK(run.bounds.back().power_formula >
              run.bounds.front().power_formula);
        CHECK(run.actual.front().vector_error > 1e-7);
    }
}
