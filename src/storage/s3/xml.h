// Just enough XML for S3 and STS answers: their documents are flat, known in
// advance, and never use attributes or CDATA for the fields we read, so a
// full parser would add a dependency without adding safety.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace secor::s3 {

// The unescaped text of the first <tag>...</tag> in doc, or "" when absent.
std::string XmlText(std::string_view doc, std::string_view tag);
// Whether doc has an element named tag.
bool XmlHas(std::string_view doc, std::string_view tag);
// Whether the document's root element is <tag> (after an XML declaration).
bool XmlRootIs(std::string_view doc, std::string_view tag);
// The raw inner text of every <tag>...</tag> element, in order.
std::vector<std::string_view> XmlElements(std::string_view doc, std::string_view tag);
std::string XmlEscape(std::string_view s);
std::string XmlUnescape(std::string_view s);

}  // namespace secor::s3
