//! Child SAs that no negotiation produced, for benches that need N tunnels
//! without N negotiations (cargo feature `unnegotiated-sas`, off by default).

use super::*;

impl Gateway {
    /// Installs `child` as a negotiated child SA is installed (SAD, SPD
    /// entry in front, the data path's routes, the flow it holds), without
    /// the engine knowing it: no IKE SA stands behind it, so nothing
    /// rekeys, deletes or DPD-probes it. A bench takes a child SA from one
    /// real negotiation ([`Event::ChildSaUp`]) and installs copies with
    /// their own SPIs, peers and selectors, under that negotiation's keys. Not for production.
    ///
    /// # Errors
    /// Why the data plane refused it (an SPI in use, a cipher it lacks ...).
    pub fn install_unnegotiated(
        &mut self,
        now: Instant,
        child: &ChildSa,
        keys: &ChildSaKeys,
    ) -> Result<(), String> {
        self.try_install(now, child, keys)
    }
}
