#include <catch2/catch.hpp>

#include <cmath>

#include "covdefl/grid.hpp"

using covdefl::seeded_gaussian;

TEST_CASE("seeded gaussian depends only on its counter", "[random]")
{
    CHECK(seeded_gaussian(42, 0, 7) == seeded_gaussian(42, 0, 7));
    CHECK(seeded_gaussian(42, 0, 7) != seeded_gaussian(43, 0, 7));
    CHECK(seeded_gaussian(42, 0, 7) != seeded_gaussian(42, 1, 7));
    CHECK(seeded_gaussian(42, 0, 7) != seeded_gaussian(42, 0, 8));
}

TEST_CASE("seeded gaussian has standard normal moments", "[random]")
{
    // For 200000 draws the standard errors of the mean, variance and
    // fourth moment are about 0.0022, 0.0032 and 0.024; the bounds are
    // five of them.
    const int count = 200000;
    double sum = 0.0;
    double sum2 = 0.0;
    double sum4 = 0.0;
    for (int i = 0; i < count; ++i) {
        const double x = seeded_gaussian(7, 3, static_cast<std::uint64_t>(i));
        REQUIRE(std::isfinite(x));
        sum += x;
        sum2 += x * x;
        sum4 += x * x * x * x;
    }
    CHECK(std::abs(sum / count) < 0.011);
    CHECK(std::abs(sum2 / count - 1.0) < 0.016);
    CHECK(std::abs(sum4 / count - 3.0) < 0.12);
}
