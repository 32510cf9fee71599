/*
 * The seed's hub and spoke, run through the ikesuite C API from one C
 * program with its own sockets, its own clock and its own poll() loop.
 *
 *   hub   127.0.0.1  UDP 10500 (IKE) and 14500 (NAT-T, ESP in UDP)
 *   spoke 127.0.0.2  same ports
 *
 * The spoke's LAN (10.2.2.2) pings the hub's inside address (10.1.1.1):
 * the echo requests are built here, enter the spoke as inside packets, the
 * first one starts IKE (Main Mode, Quick Mode), they cross the tunnel as
 * ESP in UDP over real loopback sockets, a small echo responder answers on
 * the hub's inside, and the replies come back the same way. The 10.x
 * addresses are only bytes inside the tunnel.
 *
 * Exit status 0 only when echo replies came back through ESP.
 *
 * Usage: hub_spoke HUB.cfg SPOKE.cfg [-v]   (-v: print the IKE debug log)
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ikesuite.h"

#define IKE_PORT 10500
#define NATT_PORT 14500
#define HUB_ADDR 0x7F000001u   /* 127.0.0.1, host order */
#define SPOKE_ADDR 0x7F000002u /* 127.0.0.2 */
#define HUB_INSIDE 0x0A010101u /* 10.1.1.1: the hub's FastEthernet0/1 */
#define SPOKE_LAN_HOST 0x0A020202u /* 10.2.2.2: the spoke's FastEthernet0/1 */
#define PINGS 5
#define PING_EVERY_MS 300
#define DEADLINE_MS 20000
#define ECHO_ID 0x1C5E
#define MAX_DATAGRAM 65535

struct node {
    const char *name;
    iks_gateway *gw;
    uint32_t addr;
    int ike_fd;
    int natt_fd;
};

static const char *log_node = "-"; /* which node the current call runs */
static int verbose;
static unsigned replies;
static unsigned requests_answered;

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void print_error(const char *what, iks_result r)
{
    char text[512];
    size_t len = 0;
    if (iks_last_error(text, sizeof text, &len) != IKS_OK)
        snprintf(text, sizeof text, "(error text too long)");
    fprintf(stderr, "%s: error %d: %s\n", what, (int)r, text);
}

static void on_log(void *userdata, uint32_t level, const char *target, const char *message)
{
    (void)target;
    FILE *out = userdata;
    if (verbose || level <= IKS_LOG_WARN)
        fprintf(out, "%-5s log: %s\n", log_node, message);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        char *bigger = realloc(buf, cap * 2);
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    fclose(f);
    *len = n;
    return buf;
}

static int udp_socket(uint32_t addr, uint16_t port)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) {
        perror("socket");
        return -1;
    }
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(addr);
    sin.sin_port = htons(port);
    if (bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0) {
        perror("bind");
        close(fd);
        return -1;
    }
    return fd;
}

/* ---- IPv4 / ICMP, built and checked by hand -------------------------- */

static uint16_t checksum(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static uint32_t get32(const uint8_t *p) { return (uint32_t)get16(p) << 16 | get16(p + 2); }

/* An IPv4 header + ICMP echo (type 8 request, 0 reply) of 56 data bytes. */
static size_t build_echo(uint8_t *pkt, uint32_t src, uint32_t dst, uint8_t type, uint16_t id,
                         uint16_t seq, const uint8_t *data, size_t data_len)
{
    size_t icmp_len = 8 + data_len, total = 20 + icmp_len;
    memset(pkt, 0, 28);
    pkt[0] = 0x45;
    put16(pkt + 2, (uint16_t)total);
    put16(pkt + 4, seq);
    pkt[8] = 64; /* TTL */
    pkt[9] = 1;  /* ICMP */
    put32(pkt + 12, src);
    put32(pkt + 16, dst);
    put16(pkt + 10, checksum(pkt, 20));
    uint8_t *icmp = pkt + 20;
    icmp[0] = type;
    put16(icmp + 4, id);
    put16(icmp + 6, seq);
    memcpy(icmp + 8, data, data_len);
    put16(icmp + 2, checksum(icmp, icmp_len));
    return total;
}

struct echo {
    uint32_t src, dst;
    uint8_t type;
    uint16_t id, seq;
    const uint8_t *data;
    size_t data_len;
};

/* Parses an IPv4 ICMP echo; 0 when it is not one or a checksum is wrong. */
static int parse_echo(const uint8_t *pkt, size_t len, struct echo *e)
{
    if (len < 28 || (pkt[0] >> 4) != 4)
        return 0;
    size_t ihl = (size_t)(pkt[0] & 0x0F) * 4, total = get16(pkt + 2);
    if (ihl < 20 || total > len || total < ihl + 8 || pkt[9] != 1 || checksum(pkt, ihl) != 0)
        return 0;
    const uint8_t *icmp = pkt + ihl;
    size_t icmp_len = total - ihl;
    if (checksum(icmp, icmp_len) != 0 || (icmp[0] != 0 && icmp[0] != 8) || icmp[1] != 0)
        return 0;
    e->src = get32(pkt + 12);
    e->dst = get32(pkt + 16);
    e->type = icmp[0];
    e->id = get16(icmp + 4);
    e->seq = get16(icmp + 6);
    e->data = icmp + 8;
    e->data_len = icmp_len - 8;
    return 1;
}

static void print_addr(const char *label, uint32_t a, uint16_t port)
{
    printf("%s %u.%u.%u.%u", label, a >> 24, (a >> 16) & 0xFF, (a >> 8) & 0xFF, a & 0xFF);
    if (port)
        printf(":%u", port);
}

/* ---- driving a gateway ------------------------------------------------ */

static int feed_inside(struct node *n, const uint8_t *pkt, size_t len)
{
    log_node = n->name;
    iks_result r = iks_gateway_handle_inside(n->gw, now_ms(), pkt, len);
    if (r != IKS_OK)
        print_error("handle_inside", r);
    return r == IKS_OK ? 0 : -1;
}

static void print_event(const struct node *n, const iks_event *e)
{
    static const char *const names[] = {
        "?", "IKE SA up", "IKE SA down", "IKE SA failed", "IPsec SA up", "IPsec SA down",
        "IPsec SA rekeyed", "IPsec SA failed", "IPsec SA install failed", "peer dead",
        "peer moved", "notify", "dropped",
    };
    const char *name = e->kind < sizeof names / sizeof names[0] ? names[e->kind] : "?";
    printf("%-5s event: %s", n->name, name);
    if (e->peer_addr)
        print_addr(", peer", e->peer_addr, e->peer_port);
    if (e->spi_in || e->spi_out)
        printf(", spi in 0x%08X out 0x%08X%s", e->spi_in, e->spi_out,
               e->udp_encapsulated ? " (ESP in UDP)" : "");
    if (e->kind == IKS_EVENT_DROPPED)
        printf(", %u packet(s), reason %u", e->count, e->reason);
    else if (e->reason)
        printf(", reason %u", e->reason);
    printf("\n");
}

/* The hub's inside: answer echo requests for its own inside address. */
static void hub_inside(struct node *hub, const uint8_t *pkt, size_t len)
{
    struct echo e;
    if (!parse_echo(pkt, len, &e) || e.type != 8 || e.dst != HUB_INSIDE)
        return;
    uint8_t reply[1500];
    if (20 + 8 + e.data_len > sizeof reply)
        return;
    size_t n = build_echo(reply, e.dst, e.src, 0, e.id, e.seq, e.data, e.data_len);
    requests_answered++;
    feed_inside(hub, reply, n);
}

/* The spoke's inside: count our echo replies. */
static void spoke_inside(const uint8_t *pkt, size_t len)
{
    struct echo e;
    if (!parse_echo(pkt, len, &e) || e.type != 0 || e.id != ECHO_ID || e.src != HUB_INSIDE ||
        e.dst != SPOKE_LAN_HOST)
        return;
    replies++;
    printf("spoke inside: echo reply from 10.1.1.1, seq %u, %zu bytes, through ESP\n", e.seq, len);
}

/* Carries out everything the gateway wants done; -1 on a fatal error. */
static int drain(struct node *n, int is_hub, uint8_t *buf)
{
    int delivered;
again:
    delivered = 0;
    for (;;) {
        iks_transmit t;
        iks_result r = iks_gateway_poll_transmit(n->gw, buf, MAX_DATAGRAM, &t);
        if (r == IKS_ERR_EMPTY)
            break;
        if (r != IKS_OK) {
            print_error("poll_transmit", r);
            return -1;
        }
        if (t.kind != IKS_TRANSMIT_UDP) {
            /* Forced encapsulation: no raw ESP; no clear path here. */
            printf("%-5s dropping a %s packet of %zu bytes\n", n->name,
                   t.kind == IKS_TRANSMIT_ESP ? "raw ESP" : "clear", t.len);
            continue;
        }
        int fd = t.local_port == NATT_PORT ? n->natt_fd : n->ike_fd;
        struct sockaddr_in to;
        memset(&to, 0, sizeof to);
        to.sin_family = AF_INET;
        to.sin_addr.s_addr = htonl(t.remote_addr);
        to.sin_port = htons(t.remote_port);
        if (sendto(fd, buf, t.len, 0, (struct sockaddr *)&to, sizeof to) < 0)
            perror("sendto");
    }
    for (;;) {
        size_t len = 0;
        iks_result r = iks_gateway_poll_inside(n->gw, buf, MAX_DATAGRAM, &len);
        if (r == IKS_ERR_EMPTY)
            break;
        if (r != IKS_OK) {
            print_error("poll_inside", r);
            return -1;
        }
        delivered = 1;
        if (is_hub)
            hub_inside(n, buf, len);
        else
            spoke_inside(buf, len);
    }
    /* The echo responder fed the gateway again: send its replies now. */
    if (delivered)
        goto again;
    for (;;) {
        iks_event e;
        iks_result r = iks_gateway_poll_event(n->gw, &e);
        if (r == IKS_ERR_EMPTY)
            break;
        if (r != IKS_OK) {
            print_error("poll_event", r);
            return -1;
        }
        print_event(n, &e);
    }
    return 0;
}

static int receive(struct node *n, int fd, uint16_t local_port, uint8_t *buf)
{
    struct sockaddr_in from;
    socklen_t from_len = sizeof from;
    ssize_t got = recvfrom(fd, buf, MAX_DATAGRAM, 0, (struct sockaddr *)&from, &from_len);
    if (got < 0)
        return errno == EAGAIN || errno == EINTR ? 0 : -1;
    log_node = n->name;
    iks_result r = iks_gateway_handle_datagram(n->gw, now_ms(), n->addr, local_port,
                                               ntohl(from.sin_addr.s_addr), ntohs(from.sin_port),
                                               buf, (size_t)got);
    if (r != IKS_OK) {
        print_error("handle_datagram", r);
        return -1;
    }
    return 0;
}

/* Renders a show command, growing the buffer when the library says so. */
static void show(const struct node *n, const char *command)
{
    size_t cap = 64, len = 0;
    char *buf = malloc(cap);
    iks_result r = IKS_ERR_BUFFER_TOO_SMALL;
    while (buf && (r = iks_gateway_show(n->gw, (const uint8_t *)command, strlen(command), now_ms(),
                                        (uint8_t *)buf, cap, &len)) == IKS_ERR_BUFFER_TOO_SMALL) {
        cap = len + 1;
        char *bigger = realloc(buf, cap);
        if (!bigger)
            break;
        buf = bigger;
    }
    if (r == IKS_OK)
        printf("\n%s#%s\n%s\n", n->name, command, buf);
    else
        print_error(command, r);
    free(buf);
}

static int make_node(struct node *n, const char *name, const char *cfg_path, uint32_t addr,
                     uint32_t outside)
{
    memset(n, 0, sizeof *n);
    n->name = name;
    n->addr = addr;
    n->ike_fd = n->natt_fd = -1;
    size_t len = 0;
    char *text = read_file(cfg_path, &len);
    if (!text)
        return -1;
    iks_gateway_options opts;
    iks_gateway_options_init(&opts);
    opts.outside_addr = outside;
    opts.ike_port = IKE_PORT;
    opts.natt_port = NATT_PORT;
    opts.force_udp_encapsulation = true; /* UDP sockets cannot send raw ESP */
    iks_config_error where;
    log_node = name;
    iks_result r = iks_gateway_new((const uint8_t *)text, len, &opts, &where, &n->gw);
    free(text);
    if (r != IKS_OK) {
        print_error(cfg_path, r);
        if (r == IKS_ERR_CONFIG)
            fprintf(stderr, "%s:%u:%u\n", cfg_path, where.line, where.column);
        return -1;
    }
    n->ike_fd = udp_socket(addr, IKE_PORT);
    n->natt_fd = udp_socket(addr, NATT_PORT);
    return n->ike_fd < 0 || n->natt_fd < 0 ? -1 : 0;
}

static void free_node(struct node *n)
{
    if (n->ike_fd >= 0)
        close(n->ike_fd);
    if (n->natt_fd >= 0)
        close(n->natt_fd);
    iks_gateway_free(n->gw);
    n->gw = NULL;
}

static uint64_t next_wake(struct node *nodes, uint64_t fallback)
{
    uint64_t at = fallback;
    for (int i = 0; i < 2; i++) {
        uint64_t t;
        if (iks_gateway_poll_timeout(nodes[i].gw, &t) == IKS_OK && t < at)
            at = t;
    }
    return at;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s HUB.cfg SPOKE.cfg [-v]\n", argv[0]);
        return 2;
    }
    verbose = argc > 3 && strcmp(argv[3], "-v") == 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("ikesuite %s (C API %u): hub 127.0.0.1, spoke 127.0.0.2, UDP %u/%u\n", iks_version(),
           iks_version_number(), IKE_PORT, NATT_PORT);
    if (iks_set_log_callback(on_log, stdout, IKS_LOG_DEBUG) != IKS_OK)
        print_error("iks_set_log_callback", IKS_ERR_INVALID_ARGUMENT);

    int status = 1;
    struct node nodes[2];
    struct node *hub = &nodes[0], *spoke = &nodes[1];
    uint8_t *buf = malloc(MAX_DATAGRAM);
    memset(nodes, 0, sizeof nodes);
    nodes[0].ike_fd = nodes[0].natt_fd = nodes[1].ike_fd = nodes[1].natt_fd = -1;
    if (!buf || make_node(hub, "Hub", argv[1], HUB_ADDR, 0) != 0 ||
        make_node(spoke, "Spoke", argv[2], SPOKE_ADDR, SPOKE_ADDR) != 0)
        goto out;

    uint64_t start = now_ms(), next_ping = start;
    unsigned sent = 0;
    uint8_t payload[56];
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)i;

    while (replies < PINGS) {
        uint64_t now = now_ms();
        if (now - start > DEADLINE_MS) {
            fprintf(stderr, "deadline: %u of %u replies after %u ms\n", replies, PINGS,
                    DEADLINE_MS);
            break;
        }
        if (sent < PINGS && now >= next_ping) {
            uint8_t pkt[128];
            size_t len = build_echo(pkt, SPOKE_LAN_HOST, HUB_INSIDE, 8, ECHO_ID,
                                    (uint16_t)(sent + 1), payload, sizeof payload);
            printf("spoke inside: echo request to 10.1.1.1, seq %u\n", sent + 1);
            if (feed_inside(spoke, pkt, len) != 0 || drain(spoke, 0, buf) != 0)
                goto out;
            sent++;
            next_ping = now + PING_EVERY_MS;
        }
        uint64_t wake = next_wake(nodes, start + DEADLINE_MS + 1);
        if (sent < PINGS && next_ping < wake)
            wake = next_ping;
        now = now_ms();
        int timeout = wake > now ? (int)(wake - now) : 0;

        struct pollfd fds[4] = {
            {hub->ike_fd, POLLIN, 0},
            {hub->natt_fd, POLLIN, 0},
            {spoke->ike_fd, POLLIN, 0},
            {spoke->natt_fd, POLLIN, 0},
        };
        int ready = poll(fds, 4, timeout);
        if (ready < 0 && errno != EINTR) {
            perror("poll");
            goto out;
        }
        for (int i = 0; ready > 0 && i < 4; i++) {
            if (!(fds[i].revents & POLLIN))
                continue;
            struct node *n = i < 2 ? hub : spoke;
            uint16_t port = i % 2 == 0 ? IKE_PORT : NATT_PORT;
            if (receive(n, fds[i].fd, port, buf) != 0 || drain(n, n == hub, buf) != 0)
                goto out;
        }
        now = now_ms();
        for (int i = 0; i < 2; i++) {
            uint64_t t;
            if (iks_gateway_poll_timeout(nodes[i].gw, &t) == IKS_OK && t <= now) {
                log_node = nodes[i].name;
                if (iks_gateway_handle_timeout(nodes[i].gw, now) != IKS_OK ||
                    drain(&nodes[i], i == 0, buf) != 0)
                    goto out;
            }
        }
    }

    show(hub, "show crypto isakmp sa");
    show(hub, "show crypto ipsec sa");
    show(spoke, "show crypto isakmp sa detail");
    show(spoke, "show crypto ipsec sa");

    iks_gateway_counters hc, sc;
    iks_gateway_get_counters(hub->gw, &hc);
    iks_gateway_get_counters(spoke->gw, &sc);
    printf("--- 10.1.1.1 ping statistics (from 10.2.2.2, through the tunnel) ---\n"
           "%u packets transmitted, %u received; hub answered %u; "
           "spoke sealed %llu / delivered %llu, hub sealed %llu / delivered %llu\n",
           sent, replies, requests_answered, (unsigned long long)sc.sealed,
           (unsigned long long)sc.delivered, (unsigned long long)hc.sealed,
           (unsigned long long)hc.delivered);
    /* Replies only reach the spoke's inside by being opened from ESP. */
    if (replies > 0 && sc.delivered >= replies && hc.delivered >= replies)
        status = 0;

out:
    iks_set_log_callback(NULL, NULL, IKS_LOG_OFF);
    free_node(spoke);
    free_node(hub);
    free(buf);
    printf("%s\n", status == 0 ? "OK: echo replies came back through ESP" : "FAILED");
    return status;
}
