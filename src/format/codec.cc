#include "format/codec.h"

#include "common/strings.h"

namespace secor {

void RegisterBuiltinCodecs();  // format_registration.cc

Registry<CodecFactory>& CodecRegistry() {
  static Registry<CodecFactory> registry;
  return registry;
}

Result<std::unique_ptr<Codec>> NewCodec(const std::string& name_or_class) {
  RegisterBuiltinCodecs();
  std::string name = ToLower(Trim(name_or_class));
  if (name.empty() || name == "none") return std::unique_ptr<Codec>();
  const CodecFactory* factory = CodecRegistry().Find(name_or_class);
  if (!factory) {
    return Status::InvalidArgument("unknown compression codec '{}' (known: none, {})",
                                   name_or_class, Join(CodecRegistry().Names(), ", "));
  }
  return (*factory)();
}

}  // namespace secor
