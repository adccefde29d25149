# libFuzzer targets, one per src/parse/*_fuzz.cc (each parser, the date
# pattern and TZif readers, and the config loader), built when SECOR_FUZZ is ON
# with clang:
#   CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DSECOR_FUZZ=ON
#   ninja -C build-fuzz secor_fuzz_all && ctest --test-dir build-fuzz -L fuzz
# Each also gets a short ctest run (label "fuzz") so CI notices a crash.
if(SECOR_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(WARNING "SECOR_FUZZ needs clang (libFuzzer); no fuzz targets")
  else()
    # Coverage instrumentation for the code under test, not just the harness.
    foreach(lib secor_common secor_config secor_payload secor_parse)
      target_compile_options(${lib} PRIVATE -fsanitize=fuzzer-no-link,address,undefined)
    endforeach()
    file(GLOB parse_fuzzers CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/parse/*_fuzz.cc)
    if(NOT TARGET secor_fuzz_all)
      add_custom_target(secor_fuzz_all)
    endif()
    foreach(src ${parse_fuzzers})
      get_filename_component(name ${src} NAME_WE)
      add_executable(${name} ${src})
      set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)
      target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
      target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
      target_link_libraries(${name} PRIVATE secor_parse secor_config)
      add_dependencies(secor_fuzz_all ${name})
      # Seeds (and inputs that once crashed, kept as regression cases) live
      # in src/parse/fuzz_seeds/<target>; libFuzzer adds what it finds to the
      # first directory only, the build's, so the source tree stays as it is.
      set(corpus)
      set(seeds ${CMAKE_SOURCE_DIR}/src/parse/fuzz_seeds/${name})
      if(EXISTS ${seeds})
        set(corpus ${CMAKE_BINARY_DIR}/fuzz/corpus/${name} ${seeds})
        file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz/corpus/${name})
      endif()
      add_test(NAME ${name} COMMAND ${name} -runs=20000 -max_total_time=10 ${corpus})
      set_tests_properties(${name} PROPERTIES LABELS "fuzz" TIMEOUT 120)
    endforeach()
  endif()
endif()

# Micro-benchmark of the JSON parser (Google Benchmark), not part of the
# library: ninja json_parser_bench && build/bench/json_parser_bench
find_package(benchmark QUIET)
if(benchmark_FOUND)
  add_executable(json_parser_bench ${CMAKE_SOURCE_DIR}/src/parse/json_parser_bench.cc)
  set_target_properties(json_parser_bench PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
  target_link_libraries(json_parser_bench PRIVATE secor_parse benchmark::benchmark)
endif()
