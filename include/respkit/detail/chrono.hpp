#pragma once

/// \file
/// std::chrono's durations, time points and clocks, without the calendar, time zones and
/// formatting that C++20's <chrono> adds (and the iostreams those bring): libstdc++ keeps the
/// former in <bits/chrono.h>, which its own <thread> and <mutex> include. Other standard
/// libraries get <chrono>. See docs/headers.md.

#include <version> // which standard library: <version> defines __GLIBCXX__ for libstdc++

#if defined(__GLIBCXX__) && __has_include(<bits/chrono.h>)
#include <bits/chrono.h>
#else
#include <chrono>
#endif
