# The Parquet/Avro independent-reader checks (tests/integration/parquet_*_test.cc)
# also build alone, over secor_format only, so they run without the service
# binaries the full integration binary needs.
file(GLOB parquet_integration_tests CONFIGURE_DEPENDS
     ${CMAKE_SOURCE_DIR}/tests/integration/parquet_*_test.cc)
if(parquet_integration_tests)
  add_executable(secor_parquet_integration_test ${parquet_integration_tests})
  set_target_properties(secor_parquet_integration_test PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  target_link_libraries(secor_parquet_integration_test PRIVATE secor_format secor_testing GTest::gtest_main)
  gtest_discover_tests(secor_parquet_integration_test PROPERTIES LABELS "integration" DISCOVERY_TIMEOUT 60)
endif()
