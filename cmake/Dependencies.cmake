# Every dependency is a Debian package found by name; a missing one stops here naming the package.

function(roformer_require found package what)
  if(NOT ${found})
    message(FATAL_ERROR "roformer: ${what} not found. Install it with: apt-get install ${package}")
  endif()
endfunction()

find_package(PkgConfig QUIET)
roformer_require(PKG_CONFIG_FOUND pkg-config "pkg-config")

pkg_check_modules(OPENBLAS QUIET IMPORTED_TARGET openblas)
roformer_require(OPENBLAS_FOUND libopenblas-dev "OpenBLAS (openblas.pc)")

find_package(OpenMP QUIET)
roformer_require(OpenMP_CXX_FOUND "g++ (libgomp) or libomp-dev" "OpenMP")

find_package(CLI11 CONFIG QUIET)
roformer_require(CLI11_FOUND libcli11-dev "CLI11")

find_package(nlohmann_json CONFIG QUIET)
roformer_require(nlohmann_json_FOUND nlohmann-json3-dev "nlohmann-json")

pkg_check_modules(UTF8PROC QUIET IMPORTED_TARGET libutf8proc)
roformer_require(UTF8PROC_FOUND libutf8proc-dev "utf8proc")

pkg_check_modules(LIBZIP QUIET IMPORTED_TARGET libzip)
roformer_require(LIBZIP_FOUND libzip-dev "libzip")

if(ROFORMER_BUILD_TESTS)
  find_package(GTest CONFIG QUIET)
  if(NOT GTest_FOUND)
    find_package(GTest QUIET)
  endif()
  roformer_require(GTest_FOUND libgtest-dev "GoogleTest")
endif()

if(ROFORMER_BUILD_BENCHMARKS)
  find_package(benchmark CONFIG QUIET)
  roformer_require(benchmark_FOUND libbenchmark-dev "Google Benchmark")
endif()
