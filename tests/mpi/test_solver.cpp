#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <string>

#include "covdefl/covariance.hpp"
#include "covdefl/mpi.hpp"
#include "covdefl/reference.hpp"
#include "covdefl/solver.hpp"
#include "helpers.hpp"

using namespace covdefl;
using covdefl::testing::column;
using covdefl::testing::sin_angle;
using covdefl::testing::world_grid_shape;

namespace {

struct KnownSpectrumRun {
    std::vector<double> eigenvalues;  // true λ, descending
    DeflationResult result;
    std::vector<std::vector<double>> true_vectors;
};

KnownSpectrumRun solve_known(const ProcessGrid& grid,
                             const std::vector<double>& eigenvalues, int k,
                             double tolerance, int block_size = 16)
{
    KnownSpectrumRun run;
    run.eigenvalues = eigenvalues;
    std::unique_ptr<BlockCyclicMatrix> q;
    BlockCyclicMatrix c =
        synthetic_covariance(grid, eigenvalues, 2024, block_size, &q);
    for (int j = 0; j < k; ++j) {
        run.true_vectors.push_back(column(*q, j));
    }
    ExplicitDeflation op(c);
    PowerIteration power;
    DeflationOptions options;
    options.components = k;
    options.tolerance = tolerance;
    options.max_iterations = 20000;
    run.result = run_deflation(op, options, power, nullptr);
    return run;
}

void check_against_truth(const KnownSpectrumRun& run)
{
    for (std::size_t j = 0; j < run.result.components.size(); ++j) {
        const ComponentSummary& s = run.result.components[j];
        INFO("component " << j + 1);
        REQUIRE(s.status == ComponentStatus::converged);
        CHECK(std::abs(s.eigenvalue - run.eigenvalues[j]) <=
              1e-10 * run.eigenvalues[j]);
        const std::vector<double> v = gather_all(run.result.vectors[j]);
        CHECK(sin_angle(run.true_vectors[j], v) <= 1e-8);
    }
}

}  // namespace

TEST_CASE("power deflation on geometric spectrum", "[solver]")
{
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    check_against_truth(
        solve_known(grid, parse_spectrum("geometric:0.9", 200), 8, 1e-10));
}

TEST_CASE("power deflation on power-law spectrum", "[solver]")
{
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    check_against_truth(
        solve_known(grid, parse_spectrum("power:1", 150), 6, 1e-11));
}

TEST_CASE("power deflation with a small gap", "[solver]")
{
    // λ2/λ1 = 0.99: about 2700 iterations for a 1e-12 residual, and a
    // vector error near residual / gap = 1e-10.
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    std::vector<double> eigenvalues = parse_spectrum("geometric:0.7", 120);
    eigenvalues[1] = 0.99;
    eigenvalues[2] = 0.5;
    check_against_truth(solve_known(grid, eigenvalues, 4, 1e-12));
}

TEST_CASE("power deflation matches PDSYEVR", "[solver][reference]")
{
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    const std::vector<double> eigenvalues = parse_spectrum("power:1", 257);
    for (const int block_size : {8, 64}) {
        INFO("block size " << block_size);
        BlockCyclicMatrix c =
            synthetic_covariance(grid, eigenvalues, 7, block_size);
        const BlockCyclicMatrix original = c;
        ExplicitDeflation op(c);
        PowerIteration power;
        DeflationOptions options;
        options.components = 5;
        options.tolerance = 1e-11;
        DeflationResult result = run_deflation(op, options, power, nullptr);
        ReferenceCheck check = check_against_pdsyevr(original, result.vectors);
        REQUIRE(check.valid);
        CHECK(check.max_residual < 1e-12);
        CHECK(check.max_orthogonality < 1e-12);
        for (int j = 0; j < options.components; ++j) {
            INFO("component " << j + 1);
            const ComponentCheck& cj = check.components[j];
            CHECK(std::abs(result.components[j].eigenvalue -
                           cj.reference_eigenvalue) <=
                  1e-10 * cj.reference_eigenvalue);
            CHECK(cj.sin_angle <= 1e-8);
            CHECK(cj.residual_original <= 1e-10 * cj.reference_eigenvalue);
        }
    }
}

TEST_CASE("deflation keeps zero-eigenvalue components orthogonal", "[solver]")
{
    // Rank 2 matrix, K = 4: components 3 and 4 have eigenvalue 0 and must
    // still be unit vectors orthogonal to the others.
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    BlockCyclicMatrix c =
        synthetic_covariance(grid, parse_spectrum("list:2,1", 9), 3, 4);
    ExplicitDeflation op(c);
    PowerIteration power;
    DeflationOptions options;
    options.components = 4;
    DeflationResult result = run_deflation(op, options, power, nullptr);
    for (int i = 0; i < 4; ++i) {
        INFO("component " << i + 1);
        CHECK(result.components[i].status == ComponentStatus::converged);
        for (int j = 0; j <= i; ++j) {
            const double expected = i == j ? 1.0 : 0.0;
            CHECK(std::abs(dot(result.vectors[i], result.vectors[j]) -
                           expected) <= 1e-10);
        }
    }
    CHECK(std::abs(result.components[2].eigenvalue) <= 1e-13);
    CHECK(std::abs(result.components[3].eigenvalue) <= 1e-13);
}

TEST_CASE("iteration limit is reported as not converged", "[solver]")
{
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    BlockCyclicMatrix c =
        synthetic_covariance(grid, parse_spectrum("power:1", 50), 5, 8);
    ExplicitDeflation op(c);
    PowerIteration power;
    DeflationOptions options;
    options.components = 2;
    options.max_iterations = 3;
    DeflationResult result = run_deflation(op, options, power, nullptr);
    for (const ComponentSummary& s : result.components) {
        CHECK(s.iterations == 3);
        CHECK(s.status == ComponentStatus::iteration_limit);
        CHECK(s.residual_norm > options.tolerance * std::abs(s.eigenvalue));
    }
}

TEST_CASE("indefinite matrices are rejected", "[solver]")
{
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    PowerIteration power;
    DeflationOptions options;
    SECTION("eigenvalues +3 and -3")
    {
        BlockCyclicMatrix c =
            synthetic_covariance(grid, {3.0, -3.0, 1.0, 0.5}, 11, 2);
        ExplicitDeflation op(c);
        options.components = 2;
        CHECK_THROWS_WITH(run_deflation(op, options, power, nullptr),
                          Catch::Contains("not positive semidefinite"));
    }
    SECTION("a small negative eigenvalue")
    {
        BlockCyclicMatrix c =
            synthetic_covariance(grid, {3.0, 1.0, -0.5, 0.0, 0.0}, 11, 2);
        ExplicitDeflation op(c);
        options.components = 3;
        CHECK_THROWS_WITH(run_deflation(op, options, power, nullptr),
                          Catch::Contains("not positive semidefinite"));
    }
}

TEST_CASE("same seed gives same components on every grid", "[solver]")
{
    // Runs the same problem on the first s ranks of the job for every
    // s <= job size, with several grid shapes and block sizes, and compares
    // with the one-rank result on rank 0.
    const int world_rank = mpi::rank(MPI_COMM_WORLD);
    const int world_size = mpi::size(MPI_COMM_WORLD);
    const std::vector<double> eigenvalues = parse_spectrum("power:1", 97);
    const int k = 4;

    struct Layout {
        GridShape shape;
        int block_size;
    };
    std::vector<Layout> layouts{{{1, 1}, 16}};
    for (int s = 2; s <= world_size; ++s) {
        for (int rows = 1; rows <= s; ++rows) {
            if (s % rows == 0) {
                layouts.push_back({{rows, s / rows}, 16});
            }
        }
    }
    layouts.push_back({choose_grid_shape(world_size), 5});
    layouts.push_back({choose_grid_shape(world_size), 64});

    std::vector<std::vector<double>> baseline;
    std::vector<double> baseline_values;
    for (const Layout& layout : layouts) {
        const int ranks = layout.shape.rows * layout.shape.cols;
        MPI_Comm sub = MPI_COMM_NULL;
        MPI_Comm_split(MPI_COMM_WORLD, world_rank < ranks ? 0 : MPI_UNDEFINED,
                       world_rank, &sub);
        if (sub == MPI_COMM_NULL) {
            continue;
        }
        {
            ProcessGrid grid(sub, layout.shape);
            BlockCyclicMatrix c =
                synthetic_covariance(grid, eigenvalues, 99, layout.block_size);
            ExplicitDeflation op(c);
            PowerIteration power;
            DeflationOptions options;
            options.components = k;
            options.seed = 12345;
            DeflationResult result = run_deflation(op, options, power, nullptr);
            for (int j = 0; j < k; ++j) {
                const std::vector<double> v = gather_all(result.vectors[j]);
                if (world_rank != 0) {
                    continue;
                }
                INFO("grid " << layout.shape.rows << "x" << layout.shape.cols
                             << ", block size " << layout.block_size
                             << ", component " << j + 1);
                if (baseline.size() < static_cast<std::size_t>(k)) {
                    baseline.push_back(v);
                    baseline_values.push_back(result.components[j].eigenvalue);
                    continue;
                }
                double difference = 0.0;
                for (std::size_t i = 0; i < v.size(); ++i) {
                    difference =
                        std::max(difference, std::abs(v[i] - baseline[j][i]));
                }
                CHECK(difference <= 1e-10);
                CHECK(std::abs(result.components[j].eigenvalue -
                               baseline_values[j]) <=
                      1e-12 * baseline_values[j]);
            }
        }
        MPI_Comm_free(&sub);
    }
}

TEST_CASE("eigenvalue below deflation error stays orthogonal", "[solver]")
{
    // λ6 = 1e-13 is below the error that deflating λ1..λ5 leaves along
    // v1..v5 (about θj times their 1e-12 errors), so for some matrices
    // power iteration drifts toward the earlier components. The results
    // must still be orthogonal, and the status must state whether the
    // last one passed.
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    int reorthogonalized = 0;

    for (std::uint64_t seed = 1; seed <= 12; ++seed) {
        BlockCyclicMatrix c = synthetic_covariance(
            grid, {5.0, 3.0, 2.0, 1.0, 0.5, 1e-13}, seed, 2);
        ExplicitDeflation op(c);
        PowerIteration power;
        DeflationOptions options;
        options.components = 6;
        DeflationResult result = run_deflation(op, options, power, nullptr);

        for (int i = 0; i < 6; ++i) {
            for (int j = 0; j < i; ++j) {
                INFO("seed " << seed << ", components " << i + 1 << " and "
                             << j + 1);
                CHECK(std::abs(dot(result.vectors[i], result.vectors[j])) <=
                      1e-10);
            }
        }

        const ComponentSummary& last = result.components[5];
        INFO("seed " << seed);
        CHECK((last.status == ComponentStatus::converged ||
               last.status == ComponentStatus::not_separated));
        CHECK(std::abs(last.eigenvalue) < 1e-11);
        reorthogonalized += last.reorthogonalized ? 1 : 0;
    }

    std::printf("eigenvalue below deflation error: %d of 12 matrices "
                "needed re-orthogonalisation\n",
                reorthogonalized);
    // The drift happens for some of these matrices; without it the test
    // would not reach the re-orthogonalisation at all.
    CHECK(reorthogonalized > 0);
}
