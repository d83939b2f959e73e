// The poller's tests again, with the portable poll() backend instead of epoll.

#define RESPKIT_NET_USE_POLL 1
#include "test_poller.cpp"
