/* The machine's limit for closed-port scanning: a minimal loop of non-blocking connect, poll and
 * getsockopt(SO_ERROR), with nothing else. Run one per core over part of the ports each.
 *   raw_limit ADDRESS FIRST_PORT LAST_PORT [BATCH]
 * Prints the ports done and how many were open, closed and other. IPv4 only. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s ADDRESS FIRST_PORT LAST_PORT [BATCH]\n", argv[0]);
    return 64;
  }
  struct sockaddr_in sa = {0};
  sa.sin_family = AF_INET;
  if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) return 64;
  int first = atoi(argv[2]), last = atoi(argv[3]);
  int batch = argc > 4 ? atoi(argv[4]) : 256;
  if (first < 1 || last > 65535 || first > last || batch < 1 || batch > 4096) return 64;
  struct pollfd* fds = calloc((size_t)batch, sizeof *fds);
  long open_count = 0, closed_count = 0, other_count = 0;
  for (int port = first; port <= last;) {
    int n = 0;
    for (; n < batch && port <= last; ++port) {
      int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0) {
        ++other_count;
        continue;
      }
      sa.sin_port = htons((unsigned short)port);
      if (connect(fd, (struct sockaddr*)&sa, sizeof sa) == 0) {
        ++open_count;
        close(fd);
        continue;
      }
      if (errno != EINPROGRESS) {
        if (errno == ECONNREFUSED)
          ++closed_count;
        else
          ++other_count;
        close(fd);
        continue;
      }
      fds[n].fd = fd;
      fds[n].events = POLLOUT;
      fds[n].revents = 0;
      ++n;
    }
    int pending = n;
    while (pending > 0) {
      if (poll(fds, (nfds_t)n, 1000) <= 0) break;
      for (int i = 0; i < n; ++i) {
        if (fds[i].fd < 0 || !fds[i].revents) continue;
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(fds[i].fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err == 0)
          ++open_count;
        else if (err == ECONNREFUSED)
          ++closed_count;
        else
          ++other_count;
        close(fds[i].fd);
        fds[i].fd = -1;
        --pending;
      }
    }
    for (int i = 0; i < n; ++i) {
      if (fds[i].fd >= 0) {
        ++other_count;
        close(fds[i].fd);
      }
    }
  }
  printf("%ld ports: %ld open, %ld closed, %ld other\n", open_count + closed_count + other_count,
         open_count, closed_count, other_count);
  free(fds);
  return 0;
}
