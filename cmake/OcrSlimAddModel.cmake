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
#
# ocrslim_add_pipeline(<name> DET <file> [CLS <file>] REC <file> DICT <file>
#                      [CONFIG <yaml>] [NO_SPACE_CHAR] [TARGET <triple>] [CPU <cpu>])
#
# The same for an OCR system: PaddleOCR's detector, optional direction
# classifier and recognizer with its dictionary in one library
# lib<name>.so, image in, lines of text out (<name>_ocr in <name>.h).
include_guard(GLOBAL)

# The rule running ocrslimc with the caller's cmd (its model arguments and
# flags; the caller's deps are its input files) into lib and its header in
# dir, with a depfile; the imported library target <name> built by the
# custom target <name>_ocrslim; and its pkg-config file.
function(_ocrslim_library name kind lib dir what extra_libs comment)
  set(depfile "${dir}/${name}.d")
  add_custom_command(
    OUTPUT "${lib}" "${dir}/${name}.h"
    COMMAND "$<TARGET_FILE:OcrSlim::ocrslimc>" ${cmd} -o "${lib}" --name "${name}" --depfile "${depfile}"
    DEPENDS ${deps} "$<TARGET_FILE:OcrSlim::ocrslimc>"
    DEPFILE "${depfile}"
    COMMENT "${comment}"
    VERBATIM)
  add_custom_target(${name}_ocrslim DEPENDS "${lib}" "${dir}/${name}.h")
  add_library(${name} ${kind} IMPORTED GLOBAL)
  set_target_properties(${name} PROPERTIES
    IMPORTED_LOCATION "${lib}"
    INTERFACE_INCLUDE_DIRECTORIES "${dir}")
  if(kind STREQUAL "STATIC")
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
Description: @what@ compiled by ocrslim
Version: @OcrSlim_VERSION@
Cflags: -I${includedir}
Libs: -L${libdir} -l@name@@extra_libs@
]])
endfunction()

# Checks name and makes its output folder (it exists at configure time: an
# imported target's include directory must); sets dir in the caller.
macro(_ocrslim_prepare fn name)
  if(NOT ${name} MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
    message(FATAL_ERROR "${fn}(${name}): the name is the symbol prefix and must be a C identifier")
  endif()
  set(dir "${CMAKE_CURRENT_BINARY_DIR}/ocrslim/${name}")
  file(MAKE_DIRECTORY "${dir}")
endmacro()

# Appends --config, --target and --cpu to cmd (and the config to deps) from
# the parsed arguments arg_CONFIG, arg_TARGET, arg_CPU.
macro(_ocrslim_common_flags)
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
endmacro()

function(ocrslim_add_model name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "STATIC" "MODEL;CONFIG;TARGET;CPU" "")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "ocrslim_add_model(${name}): unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  _ocrslim_prepare(ocrslim_add_model ${name})
  if(NOT arg_MODEL)
    message(FATAL_ERROR "ocrslim_add_model(${name}): MODEL <file.onnx> is required")
  endif()

  get_filename_component(model "${arg_MODEL}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  get_filename_component(model_file "${model}" NAME)
  if(arg_STATIC)
    set(lib "${dir}/lib${name}.a")
    set(kind STATIC)
    set(extra_libs " -lm -lpthread")
  else()
    set(lib "${dir}/lib${name}.so")
    set(kind SHARED)
    set(extra_libs "")
  endif()
  set(cmd "${model}")
  set(deps "${model}")
  _ocrslim_common_flags()
  _ocrslim_library(${name} ${kind} "${lib}" "${dir}" "${model_file}" "${extra_libs}"
                   "ocrslimc: compiling model ${name} from ${model_file}")
endfunction()

function(ocrslim_add_pipeline name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "NO_SPACE_CHAR" "DET;CLS;REC;DICT;CONFIG;TARGET;CPU" "")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "ocrslim_add_pipeline(${name}): unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  _ocrslim_prepare(ocrslim_add_pipeline ${name})
  set(lib "${dir}/lib${name}.so")
  set(cmd "")
  set(deps "")
  foreach(part DET CLS REC DICT)
    if(arg_${part})
      get_filename_component(file "${arg_${part}}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
      string(TOLOWER ${part} flag)
      list(APPEND cmd --${flag} "${file}")
      list(APPEND deps "${file}")
    elseif(NOT part STREQUAL "CLS" AND NOT arg_CONFIG)
      message(FATAL_ERROR "ocrslim_add_pipeline(${name}): ${part} <file> is required (or a CONFIG naming it)")
    endif()
  endforeach()
  if(arg_NO_SPACE_CHAR)
    list(APPEND cmd --no-space-char)
  endif()
  _ocrslim_common_flags()
  _ocrslim_library(${name} SHARED "${lib}" "${dir}" "OCR system" "" "ocrslimc: compiling the OCR system ${name}")
endfunction()
