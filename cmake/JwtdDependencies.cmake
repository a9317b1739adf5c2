# Every external dependency is a Debian 12 package (deps/debian-packages.txt),
# found here once. Nothing is vendored or downloaded at build time.

find_package(Threads REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(absl CONFIG REQUIRED)
# Debian's libprotobuf-dev ships no CMake config: use CMake's FindProtobuf.
find_package(Protobuf REQUIRED)
find_package(gRPC CONFIG REQUIRED)
find_package(simdjson CONFIG REQUIRED)
# Remote JWKS fetching (libcurl, CMake's FindCURL) and embedded HTTP (civetweb).
find_package(CURL REQUIRED)
find_package(civetweb CONFIG REQUIRED)
find_package(yaml-cpp CONFIG REQUIRED)
# Metrics: the registry and text serializer (prometheus-cpp::core); /metrics
# is served by jwtd's own civetweb listener, not prometheus-cpp's exposer.
find_package(prometheus-cpp CONFIG REQUIRED)
# Shared revocation list: hiredis through pkg-config (Debian's
# HiredisConfig.cmake is broken), giving PkgConfig::hiredis.
find_package(PkgConfig REQUIRED)
pkg_check_modules(hiredis REQUIRED IMPORTED_TARGET hiredis)
# The embedded revocation store (CMake's FindSQLite3: SQLite::SQLite3).
find_package(SQLite3 REQUIRED)

if(JWTD_BUILD_TESTS)
  find_package(GTest CONFIG REQUIRED)
endif()
if(JWTD_BUILD_BENCHMARKS)
  find_package(benchmark CONFIG REQUIRED)
endif()
