/* Pseudo-terminals and the line discipline, driven from the master side:
 * posix_openpt/grantpt/unlockpt/ptsname, default termios of a pts, canonical
 * editing (ERASE, KILL, WERASE, LNEXT, VEOF) and its echo (ECHOE, ECHOCTL),
 * ICRNL/INLCR/IGNCR, OPOST/ONLCR, non-canonical VMIN/VTIME, O_NONBLOCK,
 * FIONREAD, TCFLSH, termios round trips (TCGETS2 too), window size, /dev/pts,
 * and the master seeing EIO once the slave is closed. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

/* The kernel's struct termios2 (asm/termbits.h clashes with glibc's termios.h). */
struct ktermios2 {
  unsigned c_iflag, c_oflag, c_cflag, c_lflag;
  unsigned char c_line, c_cc[19];
  unsigned c_ispeed, c_ospeed;
};
#define TCGETS2_ _IOR('T', 0x2A, struct ktermios2)

static int m, s;

static void show(const char *what, const char *buf, int n) {
  printf("%s: %d \"", what, n);
  for (int k = 0; k < n; k++) {
    unsigned char c = buf[k];
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') putchar(c);
    else printf("\\x%02x", c);
  }
  printf("\"\n");
}

/* Everything the master can read within 100 ms of quiet (the echo of what was typed). */
static void drain(const char *what) {
  char buf[512];
  int n = 0;
  struct pollfd p = {m, POLLIN, 0};
  while (n < (int)sizeof buf && poll(&p, 1, 100) == 1 && (p.revents & POLLIN)) {
    int r = read(m, buf + n, sizeof buf - n);
    if (r <= 0) break;
    n += r;
  }
  show(what, buf, n);
}

static void type(const char *keys) { write(m, keys, strlen(keys)); }

static void slave_read(const char *what) {
  char buf[256];
  int r = read(s, buf, sizeof buf);
  if (r < 0) printf("%s: error %s\n", what, strerror(errno));
  else show(what, buf, r);
}

static void get(struct termios *t) { ioctl(s, TCGETS, t); }
static void set(struct termios *t) { ioctl(s, TCSETS, t); }

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  m = posix_openpt(O_RDWR | O_NOCTTY);
  printf("posix_openpt: %s\n", m >= 0 ? "ok" : strerror(errno));
  printf("grantpt: %d unlockpt: %d\n", grantpt(m), unlockpt(m));
  const char *name = ptsname(m);
  printf("ptsname: %.9s\n", name ? name : "(null)");
  unsigned ptn = 99;
  printf("TIOCGPTN matches: %d\n", ioctl(m, TIOCGPTN, &ptn) == 0 && name && (unsigned)atoi(name + 9) == ptn);
  s = open(name, O_RDWR | O_NOCTTY);
  printf("open slave: %s isatty=%d\n", s >= 0 ? "ok" : strerror(errno), isatty(s));
  struct stat st;
  fstat(s, &st);
  printf("slave: chr=%d major=%u\n", S_ISCHR(st.st_mode), (unsigned)(st.st_rdev >> 8) & 0xfff);
  char *tn = ttyname(s);
  printf("ttyname == ptsname: %d\n", tn && strcmp(tn, name) == 0);
  DIR *d = opendir("/dev/pts");
  int seen = 0;
  struct dirent *e;
  while (d && (e = readdir(d))) if ((unsigned)atoi(e->d_name) == ptn && e->d_name[0] >= '0' && e->d_name[0] <= '9') seen = 1;
  if (d) closedir(d);
  printf("listed in /dev/pts: %d\n", seen);

  struct termios t;
  get(&t);
  printf("default: iflag=%o oflag=%o cflag=%o lflag=%o\n", t.c_iflag, t.c_oflag, t.c_cflag, t.c_lflag);
  printf("cc:");
  for (int k = 0; k < 17; k++) printf(" %d", t.c_cc[k]);
  printf("\n");

  /* Canonical editing and its echo. */
  type("abc\x7f" "d\n");
  slave_read("erase");
  drain("erase echo");
  type("hello\x15" "bye\n");
  slave_read("kill");
  drain("kill echo");
  type("one two\x17" "three\n");
  slave_read("werase");
  drain("werase echo");
  type("x\x16\x03y\n");
  slave_read("lnext");
  drain("lnext echo");
  type("ctl\x01\n");
  slave_read("ctl");
  drain("ctl echo");
  type("eof\x04");
  slave_read("veof");
  type("\x04");
  slave_read("veof empty");
  drain("veof echo");
  type("cr\r");
  slave_read("icrnl");
  drain("icrnl echo");
  /* A read shorter than the line leaves the rest for the next read. */
  type("abcdef\n");
  char small[3];
  int r = read(s, small, 3);
  show("short read", small, r);
  slave_read("rest");
  drain("short echo");

  /* Echo off, ECHOE off, ECHOK with ECHOKE off. */
  get(&t);
  t.c_lflag &= ~ECHO;
  set(&t);
  type("quiet\n");
  slave_read("noecho");
  drain("noecho echo");
  t.c_lflag |= ECHO;
  t.c_lflag &= ~(ECHOE | ECHOKE);
  set(&t);
  type("ab\x7f\x15z\n");
  slave_read("no echoe");
  drain("no echoe echo");
  t.c_lflag |= ECHOE | ECHOKE;
  t.c_iflag &= ~ICRNL;
  t.c_iflag |= IGNCR;
  set(&t);
  type("a\rb\n");
  slave_read("igncr");
  drain("igncr echo");
  t.c_iflag &= ~IGNCR;
  t.c_iflag |= ICRNL;
  set(&t);

  /* Output processing. */
  write(s, "out\nput\r\n", 9);
  drain("onlcr");
  get(&t);
  t.c_oflag &= ~OPOST;
  set(&t);
  write(s, "raw\nout\n", 8);
  drain("no opost");
  t.c_oflag |= OPOST | OCRNL;
  set(&t);
  write(s, "a\rb\n", 4);
  drain("ocrnl");
  t.c_oflag &= ~OCRNL;
  set(&t);

  /* IXON: ^S stops output (a non-blocking writer gets EAGAIN), ^Q starts it again. */
  type("\x13");
  usleep(50000);
  fcntl(s, F_SETFL, O_NONBLOCK);
  int wr = write(s, "x\n", 2);
  printf("write while stopped: %d %s\n", wr, wr < 0 ? strerror(errno) : "");
  fcntl(s, F_SETFL, 0);
  type("\x11");
  usleep(50000);
  write(s, "y\n", 2);
  drain("after ^Q");

  /* Non-canonical reads. */
  get(&t);
  struct termios saved = t;
  t.c_lflag &= ~(ICANON | ECHO);
  t.c_cc[VMIN] = 0;
  t.c_cc[VTIME] = 0;
  set(&t);
  r = read(s, small, 3);
  printf("vmin0 vtime0 empty: %d\n", r);
  t.c_cc[VTIME] = 1;
  set(&t);
  r = read(s, small, 3);
  printf("vmin0 vtime1 timeout: %d\n", r);
  t.c_cc[VMIN] = 1;
  t.c_cc[VTIME] = 0;
  set(&t);
  type("xyz");
  usleep(50000);
  int avail = -1;
  ioctl(s, FIONREAD, &avail);
  printf("FIONREAD: %d\n", avail);
  r = read(s, small, 2);
  show("raw read 2", small, r);
  r = read(s, small, 3);
  show("raw read rest", small, r);
  type("\x03\x7f");
  usleep(50000);
  t.c_lflag &= ~ISIG;
  set(&t);
  type("\x03");
  usleep(50000);
  r = read(s, small, 3);
  show("no isig", small, r);
  fcntl(s, F_SETFL, O_NONBLOCK);
  r = read(s, small, 3);
  printf("nonblock empty: %d %s\n", r, r < 0 ? strerror(errno) : "");
  fcntl(s, F_SETFL, 0);
  type("flushme");
  usleep(50000);
  tcflush(s, TCIFLUSH);
  ioctl(s, FIONREAD, &avail);
  printf("after TCIFLUSH: %d\n", avail);
  /* Switching to canonical with bytes pending: they become one readable line. */
  type("pend");
  usleep(50000);
  set(&saved);
  r = read(s, small, 3);
  show("canon after raw", small, r);
  r = read(s, small, 3);
  show("canon after raw rest", small, r);
  /* A partial line becomes readable when canonical mode is switched off. */
  type("part");
  usleep(50000);
  t = saved;
  t.c_lflag &= ~ICANON;
  t.c_cc[VMIN] = 1;
  t.c_cc[VTIME] = 0;
  set(&t);
  ioctl(s, FIONREAD, &avail);
  printf("partial line raw: %d\n", avail);
  char big[16];
  r = read(s, big, sizeof big);
  show("partial", big, r);
  set(&saved);
  drain("canon switch echo");

  /* termios round trips: tcsetattr/tcgetattr, TCGETS2, speeds. */
  get(&t);
  t.c_cc[VINTR] = 7;
  t.c_lflag |= TOSTOP;
  cfsetospeed(&t, B9600);
  cfsetispeed(&t, B9600);
  tcsetattr(s, TCSANOW, &t);
  struct termios u;
  tcgetattr(s, &u);
  printf("round trip: intr=%d tostop=%d ospeed=%d same=%d\n", u.c_cc[VINTR], !!(u.c_lflag & TOSTOP), cfgetospeed(&u) == B9600, memcmp(&t.c_cc, &u.c_cc, 17) == 0);
  struct ktermios2 t2;
  r = ioctl(s, TCGETS2_, &t2);
  printf("TCGETS2: %d same cflag=%d intr=%d ispeed=%u ospeed=%u\n", r, t2.c_cflag == u.c_cflag, t2.c_cc[VINTR], t2.c_ispeed, t2.c_ospeed);
  tcgetattr(m, &u);
  printf("via master: intr=%d\n", u.c_cc[VINTR]);
  set(&saved);

  /* Window size, from either side. */
  struct winsize w = {0, 0, 0, 0};
  ioctl(s, TIOCGWINSZ, &w);
  printf("winsize: %d %d\n", w.ws_row, w.ws_col);
  w.ws_row = 40;
  w.ws_col = 132;
  ioctl(m, TIOCSWINSZ, &w);
  struct winsize w2;
  ioctl(s, TIOCGWINSZ, &w2);
  printf("winsize after: %d %d\n", w2.ws_row, w2.ws_col);

  /* Not a terminal. */
  int p[2];
  pipe(p);
  r = ioctl(p[0], TCGETS, &t);
  printf("TCGETS on a pipe: %d %s isatty=%d\n", r, strerror(errno), isatty(p[0]));
  r = tcgetpgrp(s);
  printf("tcgetpgrp of a non-controlling tty: %d %s\n", r, strerror(errno));

  /* Slave closed: the master reads what is left, then EIO. */
  write(s, "bye\n", 4);
  close(s);
  drain("last output");
  char c;
  r = read(m, &c, 1);
  printf("master after slave close: %d %s\n", r, r < 0 ? strerror(errno) : "");
  close(m);
  return 0;
}
