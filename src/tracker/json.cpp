#include "covdefl/json.hpp"

#include <cmath>
#include <cstdio>

namespace covdefl {

JsonWriter::JsonWriter(std::ostream& out) : out_(out) {}

void JsonWriter::newline()
{
    out_ << '\n' << std::string(2 * empty_.size(), ' ');
}

void JsonWriter::before_value()
{
    if (after_key_) {
        after_key_ = false;
        return;
    }
    if (!empty_.empty()) {
        if (!empty_.back()) {
            out_ << ',';
        }
        empty_.back() = false;
        newline();
    }
}

void JsonWriter::begin_object()
{
    before_value();
    out_ << '{';
    empty_.push_back(true);
}

void JsonWriter::end_object()
{
    const bool was_empty = empty_.back();
    empty_.pop_back();
    if (!was_empty) {
        newline();
    }
    out_ << '}';
    if (empty_.empty()) {
        out_ << '\n';
    }
}

void JsonWriter::begin_array()
{
    before_value();
    out_ << '[';
    empty_.push_back(true);
}

void JsonWriter::end_array()
{
    const bool was_empty = empty_.back();
    empty_.pop_back();
    if (!was_empty) {
        newline();
    }
    out_ << ']';
}

void JsonWriter::key(const std::string& name)
{
    before_value();
    write_string(name);
    out_ << ": ";
    after_key_ = true;
}

void JsonWriter::value(const std::string& text)
{
    before_value();
    write_string(text);
}

void JsonWriter::write_string(const std::string& text)
{
    out_ << '"';
    for (const char c : text) {
        switch (c) {
        case '"':
            out_ << "\\\"";
            break;
        case '\\':
            out_ << "\\\\";
            break;
        case '\n':
            out_ << "\\n";
            break;
        case '\t':
            out_ << "\\t";
            break;
        case '\r':
            out_ << "\\r";
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                char escaped[8];
                std::snprintf(escaped, sizeof escaped, "\\u%04x",
                              static_cast<unsigned>(c));
                out_ << escaped;
            } else {
                out_ << c;
            }
        }
    }
    out_ << '"';
}

void JsonWriter::value(const char* text)
{
    value(std::string(text));
}

void JsonWriter::value(double number)
{
    if (!std::isfinite(number)) {
        null();
        return;
    }
    before_value();
    // 17 significant digits round-trip every double.
    char text[32];
    std::snprintf(text, sizeof text, "%.17g", number);
    out_ << text;
}

void JsonWriter::value(long long number)
{
    before_value();
    out_ << number;
}

void JsonWriter::value(bool flag)
{
    before_value();
    out_ << (flag ? "true" : "false");
}

void JsonWriter::null()
{
    before_value();
    out_ << "null";
}

void JsonWriter::value(const std::vector<double>& numbers)
{
    // A flat array of numbers stays on one line.
    before_value();
    out_ << '[';
    for (std::size_t i = 0; i < numbers.size(); ++i) {
        if (i > 0) {
            out_ << ", ";
        }
        if (std::isfinite(numbers[i])) {
            char text[32];
            std::snprintf(text, sizeof text, "%.17g", numbers[i]);
            out_ << text;
        } else {
            out_ << "null";
        }
    }
    out_ << ']';
}

}  // namespace covdefl
