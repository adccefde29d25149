// Base64 (RFC 4648, standard alphabet, with padding): the one codec for the
// error files, the JSON-lines format's binary fields and S3's SSE-C keys.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace secor {

// Appends the encoding of bytes to *out, so long lines are built in place.
void Base64Append(std::string* out, std::string_view bytes);
std::string Base64Encode(std::string_view bytes);

// Decodes text into *out. Strict: the length must be a multiple of 4 and
// padding may only end the text; anything else is Corruption.
Status Base64Decode(std::string_view text, std::string* out);

}  // namespace secor
