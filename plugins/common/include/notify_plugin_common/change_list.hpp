// The one log line a reconfigure writes: what changed, "; "-separated. Never give it a secret.
#pragma once

#include <string>

namespace notify::plugin_common {

class ChangeList {
  public:
    // Adds `change` unless it is empty.
    void add(const std::string& change);
    // Adds "name before -> after" when they differ.
    void add_if_changed(const std::string& name, const std::string& before,
                        const std::string& after);

    bool empty() const noexcept { return text_.empty(); }
    // The changes, or "nothing changed".
    std::string text() const;

  private:
    std::string text_;
};

}  // namespace notify::plugin_common
