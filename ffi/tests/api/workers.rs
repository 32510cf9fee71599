//! `iks_gateway_split_data_plane` as C uses it: a hub split into two
//! `iks_worker`s, spokes bringing their tunnels up through the hub's IKE
//! side, then each worker opening its spokes' ESP and sealing the replies
//! on its own thread at the same time, steered by `iks_esp_worker` and
//! `iks_worker_owner_of`; the hub's counters sum the workers'.

use std::ptr;

use ikesuite::gateway::*;
use ikesuite::iks_result;

use crate::common::{Gw, HUB, SPOKE, carry_checked, events, gateway, icmp, last_error};

const NATT: u16 = 14500;

/// A worker handle, moved to the thread that drives it.
struct Worker(*mut iks_worker);
// SAFETY: an iks_worker may move between threads (used by one at a time).
unsafe impl Send for Worker {}

fn lan(i: usize) -> [u8; 4] {
    [10, 20 + i as u8, 2, 5]
}

fn spoke_addr(i: usize) -> u32 {
    0x7F00_0002 + i as u32
}

/// ESP in UDP sealed at `from` (its payload, from the SPI on).
fn sealed(from: &Gw, now: u64, packet: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; packet.len() + IKS_SEAL_OVERHEAD];
    // SAFETY: live handle; valid, disjoint buffers.
    let s = unsafe {
        iks_gateway_seal_into(
            from.0,
            now,
            packet.as_ptr(),
            packet.len(),
            out.as_mut_ptr(),
            out.len(),
        )
    };
    assert_eq!(s.kind, IKS_PACKET_UDP, "{s:?}");
    out[s.offset..s.offset + s.len].to_vec()
}

#[test]
fn two_workers_carry_their_spokes_on_two_threads() {
    let hub = gateway(HUB, 0, NATT);
    let mut workers = [ptr::null_mut(); 2];
    // SAFETY: live handle; room for two handles.
    let r = unsafe { iks_gateway_split_data_plane(hub.0, 2, workers.as_mut_ptr()) };
    assert_eq!(r, iks_result::IKS_OK, "{}", last_error());
    // SAFETY: live handle; split again is refused.
    let again =
        unsafe { iks_gateway_split_data_plane(hub.0, 2, [ptr::null_mut(); 2].as_mut_ptr()) };
    assert_eq!(again, iks_result::IKS_ERR_REJECTED);
    let now = 1_000;

    // Spokes come up until both workers own a tunnel (the SPIs are random).
    let mut spokes = Vec::new();
    let mut owner_of_spoke = Vec::new();
    while owner_of_spoke.len() < 24 && !(owner_of_spoke.contains(&0) && owner_of_spoke.contains(&1))
    {
        let i = spokes.len();
        let cfg = SPOKE.replace(
            "10.2.0.0 0.0.255.255",
            &format!("10.{}.0.0 0.0.255.255", 20 + i),
        );
        let spoke = gateway(&cfg, spoke_addr(i), NATT);
        let first = icmp(lan(i), [10, 1, 1, 1], 8, 0);
        let mut out = vec![0u8; 2048];
        // SAFETY: live handle; valid, disjoint buffers.
        let s = unsafe {
            iks_gateway_seal_into(
                spoke.0,
                now,
                first.as_ptr(),
                first.len(),
                out.as_mut_ptr(),
                out.len(),
            )
        };
        assert_eq!(s.kind, IKS_PACKET_HELD);
        while carry_checked(&spoke, &hub, now, |_| {}) | carry_checked(&hub, &spoke, now, |_| {}) {}
        let up: Vec<iks_event> = events(&hub)
            .into_iter()
            .filter(|e| e.kind == IKS_EVENT_SA_UP)
            .collect();
        assert_eq!(up.len(), 1, "spoke {i} up");
        let mut w = 0u32;
        let spi = up[0].spi_in.to_be_bytes();
        // SAFETY: valid locals.
        let r = unsafe { iks_esp_worker(spi.as_ptr(), 4, 2, &mut w) };
        assert_eq!(r, iks_result::IKS_OK);
        owner_of_spoke.push(w);
        spokes.push(spoke);
        // The held ping went through the hub's queue API to its worker.
        let mut buf = vec![0u8; 2048];
        let mut len = 0usize;
        // SAFETY: live handle, valid locals.
        let r = unsafe {
            iks_worker_poll_inside(workers[w as usize], buf.as_mut_ptr(), buf.len(), &mut len)
        };
        assert_eq!(r, iks_result::IKS_OK, "{}", last_error());
        assert_eq!(buf[..len], first[..]);
    }
    assert!(owner_of_spoke.contains(&0) && owner_of_spoke.contains(&1));

    // Each spoke's 20 pings, sealed at the spoke, sorted by SPI's worker.
    let mut inbound: [Vec<(usize, Vec<u8>)>; 2] = [Vec::new(), Vec::new()];
    for (i, spoke) in spokes.iter().enumerate() {
        for seq in 1..=20 {
            let esp = sealed(spoke, now, &icmp(lan(i), [10, 1, 1, 1], 8, seq));
            let mut w = 0u32;
            // SAFETY: valid buffers.
            let r = unsafe { iks_esp_worker(esp.as_ptr(), esp.len(), 2, &mut w) };
            assert_eq!(r, iks_result::IKS_OK);
            assert_eq!(w, owner_of_spoke[i]);
            inbound[w as usize].push((i, esp));
        }
    }
    let handles: Vec<Worker> = workers.iter().map(|w| Worker(*w)).collect();
    let replies: Vec<Vec<(usize, Vec<u8>)>> = std::thread::scope(|scope| {
        let threads: Vec<_> = handles
            .into_iter()
            .zip(inbound)
            .map(|(w, mine)| {
                scope.spawn(move || {
                    let w = w;
                    let mut replies = Vec::new();
                    for (i, mut esp) in mine {
                        // SAFETY: this thread's handle; our buffer.
                        let o = unsafe {
                            iks_worker_open_into(
                                w.0,
                                now,
                                0x7F00_0001,
                                NATT,
                                spoke_addr(i),
                                NATT,
                                esp.as_mut_ptr(),
                                esp.len(),
                            )
                        };
                        assert_eq!(o.kind, IKS_PACKET_INSIDE, "{o:?}");
                        let inner = &esp[o.offset..o.offset + o.len];
                        let seq = u16::from_be_bytes([inner[26], inner[27]]);
                        let reply = icmp([10, 1, 1, 1], lan(i), 0, seq);
                        let mut owner = u32::MAX;
                        // SAFETY: this thread's handle, valid locals.
                        let r = unsafe {
                            iks_worker_owner_of(w.0, reply.as_ptr(), reply.len(), &mut owner)
                        };
                        assert_eq!(r, iks_result::IKS_OK);
                        let mut out = vec![0u8; reply.len() + IKS_SEAL_OVERHEAD];
                        // SAFETY: this thread's handle; valid, disjoint buffers.
                        let s = unsafe {
                            iks_worker_seal_into(
                                w.0,
                                now,
                                reply.as_ptr(),
                                reply.len(),
                                out.as_mut_ptr(),
                                out.len(),
                            )
                        };
                        assert_eq!(s.kind, IKS_PACKET_UDP, "{s:?}");
                        assert_eq!(s.remote_addr, spoke_addr(i));
                        replies.push((i, out[s.offset..s.offset + s.len].to_vec()));
                    }
                    replies
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    // The replies open at their spokes.
    let mut delivered = vec![0; spokes.len()];
    for (i, mut esp) in replies.into_iter().flatten() {
        // SAFETY: live handle; our buffer.
        let o = unsafe {
            iks_gateway_open_into(
                spokes[i].0,
                now,
                spoke_addr(i),
                NATT,
                0x7F00_0001,
                NATT,
                esp.as_mut_ptr(),
                esp.len(),
            )
        };
        assert_eq!(o.kind, IKS_PACKET_INSIDE, "{o:?}");
        delivered[i] += 1;
    }
    assert!(delivered.iter().all(|n| *n == 20), "{delivered:?}");
    let mut c = iks_gateway_counters::default();
    // SAFETY: live handle, valid local.
    assert_eq!(
        unsafe { iks_gateway_get_counters(hub.0, &mut c) },
        iks_result::IKS_OK
    );
    let n = spokes.len() as u64;
    assert_eq!((c.delivered, c.sealed), (21 * n, 20 * n));
    // A packet at the wrong worker: the right one's index.
    let reply = icmp([10, 1, 1, 1], lan(0), 0, 99);
    let wrong = 1 - owner_of_spoke[0] as usize;
    let mut out = vec![0u8; reply.len() + IKS_SEAL_OVERHEAD];
    // SAFETY: live handle; valid, disjoint buffers.
    let s = unsafe {
        iks_worker_seal_into(
            workers[wrong],
            now,
            reply.as_ptr(),
            reply.len(),
            out.as_mut_ptr(),
            out.len(),
        )
    };
    assert_eq!(
        (s.kind, s.reason),
        (IKS_PACKET_ELSEWHERE, owner_of_spoke[0])
    );
    for w in workers {
        // SAFETY: handles from the split, freed once.
        unsafe { iks_worker_free(w) };
    }
}
