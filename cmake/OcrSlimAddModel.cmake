# ocrslim_add_model(<name> MODEL <file> [CONFIG <yaml>] [TARGET <triple>]
#                   [CPU <cpu>] [STATIC])
#
# Compiles MODEL with ocrslimc at build time into
# ${CMAKE_CURRENT_BINARY_DIR}/ocrslim/<name>/: lib<name>.so (lib<name>.a with
# STATIC), <name>.h and <name>.pc (pkg-config). Makes the library target
# <name>, whose include path carries <name>.h; every symbol is prefixed with
# <name>, so several models link into one program.
#
# The library is rebuilt when the model, its external data, the config, the
# runtime sources or ocrslimc change (ocrslimc --depfile). Without TARGET and
# CPU the code is tuned for the building machine's CPU; give CPU (or TARGET,
# e.g. aarch64-linux-gnu, built with the aarch64-linux-gnu-gcc toolchain) for
# a library that runs elsewhere.
include_guard(GLOBAL)

function(ocrslim_add_model name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "STATIC" "MODEL;CONFIG;TARGET;CPU" "")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "ocrslim_add_model(${name}): unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT name MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
    message(FATAL_ERROR "ocrslim_add_model(${name}): the name is the symbol prefix and must be a C identifier")
  endif()
  if(NOT arg_MODEL)
    message(FATAL_ERROR "ocrslim_add_model(${name}): MODEL <file.onnx> is required")
  endif()

  get_filename_component(model "${arg_MODEL}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  get_filename_component(model_file "${model}" NAME)
  set(dir "${CMAKE_CURRENT_BINARY_DIR}/ocrslim/${name}")
  if(arg_STATIC)
    set(lib "${dir}/lib${name}.a")
    set(kind STATIC)
    set(extra_libs " -lm -lpthread")
  else()
    set(lib "${dir}/lib${name}.so")
    set(kind SHARED)
    set(extra_libs "")
  endif()
  set(depfile "${dir}/${name}.d")
  set(cmd "$<TARGET_FILE:OcrSlim::ocrslimc>" "${model}" -o "${lib}" --name "${name}" --depfile "${depfile}")
  set(deps "${model}")
  if(arg_CONFIG)
    get_filename_component(config "${arg_CONFIG}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    list(APPEND cmd --config "${config}")
    list(APPEND deps "${config}")
  endif()
  if(arg_TARGET)
    list(APPEND cmd --target "${arg_TARGET}")
  endif()
  if(arg_CPU)
    list(APPEND cmd --cpu "${arg_CPU}")
  endif()

  # The folder exists at configure time: an imported target's include
  # directory must.
  file(MAKE_DIRECTORY "${dir}")
  add_custom_command(
    OUTPUT "${lib}" "${dir}/${name}.h"
    COMMAND ${cmd}
    DEPENDS ${deps} "$<TARGET_FILE:OcrSlim::ocrslimc>"
    DEPFILE "${depfile}"
    COMMENT "ocrslimc: compiling model ${name} from ${model_file}"
    VERBATIM)
  add_custom_target(${name}_ocrslim DEPENDS "${lib}" "${dir}/${name}.h")

  add_library(${name} ${kind} IMPORTED GLOBAL)
  set_target_properties(${name} PROPERTIES
    IMPORTED_LOCATION "${lib}"
    INTERFACE_INCLUDE_DIRECTORIES "${dir}")
  if(arg_STATIC)
    set_target_properties(${name} PROPERTIES INTERFACE_LINK_LIBRARIES "m;pthread")
  else()
    set_target_properties(${name} PROPERTIES IMPORTED_SONAME "lib${name}.so")
  endif()
  add_dependencies(${name} ${name}_ocrslim)

  file(CONFIGURE OUTPUT "${dir}/${name}.pc" @ONLY CONTENT [[
prefix=@dir@
libdir=${prefix}
includedir=${prefix}

Name: @name@
Description: @model_file@ compiled by ocrslim
Version: @OcrSlim_VERSION@
Cflags: -I${includedir}
Libs: -L${libdir} -l@name@@extra_libs@
]])
endfunction()
