//! The C view of the Gateway's events: one flat `iks_event` per event,
//! tagged by an `IKS_EVENT_*` kind, with the reasons as `IKS_DOWN_*` and
//! `IKS_DROP_*` numbers.

use std::collections::HashMap;
use std::net::SocketAddrV4;

use ike_policy::GatewayEvent;
use ike_policy::gateway::{DropReason, KeyLogLine};
use ike_proto::engine::{DownReason, Event};

use super::{
    IKS_DOWN_DELETED_BY_PEER, IKS_DOWN_DELETED_LOCALLY, IKS_DOWN_EXPIRED, IKS_DOWN_INITIAL_CONTACT,
    IKS_DOWN_PEER_DEAD, IKS_DROP_ESP_REJECTED, IKS_DROP_HOLD_QUEUE_FULL, IKS_DROP_MALFORMED,
    IKS_DROP_NEGOTIATION_FAILED, IKS_DROP_POLICY_DISCARD, IKS_DROP_SEAL_FAILED,
    IKS_DROP_SELECTOR_MISMATCH, IKS_EVENT_CONFIG_ASSIGNED, IKS_EVENT_CONFIG_RECEIVED,
    IKS_EVENT_DROPPED, IKS_EVENT_IKE_SA_DOWN, IKS_EVENT_IKE_SA_FAILED, IKS_EVENT_IKE_SA_UP,
    IKS_EVENT_KEYLOG, IKS_EVENT_NOTIFY, IKS_EVENT_PEER_DEAD, IKS_EVENT_PEER_MOVED,
    IKS_EVENT_SA_DOWN, IKS_EVENT_SA_FAILED, IKS_EVENT_SA_INSTALL_FAILED, IKS_EVENT_SA_REKEYED,
    IKS_EVENT_SA_UP, IKS_EVENT_XAUTH_CREDENTIALS_REQUEST, IKS_EVENT_XAUTH_DONE,
    IKS_EVENT_XAUTH_REQUEST, PendingXauth, clamp, iks_event,
};

fn down_reason(reason: DownReason) -> u32 {
    match reason {
        DownReason::Expired => IKS_DOWN_EXPIRED,
        DownReason::DeletedByPeer => IKS_DOWN_DELETED_BY_PEER,
        DownReason::DeletedLocally => IKS_DOWN_DELETED_LOCALLY,
        DownReason::PeerDead => IKS_DOWN_PEER_DEAD,
        DownReason::InitialContact => IKS_DOWN_INITIAL_CONTACT,
    }
}

pub(super) fn drop_reason(reason: DropReason) -> u32 {
    match reason {
        DropReason::Malformed => IKS_DROP_MALFORMED,
        DropReason::PolicyDiscard => IKS_DROP_POLICY_DISCARD,
        DropReason::HoldQueueFull => IKS_DROP_HOLD_QUEUE_FULL,
        DropReason::NegotiationFailed => IKS_DROP_NEGOTIATION_FAILED,
        DropReason::EspRejected => IKS_DROP_ESP_REJECTED,
        DropReason::SelectorMismatch => IKS_DROP_SELECTOR_MISMATCH,
        DropReason::SealFailed => IKS_DROP_SEAL_FAILED,
    }
}

fn at_peer(kind: u32, id: u32, peer: SocketAddrV4) -> iks_event {
    iks_event {
        kind,
        id: u64::from(id),
        peer_addr: (*peer.ip()).into(),
        peer_port: peer.port(),
        ..iks_event::default()
    }
}

/// The C view of an event; `None` for what C takes elsewhere: log lines
/// (the log callback), the engine's `ChildSaUp` (followed by the
/// Gateway's `SaInstalled` or `SaInstallFailed`) and `SaRemoved` (preceded
/// by the engine's `ChildSaDown`, which carries the SPIs).
///
/// Peers' ports are the real ones: the engine is configured with the
/// gateway's IKE and NAT-T ports and reports what the sockets see.
/// `xauth` keeps the credentials of an Xauth request for
/// `iks_gateway_xauth_take_credentials` (the event struct carries no
/// strings) and forgets them when their IKE SA ends.
pub(super) fn c_event(
    xauth: &mut HashMap<u64, PendingXauth>,
    keylog: &mut Option<KeyLogLine>,
    event: GatewayEvent,
) -> Option<iks_event> {
    Some(match event {
        GatewayEvent::Engine(e) => match e {
            Event::IkeSaUp(info) => at_peer(IKS_EVENT_IKE_SA_UP, info.id.0, info.remote),
            Event::IkeSaDown {
                ike_sa,
                remote,
                reason,
            } => {
                xauth.remove(&u64::from(ike_sa.0));
                iks_event {
                    reason: down_reason(reason),
                    ..at_peer(IKS_EVENT_IKE_SA_DOWN, ike_sa.0, remote)
                }
            }
            Event::IkeSaFailed { ike_sa, remote, .. } => {
                xauth.remove(&u64::from(ike_sa.0));
                at_peer(IKS_EVENT_IKE_SA_FAILED, ike_sa.0, remote)
            }
            Event::ChildSaRekeyed { new, .. } => iks_event {
                spi_in: new.spi_in,
                spi_out: new.spi_out,
                ..at_peer(IKS_EVENT_SA_REKEYED, new.id.0, new.remote)
            },
            Event::ChildSaDown {
                child,
                remote,
                spi_in,
                spi_out,
                reason,
            } => iks_event {
                spi_in,
                spi_out,
                reason: down_reason(reason),
                ..at_peer(IKS_EVENT_SA_DOWN, child.0, remote)
            },
            Event::ChildSaFailed { remote, .. } => at_peer(IKS_EVENT_SA_FAILED, 0, remote),
            Event::PeerDead { ike_sa, remote } => at_peer(IKS_EVENT_PEER_DEAD, ike_sa.0, remote),
            Event::PeerAddressChanged { ike_sa, new, .. } => {
                at_peer(IKS_EVENT_PEER_MOVED, ike_sa.0, new)
            }
            Event::NotifyReceived {
                ike_sa, remote, ty, ..
            } => iks_event {
                notify_type: ty,
                ..at_peer(IKS_EVENT_NOTIFY, ike_sa.map_or(0, |i| i.0), remote)
            },
            Event::XauthRequest {
                ike_sa,
                remote,
                user,
                password,
            } => {
                xauth.insert(u64::from(ike_sa.0), PendingXauth { user, password });
                at_peer(IKS_EVENT_XAUTH_REQUEST, ike_sa.0, remote)
            }
            Event::XauthCredentialsRequest { ike_sa, remote } => {
                at_peer(IKS_EVENT_XAUTH_CREDENTIALS_REQUEST, ike_sa.0, remote)
            }
            Event::XauthDone {
                ike_sa, remote, ok, ..
            } => {
                // Decided (or timed out): the credentials are of no use.
                xauth.remove(&u64::from(ike_sa.0));
                iks_event {
                    ok,
                    ..at_peer(IKS_EVENT_XAUTH_DONE, ike_sa.0, remote)
                }
            }
            Event::ConfigAssigned {
                ike_sa,
                remote,
                address,
                server,
                ..
            } => {
                let kind = if server {
                    IKS_EVENT_CONFIG_ASSIGNED
                } else {
                    IKS_EVENT_CONFIG_RECEIVED
                };
                iks_event {
                    assigned_addr: address.into(),
                    ..at_peer(kind, ike_sa.0, remote)
                }
            }
            Event::ChildSaUp { .. } | Event::Log(_) | Event::IkeSaKeys(_) => return None,
        },
        GatewayEvent::SaInstalled {
            child,
            peer,
            spi_in,
            spi_out,
            udp_encapsulated,
        } => iks_event {
            kind: IKS_EVENT_SA_UP,
            id: u64::from(child.0),
            peer_addr: peer.into(),
            spi_in,
            spi_out,
            udp_encapsulated,
            ..iks_event::default()
        },
        GatewayEvent::SaInstallFailed { child, .. } => iks_event {
            kind: IKS_EVENT_SA_INSTALL_FAILED,
            id: u64::from(child.0),
            ..iks_event::default()
        },
        GatewayEvent::Dropped { reason, packets } => iks_event {
            kind: IKS_EVENT_DROPPED,
            reason: drop_reason(reason),
            count: clamp(packets),
            ..iks_event::default()
        },
        GatewayEvent::SaRemoved { .. } => return None,
        GatewayEvent::KeyLog(line) => {
            *keylog = Some(line);
            iks_event {
                kind: IKS_EVENT_KEYLOG,
                ..iks_event::default()
            }
        }
    })
}
