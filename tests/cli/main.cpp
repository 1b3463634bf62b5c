#include "support/netns_main.hpp"

NBC_NETNS_TEST_MAIN()
