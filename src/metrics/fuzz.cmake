# libFuzzer target for the status server's request path (libmicrohttpd in
# front of StatusServer::HandleRequest). See secor_fuzzers.
secor_fuzzers(metrics LIBS secor_metrics secor_config secor_common)
