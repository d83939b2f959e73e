// The server core's definitions, compiled once for every test program (respkit/server/src.hpp):
// test files that include only respkit/server.hpp see declarations.
#include "respkit/server/src.hpp"
