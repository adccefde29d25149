#include "format/file_format.h"

#include "common/strings.h"

namespace secor {

void RegisterBuiltinFormats();  // format_registration.cc

Registry<FileFormatFactory>& FileFormatRegistry() {
  static Registry<FileFormatFactory> registry;
  return registry;
}

Result<std::unique_ptr<FileFormat>> NewFileFormat(const std::string& name_or_class) {
  RegisterBuiltinFormats();
  const FileFormatFactory* factory = FileFormatRegistry().Find(name_or_class);
  if (!factory) {
    return Status::InvalidArgument("unknown output format '{}' (known: {})", name_or_class,
                                   Join(FileFormatRegistry().Names(), ", "));
  }
  return (*factory)();
}

}  // namespace secor
