# build/nbconnect-static (`make static`, option NBC_STATIC): the program linked statically
# (glibc, libstdc++, c-ares, liburing, {fmt}, and OpenSSL when the library links it), for a
# `FROM scratch` image (Containerfile). It reuses the object files of the normal program and the
# static libraries of the project: only this link (and {fmt}'s one source file) is extra.
#
# No name service switch is needed: host names (targets and proxies alike) are resolved by
# c-ares, which reads /etc/resolv.conf and /etc/hosts itself, and nbconnect's own code calls none
# of glibc's NSS functions. The link still warns about five of them, each referenced only from a
# code path nbconnect does not take (measured with -Wl,--trace-symbol): getservbyname and
# getservbyport_r from c-ares (service names; nbconnect passes numeric ports), getaddrinfo,
# gethostbyname and dlopen from libcrypto's BIO sockets and engine loader (nbconnect hands OpenSSL
# a connected descriptor and loads no engine).

# Each library the program's targets link, as its static archive: a pkg-config module
# (PkgConfig::X) by the archives of its --static libraries, OpenSSL by libssl.a and libcrypto.a,
# {fmt} by the object below, and the project's own libraries by their archives (after this loop).
# A library without an archive leaves build/nbconnect-static out, with the reason.
set(NBC_STATIC_LIBS)
set(NBC_STATIC_MISSING)
set(NBC_STATIC_LINKS)
foreach(target IN ITEMS nbconnect nbconnect_lab nbconnect_cli_parts nbconnect_cli)
  get_target_property(links ${target} LINK_LIBRARIES)
  list(APPEND NBC_STATIC_LINKS ${links})
endforeach()
list(REMOVE_DUPLICATES NBC_STATIC_LINKS)
foreach(link IN LISTS NBC_STATIC_LINKS)
  if(link MATCHES "^PkgConfig::(.+)$")
    set(module ${CMAKE_MATCH_1})
    foreach(name IN LISTS ${module}_STATIC_LIBRARIES)
      if(name MATCHES "^(c|m|dl|rt|pthread)$")
        list(APPEND NBC_STATIC_LIBS -l${name})
        continue()
      endif()
      find_library(NBC_STATIC_LIB_${name} NAMES lib${name}.a HINTS ${${module}_STATIC_LIBRARY_DIRS})
      if(NBC_STATIC_LIB_${name})
        list(APPEND NBC_STATIC_LIBS ${NBC_STATIC_LIB_${name}})
      else()
        list(APPEND NBC_STATIC_MISSING lib${name}.a)
      endif()
    endforeach()
  elseif(link MATCHES "^OpenSSL::")
    find_library(NBC_SSL_STATIC NAMES libssl.a)
    find_library(NBC_CRYPTO_STATIC NAMES libcrypto.a)
    if(NBC_SSL_STATIC AND NBC_CRYPTO_STATIC)
      list(APPEND NBC_STATIC_LIBS ${NBC_SSL_STATIC} ${NBC_CRYPTO_STATIC})  # libssl needs libcrypto
    else()
      list(APPEND NBC_STATIC_MISSING libssl.a libcrypto.a)
    endif()
  elseif(link MATCHES "^(fmt::fmt|nbconnect|nbconnect_lab|nbconnect_sandbox|nbconnect_cli_parts)$")
    # {fmt}: fmt_library.cpp; the project's libraries: their archives, below.
  else()
    list(APPEND NBC_STATIC_LIBS ${link})  # header-only or interface targets (CLI11, Threads...)
  endif()
endforeach()
list(REMOVE_DUPLICATES NBC_STATIC_LIBS)
if(NBC_STATIC_MISSING)
  list(REMOVE_DUPLICATES NBC_STATIC_MISSING)
  message(STATUS "NBC_STATIC: no ${NBC_STATIC_MISSING}: build/nbconnect-static is not built")
  set(NBC_STATIC OFF)
  return()
endif()

add_library(nbconnect_fmt_static OBJECT ${CMAKE_CURRENT_LIST_DIR}/static/fmt_library.cpp)
target_include_directories(nbconnect_fmt_static PRIVATE
                           $<TARGET_PROPERTY:fmt::fmt,INTERFACE_INCLUDE_DIRECTORIES>)

# The archives by path, not the targets: a target would bring its shared link interface along
# (libfmt.so), which a static link refuses.
add_executable(nbconnect_static $<TARGET_OBJECTS:nbconnect_cli> $<TARGET_OBJECTS:nbconnect_fmt_static>)
add_dependencies(nbconnect_static nbconnect_cli nbconnect_cli_parts nbconnect nbconnect_lab
                 nbconnect_sandbox)
set_target_properties(nbconnect_static PROPERTIES OUTPUT_NAME nbconnect-static LINKER_LANGUAGE CXX)
# Symbols stay (for backtraces), the debug sections go: 5 MB instead of 70 MB in the image.
target_link_options(nbconnect_static PRIVATE -static LINKER:--strip-debug)
target_link_libraries(nbconnect_static PRIVATE
  $<TARGET_FILE:nbconnect_cli_parts> $<TARGET_FILE:nbconnect_lab> $<TARGET_FILE:nbconnect_sandbox>
  $<TARGET_FILE:nbconnect>
  ${NBC_STATIC_LIBS})
