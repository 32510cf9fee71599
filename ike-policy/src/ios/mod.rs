//! The IOS-text parser: configuration text in, [`Config`] out.
//!
//! What it reads, and how:
//!
//! * **Commands it interprets**: `crypto ...` (keyrings, `crypto isakmp
//!   key`, policies, profiles, client configuration groups, keepalives,
//!   transform sets, crypto maps, dynamic maps, SA lifetimes), `aaa
//!   new-model`, `aaa authentication login`, `aaa authorization network`,
//!   `username`, `service password-encryption`, `hostname`, `interface`
//!   (`description`, `ip address A M [secondary]`, `ip address dhcp`, `no
//!   ip address`, `crypto map`, `shutdown`), `ip local pool`, `ip route`,
//!   `access-list N ...` and `ip access-list standard|extended NAME`.
//! * **Lines kept aside**: every other line (`version`, `service
//!   timestamps`, `duplex`, `line vty` and its `password`, `dial-peer` ...)
//!   goes to [`Config::ignored`] with its number, together with the indented
//!   lines of its block. So do `crypto pki`, `crypto ca` and `crypto key`
//!   blocks (no certificates in this suite) and `banner` texts.
//! * **Warnings** ([`ConfigWarning`], from [`parse_with`]): a global
//!   command whose first word is none IOS has that this parser knows
//!   (`interfce`) is kept aside *with* a warning naming its line and
//!   column. Valid IOS the suite reads but does not carry out is kept aside
//!   with a warning saying what is missing: `crypto isakmp fragmentation`,
//!   `crypto isakmp invalid-spi-recovery`, `crypto isakmp xauth timeout N`,
//!   `crypto ipsec df-bit clear|set|copy` (global and per interface),
//!   `crypto ipsec security-association replay disable`, per-entry replay
//!   lines, a keyring's `local-address`, `crypto ipsec profile` (read into
//!   the model, used by nothing). `set peer NAME` keeps the host name for
//!   the embedder to resolve ([`Config::resolve_peer_hostnames`]). Static
//!   crypto map entries numbered above a dynamic entry of the same map get
//!   the seed's warning. Under [`ParseOptions::strict`] a warning is an
//!   error. Lines that simply work: `crypto isakmp aggressive-mode
//!   disable`, `crypto ipsec security-association replay window-size [N]`,
//!   `ip local pool NAME A B group G [cache-size N]`.
//! * **Comments**: blank lines, `!` and the seed's `!--- ` annotations are
//!   skipped and do not end a block.
//! * **Blocks** work like IOS's sub-modes, where indentation means nothing:
//!   a line that is a command of the current block belongs to it; any other
//!   line ends the block and is read as a global command. An *indented*
//!   line inside a crypto block that is neither is an error (a typo such as
//!   ` encrr 3des`), not a line to keep aside. `exit` ends a block.
//! * **Keywords** are case-insensitive. Inside crypto blocks, after the
//!   first word of an interpreted command, and in ACL lines, they may be
//!   abbreviated as IOS allows (`encr` for `encryption`, `auth pre` for
//!   `authentication pre-share`) when the abbreviation is unambiguous among
//!   the keywords accepted at that point; numbers are never abbreviated.
//!   The first word of a global command (`crypto`, `interface` ...) and the
//!   words of interface sub-commands are matched whole. Names are
//!   case-sensitive.
//! * **Errors** ([`ConfigError`]) name the line and column: a malformed
//!   command ("line 42, column 12: expected 'address' or 'hostname', found
//!   'adress'"), words that do not go together, or a name that refers to
//!   nothing (a profile's keyring, a crypto map entry's transform set,
//!   dynamic map, ACL or profile, a group's pool, an interface's crypto map,
//!   an AAA list). Secrets never appear in an error.
//! * Re-entering a block (`crypto isakmp policy 10` twice) edits the same
//!   object, as IOS does; a second key for the same peer replaces the
//!   first.
//!
//! ```
//! use ike_policy::ios::{parse, ConfigError};
//! let err = parse("crypto keyring spokes\n pre-shared-key adress 0.0.0.0 key k\n").unwrap_err();
//! assert_eq!(err.to_string(),
//!     "line 2, column 17: expected 'address' or 'hostname', found 'adress'");
//! assert!(matches!(err, ConfigError::Syntax { line: 2, column: 17, .. }));
//! ```

mod error;
mod lexer;
mod parser;
mod warning;

pub use error::{ConfigError, Found, RefKind};
pub use warning::{ConfigWarning, ParseOptions, Parsed, WarningKind};

use crate::model::Config;

/// Parses IOS configuration text into a [`Config`]; warnings are dropped
/// (see [`parse_with`] to get them).
pub fn parse(text: &str) -> Result<Config, ConfigError> {
    parse_with(text, &ParseOptions::default()).map(|p| p.config)
}

/// Parses IOS configuration text into a [`Config`] and the warnings it
/// drew ([`ConfigWarning`]: unknown commands, valid IOS the suite does not
/// carry out, crypto map numbering IOS would break on). Under
/// [`ParseOptions::strict`] the first warning is a
/// [`ConfigError::Strict`].
///
/// ```
/// use ike_policy::ios::{parse_with, ConfigError, ParseOptions, WarningKind};
/// let p = parse_with("hostname R1\ninterfce Fa0/0\n", &ParseOptions::default()).unwrap();
/// assert_eq!(p.warnings[0].to_string(),
///     "line 2, column 1: 'interfce': unknown command, kept aside and not used");
/// assert_eq!(p.warnings[0].kind, WarningKind::UnknownCommand);
/// let err = parse_with("interfce Fa0/0\n", &ParseOptions::strict()).unwrap_err();
/// assert!(matches!(err, ConfigError::Strict(w) if w.line == 1));
/// ```
pub fn parse_with(text: &str, options: &ParseOptions) -> Result<Parsed, ConfigError> {
    let (config, warnings) = parser::Parser::new().parse(text)?;
    if options.strict {
        if let Some(w) = warnings.into_iter().next() {
            return Err(ConfigError::Strict(w));
        }
        return Ok(Parsed {
            config,
            warnings: Vec::new(),
        });
    }
    Ok(Parsed { config, warnings })
}
