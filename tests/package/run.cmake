# Installs the build into a scratch prefix, then configures, builds and runs the consumer.
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(rc)
  message(FATAL_ERROR "install failed: ${rc}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/build
                -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "find_package(nbconnect) failed: ${rc}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/build RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "consumer build failed: ${rc}")
endif()
execute_process(COMMAND ${WORK_DIR}/build/consumer RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(rc OR NOT out MATCHES "consumer ok")
  message(FATAL_ERROR "consumer failed: ${rc} ${out}")
endif()
# The pkg-config file describes the library too.
execute_process(COMMAND ${CMAKE_COMMAND} -E env PKG_CONFIG_PATH=${WORK_DIR}/prefix/lib/pkgconfig
                pkg-config --cflags --libs nbconnect RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(rc OR NOT out MATCHES "-lnbconnect")
  message(FATAL_ERROR "pkg-config does not describe nbconnect: ${rc} ${out}")
endif()
# A static link needs every library the archive uses: the .pc file must name them.
execute_process(COMMAND ${CMAKE_COMMAND} -E env PKG_CONFIG_PATH=${WORK_DIR}/prefix/lib/pkgconfig
                pkg-config --static --libs nbconnect RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(rc OR NOT out MATCHES "-lcares" OR NOT out MATCHES "-lfmt"
   OR (URING AND NOT out MATCHES "-luring"))
  message(FATAL_ERROR "pkg-config --static misses a library: ${rc} ${out}")
endif()
# The man page and the completions are where Debian's man, bash-completion, zsh and fish look.
set(NBC_INSTALLED_DOCS share/bash-completion/completions/nbconnect
    share/zsh/vendor-completions/_nbconnect share/fish/vendor_completions.d/nbconnect.fish)
if(MAN_PAGE)
  list(APPEND NBC_INSTALLED_DOCS share/man/man1/nbconnect.1)
endif()
foreach(file IN LISTS NBC_INSTALLED_DOCS)
  if(NOT EXISTS ${WORK_DIR}/prefix/${file})
    message(FATAL_ERROR "not installed: ${file}")
  endif()
endforeach()
