// The live system-call table (sys.hpp): the real calls unless a test swapped one.
#include "sys.hpp"

#include <unistd.h>

namespace nbc::detail {

SysCalls& sys() {
  static SysCalls table{::socket,      ::connect,     ::bind, ::setsockopt, ::getsockopt,
                        ::getpeername, ::getsockname, ::read, ::close};
  return table;
}

}  // namespace nbc::detail
