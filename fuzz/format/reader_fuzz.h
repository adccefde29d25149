// What every file reader's libFuzzer target does: the input is a whole file
// as `secor print`, `secor verify` and the replay check would find it in a
// store (a torn upload, a foreign file, a flipped byte). Reading must end in
// records or a Status, never crash, hang or allocate what the file's own
// length fields ask for without checking them against the file.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "format/file_format.h"

namespace secor::fuzz {

// A file per process, rewritten for every input.
inline const std::string& ScratchFile(const char* name) {
  static const std::string path = [name] {
    const char* tmp = std::getenv("TMPDIR");
    return std::string(tmp && *tmp ? tmp : "/tmp") + "/secor-fuzz-" + name + "-" +
           std::to_string(::getpid());
  }();
  return path;
}

inline void WriteScratch(const std::string& path, const uint8_t* data, size_t size) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
}

// Every record through reader. Uncompressed, a record takes at least one
// byte of the file (a line of text at least its newline), so more records
// than bytes means a reader that returns without moving on; compressed
// input may expand, so there it is only a bound on the loop.
inline void ReadAll(FileReader* reader, size_t size, bool compressed) {
  Record record;
  size_t records = 0;
  while (true) {
    auto more = reader->Next(&record);
    if (!more.ok() || !*more) break;
    if (++records > size + 1) {
      if (!compressed) std::abort();
      break;
    }
  }
}

// Opens path with each format (resolved once, as secor does per topic) and
// with the format guessed from its bytes, and reads it to the end.
inline void FuzzReaders(const char* name,
                        const std::vector<std::pair<const FileFormat*, bool>>& formats,
                        const uint8_t* data, size_t size) {
  const std::string& path = ScratchFile(name);
  WriteScratch(path, data, size);
  for (const auto& [format, compressed] : formats) {
    auto reader = format->NewReader(path);
    if (reader.ok()) ReadAll(reader->get(), size, compressed);
  }
  auto guessed = OpenReaderAuto(path);
  if (guessed.ok()) ReadAll(guessed->get(), size, /*compressed=*/true);
}

// The format name resolved for each codec, with whether the file itself may
// expand on reading (a codec, or a format with compressed blocks); aborts
// when one does not build (the fuzz target would test nothing). Never freed:
// held through a pointer that outlives the static destructors, so that
// LeakSanitizer's check at exit still finds the formats reachable.
using FormatList = std::vector<std::pair<const FileFormat*, bool>>;
inline const FormatList* Formats(
    const std::vector<std::pair<std::string, std::string>>& names_and_codecs,
    bool compressed_blocks) {
  auto* out = new FormatList();
  for (const auto& [name, codec] : names_and_codecs) {
    auto f = NewFileFormat(name, FormatOptions{codec, "fuzz"});
    if (!f.ok()) std::abort();
    out->emplace_back(f->release(), compressed_blocks || !codec.empty());
  }
  return out;
}

}  // namespace secor::fuzz
