#include <catch2/catch.hpp>

#include <sstream>
#include <stdexcept>

#include "covdefl/tracker.hpp"

using covdefl::ComponentStatus;
using covdefl::ComponentSummary;
using covdefl::IterationRecord;
using covdefl::JsonWriter;
using covdefl::Tracker;

namespace {

IterationRecord make_record(int component, int iteration, double theta)
{
    IterationRecord record;
    record.component = component;
    record.iteration = iteration;
    record.rayleigh_quotient = theta;
    record.residual_norm = 1.0 / iteration;
    record.step_norm = 0.5 / iteration;
    return record;
}

ComponentSummary make_summary(int component, int iterations, bool converged)
{
    ComponentSummary summary;
    summary.component = component;
    summary.iterations = iterations;
    summary.eigenvalue = 2.0;
    summary.residual_norm = 1e-12;
    summary.status = converged ? ComponentStatus::converged
                               : ComponentStatus::iteration_limit;
    return summary;
}

}  // namespace

TEST_CASE("tracker keeps per-component history", "[tracker]")
{
    Tracker tracker;
    tracker.on_iteration(make_record(0, 1, 1.5));
    tracker.on_iteration(make_record(0, 2, 1.9));
    tracker.on_component(make_summary(0, 2, true));
    tracker.on_iteration(make_record(1, 1, 0.7));
    tracker.on_component(make_summary(1, 1, false));

    REQUIRE(tracker.components().size() == 2);
    const auto& first = tracker.components()[0];
    REQUIRE(first.rayleigh_quotients.size() == 2);
    CHECK(first.rayleigh_quotients[1] == 1.9);
    CHECK(first.residual_norms[1] == 0.5);
    CHECK(first.step_norms[0] == 0.5);
    CHECK(first.summary.status == ComponentStatus::converged);
    CHECK(tracker.components()[1].summary.status ==
          ComponentStatus::iteration_limit);
    CHECK(tracker.total_iterations() == 3);
}

TEST_CASE("tracker rejects records out of order", "[tracker]")
{
    Tracker tracker;
    tracker.on_iteration(make_record(0, 1, 1.0));
    CHECK_THROWS_AS(tracker.on_iteration(make_record(0, 3, 1.0)),
                    std::logic_error);
    CHECK_THROWS_AS(tracker.on_iteration(make_record(1, 1, 1.0)),
                    std::logic_error);
}

TEST_CASE("tracker report lists components", "[tracker]")
{
    Tracker tracker;
    tracker.on_iteration(make_record(0, 1, 2.0));
    tracker.on_component(make_summary(0, 1, false));
    std::ostringstream text;
    JsonWriter json(text);
    tracker.write_json(json, /*history=*/true);
    const std::string report = text.str();
    CHECK(report.find("\"converged\": false") != std::string::npos);
    CHECK(report.find("\"status\": \"iteration_limit\"") != std::string::npos);
    CHECK(report.find("\"rayleigh_quotient\": [2]") != std::string::npos);
}

TEST_CASE("json writer nests and escapes", "[json]")
{
    std::ostringstream text;
    JsonWriter json(text);
    json.begin_object();
    json.field("name", "a\"b\\c\n");
    json.field("nan", std::nan(""));
    json.key("list");
    json.begin_array();
    json.value(1);
    json.value(true);
    json.end_array();
    json.field("empty", std::vector<double>{});
    json.end_object();
    CHECK(text.str() ==
          "{\n  \"name\": \"a\\\"b\\\\c\\n\",\n  \"nan\": null,\n"
          "  \"list\": [\n    1,\n    true\n  ],\n  \"empty\": []\n}\n");
}
