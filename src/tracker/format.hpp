// Number formatting for the reasons and messages of the bounds.
#pragma once

#include <sstream>
#include <string>

namespace covdefl::tracker_text {

// `value` with 3 significant digits.
inline std::string format(double value)
{
    std::ostringstream text;
    text.precision(3);
    text << value;
    return text.str();
}

}  // namespace covdefl::tracker_text
