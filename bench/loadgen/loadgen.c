/*
 * WebSocket load generator for bench/run-bench.ts.
 *
 * Written in C with epoll and non-blocking sockets so that the client is never what limits a
 * Node server: one thread, no allocation on the message path, every echo checked byte for
 * byte, latency per message kept in a log-linear histogram (about 1.5% precision).
 *
 *   loadgen --port P --mode echo|handshake|broadcast|publish|idle [--connections N]
 *           [--inflight K] [--size BYTES] [--opcode 1|2] [--warmup S] [--duration S]
 *           [--deflate] [--no-context-takeover] [--tls] [--src-ips M] [--path /]
 *           [--json-event NAME] [--json-object] [--json-document] [--subscribers N]
 *
 * --json-event NAME (echo mode): each message is a Nest gateway message of exactly --size bytes,
 * {"event":"NAME","data":"<sequence number><letters>"}, which a handler returning
 * { event: NAME, data } answers with the very same bytes. With --json-object the data is an
 * object, {"event":"NAME","data":{"text":"<sequence number><letters>","n":1}} (for a DTO).
 *
 * --json-document (with --deflate): the payload is a valid JSON array of varied records of
 * exactly --size bytes (after the broadcast prefix), so it compresses like real JSON rather
 * than like the repetitive default text.
 *
 * --no-context-takeover (with --deflate): the offer asks for server_no_context_takeover and
 * client_no_context_takeover; a server that accepts permessage-deflate must keep no context.
 *
 * --tls: wss (OpenSSL, certificate not verified: the bench makes its own self-signed one).
 * Only when built with -DLOADGEN_TLS (and -lssl -lcrypto); otherwise --tls is refused.
 *
 * publish mode: every connection opens, the first --subscribers send "subscribe:bench" and wait
 * for its echo (the server's acknowledgement); then connection 0 sends "publish:<sequence>..."
 * messages (--inflight at a time), each complete when every subscriber has it. A message to a
 * connection that did not subscribe is an error.
 *
 * Protocol with the orchestrator (stdout, one JSON object per line):
 *   {"event":"warm"}   the measured window starts now (take the server's "before" stats);
 *   {"event":"ready"}  idle mode: every connection is open;
 *   {...results...}    the window ended (take the "after" stats); then the program keeps the
 *                      connections open until stdin closes, so closing them is not measured.
 *
 * Build: cc -O2 -o loadgen loadgen.c -lz
 *        cc -O2 -DLOADGEN_TLS -o loadgen loadgen.c -lz -lssl -lcrypto   (with --tls)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#ifdef LOADGEN_TLS
#include <openssl/err.h>
#include <openssl/ssl.h>
#endif

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

enum mode { MODE_ECHO, MODE_HANDSHAKE, MODE_BROADCAST, MODE_PUBLISH, MODE_IDLE };
enum state { ST_CONNECTING, ST_TLS_HANDSHAKE, ST_UPGRADING, ST_OPEN, ST_CLOSING, ST_WAIT_EOF, ST_DONE };
enum phase { PH_CONNECT, PH_SUBSCRIBE, PH_WARMUP, PH_MEASURE, PH_DRAIN };

/* ---- options ------------------------------------------------------------------------------ */

struct options {
  const char *host, *path, *json_event;
  int port, connections, inflight, size, opcode, src_ips, deflate, subscribers;
  int json_object, json_document, no_context_takeover, tls;
  double warmup, duration;
  enum mode mode;
};

static struct options opt = {.host = "127.0.0.1", .path = "/", .connections = 100, .inflight = 1,
                             .size = 32, .opcode = 1, .warmup = 1.0, .duration = 3.0, .mode = MODE_ECHO};

/* Broadcast and publish: one message fans out to many connections. */
static int fan_out(void) { return opt.mode == MODE_BROADCAST || opt.mode == MODE_PUBLISH; }

/* ---- small utilities ---------------------------------------------------------------------- */

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* Fatal errors print one JSON line so the orchestrator can show the reason. */
static void die(const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  for (char *p = msg; *p; p++)
    if (*p == '"' || *p == '\\') *p = '\'';
  printf("{\"error\":\"%s\"}\n", msg);
  fflush(stdout);
  exit(2);
}

static void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n);
  if (!q) die("out of memory");
  return q;
}

/* xorshift: mask keys only need to differ, not to be secret, and this costs nothing. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint32_t rng32(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (uint32_t)rng_state;
}

/* ---- SHA-1 and base64 for Sec-WebSocket-Accept (no OpenSSL dependency) -------------------- */

#define ROL(v, n) (((v) << (n)) | ((v) >> (32 - (n))))

static void sha1_block(uint32_t h[5], const uint8_t *p) {
  uint32_t w[80], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
  for (int i = 0; i < 16; i++) w[i] = (uint32_t)p[4 * i] << 24 | p[4 * i + 1] << 16 | p[4 * i + 2] << 8 | p[4 * i + 3];
  for (int i = 16; i < 80; i++) w[i] = ROL(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
  for (int i = 0; i < 80; i++) {
    uint32_t f, k;
    if (i < 20) f = (b & c) | (~b & d), k = 0x5a827999;
    else if (i < 40) f = b ^ c ^ d, k = 0x6ed9eba1;
    else if (i < 60) f = (b & c) | (b & d) | (c & d), k = 0x8f1bbcdc;
    else f = b ^ c ^ d, k = 0xca62c1d6;
    uint32_t t = ROL(a, 5) + f + e + k + w[i];
    e = d, d = c, c = ROL(b, 30), b = a, a = t;
  }
  h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
}

static void sha1(const uint8_t *data, size_t len, uint8_t out[20]) {
  uint32_t h[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
  uint8_t block[64];
  size_t i = 0;
  for (; i + 64 <= len; i += 64) sha1_block(h, data + i);
  size_t rest = len - i;
  memset(block, 0, 64);
  memcpy(block, data + i, rest);
  block[rest] = 0x80;
  if (rest >= 56) sha1_block(h, block), memset(block, 0, 64);
  uint64_t bits = (uint64_t)len * 8;
  for (int j = 0; j < 8; j++) block[63 - j] = (uint8_t)(bits >> (8 * j));
  sha1_block(h, block);
  for (int j = 0; j < 20; j++) out[j] = (uint8_t)(h[j / 4] >> (24 - 8 * (j % 4)));
}

static void base64(const uint8_t *in, size_t len, char *out) {
  static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t o = 0;
  for (size_t i = 0; i < len; i += 3) {
    uint32_t v = in[i] << 16 | (i + 1 < len ? in[i + 1] << 8 : 0) | (i + 2 < len ? in[i + 2] : 0);
    out[o++] = tbl[v >> 18 & 63];
    out[o++] = tbl[v >> 12 & 63];
    out[o++] = i + 1 < len ? tbl[v >> 6 & 63] : '=';
    out[o++] = i + 2 < len ? tbl[v & 63] : '=';
  }
  out[o] = 0;
}

/* ---- latency histogram: 64 linear sub-buckets per power of two of nanoseconds ------------- */

#define HIST_BUCKETS (60 * 64)
static uint64_t hist[HIST_BUCKETS], hist_count;

static void hist_add(uint64_t ns) {
  int idx;
  if (ns < 64) idx = (int)ns;
  else {
    int e = 63 - __builtin_clzll(ns);
    idx = (e - 5) * 64 + (int)((ns >> (e - 6)) & 63);
  }
  if (idx >= HIST_BUCKETS) idx = HIST_BUCKETS - 1;
  hist[idx]++, hist_count++;
}

static double hist_percentile_us(double p) {
  uint64_t target = (uint64_t)(p * hist_count), seen = 0;
  for (int i = 0; i < HIST_BUCKETS; i++) {
    seen += hist[i];
    if (seen > target && hist[i]) {
      if (i < 64) return i / 1000.0;
      int e = i / 64 + 5;
      return (double)((uint64_t)(64 + i % 64) << (e - 6)) / 1000.0;
    }
  }
  return 0;
}

/* ---- connections -------------------------------------------------------------------------- */

struct buf {
  uint8_t *data;
  size_t len, off, cap;
};

struct conn {
  int fd, index, want_out;
  enum state state;
  struct buf in, out;
  char key[32];
  uint64_t sent, received; /* messages, for the sequence numbers in echo and broadcast */
  uint64_t *sent_at;       /* ring of send times, inflight slots (echoes come back in order) */
  uint64_t started_at;     /* handshake mode: start of the current cycle */
  z_stream *inflater;      /* lazily, when the server compresses */
  int acked;               /* publish mode: the server acknowledged the subscription */
#ifdef LOADGEN_TLS
  SSL *ssl;
#endif
};

static struct conn *conns;
static int epfd, open_count, pending_count, acked_count, deflate_negotiated = -1;
static enum phase phase = PH_CONNECT;
static uint64_t phase_end_ns, window_start_ns, window_end_ns, messages, bytes, errors;
static double cpu_start, cpu_end;
static char first_error[256];

/* The message template: the payload of every message (sequence number patched in). */
static uint8_t *template_msg, *compressed_msg, *scratch;
static size_t compressed_len, scratch_cap;

static void record_error(const char *fmt, ...) {
  errors++;
  if (first_error[0]) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(first_error, sizeof first_error, fmt, ap);
  va_end(ap);
  for (char *p = first_error; *p; p++)
    if (*p == '"' || *p == '\\') *p = '\'';
}

static void buf_reserve(struct buf *b, size_t extra) {
  if (b->off && b->off == b->len) b->off = b->len = 0;
  if (b->len + extra <= b->cap) return;
  if (b->off) { /* compact before growing */
    memmove(b->data, b->data + b->off, b->len - b->off);
    b->len -= b->off, b->off = 0;
    if (b->len + extra <= b->cap) return;
  }
  while (b->cap < b->len + extra) b->cap = b->cap ? b->cap * 2 : 4096;
  b->data = xrealloc(b->data, b->cap);
}

/* ---- transport: plain TCP or TLS, both with read()/write()'s EAGAIN convention ------------ */

#ifdef LOADGEN_TLS
static SSL_CTX *tls_ctx;

static void tls_init(void) {
  tls_ctx = SSL_CTX_new(TLS_client_method());
  if (!tls_ctx) die("SSL_CTX_new failed");
  /* The bench's own self-signed certificate: nothing to verify against. */
  SSL_CTX_set_verify(tls_ctx, SSL_VERIFY_NONE, NULL);
  /* A partial write leaves the rest in our buffer, which may move before the retry. */
  SSL_CTX_set_mode(tls_ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
  /* A peer that closes without close_notify is an end of stream, as on plain TCP. */
  SSL_CTX_set_options(tls_ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
}

/* Maps an OpenSSL result to read()/write()'s: > 0 bytes, 0 end of stream, -1 with errno. */
static ssize_t tls_result(struct conn *c, int n) {
  if (n > 0) return n;
  int err = SSL_get_error(c->ssl, n);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
    errno = EAGAIN;
    return -1;
  }
  if (err == SSL_ERROR_ZERO_RETURN || (err == SSL_ERROR_SYSCALL && errno == 0)) return 0;
  ERR_clear_error();
  if (err != SSL_ERROR_SYSCALL) errno = EPROTO;
  return -1;
}
#endif

static ssize_t conn_read(struct conn *c, void *p, size_t n) {
#ifdef LOADGEN_TLS
  if (c->ssl) return errno = 0, tls_result(c, SSL_read(c->ssl, p, n > INT32_MAX ? INT32_MAX : (int)n));
#endif
  return read(c->fd, p, n);
}

static ssize_t conn_write(struct conn *c, const void *p, size_t n) {
#ifdef LOADGEN_TLS
  if (c->ssl) return errno = 0, tls_result(c, SSL_write(c->ssl, p, n > INT32_MAX ? INT32_MAX : (int)n));
#endif
  return write(c->fd, p, n);
}

/* Decrypted bytes OpenSSL holds that epoll cannot know about. */
static int conn_pending(struct conn *c) {
#ifdef LOADGEN_TLS
  if (c->ssl) return SSL_pending(c->ssl) > 0;
#endif
  (void)c;
  return 0;
}

static void conn_free_transport(struct conn *c) {
#ifdef LOADGEN_TLS
  if (c->ssl) SSL_free(c->ssl), c->ssl = NULL;
#endif
  (void)c;
}

static void set_events(struct conn *c, int want_out) {
  if (c->want_out == want_out) return;
  c->want_out = want_out;
  struct epoll_event ev = {.events = EPOLLIN | (want_out ? EPOLLOUT : 0), .data.u32 = (uint32_t)c->index};
  epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Writes what is queued; whatever the kernel does not take waits for EPOLLOUT. */
static void flush_out(struct conn *c) {
  struct buf *b = &c->out;
  while (b->off < b->len) {
    ssize_t n = conn_write(c, b->data + b->off, b->len - b->off);
    if (n > 0) { b->off += (size_t)n; continue; }
    if (n < 0 && errno == EAGAIN) break;
    record_error("write: %s", strerror(errno));
    break;
  }
  if (b->off == b->len) b->off = b->len = 0;
  set_events(c, b->len > 0);
}

/* Appends one masked client frame (RFC 6455 5.3) to the connection's output. */
static void queue_frame(struct conn *c, int opcode, int rsv1, const uint8_t *payload, size_t len) {
  buf_reserve(&c->out, len + 14);
  uint8_t *p = c->out.data + c->out.len;
  size_t h = 0;
  p[h++] = (uint8_t)(0x80 | (rsv1 ? 0x40 : 0) | opcode);
  if (len < 126) p[h++] = (uint8_t)(0x80 | len);
  else if (len < 65536) p[h++] = 0x80 | 126, p[h++] = (uint8_t)(len >> 8), p[h++] = (uint8_t)len;
  else {
    p[h++] = 0x80 | 127;
    for (int i = 7; i >= 0; i--) p[h++] = (uint8_t)((uint64_t)len >> (8 * i));
  }
  uint32_t key = rng32();
  uint8_t mask[4];
  memcpy(mask, &key, 4);
  memcpy(p + h, mask, 4);
  h += 4;
  uint8_t *dst = p + h;
  size_t i = 0;
  uint64_t key64 = (uint64_t)key << 32 | key;
  for (; i + 8 <= len; i += 8) { /* 8 bytes at a time: the mask repeats every 4 */
    uint64_t v;
    memcpy(&v, payload + i, 8);
    v ^= key64;
    memcpy(dst + i, &v, 8);
  }
  for (; i < len; i++) dst[i] = payload[i] ^ mask[i & 3];
  c->out.len += h + len;
}

/* ---- messages ----------------------------------------------------------------------------- */

/* Fan-out modes: what makes the server broadcast or publish the message. */
static const char *fan_prefix = "";
static size_t fan_prefix_len;

/* Publish mode: the subscription request, acknowledged by its echo. */
static const char SUBSCRIBE_MSG[] = "subscribe:bench";
#define SUBSCRIBE_LEN (sizeof SUBSCRIBE_MSG - 1)

/* --json-event: the JSON around the data string (or, with --json-object, the text field). */
static char json_prefix[128];
static size_t json_prefix_len;
static const char *json_suffix = "\"}";
static size_t json_suffix_len = 2;

/* Offset of the 16 hex digits of the sequence number in a message. */
static size_t seq_offset(void) {
  if (opt.json_event) return json_prefix_len;
  return fan_prefix_len;
}
static int has_seq(void) { return !opt.deflate && (size_t)opt.size >= seq_offset() + 16; }

static void write_seq(uint8_t *p, uint64_t seq) {
  static const char hex[] = "0123456789abcdef";
  for (int i = 15; i >= 0; i--, seq >>= 4) p[i] = (uint8_t)hex[seq & 15];
}

/* A fixed-seed generator: the JSON document is the same in every run. */
static uint32_t doc_state = 12345;
static uint32_t doc_next(void) { return doc_state = doc_state * 1103515245u + 12345u, doc_state >> 8; }

/* A valid JSON array of exactly `size` bytes (size >= 16): varied chat-like records, then one
   {"pad":"..."} record that fills the rest. */
static void build_json_document(uint8_t *out, size_t size) {
  static const char *words[] = {"hello", "world", "socket", "frame", "message", "server", "client",
                                "stream", "queue", "event", "update", "status", "online", "typing",
                                "room", "latency", "deflate", "window", "buffer", "chat"};
  static const char pad_open[] = "{\"pad\":\"", pad_close[] = "\"}]";
  const size_t nwords = sizeof words / sizeof *words, tail = sizeof pad_open - 1 + sizeof pad_close - 1;
  size_t n = 0;
  char record[256];
  out[n++] = '[';
  for (unsigned id = 1;; id++) {
    int len = snprintf(record, sizeof record,
                       "{\"id\":%u,\"user\":\"user-%03u\",\"text\":\"%s %s %s\",\"score\":%u,\"online\":%s},", id,
                       doc_next() % 1000, words[doc_next() % nwords], words[doc_next() % nwords],
                       words[doc_next() % nwords], doc_next() % 100000, doc_next() % 2 ? "true" : "false");
    if (n + (size_t)len + tail > size) break;
    memcpy(out + n, record, (size_t)len);
    n += (size_t)len;
  }
  memcpy(out + n, pad_open, sizeof pad_open - 1);
  n += sizeof pad_open - 1;
  memset(out + n, 'x', size - n - (sizeof pad_close - 1));
  memcpy(out + size - (sizeof pad_close - 1), pad_close, sizeof pad_close - 1);
}

static void build_template(void) {
  template_msg = xrealloc(NULL, (size_t)opt.size + 1);
  /* Printable and repetitive: valid UTF-8 for text frames, compressible for deflate. */
  static const char words[] = "{\"user\":\"alice\",\"text\":\"hello world\",\"n\":12345} ";
  for (int i = 0; i < opt.size; i++) template_msg[i] = (uint8_t)words[i % (sizeof words - 1)];
  if (opt.json_document) build_json_document(template_msg + fan_prefix_len, (size_t)opt.size - fan_prefix_len);
  memcpy(template_msg, fan_prefix, fan_prefix_len);
  if (opt.json_event) {
    /* Letters only between the quotes: nothing JSON.stringify would escape. */
    for (int i = 0; i < opt.size; i++) template_msg[i] = (uint8_t)('a' + i % 26);
    memcpy(template_msg, json_prefix, json_prefix_len);
    memcpy(template_msg + opt.size - json_suffix_len, json_suffix, json_suffix_len);
  }
  scratch_cap = (size_t)opt.size + 64;
  scratch = xrealloc(NULL, scratch_cap);
}

/* permessage-deflate: every message is compressed on its own (no client context takeover). */
static void build_compressed(void) {
  z_stream z = {0};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) die("deflateInit2");
  size_t cap = deflateBound(&z, (uLong)opt.size) + 16;
  compressed_msg = xrealloc(NULL, cap);
  z.next_in = template_msg, z.avail_in = (uInt)opt.size;
  z.next_out = compressed_msg, z.avail_out = (uInt)cap;
  if (deflate(&z, Z_SYNC_FLUSH) != Z_OK) die("deflate");
  compressed_len = cap - z.avail_out - 4; /* RFC 7692 7.2.1: drop the 00 00 ff ff tail */
  deflateEnd(&z);
}

static void send_message(struct conn *c, uint64_t seq) {
  if (deflate_negotiated == 1) {
    queue_frame(c, fan_out() ? 1 : opt.opcode, 1, compressed_msg, compressed_len);
    return;
  }
  if (has_seq()) write_seq(template_msg + seq_offset(), seq);
  queue_frame(c, fan_out() ? 1 : opt.opcode, 0, template_msg, (size_t)opt.size);
}

static int payload_matches(const uint8_t *p, size_t len, uint64_t seq) {
  if (len != (size_t)opt.size) return 0;
  if (!has_seq()) return memcmp(p, template_msg, len) == 0;
  size_t off = seq_offset();
  uint8_t digits[16];
  write_seq(digits, seq);
  return memcmp(p, template_msg, off) == 0 && memcmp(p + off, digits, 16) == 0 &&
         memcmp(p + off + 16, template_msg + off + 16, len - off - 16) == 0;
}

/* Inflates a compressed message (RFC 7692 7.2.2) into the scratch buffer. */
static int inflate_message(struct conn *c, uint8_t *p, size_t len, size_t *out_len) {
  if (!c->inflater) {
    c->inflater = xrealloc(NULL, sizeof(z_stream));
    memset(c->inflater, 0, sizeof(z_stream));
    if (inflateInit2(c->inflater, -15) != Z_OK) die("inflateInit2");
  }
  static const uint8_t tail[4] = {0, 0, 0xff, 0xff};
  z_stream *z = c->inflater;
  z->next_out = scratch, z->avail_out = (uInt)scratch_cap;
  z->next_in = p, z->avail_in = (uInt)len;
  int rc = inflate(z, Z_SYNC_FLUSH);
  if (rc != Z_OK && rc != Z_BUF_ERROR) return 0;
  z->next_in = (uint8_t *)tail, z->avail_in = 4;
  rc = inflate(z, Z_SYNC_FLUSH);
  if (rc != Z_OK && rc != Z_BUF_ERROR) return 0;
  *out_len = scratch_cap - z->avail_out;
  return 1;
}

/* ---- fan-out bookkeeping: a broadcast (publish) is complete when every connection (every
   subscriber) has it ------------------------------------------------------------------------- */

#define RING 4096
static uint32_t delivered[RING];
static uint64_t broadcast_sent_at[RING], broadcasts_sent, broadcasts_completed;

static void send_broadcasts(void) {
  if (phase != PH_WARMUP && phase != PH_MEASURE) return;
  struct conn *sender = &conns[0];
  while (broadcasts_sent - broadcasts_completed < (uint64_t)opt.inflight) {
    broadcast_sent_at[broadcasts_sent % RING] = now_ns();
    send_message(sender, broadcasts_sent++);
  }
  flush_out(sender);
}

static uint32_t fan_out_target(void) {
  return (uint32_t)(opt.mode == MODE_PUBLISH ? opt.subscribers : opt.connections);
}

static void on_broadcast_delivery(uint64_t seq, uint64_t t) {
  uint64_t slot = seq % RING;
  uint32_t target = fan_out_target();
  if (phase == PH_MEASURE) messages++, hist_add(t - broadcast_sent_at[slot]);
  if (++delivered[slot] < target) return;
  while (broadcasts_completed < broadcasts_sent && delivered[broadcasts_completed % RING] == target)
    delivered[broadcasts_completed++ % RING] = 0;
  send_broadcasts();
}

/* ---- publish mode: subscriptions before the traffic ------------------------------------------ */

static void send_subscriptions(void) {
  for (int i = 0; i < opt.subscribers; i++) {
    queue_frame(&conns[i], 1, 0, (const uint8_t *)SUBSCRIBE_MSG, SUBSCRIBE_LEN);
    flush_out(&conns[i]);
  }
}

static void on_subscribe_ack(struct conn *c, const uint8_t *p, size_t len) {
  if (c->index >= opt.subscribers || c->acked || len != SUBSCRIBE_LEN || memcmp(p, SUBSCRIBE_MSG, len) != 0) {
    record_error("connection %d: unexpected message while subscribing", c->index);
    return;
  }
  c->acked = 1, acked_count++;
}

/* ---- per-mode reactions to a received data message ---------------------------------------- */

static void on_echo(struct conn *c, uint64_t t) {
  uint64_t slot = c->received % (uint64_t)opt.inflight;
  if (phase == PH_MEASURE) messages++, hist_add(t - c->sent_at[slot]);
  c->received++;
  if (phase != PH_WARMUP && phase != PH_MEASURE) return;
  c->sent_at[c->sent % (uint64_t)opt.inflight] = t;
  send_message(c, c->sent++);
}

static void on_data_message(struct conn *c, uint8_t *p, size_t len, int compressed) {
  uint64_t t = now_ns();
  if (compressed) {
    if (!inflate_message(c, p, len, &len)) { record_error("inflate failed"); return; }
    p = scratch;
  }
  if (phase == PH_SUBSCRIBE) { on_subscribe_ack(c, p, len); return; }
  if (opt.mode == MODE_PUBLISH && c->index >= opt.subscribers) {
    record_error("connection %d did not subscribe but got a message", c->index);
    return;
  }
  if (!payload_matches(p, len, c->received)) {
    record_error("connection %d: message %llu differs (%zu bytes)", c->index, (unsigned long long)c->received, len);
    return;
  }
  if (phase == PH_MEASURE) bytes += len;
  if (fan_out()) on_broadcast_delivery(c->received++, t);
  else if (opt.mode == MODE_ECHO) on_echo(c, t);
  else record_error("unexpected message in mode %d", opt.mode);
}

/* ---- connection life cycle ---------------------------------------------------------------- */

static void open_socket(struct conn *c);

static void close_conn(struct conn *c) {
  conn_free_transport(c);
  if (c->fd >= 0) close(c->fd);
  if (c->state == ST_OPEN || c->state == ST_CLOSING || c->state == ST_WAIT_EOF) open_count--;
  if (c->state == ST_CONNECTING || c->state == ST_TLS_HANDSHAKE || c->state == ST_UPGRADING) pending_count--;
  c->fd = -1, c->state = ST_DONE, c->want_out = 0;
  c->in.len = c->in.off = c->out.len = c->out.off = 0;
  if (c->inflater) inflateEnd(c->inflater), free(c->inflater), c->inflater = NULL;
}

static void handshake_cycle_done(struct conn *c) {
  uint64_t t = now_ns();
  if (phase == PH_MEASURE) messages++, hist_add(t - c->started_at);
  close_conn(c);
  if (phase == PH_WARMUP || phase == PH_MEASURE) open_socket(c);
}

static void fail_conn(struct conn *c, const char *what) {
  record_error("connection %d: %s", c->index, what);
  close_conn(c);
  if (opt.mode == MODE_HANDSHAKE && (phase == PH_WARMUP || phase == PH_MEASURE)) open_socket(c);
}

static void send_upgrade(struct conn *c) {
  uint8_t raw[16];
  for (int i = 0; i < 16; i += 4) {
    uint32_t r = rng32();
    memcpy(raw + i, &r, 4);
  }
  base64(raw, 16, c->key);
  const char *offer = !opt.deflate ? ""
                      : opt.no_context_takeover
                          ? "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; "
                            "client_no_context_takeover; client_max_window_bits\r\n"
                          : "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n";
  char req[640];
  int n = snprintf(req, sizeof req,
                   "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n%s\r\n",
                   opt.path, opt.host, opt.port, c->key, offer);
  buf_reserve(&c->out, (size_t)n);
  memcpy(c->out.data + c->out.len, req, (size_t)n);
  c->out.len += (size_t)n;
  c->state = ST_UPGRADING;
  flush_out(c);
}

static void open_socket(struct conn *c) {
  c->started_at = now_ns();
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (c->fd < 0) die("socket: %s (raise ulimit -n)", strerror(errno));
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (opt.src_ips > 0) { /* spread connections over 127.0.0.2.. to avoid port exhaustion */
    struct sockaddr_in src = {.sin_family = AF_INET};
    src.sin_addr.s_addr = htonl(0x7f000002u + (uint32_t)(c->index % opt.src_ips));
    setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    if (bind(c->fd, (struct sockaddr *)&src, sizeof src) < 0) die("bind: %s", strerror(errno));
  }
  struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons((uint16_t)opt.port)};
  inet_pton(AF_INET, opt.host, &dst.sin_addr);
  if (connect(c->fd, (struct sockaddr *)&dst, sizeof dst) < 0 && errno != EINPROGRESS)
    die("connect: %s", strerror(errno));
  c->state = ST_CONNECTING, c->want_out = 1, c->received = c->sent = 0;
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.u32 = (uint32_t)c->index};
  epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev);
  pending_count++;
}

static const char *find_header(const char *head, const char *name) {
  size_t n = strlen(name);
  for (const char *p = strstr(head, "\r\n"); p; p = strstr(p + 2, "\r\n"))
    if (strncasecmp(p + 2, name, n) == 0) {
      const char *v = p + 2 + n;
      while (*v == ' ') v++;
      return v;
    }
  return NULL;
}

static int check_accept(struct conn *c, const char *head) {
  char input[96], expected[32];
  uint8_t digest[20];
  int n = snprintf(input, sizeof input, "%s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", c->key);
  sha1((const uint8_t *)input, (size_t)n, digest);
  base64(digest, 20, expected);
  const char *v = find_header(head, "sec-websocket-accept:");
  return v && strncmp(v, expected, strlen(expected)) == 0;
}

static void on_open(struct conn *c) {
  pending_count--, open_count++;
  c->state = ST_OPEN;
  if (opt.mode == MODE_HANDSHAKE) { /* straight into the close handshake */
    uint8_t code[2] = {0x03, 0xe8};
    queue_frame(c, 8, 0, code, 2);
    c->state = ST_CLOSING;
  }
}

/* Parses the 101 response; returns 0 while it is incomplete. */
static int handle_upgrade_response(struct conn *c) {
  struct buf *b = &c->in;
  uint8_t *start = b->data + b->off;
  uint8_t *end = memmem(start, b->len - b->off, "\r\n\r\n", 4);
  if (!end) return 0;
  size_t head_len = (size_t)(end - start) + 4;
  char *head = xrealloc(NULL, head_len + 1);
  memcpy(head, start, head_len);
  head[head_len] = 0;
  b->off += head_len;
  if (strncmp(head, "HTTP/1.1 101", 12) != 0) fail_conn(c, "no 101 response");
  else if (!check_accept(c, head)) fail_conn(c, "bad Sec-WebSocket-Accept");
  else {
    const char *ext = find_header(head, "sec-websocket-extensions:");
    int negotiated = ext && strncasecmp(ext, "permessage-deflate", 18) == 0;
    const char *line_end = ext ? strstr(ext, "\r\n") : NULL;
    const char *no_takeover = ext ? strstr(ext, "server_no_context_takeover") : NULL;
    if (deflate_negotiated < 0) deflate_negotiated = negotiated;
    /* RFC 7692 7.1.1.1: a server that accepts the offer must answer server_no_context_takeover. */
    if (negotiated && opt.no_context_takeover && (!no_takeover || no_takeover > line_end))
      fail_conn(c, "server accepted deflate without server_no_context_takeover");
    else on_open(c);
  }
  free(head);
  return 1;
}

/* Parses every complete server frame in the read buffer. */
static void handle_frames(struct conn *c) {
  struct buf *b = &c->in;
  while (c->state != ST_DONE && b->len - b->off >= 2) {
    uint8_t *p = b->data + b->off;
    size_t avail = b->len - b->off, h = 2, len = p[1] & 127;
    if (p[1] & 0x80) { fail_conn(c, "masked server frame"); return; }
    if (len == 126) {
      if (avail < 4) return;
      len = (size_t)p[2] << 8 | p[3], h = 4;
    } else if (len == 127) {
      if (avail < 10) return;
      len = 0, h = 10;
      for (int i = 2; i < 10; i++) len = len << 8 | p[i];
    }
    if (avail < h + len) { buf_reserve(b, h + len - avail); return; }
    b->off += h + len;
    int opcode = p[0] & 15, fin = p[0] & 0x80, rsv1 = p[0] & 0x40;
    if (opcode == 9) queue_frame(c, 10, 0, p + h, len); /* ping: answer pong */
    else if (opcode == 8) {
      if (c->state == ST_CLOSING) c->state = ST_WAIT_EOF;
      else { fail_conn(c, "server closed the connection"); return; }
    } else if ((opcode == 1 || opcode == 2) && fin) on_data_message(c, p + h, len, rsv1);
    else if (opcode != 10) { fail_conn(c, "fragmented or unknown frame"); return; }
  }
}

/* One read and what it completes; returns 0 when there is nothing more to read now. */
static int read_once(struct conn *c) {
  struct buf *b = &c->in;
  buf_reserve(b, 65536);
  ssize_t n = conn_read(c, b->data + b->len, b->cap - b->len);
  if (n == 0) {
    if (c->state == ST_WAIT_EOF) handshake_cycle_done(c);
    else if (phase != PH_DRAIN) fail_conn(c, "unexpected EOF");
    else close_conn(c);
    return 0;
  }
  if (n < 0) {
    if (errno != EAGAIN) fail_conn(c, strerror(errno));
    return 0;
  }
  b->len += (size_t)n;
  if (c->state == ST_UPGRADING && !handle_upgrade_response(c)) return 1;
  if (c->state != ST_DONE) handle_frames(c);
  return 1;
}

static void on_readable(struct conn *c) {
  /* TLS: a read returns one record at most; what OpenSSL already holds, epoll never reports. */
  while (read_once(c) && c->state != ST_DONE && conn_pending(c)) {}
}

#ifdef LOADGEN_TLS
/* Drives the TLS handshake; the WebSocket upgrade follows once it is done. */
static void tls_handshake_step(struct conn *c) {
  int rc = SSL_do_handshake(c->ssl);
  if (rc == 1) { send_upgrade(c); return; }
  int err = SSL_get_error(c->ssl, rc);
  if (err == SSL_ERROR_WANT_READ) set_events(c, 0);
  else if (err == SSL_ERROR_WANT_WRITE) set_events(c, 1);
  else {
    char why[160];
    ERR_error_string_n(ERR_get_error(), why, sizeof why);
    ERR_clear_error();
    fail_conn(c, why);
  }
}

static void start_tls(struct conn *c) {
  c->ssl = SSL_new(tls_ctx);
  if (!c->ssl || !SSL_set_fd(c->ssl, c->fd)) die("SSL_new failed");
  SSL_set_connect_state(c->ssl);
  c->state = ST_TLS_HANDSHAKE;
  tls_handshake_step(c);
}
#endif

/* The TCP connection is up: TLS first when asked, then the upgrade request. */
static void on_connected(struct conn *c) {
#ifdef LOADGEN_TLS
  if (opt.tls) { start_tls(c); return; }
#endif
  send_upgrade(c);
}

static void on_event(struct conn *c, uint32_t events) {
  if (c->state == ST_CONNECTING && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err) die("connect: %s", strerror(err));
    on_connected(c);
    return;
  }
#ifdef LOADGEN_TLS
  if (c->state == ST_TLS_HANDSHAKE) { tls_handshake_step(c); return; }
#endif
  if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) on_readable(c);
  /* Everything one read produced leaves in one write (a socket reopened by a finished
     handshake cycle is still connecting: it must keep waiting for EPOLLOUT). */
  if (c->state != ST_DONE && c->state != ST_CONNECTING) flush_out(c);
}

/* ---- phases ------------------------------------------------------------------------------- */

static void print_line(const char *line) {
  fputs(line, stdout);
  fputc('\n', stdout);
  fflush(stdout);
}

static void start_traffic(void) {
  if (fan_out()) send_broadcasts();
  if (opt.mode != MODE_ECHO) return;
  uint64_t t = now_ns();
  for (int i = 0; i < opt.connections; i++) {
    struct conn *c = &conns[i];
    for (int k = 0; k < opt.inflight; k++) c->sent_at[c->sent % (uint64_t)opt.inflight] = t, send_message(c, c->sent++);
    flush_out(c);
  }
}

static void print_results(void) {
  double secs = (window_end_ns - window_start_ns) / 1e9, cpu = cpu_end - cpu_start;
  double per_s = secs > 0 ? 1 / secs : 0; /* idle mode has an empty window */
  const char *names[] = {"echo", "handshake", "broadcast", "publish", "idle"};
  printf("{\"mode\":\"%s\",\"connections\":%d,\"subscribers\":%d,\"inflight\":%d,\"size\":%d,"
         "\"opcode\":%d,\"tls\":%s,\"deflate\":%s,\"seconds\":%.4f,\"messages\":%llu,\"messages_per_s\":%.1f,"
         "\"bytes\":%llu,\"p50_us\":%.2f,\"p99_us\":%.2f,\"cpu_s\":%.4f,\"cpu_share\":%.4f,"
         "\"errors\":%llu,\"error\":%s%s%s}\n",
         names[opt.mode], opt.connections, opt.subscribers, opt.inflight, opt.size, opt.opcode,
         opt.tls ? "true" : "false", deflate_negotiated == 1 ? "true" : "false", secs, (unsigned long long)messages, messages * per_s,
         (unsigned long long)bytes, hist_percentile_us(0.5), hist_percentile_us(0.99), cpu, cpu * per_s,
         (unsigned long long)errors, first_error[0] ? "\"" : "", first_error[0] ? first_error : "null",
         first_error[0] ? "\"" : "");
  fflush(stdout);
}

/* Opens connections, at most 256 handshakes at a time so the server's backlog never overflows. */
static int next_to_open;
static void open_more(void) {
  while (next_to_open < opt.connections && pending_count < 256) open_socket(&conns[next_to_open++]);
}

static void start_warmup(uint64_t t) {
  phase = PH_WARMUP, phase_end_ns = t + (uint64_t)(opt.warmup * 1e9);
  start_traffic();
}

static void advance_phase(uint64_t t) {
  /* Handshake mode needs no open connections: its traffic is opening them. */
  if (phase == PH_CONNECT && (open_count == opt.connections || opt.mode == MODE_HANDSHAKE)) {
    if (opt.mode == MODE_IDLE) {
      print_line("{\"event\":\"ready\"}");
      window_start_ns = window_end_ns = t, cpu_start = cpu_end = cpu_seconds();
      phase = PH_DRAIN;
      print_results();
      return;
    }
    if (opt.mode == MODE_PUBLISH) phase = PH_SUBSCRIBE, send_subscriptions();
    else start_warmup(t);
  } else if (phase == PH_SUBSCRIBE && acked_count == opt.subscribers) {
    start_warmup(t);
  } else if (phase == PH_WARMUP && t >= phase_end_ns) {
    print_line("{\"event\":\"warm\"}");
    phase = PH_MEASURE, window_start_ns = now_ns(), cpu_start = cpu_seconds();
    phase_end_ns = window_start_ns + (uint64_t)(opt.duration * 1e9);
  } else if (phase == PH_MEASURE && t >= phase_end_ns) {
    window_end_ns = t, cpu_end = cpu_seconds();
    phase = PH_DRAIN;
    print_results();
  }
}

/* What the mode and the other options need from each other. */
static void check_mode_options(void) {
  if (opt.mode == MODE_BROADCAST) fan_prefix = "broadcast:";
  if (opt.mode == MODE_PUBLISH) fan_prefix = "publish:";
  fan_prefix_len = strlen(fan_prefix);
  if (fan_out() && opt.size < (int)fan_prefix_len + 16) opt.size = (int)fan_prefix_len + 16;
  if (opt.mode == MODE_PUBLISH) {
    if (opt.subscribers == 0) opt.subscribers = opt.connections;
    if (opt.subscribers < 1 || opt.subscribers > opt.connections) die("bad --subscribers");
  }
  if (opt.json_document && (!opt.deflate || (size_t)opt.size < fan_prefix_len + 16))
    die("--json-document needs --deflate and --size of at least 16 (after the prefix)");
  if (opt.no_context_takeover && !opt.deflate) die("--no-context-takeover needs --deflate");
#ifndef LOADGEN_TLS
  if (opt.tls) die("--tls: this load generator was built without OpenSSL");
#endif
}

static void parse_args(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
    if (!strcmp(a, "--deflate")) { opt.deflate = 1; continue; }
    if (!strcmp(a, "--no-context-takeover")) { opt.no_context_takeover = 1; continue; }
    if (!strcmp(a, "--json-object")) { opt.json_object = 1; continue; }
    if (!strcmp(a, "--json-document")) { opt.json_document = 1; continue; }
    if (!strcmp(a, "--tls")) { opt.tls = 1; continue; }
    i++;
    if (!strcmp(a, "--host")) opt.host = v;
    else if (!strcmp(a, "--path")) opt.path = v;
    else if (!strcmp(a, "--json-event")) opt.json_event = v;
    else if (!strcmp(a, "--port")) opt.port = atoi(v);
    else if (!strcmp(a, "--connections")) opt.connections = atoi(v);
    else if (!strcmp(a, "--inflight")) opt.inflight = atoi(v);
    else if (!strcmp(a, "--size")) opt.size = atoi(v);
    else if (!strcmp(a, "--opcode")) opt.opcode = atoi(v);
    else if (!strcmp(a, "--src-ips")) opt.src_ips = atoi(v);
    else if (!strcmp(a, "--subscribers")) opt.subscribers = atoi(v);
    else if (!strcmp(a, "--warmup")) opt.warmup = atof(v);
    else if (!strcmp(a, "--duration")) opt.duration = atof(v);
    else if (!strcmp(a, "--mode")) {
      if (!strcmp(v, "echo")) opt.mode = MODE_ECHO;
      else if (!strcmp(v, "handshake")) opt.mode = MODE_HANDSHAKE;
      else if (!strcmp(v, "broadcast")) opt.mode = MODE_BROADCAST;
      else if (!strcmp(v, "publish")) opt.mode = MODE_PUBLISH;
      else if (!strcmp(v, "idle")) opt.mode = MODE_IDLE;
      else die("unknown mode %s", v);
    } else die("unknown option %s", a);
  }
  if (!opt.port) die("--port is required");
  if (opt.connections < 1 || opt.inflight < 1 || opt.inflight > RING) die("bad --connections or --inflight");
  check_mode_options();
  if (opt.json_event) {
    if (opt.mode != MODE_ECHO || opt.deflate || opt.opcode != 1) die("--json-event needs --mode echo, text, no --deflate");
    for (const char *p = opt.json_event; *p; p++)
      if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
        die("--json-event: letters, digits, '-' and '_' only");
    const char *data_open = opt.json_object ? "{\"text\":\"" : "\"";
    int n = snprintf(json_prefix, sizeof json_prefix, "{\"event\":\"%s\",\"data\":%s", opt.json_event, data_open);
    if (n < 0 || (size_t)n >= sizeof json_prefix) die("--json-event: name too long");
    json_prefix_len = (size_t)n;
    if (opt.json_object) json_suffix = "\",\"n\":1}}", json_suffix_len = strlen(json_suffix);
    if ((size_t)opt.size < json_prefix_len + 16 + json_suffix_len) die("--size too small for --json-event %s", opt.json_event);
  } else if (opt.json_object) die("--json-object needs --json-event");
}

int main(int argc, char **argv) {
  parse_args(argc, argv);
  rng_state ^= now_ns() ^ (uint64_t)getpid() << 32;
  build_template();
  if (opt.deflate) build_compressed();
#ifdef LOADGEN_TLS
  if (opt.tls) tls_init();
#endif
  conns = calloc((size_t)opt.connections, sizeof *conns);
  if (!conns) die("out of memory");
  for (int i = 0; i < opt.connections; i++) {
    conns[i].index = i, conns[i].fd = -1;
    conns[i].sent_at = calloc((size_t)opt.inflight, sizeof(uint64_t));
  }
  epfd = epoll_create1(0);
  struct epoll_event in_ev = {.events = EPOLLIN, .data.u32 = UINT32_MAX}; /* stdin: EOF ends the run */
  fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
  epoll_ctl(epfd, EPOLL_CTL_ADD, 0, &in_ev);
  struct epoll_event events[512];
  for (;;) {
    if (phase == PH_CONNECT) open_more();
    int n = epoll_wait(epfd, events, 512, 50);
    for (int i = 0; i < n; i++) {
      if (events[i].data.u32 == UINT32_MAX) {
        char tmp[64];
        ssize_t r = read(0, tmp, sizeof tmp);
        if (r == 0 || (r < 0 && errno != EAGAIN)) return 0; /* the orchestrator is done with us */
        continue;
      }
      on_event(&conns[events[i].data.u32], events[i].events);
    }
    advance_phase(now_ns());
  }
}
