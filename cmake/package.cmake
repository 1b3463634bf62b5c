# The Debian package (`make package`, i.e. CPack's DEB generator): the program, its man page
# (gzipped), the shell completions where Debian's shells look for them, and the copyright and
# changelog.Debian.gz files lintian asks for. The library and headers are not in it (they are in
# `make install`). Depends is computed by dpkg-shlibdeps from the binary, not written here.

set(NBC_DEB_RELEASE 1)
set(NBC_DEB_VERSION ${PROJECT_VERSION}-${NBC_DEB_RELEASE})
set(NBC_DEB_MAINTAINER "nbconnect maintainers <maintainers@nbconnect.example.org>"
    CACHE STRING "Maintainer field of the .deb (name <address>)")
set(NBC_DEB_DIR ${PROJECT_BINARY_DIR}/debian)

# Files only the package has: gzip -n keeps them byte-identical from build to build.
configure_file(${CMAKE_CURRENT_LIST_DIR}/debian/changelog.in ${NBC_DEB_DIR}/changelog.Debian @ONLY)
set(NBC_DEB_FILES ${NBC_DEB_DIR}/changelog.Debian.gz)
add_custom_command(
  OUTPUT ${NBC_DEB_DIR}/changelog.Debian.gz
  COMMAND gzip -9nf -k ${NBC_DEB_DIR}/changelog.Debian
  DEPENDS ${NBC_DEB_DIR}/changelog.Debian
  VERBATIM)
if(NBC_SCDOC)
  add_custom_command(
    OUTPUT ${NBC_DEB_DIR}/nbconnect.1.gz
    COMMAND sh -c "gzip -9n < \"$0\" > \"$1\"" ${NBC_MAN_PAGE} ${NBC_DEB_DIR}/nbconnect.1.gz
    DEPENDS ${NBC_MAN_PAGE}
    VERBATIM)
  list(APPEND NBC_DEB_FILES ${NBC_DEB_DIR}/nbconnect.1.gz)
  install(FILES ${NBC_DEB_DIR}/nbconnect.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1
          COMPONENT debian EXCLUDE_FROM_ALL)
endif()
add_custom_target(nbconnect_deb_files ALL DEPENDS ${NBC_DEB_FILES})
# EXCLUDE_FROM_ALL: `make install` leaves these out; only the package's component install has them.
install(FILES ${CMAKE_CURRENT_LIST_DIR}/debian/copyright ${NBC_DEB_DIR}/changelog.Debian.gz
        DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT debian EXCLUDE_FROM_ALL)

# cpack (and `make package` in the build directory) packs what is built, without building it
# first: the top Makefile's `package` builds before, and the package test must not build.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME nbconnect)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${NBC_DEB_MAINTAINER}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
# One package from two components: the program's files and the Debian ones above.
set(CPACK_COMPONENTS_ALL runtime debian)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_NAME nbconnect)
set(CPACK_DEBIAN_PACKAGE_RELEASE ${NBC_DEB_RELEASE})
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The synopsis, then the extended description: CPack indents each line and writes an empty line
# as " .".
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "non-blocking TCP connect checker and port scanner
Checks whether TCP ports accept connections, one at a time or as a port scan
of many hosts, with non-blocking connects done right: the outcome of every
connect is read from the kernel (SO_ERROR), classified as open, closed or
filtered with its reason, and shown as text, JSON or nmap-style XML.

Subcommands: check (one connect, with Happy Eyeballs for names), scan,
ping (connect latency), wait (hold a script until services accept
connections), merge (join sharded scans) and lab (the kernel's behaviour).")
include(CPack)
