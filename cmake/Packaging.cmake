# Installation (`cmake --install build`) and the Debian package
# (`cpack -G DEB` in a build directory configured with
# -DCMAKE_INSTALL_PREFIX=/usr): the secor binary, its systemd unit,
# example configurations under /etc/secor/examples, the docs, a man page made
# from the help texts, and bash completion. With CMAKE_INSTALL_PREFIX=/usr (the
# package's), GNUInstallDirs puts the configuration in /etc.
include(GNUInstallDirs)

install(TARGETS secor RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

configure_file(${CMAKE_SOURCE_DIR}/deploy/secor-consume@.service.in
               ${CMAKE_BINARY_DIR}/deploy/secor-consume@.service @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/deploy/secor-consume@.service
        DESTINATION lib/systemd/system)

file(GLOB example_configs CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/deploy/*.properties)
install(FILES ${example_configs} DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/secor/examples)

install(FILES ${CMAKE_SOURCE_DIR}/deploy/secor.bash-completion
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME secor)

file(GLOB user_docs CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/docs/*.md)
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${user_docs} DESTINATION ${CMAKE_INSTALL_DOCDIR})

find_program(HELP2MAN help2man)
if(HELP2MAN)
  # Compressed, as Debian's man pages are (gzip -n: the same bytes every build).
  add_custom_command(
    OUTPUT ${CMAKE_BINARY_DIR}/secor.1.gz
    COMMAND ${CMAKE_SOURCE_DIR}/cmake/man-page.sh $<TARGET_FILE_DIR:secor> ${CMAKE_BINARY_DIR}/secor.1
    COMMAND gzip -9nf ${CMAKE_BINARY_DIR}/secor.1
    DEPENDS secor ${CMAKE_SOURCE_DIR}/cmake/man-page.sh
    COMMENT "man page secor.1 from the help texts")
  add_custom_target(secor_man ALL DEPENDS ${CMAKE_BINARY_DIR}/secor.1.gz)
  install(FILES ${CMAKE_BINARY_DIR}/secor.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(STATUS "help2man not found: no man page (scripts/setup.sh installs it)")
endif()

set(CPACK_PACKAGE_NAME secor)
set(CPACK_PACKAGE_VERSION 0.1.0)
set(CPACK_PACKAGE_CONTACT "secor developers <secor@example.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "persists Kafka topics to S3 or a filesystem, exactly once")
# The package installs where the build was configured to (scripts/test.sh:
# -DCMAKE_INSTALL_PREFIX=/usr), so the unit names the paths it installs.
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
# The shared libraries the binary links, as dpkg-shlibdeps finds them.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${CMAKE_SOURCE_DIR}/deploy/debian/postinst)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)

# The installed package, checked as a user gets it (scripts/test.sh builds and
# installs it first); ctest label "package".
add_test(NAME PackageInstalled COMMAND ${CMAKE_SOURCE_DIR}/tests/package/installed_test.sh)
set_tests_properties(PackageInstalled PROPERTIES LABELS package)
