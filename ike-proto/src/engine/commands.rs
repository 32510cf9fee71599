//! Commands from the embedder: start a negotiation for traffic, delete or
//! rekey an SA.

use std::net::SocketAddrV4;

use super::{
    Acquire, ChildSaId, CommandError, Core, DownReason, Engine, IkeSaId, Phase1State, QmRole,
};

use super::table::SaTable;
use crate::exchange::IosState;
use crate::exchange::aggressive::AggressiveInitiator;
use crate::exchange::main_mode::MainModeInitiator;
use crate::policy::{Identity, Selectors};
use crate::time::Instant;
use crate::wire::Cookie;

impl Engine {
    /// The ESP acquire: protect traffic matching `selectors` (ours as
    /// local) towards `peer`. Starts phase 1 if there is no IKE SA with the
    /// peer, then Quick Mode. Returns the IKE SA that will carry it.
    ///
    /// # Errors
    /// A port 0 in `local` or `peer` stands for [`Config::ike_port`](super::Config::ike_port) or
    /// [`Config::peer_ike_port`](super::Config::peer_ike_port).
    ///
    /// # Errors
    /// [`CommandError::NotProtected`] or [`CommandError::NoPhase1Policy`]
    /// when the policy says no.
    pub fn initiate(
        &mut self,
        now: Instant,
        mut local: SocketAddrV4,
        mut peer: SocketAddrV4,
        selectors: Selectors,
    ) -> Result<IkeSaId, CommandError> {
        self.core.now = now;
        if local.port() == 0 {
            local.set_port(self.core.config.ike_port);
        }
        if peer.port() == 0 {
            peer.set_port(self.core.config.peer_ike_port);
        }
        let offer = self
            .core
            .policy
            .initiator_phase2(*local.ip(), *peer.ip(), &selectors)
            .ok_or(CommandError::NotProtected)?;
        let acquire = Acquire {
            selectors: offer.selectors,
            rekey_of: None,
        };
        // Already protected or being negotiated: nothing to do.
        if self
            .core
            .children
            .of_peer(*peer.ip())
            .any(|c| !c.replaced && c.sa.selectors == acquire.selectors)
        {
            if let Some(sa) = self.sas.of_peer(*peer.ip()).next() {
                return Ok(sa.id);
            }
        }
        self.start_acquire(now, local, peer, acquire)
    }

    fn start_acquire(
        &mut self,
        now: Instant,
        local: SocketAddrV4,
        peer: SocketAddrV4,
        acquire: Acquire,
    ) -> Result<IkeSaId, CommandError> {
        // An established IKE SA with the peer: Quick Mode now.
        if let Some(id) = self.sas.established_with(*peer.ip()) {
            self.with_sa(id, |core, sa| {
                let pending = sa.quick.iter().any(|q| {
                    matches!(q.role, QmRole::Initiator(_))
                        && q.acquire.is_some_and(|a| a.selectors == acquire.selectors)
                });
                if !sa.phase2_open {
                    if !sa.acquires.iter().any(|a| a.selectors == acquire.selectors) {
                        sa.acquires.push(acquire);
                    }
                } else if !pending && !sa.acquires.iter().any(|a| a.selectors == acquire.selectors)
                {
                    sa.acquires.push(acquire);
                    core.pump_acquires(now, sa);
                }
                (true, ())
            });
            return Ok(id);
        }
        // A phase 1 under way: queue.
        let queued = self
            .sas
            .of_peer(*peer.ip())
            .find(|s| s.is_half_open() && s.initiator)
            .map(|s| s.id);
        // Queued on the SA: no deadline or index changes.
        if let Some(sa) = queued.and_then(|id| self.sas.get_mut(id)) {
            if !sa.acquires.iter().any(|a| a.selectors == acquire.selectors) {
                sa.acquires.push(acquire);
            }
            return Ok(sa.id);
        }
        let id = self.core.start_phase1(&mut self.sas, now, local, peer)?;
        if let Some(sa) = self.sas.get_mut(id) {
            sa.acquires.push(acquire);
        }
        Ok(id)
    }

    /// Deletes a child SA pair: a Delete for our inbound SPI goes to the
    /// peer (if an IKE SA is up) and [`Event::ChildSaDown`](super::Event::ChildSaDown) is raised.
    ///
    /// # Errors
    /// [`CommandError::UnknownSa`].
    pub fn delete_child_sa(&mut self, now: Instant, child: ChildSaId) -> Result<(), CommandError> {
        self.core.now = now;
        let entry = self
            .core
            .children
            .remove(&child)
            .ok_or(CommandError::UnknownSa)?;
        self.send_child_delete(&entry.sa);
        self.core.child_down(entry, DownReason::DeletedLocally);
        Ok(())
    }

    /// Deletes an IKE SA: a Delete goes to the peer, [`Event::IkeSaDown`](super::Event::IkeSaDown)
    /// is raised. Child SAs stay (as in IKEv1).
    ///
    /// # Errors
    /// [`CommandError::UnknownSa`].
    pub fn delete_ike_sa(&mut self, now: Instant, ike_sa: IkeSaId) -> Result<(), CommandError> {
        self.core.now = now;
        self.with_sa(ike_sa, |core, sa| {
            core.send_ike_delete(sa);
            core.ike_down_ref(sa, DownReason::DeletedLocally);
            (false, ())
        })
        .ok_or(CommandError::UnknownSa)
    }

    /// Rekeys a child SA now (the data plane saw its kilobyte soft
    /// lifetime run out).
    ///
    /// # Errors
    /// [`CommandError::UnknownSa`], or the policy no longer protects it.
    pub fn rekey_child_sa(&mut self, now: Instant, child: ChildSaId) -> Result<(), CommandError> {
        self.core.now = now;
        let c = self
            .core
            .children
            .get(&child)
            .ok_or(CommandError::UnknownSa)?;
        let (local, remote, selectors) = (c.sa.local, c.sa.remote, c.sa.selectors);
        self.rekey(now, child, local, remote, selectors)
    }

    pub(super) fn rekey(
        &mut self,
        now: Instant,
        child: ChildSaId,
        local: SocketAddrV4,
        remote: SocketAddrV4,
        selectors: Selectors,
    ) -> Result<(), CommandError> {
        if let Some(c) = self.core.children.get_mut(&child) {
            if c.rekeying || c.replaced {
                return Ok(());
            }
            c.rekeying = true;
        }
        self.core
            .policy
            .initiator_phase2(*local.ip(), *remote.ip(), &selectors)
            .ok_or(CommandError::NotProtected)?;
        // The SA's own endpoints: a phase 1 this needs starts where the
        // old one ended up (after a float, on the NAT-T ports with the
        // marker, so a NAT keeps its mapping and the float holds).
        self.start_acquire(
            now,
            local,
            remote,
            Acquire {
                selectors,
                rekey_of: Some(child),
            },
        )
        .map(|_| ())
    }
}

impl Core {
    /// Starts phase 1 with a peer as initiator: the new SA's handle.
    pub(super) fn start_phase1(
        &mut self,
        sas: &mut SaTable,
        now: Instant,
        local: SocketAddrV4,
        peer: SocketAddrV4,
    ) -> Result<IkeSaId, CommandError> {
        let p1 = self
            .policy
            .initiator_phase1(*local.ip(), *peer.ip())
            .ok_or(CommandError::NoPhase1Policy)?;
        let local_id = p1.identity.clone().unwrap_or(Identity::Ipv4(*local.ip()));
        let icookie = self.cookie(sas);
        let (state, msg, name) = match p1.mode {
            crate::policy::Phase1Mode::Main => {
                let psk = self
                    .policy
                    .preshared_key_for_address(*local.ip(), *peer.ip())
                    .ok_or(CommandError::NoPhase1Policy)?;
                let mut ctx = Self::ctx(
                    &mut self.rng,
                    &*self.policy,
                    &self.config,
                    (&mut self.trace, Some(IkeSaId(self.next_id))),
                    local,
                    peer,
                );
                let (s, m) =
                    MainModeInitiator::start(&mut ctx, icookie, p1.proposals, psk, local_id);
                (Phase1State::MainI(Box::new(s)), m, IosState::IkeIMm1)
            }
            crate::policy::Phase1Mode::Aggressive => {
                let mut ctx = Self::ctx(
                    &mut self.rng,
                    &*self.policy,
                    &self.config,
                    (&mut self.trace, Some(IkeSaId(self.next_id))),
                    local,
                    peer,
                );
                let (s, m) = AggressiveInitiator::start(&mut ctx, icookie, p1.proposals, local_id)
                    .map_err(|_| CommandError::NoPhase1Policy)?;
                (Phase1State::AggrI(Box::new(s)), m, IosState::IkeIAm1)
            }
        };
        let mut sa = self.new_sa(sas, true, icookie, Cookie::ZERO, local, peer, state);
        self.transition(sa.id, None, IosState::IkeReady, name);
        self.send_phase1(&mut sa, now, None, msg, true);
        let id = sa.id;
        sas.insert(sa);
        Ok(id)
    }
}
