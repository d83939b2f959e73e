#pragma once

// Prototype: std::function without the rest of <functional> (its algorithms' searchers, bind,
// mem_fn, <tuple>, <unordered_map> in C++17 and later): libstdc++ defines it in
// <bits/std_function.h>, which <functional> includes; other libraries get <functional>.
// The same shape as respkit/detail/chrono.hpp.

#include <version> // __GLIBCXX__ for libstdc++
#if defined(__GLIBCXX__) && __has_include(<bits/std_function.h>)
#include <bits/std_function.h>
#else
#include <functional>
#endif
