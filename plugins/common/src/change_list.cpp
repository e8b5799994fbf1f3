#include <notify_plugin_common/change_list.hpp>

namespace notify::plugin_common {

void ChangeList::add(const std::string& change) {
    if (change.empty()) return;
    text_ += (text_.empty() ? "" : "; ") + change;
}

void ChangeList::add_if_changed(const std::string& name, const std::string& before,
                                const std::string& after) {
    if (before != after) add(name + " " + before + " -> " + after);
}

std::string ChangeList::text() const { return text_.empty() ? "nothing changed" : text_; }

}  // namespace notify::plugin_common
