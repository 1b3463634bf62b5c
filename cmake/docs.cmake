# The man page (docs/nbconnect.1.scd through scdoc) and the shell completions (printed by the
# program itself from its option definitions), written into the build directory:
#   build/nbconnect.1, build/completions/{bash/nbconnect,zsh/_nbconnect,fish/nbconnect.fish}.

find_program(NBC_SCDOC scdoc)
set(NBC_MAN_PAGE ${PROJECT_BINARY_DIR}/nbconnect.1)
set(NBC_DOC_OUTPUTS)
if(NBC_SCDOC)
  add_custom_command(
    OUTPUT ${NBC_MAN_PAGE}
    COMMAND sh -c "\"$0\" < \"$1\" > \"$2\"" ${NBC_SCDOC}
            ${PROJECT_SOURCE_DIR}/docs/nbconnect.1.scd ${NBC_MAN_PAGE}
    DEPENDS ${PROJECT_SOURCE_DIR}/docs/nbconnect.1.scd
    COMMENT "Generating the man page nbconnect.1 (scdoc)"
    VERBATIM)
  list(APPEND NBC_DOC_OUTPUTS ${NBC_MAN_PAGE})
else()
  message(STATUS "scdoc not found: the man page nbconnect.1 is not built (scripts/deps.sh installs it)")
endif()

set(NBC_COMPLETIONS_DIR ${PROJECT_BINARY_DIR}/completions)
foreach(shell_file IN ITEMS "bash/nbconnect" "zsh/_nbconnect" "fish/nbconnect.fish")
  string(REGEX REPLACE "/.*" "" shell ${shell_file})
  set(out ${NBC_COMPLETIONS_DIR}/${shell_file})
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${NBC_COMPLETIONS_DIR}/${shell}
    COMMAND sh -c "\"$0\" completion \"$1\" > \"$2\"" $<TARGET_FILE:nbconnect_cli> ${shell} ${out}
    DEPENDS nbconnect_cli
    COMMENT "Generating the ${shell} completion"
    VERBATIM)
  list(APPEND NBC_DOC_OUTPUTS ${out})
endforeach()
add_custom_target(nbconnect_docs ALL DEPENDS ${NBC_DOC_OUTPUTS})
