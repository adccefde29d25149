// The one place that knows every built-in store, so that static linking keeps
// them (a self-registering object in a static library would be dropped).
#include "storage/local_store.h"
#include "storage/object_store.h"
#include "storage/s3/s3_store.h"

namespace secor {

void RegisterBuiltinStores() {
  static const bool done = [] {
    ObjectStoreRegistry().Add("file", {"local"}, [](const std::string& uri, const Config& c) {
      return NewLocalStore(uri, c);
    });
    ObjectStoreRegistry().Add("s3", {"s3a", "s3n"}, [](const std::string& uri, const Config& c) {
      return s3::NewS3Store(uri, c);
    });
    return true;
  }();
  (void)done;
}

}  // namespace secor
