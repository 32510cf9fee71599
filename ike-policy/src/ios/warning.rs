//! What the parser accepted but the suite does not do as IOS would: typed
//! warnings, returned beside the model by [`super::parse_with`].

use core::fmt;

/// Why a line drew a warning.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WarningKind {
    /// The first word of a global command is none this parser knows. The
    /// line (and its block) is kept aside in [`crate::model::Config::ignored`]:
    /// it may be valid IOS that is not modelled, or a typo (`interfce`).
    UnknownCommand,
    /// Valid IOS that the suite reads but does not carry out; the text
    /// says what is missing and what happens instead.
    NotImplemented(String),
    /// `set peer NAME` with a host name: a library does no name lookups,
    /// so the entry has no address for it until the embedder resolves it
    /// ([`crate::model::Config::resolve_peer_hostnames`]).
    PeerHostname,
    /// A static entry of a crypto map is numbered above one of the map's
    /// dynamic entries. IOS tries the dynamic entry first, so connections
    /// with the static entry's peers fail there; this suite keeps the
    /// order the operator meant (static peers still match their entry).
    StaticAfterDynamic {
        /// The crypto map.
        map: String,
        /// The static entry's sequence number.
        static_seq: u32,
        /// The lowest-numbered dynamic entry below it.
        dynamic_seq: u32,
    },
}

impl fmt::Display for WarningKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WarningKind::UnknownCommand => f.write_str("unknown command, kept aside and not used"),
            WarningKind::NotImplemented(what) => write!(f, "not implemented: {what}"),
            WarningKind::PeerHostname => f.write_str(
                "a host name: the library does no name lookups, so the entry has no \
                 address for this peer until the embedder resolves it",
            ),
            WarningKind::StaticAfterDynamic {
                map,
                static_seq,
                dynamic_seq,
            } => write!(
                f,
                "static entry {map} {static_seq} is numbered above dynamic entry \
                 {map} {dynamic_seq}: the dynamic entry should have the highest sequence \
                 number; on IOS connections with this entry's peers fail (here they \
                 still match it)"
            ),
        }
    }
}

/// A line the parser accepted with a reservation. Lines and columns count
/// from 1, as in [`super::ConfigError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigWarning {
    /// Line number.
    pub line: usize,
    /// Column of the word the warning is about.
    pub column: usize,
    /// The words the warning is about, as written: the command (never a
    /// secret: an unknown command shows only its first word).
    pub text: String,
    /// Why.
    pub kind: WarningKind,
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: '{}': {}",
            self.line, self.column, self.text, self.kind
        )
    }
}

/// How to parse.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParseOptions {
    /// Make the first warning an error ([`super::ConfigError::Strict`]).
    pub strict: bool,
}

impl ParseOptions {
    /// Warnings are errors.
    pub fn strict() -> Self {
        Self { strict: true }
    }

    /// With [`ParseOptions::strict`] on or off.
    pub fn with_strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }
}

/// A parsed configuration with the warnings it drew, in line order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// The model.
    pub config: crate::model::Config,
    /// What was accepted with a reservation.
    pub warnings: Vec<ConfigWarning>,
}
