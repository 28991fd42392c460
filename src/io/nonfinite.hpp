// The error message for a NaN or infinity in an input matrix, shared by the
// row readers' loader and the MPI-IO reader.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

namespace covdefl::io {

// Message for the non-finite `value` at 0-based (`row`, `col`) of `path`;
// the message gives the position 1-based.
inline std::string nonfinite_message(const std::string& path, double value,
                                     std::int64_t row, std::int64_t col)
{
    std::string kind = "NaN";
    if (!std::isnan(value)) {
        kind = value > 0 ? "+infinity" : "-infinity";
    }
    return path + ": non-finite value (" + kind + ") at row " +
           std::to_string(row + 1) + ", column " + std::to_string(col + 1) +
           " (1-based); covdefl needs finite data, so remove or impute the "
           "value";
}

}  // namespace covdefl::io
