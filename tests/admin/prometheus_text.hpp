// A strict reader of the Prometheus text exposition format 0.0.4, for checking what /metrics
// serves: every line is blank, a comment, or `name{label="value",...} value [timestamp]`, and
// every sample's family has a HELP and a TYPE line before its first sample.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace notify::test {

struct PrometheusSample {
    std::string name;
    std::map<std::string, std::string> labels;
    double value = 0;
};

struct PrometheusText {
    std::vector<std::string> errors;           // "line N: what is wrong"
    std::map<std::string, std::string> types;  // family -> counter | gauge | histogram | ...
    std::map<std::string, std::string> help;   // family -> text
    std::vector<PrometheusSample> samples;

    // The sum of every sample called `name`; nullopt when there is none.
    std::optional<double> sum(const std::string& name) const;
};

PrometheusText parse_prometheus_text(const std::string& text);

}  // namespace notify::test
