#include "format/codec.h"

#include "common/strings.h"

namespace secor {

void RegisterBuiltinCodecs();  // format_registration.cc

Registry<CodecFactory>& CodecRegistry() {
  static Registry<CodecFactory> registry;
  return registry;
}

namespace {

class StringSink : public ByteSink {
 public:
  explicit StringSink(std::string* out) : out_(out) {}
  Status Append(std::string_view data) override {
    out_->append(data);
    return Status::OK();
  }

 private:
  std::string* out_;
};

}  // namespace

Status CompressMember(const Codec& codec, std::string_view in, std::string* out) {
  StringSink sink(out);
  std::unique_ptr<StreamCompressor> compressor = codec.NewStreamCompressor(&sink);
  RETURN_IF_ERROR(compressor->Write(in));
  return compressor->Finish();
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
