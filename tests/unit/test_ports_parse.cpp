// Port lists as nmap writes them.
#include <gtest/gtest.h>

#include "nbconnect/scan_targets.hpp"

namespace nbc {
namespace {

TEST(PortList, ListsRangesAndOpenEnds) {
  EXPECT_EQ(*parse_port_list("22,80,8000-8003"),
            (std::vector<std::uint16_t>{22, 80, 8000, 8001, 8002, 8003}));
  EXPECT_EQ(parse_port_list("-")->size(), 65535u);
  EXPECT_EQ(parse_port_list("-")->front(), 1);
  EXPECT_EQ(parse_port_list("-")->back(), 65535);
  EXPECT_EQ(*parse_port_list("-3"), (std::vector<std::uint16_t>{1, 2, 3}));
  EXPECT_EQ(*parse_port_list("65534-"), (std::vector<std::uint16_t>{65534, 65535}));
}

TEST(PortList, SortedWithoutRepeats) {
  EXPECT_EQ(*parse_port_list("80,22,80,21-23"), (std::vector<std::uint16_t>{21, 22, 23, 80}));
}

TEST(PortList, BadWordsAreNamed) {
  for (const char* bad : {"", "0", "65536", "80,", ",80", "80,,81", "90-80", "http", "8o", "+80",
                          "080", "1-2-3", " 80"}) {
    auto parsed = parse_port_list(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_NE(parsed.error().message.find(bad), std::string::npos) << parsed.error().message;
    EXPECT_EQ(parsed.error().message.find('\n'), std::string::npos);
  }
}

}  // namespace
}  // namespace nbc
