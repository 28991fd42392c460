// Error messages that the eigen sub-routines share.
#pragma once

#include <sstream>
#include <string>

#include "covdefl/error.hpp"

namespace covdefl {

// Message of a matrix that a sub-routine found not positive semidefinite;
// `detail` describes the evidence.
inline std::string not_psd_message(int component, const std::string& detail)
{
    std::ostringstream message;
    message << "the matrix is not positive semidefinite: " << detail
            << " while computing component " << component + 1
            << "; covdefl needs a covariance matrix, so check the input "
               "(for --input-kind covariance, a symmetric positive "
               "semidefinite matrix)";
    return message.str();
}

// Collective error for a non-finite Rayleigh quotient `theta` in `method`.
inline Error non_finite_error(const std::string& method, int component,
                              double theta)
{
    return Error("a non-finite value appeared in " + method +
                     " for component " + std::to_string(component + 1) +
                     " (Rayleigh quotient " + std::to_string(theta) +
                     "); the matrix holds values too large for float64, so "
                     "rescale the input",
                 /*collective=*/true);
}

}  // namespace covdefl
