# The layering rule, in one place: a pure target gets lib/base/pure.h force-included, so any
# I/O header it includes (librdkafka, hiredis, libcurl, libmicrohttpd, quotawatch's lib/io
# headers) fails to compile; and it may link only pure libraries (checked at generate time).
set(QW_PURE_HEADER ${CMAKE_SOURCE_DIR}/lib/base/pure.h)
set_property(GLOBAL PROPERTY QW_PURE_TARGETS "")

function(qw_pure target)
  target_compile_options(${target} PRIVATE -include ${QW_PURE_HEADER})
  set_property(GLOBAL APPEND PROPERTY QW_PURE_TARGETS ${target})
endfunction()

# Called once everything is defined: a pure target linking an I/O library is a build error.
function(qw_check_layers)
  get_property(pure GLOBAL PROPERTY QW_PURE_TARGETS)
  set(io_libs qw_io PkgConfig::RDKAFKA PkgConfig::HIREDIS PkgConfig::CURL PkgConfig::MHD)
  foreach(t ${pure})
    get_target_property(libs ${t} LINK_LIBRARIES)
    get_target_property(ilibs ${t} INTERFACE_LINK_LIBRARIES)
    foreach(l ${libs} ${ilibs})
      if(l IN_LIST io_libs)
        message(FATAL_ERROR "layering: pure target ${t} links the I/O library ${l}")
      endif()
      if(TARGET ${l} AND NOT l IN_LIST pure AND l MATCHES "^qw_" AND NOT l STREQUAL "qw_proto")
        message(FATAL_ERROR "layering: pure target ${t} links ${l}, which is not pure")
      endif()
    endforeach()
  endforeach()
endfunction()
