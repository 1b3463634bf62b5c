// The one errno table: names, classification and exit codes of docs/outcomes.md.
#include <gtest/gtest.h>

#include <cerrno>

#include "exit_code.hpp"
#include "nbconnect/outcome.hpp"

namespace nbc {
namespace {

using cli::exit_code;

struct Row {
  int err;
  State state;
  const char* reason;
  int exit;
};

TEST(ErrnoTable, ClassifiesEveryErrnoOfTheSpec) {
  const Row rows[] = {
      {ECONNREFUSED, State::closed, "conn-refused", 1},
      {ETIMEDOUT, State::filtered, "no-response", 2},
      {EHOSTUNREACH, State::filtered, "host-unreach", 3},
      {ENETUNREACH, State::filtered, "net-unreach", 3},
      {EACCES, State::filtered, "admin-prohibited", 3},
      {EPERM, State::filtered, "admin-prohibited", 3},
      {EHOSTDOWN, State::filtered, "host-down", 3},
      {ENONET, State::filtered, "host-down", 3},
      {ENOPROTOOPT, State::filtered, "host-down", 3},
      {EMFILE, State::error, "local-resources", 4},
      {ENFILE, State::error, "local-resources", 4},
      {ENOBUFS, State::error, "local-resources", 4},
      {ENOMEM, State::error, "local-resources", 4},
      {EADDRNOTAVAIL, State::error, "local-resources", 4},
      {EAGAIN, State::error, "local-resources", 4},
      {ECONNRESET, State::error, "econnreset", 4},
      {ECONNABORTED, State::error, "econnaborted", 4},
      {EINVAL, State::error, "einval", 4},
  };
  for (const Row& row : rows) {
    Classification c = classify_errno(row.err);
    EXPECT_EQ(c.state, row.state) << errno_name(row.err);
    EXPECT_EQ(reason_name(c.reason, row.err), row.reason) << errno_name(row.err);
    EXPECT_EQ(exit_code(c.state, c.reason), row.exit) << errno_name(row.err);
  }
}

TEST(ErrnoTable, LocalErrorsAreExactlyTheLocalResourceOnes) {
  for (int err : {EMFILE, ENFILE, ENOBUFS, ENOMEM, EADDRNOTAVAIL, EAGAIN}) {
    EXPECT_TRUE(is_local_error(err)) << errno_name(err);
  }
  for (int err : {ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH, EACCES, ECONNRESET}) {
    EXPECT_FALSE(is_local_error(err)) << errno_name(err);
  }
}

TEST(ErrnoTable, NamesAreSymbolic) {
  EXPECT_EQ(errno_name(ECONNREFUSED), "ECONNREFUSED");
  EXPECT_EQ(errno_name(EINPROGRESS), "EINPROGRESS");
  EXPECT_EQ(errno_name(EXDEV), "EXDEV");  // not in the table: glibc supplies it
  EXPECT_EQ(errno_name(0), "");
  EXPECT_EQ(errno_name(-5), "");
  EXPECT_EQ(errno_name(100000), "");
}

TEST(ErrnoTable, UnknownErrnoGetsLowerCaseName) {
  EXPECT_EQ(reason_name(Reason::other_errno, EXDEV), "exdev");
  EXPECT_EQ(reason_name(Reason::other_errno, 100000), "errno-100000");
}

TEST(ErrnoTable, OpenAndSelfConnectExitCodes) {
  EXPECT_EQ(exit_code(State::open, Reason::syn_ack), 0);
  EXPECT_EQ(exit_code(State::closed, Reason::self_connect), 1);
  EXPECT_EQ(exit_code(State::filtered, Reason::no_response), 2);
  EXPECT_EQ(exit_code(State::unresolved, Reason::nxdomain), 5);
}

TEST(ErrnoTable, ReasonsInteroperateWithErrorCode) {
  std::error_code ec = Reason::conn_refused;
  EXPECT_EQ(ec.category().name(), std::string("nbconnect"));
  EXPECT_EQ(ec.message(), "conn-refused");
  Outcome o;
  o.error = ECONNREFUSED;
  EXPECT_EQ(o.error_code(), std::errc::connection_refused);
}

}  // namespace
}  // namespace nbc
