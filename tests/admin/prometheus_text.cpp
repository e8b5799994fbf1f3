#include "prometheus_text.hpp"

#include <cmath>
#include <cstdlib>
#include <sstream>

namespace notify::test {
namespace {

bool name_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
bool name_char(char c) {
    return name_start(c) || (c >= '0' && c <= '9');
}

// Reads a metric or label name at `at`; empty when there is none.
std::string read_name(const std::string& line, std::size_t& at, bool label) {
    const std::size_t start = at;
    if (at < line.size() && name_start(line[at]) && !(label && line[at] == ':')) ++at;
    while (at < line.size() && name_char(line[at]) && !(label && line[at] == ':')) ++at;
    return line.substr(start, at - start);
}

std::optional<double> read_value(const std::string& text) {
    if (text == "+Inf") return INFINITY;
    if (text == "-Inf") return -INFINITY;
    if (text == "NaN") return NAN;
    if (text.empty()) return std::nullopt;
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size()) return std::nullopt;
    return value;
}

// The family a sample belongs to: histogram and summary series add suffixes.
std::string family_of(const std::string& name, const std::map<std::string, std::string>& types) {
    if (types.count(name) != 0) return name;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
        const std::string tail{suffix};
        if (name.size() > tail.size() && name.ends_with(tail)) {
            const std::string base = name.substr(0, name.size() - tail.size());
            if (types.count(base) != 0) return base;
        }
    }
    return name;
}

// Parses `{k="v",...}` at `at`; false on a malformed set.
bool read_labels(const std::string& line, std::size_t& at,
                 std::map<std::string, std::string>& labels) {
    ++at;  // '{'
    while (at < line.size() && line[at] != '}') {
        const std::string name = read_name(line, at, true);
        if (name.empty() || at + 1 >= line.size() || line[at] != '=' || line[at + 1] != '"') {
            return false;
        }
        at += 2;
        std::string value;
        while (at < line.size() && line[at] != '"') {
            if (line[at] == '\\') {
                if (at + 1 >= line.size()) return false;
                const char escaped = line[at + 1];
                if (escaped == 'n') {
                    value += '\n';
                } else if (escaped == '\\' || escaped == '"') {
                    value += escaped;
                } else {
                    return false;
                }
                at += 2;
            } else {
                value += line[at++];
            }
        }
        if (at >= line.size()) return false;
        ++at;                                                   // closing quote
        if (!labels.emplace(name, value).second) return false;  // a label given twice
        if (at < line.size() && line[at] == ',') ++at;
    }
    if (at >= line.size()) return false;
    ++at;  // '}'
    return true;
}

}  // namespace

std::optional<double> PrometheusText::sum(const std::string& name) const {
    std::optional<double> total;
    for (const PrometheusSample& sample : samples) {
        if (sample.name == name) total = total.value_or(0) + sample.value;
    }
    return total;
}

PrometheusText parse_prometheus_text(const std::string& text) {
    PrometheusText out;
    std::istringstream in(text);
    std::size_t number = 0;
    for (std::string line; std::getline(in, line);) {
        ++number;
        const std::string where = "line " + std::to_string(number) + " '" + line + "': ";
        if (line.empty()) continue;
        if (line[0] == '#') {
            std::istringstream words(line.substr(1));
            std::string keyword, family;
            words >> keyword >> family;
            if (keyword == "HELP" || keyword == "TYPE") {
                std::string rest;
                std::getline(words >> std::ws, rest);
                if (family.empty()) out.errors.push_back(where + keyword + " without a name");
                auto& table = keyword == "HELP" ? out.help : out.types;
                if (!table.emplace(family, rest).second) {
                    out.errors.push_back(where + "a second " + keyword + " for " + family);
                }
                if (keyword == "TYPE" && rest != "counter" && rest != "gauge" &&
                    rest != "histogram" && rest != "summary" && rest != "untyped") {
                    out.errors.push_back(where + "unknown type");
                }
            }
            continue;
        }
        std::size_t at = 0;
        PrometheusSample sample;
        sample.name = read_name(line, at, false);
        if (sample.name.empty()) {
            out.errors.push_back(where + "no metric name");
            continue;
        }
        if (at < line.size() && line[at] == '{' && !read_labels(line, at, sample.labels)) {
            out.errors.push_back(where + "malformed labels");
            continue;
        }
        if (at >= line.size() || line[at] != ' ') {
            out.errors.push_back(where + "no space before the value");
            continue;
        }
        std::istringstream rest(line.substr(at + 1));
        std::string value_text, timestamp, extra;
        rest >> value_text >> timestamp >> extra;
        const auto value = read_value(value_text);
        if (!value || !extra.empty() ||
            (!timestamp.empty() &&
             timestamp.find_first_not_of("-0123456789") != std::string::npos)) {
            out.errors.push_back(where + "malformed value or timestamp");
            continue;
        }
        sample.value = *value;
        const std::string family = family_of(sample.name, out.types);
        if (out.types.count(family) == 0 || out.help.count(family) == 0) {
            out.errors.push_back(where + "family " + family + " has no HELP and TYPE before it");
        }
        out.samples.push_back(std::move(sample));
    }
    return out;
}

}  // namespace notify::test
