include(CMakePackageConfigHelpers)
install(TARGETS nbconnect EXPORT nbconnect-targets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS nbconnect_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY include/nbconnect DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT nbconnect-targets NAMESPACE nbconnect:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/nbconnect)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/nbconnect-config.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/nbconnect-config.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/nbconnect)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/nbconnect-config-version.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/nbconnect-config.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/nbconnect-config-version.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/nbconnect)
# The .pc file names every library a static link needs (liburing only when built with it).
set(NBC_PC_REQUIRES "fmt libcares libssl libcrypto libpcre2-8")
if(NBC_URING)
  string(APPEND NBC_PC_REQUIRES " liburing")
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/nbconnect.pc.in ${CMAKE_CURRENT_BINARY_DIR}/nbconnect.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/nbconnect.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
# The man page (when scdoc built it) and the completions, where Debian's tools look for them.
if(NBC_SCDOC)
  install(FILES ${NBC_MAN_PAGE} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()
install(FILES ${NBC_COMPLETIONS_DIR}/bash/nbconnect
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
install(FILES ${NBC_COMPLETIONS_DIR}/zsh/_nbconnect
        DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
install(FILES ${NBC_COMPLETIONS_DIR}/fish/nbconnect.fish
        DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)
