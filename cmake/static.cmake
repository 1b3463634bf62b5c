# build/nbconnect-static (`make static`, option NBC_STATIC): the program linked statically
# (glibc, libstdc++, c-ares, liburing, {fmt}, and OpenSSL when the library links it), for a
# `FROM scratch` image (Containerfile). It reuses the object files of the normal program and the
# static libraries of the project: only this link (and {fmt}'s one source file) is extra.
#
# No name service switch is needed: host names are resolved by c-ares, which reads
# /etc/resolv.conf and /etc/hosts itself, and nbconnect calls none of glibc's NSS functions
# (getaddrinfo, getservbyname, getpwnam...). The link would warn if one were pulled in.

find_library(NBC_CARES_STATIC NAMES libcares.a libcares_static.a)
if(NOT NBC_CARES_STATIC)
  message(STATUS "NBC_STATIC: libcares.a not found: build/nbconnect-static is not built")
  set(NBC_STATIC OFF)
  return()
endif()
set(NBC_STATIC_LIBS ${NBC_CARES_STATIC})
if(NBC_URING)
  find_library(NBC_URING_STATIC NAMES liburing.a)
  if(NOT NBC_URING_STATIC)
    message(STATUS "NBC_STATIC: liburing.a not found: build/nbconnect-static is not built")
    set(NBC_STATIC OFF)
    return()
  endif()
  list(APPEND NBC_STATIC_LIBS ${NBC_URING_STATIC})
endif()
# OpenSSL, when the library uses it (the TLS checks): its archives, libssl before libcrypto.
get_target_property(NBC_LIB_LINKS nbconnect LINK_LIBRARIES)
if(NBC_LIB_LINKS MATCHES "OpenSSL::")
  find_library(NBC_SSL_STATIC NAMES libssl.a)
  find_library(NBC_CRYPTO_STATIC NAMES libcrypto.a)
  if(NOT NBC_SSL_STATIC OR NOT NBC_CRYPTO_STATIC)
    message(STATUS "NBC_STATIC: libssl.a/libcrypto.a not found: build/nbconnect-static is not built")
    set(NBC_STATIC OFF)
    return()
  endif()
  list(APPEND NBC_STATIC_LIBS ${NBC_SSL_STATIC} ${NBC_CRYPTO_STATIC})
endif()

add_library(nbconnect_fmt_static OBJECT ${CMAKE_CURRENT_LIST_DIR}/static/fmt_library.cpp)
target_include_directories(nbconnect_fmt_static PRIVATE
                           $<TARGET_PROPERTY:fmt::fmt,INTERFACE_INCLUDE_DIRECTORIES>)

# The archives by path, not the targets: a target would bring its shared link interface along
# (libfmt.so), which a static link refuses.
add_executable(nbconnect_static $<TARGET_OBJECTS:nbconnect_cli> $<TARGET_OBJECTS:nbconnect_fmt_static>)
add_dependencies(nbconnect_static nbconnect_cli nbconnect nbconnect_lab nbconnect_sandbox)
set_target_properties(nbconnect_static PROPERTIES OUTPUT_NAME nbconnect-static LINKER_LANGUAGE CXX)
# Symbols stay (for backtraces), the debug sections go: 5 MB instead of 70 MB in the image.
target_link_options(nbconnect_static PRIVATE -static LINKER:--strip-debug)
target_link_libraries(nbconnect_static PRIVATE
  $<TARGET_FILE:nbconnect_lab> $<TARGET_FILE:nbconnect_sandbox> $<TARGET_FILE:nbconnect>
  ${NBC_STATIC_LIBS} Threads::Threads)
