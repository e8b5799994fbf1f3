// NOTIFY_HAS_FIELD for C++: the ABI header's version uses a C cast, which -Wold-style-cast
// rejects in our C++ code. Same check: the struct the other side filled is large enough.
#pragma once

#include <cstddef>

#define NOTIFY_RUNTIME_HAS_FIELD(ptr, type, field) \
    ((ptr) != nullptr && (ptr)->size >= offsetof(type, field) + sizeof(type::field))
