//! SA teardown: an IKE SA or child SA going down, with the deletes sent
//! and the events raised.

use super::children::ChildEntry;
use super::{
    ChildSa, ChildSaId, Core, DownReason, Engine, Event, IkeSa, IkeSaId, LogForm, PeerScope,
    Phase1State, QmRole,
};

use crate::exchange::IosState;
use crate::exchange::informational::InfoItem;
use crate::wire::ProtocolId;

impl Core {
    pub(super) fn ike_down(&mut self, mut sa: Box<IkeSa>, reason: DownReason) {
        self.ike_down_ref(&mut sa, reason);
    }

    /// Reports an SA's end (down if it was up, failed otherwise) and the
    /// acquires it carried; the caller forgets the SA.
    pub(super) fn ike_down_ref(&mut self, sa: &mut IkeSa, reason: DownReason) {
        let state = core::mem::replace(&mut sa.phase1, Phase1State::Gone);
        sa.timers.stop_all();
        drop(sa.take_xact());
        self.policy.ike_sa_ended(sa.id);
        let assigned = sa.client.as_mut().and_then(|c| c.assigned.take());
        if let Some(a) = assigned.filter(|_| !sa.initiator) {
            // A Mode Config address lives as long as the SAs that carry
            // it: the client's child SAs go with its IKE SA, or a client
            // that deleted only its ISAKMP SA would keep a working IPsec
            // SA for an address the pool hands to the next client.
            self.drop_children_of(sa.id, reason);
            self.log(Some(sa.id), None, "returning IP addr to the address pool");
            self.policy.release_address(a);
        }
        self.transition(sa.id, None, state.name(), IosState::IkeDestSa);
        if sa.reported_up {
            self.events.push_back(Event::IkeSaDown {
                ike_sa: sa.id,
                remote: sa.remote,
                reason,
            });
        } else {
            self.events.push_back(Event::IkeSaFailed {
                ike_sa: sa.id,
                remote: sa.remote,
                error: None,
            });
        }
        for a in sa.acquires.drain(..) {
            self.events.push_back(Event::ChildSaFailed {
                remote: sa.remote,
                selectors: a.selectors,
                error: None,
            });
        }
        for q in sa.quick.drain(..) {
            self.quick_spis.remove(&q.spi_in);
            if let (Some(a), QmRole::Initiator(_)) = (q.acquire, &q.role) {
                self.events.push_back(Event::ChildSaFailed {
                    remote: sa.remote,
                    selectors: a.selectors,
                    error: None,
                });
            }
        }
    }

    /// The child SAs in `scope` but `keep`'s go down.
    pub(super) fn purge_children(&mut self, scope: &PeerScope, keep: IkeSaId, reason: DownReason) {
        let kids: Vec<ChildSaId> = self
            .children
            .of_peer(*scope.remote.ip())
            .filter(|c| c.sa.ike_sa != keep && scope.covers_child(c))
            .map(|c| c.sa.id)
            .collect();
        for k in kids {
            if let Some(c) = self.children.remove(&k) {
                self.child_down(c, reason);
            }
        }
    }

    /// Removes the child SAs an IKE SA negotiated (no Delete is sent:
    /// the IKE SA that would protect it is going).
    fn drop_children_of(&mut self, ike_sa: IkeSaId, reason: DownReason) {
        let kids: Vec<ChildSaId> = self.children.of_ike(ike_sa).map(|c| c.sa.id).collect();
        for k in kids {
            if let Some(c) = self.children.remove(&k) {
                self.child_down(c, reason);
            }
        }
    }

    pub(super) fn child_down(&mut self, entry: ChildEntry, reason: DownReason) {
        self.log(
            Some(entry.sa.ike_sa),
            None,
            format_args!(
                "deleting IPsec SAs spi in 0x{:08X} out 0x{:08X}",
                entry.sa.spi_in, entry.sa.spi_out
            ),
        );
        self.events.push_back(Event::ChildSaDown {
            child: entry.sa.id,
            remote: entry.sa.remote,
            spi_in: entry.sa.spi_in,
            spi_out: entry.sa.spi_out,
            reason,
        });
    }

    pub(super) fn send_info(&mut self, sa: &mut IkeSa, items: &[InfoItem]) {
        let mid = self.message_id(sa);
        if let Phase1State::Established(p1) = &mut sa.phase1 {
            let msg = crate::exchange::informational::protected(p1, mid, items);
            // An Informational is one message: its node is gone once sent.
            self.log_form(
                None,
                None,
                LogForm::Global,
                format_args!("set new node {} to {}", mid as i32, sa.debug_state()),
            );
            self.log_form(
                None,
                None,
                LogForm::Verbatim,
                format_args!(
                    "CryptoEngine0: generate hmac context for conn id {}",
                    sa.id.0
                ),
            );
            self.send(sa, &msg);
            self.log(
                Some(sa.id),
                None,
                format_args!("purging node {}", mid as i32),
            );
        }
    }

    pub(super) fn send_ike_delete(&mut self, sa: &mut IkeSa) {
        if let Some(p1) = sa.established() {
            let spi = crate::exchange::informational::isakmp_spi(p1);
            let item = InfoItem::Delete {
                protocol: ProtocolId::ISAKMP,
                spis: vec![spi],
            };
            self.send_info(sa, &[item]);
        }
    }
}

impl Engine {
    /// A Delete for a child SA's inbound SPI, on the established IKE SA
    /// with its peer (none up: nothing is sent).
    pub(super) fn send_child_delete(&mut self, child: &ChildSa) {
        let Some(id) = self.sas.established_with(*child.remote.ip()) else {
            return;
        };
        let item = InfoItem::Delete {
            protocol: ProtocolId::IPSEC_ESP,
            spis: vec![child.spi_in.to_be_bytes().to_vec()],
        };
        self.with_sa(id, |core, sa| {
            core.send_info(sa, &[item]);
            (true, ())
        });
    }
}
