#include "format/file_format.h"

#include "common/strings.h"
#include "config/config.h"
#include "format/codec.h"

namespace secor {

void RegisterBuiltinFormats();  // format_registration.cc

Registry<FileFormatFactory>& FileFormatRegistry() {
  static Registry<FileFormatFactory> registry;
  return registry;
}

Result<std::unique_ptr<FileFormat>> NewFileFormat(const std::string& name_or_class,
                                                  const FormatOptions& options,
                                                  const Config* config) {
  RegisterBuiltinFormats();
  const FileFormatFactory* factory = FileFormatRegistry().Find(name_or_class);
  if (!factory) {
    return Status::InvalidArgument("unknown output format '{}' (known: {})", name_or_class,
                                   Join(FileFormatRegistry().Names(), ", "));
  }
  return (*factory)(options, config);
}

Result<std::unique_ptr<FileFormat>> NewTopicFileFormat(const Config& config,
                                                       const std::string& topic) {
  ASSIGN_OR_RETURN(std::string name,
                   config.StringForTopic("secor.file.reader.writer.factory", topic));
  RegisterBuiltinFormats();
  if (!FileFormatRegistry().Find(name)) {
    return config.BadValue("secor.file.reader.writer.factory",
                           NewFileFormat(name).status().message());
  }
  ASSIGN_OR_RETURN(std::string codec_name, config.StringForTopic("secor.compression.codec", topic));
  auto c = NewCodec(codec_name);
  if (!c.ok()) return config.BadValue("secor.compression.codec", c.status().message());
  FormatOptions options;
  options.codec = *c ? (*c)->name() : "";
  options.topic = topic;
  return NewFileFormat(name, options, &config);
}

}  // namespace secor
