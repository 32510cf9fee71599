//! The parser's error type.

use core::fmt;

/// What the parser found where it expected something else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// A word, as written.
    Token(String),
    /// A word in a secret's position (a key, a password): not shown.
    Secret,
    /// Nothing: the line ended.
    EndOfLine,
}

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Found::Token(t) => write!(f, "'{t}'"),
            Found::Secret => f.write_str("a secret (not shown)"),
            Found::EndOfLine => f.write_str("end of line"),
        }
    }
}

/// The kind of object a command refers to by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefKind {
    /// `crypto keyring`.
    Keyring,
    /// `crypto ipsec transform-set`.
    TransformSet,
    /// `crypto dynamic-map`.
    DynamicMap,
    /// `crypto map`.
    CryptoMap,
    /// `access-list` / `ip access-list`.
    AccessList,
    /// `crypto isakmp profile`.
    IsakmpProfile,
    /// `crypto isakmp client configuration group`.
    ClientGroup,
    /// `ip local pool`.
    LocalPool,
    /// `aaa authentication login`.
    AuthenticationList,
    /// `aaa authorization network`.
    AuthorizationList,
    /// `crypto ipsec client ezvpn`.
    EzvpnClient,
}

impl fmt::Display for RefKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RefKind::Keyring => "keyring",
            RefKind::TransformSet => "transform set",
            RefKind::DynamicMap => "dynamic map",
            RefKind::CryptoMap => "crypto map",
            RefKind::AccessList => "access list",
            RefKind::IsakmpProfile => "isakmp profile",
            RefKind::ClientGroup => "client configuration group",
            RefKind::LocalPool => "ip local pool",
            RefKind::AuthenticationList => "aaa authentication login list",
            RefKind::AuthorizationList => "aaa authorization network list",
            RefKind::EzvpnClient => "ezvpn client",
        })
    }
}

/// Why a configuration was rejected. Lines and columns count from 1;
/// columns count characters, indentation included.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A command this parser handles is malformed, or a line inside a crypto
    /// block is no command at all.
    #[error("line {line}, column {column}: expected {expected}, found {found}")]
    Syntax {
        /// Line number.
        line: usize,
        /// Column of the offending word (or just past the line's end).
        column: usize,
        /// What would have been accepted, e.g. `'address' or 'hostname'`.
        expected: String,
        /// What was there.
        found: Found,
    },
    /// Well-formed words that do not go together (two ciphers in one
    /// transform set, a range whose end is before its start ...).
    #[error("line {line}, column {column}: {message}")]
    Invalid {
        /// Line number.
        line: usize,
        /// Column of the offending word.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A command names an object that the configuration does not define.
    #[error("line {line}, column {column}: {kind} '{name}' is not defined")]
    Undefined {
        /// Line of the referring command.
        line: usize,
        /// Column of the name.
        column: usize,
        /// What kind of object was named.
        kind: RefKind,
        /// The name.
        name: String,
    },
    /// A warning, under [`super::ParseOptions::strict`].
    #[error("{0} (strict: warnings are errors)")]
    Strict(super::ConfigWarning),
}

impl ConfigError {
    /// The line the error is on.
    pub fn line(&self) -> usize {
        match self {
            ConfigError::Syntax { line, .. }
            | ConfigError::Invalid { line, .. }
            | ConfigError::Undefined { line, .. } => *line,
            ConfigError::Strict(w) => w.line,
        }
    }

    /// The column the error is at.
    pub fn column(&self) -> usize {
        match self {
            ConfigError::Syntax { column, .. }
            | ConfigError::Invalid { column, .. }
            | ConfigError::Undefined { column, .. } => *column,
            ConfigError::Strict(w) => w.column,
        }
    }
}

/// Renders keyword alternatives as `'a'`, `'a' or 'b'`, `'a', 'b' or 'c'`.
pub(crate) fn one_of(alts: &[&str]) -> String {
    let quoted: Vec<String> = alts.iter().map(|a| format!("'{a}'")).collect();
    match quoted.len() {
        0 => String::from("nothing"),
        1 => quoted[0].clone(),
        n => format!("{} or {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}

/// Renders alternatives that may also be left out: `'a', 'b' or end of line`.
pub(crate) fn one_of_or_end(alts: &[&str]) -> String {
    let mut quoted: Vec<String> = alts.iter().map(|a| format!("'{a}'")).collect();
    quoted.push(String::from("end of line"));
    let n = quoted.len();
    format!("{} or {}", quoted[..n - 1].join(", "), quoted[n - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders() {
        assert_eq!(one_of(&["a"]), "'a'");
        assert_eq!(one_of(&["a", "b"]), "'a' or 'b'");
        assert_eq!(one_of(&["a", "b", "c"]), "'a', 'b' or 'c'");
        let e = ConfigError::Syntax {
            line: 42,
            column: 12,
            expected: one_of(&["address", "hostname"]),
            found: Found::Token("adress".into()),
        };
        assert_eq!(
            e.to_string(),
            "line 42, column 12: expected 'address' or 'hostname', found 'adress'"
        );
    }
}
