// Shared by the manifest parser and the plugin-settings check: one-line messages that name the
// file, the line and column of a TOML node, and the dotted key.
#pragma once

#include <toml++/toml.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "manifest.hpp"

namespace notify::host::detail {

SourcePosition position_of(const std::string& file, const toml::source_region& region);

// "FILE:LINE:COLUMN: key 'KEY': REASON" (without LINE:COLUMN when the position is unknown).
std::string located_message(const SourcePosition& position, std::string_view key_path,
                            std::string_view reason);

[[noreturn]] void fail(const SourcePosition& position, std::string_view key_path,
                       std::string_view reason);

[[noreturn]] void fail_at(const std::string& file, const toml::source_region& region,
                          std::string_view key_path, std::string_view reason);

// "a string", "an integer", "an array", ... for "expected X, got Y" messages.
std::string_view type_phrase(const toml::node& node);

// A table's entries in the order they appear in the file (toml::table iterates by key), so the
// first problem reported is the first one a reader meets. Table is toml::table, maybe const.
template <typename Table>
auto entries_in_file_order(Table& table) {
    using Node = std::conditional_t<std::is_const_v<Table>, const toml::node, toml::node>;
    std::vector<std::pair<const toml::key*, Node*>> entries;
    for (auto&& [key, node] : table) {
        entries.emplace_back(&key, &node);
    }
    std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
        const auto& pa = a.first->source().begin;
        const auto& pb = b.first->source().begin;
        return pa.line != pb.line ? pa.line < pb.line : pa.column < pb.column;
    });
    return entries;
}

std::string join_key(std::string_view parent, std::string_view key);

}  // namespace notify::host::detail
