# `make install` (cmake --install): what goes where, in components.
include(CMakePackageConfigHelpers)
# Components: `runtime` (the program and its completions), `manpage`, `development` (library,
# headers, CMake and pkg-config files); `make install` installs them all. The .deb
# (cmake/package.cmake) takes `runtime` and its own `debian` files.
install(TARGETS nbconnect EXPORT nbconnect-targets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT development
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT development)
install(TARGETS nbconnect_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
install(DIRECTORY include/nbconnect DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT development)
install(EXPORT nbconnect-targets NAMESPACE nbconnect:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/nbconnect
  COMPONENT development)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/nbconnect-config.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/nbconnect-config.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/nbconnect)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/nbconnect-config-version.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/nbconnect-config.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/nbconnect-config-version.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/nbconnect COMPONENT development)
# The .pc file names every library a static link needs (liburing only when built with it).
set(NBC_PC_REQUIRES "fmt libcares")
if(NBC_URING)
  string(APPEND NBC_PC_REQUIRES " liburing")
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/nbconnect.pc.in ${CMAKE_CURRENT_BINARY_DIR}/nbconnect.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/nbconnect.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT development)
# The man page (when scdoc built it) and the completions, where Debian's tools look for them.
if(NBC_SCDOC)
  install(FILES ${NBC_MAN_PAGE} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT manpage)
endif()
install(FILES ${NBC_COMPLETIONS_DIR}/bash/nbconnect
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions COMPONENT runtime)
install(FILES ${NBC_COMPLETIONS_DIR}/zsh/_nbconnect
        DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions COMPONENT runtime)
install(FILES ${NBC_COMPLETIONS_DIR}/fish/nbconnect.fish
        DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d COMPONENT runtime)
# `make package`: the .deb.
include(${CMAKE_CURRENT_LIST_DIR}/package.cmake)
