#include <catch2/catch.hpp>

#include <cmath>
#include <memory>
#include <string>

#include "covdefl/bounds.hpp"
#include "covdefl/budget.hpp"
#include "covdefl/covariance.hpp"
#include "covdefl/implicit_deflation.hpp"
#include "covdefl/lanczos.hpp"
#include "covdefl/mpi.hpp"
#include "covdefl/reference.hpp"
#include "covdefl/solver.hpp"
#include "covdefl/tracker.hpp"
#include "helpers.hpp"

using namespace covdefl;
using covdefl::testing::column;
using covdefl::testing::sin_angle;
using covdefl::testing::world_grid_shape;

namespace {

constexpr std::uint64_t matrix_seed = 31;

struct LanczosSetup {
    int components = 6;
    double tolerance = 1e-12;
    bool implicit = false;
    int block_size = 16;
    int krylov_dimension = LanczosIteration::default_krylov_dimension;
};

// A Lanczos deflation run with the tracker on rank 0, checked against
// PDSYEVR and against the eigenvectors Q that built the matrix.
struct LanczosRun {
    DeflationResult result;
    ReferenceCheck check;
    std::vector<std::vector<double>> vectors;       // every rank
    std::vector<std::vector<double>> true_vectors;  // every rank
    std::vector<ComponentBounds> bounds;            // rank 0 only
    std::vector<ActualError> actual;                // rank 0 only
};

LanczosRun run_lanczos(const ProcessGrid& grid,
                       const std::vector<double>& eigenvalues,
                       const LanczosSetup& setup)
{
    LanczosRun run;
    std::unique_ptr<BlockCyclicMatrix> q;
    BlockCyclicMatrix c = synthetic_covariance(grid, eigenvalues, matrix_seed,
                                               setup.block_size, &q);
    const BlockCyclicMatrix original = c;
    for (int j = 0; j < setup.components; ++j) {
        run.true_vectors.push_back(column(*q, j));
    }
    std::unique_ptr<DeflatedOperator> op;
    if (setup.implicit) {
        op = std::make_unique<ImplicitDeflation>(c);
    } else {
        op = std::make_unique<ExplicitDeflation>(c);
    }
    LanczosIteration lanczos(setup.krylov_dimension);
    Tracker tracker;
    DeflationOptions options;
    options.components = setup.components;
    options.tolerance = setup.tolerance;
    options.max_iterations = 5000;
    options.probe = true;
    const bool root = grid.rank() == 0;
    run.result =
        run_deflation(*op, options, lanczos, root ? &tracker : nullptr);
    run.check = check_against_pdsyevr(original, run.result.vectors);
    for (const DistVector& v : run.result.vectors) {
        run.vectors.push_back(gather_all(v));
    }
    if (root && run.check.valid) {
        run.bounds = tracker.bounds(original.rows());
        std::vector<double> rayleigh_quotients;
        for (const ComponentSummary& s : run.result.components) {
            rayleigh_quotients.push_back(s.eigenvalue);
        }
        run.actual = actual_errors(run.check, rayleigh_quotients, run.bounds);
    }
    return run;
}

// Eigenvalues within 1e-10 relative and axes within sin∠ 1e-8 of PDSYEVR's,
// except for the 0-based indices in `repeated`, whose axes are checked
// against the eigenspace in `true_vectors` instead.
void check_against_reference(const LanczosRun& run,
                             const std::vector<int>& repeated = {})
{
    REQUIRE(run.check.valid);
    for (std::size_t j = 0; j < run.result.components.size(); ++j) {
        INFO("component " << j + 1);
        const ComponentSummary& s = run.result.components[j];
        const ComponentCheck& c = run.check.components[j];
        CHECK(s.status == ComponentStatus::converged);
        CHECK(s.subroutine == "lanczos");
        CHECK(std::abs(s.eigenvalue - c.reference_eigenvalue) <=
              1e-10 * std::abs(c.reference_eigenvalue));
        bool in_cluster = false;
        for (int index : repeated) {
            in_cluster = in_cluster || index == static_cast<int>(j);
        }
        if (!in_cluster) {
            CHECK(c.sin_angle <= 1e-8);
            continue;
        }
        // ‖v − P v‖ for the projector P onto the repeated eigenspace
        std::vector<double> rest = run.vectors[j];
        for (int index : repeated) {
            const std::vector<double>& u = run.true_vectors[index];
            double projection = 0.0;
            for (std::size_t i = 0; i < u.size(); ++i) {
                projection += u[i] * run.vectors[j][i];
            }
            for (std::size_t i = 0; i < u.size(); ++i) {
                rest[i] -= projection * u[i];
            }
        }
        double norm = 0.0;
        for (double r : rest) {
            norm += r * r;
        }
        CHECK(std::sqrt(norm) <= 1e-8);
    }
}

void check_bounds_hold(const LanczosRun& run)
{
    if (mpi::rank(MPI_COMM_WORLD) != 0) {
        return;
    }
    REQUIRE(run.bounds.size() == run.result.components.size());
    const std::vector<std::string> defects =
        find_bound_defects(run.bounds, run.actual);
    for (const std::string& defect : defects) {
        UNSCOPED_INFO(defect);
    }
    CHECK(defects.empty());
    for (std::size_t j = 0; j < run.bounds.size(); ++j) {
        INFO("component " << j + 1);
        const ComponentBounds& b = run.bounds[j];
        // The power-iteration theorem does not cover Lanczos.
        CHECK_FALSE(b.power.valid);
        CHECK_THAT(b.power.reason, Catch::Contains("lanczos"));
        if (b.direct.valid) {
            CHECK(b.direct.value >= run.actual[j].vector_error);
        }
    }
}

// Largest relative eigenvalue difference and largest sin∠ between the
// components of two runs.
void check_same_results(const LanczosRun& a, const LanczosRun& b,
                        double eigenvalue_tolerance, double sine_tolerance)
{
    REQUIRE(a.result.components.size() == b.result.components.size());
    for (std::size_t j = 0; j < a.result.components.size(); ++j) {
        INFO("component " << j + 1);
        const double theta_a = a.result.components[j].eigenvalue;
        const double theta_b = b.result.components[j].eigenvalue;
        CHECK(std::abs(theta_a - theta_b) <=
              eigenvalue_tolerance * std::abs(theta_a));
        CHECK(sin_angle(a.vectors[j], b.vectors[j]) <= sine_tolerance);
    }
}

}  // namespace

TEST_CASE("lanczos on geometric spectrum", "[lanczos]")
{
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    const LanczosRun run =
        run_lanczos(grid, parse_spectrum("geometric:0.9", 200), {});
    check_against_reference(run);
    check_bounds_hold(run);
}

TEST_CASE("lanczos on power-law spectrum", "[lanczos]")
{
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    const LanczosRun run =
        run_lanczos(grid, parse_spectrum("power:1", 200), {});
    check_against_reference(run);
    check_bounds_hold(run);
}

TEST_CASE("lanczos on clustered eigenvalues", "[lanczos]")
{
    std::vector<double> eigenvalues = parse_spectrum("geometric:0.9", 200);
    eigenvalues[0] = 1.0;
    eigenvalues[1] = 0.999;
    eigenvalues[2] = 0.998;
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    LanczosSetup setup;
    setup.components = 4;
    const LanczosRun run = run_lanczos(grid, eigenvalues, setup);
    check_against_reference(run);
    check_bounds_hold(run);
}

TEST_CASE("lanczos on repeated eigenvalue", "[lanczos]")
{
    std::vector<double> eigenvalues = parse_spectrum("geometric:0.7", 150);
    eigenvalues[2] = eigenvalues[1];  // λ2 = λ3
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    LanczosSetup setup;
    setup.components = 4;
    const LanczosRun run = run_lanczos(grid, eigenvalues, setup);
    check_against_reference(run, {1, 2});
    check_bounds_hold(run);
}

TEST_CASE("lanczos implicit and explicit deflation agree", "[lanczos]")
{
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    const std::vector<double> eigenvalues = parse_spectrum("power:1", 180);
    LanczosSetup setup;
    const LanczosRun explicit_run = run_lanczos(grid, eigenvalues, setup);
    setup.implicit = true;
    const LanczosRun implicit_run = run_lanczos(grid, eigenvalues, setup);
    check_against_reference(implicit_run);
    check_bounds_hold(implicit_run);
    // Both stop at a residual of about 1e-12·θ, so the vectors agree to
    // about residual / gap.
    check_same_results(explicit_run, implicit_run, 1e-12, 1e-9);
}

TEST_CASE("lanczos results do not depend on the layout", "[lanczos]")
{
    const std::vector<double> eigenvalues = parse_spectrum("power:1", 160);
    LanczosSetup setup;
    setup.components = 5;
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    const LanczosRun reference = run_lanczos(grid, eigenvalues, setup);

    // The transposed grid shape, and another block size.
    const GridShape shape = world_grid_shape();
    ProcessGrid transposed(MPI_COMM_WORLD, GridShape{shape.cols, shape.rows});
    setup.block_size = 7;
    const LanczosRun other = run_lanczos(transposed, eigenvalues, setup);
    check_same_results(reference, other, 1e-12, 1e-9);

    // Rank 0 alone, as a 1-rank run.
    MPI_Comm solo = MPI_COMM_NULL;
    const int rank = mpi::rank(MPI_COMM_WORLD);
    MPI_Comm_split(MPI_COMM_WORLD, rank == 0 ? 0 : MPI_UNDEFINED, 0, &solo);
    if (solo != MPI_COMM_NULL) {
        {
            ProcessGrid single(solo, GridShape{1, 1});
            const LanczosRun one_rank = run_lanczos(single, eigenvalues, setup);
            check_same_results(reference, one_rank, 1e-12, 1e-9);
        }
        MPI_Comm_free(&solo);
    }
}

TEST_CASE("lanczos rejects a matrix that is not PSD", "[lanczos]")
{
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    const std::vector<std::vector<double>> spectra = {
        // The eigenvalue of largest magnitude is negative.
        {-2.0, 1.0, 0.5, 0.25, 0.125, 0.1, 0.05, 0.01},
        // +μ and −μ, on which power iteration alternates.
        {1.0, -1.0, 0.5, 0.25, 0.125, 0.1, 0.05, 0.01},
        // A smaller negative eigenvalue.
        {1.0, 0.5, -0.3, 0.25, 0.125, 0.1, 0.05, 0.01},
    };
    for (const std::vector<double>& spectrum : spectra) {
        INFO("spectrum starting " << spectrum[0] << ", " << spectrum[1]);
        std::vector<double> eigenvalues(60, 0.001);
        std::copy(spectrum.begin(), spectrum.end(), eigenvalues.begin());
        BlockCyclicMatrix c =
            synthetic_covariance(grid, eigenvalues, matrix_seed, 16);
        ExplicitDeflation op(c);
        LanczosIteration lanczos;
        DeflationOptions options;
        options.components = 3;
        options.tolerance = 1e-10;
        CHECK_THROWS_WITH(run_deflation(op, options, lanczos, nullptr),
                          Catch::Contains("not positive semidefinite"));
    }
}

TEST_CASE("lanczos rejects a stopping policy", "[lanczos]")
{
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    BlockCyclicMatrix c = synthetic_covariance(
        grid, parse_spectrum("geometric:0.9", 50), matrix_seed, 16);
    ExplicitDeflation op(c);
    LanczosIteration lanczos;
    DeflationOptions options;
    options.components = 2;
    TargetAccuracyBudget budget(1e-6, options.components);
    const bool root = grid.rank() == 0;
    CHECK_THROWS_WITH(
        run_deflation(op, options, lanczos, nullptr, root ? &budget : nullptr),
        Catch::Contains("--target-accuracy is not supported"));
}

TEST_CASE("lanczos with a basis larger than d", "[lanczos]")
{
    // d = 5 < m: the Krylov space becomes invariant, and the sub-routine
    // continues with seeded directions.
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    LanczosSetup setup;
    setup.components = 4;
    setup.block_size = 2;
    const LanczosRun run = run_lanczos(grid, {5.0, 4.0, 3.0, 2.0, 1.0}, setup);
    check_against_reference(run);
}

TEST_CASE("lanczos rejects a small basis", "[lanczos]")
{
    CHECK_THROWS_WITH(LanczosIteration(2), Catch::Contains("--krylov-dim"));
    CHECK_THROWS(LanczosIteration(10, 9));
}
