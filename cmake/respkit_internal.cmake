# Helpers for respkit's own targets (tests, examples, benchmarks, fuzzers).
# Not installed; never applied to the INTERFACE target `respkit`.

# respkit_configure_target(<target>): link respkit, strict C++20, warnings, optional sanitizers.
function(respkit_configure_target target)
    target_link_libraries(${target} PRIVATE respkit::respkit)
    set_target_properties(${target} PROPERTIES CXX_EXTENSIONS OFF)
    if(MSVC)
        target_compile_options(${target} PRIVATE /W4 /permissive- $<$<BOOL:${RESPKIT_WERROR}>:/WX>)
    else()
        target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic
            $<$<BOOL:${RESPKIT_WERROR}>:-Werror>)
    endif()
    if(RESPKIT_SANITIZE)
        if(MSVC)
            target_compile_options(${target} PRIVATE /fsanitize=address)
        else()
            set(flags -fsanitize=address,undefined -fno-omit-frame-pointer
                -fno-sanitize-recover=all)
            target_compile_options(${target} PRIVATE ${flags})
            target_link_options(${target} PRIVATE ${flags})
        endif()
    endif()
endfunction()

# respkit_link_hiredis(<target>): link hiredis found through pkg-config (libhiredis-dev).
function(respkit_link_hiredis target)
    if(NOT TARGET PkgConfig::RESPKIT_HIREDIS)
        find_package(PkgConfig QUIET)
        if(PKG_CONFIG_FOUND)
            pkg_check_modules(RESPKIT_HIREDIS QUIET IMPORTED_TARGET GLOBAL hiredis)
        endif()
        if(NOT TARGET PkgConfig::RESPKIT_HIREDIS)
            message(FATAL_ERROR
                "respkit: target ${target} needs hiredis, found through pkg-config. Install it "
                "(Debian: apt-get install pkg-config libhiredis-dev, or run tools/install-deps), "
                "or turn off what needs it (-DRESPKIT_BUILD_BENCH=OFF / -DRESPKIT_BUILD_TESTS=OFF).")
        endif()
    endif()
    target_link_libraries(${target} PRIVATE PkgConfig::RESPKIT_HIREDIS)
endfunction()

# The test data every test may read: ../shared next to the repository, and the repository.
cmake_path(SET RESPKIT_SHARED_DIR NORMALIZE "${PROJECT_SOURCE_DIR}/../shared")
