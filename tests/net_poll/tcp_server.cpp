// The TCP server's tests (tests/net/tcp_server.cpp) again, with the portable poll() backend
// instead of epoll. Every file of this program defines RESPKIT_NET_USE_POLL, so its net classes
// agree.

#define RESPKIT_NET_USE_POLL 1
#include "net/tcp_server.cpp"
