# One version for every program (docs/operations.md, "Versions"): the project version, plus
# `git describe` when built from a git checkout. The header is regenerated at every build (a
# commit needs no re-configure) but rewritten only when the text changes, so nothing rebuilds
# needlessly.
set(QW_BUILD_H ${CMAKE_BINARY_DIR}/generated/qw_build.h)
add_custom_target(qw_build_h
  COMMAND ${CMAKE_COMMAND} -DOUT=${QW_BUILD_H} -DSRC=${CMAKE_SOURCE_DIR}
    -DVERSION=${PROJECT_VERSION} -P ${CMAKE_SOURCE_DIR}/cmake/version_gen.cmake
  BYPRODUCTS ${QW_BUILD_H}
  COMMENT "version header")
