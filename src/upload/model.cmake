# The round protocol model (model/round_protocol.pml): spin checks that the
# protocol keeps every message in exactly one file and that each mutant with a
# safeguard removed is caught. Needs spin and gcc, not the library.
add_test(NAME round_protocol_model COMMAND ${CMAKE_SOURCE_DIR}/tests/model/check.sh)
set_tests_properties(round_protocol_model PROPERTIES LABELS "model" TIMEOUT 600)
