# libroformer.so exports the API and nothing of the engine: every exported symbol that names
# roformer:: names only roformer::api:: or roformer::Error(Code).
#   cmake -DLIBRARY=<libroformer.so> -P exported_symbols.cmake
execute_process(COMMAND nm -D --defined-only -C ${LIBRARY}
  OUTPUT_VARIABLE symbols RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "nm -D ${LIBRARY} failed (${status})")
endif()
string(REPLACE ";" "," symbols "${symbols}")
string(REPLACE "\n" ";" symbols "${symbols}")
set(api 0)
foreach(symbol IN LISTS symbols)
  string(REGEX REPLACE "roformer::(api::|Error)" "" rest "${symbol}")
  if(rest MATCHES "roformer::")
    message(FATAL_ERROR "${LIBRARY} exports an internal symbol: ${symbol}")
  endif()
  if(symbol MATCHES " roformer_[a-z_]+$|roformer::api::Session::classify")
    math(EXPR api "${api} + 1")
  endif()
endforeach()
if(api LESS 10)
  message(FATAL_ERROR "${LIBRARY} exports ${api} API symbols, expected the roformer_* functions "
                      "and the C++ API")
endif()
