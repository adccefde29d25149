# libFuzzer targets for every S3 and STS answer the client parses
# (src/storage/s3/*_fuzz.cc): list pages, error documents, multipart
# initiate and complete, credential documents. See secor_fuzzers.
secor_fuzzers(storage LIBS secor_storage secor_metrics secor_config secor_common)
