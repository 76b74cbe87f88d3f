# Golden IR test: the IR dump after pass PASS on the model that mkmodel's
# RECIPE builds must equal EXPECTED. With -DUPDATE=1 the expected file is
# rewritten instead (review the diff before committing it).
# -DOCRSLIMC= -DMKMODEL= -DRECIPE= -DPASS= -DEXPECTED= -DWORKDIR= [-DUPDATE=1]
file(REMOVE_RECURSE "${WORKDIR}")
file(MAKE_DIRECTORY "${WORKDIR}")
set(model "${WORKDIR}/${RECIPE}.onnx")
execute_process(COMMAND "${MKMODEL}" "${RECIPE}" "${model}" RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "mkmodel ${RECIPE} failed: ${err}")
endif()
execute_process(COMMAND "${OCRSLIMC}" "${model}" --emit=ir -o "${WORKDIR}/final.ir" --dump-after=${PASS} --verify-each
                RESULT_VARIABLE rc ERROR_FILE "${WORKDIR}/actual.ir")
if(NOT rc EQUAL 0)
  file(READ "${WORKDIR}/actual.ir" err)
  message(FATAL_ERROR "ocrslimc failed: ${err}")
endif()
if(UPDATE)
  configure_file("${WORKDIR}/actual.ir" "${EXPECTED}" COPYONLY)
  return()
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files "${WORKDIR}/actual.ir" "${EXPECTED}" RESULT_VARIABLE diff)
if(NOT diff EQUAL 0)
  execute_process(COMMAND diff -u "${EXPECTED}" "${WORKDIR}/actual.ir")
  message(FATAL_ERROR "IR after ${PASS} differs from ${EXPECTED}")
endif()
