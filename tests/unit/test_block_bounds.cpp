#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "covdefl/bounds.hpp"

using namespace covdefl;

namespace {

// An exact component: Rayleigh quotient λ against Σ and Σk, residual r.
ComponentSummary component(int k, double lambda, double residual)
{
    ComponentSummary s;
    s.component = k;
    s.eigenvalue = lambda;
    s.residual_norm = residual;
    s.original_rayleigh_quotient = lambda;
    s.original_residual_norm = residual;
    return s;
}

// A block of components first..first + width − 1 whose H has the given
// eigenvalue range and residual, against both Σb and Σ.
BlockSummary block(int index, int first, int width, double low, double high,
                   double residual)
{
    BlockSummary b;
    b.block = index;
    b.first = first;
    b.width = width;
    b.deflated_min = b.original_min = low;
    b.deflated_max = b.original_max = high;
    b.deflated_residual = b.original_residual = residual;
    return b;
}

}  // namespace

TEST_CASE("block bound is residual over gap", "[block_bounds]")
{
    // λ = 8, 4, 2, 1: one block of 2, a probe at λ3 = 2.
    const std::vector<ComponentSummary> components = {component(0, 8.0, 0.0),
                                                      component(1, 4.0, 0.0)};
    const std::optional<ComponentSummary> probe = component(2, 2.0, 1e-3);
    const std::vector<BlockBounds> bounds = evaluate_block_bounds(
        {block(0, 0, 2, 4.0, 8.0, 1e-6)}, components, probe, 100);
    REQUIRE(bounds.size() == 1);
    // δ = 4 − (2 + 1e-3); the rounding allowance is 16·√100·ε·12·√2.
    const double rounding = 16.0 * 10.0 *
                            std::numeric_limits<double>::epsilon() * 12.0 *
                            std::sqrt(2.0);
    const double expected = (1e-6 + rounding) / (4.0 - 2.001);
    REQUIRE(bounds[0].direct.valid);
    CHECK(bounds[0].direct.value == Approx(expected).epsilon(1e-12));
    REQUIRE(bounds[0].deflated.valid);
    CHECK(bounds[0].deflated.value == Approx(expected).epsilon(1e-12));
    CHECK(bounds[0].split_below.empty());
    CHECK(bounds[0].split_above.empty());
}

TEST_CASE("block bound labels split cluster", "[block_bounds]")
{
    // λ2 = λ3 = 4 split between block 1 (components 1–2) and block 2 (3).
    const std::vector<ComponentSummary> components = {component(0, 8.0, 1e-12),
                                                      component(1, 4.0, 1e-12),
                                                      component(2, 4.0, 1e-12)};
    const std::optional<ComponentSummary> probe = component(3, 1.0, 1e-12);
    const std::vector<BlockBounds> bounds = evaluate_block_bounds(
        {block(0, 0, 2, 4.0, 8.0, 1e-12), block(1, 2, 1, 4.0, 4.0, 1e-12)},
        components, probe, 50);
    REQUIRE(bounds.size() == 2);
    CHECK_THAT(bounds[0].split_below,
               Catch::Contains("components 2 and 3 are not separated"));
    CHECK_FALSE(bounds[0].direct.valid);
    CHECK_THAT(bounds[0].direct.reason, Catch::Contains("split"));
    CHECK_FALSE(bounds[0].deflated.valid);
    CHECK_THAT(bounds[1].split_above,
               Catch::Contains("components 2 and 3 are not separated"));
    CHECK(bounds[1].split_below.empty());
    CHECK_FALSE(bounds[1].direct.valid);
    // Against Σb (block 1 deflated), block 2 is separated from λ4 = 1.
    CHECK(bounds[1].deflated.valid);
}

TEST_CASE("block bound with repeated eigenvalue inside", "[block_bounds]")
{
    // λ2 = λ3 inside one block of 3: the single vectors have no gap, but
    // the block is 2 away from λ4 = 2.
    const std::vector<ComponentSummary> components = {component(0, 8.0, 1e-12),
                                                      component(1, 4.0, 1e-12),
                                                      component(2, 4.0, 1e-12)};
    const std::optional<ComponentSummary> probe = component(3, 2.0, 1e-12);
    const std::vector<BlockBounds> bounds = evaluate_block_bounds(
        {block(0, 0, 3, 4.0, 8.0, 1e-10)}, components, probe, 50);
    REQUIRE(bounds.size() == 1);
    CHECK(bounds[0].direct.valid);
    CHECK(bounds[0].direct.value < 1e-10);
    CHECK(bounds[0].split_below.empty());
}

TEST_CASE("block bound without next eigenvalue", "[block_bounds]")
{
    const std::vector<BlockBounds> bounds =
        evaluate_block_bounds({block(0, 0, 1, 8.0, 8.0, 1e-12)},
                              {component(0, 8.0, 1e-12)}, std::nullopt, 50);
    REQUIRE(bounds.size() == 1);
    CHECK_FALSE(bounds[0].direct.valid);
    CHECK_THAT(bounds[0].direct.reason,
               Catch::Contains("no estimate of the next eigenvalue"));
}
