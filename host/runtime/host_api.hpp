// The host table (notify_host_api) handed to every plugin's create().
#pragma once

#include "notify/notify.h"

namespace notify::runtime {

// The one table of the process: size = sizeof(notify_host_api), ABI 1.NOTIFY_ABI_MINOR. Each
// function finds its HostServices through the caller's notify_host_ctx.
const notify_host_api& host_api();

}  // namespace notify::runtime
