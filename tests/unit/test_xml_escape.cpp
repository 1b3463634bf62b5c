// The XML writer's escaping: markup, whitespace that a parser would fold, characters XML 1.0
// forbids and bytes that are not UTF-8; and which target labels are host names.
#include <gtest/gtest.h>

#include "xml_output.hpp"

namespace nbc::cli {
namespace {

std::string escaped(std::string_view text) {
  std::string out;
  append_xml_attribute(out, text);
  return out;
}

TEST(XmlEscape, MarkupAndWhitespace) {
  EXPECT_EQ(escaped("a&b<c>\"d'"), "a&amp;b&lt;c&gt;&quot;d'");
  EXPECT_EQ(escaped("\t\n\r"), "&#9;&#10;&#13;");
  EXPECT_EQ(escaped("plain.example"), "plain.example");
}

TEST(XmlEscape, ForbiddenCharactersAndInvalidUtf8BecomeReplacement) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(escaped(std::string("a\0b", 3)), "a" + fffd + "b");
  EXPECT_EQ(escaped("\x01\x1F"), fffd + fffd);
  EXPECT_EQ(escaped("\xEF\xBF\xBE\xEF\xBF\xBF"), fffd + fffd);  // U+FFFE, U+FFFF
  EXPECT_EQ(escaped("\xFF"), fffd);
  EXPECT_EQ(escaped("\xC0\xAF"), fffd + fffd);                        // overlong '/'
  EXPECT_EQ(escaped("\xED\xA0\x80"), fffd + fffd + fffd);             // a surrogate
  EXPECT_EQ(escaped("\xF4\x90\x80\x80"), fffd + fffd + fffd + fffd);  // beyond U+10FFFF
  EXPECT_EQ(escaped("\xE2\x82"), fffd + fffd);                        // cut short
  // Valid multi-byte characters and the C1 range (allowed in XML 1.0) stay.
  EXPECT_EQ(escaped("\xC3\xA9\xF0\x9F\x98\x80\xC2\x85"), "\xC3\xA9\xF0\x9F\x98\x80\xC2\x85");
  EXPECT_EQ(xml_clean("a\x01<"), "a" + fffd + "<");
}

TEST(XmlEscape, HostNamesAreTold) {
  EXPECT_TRUE(label_is_host_name("localhost"));
  EXPECT_TRUE(label_is_host_name("www.example.org"));
  EXPECT_TRUE(label_is_host_name("a-1.example"));
  EXPECT_FALSE(label_is_host_name("10.0.0.1"));
  EXPECT_FALSE(label_is_host_name("10.0.0.1-20"));
  EXPECT_FALSE(label_is_host_name("10.0.0.0/24"));
  EXPECT_FALSE(label_is_host_name("fe80::1"));
  EXPECT_FALSE(label_is_host_name("fe80::1%eth0"));
  EXPECT_FALSE(label_is_host_name(""));
}

}  // namespace
}  // namespace nbc::cli
