//! `configure replace` of the settings IOS applies to the SAs already up:
//! `crypto isakmp keepalive` (DPD) and `crypto isakmp nat keepalive` take
//! effect on every established IKE SA at once, and `crypto ipsec
//! nat-transparency udp-encapsulation` on the next negotiation (an SA keeps
//! the encapsulation it was negotiated with).

use super::{DpdConfig, Duration, Engine, Instant, SaTimer};

impl Engine {
    /// Runs DPD with `dpd` (`None`: no periodic or on-idle DPD) and sends
    /// NAT keepalives every `nat_keepalive`, from now on, on the IKE SAs
    /// already up too: a peer that does DPD gets its next R-U-THERE one
    /// interval from now (a probe under way finishes as it started); SAs
    /// that send NAT keepalives send the next one an interval from now.
    /// Returns whether anything changed.
    pub fn set_liveness(
        &mut self,
        now: Instant,
        dpd: Option<DpdConfig>,
        nat_keepalive: Duration,
    ) -> bool {
        self.core.now = now;
        let config = &mut self.core.config;
        let dpd_changed = config.dpd != dpd;
        let keepalive_changed = config.nat_keepalive != nat_keepalive;
        if !dpd_changed && !keepalive_changed {
            return false;
        }
        config.dpd = dpd;
        config.nat_keepalive = nat_keepalive;
        // A reload, not a packet: visiting every SA once is its cost.
        for id in self.sas.ids() {
            let Some(sa) = self.sas.get_mut(id) else {
                continue;
            };
            let peer_does_dpd = sa.established().is_some_and(|p1| p1.caps.dpd);
            if dpd_changed && peer_does_dpd && sa.dpd.outstanding.is_none() {
                match dpd {
                    Some(cfg) => sa.timers.set(SaTimer::Dpd, now + cfg.interval),
                    None => sa.timers.stop(SaTimer::Dpd),
                }
            }
            if keepalive_changed && sa.timers.is_set(SaTimer::Keepalive) {
                sa.timers.set(SaTimer::Keepalive, now + nat_keepalive);
            }
            self.sas.refile(id);
        }
        true
    }

    /// Offers NAT traversal (RFC 3947 and the drafts) in the negotiations
    /// from now on, or not; SAs up keep their encapsulation.
    pub fn set_nat_traversal(&mut self, on: bool) {
        self.core.config.nat_traversal = on;
    }
}
