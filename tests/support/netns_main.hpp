// The main() of test binaries whose tests need a private network namespace. The namespace is
// created before any thread starts; without the privilege, each such test skips with the reason.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>

#include "support/netns.hpp"

#define NBC_REQUIRE_NETNS()                                                              \
  do {                                                                                   \
    if (!::nbc::test::netns_error().empty()) GTEST_SKIP() << ::nbc::test::netns_error(); \
  } while (0)

#define NBC_NETNS_TEST_MAIN()                                                                \
  int main(int argc, char** argv) {                                                          \
    ::testing::InitGoogleTest(&argc, argv);                                                  \
    bool listing = false;                                                                    \
    for (int i = 1; i < argc; ++i) listing |= std::strstr(argv[i], "list_tests") != nullptr; \
    if (!listing) {                                                                          \
      ::nbc::test::netns_error() = ::nbc::test::enter_private_netns();                       \
      if (!::nbc::test::netns_error().empty()) {                                             \
        std::fprintf(stderr, "SKIPPING namespace tests: %s\n",                               \
                     ::nbc::test::netns_error().c_str());                                    \
      }                                                                                      \
    }                                                                                        \
    return RUN_ALL_TESTS();                                                                  \
  }
