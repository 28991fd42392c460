// A minimal streaming JSON writer for the run report.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace covdefl {

// Writes one JSON document to a stream, inserting commas and indentation.
// Non-finite doubles become null, since JSON has no NaN or infinity.
class JsonWriter {
public:
    explicit JsonWriter(std::ostream& out);

    void begin_object();
    void end_object();
    void begin_array();
    void end_array();
    // Names the next value inside an object.
    void key(const std::string& name);

    void value(const std::string& text);
    void value(const char* text);
    void value(double number);
    void value(long long number);
    void value(int number) { value(static_cast<long long>(number)); }
    void value(bool flag);
    void null();
    void value(const std::vector<double>& numbers);

    // Shorthand for key(name) followed by value(v).
    template <class T>
    void field(const std::string& name, const T& v)
    {
        key(name);
        value(v);
    }

private:
    void before_value();
    void newline();
    void write_string(const std::string& text);

    std::ostream& out_;
    // One entry per open container: true when it has no element yet.
    std::vector<bool> empty_;
    bool after_key_ = false;
};

}  // namespace covdefl
