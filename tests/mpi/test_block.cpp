#include <catch2/catch.hpp>

#include <cmath>
#include <memory>
#include <string>

#include "covdefl/block_solver.hpp"
#include "covdefl/bounds.hpp"
#include "covdefl/covariance.hpp"
#include "covdefl/mpi.hpp"
#include "covdefl/reference.hpp"
#include "covdefl/tracker.hpp"
#include "helpers.hpp"

using namespace covdefl;
using covdefl::testing::column;
using covdefl::testing::world_grid_shape;

namespace {

enum class Method { block, parallel };

struct MethodRun {
    DeflationResult result;
    std::vector<std::vector<double>> vectors;       // gathered, every rank
    std::vector<std::vector<double>> true_vectors;  // of the synthetic Q
    std::vector<double> eigenvalues;                // true λ, descending
    ReferenceCheck check;
    // Rank 0 only: the tracker's bounds, the actual errors and the blocks.
    std::vector<ComponentBounds> bounds;
    std::vector<ActualError> actual;
    std::vector<BlockSummary> blocks;
    std::vector<BlockBounds> block_bounds;
};

struct RunSettings {
    int components = 6;
    int block_width = 4;
    double tolerance = 1e-12;
    int block_size = 16;
    std::optional<GridShape> grid;
    BlockIterationKind iteration = BlockIterationKind::krylov;
};

// Runs the enclosing test case once for each iteration of the block
// method.
BlockIterationKind block_iteration_kind()
{
    const BlockIterationKind kind =
        GENERATE(BlockIterationKind::krylov, BlockIterationKind::chebyshev);
    UNSCOPED_INFO(
        (kind == BlockIterationKind::krylov ? "krylov" : "chebyshev"));
    return kind;
}

// Runs `method` with the probe and the tracker on rank 0, then compares
// with PDSYEVR, as the command line does with --check.
MethodRun run_method(Method method, const std::vector<double>& eigenvalues,
                     const RunSettings& settings)
{
    ProcessGrid grid(MPI_COMM_WORLD,
                     settings.grid.value_or(world_grid_shape()));
    MethodRun run;
    run.eigenvalues = eigenvalues;
    std::unique_ptr<BlockCyclicMatrix> q;
    BlockCyclicMatrix c =
        synthetic_covariance(grid, eigenvalues, 77, settings.block_size, &q);
    const BlockCyclicMatrix original = c;
    for (int j = 0; j < q->cols(); ++j) {
        run.true_vectors.push_back(column(*q, j));
    }
    DeflationOptions options;
    options.components = settings.components;
    options.tolerance = settings.tolerance;
    options.probe = true;
    Tracker tracker;
    const bool root = grid.rank() == 0;
    if (method == Method::block) {
        BlockDeflationOptions block;
        block.iteration = settings.iteration;
        block.block_width = settings.block_width;
        block.guard_vectors = settings.block_width;
        run.result =
            run_block_deflation(c, options, block, root ? &tracker : nullptr);
    } else {
        run.result =
            run_parallel_deflation(c, options, root ? &tracker : nullptr);
    }
    for (const DistVector& v : run.result.vectors) {
        run.vectors.push_back(gather_all(v));
    }
    run.check = check_against_pdsyevr(original, run.result.vectors);
    if (root) {
        const int d = original.rows();
        run.bounds = tracker.bounds(d);
        run.blocks = tracker.blocks();
        run.block_bounds = tracker.block_bounds(d);
        if (run.check.valid) {
            std::vector<double> quotients;
            for (const ComponentSummary& s : run.result.components) {
                quotients.push_back(s.eigenvalue);
            }
            run.actual = actual_errors(run.check, quotients, run.bounds);
        }
    }
    return run;
}

// ‖sin Θ(span V, span U)‖_F = ‖(I − UUᵀ)Q‖_F with Q an orthonormal basis of
// the columns of V (modified Gram-Schmidt) and U orthonormal.
double subspace_sine(std::vector<std::vector<double>> v,
                     const std::vector<std::vector<double>>& u)
{
    auto dot = [](const std::vector<double>& a, const std::vector<double>& b) {
        double sum = 0.0;
        for (std::size_t i = 0; i < a.size(); ++i) {
            sum += a[i] * b[i];
        }
        return sum;
    };
    for (std::size_t j = 0; j < v.size(); ++j) {
        for (std::size_t l = 0; l < j; ++l) {
            const double c = dot(v[l], v[j]);
            for (std::size_t i = 0; i < v[j].size(); ++i) {
                v[j][i] -= c * v[l][i];
            }
        }
        const double norm = std::sqrt(dot(v[j], v[j]));
        for (double& x : v[j]) {
            x /= norm;
        }
    }
    double sum = 0.0;
    for (std::vector<double> e : v) {
        // Two passes of projection, so that rounding stays below 1e-15.
        for (int pass = 0; pass < 2; ++pass) {
            for (const std::vector<double>& uj : u) {
                const double c = dot(uj, e);
                for (std::size_t i = 0; i < e.size(); ++i) {
                    e[i] -= c * uj[i];
                }
            }
        }
        sum += dot(e, e);
    }
    return std::sqrt(sum);
}

std::vector<std::vector<double>>
columns_between(const std::vector<std::vector<double>>& all, int first,
                int count)
{
    return {all.begin() + first, all.begin() + first + count};
}

// Eigenvalues within 1e-10 relative and vectors within sin∠ 1e-8 of
// PDSYEVR's, every component converged.
void require_matches_reference(const MethodRun& run)
{
    REQUIRE(run.check.valid);
    for (std::size_t j = 0; j < run.result.components.size(); ++j) {
        INFO("component " << j + 1);
        const ComponentSummary& s = run.result.components[j];
        const ComponentCheck& c = run.check.components[j];
        CHECK(s.status == ComponentStatus::converged);
        CHECK(std::abs(s.eigenvalue - c.reference_eigenvalue) <=
              1e-10 * c.reference_eigenvalue);
        CHECK(c.sin_angle <= 1e-8);
    }
}

// Every component converged, with its eigenvalue within 1e-10 relative of
// the true one (the vectors of a repeated eigenvalue are not determined).
void require_true_eigenvalues(const MethodRun& run)
{
    for (std::size_t j = 0; j < run.result.components.size(); ++j) {
        INFO("component " << j + 1);
        const ComponentSummary& s = run.result.components[j];
        CHECK(s.status == ComponentStatus::converged);
        CHECK(std::abs(s.eigenvalue - run.eigenvalues[j]) <=
              1e-10 * run.eigenvalues[j]);
    }
}

void require_no_bound_defects(const MethodRun& run)
{
    if (mpi::rank(MPI_COMM_WORLD) != 0) {
        return;
    }
    const std::vector<std::string> defects =
        find_bound_defects(run.bounds, run.actual);
    for (const std::string& defect : defects) {
        UNSCOPED_INFO(defect);
    }
    CHECK(defects.empty());
    for (const ComponentBounds& b : run.bounds) {
        CHECK_FALSE(b.power.valid);
        CHECK_THAT(b.power.reason, Catch::Contains("not power iteration"));
    }
    // Each valid block bound must be at least the block's actual subspace
    // error against the true eigenvectors, up to their rounding (1e-14).
    for (const BlockBounds& b : run.block_bounds) {
        INFO("block " << b.block + 1);
        const double actual =
            subspace_sine(columns_between(run.vectors, b.first, b.width),
                          columns_between(run.true_vectors, b.first, b.width));
        if (b.direct.valid) {
            CHECK(b.direct.value + 1e-14 >= actual);
        }
        if (b.deflated.valid) {
            CHECK(b.deflated.value > 0.0);
        }
    }
}

// 1, 0.8, then a cluster 0.6, 0.6 − spacing, 0.6 − 2·spacing, then
// 0.5·0.9^i.
std::vector<double> cluster_spectrum(int d, double spacing)
{
    std::vector<double> eigenvalues(static_cast<std::size_t>(d), 0.0);
    eigenvalues[0] = 1.0;
    eigenvalues[1] = 0.8;
    eigenvalues[2] = 0.6;
    eigenvalues[3] = 0.6 - spacing;
    eigenvalues[4] = 0.6 - 2.0 * spacing;
    for (int i = 5; i < d; ++i) {
        eigenvalues[i] = 0.5 * std::pow(0.9, i - 5);
    }
    return eigenvalues;
}

}  // namespace

TEST_CASE("block method matches PDSYEVR", "[block]")
{
    const std::vector<std::pair<std::string, std::vector<double>>> spectra = {
        {"geometric 0.9", parse_spectrum("geometric:0.9", 160)},
        {"power law 1/i", parse_spectrum("power:1", 160)},
        {"cluster", cluster_spectrum(160, 5e-4)},
    };
    for (const auto& [name, eigenvalues] : spectra) {
        INFO(name);
        RunSettings settings;
        settings.iteration = block_iteration_kind();
        settings.components = 8;
        settings.block_width = 4;
        const MethodRun run = run_method(Method::block, eigenvalues, settings);
        require_matches_reference(run);
        require_no_bound_defects(run);
        if (mpi::rank(MPI_COMM_WORLD) == 0) {
            REQUIRE(run.blocks.size() == 2);
            CHECK(run.blocks[0].width == 4);
            CHECK(run.blocks[1].width == 4);
            for (const BlockBounds& b : run.block_bounds) {
                CHECK(b.direct.valid);
            }
        }
    }
}

TEST_CASE("parallel method matches PDSYEVR", "[block]")
{
    const std::vector<std::pair<std::string, std::vector<double>>> spectra = {
        {"geometric 0.9", parse_spectrum("geometric:0.9", 160)},
        {"power law 1/i", parse_spectrum("power:1", 160)},
        // Parallel deflation converges like power iteration, at the rate
        // λk+1/λk per round, so its cluster is 20 times wider than the
        // block method's: about 2000 rounds.
        {"cluster", cluster_spectrum(160, 1e-2)},
    };
    for (const auto& [name, eigenvalues] : spectra) {
        INFO(name);
        RunSettings settings;
        settings.components = 6;
        const MethodRun run =
            run_method(Method::parallel, eigenvalues, settings);
        require_matches_reference(run);
        require_no_bound_defects(run);
        if (mpi::rank(MPI_COMM_WORLD) == 0) {
            REQUIRE(run.blocks.size() == 1);
            CHECK(run.blocks[0].width == 6);
            CHECK(run.block_bounds[0].direct.valid);
        }
    }
}

TEST_CASE("block method with K not a multiple of b", "[block]")
{
    RunSettings settings;
    settings.iteration = block_iteration_kind();
    settings.components = 7;
    settings.block_width = 3;
    const MethodRun run = run_method(
        Method::block, parse_spectrum("geometric:0.85", 120), settings);
    require_matches_reference(run);
    require_no_bound_defects(run);
    REQUIRE(run.result.components.size() == 7);
    REQUIRE(run.result.probe.has_value());
    CHECK(run.result.probe->component == 7);
    if (mpi::rank(MPI_COMM_WORLD) == 0) {
        REQUIRE(run.blocks.size() == 3);
        CHECK(run.blocks[0].width == 3);
        CHECK(run.blocks[1].width == 3);
        CHECK(run.blocks[2].width == 1);
        CHECK(run.blocks[2].first == 6);
    }
}

TEST_CASE("block method repeated eigenvalue in block", "[block]")
{
    // λ2 = λ3 inside block 1 (components 1–4): single vectors are not
    // determined, but the block's subspace is, and its bound holds.
    std::vector<double> eigenvalues = parse_spectrum("geometric:0.7", 120);
    eigenvalues[2] = eigenvalues[1];
    RunSettings settings;
    settings.iteration = block_iteration_kind();
    settings.components = 8;
    settings.block_width = 4;
    const MethodRun run = run_method(Method::block, eigenvalues, settings);
    REQUIRE(run.check.valid);
    require_true_eigenvalues(run);
    const double actual =
        subspace_sine(columns_between(run.vectors, 0, 4),
                      columns_between(run.true_vectors, 0, 4));
    CHECK(actual <= 1e-8);
    require_no_bound_defects(run);
    if (mpi::rank(MPI_COMM_WORLD) == 0) {
        CHECK_FALSE(run.bounds[1].direct.valid);
        CHECK_FALSE(run.bounds[2].direct.valid);
        REQUIRE(run.block_bounds.size() == 2);
        CHECK(run.block_bounds[0].direct.valid);
        CHECK(run.block_bounds[0].deflated.valid);
        CHECK(run.block_bounds[0].direct.value >= actual);
        CHECK(run.block_bounds[0].split_below.empty());
    }
}

TEST_CASE("block method labels split cluster", "[block]")
{
    // λ4 = λ5: the boundary between block 1 (components 1–4) and block 2
    // (5–8) falls inside the pair, so neither block's subspace is
    // separated from the rest, while blocks 1 and 2 together are.
    std::vector<double> eigenvalues = parse_spectrum("geometric:0.7", 120);
    eigenvalues[4] = eigenvalues[3];
    RunSettings settings;
    settings.iteration = block_iteration_kind();
    settings.components = 8;
    settings.block_width = 4;
    const MethodRun run = run_method(Method::block, eigenvalues, settings);
    REQUIRE(run.check.valid);
    require_true_eigenvalues(run);
    CHECK(subspace_sine(columns_between(run.vectors, 0, 8),
                        columns_between(run.true_vectors, 0, 8)) <= 1e-8);
    require_no_bound_defects(run);
    if (mpi::rank(MPI_COMM_WORLD) == 0) {
        REQUIRE(run.block_bounds.size() == 2);
        const BlockBounds& first = run.block_bounds[0];
        const BlockBounds& second = run.block_bounds[1];
        CHECK_THAT(first.split_below,
                   Catch::Contains("components 4 and 5 are not separated"));
        CHECK_FALSE(first.direct.valid);
        CHECK_THAT(first.direct.reason, Catch::Contains("not separated"));
        CHECK_THAT(second.split_above,
                   Catch::Contains("components 4 and 5 are not separated"));
        CHECK_FALSE(second.direct.valid);
        CHECK(first.split_above.empty());
        CHECK(second.split_below.empty());
    }
}

TEST_CASE("block methods agree across grids", "[block]")
{
    const int size = mpi::size(MPI_COMM_WORLD);
    const std::vector<double> eigenvalues = parse_spectrum("power:1", 130);
    for (const Method method : {Method::block, Method::parallel}) {
        INFO((method == Method::block ? "block" : "parallel"));
        RunSettings settings;
        settings.iteration = block_iteration_kind();
        settings.components = 5;
        settings.block_width = 3;
        settings.block_size = 8;
        const MethodRun square = run_method(method, eigenvalues, settings);
        settings.grid = GridShape{1, size};
        const MethodRun row = run_method(method, eigenvalues, settings);
        for (int j = 0; j < settings.components; ++j) {
            INFO("component " << j + 1);
            const double a = square.result.components[j].eigenvalue;
            const double b = row.result.components[j].eigenvalue;
            CHECK(std::abs(a - b) <= 1e-12 * std::abs(a));
            CHECK(std::abs(a - eigenvalues[j]) <= 1e-10 * eigenvalues[j]);
            CHECK(testing::sin_angle(square.vectors[j], row.vectors[j]) <=
                  1e-10);
        }
    }
}

TEST_CASE("block method zero eigenvalues", "[block]")
{
    // Rank 2 matrix, K = 4: components 3 and 4 have eigenvalue 0 and must
    // still be unit vectors orthogonal to the others.
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    BlockCyclicMatrix c =
        synthetic_covariance(grid, parse_spectrum("list:2,1", 12), 3, 4);
    DeflationOptions options;
    options.components = 4;
    BlockDeflationOptions block;
    block.iteration = block_iteration_kind();
    block.block_width = 3;
    block.guard_vectors = 3;
    const DeflationResult result =
        run_block_deflation(c, options, block, nullptr);
    CHECK(std::abs(result.components[0].eigenvalue - 2.0) <= 1e-13);
    CHECK(std::abs(result.components[1].eigenvalue - 1.0) <= 1e-13);
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

TEST_CASE("block method rejects indefinite matrix", "[block]")
{
    // Eigenvalues 1 and −2 in a random basis: a Ritz value below 0 appears
    // as soon as a block's subspace has a component along the −2
    // eigenvector, which a random start has.
    ProcessGrid grid(MPI_COMM_WORLD, world_grid_shape());
    std::unique_ptr<BlockCyclicMatrix> q;
    BlockCyclicMatrix c =
        synthetic_covariance(grid, parse_spectrum("list:1", 10), 5, 4, &q);
    // C ← C − 2 q2 q2ᵀ on the lower triangle, entry by entry.
    const std::vector<double> q2 = column(*q, 1);
    for (int jl = 0; jl < c.local_cols(); ++jl) {
        for (int il = 0; il < c.local_rows(); ++il) {
            c.local(il, jl) -=
                2.0 * q2[c.global_row(il)] * q2[c.global_col(jl)];
        }
    }
    DeflationOptions options;
    options.components = 3;
    BlockDeflationOptions block;
    block.iteration = block_iteration_kind();
    block.block_width = 1;
    block.guard_vectors = 1;
    CHECK_THROWS_WITH(run_block_deflation(c, options, block, nullptr),
                      Catch::Contains("not positive semidefinite"));
}
