// Test input for thrift_parser_test: a struct with the timestamp after
// fields of every other type, so the decoder has to skip them.
namespace cpp secor_test

struct Inner {
  1: string note
  2: i64 micros
  3: list<Inner> children
}

struct Event {
  1: string first
  2: string name
  3: list<map<string, i32>> tags
  4: Inner inner
  5: i32 seconds
  6: bool flag
  7: double ratio
  8: set<i16> small
  9: binary blob
  10: map<i32, list<bool>> flags
  11: i8 tiny
  12: i64 timestamp
  13: optional i64 absent
  40: i64 far
}
