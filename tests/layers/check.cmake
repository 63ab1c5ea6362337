# ctest layers_enforced: compile each probe with a pure target's flags. probe_pure_ok.c must
# compile; every other probe includes an I/O header and must fail. Then configure a project in
# which a pure target links qw_io: qw_check_layers() must stop it.
#   cmake -DCC=... -DSRC=<source root> -DPROTO=<generated proto dir> -DWORK=<dir> -P check.cmake
file(GLOB probes ${SRC}/tests/layers/probe_*.c)
set(failed "")
foreach(p ${probes})
  get_filename_component(n ${p} NAME_WE)
  execute_process(COMMAND ${CC} -std=c11 -fsyntax-only -include ${SRC}/lib/base/pure.h
    -I${SRC}/include -I${PROTO} -I/usr/include/hiredis ${p}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(n STREQUAL "probe_pure_ok")
    if(NOT rc EQUAL 0)
      list(APPEND failed "${n} should compile in a pure target:\n${err}")
    endif()
  elseif(rc EQUAL 0)
    list(APPEND failed "${n} compiled in a pure target: the I/O header was not refused")
  else()
    string(REGEX MATCH "[^\n]*(poison|I/O header)[^\n]*" why "${err}")
    message(STATUS "${n}: refused: ${why}")
  endif()
endforeach()

file(REMOVE_RECURSE ${WORK})
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SRC}/tests/layers/link -B ${WORK}
  -DQW_SRC=${SRC} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  list(APPEND failed "a pure target linking qw_io configured without error")
elseif(NOT err MATCHES "layering: pure target qw_fake_core links the I/O library qw_io")
  list(APPEND failed "configure failed, but not on the layering rule:\n${err}")
else()
  message(STATUS "link rule: refused a pure target linking qw_io")
endif()

if(failed)
  string(REPLACE ";" "\n" msg "${failed}")
  message(FATAL_ERROR "${msg}")
endif()
