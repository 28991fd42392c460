#include <string>

#include "covdefl/io.hpp"

namespace covdefl::io {

std::uint64_t checked_multiply(std::uint64_t a, std::uint64_t b,
                               const std::string& what)
{
    std::uint64_t product = 0;
    if (__builtin_mul_overflow(a, b, &product)) {
        throw InputError(what + " overflows 64 bits (" + std::to_string(a) +
                         " x " + std::to_string(b) +
                         "); the sizes in the header are invalid, so "
                         "re-create the file");
    }
    return product;
}

}  // namespace covdefl::io
