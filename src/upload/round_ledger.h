// RoundLedger: the round markers of one consumer group in the object store.
// A marker M(S) at <state>/<group>/<topic>/<partition>/<S as 20 digits> is the
// decision "the round starting at offset S ends at E, and these are its
// files". Markers are written create-only and never overwritten or deleted by
// the consumer (docs/design.md). A "root" marker beside them fixes where the
// chain starts when the group has no committed offset.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "storage/object_store.h"

namespace secor {

// One data file of a round and which messages it holds. The count and hash
// let a replaying writer prove it derived the same split, not just the same
// names (docs/design.md, "Replay check").
struct MarkerFile {
  std::string key;  // relative to the output root
  int64_t messages = 0;
  uint64_t offsets_hash = 0;  // OffsetsHash of the file's offsets in order
  bool operator==(const MarkerFile& o) const {
    return key == o.key && messages == o.messages && offsets_hash == o.offsets_hash;
  }
  bool operator<(const MarkerFile& o) const { return key < o.key; }
};

// FNV-1a 64 over offsets, each as 8 little-endian bytes: start with
// kOffsetsHashSeed and fold in each offset with OffsetsHashAdd.
inline constexpr uint64_t kOffsetsHashSeed = 0xcbf29ce484222325ULL;
inline uint64_t OffsetsHashAdd(uint64_t hash, int64_t offset) {
  auto v = static_cast<uint64_t>(offset);
  for (int i = 0; i < 8; ++i) {
    hash ^= (v >> (8 * i)) & 0xff;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

struct RoundMarker {
  int64_t start = 0;
  int64_t end = 0;
  std::vector<MarkerFile> files;
  std::string writer;  // identity of the process that decided it
  int64_t created_ms = 0;
};

// Where a partition's consumption goes on from a start offset: the first
// offset to read, and the decided rounds from there on that must be replayed
// (same messages, same files) before new rounds are cut.
struct ChainPosition {
  int64_t start = 0;
  std::deque<RoundMarker> replay;
};

std::string EncodeMarker(const RoundMarker& marker);
Result<RoundMarker> DecodeMarker(std::string_view json);

class RoundLedger {
 public:
  // state_path: relative to the store root (secor.round.state.path).
  RoundLedger(ObjectStore* store, std::string state_path, std::string group);

  std::string MarkerKey(const std::string& topic, int32_t partition, int64_t start) const;
  std::string RootKey(const std::string& topic, int32_t partition) const;

  // Create-only; AlreadyExists when some writer decided this round already.
  Status CreateMarker(const std::string& topic, int32_t partition, const RoundMarker& marker);
  // NotFound when absent.
  Result<RoundMarker> ReadMarker(const std::string& topic, int32_t partition, int64_t start);
  // Markers with start >= from, by start.
  Result<std::map<int64_t, RoundMarker>> ListMarkers(const std::string& topic, int32_t partition,
                                                     int64_t from);
  // The chain root: creates it at start if absent, else returns the existing one.
  Result<int64_t> CreateOrAdoptRoot(const std::string& topic, int32_t partition, int64_t start,
                                    const std::string& writer);

  // The chain of decided rounds from start: markers[start], then the marker
  // at its end + 1, and so on, until an offset has none.
  static std::deque<RoundMarker> ChainFrom(const std::map<int64_t, RoundMarker>& markers,
                                           int64_t start);
  // The position of a partition whose committed offset (or chain root) is
  // start: past every decided round whose files are all stored (skipped(end
  // + 1) is called for each, to commit it), then the chain of the rest.
  Result<ChainPosition> PositionFrom(const std::string& topic, int32_t partition, int64_t start,
                                     const std::function<void(int64_t next)>& skipped);
  // The decided rounds from start, without skipping any (another writer
  // decided them while this one held the partition).
  Result<ChainPosition> ReplayFrom(const std::string& topic, int32_t partition, int64_t start);
  // A replayed round must derive exactly the files its marker lists, by name,
  // count and offsets hash: anything else means the parser, transformer or
  // format changed between writers, or Kafka lost some of the round.
  static Status CheckReplay(const std::string& topic, int32_t partition, const RoundMarker& marker,
                            const std::vector<MarkerFile>& derived);

 private:
  std::string PartitionPrefix(const std::string& topic, int32_t partition) const;
  ObjectStore* store_;
  std::string state_path_;
  std::string group_;
};

}  // namespace secor
