// secor print: dumps the records of one output file (LogFilePrinterMain of the
// original), local or in an object store, whatever its format and codec.
#include <simdjson.h>
#include <stdlib.h>

#include <cstdio>

#include "common/file_util.h"
#include "common/strings.h"
#include "format/file_format.h"
#include "storage/object_store.h"
#include "tools/command.h"

namespace secor {
namespace {

struct PrintFlags {
  ConfigFlags config;
  std::string file;
  std::string file_flag;
  std::string format;
  bool offsets_only = false;
  int64_t limit = -1;
};

// Keeps printable ASCII and valid UTF-8; escapes the rest so that one record
// stays one line.
void AppendEscaped(std::string* out, std::string_view bytes) {
  bool utf8 = simdjson::validate_utf8(bytes.data(), bytes.size());
  for (unsigned char c : bytes) {
    switch (c) {
      case '\\':
        out->append("\\\\");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      default:
        if ((c >= 0x20 && c < 0x7f) || (c >= 0x80 && utf8)) {
          out->push_back(static_cast<char>(c));
        } else {
          out->append(fmt::format("\\x{:02x}", c));
        }
    }
  }
}

// A temporary directory removed when the object dies.
class ScratchDir {
 public:
  ~ScratchDir() {
    if (!path_.empty()) (void)RemoveAll(path_);
  }
  Status Create() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/secor-print-XXXXXX";
    if (!mkdtemp(pattern.data())) return Status::FromErrno("mkdtemp " + pattern, errno);
    path_ = pattern;
    return Status::OK();
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The local path of file: itself, or a download of the object it names.
Result<std::string> LocalCopy(const std::string& file, const Config& config, ScratchDir* scratch) {
  std::string scheme, rest;
  SplitUri(file, &scheme, &rest);
  if (scheme == "file") return file.find("://") == std::string::npos ? file : rest;
  size_t slash = rest.find('/');
  if (slash == std::string::npos || slash + 1 == rest.size()) {
    return Status::InvalidArgument("{}: expected {}://<bucket>/<key>", file, scheme);
  }
  std::string root = scheme + "://" + rest.substr(0, slash);
  std::string key = rest.substr(slash + 1);
  ASSIGN_OR_RETURN(auto store, OpenObjectStore(root, config));
  RETURN_IF_ERROR(scratch->Create());
  std::string local = JoinPath(scratch->path(), BaseName(key));
  RETURN_IF_ERROR(store->GetToFile(key, local));
  return local;
}

Status Print(const PrintFlags& flags, const Config& config) {
  std::string file = flags.file.empty() ? flags.file_flag : flags.file;
  if (file.empty()) return Status::InvalidArgument("no file given (FILE or -f FILE)");
  ScratchDir scratch;
  ASSIGN_OR_RETURN(std::string local, LocalCopy(file, config, &scratch));
  std::unique_ptr<FileReader> reader;
  if (flags.format.empty()) {
    ASSIGN_OR_RETURN(reader, OpenReaderAuto(local));
  } else {
    FormatOptions options;
    ASSIGN_OR_RETURN(options.codec, config.String("secor.compression.codec"));
    ASSIGN_OR_RETURN(auto format, NewFileFormat(flags.format, options, &config));
    ASSIGN_OR_RETURN(reader, format->NewReader(local));
  }
  std::string out;
  Record record;
  for (int64_t n = 0; flags.limit < 0 || n < flags.limit; ++n) {
    ASSIGN_OR_RETURN(bool more, reader->Next(&record));
    if (!more) break;
    out.append(std::to_string(record.offset));
    if (!flags.offsets_only) {
      out.push_back('\t');
      AppendEscaped(&out, record.key);
      out.push_back('\t');
      AppendEscaped(&out, record.payload);
      if (!record.error.empty()) {  // a record of an error file: why it is there
        out.append("\terror: ");
        AppendEscaped(&out, record.error);
      }
    }
    out.push_back('\n');
    if (out.size() >= (1 << 16)) {
      if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size()) {
        return Status::IOError("write to standard output failed");
      }
      out.clear();
    }
  }
  if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() || std::fflush(stdout) != 0) {
    return Status::IOError("write to standard output failed");
  }
  return Status::OK();
}

}  // namespace

void AddPrintCommand(CLI::App& app, CommandRun* run) {
  auto flags = std::make_shared<PrintFlags>();
  auto* sub = app.add_subcommand(
      "print",
      "print the records of an output file: offset<TAB>key<TAB>payload per line (and "
      "<TAB>error: REASON for the records of an error file)");
  sub->add_option("file", flags->file, "local path or object URI (s3://bucket/key, file:///path)");
  sub->add_option("-f,--file", flags->file_flag, "the file, as the original's -f");
  sub->add_flag("-o,--offsets-only", flags->offsets_only, "print only the offsets");
  sub->add_option("-n,--limit", flags->limit, "print at most N records");
  sub->add_option("--format", flags->format,
                  "read as this format (with secor.compression.codec and secor.text.delimiter) "
                  "instead of detecting it");
  flags->config.AddTo(sub, false);
  sub->callback([run, flags] {
    *run = [flags] {
      auto config = LoadConfig(flags->config);
      if (!config.ok()) return Fail("print", config.status());
      Status st = Print(*flags, *config);
      if (!st.ok()) return Fail("print", st);
      return 0;
    };
  });
}

}  // namespace secor
