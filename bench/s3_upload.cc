// Upload throughput of the S3 store: puts every file under a local directory
// to an object store with N threads, as the uploader does (create-only PUT,
// multipart above the threshold), and prints one line:
//   files=N bytes=B seconds=S MB/s=R
// bench/run.sh compares it with `aws s3 cp --recursive` of the same tree.
//
//   s3_upload DIR URI THREADS [key=value ...]   (settings as in .properties)
#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "config/config.h"
#include "storage/object_store.h"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: s3_upload DIR URI THREADS [key=value ...]\n";
    return 2;
  }
  const std::string dir = argv[1], uri = argv[2];
  const int threads = std::max(1, std::atoi(argv[3]));
  secor::Config config;
  for (int i = 4; i < argc; ++i) {
    std::string kv = argv[i];
    auto eq = kv.find('=');
    if (eq == std::string::npos) {
      std::cerr << "not key=value: " << kv << "\n";
      return 2;
    }
    config.Set(kv.substr(0, eq), kv.substr(eq + 1), "command line");
  }
  auto store = secor::OpenObjectStore(uri, config);
  if (!store.ok()) {
    std::cerr << store.status().ToString() << "\n";
    return 1;
  }
  std::vector<std::pair<std::string, std::string>> files;  // key, local path
  uint64_t bytes = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    files.emplace_back(fs::relative(e.path(), dir).string(), e.path().string());
    bytes += e.file_size();
  }
  std::atomic<size_t> next{0};
  std::mutex mu;
  std::string failure;
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      secor::PutOptions opts;
      opts.create_only = true;
      for (size_t i; (i = next++) < files.size();) {
        secor::Status st = (*store)->PutFile(files[i].first, files[i].second, opts);
        if (!st.ok()) {
          std::lock_guard lock(mu);
          if (failure.empty()) failure = st.ToString();
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!failure.empty()) {
    std::cerr << failure << "\n";
    return 1;
  }
  std::cout << fmt::format("files={} bytes={} seconds={:.3f} MB/s={:.1f}\n", files.size(), bytes,
                           secs, static_cast<double>(bytes) / secs / 1e6);
  return 0;
}
