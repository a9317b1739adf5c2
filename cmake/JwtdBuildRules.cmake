# Small build rules shared by every target: one library per concern, with a
# namespaced alias, warnings on, and tests registered with CTest.

set(JWTD_WARNING_FLAGS -Wall -Wextra -Wpedantic -Wno-unused-parameter)

# jwtd_cc_library(NAME name SRCS ... [HDRS ...] [DEPS ...])
# Builds static library `jwtd_<name>` with alias `jwtd::<name>`. Include paths
# are relative to the repository root ("server/jose/jws.h").
function(jwtd_cc_library)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;HDRS;DEPS" ${ARGN})
  set(target jwtd_${ARG_NAME})
  add_library(${target} STATIC ${ARG_SRCS} ${ARG_HDRS})
  add_library(jwtd::${ARG_NAME} ALIAS ${target})
  target_include_directories(${target} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>
    $<INSTALL_INTERFACE:include>)
  target_compile_options(${target} PRIVATE ${JWTD_WARNING_FLAGS})
  target_link_libraries(${target} PUBLIC ${ARG_DEPS})
endfunction()

# jwtd_cc_test(NAME name SRCS ... [DEPS ...] [LABELS ...])
# Builds a GoogleTest binary `name` and registers it with CTest. Tests see
# JWTD_BIN_DIR (the build's bin/) and JWTD_SOURCE_DIR; test vectors are read
# from ${JWTD_SHARED_DIR:-$JWTD_SOURCE_DIR/../shared}/testdata.
function(jwtd_cc_test)
  cmake_parse_arguments(ARG "" "NAME;TIMEOUT" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_compile_options(${ARG_NAME} PRIVATE ${JWTD_WARNING_FLAGS})
  target_include_directories(${ARG_NAME} PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest_main)
  add_test(NAME ${ARG_NAME} COMMAND ${ARG_NAME})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  set_tests_properties(${ARG_NAME} PROPERTIES
    TIMEOUT ${ARG_TIMEOUT}
    LABELS "${ARG_LABELS}"
    ENVIRONMENT "JWTD_BIN_DIR=${CMAKE_RUNTIME_OUTPUT_DIRECTORY};JWTD_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
endfunction()
