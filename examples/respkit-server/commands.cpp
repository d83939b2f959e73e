// respkit-server's built-in commands, compiled once here: main.cpp sees only their declaration
// (respkit/app/server.hpp), so editing it does not recompile every command family.

#include "respkit/commands/src.hpp"
