#include <cmath>
#include <numbers>

#include "covdefl/grid.hpp"

namespace covdefl {

namespace {

// SplitMix64 finaliser: a bijective mix of 64 bits with good avalanche.
std::uint64_t mix64(std::uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

// Uniform in (0, 1]: 53 random bits, shifted off zero so log() is finite.
double unit_interval(std::uint64_t bits)
{
    return (static_cast<double>(bits >> 11) + 1.0) * 0x1.0p-53;
}

}  // namespace

double seeded_gaussian(std::uint64_t seed, std::uint64_t stream,
                       std::uint64_t index)
{
    // Box-Muller on two uniforms derived from the counter (seed, stream,
    // index) alone.
    const std::uint64_t key =
        mix64(mix64(seed) ^ mix64(stream + 0x5851f42dULL));
    const std::uint64_t a = mix64(key ^ (2 * index));
    const std::uint64_t b = mix64(key ^ (2 * index + 1));
    const double radius = std::sqrt(-2.0 * std::log(unit_interval(a)));
    return radius * std::cos(2.0 * std::numbers::pi * unit_interval(b));
}

}  // namespace covdefl
