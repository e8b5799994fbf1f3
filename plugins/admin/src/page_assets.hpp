// The admin page's files (plugins/admin/www), compiled into the plugin by embed_page.cmake so
// the page needs no install path and always matches the plugin that serves it.
#pragma once

#include <string_view>

namespace notify::admin {

struct PageAsset {
    std::string_view name;  // "index.html", "admin.js", ...
    std::string_view content_type;
    std::string_view body;
};

// The asset called `name`, or nullptr.
const PageAsset* find_page_asset(std::string_view name);

}  // namespace notify::admin
