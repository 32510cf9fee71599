/*
 * One hub's data plane on two threads, through the ikesuite C API
 * (iks_gateway_split_data_plane): the hub's IKE stays on the main thread,
 * its ESP SAs go to two iks_worker handles, each driven by its own
 * pthread. Everything is carried in memory under a virtual clock: no
 * socket, and the addresses are only bytes.
 *
 * Spokes (LAN 10.(20+i).0.0/16, outside 198.51.100.(10+i)) come up one by
 * one until both workers own a tunnel (each pair lives on the worker of
 * its inbound SPI, spi % 2: iks_esp_worker). Then each spoke seals
 * PINGS echo requests; the main thread sorts the ESP by worker; both
 * worker threads at once open their share and seal the replies
 * (iks_worker_owner_of says which worker seals a reply: the one owning
 * the SA); the spokes open the replies. The hub's counters are the
 * workers' summed, and its `show crypto ipsec sa` lists their SAs.
 *
 * Exit status 0 only when every reply came back.
 *
 * Usage: split_hub
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ikesuite.h"

#define HUB_ADDR 0xC0000201u /* 192.0.2.1 */
#define HUB_HOST 0x0A010107u /* 10.1.1.7, on the hub's LAN */
#define MAX_SPOKES 16
#define PINGS 20
#define MAX_PACKET 2048

static const char HUB_CFG[] =
    "crypto keyring spokes\n"
    " pre-shared-key address 0.0.0.0 0.0.0.0 key cisco123\n"
    "crypto isakmp policy 10\n encr aes\n authentication pre-share\n group 2\n"
    "crypto isakmp profile L2L\n keyring spokes\n match identity address 0.0.0.0\n"
    "crypto ipsec transform-set gcm esp-gcm\n"
    "crypto dynamic-map dynmap 10\n set transform-set gcm\n set isakmp-profile L2L\n"
    "crypto map mymap 10 ipsec-isakmp dynamic dynmap\n"
    "interface FastEthernet0/0\n ip address 192.0.2.1 255.255.255.0\n crypto map mymap\n";

/* %d: the spoke's second LAN octet. */
static const char SPOKE_CFG[] =
    "crypto isakmp policy 10\n encr aes\n authentication pre-share\n group 2\n"
    "crypto isakmp key cisco123 address 192.0.2.1\n"
    "crypto ipsec transform-set gcm esp-gcm\n"
    "crypto map mymap 10 ipsec-isakmp\n set peer 192.0.2.1\n set transform-set gcm\n"
    " match address 100\n"
    "interface FastEthernet0/0\n ip address dhcp\n crypto map mymap\n"
    "access-list 100 permit ip 10.%d.0.0 0.0.255.255 10.1.0.0 0.0.255.255\n";

struct packet {
    uint8_t bytes[MAX_PACKET];
    size_t len;
    int spoke;
};

/* One worker thread's work: ESP in, sealed replies out. */
struct share {
    iks_worker *worker;
    uint32_t index;
    struct packet in[MAX_SPOKES * PINGS];
    size_t n_in;
    struct packet out[MAX_SPOKES * PINGS];
    size_t n_out;
    int failed;
};

static uint64_t now_ms = 1000000;

static void die(const char *what)
{
    char text[512];
    size_t len = 0;
    if (iks_last_error(text, sizeof text, &len) != IKS_OK)
        snprintf(text, sizeof text, "(no text)");
    fprintf(stderr, "split_hub: %s: %s\n", what, text);
    exit(1);
}

static uint32_t spoke_addr(int i) { return 0xC6336400u + 10u + (uint32_t)i; } /* 198.51.100.10+i */
static uint32_t spoke_host(int i) { return 0x0A000205u | ((uint32_t)(20 + i) << 16); } /* 10.20+i.2.5 */

static uint16_t checksum(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (len & 1)
        sum += (uint32_t)(p[len - 1] << 8);
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    return (uint16_t)~sum;
}

/* An ICMP echo request (type 8) or reply (0) of 64 bytes. */
static size_t icmp(uint8_t *p, uint32_t src, uint32_t dst, uint8_t type, uint16_t seq)
{
    memset(p, 0, 64);
    p[0] = 0x45;
    p[3] = 64;
    p[8] = 64;
    p[9] = 1;
    for (int k = 0; k < 4; k++) {
        p[12 + k] = (uint8_t)(src >> (24 - 8 * k));
        p[16 + k] = (uint8_t)(dst >> (24 - 8 * k));
    }
    uint16_t c = checksum(p, 20);
    p[10] = (uint8_t)(c >> 8);
    p[11] = (uint8_t)c;
    p[20] = type;
    p[26] = (uint8_t)(seq >> 8);
    p[27] = (uint8_t)seq;
    c = checksum(p + 20, 44);
    p[22] = (uint8_t)(c >> 8);
    p[23] = (uint8_t)c;
    return 64;
}

static iks_gateway *gateway(const char *cfg, uint32_t outside)
{
    iks_gateway_options o;
    if (iks_gateway_options_init(&o) != IKS_OK)
        die("options");
    o.outside_addr = outside;
    o.ike_port = 10500;
    o.natt_port = 14500;
    iks_gateway *gw = NULL;
    if (iks_gateway_new((const uint8_t *)cfg, strlen(cfg), &o, NULL, &gw) != IKS_OK)
        die("iks_gateway_new");
    return gw;
}

/* Everything `from` sends, into `to` (IKE as UDP, ESP raw). */
static int carry(iks_gateway *from, iks_gateway *to)
{
    static uint8_t buf[65535];
    iks_transmit t;
    int moved = 0;
    while (iks_gateway_poll_transmit(from, buf, sizeof buf, &t) == IKS_OK) {
        moved = 1;
        if (t.kind == IKS_TRANSMIT_UDP)
            iks_gateway_handle_datagram(to, now_ms, t.remote_addr, t.remote_port, t.local_addr,
                                        t.local_port, buf, t.len);
        else if (t.kind == IKS_TRANSMIT_ESP)
            iks_gateway_handle_esp(to, now_ms, t.local_addr, buf, t.len);
    }
    return moved;
}

static void *run_worker(void *arg)
{
    struct share *s = arg;
    uint8_t reply[64];
    for (size_t k = 0; k < s->n_in; k++) {
        struct packet *p = &s->in[k];
        iks_packet o = iks_worker_open_esp_into(s->worker, now_ms, spoke_addr(p->spoke), p->bytes,
                                                p->len);
        if (o.kind != IKS_PACKET_INSIDE) {
            s->failed++;
            continue;
        }
        const uint8_t *inner = p->bytes + o.offset;
        uint16_t seq = (uint16_t)(inner[26] << 8 | inner[27]);
        size_t len = icmp(reply, HUB_HOST, spoke_host(p->spoke), 0, seq);
        uint32_t sealer;
        if (iks_worker_owner_of(s->worker, reply, len, &sealer) != IKS_OK || sealer != s->index) {
            s->failed++; /* a pair's two SAs live on one worker */
            continue;
        }
        struct packet *out = &s->out[s->n_out];
        iks_packet r = iks_worker_seal_into(s->worker, now_ms, reply, len, out->bytes,
                                            sizeof out->bytes);
        if (r.kind != IKS_PACKET_ESP) {
            s->failed++;
            continue;
        }
        memmove(out->bytes, out->bytes + r.offset, r.len);
        out->len = r.len;
        out->spoke = p->spoke;
        s->n_out++;
    }
    return NULL;
}

int main(void)
{
    iks_gateway *hub = gateway(HUB_CFG, 0);
    iks_worker *workers[2];
    if (iks_gateway_split_data_plane(hub, 2, workers) != IKS_OK)
        die("iks_gateway_split_data_plane");

    iks_gateway *spokes[MAX_SPOKES];
    uint32_t owner[MAX_SPOKES];
    int n = 0, owned[2] = {0, 0};
    while (n < MAX_SPOKES && !(owned[0] && owned[1])) {
        char cfg[sizeof SPOKE_CFG + 16];
        snprintf(cfg, sizeof cfg, SPOKE_CFG, 20 + n);
        spokes[n] = gateway(cfg, spoke_addr(n));
        uint8_t first[64], out[MAX_PACKET];
        size_t len = icmp(first, spoke_host(n), HUB_HOST, 8, 0);
        if (iks_gateway_seal_into(spokes[n], now_ms, first, len, out, sizeof out).kind !=
            IKS_PACKET_HELD)
            die("the first ping should start IKE");
        while (carry(spokes[n], hub) | carry(hub, spokes[n])) {
        }
        iks_event e;
        int up = 0;
        while (iks_gateway_poll_event(hub, &e) == IKS_OK) {
            if (e.kind == IKS_EVENT_SA_UP) {
                uint8_t spi[4] = {(uint8_t)(e.spi_in >> 24), (uint8_t)(e.spi_in >> 16),
                                  (uint8_t)(e.spi_in >> 8), (uint8_t)e.spi_in};
                if (iks_esp_worker(spi, 4, 2, &owner[n]) != IKS_OK)
                    die("iks_esp_worker");
                owned[owner[n]] = up = 1;
            }
        }
        if (!up)
            die("a spoke's tunnel did not come up");
        n++;
    }
    if (!(owned[0] && owned[1]))
        die("the SPIs never spread over both workers");
    printf("split_hub: %d spokes up, owned by workers", n);
    for (int i = 0; i < n; i++)
        printf(" %u", owner[i]);
    printf("\n");

    /* Each spoke's pings, sealed at the spoke, sorted by SPI. */
    static struct share shares[2];
    for (int w = 0; w < 2; w++) {
        shares[w].worker = workers[w];
        shares[w].index = (uint32_t)w;
    }
    for (int i = 0; i < n; i++) {
        for (int seq = 1; seq <= PINGS; seq++) {
            uint8_t ping[64];
            size_t len = icmp(ping, spoke_host(i), HUB_HOST, 8, (uint16_t)seq);
            struct share *s = &shares[owner[i]];
            struct packet *p = &s->in[s->n_in];
            iks_packet r = iks_gateway_seal_into(spokes[i], now_ms, ping, len, p->bytes,
                                                 sizeof p->bytes);
            if (r.kind != IKS_PACKET_ESP)
                die("a spoke's seal");
            uint32_t w;
            if (iks_esp_worker(p->bytes + r.offset, r.len, 2, &w) != IKS_OK || w != owner[i])
                die("the ESP's worker");
            memmove(p->bytes, p->bytes + r.offset, r.len);
            p->len = r.len;
            p->spoke = i;
            s->n_in++;
        }
    }
    /* Both workers at once, each on its own thread. */
    pthread_t threads[2];
    for (int w = 0; w < 2; w++)
        if (pthread_create(&threads[w], NULL, run_worker, &shares[w]) != 0)
            die("pthread_create");
    for (int w = 0; w < 2; w++)
        pthread_join(threads[w], NULL);

    unsigned delivered = 0;
    for (int w = 0; w < 2; w++) {
        if (shares[w].failed)
            fprintf(stderr, "split_hub: worker %d: %d packets failed\n", w, shares[w].failed);
        for (size_t k = 0; k < shares[w].n_out; k++) {
            struct packet *p = &shares[w].out[k];
            iks_packet o = iks_gateway_open_esp_into(spokes[p->spoke], now_ms, HUB_ADDR,
                                                     p->bytes, p->len);
            delivered += o.kind == IKS_PACKET_INSIDE;
        }
    }
    iks_gateway_counters c;
    if (iks_gateway_get_counters(hub, &c) != IKS_OK)
        die("counters");
    printf("split_hub: %u of %d replies back; hub sealed %llu, delivered %llu (workers %zu + %zu)\n",
           delivered, n * PINGS, (unsigned long long)c.sealed, (unsigned long long)c.delivered,
           shares[0].n_in, shares[1].n_in);
    char show[65536];
    size_t show_len = 0;
    const char *cmd = "show crypto ipsec sa";
    if (iks_gateway_show(hub, (const uint8_t *)cmd, strlen(cmd), now_ms, (uint8_t *)show,
                         sizeof show - 1, &show_len) != IKS_OK)
        die("show");
    show[show_len] = 0;
    char want[80];
    snprintf(want, sizeof want, "#pkts encaps: %d, #pkts encrypt: %d", PINGS, PINGS);
    int listed = 0;
    for (const char *at = show; (at = strstr(at, want)) != NULL; at++)
        listed++;
    printf("split_hub: `show crypto ipsec sa` lists %d flows with %d packets sealed each\n", listed,
           PINGS);

    for (int w = 0; w < 2; w++)
        iks_worker_free(workers[w]);
    for (int i = 0; i < n; i++)
        iks_gateway_free(spokes[i]);
    iks_gateway_free(hub);
    int ok = delivered == (unsigned)(n * PINGS) && c.sealed == (uint64_t)(n * PINGS) &&
             c.delivered == (uint64_t)(n * (PINGS + 1)) && listed == n;
    return ok ? 0 : 1;
}
