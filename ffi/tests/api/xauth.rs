//! Xauth with a deferred verdict and Mode Config, seen and answered from
//! the C API: the seed's hub with `aaa authentication login clientauth
//! group radius` behind `iks_gateway_*`, and a Cisco-style VPN client (an
//! ike-proto engine driven here, as a remote client would be) in memory.

use std::ffi::c_char;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::ptr;

use getrandom::SysRng;
use getrandom::rand_core::UnwrapErr;
use ike_proto::engine::{Config, Engine, Event};
use ike_proto::policy::{Selectors, StaticPolicy, TrafficSelector};
use ike_proto::time::Instant;
use ikesuite::gateway::*;
use ikesuite::iks_result;

use crate::common;

use common::{Gw, carry_checked, events, gateway, last_error};

/// The seed's hub, its Xauth list on RADIUS (so the embedder decides) and
/// its authorization local (so the pool answers Mode Config).
const HUB: &str = "\
hostname Hub
username gfullage password 7 0201024E070A0E2649
aaa new-model
aaa authentication login clientauth group radius
aaa authorization network groupauthor local
crypto keyring spokes
 pre-shared-key address 0.0.0.0 0.0.0.0 key cisco123
crypto isakmp policy 10
 encr 3des
 authentication pre-share
 group 2
crypto isakmp client configuration group testgroup
 key cisco321
 dns 1.1.1.1 2.2.2.2
 domain cisco.com
 pool ippool
crypto isakmp profile L2L
 keyring spokes
 match identity address 0.0.0.0
crypto isakmp profile VPNclient
 match identity group testgroup
 client authentication list clientauth
 isakmp authorization list groupauthor
 client configuration address respond
crypto ipsec transform-set myset esp-3des esp-sha-hmac
crypto dynamic-map dynmap 5
 set transform-set myset
 set isakmp-profile VPNclient
crypto dynamic-map dynmap 10
 set transform-set myset
 set isakmp-profile L2L
crypto map mymap 10 ipsec-isakmp dynamic dynmap
interface FastEthernet0/0
 ip address 127.0.0.1 255.0.0.0
 crypto map mymap
ip local pool ippool 10.5.5.1 10.5.5.254
";

const HUB_ADDR: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 1);
const CLIENT_ADDR: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);
const PORT: u16 = 10500;
const NATT_PORT: u16 = 14500;
const ASSIGNED: u32 = 0x0A05_0501; // 10.5.5.1
const PASSWORD: &[u8] = b"radius-secret";

fn hub() -> Gw {
    let mut o = iks_gateway_options {
        outside_addr: 0,
        ike_port: 0,
        natt_port: 0,
        force_udp_encapsulation: false,
        discard_unprotected: false,
        keylog: false,
        hold_queue_limit: 0,
        replay_window: 0,
        reserved: [0; 8],
    };
    // SAFETY: a valid local.
    assert_eq!(
        unsafe { iks_gateway_options_init(&mut o) },
        iks_result::IKS_OK
    );
    o.ike_port = PORT;
    o.natt_port = NATT_PORT;
    let mut gw = ptr::null_mut();
    // SAFETY: valid pointers and lengths; the error position is optional.
    let r = unsafe { iks_gateway_new(HUB.as_ptr(), HUB.len(), &o, ptr::null_mut(), &mut gw) };
    assert_eq!(r, iks_result::IKS_OK, "{}", last_error());
    Gw(gw)
}

/// The Cisco VPN Client: group testgroup / cisco321, user gfullage.
fn client() -> Engine {
    let p = StaticPolicy::seed_vpn_client("gfullage", PASSWORD);
    let config = Config {
        ike_port: PORT,
        natt_port: NATT_PORT,
        peer_ike_port: PORT,
        peer_natt_port: NATT_PORT,
        ..Config::default()
    };
    Engine::new(config, Box::new(p), Box::new(UnwrapErr(SysRng)))
}

/// The hub behind the C API, the client engine, the wire between them.
struct Net {
    hub: Gw,
    client: Engine,
    now: u64,
    events: Vec<iks_event>,
    client_events: Vec<Event>,
}

impl Net {
    fn connect() -> Self {
        let mut net = Self {
            hub: hub(),
            client: client(),
            now: 1_000_000,
            events: Vec::new(),
            client_events: Vec::new(),
        };
        let want = Selectors {
            local: TrafficSelector::host(Ipv4Addr::new(192, 168, 1, 10)),
            remote: TrafficSelector::subnet(Ipv4Addr::UNSPECIFIED, 0),
        };
        let (l, r) = (
            SocketAddrV4::new(CLIENT_ADDR, PORT),
            SocketAddrV4::new(HUB_ADDR, PORT),
        );
        net.client
            .initiate(Instant::from_millis(net.now), l, r, want)
            .unwrap();
        net.run();
        net
    }

    /// Carries datagrams both ways and collects events until quiet.
    fn run(&mut self) {
        let now = Instant::from_millis(self.now);
        let mut buf = vec![0u8; 65535];
        for _ in 0..1000 {
            let mut moved = false;
            while let Some(d) = self.client.poll_transmit() {
                moved = true;
                // SAFETY: live handle; the payload is a valid slice.
                let r = unsafe {
                    iks_gateway_handle_datagram(
                        self.hub.0,
                        self.now,
                        (*d.remote.ip()).into(),
                        d.remote.port(),
                        (*d.local.ip()).into(),
                        d.local.port(),
                        d.payload.as_ptr(),
                        d.payload.len(),
                    )
                };
                assert_eq!(r, iks_result::IKS_OK);
            }
            loop {
                let mut t = iks_transmit::default();
                // SAFETY: live handle and valid buffers.
                let r = unsafe {
                    iks_gateway_poll_transmit(self.hub.0, buf.as_mut_ptr(), buf.len(), &mut t)
                };
                if r == iks_result::IKS_ERR_EMPTY {
                    break;
                }
                assert_eq!(r, iks_result::IKS_OK, "{}", last_error());
                moved = true;
                if t.kind == IKS_TRANSMIT_UDP {
                    let local = SocketAddrV4::new(t.local_addr.into(), t.local_port);
                    let remote = SocketAddrV4::new(t.remote_addr.into(), t.remote_port);
                    self.client
                        .handle_datagram(now, remote, local, &buf[..t.len]);
                }
            }
            self.client_events
                .extend(std::iter::from_fn(|| self.client.poll_event()));
            loop {
                let mut e = iks_event::default();
                // SAFETY: live handle and a valid local.
                match unsafe { iks_gateway_poll_event(self.hub.0, &mut e) } {
                    iks_result::IKS_OK => self.events.push(e),
                    iks_result::IKS_ERR_EMPTY => break,
                    other => panic!("poll_event: {other:?}"),
                }
            }
            if !moved {
                return;
            }
        }
        panic!("never quiet");
    }

    /// Lets `seconds` pass on the virtual clock, timers firing.
    fn run_for(&mut self, seconds: u64) {
        let end = self.now + seconds * 1000;
        loop {
            self.run();
            let mut hub_at = 0u64;
            // SAFETY: live handle and a valid local.
            let hub_timer =
                unsafe { iks_gateway_poll_timeout(self.hub.0, &mut hub_at) } == iks_result::IKS_OK;
            let client_at = self.client.poll_timeout().map(|t| t.as_millis());
            let next = [hub_timer.then_some(hub_at), client_at]
                .into_iter()
                .flatten()
                .min();
            match next {
                Some(t) if t <= end => {
                    self.now = t.max(self.now);
                    // SAFETY: live handle.
                    let r = unsafe { iks_gateway_handle_timeout(self.hub.0, self.now) };
                    assert_eq!(r, iks_result::IKS_OK);
                    if client_at.is_some_and(|t| t <= self.now) {
                        self.client.handle_timeout(Instant::from_millis(self.now));
                    }
                }
                _ => {
                    self.now = end;
                    return;
                }
            }
        }
    }

    fn take_kind(&mut self, kind: u32) -> Vec<iks_event> {
        let (taken, rest) = self.events.drain(..).partition(|e| e.kind == kind);
        self.events = rest;
        taken
    }

    fn verdict(&mut self, ike_sa: u64, ok: bool) -> iks_result {
        // SAFETY: live handle.
        unsafe { iks_gateway_xauth_verdict(self.hub.0, self.now, ike_sa, ok) }
    }
}

/// `iks_gateway_xauth_take_credentials` into buffers of these sizes.
fn take(gw: &Gw, ike_sa: u64, user_cap: usize, pass_cap: usize) -> (iks_result, Vec<u8>, Vec<u8>) {
    let mut user = vec![0x2A as c_char; user_cap];
    let mut pass = vec![0x2Au8; pass_cap];
    let (mut user_len, mut pass_len) = (usize::MAX, usize::MAX);
    // SAFETY: live handle; buffers of the given capacities; valid lengths.
    let r = unsafe {
        iks_gateway_xauth_take_credentials(
            gw.0,
            ike_sa,
            user.as_mut_ptr(),
            user.len(),
            &mut user_len,
            pass.as_mut_ptr(),
            pass.len(),
            &mut pass_len,
        )
    };
    let user: Vec<u8> = user.iter().map(|&c| c as u8).collect();
    match r {
        iks_result::IKS_OK => {
            assert_eq!(user[user_len], 0, "NUL-terminated");
            assert_eq!(pass[pass_len], 0, "NUL-terminated");
            (r, user[..user_len].to_vec(), pass[..pass_len].to_vec())
        }
        iks_result::IKS_ERR_BUFFER_TOO_SMALL => {
            assert!(user.iter().all(|&b| b == 0x2A), "user buffer untouched");
            assert!(pass.iter().all(|&b| b == 0x2A), "password buffer untouched");
            (r, vec![0; user_len], vec![0; pass_len])
        }
        _ => {
            assert_eq!((user_len, pass_len), (usize::MAX, usize::MAX));
            (r, Vec::new(), Vec::new())
        }
    }
}

#[test]
fn an_accepted_deferred_verdict_assigns_the_pool_address() {
    let mut net = Net::connect();
    let requests = net.take_kind(IKS_EVENT_XAUTH_REQUEST);
    assert_eq!(requests.len(), 1, "{:?}", net.events);
    let request = requests[0];
    assert_eq!(request.peer_addr, u32::from(CLIENT_ADDR));
    assert_eq!(request.peer_port, PORT);
    let ike_sa = request.id;
    assert_ne!(ike_sa, 0);
    assert!(net.take_kind(IKS_EVENT_XAUTH_DONE).is_empty());

    // Too small for "gfullage" or for "radius-secret", each with its NUL:
    // the sizes needed come back and the credentials stay.
    let (r, user, pass) = take(&net.hub, ike_sa, 8, 64);
    assert_eq!(r, iks_result::IKS_ERR_BUFFER_TOO_SMALL);
    assert_eq!((user.len(), pass.len()), (8, PASSWORD.len()));
    let (r, ..) = take(&net.hub, ike_sa, 9, PASSWORD.len());
    assert_eq!(r, iks_result::IKS_ERR_BUFFER_TOO_SMALL);
    // Another SA has nothing waiting.
    let (r, ..) = take(&net.hub, ike_sa + 1, 64, 64);
    assert_eq!(r, iks_result::IKS_ERR_EMPTY);

    let (r, user, pass) = take(&net.hub, ike_sa, 9, PASSWORD.len() + 1);
    assert_eq!(r, iks_result::IKS_OK, "{}", last_error());
    assert_eq!(user, b"gfullage");
    assert_eq!(pass, PASSWORD);
    // Taken once: the library's copy is gone.
    let (r, ..) = take(&net.hub, ike_sa, 64, 64);
    assert_eq!(r, iks_result::IKS_ERR_EMPTY);

    // RADIUS answers three seconds later.
    net.run_for(3);
    assert!(net.take_kind(IKS_EVENT_CONFIG_ASSIGNED).is_empty());
    assert_eq!(
        net.verdict(ike_sa, true),
        iks_result::IKS_OK,
        "{}",
        last_error()
    );
    net.run_for(5);

    let done = net.take_kind(IKS_EVENT_XAUTH_DONE);
    assert_eq!(done.len(), 1);
    assert!(done[0].ok);
    assert_eq!(done[0].id, ike_sa);
    let assigned = net.take_kind(IKS_EVENT_CONFIG_ASSIGNED);
    assert_eq!(assigned.len(), 1, "{:?}", net.events);
    assert_eq!(assigned[0].id, ike_sa);
    assert_eq!(assigned[0].assigned_addr, ASSIGNED);
    assert_eq!(assigned[0].peer_addr, u32::from(CLIENT_ADDR));
    assert_eq!(assigned[0].reserved, [0; 3]);
    // The client agrees, and its Quick Mode for 10.5.5.1 came up.
    assert!(net.client_events.iter().any(|e| matches!(
        e,
        Event::ConfigAssigned { address, server: false, .. } if u32::from(*address) == ASSIGNED
    )));
    let up = net.take_kind(IKS_EVENT_SA_UP);
    assert_eq!(up.len(), 1, "{:?}", net.events);
    assert!(net.take_kind(IKS_EVENT_CONFIG_RECEIVED).is_empty());

    // The verdict is spent.
    assert_eq!(
        net.verdict(ike_sa, true),
        iks_result::IKS_ERR_INVALID_ARGUMENT
    );
    assert!(
        last_error().contains("no Xauth verdict awaited"),
        "{}",
        last_error()
    );
}

#[test]
fn rejected_verdicts_end_the_ike_sa_without_an_address() {
    let mut net = Net::connect();
    let mut ids = Vec::new();
    for _ in 0..5 {
        let requests = net.take_kind(IKS_EVENT_XAUTH_REQUEST);
        let Some(request) = requests.first() else {
            break;
        };
        ids.push(request.id);
        // Decided without taking the credentials: they are wiped anyway.
        assert_eq!(net.verdict(request.id, false), iks_result::IKS_OK);
        let (r, ..) = take(&net.hub, request.id, 64, 64);
        assert_eq!(r, iks_result::IKS_ERR_EMPTY);
        net.run_for(5);
    }
    // Three attempts on the one IKE SA.
    assert_eq!(ids.len(), 3);
    assert!(ids.iter().all(|&id| id == ids[0]));
    let done = net.take_kind(IKS_EVENT_XAUTH_DONE);
    assert_eq!(done.len(), 3);
    assert!(done.iter().all(|e| !e.ok && e.id == ids[0]));
    net.run_for(30);
    assert!(net.take_kind(IKS_EVENT_CONFIG_ASSIGNED).is_empty());
    assert!(net.take_kind(IKS_EVENT_SA_UP).is_empty());
    assert_eq!(
        net.verdict(ids[0], true),
        iks_result::IKS_ERR_INVALID_ARGUMENT
    );
    assert_eq!(last_error(), format!("IKE SA {}: no such SA", ids[0]));
    // The IKE SA went away, and C was told.
    assert!(
        net.events.iter().any(|e| e.id == ids[0]
            && (e.kind == IKS_EVENT_IKE_SA_DOWN || e.kind == IKS_EVENT_IKE_SA_FAILED)),
        "{:?}",
        net.events
    );
}

#[test]
fn null_pointers_and_misuse_are_refused() {
    let net = Net::connect();
    let mut user = [0 as c_char; 64];
    let mut pass = [0u8; 64];
    let (mut ul, mut pl) = (0usize, 0usize);
    // SAFETY: NULL pointers are part of the contract under test; the
    // others are valid locals.
    unsafe {
        assert_eq!(
            iks_gateway_xauth_take_credentials(
                ptr::null_mut(),
                1,
                user.as_mut_ptr(),
                64,
                &mut ul,
                pass.as_mut_ptr(),
                64,
                &mut pl
            ),
            iks_result::IKS_ERR_NULL_POINTER
        );
        assert_eq!(
            iks_gateway_xauth_take_credentials(
                net.hub.0,
                1,
                user.as_mut_ptr(),
                64,
                &mut ul,
                ptr::null_mut(),
                64,
                &mut pl
            ),
            iks_result::IKS_ERR_NULL_POINTER
        );
        assert_eq!(
            iks_gateway_xauth_take_credentials(
                net.hub.0,
                1,
                user.as_mut_ptr(),
                64,
                ptr::null_mut(),
                pass.as_mut_ptr(),
                64,
                &mut pl
            ),
            iks_result::IKS_ERR_NULL_POINTER
        );
        assert_eq!(
            iks_gateway_xauth_verdict(ptr::null_mut(), 0, 1, true),
            iks_result::IKS_ERR_NULL_POINTER
        );
        assert_eq!(
            iks_gateway_xauth_credentials(
                ptr::null_mut(),
                0,
                1,
                b"u".as_ptr(),
                1,
                b"p".as_ptr(),
                1
            ),
            iks_result::IKS_ERR_NULL_POINTER
        );
        assert_eq!(
            iks_gateway_xauth_credentials(net.hub.0, 0, 1, ptr::null(), 1, b"p".as_ptr(), 1),
            iks_result::IKS_ERR_NULL_POINTER
        );
        assert_eq!(
            iks_gateway_xauth_credentials(net.hub.0, 0, 1, b"u".as_ptr(), 1, ptr::null(), 1),
            iks_result::IKS_ERR_NULL_POINTER
        );
        // A user name that is not UTF-8.
        assert_eq!(
            iks_gateway_xauth_credentials(net.hub.0, 0, 1, b"\xff".as_ptr(), 1, ptr::null(), 0),
            iks_result::IKS_ERR_INVALID_ARGUMENT
        );
    }
    assert_eq!((ul, pl), (0, 0), "nothing written on failure");
    // The hub is the Xauth server: it never waits for credentials.
    let ike_sa = net
        .events
        .iter()
        .find(|e| e.kind == IKS_EVENT_XAUTH_REQUEST)
        .unwrap()
        .id;
    // SAFETY: live handle; valid slices.
    let r = unsafe {
        iks_gateway_xauth_credentials(
            net.hub.0,
            net.now,
            ike_sa,
            b"u".as_ptr(),
            1,
            b"p".as_ptr(),
            1,
        )
    };
    assert_eq!(r, iks_result::IKS_ERR_INVALID_ARGUMENT);
    assert!(
        last_error().contains("no Xauth verdict awaited"),
        "{}",
        last_error()
    );
    // The request's credentials survived all of that.
    let (r, user, _) = take(&net.hub, ike_sa, 64, 64);
    assert_eq!(r, iks_result::IKS_OK);
    assert_eq!(user, b"gfullage");
}

#[test]
fn credentials_not_taken_are_wiped_when_the_ike_sa_goes() {
    let mut net = Net::connect();
    let ike_sa = net.take_kind(IKS_EVENT_XAUTH_REQUEST)[0].id;
    // The client gives up before any verdict and deletes its IKE SA.
    let id = net.client.ike_sas()[0].id;
    net.client
        .delete_ike_sa(Instant::from_millis(net.now), id)
        .unwrap();
    net.run();
    assert!(
        net.events
            .iter()
            .any(|e| e.kind == IKS_EVENT_IKE_SA_DOWN && e.id == ike_sa),
        "{:?}",
        net.events
    );
    let (r, ..) = take(&net.hub, ike_sa, 64, 64);
    assert_eq!(r, iks_result::IKS_ERR_EMPTY);
    assert_eq!(
        net.verdict(ike_sa, true),
        iks_result::IKS_ERR_INVALID_ARGUMENT
    );
}

/// A hub that Xauths its LAN-to-LAN spokes against a local user.
const L2L_HUB: &str = "\
hostname Hub
username spoke password 0 s3cret
aaa new-model
aaa authentication login clientauth local
crypto keyring spokes
 pre-shared-key address 0.0.0.0 0.0.0.0 key cisco123
crypto isakmp policy 10
 encr 3des
 authentication pre-share
 group 2
crypto isakmp profile L2L
 keyring spokes
 match identity address 0.0.0.0
 client authentication list clientauth
crypto ipsec transform-set myset esp-3des esp-sha-hmac
crypto dynamic-map dynmap 10
 set transform-set myset
 set isakmp-profile L2L
crypto map mymap 10 ipsec-isakmp dynamic dynmap
interface FastEthernet0/0
 ip address 127.0.0.1 255.0.0.0
 crypto map mymap
";

/// The seed's spoke, expecting Xauth from the hub but holding no
/// credentials: its embedder supplies them.
const XAUTH_SPOKE: &str = "\
hostname Spoke
aaa new-model
aaa authentication login clientauth local
crypto isakmp policy 10
 encr 3des
 authentication pre-share
 group 2
crypto isakmp key cisco123 address 127.0.0.1
crypto ipsec transform-set myset esp-3des esp-sha-hmac
crypto map mymap client authentication list clientauth
crypto map mymap 10 ipsec-isakmp
 set peer 127.0.0.1
 set transform-set myset
 match address 100
interface FastEthernet0/0
 ip address dhcp
 crypto map mymap
access-list 100 permit ip 10.2.0.0 0.0.255.255 10.1.0.0 0.0.255.255
";

/// Carries every datagram `from` sends to `to`; true if any moved.
fn carry(from: &Gw, to: &Gw, now: u64) -> bool {
    carry_checked(from, to, now, |_| {})
}

#[test]
fn a_spoke_without_credentials_gets_them_from_its_embedder() {
    let hub = gateway(L2L_HUB, 0, NATT_PORT);
    let spoke = gateway(XAUTH_SPOKE, u32::from(CLIENT_ADDR), NATT_PORT);
    let now = 5_000;
    let (mut state, mut peer) = (0u32, 0u32);
    // SAFETY: live handle and valid locals.
    let r = unsafe {
        iks_gateway_initiate(
            spoke.0,
            now,
            0x0A02_0205,
            0x0A01_0101,
            &mut state,
            &mut peer,
        )
    };
    assert_eq!(r, iks_result::IKS_OK, "{}", last_error());
    while carry(&spoke, &hub, now) | carry(&hub, &spoke, now) {}

    let spoke_events = events(&spoke);
    let ask = spoke_events
        .iter()
        .find(|e| e.kind == IKS_EVENT_XAUTH_CREDENTIALS_REQUEST)
        .unwrap_or_else(|| panic!("{spoke_events:?}"));
    assert_eq!(ask.peer_addr, u32::from(HUB_ADDR));
    let ike_sa = ask.id;
    // The hub checks locally: nothing for its embedder to decide.
    assert!(
        events(&hub)
            .iter()
            .all(|e| e.kind != IKS_EVENT_XAUTH_REQUEST)
    );

    let (user, pass) = (b"spoke", b"s3cret");
    // SAFETY: live handle; valid slices.
    let r = unsafe {
        iks_gateway_xauth_credentials(spoke.0, now, ike_sa, user.as_ptr(), 5, pass.as_ptr(), 6)
    };
    assert_eq!(r, iks_result::IKS_OK, "{}", last_error());
    while carry(&spoke, &hub, now) | carry(&hub, &spoke, now) {}

    let spoke_events = events(&spoke);
    let done: Vec<_> = spoke_events
        .iter()
        .filter(|e| e.kind == IKS_EVENT_XAUTH_DONE)
        .collect();
    assert_eq!(done.len(), 1, "{spoke_events:?}");
    assert!(done[0].ok);
    assert_eq!(done[0].id, ike_sa);
    assert!(spoke_events.iter().any(|e| e.kind == IKS_EVENT_SA_UP));
    let hub_events = events(&hub);
    assert!(
        hub_events
            .iter()
            .any(|e| e.kind == IKS_EVENT_XAUTH_DONE && e.ok),
        "{hub_events:?}"
    );
    // Answered once: a second answer is refused.
    // SAFETY: live handle; valid slices.
    let r = unsafe {
        iks_gateway_xauth_credentials(spoke.0, now, ike_sa, user.as_ptr(), 5, pass.as_ptr(), 6)
    };
    assert_eq!(r, iks_result::IKS_ERR_INVALID_ARGUMENT);
}
