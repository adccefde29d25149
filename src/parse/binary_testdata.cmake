# Test inputs of the binary parsers made by the real toolchains: C++ from the
# Thrift compiler and protoc, and a protobuf descriptor set, all generated
# into the build directory from src/parse/testdata.
if(TARGET secor_parse_test)
  set(bin_gen ${CMAKE_BINARY_DIR}/gen/parse_testdata)
  set(bin_src ${CMAKE_SOURCE_DIR}/src/parse/testdata)
  file(MAKE_DIRECTORY ${bin_gen})
  find_program(THRIFT_COMPILER thrift REQUIRED)

  add_custom_command(
    OUTPUT ${bin_gen}/timestamped_types.cpp ${bin_gen}/timestamped_types.h
    COMMAND ${THRIFT_COMPILER} --gen cpp:no_skeleton -out ${bin_gen} ${bin_src}/timestamped.thrift
    DEPENDS ${bin_src}/timestamped.thrift
    COMMENT "thrift --gen cpp timestamped.thrift")

  add_custom_command(
    OUTPUT ${bin_gen}/timestamped.pb.cc ${bin_gen}/timestamped.pb.h ${bin_gen}/timestamped.desc
    COMMAND protobuf::protoc -I${bin_src} --cpp_out=${bin_gen}
            --descriptor_set_out=${bin_gen}/timestamped.desc --include_imports
            ${bin_src}/timestamped.proto
    DEPENDS ${bin_src}/timestamped.proto
    COMMENT "protoc timestamped.proto")

  set_source_files_properties(${bin_gen}/timestamped_types.cpp ${bin_gen}/timestamped.pb.cc
                              PROPERTIES COMPILE_OPTIONS "-Wno-error")
  target_sources(secor_parse_test PRIVATE ${bin_gen}/timestamped_types.cpp
                 ${bin_gen}/timestamped.pb.cc ${bin_gen}/timestamped.desc)
  target_include_directories(secor_parse_test PRIVATE ${bin_gen})
  target_link_libraries(secor_parse_test PRIVATE PkgConfig::THRIFT protobuf::libprotobuf)
  target_compile_definitions(secor_parse_test PRIVATE
    SECOR_PARSE_TESTDATA_GEN="${bin_gen}" SECOR_PARSE_TESTDATA_SRC="${bin_src}")
endif()
