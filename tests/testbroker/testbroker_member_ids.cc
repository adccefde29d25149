// Unique member ids for the test broker's consumer groups.
//
// librdkafka 2.0.2's mock cluster names a group member after the address of
// its struct ("%p"). When a member is evicted (its session timed out, say
// while its process was stopped) and a new member joins, the allocator hands
// the newcomer the evicted member's memory, hence its id; the evicted process
// wakes up still holding that id, the mock takes its requests for the
// newcomer's, and aborts on `!member->resp' (rdkafka_mock_cgrp.c:236 and
// :567). Kafka brokers make member ids unique, so this is the mock's bug
// (docs/chaos.md); the chaos tests stop and kill members on purpose and hit it.
//
// The member struct is allocated with calloc(1, 80). This executable serves
// allocations of exactly that shape from a region whose addresses are never
// handed out twice, so no member id is ever reused. Freed blocks of the
// region are not reused; other sizes go to glibc unchanged.
#include <sys/mman.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

// The sanitizers bring their own allocator, which this must not bypass.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SECOR_OWN_ALLOCATOR 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define SECOR_OWN_ALLOCATOR 1
#endif

#ifndef SECOR_OWN_ALLOCATOR

extern "C" void* __libc_calloc(size_t count, size_t size);
extern "C" void __libc_free(void* ptr);
extern "C" void* __libc_realloc(void* ptr, size_t size);

namespace {

// sizeof(rd_kafka_mock_cgrp_member_t) on 64-bit Linux (src/rdkafka_mock_int.h).
constexpr size_t kMemberSize = 80;
// 64 MiB of address space, reserved lazily: about 800,000 allocations of the
// member's shape before falling back to glibc.
constexpr size_t kRegionSize = size_t{64} << 20;

std::atomic<char*> g_region{nullptr};
std::atomic<size_t> g_used{0};

char* Region() {
  char* region = g_region.load(std::memory_order_acquire);
  if (region) return region;
  void* mapped = mmap(nullptr, kRegionSize, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (mapped == MAP_FAILED) return nullptr;
  char* expected = nullptr;
  if (!g_region.compare_exchange_strong(expected, static_cast<char*>(mapped))) {
    munmap(mapped, kRegionSize);
    return expected;
  }
  return static_cast<char*>(mapped);
}

bool InRegion(const void* ptr) {
  const char* region = g_region.load(std::memory_order_acquire);
  const char* p = static_cast<const char*>(ptr);
  return region != nullptr && p >= region && p < region + kRegionSize;
}

}  // namespace

extern "C" void* calloc(size_t count, size_t size) {
  if (count == 1 && size == kMemberSize) {
    if (char* region = Region()) {
      size_t at = g_used.fetch_add(kMemberSize, std::memory_order_relaxed);
      if (at + kMemberSize <= kRegionSize) return region + at;  // fresh pages are zero
    }
  }
  return __libc_calloc(count, size);
}

extern "C" void free(void* ptr) {
  if (InRegion(ptr)) return;  // never handed out again
  __libc_free(ptr);
}

extern "C" void* realloc(void* ptr, size_t size) {
  if (!InRegion(ptr)) return __libc_realloc(ptr, size);
  void* moved = __libc_calloc(1, size);
  if (moved) __builtin_memcpy(moved, ptr, size < kMemberSize ? size : kMemberSize);
  return moved;
}

#endif  // SECOR_OWN_ALLOCATOR
