# cmake --install: headers, libroformer.so/.a, the roformer binary, the default model, a CMake
# package (find_package(roformer CONFIG) -> roformer::roformer, roformer::roformer_static) and
# roformer.pc.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(ROFORMER_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/roformer)

install(TARGETS roformer_shared roformer_static EXPORT roformerTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS roformer RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES
  ${PROJECT_SOURCE_DIR}/engine/include/roformer/roformer.hpp
  ${PROJECT_SOURCE_DIR}/engine/include/roformer/roformer.h
  ${PROJECT_SOURCE_DIR}/engine/include/roformer/error.hpp
  ${PROJECT_SOURCE_DIR}/engine/include/roformer/export.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/roformer)
# tools/cli_common.cpp looks for these at <bin>/../share/roformer/models/.
install(FILES ${PROJECT_SOURCE_DIR}/models/roformer-chnsenti-small.gguf
  DESTINATION ${CMAKE_INSTALL_DATADIR}/roformer/models)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/models/jieba
  DESTINATION ${CMAKE_INSTALL_DATADIR}/roformer/models)

install(EXPORT roformerTargets NAMESPACE roformer:: DESTINATION ${ROFORMER_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/roformerConfig.cmake.in
  ${PROJECT_BINARY_DIR}/roformerConfig.cmake INSTALL_DESTINATION ${ROFORMER_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/roformerConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/roformerConfig.cmake
  ${PROJECT_BINARY_DIR}/roformerConfigVersion.cmake DESTINATION ${ROFORMER_CMAKE_DIR})

list(TRANSFORM ROFORMER_STATIC_SYSTEM_LIBS PREPEND "-l" OUTPUT_VARIABLE ROFORMER_PC_PRIVATE_LIBS)
list(JOIN ROFORMER_PC_PRIVATE_LIBS " " ROFORMER_PC_PRIVATE_LIBS)
# Relocatable: the prefix is found from where the .pc file lies, so --prefix at install time works.
file(RELATIVE_PATH ROFORMER_PC_TO_PREFIX "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
string(REGEX REPLACE "/$" "" ROFORMER_PC_TO_PREFIX "${ROFORMER_PC_TO_PREFIX}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/roformer.pc.in ${PROJECT_BINARY_DIR}/roformer.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/roformer.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# The version in roformer.h must be the project's.
file(STRINGS ${PROJECT_SOURCE_DIR}/engine/include/roformer/roformer.h roformer_header_version
  REGEX "^#define ROFORMER_VERSION \"")
if(NOT roformer_header_version STREQUAL "#define ROFORMER_VERSION \"${PROJECT_VERSION}\"")
  message(FATAL_ERROR "roformer: roformer.h says '${roformer_header_version}', expected version "
                      "${PROJECT_VERSION} from CMakeLists.txt; update ROFORMER_VERSION*")
endif()
