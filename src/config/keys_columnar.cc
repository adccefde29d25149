#include "config/keys_internal.h"

namespace secor::keys_internal {

using K = KeyType;

static const KeyInfo kColumnarKeys[] = {
    {"secor.placeholder.columnarkeys", "", K::kString, "reserved"},
};

std::span<const KeyInfo> ColumnarKeys() { return kColumnarKeys; }

}  // namespace secor::keys_internal
