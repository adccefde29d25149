# Test inputs of the binary payload decoders made by the real toolchain: C++
# from protoc and a descriptor set, generated into the build directory from
# src/format/testdata (Avro payloads are written by Avro C in the tests).
if(TARGET secor_format_test)
  set(fmt_gen ${CMAKE_BINARY_DIR}/gen/format_testdata)
  set(fmt_src ${CMAKE_SOURCE_DIR}/src/format/testdata)
  file(MAKE_DIRECTORY ${fmt_gen})
  add_custom_command(
    OUTPUT ${fmt_gen}/event.pb.cc ${fmt_gen}/event.pb.h ${fmt_gen}/event.desc
    COMMAND protobuf::protoc -I${fmt_src} --cpp_out=${fmt_gen}
            --descriptor_set_out=${fmt_gen}/event.desc --include_imports ${fmt_src}/event.proto
    DEPENDS ${fmt_src}/event.proto
    COMMENT "protoc event.proto")
  set_source_files_properties(${fmt_gen}/event.pb.cc PROPERTIES COMPILE_OPTIONS "-Wno-error")
  target_sources(secor_format_test PRIVATE ${fmt_gen}/event.pb.cc ${fmt_gen}/event.desc)
  target_include_directories(secor_format_test PRIVATE ${fmt_gen})
  target_link_libraries(secor_format_test PRIVATE protobuf::libprotobuf)
  target_compile_definitions(secor_format_test PRIVATE
    SECOR_FORMAT_TESTDATA_GEN="${fmt_gen}" SECOR_FORMAT_TESTDATA_SRC="${fmt_src}")
endif()
