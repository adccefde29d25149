#include "net/http_client.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "common/logging.h"
#include "common/strings.h"

namespace secor::net {
namespace {

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// One easy handle per thread: libcurl keeps the connection cache in the
// handle, so reusing it across requests reuses the connections.
struct ThreadHandle {
  CURL* curl = nullptr;
  int64_t connects = 0;
  ~ThreadHandle() {
    if (curl) curl_easy_cleanup(curl);
  }
};

ThreadHandle& Handle() {
  thread_local ThreadHandle h;
  if (!h.curl) {
    GlobalInit();
    h.curl = curl_easy_init();
  }
  return h;
}

struct UploadState {
  int fd = -1;
  int64_t start = 0;
  int64_t length = 0;
  int64_t pos = 0;  // relative to start
  std::string_view mem;
  bool from_file = false;
  int err = 0;
};

size_t ReadBody(char* buf, size_t size, size_t nitems, void* userdata) {
  auto* u = static_cast<UploadState*>(userdata);
  size_t want = size * nitems;
  int64_t left = u->length - u->pos;
  if (left <= 0) return 0;
  if (static_cast<int64_t>(want) > left) want = static_cast<size_t>(left);
  if (!u->from_file) {
    std::memcpy(buf, u->mem.data() + u->pos, want);
    u->pos += static_cast<int64_t>(want);
    return want;
  }
  while (true) {
    ssize_t n = ::pread(u->fd, buf, want, u->start + u->pos);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      u->err = n < 0 ? errno : EIO;  // a file shorter than promised
      return CURL_READFUNC_ABORT;
    }
    u->pos += n;
    return static_cast<size_t>(n);
  }
}

int SeekBody(void* userdata, curl_off_t offset, int origin) {
  auto* u = static_cast<UploadState*>(userdata);
  if (origin != SEEK_SET || offset < 0 || offset > u->length) return CURL_SEEKFUNC_CANTSEEK;
  u->pos = offset;
  return CURL_SEEKFUNC_OK;
}

struct DownloadState {
  CURL* curl = nullptr;
  std::string* body = nullptr;
  const std::string* file = nullptr;
  int fd = -1;
  int err = 0;
};

size_t WriteBody(char* ptr, size_t size, size_t nmemb, void* userdata) {
  auto* d = static_cast<DownloadState*>(userdata);
  size_t n = size * nmemb;
  long status = 0;
  curl_easy_getinfo(d->curl, CURLINFO_RESPONSE_CODE, &status);
  if (d->file == nullptr || status < 200 || status >= 300) {
    d->body->append(ptr, n);
    return n;
  }
  if (d->fd < 0) {
    d->fd = ::open(d->file->c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (d->fd < 0) {
      d->err = errno;
      return 0;
    }
  }
  size_t done = 0;
  while (done < n) {
    ssize_t w = ::write(d->fd, ptr + done, n - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) {
      d->err = errno;
      return 0;
    }
    done += static_cast<size_t>(w);
  }
  return n;
}

size_t HeaderLine(char* buf, size_t size, size_t nitems, void* userdata) {
  auto* headers = static_cast<HttpHeaders*>(userdata);
  size_t n = size * nitems;
  std::string_view line(buf, n);
  if (StartsWith(line, "HTTP/")) {
    headers->clear();  // a new response (after 100 Continue or a redirect)
    return n;
  }
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    headers->emplace_back(ToLower(Trim(line.substr(0, colon))),
                          std::string(Trim(line.substr(colon + 1))));
  }
  return n;
}

// scheme://host[:port] of url, without any user:password@.
std::string Origin(const std::string& url) {
  size_t scheme_end = url.find("://");
  size_t start = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  size_t end = url.find_first_of("/?#", start);
  std::string authority = url.substr(start, end == std::string::npos ? end : end - start);
  size_t at = authority.rfind('@');
  if (at != std::string::npos) authority.erase(0, at + 1);
  return url.substr(0, start) + authority;
}

// A certificate the client refused: one line naming the endpoint, what is
// wrong with it in plain words, libcurl's own words and what to check.
Status CertificateError(CURLcode code, const HttpRequest& req, const std::string& detail) {
  std::string problem, hint;
  if (code == CURLE_SSL_CACERT_BADFILE) {
    problem = "the CA file cannot be used";
    if (req.tls && !req.tls->ca_file.empty()) problem += " (" + req.tls->ca_file + ")";
  } else if (detail.find("subject name") != std::string::npos ||
             detail.find("target host name") != std::string::npos) {
    problem = "its certificate is not for this host name";
    if (req.tls) hint = req.tls->name_hint;
  } else {
    problem = "its certificate is not trusted";
    if (req.tls) hint = req.tls->untrusted_hint;
  }
  return Status::InvalidArgument("TLS to {} refused: {} ({}){}", Origin(req.url), problem, detail,
                                 hint.empty() ? "" : "; " + hint);
}

Status TransportError(CURLcode code, const HttpRequest& req, const char* detail) {
  std::string words = detail[0] ? detail : curl_easy_strerror(code);
  while (!words.empty() && (words.back() == '\n' || words.back() == ' ')) words.pop_back();
  switch (code) {
    case CURLE_PEER_FAILED_VERIFICATION:  // also CURLE_SSL_CACERT since curl 7.62
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
      return CertificateError(code, req, words);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_SSL_CERTPROBLEM:
      return Status::InvalidArgument("{} {}: {}", req.method, req.url, words);
    default:
      return Status::Unavailable("{} {}: {}", req.method, req.url, words);
  }
}

}  // namespace

std::string HttpResponse::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return "";
}

int64_t ConnectionsOpenedByThisThread() { return Handle().connects; }

Result<HttpResponse> SendHttp(const HttpRequest& req) {
  ThreadHandle& h = Handle();
  CURL* c = h.curl;
  if (!c) return Status::Internal("curl_easy_init failed");
  curl_easy_reset(c);  // keeps the connection cache

  HttpResponse resp;
  UploadState up;
  bool has_body = false;
  if (!req.upload_file.empty()) {
    up.fd = ::open(req.upload_file.c_str(), O_RDONLY | O_CLOEXEC);
    if (up.fd < 0) return Status::FromErrno("open " + req.upload_file, errno);
    up.from_file = true;
    up.start = req.upload_offset;
    up.length = req.upload_length;
    has_body = true;
  } else if (!req.body.empty() || req.method == "PUT" || req.method == "POST") {
    up.mem = req.body;
    up.length = static_cast<int64_t>(req.body.size());
    has_body = true;
  }

  DownloadState down;
  down.curl = c;
  down.body = &resp.body;
  down.file = req.download_file.empty() ? nullptr : &req.download_file;

  struct curl_slist* hdrs = nullptr;
  for (const auto& [k, v] : req.headers) {
    // "Name;" is curl's way to send a header with an empty value.
    std::string line = k;
    line.append(v.empty() ? ";" : ": ").append(v);
    hdrs = curl_slist_append(hdrs, line.c_str());
  }
  // The server answers 412/403 before the body when we wait for 100-continue
  // only on large bodies; small ones go at once.
  if (has_body && up.length < (1 << 20)) hdrs = curl_slist_append(hdrs, "Expect:");

  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(req.connect_timeout_ms));
  if (req.timeout_ms > 0)
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(req.timeout_ms));
  if (req.stall_timeout_ms > 0) {
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME,
                     static_cast<long>((req.stall_timeout_ms + 999) / 1000));
  }
  curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  if (req.tls) {
    // libcurl keeps connections made with other TLS settings apart, so a
    // handle shared by stores with different CAs reuses none across them.
    if (!req.tls->ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, req.tls->ca_file.c_str());
    if (!req.tls->verify) {
      curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
  }
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, HeaderLine);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &resp.headers);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &down);
  if (req.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (has_body) {
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, ReadBody);
    curl_easy_setopt(c, CURLOPT_READDATA, &up);
    curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, SeekBody);
    curl_easy_setopt(c, CURLOPT_SEEKDATA, &up);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(up.length));
    if (req.method != "PUT") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  } else if (req.method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }

  CURLcode rc = curl_easy_perform(c);
  long connects = 0;
  curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &connects);
  h.connects += connects;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp.status);
  curl_slist_free_all(hdrs);
  if (up.fd >= 0) ::close(up.fd);
  int download_fd = down.fd;
  if (download_fd >= 0 && ::close(download_fd) != 0 && down.err == 0) down.err = errno;

  if (up.err != 0) {
    return Status::FromErrno(fmt::format("read {} for {} {}", req.upload_file, req.method, req.url),
                             up.err);
  }
  if (down.err != 0) {
    return Status::FromErrno(
        fmt::format("write {} for {} {}", req.download_file, req.method, req.url), down.err);
  }
  if (rc != CURLE_OK) return TransportError(rc, req, errbuf);
  // An empty 2xx body still makes the file the caller asked for.
  if (down.file && download_fd < 0 && resp.status >= 200 && resp.status < 300 &&
      req.method != "HEAD") {
    int fd = ::open(req.download_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return Status::FromErrno("create " + req.download_file, errno);
    ::close(fd);
  }
  return resp;
}

Result<HttpResponse> SendServiceHttp(const std::string& method, const std::string& url,
                                     std::string_view body, const HttpHeaders& headers,
                                     int64_t timeout_ms) {
  HttpRequest req;
  req.method = method;
  req.url = url;
  req.headers = headers;
  req.body = body;
  req.timeout_ms = timeout_ms;
  req.connect_timeout_ms = timeout_ms;
  req.stall_timeout_ms = 0;
  Result<HttpResponse> resp = SendHttp(req);
  if (!resp.ok()) return Status::Unavailable("{}", RedactSecrets(resp.status().message()));
  return resp;
}

}  // namespace secor::net
