#include "config/keys_internal.h"

namespace secor::keys_internal {

using K = KeyType;

static const KeyInfo kBinaryParseKeys[] = {
    {"secor.placeholder.binaryparsekeys", "", K::kString, "reserved"},
};

std::span<const KeyInfo> BinaryParseKeys() { return kBinaryParseKeys; }

}  // namespace secor::keys_internal
