#!/usr/bin/env bash
# Interop of our `router` with strongSwan 5.9 (IKEv1) in the lab of
# shared/interop (network namespaces; strongSwan's userspace ESP forces NAT-T,
# so IKE floats to UDP 4500 and ESP goes in UDP there).
#
#   1. our router with the seed's hub configuration (interop/hub.cfg) in
#      ikelab-us (192.0.2.1, LAN 198.51.100.0/24, inside echo responder)
#      against a strongSwan spoke in ikelab-peer (192.0.2.2, LAN
#      203.0.113.0/25): the spoke's LAN pings 198.51.100.1 through ESP.
#   1b. the same hub against a strongSwan VPN client: Aggressive Mode with
#      the group name, Xauth, Mode Config (an address from ip local pool),
#      then pings from the client's virtual IP.
#   2. our router with the seed's spoke configuration (interop/spoke.cfg)
#      against a strongSwan hub: our LAN pings 203.0.113.1, and the hub's LAN
#      pings 198.51.100.1, both through ESP.
#   2b. as 2 with `--outside-addr dhcp`, then the spoke's address changes
#      (192.0.2.1 -> 192.0.2.9, a new DHCP lease): it negotiates again from
#      the new address.
#   3. as 2, with our inside on a TUN device (`--tun`): the kernels of both
#      namespaces ping each other's LAN address through ESP.
#   7. vpnc --natt none: our hub (root, so with its raw IP protocol 50
#      socket) against vpnc without NAT-T: Aggressive Mode, Xauth, Mode
#      Config, Quick Mode, then pings over raw ESP; our --keylog lets
#      capture.sh show --keys decrypt our Quick Mode and the ESP.
#
# Usage: examples/interop/run.sh [--release]        (root; ends with "N passed, N failed")
# Environment: IKELAB_LAB (the lab's scripts; default ../shared/interop beside
# the repository, then /work/shared/interop), IKELAB_DIR (default /tmp/ikelab).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
PROFILE=debug
[ "${1:-}" = --release ] && PROFILE=release

LAB=${IKELAB_LAB:-}
if [ -z "$LAB" ]; then
	for d in "$REPO/../shared/interop" /work/shared/interop; do
		[ -x "$d/netns.sh" ] && { LAB=$(cd "$d" && pwd); break; }
	done
fi
[ -n "$LAB" ] && [ -x "$LAB/netns.sh" ] || { echo "interop lab not found (set IKELAB_LAB)" >&2; echo "0 passed, 1 failed"; exit 1; }
export IKELAB_DIR=${IKELAB_DIR:-/tmp/ikelab}
[ "$(id -u)" = 0 ] || { echo "must run as root (namespaces, UDP 500/4500)" >&2; echo "0 passed, 1 failed"; exit 1; }

# One lab per machine: a second run (another checkout's, or a person's)
# waits here instead of tearing down this one's namespaces and peers.
exec 9>"${IKELAB_RUN_LOCK:-/tmp/ikelab-run.lock}"
flock 9

PASS=0; FAIL=0
check() { # NAME CMD...: run CMD, count and print the result
	local name=$1; shift
	if "$@"; then PASS=$((PASS + 1)); echo "PASS: $name"; else FAIL=$((FAIL + 1)); echo "FAIL: $name"; fi
}
finish() {
	echo "$PASS passed, $FAIL failed"
	[ "$FAIL" -eq 0 ]
	exit $?
}

# The lab's packages (CI installs them here; a no-op when present).
if [ ! -x /usr/lib/ipsec/charon ] || [ ! -x /usr/sbin/swanctl ]; then
	"$LAB/install.sh" >/dev/null || { echo "FAIL: install the lab's packages"; FAIL=$((FAIL + 1)); finish; }
fi

echo "== building the router ($PROFILE)"
BUILD=(cargo build -p examples --bin router)
[ "$PROFILE" = release ] && BUILD+=(--release)
(cd "$REPO" && "${BUILD[@]}") || { echo "FAIL: build"; FAIL=$((FAIL + 1)); finish; }
ROUTER=${CARGO_TARGET_DIR:-$REPO/target}/$PROFILE/router

OUT=$IKELAB_DIR/ours
ROUTER_PID=""
stop_router() { # ask our router to quit (prints its show views), then wait for it
	[ -n "$ROUTER_PID" ] || return 0
	echo quit >&3 2>/dev/null
	exec 3>&-
	local i=0
	while kill -0 "$ROUTER_PID" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	kill -0 "$ROUTER_PID" 2>/dev/null && kill -TERM "$ROUTER_PID"
	wait "$ROUTER_PID" 2>/dev/null
	ROUTER_RC=$?
	ROUTER_PID=""
	rm -f "$IKELAB_DIR/pids/ours.pid" "$IKELAB_DIR/pids/ours.comm"
}
cleanup() {
	stop_router
	"$LAB/stop-all.sh" >/dev/null 2>&1 || true
}
trap cleanup EXIT

start_router() { # NAME ARGS...: our router in ikelab-us, commands through a FIFO on fd 3
	local name=$1; shift
	rm -f "$OUT/$name.ctl"
	mkfifo "$OUT/$name.ctl"
	ip netns exec ikelab-us "$ROUTER" "$@" <"$OUT/$name.ctl" >"$OUT/$name.out" 2>"$OUT/$name.log" &
	ROUTER_PID=$!
	exec 3>"$OUT/$name.ctl"
	mkdir -p "$IKELAB_DIR/pids"
	echo "$ROUTER_PID" >"$IKELAB_DIR/pids/ours.pid"
	echo router >"$IKELAB_DIR/pids/ours.comm"
	sleep 0.5
	kill -0 "$ROUTER_PID" 2>/dev/null
}

# `#pkts encaps: N` and `#pkts decaps: N` of our show crypto ipsec sa, both >= MIN.
esp_counted() { # FILE MIN
	local enc dec
	enc=$(grep -o '#pkts encaps: [0-9]*' "$1" | awk '{s += $3} END {print s + 0}')
	dec=$(grep -o '#pkts decaps: [0-9]*' "$1" | awk '{s += $3} END {print s + 0}')
	echo "   our ESP counters: encaps $enc, decaps $dec"
	[ "$enc" -ge "$2" ] && [ "$dec" -ge "$2" ]
}

# Our router's ping summary says at least MIN replies came back. The first
# echo request brings the tunnel up and may be lost while the peer is still
# installing its SAs (IOS's ".!!!!"), so the checks allow one loss.
replies_at_least() { # FILE MIN
	local got
	got=$(sed -n 's/.* packets transmitted, \([0-9]*\) received.*/\1/p' "$1" | tail -1)
	echo "   our ping replies: ${got:-none}"
	[ -n "$got" ] && [ "$got" -ge "$2" ]
}

"$LAB/stop-all.sh" >/dev/null 2>&1 || true
mkdir -p "$OUT"
"$LAB/netns.sh" up >/dev/null || { echo "FAIL: lab network up"; FAIL=$((FAIL + 1)); finish; }
# The whole run on the lab link, for tshark's independent reading of what we sent.
CAPTURE=$IKELAB_DIR/run.pcapng
"$LAB/capture.sh" start --name run --out "$CAPTURE" >/dev/null 2>&1 || echo "   (no capture: tshark missing?)"

echo "== 1. our hub (seed's hub config) <- strongSwan spoke"
check "our hub starts on 192.0.2.1:500/4500" \
	start_router hub --config "$HERE/hub.cfg" --inside-echo --run-for 120
check "strongSwan spoke: IKE and CHILD SA with our hub" \
	"$LAB/strongswan-peer.sh" start spoke --timeout 30
check "strongSwan spoke: SAs established" \
	"$LAB/sa-status.sh" --name spoke --wait --timeout 10 --quiet
check "ping 203.0.113.1 -> 198.51.100.1 through ESP (our inside echo answers)" \
	ip netns exec ikelab-peer ping -c3 -W2 -I 203.0.113.1 198.51.100.1
check "strongSwan spoke counted 3 packets each way" \
	"$LAB/sa-status.sh" --name spoke --packets 3 --quiet
echo "show crypto isakmp sa" >&3
stop_router
check "our hub's show crypto ipsec sa counts the pings" esp_counted "$OUT/hub.out" 3
check "our hub: phase 1 and quick mode complete in the seed's vocabulary" \
	grep -q "IKE_QM_PHASE2_COMPLETE" "$OUT/hub.log"
"$LAB/strongswan-peer.sh" stop --name spoke >/dev/null 2>&1

echo "== 1b. our hub (seed's hub config) <- strongSwan VPN client (Aggressive Mode, Xauth, Mode Config)"
check "our hub starts again" \
	start_router vpnhub --config "$HERE/hub.cfg" --inside-echo --run-for 120
# Group testgroup / cisco321 (ID_KEY_ID), then Xauth as the seed's user
# gfullage, whose type 7 password decodes to "gfullage"; Mode Config pull.
check "strongSwan client: Aggressive Mode, Xauth and Mode Config with our hub" \
	"$LAB/strongswan-peer.sh" start client --password gfullage --timeout 30
check "strongSwan client got 203.0.113.129 from our ip local pool" \
	sh -c "'$LAB/sa-status.sh' --name client 2>/dev/null | grep -q '203.0.113.129'"
check "ping from the client's virtual IP -> 198.51.100.1 through ESP" \
	ip netns exec ikelab-peer ping -c3 -W2 198.51.100.1
check "strongSwan client counted 3 packets each way" \
	"$LAB/sa-status.sh" --name client --packets 3 --quiet
echo "show crypto isakmp sa detail" >&3
stop_router
check "our hub: Xauth in the seed's vocabulary (IKE_XAUTH_REQ_SENT)" \
	grep -q "IKE_XAUTH_REQ_SENT" "$OUT/vpnhub.log"
check "our hub's show crypto ipsec sa counts the client's pings" esp_counted "$OUT/vpnhub.out" 3
"$LAB/strongswan-peer.sh" stop --name client >/dev/null 2>&1

echo "== 2. our spoke (seed's spoke config) -> strongSwan hub"
check "strongSwan hub starts" "$LAB/strongswan-peer.sh" start hub
check "our spoke starts (ip address dhcp = 192.0.2.1)" \
	start_router spoke --config "$HERE/spoke.cfg" --outside-addr 192.0.2.1 --inside-echo \
	--ping 203.0.113.1 --from 198.51.100.1 --count 3 --interval-ms 500 --run-for 120
check "strongSwan hub: l2l IKE and CHILD SA with our spoke" \
	"$LAB/sa-status.sh" --name hub --ike l2l --wait --timeout 30 --quiet
sleep 3 # our three echo requests, 500 ms apart
check "ping 203.0.113.1 -> 198.51.100.1 through ESP (our inside echo answers)" \
	ip netns exec ikelab-peer ping -c3 -W2 -I 203.0.113.1 198.51.100.1
check "strongSwan hub counted at least 5 packets each way" \
	"$LAB/sa-status.sh" --name hub --ike l2l --packets 5 --quiet
stop_router
check "our spoke's pings to 203.0.113.1 came back (at least 2 of 3)" \
	replies_at_least "$OUT/spoke.out" 2
check "our spoke's show crypto ipsec sa counts both pings" esp_counted "$OUT/spoke.out" 5

"$LAB/strongswan-peer.sh" stop --name hub >/dev/null 2>&1

echo "== 2b. our spoke with --outside-addr dhcp -> strongSwan hub, then a new lease moves its address"
# The seed's spoke takes its outside address by DHCP. Here the lease
# changes: 192.0.2.9 comes, 192.0.2.1 goes; our spoke follows the route's
# source address towards its peer and negotiates again from the new one.
hub_sas() { "$LAB/sa-status.sh" --name hub --ike l2l 2>/dev/null; }
hub_sa_from() { # ADDR: the strongSwan hub holds an established l2l SA with ADDR
	local i=0
	while [ $i -lt 60 ]; do
		hub_sas | grep -q "$1" && "$LAB/sa-status.sh" --name hub --ike l2l --quiet && return 0
		sleep 0.5; i=$((i + 1))
	done
	hub_sas
	return 1
}
check "strongSwan hub restarts" "$LAB/strongswan-peer.sh" start hub
check "our spoke starts with --outside-addr dhcp (the route to 192.0.2.2 leaves from 192.0.2.1)" \
	start_router spoke-dhcp --config "$HERE/spoke.cfg" --outside-addr dhcp --inside-echo \
	--ping 203.0.113.1 --from 198.51.100.1 --count 80 --interval-ms 250 --run-for 120
check "strongSwan hub: l2l SA with our spoke at 192.0.2.1" hub_sa_from 192.0.2.1
ip netns exec ikelab-us sysctl -qw net.ipv4.conf.ikl-us.promote_secondaries=1
ip netns exec ikelab-us ip addr add 192.0.2.9/24 dev ikl-us
ip netns exec ikelab-us ip addr del 192.0.2.1/24 dev ikl-us
check "strongSwan hub: l2l SA with our spoke from its new address 192.0.2.9" hub_sa_from 192.0.2.9
check "ping 203.0.113.1 -> 198.51.100.1 through the new tunnel" \
	ip netns exec ikelab-peer ping -c3 -W2 -I 203.0.113.1 198.51.100.1
stop_router
ip netns exec ikelab-us ip addr add 192.0.2.1/24 dev ikl-us
ip netns exec ikelab-us ip addr del 192.0.2.9/24 dev ikl-us
check "our spoke logged the move (outside address 192.0.2.1 -> 192.0.2.9)" \
	grep -q "outside address 192.0.2.1 -> 192.0.2.9" "$OUT/spoke-dhcp.log"
check "our spoke's show crypto isakmp sa detail lists its IKE SA from 192.0.2.9 to 192.0.2.2" \
	grep -Eq "^[0-9]+ +192.0.2.9 +192.0.2.2 " "$OUT/spoke-dhcp.out"
"$LAB/strongswan-peer.sh" stop --name hub >/dev/null 2>&1

echo "== 3. our spoke with its inside on a TUN device -> strongSwan hub (kernel pings)"
check "strongSwan hub restarts" "$LAB/strongswan-peer.sh" start hub
check "our spoke starts with --tun ikl-tun" \
	start_router spoke-tun --config "$HERE/spoke.cfg" --outside-addr 192.0.2.1 --tun ikl-tun --run-for 120
check "route the hub's LAN into ikl-tun" ip netns exec ikelab-us ip route add 203.0.113.0/25 dev ikl-tun
check "kernel ping 198.51.100.1 -> 203.0.113.1 through TUN and ESP (it brings the tunnel up)" \
	ip netns exec ikelab-us ping -c3 -W3 -I 198.51.100.1 203.0.113.1
check "kernel ping 203.0.113.1 -> 198.51.100.1 through ESP and TUN" \
	ip netns exec ikelab-peer ping -c3 -W2 -I 203.0.113.1 198.51.100.1
stop_router
check "our TUN spoke's show crypto ipsec sa counts the pings" esp_counted "$OUT/spoke-tun.out" 5
# Its routes (table 220) would otherwise take the next scenarios' traffic.
"$LAB/strongswan-peer.sh" stop --name hub >/dev/null 2>&1

# vpnc (Debian's 0.5.3r550, an independent Cisco VPN Client) against our hub:
# the seed's VPN-client half with the client population it is about.
VPNC=$IKELAB_DIR/vpnc-vpnc
vpnc_var() { # NAME [CLIENT]: a variable vpnc handed its script on connect
	sed -n "s/^$1=//p" "$IKELAB_DIR/vpnc-${2:-vpnc}/env-connect" 2>/dev/null
}
hub_show() { # VIEW FILE: ask our hub for a show view and keep what it printed since
	local before
	before=$(wc -l <"$OUT/$2.out")
	echo "$1" >&3
	sleep 1
	tail -n +"$((before + 1))" "$OUT/$2.out"
}
if ! command -v vpnc >/dev/null; then
	"$LAB/install.sh" --with-extra >/dev/null || { echo "FAIL: install vpnc"; FAIL=$((FAIL + 1)); }
fi

echo "== 4. our hub (seed's hub config, inside on TUN) <- vpnc (Cisco VPN Client)"
check "our hub starts with --tun ikl-tun" \
	start_router vpnc-hub --config "$HERE/hub.cfg" --tun ikl-tun --run-for 300 \
		--control-socket "$OUT/vpnc-hub.sock" --keylog "$OUT/vpnc-hub.keys"
check "route the pool into ikl-tun" ip netns exec ikelab-us ip route add 203.0.113.128/25 dev ikl-tun
check "vpnc: Aggressive Mode as testgroup, Xauth as gfullage, Mode Config" \
	"$LAB/vpnc-client.sh" start --password gfullage --timeout 30
check "vpnc got 203.0.113.129 from our ip local pool" \
	test "$(vpnc_var INTERNAL_IP4_ADDRESS)" = 203.0.113.129
check "vpnc got the group's dns servers" \
	test "$(vpnc_var INTERNAL_IP4_DNS)" = "198.51.100.53 198.51.100.54"
check "vpnc got the group's wins servers" \
	test "$(vpnc_var INTERNAL_IP4_NBNS)" = "198.51.100.137 198.51.100.138"
check "vpnc got the group's domain" test "$(vpnc_var CISCO_DEF_DOMAIN)" = example.com
check "vpnc got the group's banner" \
	sh -c "grep -q 'ikelab hub: authorised users only' '$VPNC/env-connect'"
check "vpnc got the split-include of acl 150: 198.51.100.0/24" \
	test "$(vpnc_var CISCO_SPLIT_INC):$(vpnc_var CISCO_SPLIT_INC_0_ADDR)/$(vpnc_var CISCO_SPLIT_INC_0_MASKLEN)" = 1:198.51.100.0/24
check "vpnc got the split-dns domain" test "$(vpnc_var CISCO_SPLIT_DNS)" = example.com
check "ping from vpnc's address -> 198.51.100.1 through ESP in UDP" \
	ip netns exec ikelab-peer ping -c3 -W2 -I 203.0.113.129 198.51.100.1
check "ping 198.51.100.1 -> vpnc's address through ESP in UDP (hub side kernel)" \
	ip netns exec ikelab-us ping -c3 -W2 -I 198.51.100.1 203.0.113.129
# Cap. CX as in the seed, with N: vpnc forces NAT-T here.
check "our hub shows the client with Xauth (C..X)" \
	sh -c "grep -qE ' C[DKN]*X' <<'EOS'
$(hub_show 'show crypto isakmp sa detail' vpnc-hub)
EOS"
"$LAB/vpnc-client.sh" stop >/dev/null 2>&1
sleep 1
check "vpnc's disconnect deleted its SAs on our hub" \
	grep -q "peer deleted the ISAKMP SA" "$OUT/vpnc-hub.log"
check "and returned 203.0.113.129 to the pool" \
	grep -q "returning IP addr to the address pool" "$OUT/vpnc-hub.log"
check "vpnc reconnects and gets 203.0.113.129 again" \
	sh -c "'$LAB/vpnc-client.sh' start --password gfullage --timeout 30 >/dev/null 2>&1 &&
		test \"\$(sed -n 's/^INTERNAL_IP4_ADDRESS=//p' '$VPNC/env-connect')\" = 203.0.113.129"
check "a second vpnc behind the same address (another port) connects" \
	"$LAB/vpnc-client.sh" start --name c2 --password gfullage --timeout 30
check "the second client got its own address, 203.0.113.130" \
	test "$(vpnc_var INTERNAL_IP4_ADDRESS c2)" = 203.0.113.130
# (the two clients' routes to our LAN collide: each pings through its own TUN)
check "the first client still pings through ESP" \
	ip netns exec ikelab-peer ping -c2 -W2 -I tun-vpnc 198.51.100.1
check "the second client pings through its own tunnel" \
	ip netns exec ikelab-peer ping -c2 -W2 -I tun-c2 198.51.100.1
check "the hub lists both clients" \
	sh -c "test \"\$(grep -cE ' C[DKN]*X' <<'EOS'
$(hub_show 'show crypto isakmp sa detail' vpnc-hub)
EOS
)\" -ge 2"
"$LAB/vpnc-client.sh" stop --name c2 >/dev/null 2>&1
"$LAB/vpnc-client.sh" stop >/dev/null 2>&1
sleep 1
check "a wrong Xauth password is refused" \
	sh -c "! '$LAB/vpnc-client.sh' start --name bad --password wrong --timeout 15 >/dev/null 2>&1"
sleep 2
# The refused client's IKE SA (the one whose Xauth failed) is gone, and no
# Xauth is left hanging. (vpnc 0.5.3 draws its Delete's message ID from
# one random byte, so one Delete in 256 goes out as message ID 0 encrypted
# as a new exchange; the hub now tries that IV too when the HASH verifies.)
bad_client_sa_gone() {
	local id
	id=$(grep -o 'ISAKMP (0:[0-9]*): XAUTH: authentication failed' "$OUT/vpnc-hub.log" | tail -1 | grep -o '0:[0-9]*')
	[ -n "$id" ] && grep -q "ISAKMP ($id): Old State = .* New State = IKE_DEST_SA" "$OUT/vpnc-hub.log" &&
		! grep -q 'CONF_XAUTH' <<EOS
$(hub_show 'show crypto isakmp sa' vpnc-hub)
EOS
}
check "and its IKE SA is gone within 2 s" bad_client_sa_gone
"$LAB/vpnc-client.sh" stop --name bad >/dev/null 2>&1
check "a wrong group key is refused" \
	sh -c "! '$LAB/vpnc-client.sh' start --name badkey --secret wrong --password gfullage --timeout 15 >/dev/null 2>&1"
"$LAB/vpnc-client.sh" stop --name badkey >/dev/null 2>&1

echo "== 5. our hub with a strongSwan spoke and vpnc at the same time"
check "route the spoke's LAN into ikl-tun" ip netns exec ikelab-us ip route add 203.0.113.0/25 dev ikl-tun
check "strongSwan spoke: IKE and CHILD SA with our hub" \
	"$LAB/strongswan-peer.sh" start spoke --timeout 30
check "vpnc connects beside it" "$LAB/vpnc-client.sh" start --password gfullage --timeout 30
check "the spoke's LAN pings 198.51.100.1 through ESP" \
	ip netns exec ikelab-peer ping -c2 -W2 -I 203.0.113.1 198.51.100.1
# (strongSwan's table 220 routes our LAN into its own tunnel: vpnc's TUN by name)
check "vpnc pings 198.51.100.1 through ESP" \
	ip netns exec ikelab-peer ping -c2 -W2 -I tun-vpnc 198.51.100.1
DETAIL=$(hub_show 'show crypto isakmp sa detail' vpnc-hub)
echo "$DETAIL" | sed 's/^/   /'
check "show crypto isakmp sa detail: the spoke's row (psk)" \
	sh -c "echo \"\$1\" | grep -q ' psk '" _ "$DETAIL"
check "show crypto isakmp sa detail: the client's row (CX)" \
	sh -c "echo \"\$1\" | grep -qE ' C[DKN]*X'" _ "$DETAIL"

echo "== 5b. router exec against the lab hub (strongSwan spoke and vpnc connected)"
SOCK=$OUT/vpnc-hub.sock
rexec() { "$ROUTER" exec --socket "$SOCK" "$@"; }
# OUTPUT-CHECK: LINE PATTERN: router exec LINE exits 0 and prints PATTERN.
rexec_has() { local out; out=$(rexec "$1") && echo "$out" | grep -qE -- "$2"; }
check "router exec: the control socket is the owner's only (0600)" \
	test "$(stat -c %a "$SOCK")" = 600
check "router exec: show crypto session: both peers UP-ACTIVE" \
	sh -c "test \"\$('$ROUTER' exec --socket '$SOCK' 'show crypto session' | grep -c 'UP-ACTIVE')\" -ge 2"
check "router exec: sh cry isa sa lists both IKE SAs in QM_IDLE" \
	sh -c "test \"\$('$ROUTER' exec --socket '$SOCK' 'sh cry isa sa' | grep -c QM_IDLE)\" -ge 2"
check "router exec: show crypto isakmp sa detail: the client's row (CX)" \
	rexec_has "show crypto isakmp sa detail" ' C[DKN]*X'
check "router exec: sh cry ips sa peer 192.0.2.2 counts the pings" \
	rexec_has "sh cry ips sa peer 192.0.2.2" '#pkts decaps: [1-9]'
check "router exec: show crypto ipsec sa detail has the error counters" \
	rexec_has "show crypto ipsec sa detail" '##pkts replay failed \(rcv\): 0'
check "router exec: show crypto session detail names vpnc's user" \
	rexec_has "show crypto session detail" 'Username: gfullage'
check "router exec: show crypto isakmp policy" rexec_has "show crypto isakmp policy" 'Protection suite of priority'
check "router exec: show crypto ipsec transform-set" \
	rexec_has "show crypto ipsec transform-set" '^Transform set myset: \{ esp-3des esp-sha-hmac  \}'
check "router exec: show crypto dynamic-map" rexec_has "show crypto dynamic-map" 'Crypto Map Template"dynmap" 5'
check "router exec: show crypto map" rexec_has "show crypto map" 'Crypto Map "mymap" 10 ipsec-isakmp'
check "router exec: sh cry isa sa | json parses" \
	sh -c "'$ROUTER' exec --socket '$SOCK' 'sh cry isa sa | json' | python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d[\"isakmp_sa\"]) >= 2'"
check "router exec: undebug all, show debugging empty, debug crypto isakmp back on" \
	sh -c "'$ROUTER' exec --socket '$SOCK' 'undebug all' >/dev/null &&
		test -z \"\$('$ROUTER' exec --socket '$SOCK' 'show debugging')\" &&
		'$ROUTER' exec --socket '$SOCK' 'debug crypto isakmp' | grep -q 'is on' &&
		'$ROUTER' exec --socket '$SOCK' 'debug crypto ipsec' | grep -q 'is on'"
check "router exec: bad input gets IOS's caret and exit status 2" \
	sh -c "'$ROUTER' exec --socket '$SOCK' 'show crypto isakmp foo' | grep -q \"Invalid input detected at '^' marker\"; test \$? -eq 0 && ! '$ROUTER' exec --socket '$SOCK' 'show crypto isakmp foo' >/dev/null"
# The counters so far into the hub's output (the check after stop_router
# sums them), before the clear below deletes the SAs that hold them.
hub_show 'show crypto ipsec sa' vpnc-hub >/dev/null
IKE_BEFORE=$(rexec "sh cry isa sa" | grep -c QM_IDLE)
QM_BEFORE=$(grep -c IKE_QM_PHASE2_COMPLETE "$OUT/vpnc-hub.log")
"$LAB/capture.sh" start --name vpnc-rekey >/dev/null 2>&1
check "router exec: clear crypto sa peer 192.0.2.2 (IPsec SAs only)" rexec "clear crypto sa peer 192.0.2.2"
sleep 2
check "the IKE SAs stayed (IOS: clear crypto sa keeps them)" \
	test "$(rexec "sh cry isa sa" | grep -c QM_IDLE)" -ge "$IKE_BEFORE"
# vpnc answers the Delete with a new Quick Mode on the same IKE SA (before,
# the hub had deleted that SA too and dropped it as unknown cookies).
check "vpnc's new Quick Mode on the kept IKE SA completes" \
	test "$(grep -c IKE_QM_PHASE2_COMPLETE "$OUT/vpnc-hub.log")" -gt "$QM_BEFORE"
# vpnc (0.5.3r550 and Debian's 0.5.3+git20220927) runs that Quick Mode
# through do_phase2_qm, which derives the new KEYMAT and takes the new SPIs,
# but its ESP keeps the cipher contexts and HMAC key pointers set up once when
# the tunnel started (only its rekey of a hub-initiated Quick Mode resets
# them): it seals with the old SA's keys under the new SPI, and our hub
# rightly drops that as "ICV check failed". So: the pings pass, or tshark
# decrypts them on the new SPI with the old SA's inbound keys (vpnc's defect,
# not ours). It fails when our new keys are wrong and vpnc's are right.
# No hub can tolerate it: an RFC 4303 receiver (IOS too) checks the ICV with
# the keys of the SA the SPI names, and vpnc also opens the hub's ESP with
# the old keys under its new inbound SPI. Against vpnc use clear crypto
# session: the ISAKMP Delete makes vpnc exit, and its reconnect is clean.
sa_spis() { # the inbound SPIs of vpnc's (203.0.113.129) SAs, oldest first
	sed -n 's/.*inbound SA from 192.0.2.2 .*proxy 203\.0\.113\.129\/.* has spi 0x\([0-9A-F]*\)$/\1/p' \
		"$OUT/vpnc-hub.log" | tr 'A-F' 'a-f'
}
vpnc_old_keys() { # the new SA's ESP from vpnc decrypts with the old SA's keys
	local old new got keys=$OUT/vpnc-rekey.keys
	old=$(sa_spis | tail -2 | head -1) new=$(sa_spis | tail -1)
	[ -n "$old" ] && [ "$old" != "$new" ] || return 1
	{ echo "# tshark-keys"; grep "\"0x$old\"" "$OUT/vpnc-hub.keys" | sed "s/\"0x$old\"/\"0x$new\"/"; } >"$keys"
	got=$("$LAB/capture.sh" show "$IKELAB_DIR/vpnc-rekey.pcapng" --keys "$keys" \
		--filter "esp.spi == 0x$new && icmp.type == 8" | grep 'Echo (ping) request')
	echo "   vpnc's ESP on the new SPI 0x$new opened with the keys of 0x$old: $(echo "$got" | grep -c .) echo requests"
	[ -n "$got" ]
}
PINGED=0
ip netns exec ikelab-peer ping -c3 -W2 -I tun-vpnc 198.51.100.1 >/dev/null 2>&1 && PINGED=1
"$LAB/capture.sh" stop --name vpnc-rekey >/dev/null 2>&1
rekey_pings_or_old_keys() { [ "$PINGED" = 1 ] || vpnc_old_keys; }
check "vpnc pings on the new SA, or seals it with the old SA's keys (vpnc's defect)" \
	rekey_pings_or_old_keys
stop_router
check "our hub's show crypto ipsec sa counts both peers' pings" esp_counted "$OUT/vpnc-hub.out" 4
"$LAB/vpnc-client.sh" stop >/dev/null 2>&1
"$LAB/strongswan-peer.sh" stop --name spoke >/dev/null 2>&1

echo "== 6. our Easy VPN client -> strongSwan hub (Aggressive Mode, Xauth, Mode Config)"
check "strongSwan hub starts" "$LAB/strongswan-peer.sh" start hub
check "our Easy VPN client starts" \
	start_router ezvpn --config "$HERE/vpnclient.cfg" --ping 203.0.113.1 --from assigned \
	--count 5 --interval-ms 500 --run-for 120
check "strongSwan hub: vpnclient IKE and CHILD SA with our client" \
	"$LAB/sa-status.sh" --name hub --ike vpnclient --wait --timeout 30 --quiet
check "strongSwan hub: Xauth as gfullage, our address from its pool" \
	sh -c "'$LAB/sa-status.sh' --name hub --ike vpnclient 2>/dev/null | grep -q \"XAuth: 'gfullage' \[203.0.113.129\]\""
sleep 4 # our five echo requests, 500 ms apart
stop_router
check "our client's pings from 203.0.113.129 came back (at least 4 of 5)" \
	replies_at_least "$OUT/ezvpn.out" 4
"$LAB/strongswan-peer.sh" stop --name hub >/dev/null 2>&1

echo "== 7. our hub (seed's hub config) <- vpnc --natt none (raw ESP, IP protocol 50)"
rm -f "$OUT/vpnc-raw.keys"
check "our hub starts with a key log" \
	start_router vpnc-raw --config "$HERE/hub.cfg" --inside-echo --run-for 120 --keylog "$OUT/vpnc-raw.keys"
check "our hub opened its raw ESP socket on 192.0.2.1" \
	grep -q "raw ESP (IP protocol 50) on 192.0.2.1" "$OUT/vpnc-raw.log"
check "our key log is mode 0600" sh -c "[ \"\$(stat -c %a '$OUT/vpnc-raw.keys')\" = 600 ]"
"$LAB/capture.sh" start --name vpnc-raw >/dev/null 2>&1
check "vpnc --natt none: Aggressive Mode, Xauth, Mode Config and Quick Mode with our hub" \
	"$LAB/vpnc-client.sh" start --password gfullage --natt none
check "ping from vpnc's address -> 198.51.100.1 over raw ESP" \
	ip netns exec ikelab-peer ping -c3 -W2 198.51.100.1
# Before vpnc leaves (its Delete removes the SA from the views at exit).
echo "show crypto ipsec sa" >&3
sleep 0.5
"$LAB/vpnc-client.sh" stop >/dev/null 2>&1
"$LAB/capture.sh" stop --name vpnc-raw >/dev/null 2>&1
stop_router
# `counters` at exit: "raw-esp in/out I/O" and no refused SA.
raw_esp_counted() { # FILE MIN
	local io
	io=$(sed -n 's/.* raw-esp in\/out \([0-9]*\/[0-9]*\).*/\1/p' "$1" | tail -1)
	echo "   our raw ESP in/out: ${io:-none}"
	[ -n "$io" ] && [ "${io%/*}" -ge "$2" ] && [ "${io#*/}" -ge "$2" ]
}
check "our hub carried the pings as raw ESP (IP protocol 50)" raw_esp_counted "$OUT/vpnc-raw.out" 3
check "our hub's show crypto ipsec sa counts vpnc's pings" esp_counted "$OUT/vpnc-raw.out" 3
check "our hub's IPsec SA with vpnc is plain ESP (no UDP-Encaps)" \
	sh -c "grep -q 'in use settings ={Tunnel, }' '$OUT/vpnc-raw.out' && ! grep -q 'UDP-Encaps' '$OUT/vpnc-raw.out'"
check "our key log has the IKE SA and both ESP directions" \
	sh -c "head -1 '$OUT/vpnc-raw.keys' | grep -qx '# tshark-keys' && [ \$(grep -c '^ikev1 ' '$OUT/vpnc-raw.keys') -ge 1 ] && [ \$(grep -c '^esp ' '$OUT/vpnc-raw.keys') -ge 2 ]"
# Decrypted only with the keys: the Quick Mode's ID payloads and the
# pings inside ESP.
check "capture.sh show --keys decrypts our Quick Mode (its ID payloads)" \
	sh -c "'$LAB/capture.sh' show '$IKELAB_DIR/vpnc-raw.pcapng' --keys '$OUT/vpnc-raw.keys' \
		--filter 'isakmp.exchangetype == 32 && isakmp.id.type' | grep -q 'Quick Mode'"
# 16521 is XAUTH_USER_NAME (0x4089), 1 INTERNAL_IP4_ADDRESS: both only
# inside the encrypted Transaction exchange.
check "capture.sh show --keys decrypts our Xauth (the user name asked for)" \
	sh -c "'$LAB/capture.sh' show '$IKELAB_DIR/vpnc-raw.pcapng' --keys '$OUT/vpnc-raw.keys' \
		--filter 'isakmp.exchangetype == 6 && isakmp.cfg.attr.type == 16521 && ip.src == 192.0.2.1' | grep -q 'Transaction'"
check "capture.sh show --keys decrypts our Mode Config (the address we gave)" \
	sh -c "'$LAB/capture.sh' show '$IKELAB_DIR/vpnc-raw.pcapng' --keys '$OUT/vpnc-raw.keys' \
		--filter 'isakmp.exchangetype == 6 && isakmp.cfg.attr.type == 1 && ip.src == 192.0.2.1' | grep -q 'Transaction'"
check "capture.sh show --keys decrypts the ESP (ICMP echo inside)" \
	sh -c "'$LAB/capture.sh' show '$IKELAB_DIR/vpnc-raw.pcapng' --keys '$OUT/vpnc-raw.keys' \
		--filter 'esp && icmp.type == 8' | grep -q 'Echo (ping) request'"

echo "== 8. tshark reads every ISAKMP message we sent"
"$LAB/capture.sh" stop --name run >/dev/null 2>&1
ours_isakmp() { # FILTER: how many of our ISAKMP messages in the capture match FILTER
	tshark -r "$CAPTURE" -d udp.port==4500,udpencap -Y "isakmp && ip.src == 192.0.2.1 && ($1)" 2>/dev/null | wc -l
}
SENT=$(ours_isakmp "isakmp")
echo "   our ISAKMP messages on the wire: $SENT"
check "the capture holds our ISAKMP messages" test "${SENT:-0}" -gt 50
check "tshark: none of them is malformed" test "$(ours_isakmp "_ws.malformed")" -eq 0
check "tshark: none has an expert error" test "$(ours_isakmp "_ws.expert.severity >= 0x00800000")" -eq 0

for f in hub spoke spoke-tun vpnc-hub ezvpn vpnc-raw; do
	echo "--- our $f: $OUT/$f.out (show views), $OUT/$f.log (negotiation)"
done
finish
