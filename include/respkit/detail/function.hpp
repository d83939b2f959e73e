#pragma once

/// \file
/// std::function without the rest of `<functional>` (its searchers, bind, mem_fn, `<tuple>`,
/// `<unordered_map>`): libstdc++ defines it in `<bits/std_function.h>`, which `<functional>`
/// includes; other standard libraries get `<functional>` (the shape of detail/chrono.hpp;
/// docs/headers.md).

#include <version> // __GLIBCXX__ for libstdc++
#if defined(__GLIBCXX__) && __has_include(<bits/std_function.h>)
#include <bits/std_function.h>
#else
#include <functional>
#endif
