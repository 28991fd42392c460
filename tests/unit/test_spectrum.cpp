#include <catch2/catch.hpp>

#include <cmath>

#include "covdefl/covariance.hpp"
#include "covdefl/error.hpp"

using covdefl::parse_spectrum;

TEST_CASE("spectrum geometric", "[spectrum]")
{
    const auto values = parse_spectrum("geometric:0.5", 4);
    REQUIRE(values.size() == 4);
    CHECK(values[0] == 1.0);
    CHECK(values[1] == 0.5);
    CHECK(values[3] == 0.125);
}

TEST_CASE("spectrum power law", "[spectrum]")
{
    const auto values = parse_spectrum("power:1", 3);
    CHECK(values[0] == 1.0);
    CHECK(values[1] == 0.5);
    CHECK(values[2] == Approx(1.0 / 3.0).epsilon(1e-15));
}

TEST_CASE("spectrum list pads with zeros", "[spectrum]")
{
    const auto values = parse_spectrum("list:3,2.5,1e-3", 5);
    CHECK(values[0] == 3.0);
    CHECK(values[1] == 2.5);
    CHECK(values[2] == 1e-3);
    CHECK(values[3] == 0.0);
    CHECK(values[4] == 0.0);
}

TEST_CASE("spectrum rejects bad specs", "[spectrum]")
{
    CHECK_THROWS_AS(parse_spectrum("geometric:1.5", 3), covdefl::Error);
    CHECK_THROWS_AS(parse_spectrum("geometric:0", 3), covdefl::Error);
    CHECK_THROWS_AS(parse_spectrum("power:-1", 3), covdefl::Error);
    CHECK_THROWS_AS(parse_spectrum("list:1,2,3,4", 3), covdefl::Error);
    CHECK_THROWS_AS(parse_spectrum("list:1,-2", 3), covdefl::Error);
    CHECK_THROWS_AS(parse_spectrum("list:1,x", 3), covdefl::Error);
    CHECK_THROWS_AS(parse_spectrum("list:", 3), covdefl::Error);
    CHECK_THROWS_AS(parse_spectrum("cauchy:1", 3), covdefl::Error);
    CHECK_THROWS_AS(parse_spectrum("geometric:nan", 3), covdefl::Error);
}
