// The keys of the Java Secor: every key its shipped .properties files set
// and every key its code reads, with what each means here (honoured, mapped to
// another key or client setting, not applicable, or refused) and how the
// original read it (one value, or a comma list). Config uses the read form to
// pick a key's value exactly as Commons Configuration did; docs/compatibility.md
// is generated from this table (`secor keys --java-markdown`).
#pragma once

#include <span>
#include <string_view>

namespace secor {

enum class JavaKeyStatus {
  kHonoured,       // same meaning here
  kMapped,         // read under another name, or translated (note says to what)
  kNotApplicable,  // no effect here (note says why); named once at start-up when set
  kUnsupported,    // stops start-up when set to anything but `inert` (note says why)
};

struct JavaKeyInfo {
  std::string_view name;
  JavaKeyStatus status;
  std::string_view note;
  bool is_prefix = false;  // a family: every key starting with name
  bool array = false;      // read with getStringArray: every comma-separated element counts
  std::string_view inert;  // kUnsupported: the value that leaves the feature off
};

std::span<const JavaKeyInfo> JavaKeys();
// The entry for key: an exact name wins over a family; nullptr when the
// original had no such key.
const JavaKeyInfo* FindJavaKey(std::string_view key);
std::string_view JavaKeyStatusName(JavaKeyStatus status);

}  // namespace secor
