//! Xauth guessing limits across IKE SAs, and login counts. The engine
//! allows a few Xauth tries per IKE SA; a client with the group key can
//! open as many IKE SAs as it likes, so the limits that matter live here,
//! in IOS's terms:
//! * `aaa local authentication attempts max-fail N`: a local user is
//!   locked after N failed logins in a row, whatever IKE SA or address
//!   they came from, until `clear aaa local user lockout` (a success
//!   before that resets the count);
//! * a per-source back-off: after [`XauthBackoff::failures`] failures from
//!   one address, its Xauth replies are refused unchecked for a time that
//!   doubles with each further round, on the caller's clock;
//! * group `max-users N` (logins in the group at once) and `max-logins N`
//!   (logins of one user of the group at once), counted per IKE SA from
//!   its accepted Xauth until the SA ends.

use std::collections::HashMap;
use std::net::Ipv4Addr;

use ike_proto::engine::IkeSaId;
use ike_proto::time::{Duration, Instant};

/// The per-source back-off of failed Xauth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XauthBackoff {
    /// Failures from one address that start a back-off round.
    pub failures: u32,
    /// The first round's length; each further round doubles it.
    pub first: Duration,
    /// The longest round.
    pub max: Duration,
}

impl Default for XauthBackoff {
    fn default() -> Self {
        Self {
            failures: 3,
            first: Duration::from_secs(30),
            max: Duration::from_secs(900),
        }
    }
}

/// Sources remembered at most (the oldest is forgotten first): each needs
/// a finished phase 1 with the group key to get here.
const MAX_SOURCES: usize = 4096;

#[derive(Debug, Clone, Copy)]
struct Source {
    failed: u32,
    rounds: u32,
    blocked_until: Option<Instant>,
    last: Instant,
}

#[derive(Debug, Clone, Copy, Default)]
struct UserFailures {
    failed: u32,
    locked_at: Option<Instant>,
}

/// One accepted login.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Login {
    group: Option<String>,
    user: String,
}

/// Xauth replies refused by the limits, by limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct XauthRefusals {
    /// Unchecked: the source is backing off.
    pub backoff: u64,
    /// Unchecked: the user is locked (`max-fail`).
    pub locked: u64,
    /// Right password, group at `max-users`.
    pub max_users: u64,
    /// Right password, user at `max-logins`.
    pub max_logins: u64,
}

/// The state behind the limits, shared by the clones of one policy.
#[derive(Debug, Default)]
pub struct XauthGuard {
    /// The refusals so far (the policy counts them as it refuses).
    pub refusals: XauthRefusals,
    backoff: XauthBackoff,
    sources: HashMap<Ipv4Addr, Source>,
    users: HashMap<String, UserFailures>,
    logins: HashMap<IkeSaId, Login>,
}

impl XauthGuard {
    /// A guard with this back-off.
    pub fn new(backoff: XauthBackoff) -> Self {
        Self {
            backoff,
            ..Self::default()
        }
    }

    /// Until when Xauth from `peer` is refused, if it is now.
    pub fn source_blocked(&self, peer: Ipv4Addr, now: Instant) -> Option<Instant> {
        self.sources
            .get(&peer)
            .and_then(|s| s.blocked_until)
            .filter(|t| *t > now)
    }

    /// Whether `user` is locked (`max-fail`).
    pub fn user_locked(&self, user: &str) -> bool {
        self.users.get(user).is_some_and(|u| u.locked_at.is_some())
    }

    /// A wrong password from `peer`; `user` is a local user to count it
    /// against (`None` for names the configuration does not have: they
    /// cannot be locked, and are not remembered), with `max_fail`.
    pub fn failed(
        &mut self,
        user: Option<&str>,
        max_fail: Option<u32>,
        peer: Ipv4Addr,
        now: Instant,
    ) {
        if let (Some(user), Some(max)) = (user, max_fail) {
            let u = self.users.entry(user.to_string()).or_default();
            u.failed = u.failed.saturating_add(1);
            if u.failed >= max && u.locked_at.is_none() {
                log::warn!("AAA: local user {user} locked after {max} failed attempts");
                u.locked_at = Some(now);
            }
        }
        if !self.sources.contains_key(&peer) && self.sources.len() >= MAX_SOURCES {
            if let Some(oldest) = self
                .sources
                .iter()
                .min_by_key(|(_, s)| s.last)
                .map(|(a, _)| *a)
            {
                self.sources.remove(&oldest);
            }
        }
        let b = self.backoff;
        let s = self.sources.entry(peer).or_insert(Source {
            failed: 0,
            rounds: 0,
            blocked_until: None,
            last: now,
        });
        s.last = now;
        s.failed = s.failed.saturating_add(1);
        if s.failed >= b.failures.max(1) {
            s.failed = 0;
            let factor = 1u64 << s.rounds.min(20);
            let length = b.first.saturating_mul(factor);
            let length = if length > b.max { b.max } else { length };
            s.rounds = s.rounds.saturating_add(1);
            s.blocked_until = Some(now + length);
            log::warn!(
                "ISAKMP: Xauth from {peer} refused for {} s after repeated failures",
                length.as_secs()
            );
        }
    }

    /// A right password: the user's and the source's counts start again.
    pub fn succeeded(&mut self, user: &str, peer: Ipv4Addr) {
        if let Some(u) = self.users.get_mut(user) {
            u.failed = 0;
        }
        self.sources.remove(&peer);
    }

    /// Logins in `group` now, and of `user` in it, other than on `except`.
    pub fn logins(&self, group: Option<&str>, user: &str, except: IkeSaId) -> (usize, usize) {
        let in_group = self
            .logins
            .iter()
            .filter(|(id, l)| **id != except && l.group.as_deref() == group);
        let mut all = 0;
        let mut mine = 0;
        for (_, l) in in_group {
            all += 1;
            if l.user == user {
                mine += 1;
            }
        }
        (all, mine)
    }

    /// A login accepted on `ike_sa`.
    pub fn login(&mut self, ike_sa: IkeSaId, group: Option<&str>, user: &str) {
        self.logins.insert(
            ike_sa,
            Login {
                group: group.map(str::to_string),
                user: user.to_string(),
            },
        );
    }

    /// `ike_sa` is gone: its login is over.
    pub fn ended(&mut self, ike_sa: IkeSaId) {
        self.logins.remove(&ike_sa);
    }

    /// `show aaa local user lockout`: the locked users and when, by name.
    pub fn locked_users(&self) -> Vec<(String, Instant)> {
        let mut v: Vec<(String, Instant)> = self
            .users
            .iter()
            .filter_map(|(n, u)| u.locked_at.map(|t| (n.clone(), t)))
            .collect();
        v.sort();
        v
    }

    /// `clear aaa local user lockout username NAME` (`Some`) or `all`
    /// (`None`): how many were unlocked.
    pub fn clear_lockout(&mut self, user: Option<&str>) -> usize {
        let mut n = 0;
        for (name, u) in &mut self.users {
            if user.is_none_or(|x| x == name) {
                if u.locked_at.take().is_some() {
                    n += 1;
                }
                u.failed = 0;
            }
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_rounds_double_up_to_the_maximum_and_a_success_ends_them() {
        let mut g = XauthGuard::new(XauthBackoff {
            failures: 3,
            first: Duration::from_secs(30),
            max: Duration::from_secs(100),
        });
        let a = Ipv4Addr::new(198, 51, 100, 9);
        let t = Instant::from_secs(1000);
        g.failed(None, None, a, t);
        g.failed(None, None, a, t);
        assert_eq!(g.source_blocked(a, t), None);
        g.failed(None, None, a, t);
        assert_eq!(g.source_blocked(a, t), Some(Instant::from_secs(1030)));
        assert_eq!(g.source_blocked(a, Instant::from_secs(1030)), None);
        let t = Instant::from_secs(1030);
        for _ in 0..3 {
            g.failed(None, None, a, t);
        }
        assert_eq!(g.source_blocked(a, t), Some(Instant::from_secs(1090)));
        let t = Instant::from_secs(1090);
        for _ in 0..3 {
            g.failed(None, None, a, t);
        }
        // 120 s capped to 100 s.
        assert_eq!(g.source_blocked(a, t), Some(Instant::from_secs(1190)));
        // Other addresses are not affected; a success forgets the source.
        assert_eq!(g.source_blocked(Ipv4Addr::new(198, 51, 100, 8), t), None);
        g.succeeded("u", a);
        assert_eq!(g.source_blocked(a, t), None);
    }

    #[test]
    fn max_fail_locks_a_user_until_cleared_and_a_success_resets_the_count() {
        let mut g = XauthGuard::default();
        let t = Instant::from_secs(5);
        let a = Ipv4Addr::new(198, 51, 100, 9);
        g.failed(Some("u"), Some(2), a, t);
        g.succeeded("u", a);
        g.failed(Some("u"), Some(2), a, t);
        assert!(!g.user_locked("u"));
        g.failed(Some("u"), Some(2), a, t);
        assert!(g.user_locked("u"));
        assert_eq!(g.locked_users(), vec![("u".to_string(), t)]);
        assert_eq!(g.clear_lockout(Some("v")), 0);
        assert_eq!(g.clear_lockout(None), 1);
        assert!(!g.user_locked("u"));
        // Without max-fail nobody is locked.
        for _ in 0..10 {
            g.failed(Some("w"), None, a, t);
        }
        assert!(!g.user_locked("w"));
    }

    #[test]
    fn sources_are_bounded() {
        let mut g = XauthGuard::default();
        for i in 0..(MAX_SOURCES as u32 + 10) {
            g.failed(
                None,
                None,
                Ipv4Addr::from(i),
                Instant::from_millis(u64::from(i)),
            );
        }
        assert_eq!(g.sources.len(), MAX_SOURCES);
        assert!(!g.sources.contains_key(&Ipv4Addr::from(0)));
    }
}
