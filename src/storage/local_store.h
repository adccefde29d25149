// LocalStore: an ObjectStore on a local or mounted filesystem. Every write goes
// to a temporary sibling, is fsynced, then published: rename() for a plain put,
// link() for a create-only put (link fails with EEXIST atomically, so exactly
// one of several concurrent creators wins). Temporary names start with "._tmp"
// and are skipped by List.
#pragma once

#include <memory>
#include <string>

#include "storage/object_store.h"

namespace secor {

Result<std::unique_ptr<ObjectStore>> NewLocalStore(const std::string& uri, const Config& config);

}  // namespace secor
