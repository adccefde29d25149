// Linked into the ThreadSanitizer build's executables only (SECOR_TSAN):
// librdkafka 2.0.2 starts its threads with C11 thrd_create(), which glibc
// 2.36 implements without going through pthread_create(), the function
// clang 14's ThreadSanitizer intercepts. Such a thread is unknown to TSan,
// and its first allocation crashes the TSan runtime (seen in every
// librdkafka broker thread). This thrd_create interposes glibc's (the
// executable's definition wins for librdkafka's calls) and starts the thread
// with pthread_create, so TSan sees it; glibc's thrd_exit works
// on it (a thrd_t is a pthread_t, the result travels as a pointer).
#include <pthread.h>
#include <threads.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>

namespace {

struct Start {
  thrd_start_t func;
  void* arg;
};

void* Trampoline(void* p) {
  Start start = *static_cast<Start*>(p);
  std::free(p);
  return reinterpret_cast<void*>(static_cast<intptr_t>(start.func(start.arg)));
}

}  // namespace

extern "C" int thrd_create(thrd_t* thr, thrd_start_t func, void* arg) {
  auto* start = static_cast<Start*>(std::malloc(sizeof(Start)));
  if (!start) return thrd_nomem;
  *start = Start{func, arg};
  int rc = pthread_create(thr, nullptr, Trampoline, start);
  if (rc != 0) {
    std::free(start);
    return rc == EAGAIN ? thrd_nomem : thrd_error;
  }
  return thrd_success;
}

// Joins and detaches likewise go through the intercepted pthread functions:
// glibc's own would leave TSan without the join's ordering and report every
// detached librdkafka thread as leaked.
extern "C" int thrd_join(thrd_t thr, int* res) {
  void* out = nullptr;
  if (pthread_join(thr, &out) != 0) return thrd_error;
  if (res) *res = static_cast<int>(reinterpret_cast<intptr_t>(out));
  return thrd_success;
}

extern "C" int thrd_detach(thrd_t thr) {
  return pthread_detach(thr) == 0 ? thrd_success : thrd_error;
}
