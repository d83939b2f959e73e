// The built-in commands over store::std_keyspace<>: compiled here once, for every
// command test.

#include "support/command_server_impl.hpp"

template struct respkit_test::command_server<respkit::store::std_keyspace<>>;
