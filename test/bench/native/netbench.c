/*
 * Native client and server for the forwarding benchmark (test/bench/ports.ts, issue 19): the same
 * protocol as test/ports/servers.ts (a source server answering "N\n" with N bytes then FIN; an echo
 * server) without Node in the data path, so a measured ratio is the path's, not the client's.
 *
 *   netbench serve [HOST [ECHO SOURCE]]    prints {"echo":P,"source":Q}, serves until stdin closes
 *   netbench download BYTES RUNS H:P...    RUNS rounds, each downloading BYTES from every H:P in turn
 *                                          (order alternating); prints one JSON line: MB/s and the
 *                                          client's CPU ms per download and target, and the last
 *                                          connection's TCP_INFO per target (at its end)
 *                                          env NETBENCH_READ: bytes per read call (default 1 MiB)
 *                                          env NETBENCH_MAXSEG: TCP_MAXSEG set before connect (to
 *                                          test whether a path's MSS matters; README, forwarding)
 *   netbench ping SAMPLES WARMUP H:P...    1-byte round trips over one connection per target,
 *                                          targets interleaved per sample; prints µs per target
 *
 * Built by the bench with `cc -O2` (static, so it also runs in the test image); not part of boulder.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <linux/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_TARGETS 16
#define BUF_BYTES (1 << 20)

static void die(const char *what) {
  perror(what);
  exit(1);
}

/* CPU time (user + system, ms) this process used so far; softirq work run in its syscalls included. */
static double cpu_ms(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct sockaddr_in parse_target(const char *spec) {
  struct sockaddr_in a = {.sin_family = AF_INET};
  char host[64];
  const char *colon = strrchr(spec, ':');
  if (colon == NULL || colon - spec >= (long)sizeof host) {
    fprintf(stderr, "bad target %s\n", spec);
    exit(2);
  }
  memcpy(host, spec, colon - spec);
  host[colon - spec] = 0;
  if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
    fprintf(stderr, "bad address %s\n", host);
    exit(2);
  }
  a.sin_port = htons(atoi(colon + 1));
  return a;
}

static int dial(struct sockaddr_in *a) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  const char *maxseg = getenv("NETBENCH_MAXSEG"); /* experiments: the MSS a path's route would give */
  if (maxseg != NULL) {
    int mss = atoi(maxseg);
    setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof mss);
  }
  if (connect(fd, (struct sockaddr *)a, sizeof *a) < 0) die("connect");
  return fd;
}

static int listen_on(const char *host, int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, host, &a.sin_addr);
  if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) die("bind");
  if (listen(fd, 64) < 0) die("listen");
  return fd;
}

static int port_of(int fd) {
  struct sockaddr_in a;
  socklen_t len = sizeof a;
  getsockname(fd, (struct sockaddr *)&a, &len);
  return ntohs(a.sin_port);
}

static void serve_source(int fd) {
  char line[32];
  size_t got = 0;
  while (got < sizeof line - 1) {
    ssize_t n = read(fd, line + got, 1);
    if (n <= 0) return;
    if (line[got++] == '\n') break;
  }
  line[got] = 0;
  long long remaining = atoll(line);
  static char buf[BUF_BYTES];
  memset(buf, 'a', sizeof buf);
  while (remaining > 0) {
    ssize_t n = write(fd, buf, remaining < BUF_BYTES ? remaining : BUF_BYTES);
    if (n <= 0) return;
    remaining -= n;
  }
  shutdown(fd, SHUT_WR);
  while (read(fd, buf, sizeof buf) > 0) {
  }
}

static void serve_echo(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) return;
    if (write(fd, buf, n) != n) return;
  }
}

static int serve(const char *host, int echo_port, int source_port) {
  signal(SIGCHLD, SIG_IGN);
  int echo = listen_on(host, echo_port), source = listen_on(host, source_port);
  printf("{\"echo\":%d,\"source\":%d}\n", port_of(echo), port_of(source));
  fflush(stdout);
  struct pollfd fds[3] = {{.fd = 0, .events = POLLIN}, {.fd = echo, .events = POLLIN}, {.fd = source, .events = POLLIN}};
  for (;;) {
    if (poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      die("poll");
    }
    if (fds[0].revents) {
      char c;
      if (read(0, &c, 1) <= 0) return 0;
    }
    for (int i = 1; i < 3; i++) {
      if (!fds[i].revents) continue;
      int c = accept(fds[i].fd, NULL, NULL);
      if (c < 0) continue;
      if (fork() == 0) {
        if (i == 1) serve_echo(c);
        else serve_source(c);
        _exit(0);
      }
      close(c);
    }
  }
}

/* Downloads `bytes` from `a`; returns MB/s (MB = 2^20 bytes) and fills `info` from the open socket. */
static double download_once(struct sockaddr_in *a, long long bytes, struct tcp_info *info) {
  static char buf[BUF_BYTES];
  double started = now_s();
  int fd = dial(a);
  char line[32];
  int len = snprintf(line, sizeof line, "%lld\n", bytes);
  if (write(fd, line, len) != len) die("write");
  long long got = 0;
  const char *rs = getenv("NETBENCH_READ"); /* experiments: bytes per read call (Node reads 64 KiB) */
  size_t read_size = rs != NULL && atoi(rs) > 0 && atoi(rs) <= BUF_BYTES ? (size_t)atoi(rs) : sizeof buf;
  for (;;) {
    ssize_t n = read(fd, buf, read_size);
    if (n < 0) die("read");
    if (n == 0) break;
    got += n;
  }
  double elapsed = now_s() - started;
  if (got != bytes) {
    fprintf(stderr, "received %lld of %lld bytes\n", got, bytes);
    exit(1);
  }
  socklen_t il = sizeof *info;
  getsockopt(fd, IPPROTO_TCP, TCP_INFO, info, &il);
  close(fd);
  return bytes / 1048576.0 / elapsed;
}

static int download(long long bytes, int runs, int n, struct sockaddr_in *targets) {
  static double rates[MAX_TARGETS][1000], cpu[MAX_TARGETS][1000];
  struct tcp_info infos[MAX_TARGETS];
  memset(infos, 0, sizeof infos);
  for (int r = 0; r < runs && r < 1000; r++) {
    for (int k = 0; k < n; k++) {
      int t = (r % 2 == 0) ? k : n - 1 - k; /* alternate the order, so no path always goes first */
      memset(&infos[t], 0, sizeof infos[t]);
      double before = cpu_ms();
      rates[t][r] = download_once(&targets[t], bytes, &infos[t]);
      cpu[t][r] = cpu_ms() - before;
    }
  }
  printf("{\"mbps\":[");
  for (int t = 0; t < n; t++) {
    printf("%s[", t ? "," : "");
    for (int r = 0; r < runs; r++) printf("%s%.1f", r ? "," : "", rates[t][r]);
    printf("]");
  }
  printf("],\"cpuMs\":[");
  for (int t = 0; t < n; t++) {
    printf("%s[", t ? "," : "");
    for (int r = 0; r < runs; r++) printf("%s%.1f", r ? "," : "", cpu[t][r]);
    printf("]");
  }
  printf("],\"tcpInfo\":[");
  for (int t = 0; t < n; t++) {
    struct tcp_info *i = &infos[t];
    printf("%s{\"rcvMss\":%u,\"advMss\":%u,\"rcvSpace\":%u,\"segsIn\":%u,\"segsOut\":%u}", t ? "," : "", i->tcpi_rcv_mss,
           i->tcpi_advmss, i->tcpi_rcv_space, i->tcpi_segs_in, i->tcpi_segs_out);
  }
  printf("]}\n");
  return 0;
}

static int ping(int samples, int warmup, int n, struct sockaddr_in *targets) {
  int fds[MAX_TARGETS];
  static double us[MAX_TARGETS][100000];
  for (int t = 0; t < n; t++) fds[t] = dial(&targets[t]);
  char c = 42;
  for (int i = 0; i < warmup + samples && i < 100000; i++) {
    for (int t = 0; t < n; t++) {
      double started = now_s();
      if (write(fds[t], &c, 1) != 1) die("write");
      if (read(fds[t], &c, 1) != 1) die("read");
      if (i >= warmup) us[t][i - warmup] = (now_s() - started) * 1e6;
    }
  }
  printf("{\"us\":[");
  for (int t = 0; t < n; t++) {
    printf("%s[", t ? "," : "");
    for (int i = 0; i < samples; i++) printf("%s%.1f", i ? "," : "", us[t][i]);
    printf("]");
  }
  printf("]}\n");
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "serve") == 0) return serve(argc >= 3 ? argv[2] : "127.0.0.1", argc >= 4 ? atoi(argv[3]) : 0, argc >= 5 ? atoi(argv[4]) : 0);
  if (argc >= 5 && (strcmp(argv[1], "download") == 0 || strcmp(argv[1], "ping") == 0)) {
    int n = argc - 4;
    if (n > MAX_TARGETS) n = MAX_TARGETS;
    struct sockaddr_in targets[MAX_TARGETS];
    for (int t = 0; t < n; t++) targets[t] = parse_target(argv[4 + t]);
    if (argv[1][0] == 'd') return download(atoll(argv[2]), atoi(argv[3]), n, targets);
    return ping(atoi(argv[2]), atoi(argv[3]), n, targets);
  }
  fprintf(stderr, "usage: netbench serve [HOST [ECHO SOURCE]] | download BYTES RUNS H:P... | ping SAMPLES WARMUP H:P...\n");
  return 2;
}
