// The built-in commands over the default keyspace on a manual clock: compiled here once,
// for every command test.

#include "support/command_server_impl.hpp"

template struct respkit_test::command_server<respkit_test::manual_keyspace>;
