//! An on-demand liveness probe of one IKE SA (RFC 3706 R-U-THERE), for an
//! embedder that must know now whether a peer is still there: the hub asks
//! it of the holder of a flow another peer claims in Quick Mode (a spoke
//! that came back on a new address finds its old SA still holding its
//! LAN). The answer is the usual DPD outcome: an R-U-THERE-ACK (or any
//! authenticated message) keeps the SA; no answer after the retries raises
//! [`Event::PeerDead`] and removes the SA and its child SAs.

use super::{CommandError, Core, DpdConfig, Engine, IkeSa, IkeSaId, Instant, SaTimer};

impl Engine {
    /// Sends an R-U-THERE to the peer of `ike_sa` now, and declares it dead
    /// after the DPD retries (those of [`super::Config::dpd`], else
    /// [`DpdConfig::default`]'s) go unanswered. A probe already under way
    /// is left to run. Only peers that sent the DPD vendor ID are probed:
    /// an R-U-THERE to any other would go unanswered and kill a live peer.
    ///
    /// # Errors
    /// [`CommandError::UnknownSa`] for an SA that is not established, or
    /// whose peer does not do DPD.
    pub fn probe_peer(&mut self, now: Instant, ike_sa: IkeSaId) -> Result<(), CommandError> {
        self.core.now = now;
        self.with_sa(ike_sa, |core, sa| (true, core.probe(now, sa)))
            .unwrap_or(Err(CommandError::UnknownSa))
    }
}

impl Core {
    fn probe(&mut self, now: Instant, sa: &mut IkeSa) -> Result<(), CommandError> {
        let dpd = sa.established().map(|p1| p1.caps.dpd);
        if dpd != Some(true) {
            return Err(CommandError::UnknownSa);
        }
        if sa.dpd.outstanding.is_none() {
            let cfg = self.config.dpd.unwrap_or_default();
            sa.dpd.seq = sa.dpd.seq.wrapping_add(1);
            let seq = sa.dpd.seq;
            sa.dpd.outstanding = Some((seq, seq, 1));
            self.send_dpd(sa, seq);
            sa.timers.set(SaTimer::Dpd, now + cfg.retry);
        }
        Ok(())
    }

    /// The DPD settings a timer runs on: the configured ones, or for a
    /// probe under way without periodic DPD, the defaults.
    pub(super) fn dpd_settings(&self, probing: bool) -> Option<DpdConfig> {
        self.config.dpd.or_else(|| probing.then(DpdConfig::default))
    }
}
