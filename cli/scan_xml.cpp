// The scan's XML destination (scan_xml.hpp).
#include "scan_xml.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common.hpp"
#include "output.hpp"

namespace nbc::cli {

void add_xml_options(CLI::App& app, XmlOptions& o) {
  app.add_flag("--xml", o.to_stdout,
               "nmap-compatible XML on stdout instead of the table (nmap's -oX -)");
  app.add_option("--oX", o.file,
                 "Also write nmap-compatible XML to FILE, stdout keeping its output (-oX FILE; "
                 "-oX - is --xml)")
      ->type_name("FILE");
}

XmlSink::XmlSink(const XmlOptions& o, bool json, bool csv) {
  if (o.to_stdout && !o.file.empty()) {
    throw UsageError("--xml and -oX " + quote(o.file) +
                     " exclude each other (--xml is -oX -): give one");
  }
  wanted_ = o.to_stdout || !o.file.empty();
  on_stdout_ = o.to_stdout || o.file == "-";
  path_ = o.file;
  if (on_stdout_ && (json || csv)) {
    throw UsageError(std::string(o.to_stdout ? "--xml" : "-oX -") + " and " +
                     (json ? "--json" : "--csv") +
                     " both write to stdout: give one, or write the XML to a file with -oX FILE");
  }
}

XmlSink::~XmlSink() {
  if (fd_ >= 0) ::close(fd_);
}

void XmlSink::open() {
  if (!wanted_ || on_stdout_ || fd_ >= 0) return;
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd_ < 0) {
    throw UsageError("cannot write -oX file " + quote(path_) + ": " + std::strerror(errno));
  }
}

bool XmlSink::write(const std::string& document) {
  if (!wanted_) return true;
  if (on_stdout_) {
    print_out(document);
    return flush_stdout();
  }
  std::size_t done = 0;
  int error = 0;
  while (done < document.size()) {
    ssize_t n = ::write(fd_, document.data() + done, document.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = n < 0 ? errno : EIO;
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  if (error == 0 && ::close(fd_) != 0 && errno != EINTR) error = errno;
  fd_ = -1;
  if (error != 0) {
    print_err("nbconnect: cannot write -oX file {}: {}\n", quote(path_), std::strerror(error));
    return false;
  }
  return true;
}

}  // namespace nbc::cli
