//! The IOS exec command line: a small grammar of the commands the Gateway
//! knows, matched word by word as IOS does: a word may be any prefix of a
//! keyword that no sibling keyword shares (`sh cry isa sa`), a word that
//! fits nothing is marked with a caret, a prefix of two siblings is
//! ambiguous, a line that stops early is incomplete. A `| json`,
//! `| include X`, `| exclude X` or `| begin X` after a show command
//! filters its output.

use std::net::Ipv4Addr;

use crate::show::IpsecSaFilter;

/// One element of a command's syntax.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok {
    /// A keyword, abbreviable.
    K(&'static str),
    /// `A.B.C.D`.
    Ip,
    /// A decimal number.
    Num,
    /// Any word (a name, a path).
    Word,
}

use Tok::{Ip, K, Num, Word};

/// Which command a syntax line means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Syntax {
    IsakmpSa,
    IsakmpSaDetail,
    IsakmpPolicy,
    IpsecSa,
    IpsecSaDetail,
    IpsecSaPeer,
    IpsecSaMap,
    IpsecSaInterface,
    TransformSet,
    TransformSetTag,
    CryptoMap,
    CryptoMapTag,
    DynamicMap,
    DynamicMapTag,
    Session,
    SessionDetail,
    Debugging,
    AaaLockout,
    ClearSa,
    ClearSaPeer,
    ClearSaMap,
    ClearSession,
    ClearSessionRemote,
    ClearIsakmp,
    ClearIsakmpOne,
    ClearAaaUser,
    ClearAaaAll,
    DebugIsakmp,
    DebugIpsec,
    UndebugIsakmp,
    UndebugIpsec,
    UndebugAll,
    EzvpnConnect,
    EzvpnConnectName,
    EzvpnXauth,
    ConfigureReplace,
}

/// Every command line the exec takes.
const GRAMMAR: &[(&[Tok], Syntax)] = &[
    (
        &[K("show"), K("crypto"), K("isakmp"), K("sa")],
        Syntax::IsakmpSa,
    ),
    (
        &[K("show"), K("crypto"), K("isakmp"), K("sa"), K("detail")],
        Syntax::IsakmpSaDetail,
    ),
    (
        &[K("show"), K("crypto"), K("isakmp"), K("policy")],
        Syntax::IsakmpPolicy,
    ),
    (
        &[K("show"), K("crypto"), K("ipsec"), K("sa")],
        Syntax::IpsecSa,
    ),
    (
        &[K("show"), K("crypto"), K("ipsec"), K("sa"), K("detail")],
        Syntax::IpsecSaDetail,
    ),
    (
        &[K("show"), K("crypto"), K("ipsec"), K("sa"), K("peer"), Ip],
        Syntax::IpsecSaPeer,
    ),
    (
        &[K("show"), K("crypto"), K("ipsec"), K("sa"), K("map"), Word],
        Syntax::IpsecSaMap,
    ),
    (
        &[
            K("show"),
            K("crypto"),
            K("ipsec"),
            K("sa"),
            K("interface"),
            Word,
        ],
        Syntax::IpsecSaInterface,
    ),
    (
        &[K("show"), K("crypto"), K("ipsec"), K("transform-set")],
        Syntax::TransformSet,
    ),
    (
        &[
            K("show"),
            K("crypto"),
            K("ipsec"),
            K("transform-set"),
            K("tag"),
            Word,
        ],
        Syntax::TransformSetTag,
    ),
    (&[K("show"), K("crypto"), K("map")], Syntax::CryptoMap),
    (
        &[K("show"), K("crypto"), K("map"), K("tag"), Word],
        Syntax::CryptoMapTag,
    ),
    (
        &[K("show"), K("crypto"), K("dynamic-map")],
        Syntax::DynamicMap,
    ),
    (
        &[K("show"), K("crypto"), K("dynamic-map"), K("tag"), Word],
        Syntax::DynamicMapTag,
    ),
    (&[K("show"), K("crypto"), K("session")], Syntax::Session),
    (
        &[K("show"), K("crypto"), K("session"), K("detail")],
        Syntax::SessionDetail,
    ),
    (&[K("show"), K("debugging")], Syntax::Debugging),
    (
        &[K("show"), K("aaa"), K("local"), K("user"), K("lockout")],
        Syntax::AaaLockout,
    ),
    (&[K("clear"), K("crypto"), K("sa")], Syntax::ClearSa),
    (
        &[K("clear"), K("crypto"), K("sa"), K("peer"), Ip],
        Syntax::ClearSaPeer,
    ),
    (
        &[K("clear"), K("crypto"), K("sa"), K("map"), Word],
        Syntax::ClearSaMap,
    ),
    (
        &[K("clear"), K("crypto"), K("session")],
        Syntax::ClearSession,
    ),
    (
        &[K("clear"), K("crypto"), K("session"), K("remote"), Ip],
        Syntax::ClearSessionRemote,
    ),
    (&[K("clear"), K("crypto"), K("isakmp")], Syntax::ClearIsakmp),
    (
        &[K("clear"), K("crypto"), K("isakmp"), Num],
        Syntax::ClearIsakmpOne,
    ),
    (
        &[
            K("clear"),
            K("aaa"),
            K("local"),
            K("user"),
            K("lockout"),
            K("username"),
            Word,
        ],
        Syntax::ClearAaaUser,
    ),
    (
        &[
            K("clear"),
            K("aaa"),
            K("local"),
            K("user"),
            K("lockout"),
            K("all"),
        ],
        Syntax::ClearAaaAll,
    ),
    (&[K("debug"), K("crypto"), K("isakmp")], Syntax::DebugIsakmp),
    (&[K("debug"), K("crypto"), K("ipsec")], Syntax::DebugIpsec),
    (
        &[K("undebug"), K("crypto"), K("isakmp")],
        Syntax::UndebugIsakmp,
    ),
    (
        &[K("undebug"), K("crypto"), K("ipsec")],
        Syntax::UndebugIpsec,
    ),
    (&[K("undebug"), K("all")], Syntax::UndebugAll),
    (
        &[K("no"), K("debug"), K("crypto"), K("isakmp")],
        Syntax::UndebugIsakmp,
    ),
    (
        &[K("no"), K("debug"), K("crypto"), K("ipsec")],
        Syntax::UndebugIpsec,
    ),
    (&[K("no"), K("debug"), K("all")], Syntax::UndebugAll),
    (
        &[
            K("crypto"),
            K("ipsec"),
            K("client"),
            K("ezvpn"),
            K("connect"),
        ],
        Syntax::EzvpnConnect,
    ),
    (
        &[
            K("crypto"),
            K("ipsec"),
            K("client"),
            K("ezvpn"),
            K("connect"),
            Word,
        ],
        Syntax::EzvpnConnectName,
    ),
    (
        &[K("crypto"), K("ipsec"), K("client"), K("ezvpn"), K("xauth")],
        Syntax::EzvpnXauth,
    ),
    (
        &[K("configure"), K("replace"), Word],
        Syntax::ConfigureReplace,
    ),
];

/// What `clear crypto sa` clears.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum ClearScope {
    All,
    Peer(Ipv4Addr),
    Map(String),
}

/// A parsed exec command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Command {
    IsakmpSa {
        detail: bool,
    },
    IsakmpPolicy,
    IpsecSa {
        filter: IpsecSaFilter,
        detail: bool,
    },
    TransformSet {
        tag: Option<String>,
    },
    CryptoMap {
        tag: Option<String>,
    },
    DynamicMap {
        tag: Option<String>,
    },
    Session {
        detail: bool,
    },
    Debugging,
    AaaLockout,
    ClearSa(ClearScope),
    /// `clear crypto session [remote A]`: IKE and IPsec SAs.
    ClearSession(Option<Ipv4Addr>),
    ClearIsakmp(Option<u64>),
    ClearAaaLockout(Option<String>),
    /// `debug` (true) or `undebug` (false) of ISAKMP (`isakmp`) or IPsec.
    Debug {
        isakmp: bool,
        on: bool,
    },
    UndebugAll,
    EzvpnConnect,
    EzvpnXauth,
    ConfigureReplace(String),
}

impl Command {
    /// Whether this is a show command (the only ones a pipe may follow).
    pub(super) fn is_show(&self) -> bool {
        !matches!(
            self,
            Command::ClearSa(_)
                | Command::ClearSession(_)
                | Command::ClearIsakmp(_)
                | Command::ClearAaaLockout(_)
                | Command::Debug { .. }
                | Command::UndebugAll
                | Command::EzvpnConnect
                | Command::EzvpnXauth
                | Command::ConfigureReplace(_)
        )
    }
}

/// What follows `|`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Pipe {
    None,
    Json,
    Include(String),
    Exclude(String),
    Begin(String),
}

/// Why a line is not a command, in IOS's three ways.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum ParseError {
    /// The word starting at this column (in characters) fits nothing.
    Invalid(usize),
    /// A word abbreviates two keywords.
    Ambiguous,
    /// The line stops before a command is complete.
    Incomplete,
}

/// A word of the line and the column (in characters) it starts at.
fn words(line: &str, base: usize) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (col, (i, ch)) in (base..).zip(line.char_indices()) {
        match (ch.is_whitespace(), start) {
            (false, None) => start = Some((i, col)),
            (true, Some((s, c))) => {
                out.push((c, &line[s..i]));
                start = None;
            }
            _ => {}
        }
    }
    if let Some((s, c)) = start {
        out.push((c, &line[s..]));
    }
    out
}

/// The unique keyword among `keywords` that `word` names: itself, else
/// the only one it is a prefix of.
fn pick<'k>(word: &str, keywords: &[&'k str]) -> Result<Option<&'k str>, ParseError> {
    let w = word.to_ascii_lowercase();
    if let Some(k) = keywords.iter().find(|k| **k == w) {
        return Ok(Some(k));
    }
    let mut hits = keywords.iter().filter(|k| k.starts_with(&w));
    match (hits.next(), hits.next()) {
        (Some(k), None) => Ok(Some(k)),
        (Some(_), Some(_)) => Err(ParseError::Ambiguous),
        _ => Ok(None),
    }
}

fn fits(tok: Tok, word: &str) -> bool {
    match tok {
        K(_) => false,
        Ip => word.parse::<Ipv4Addr>().is_ok(),
        Num => !word.is_empty() && word.len() <= 19 && word.bytes().all(|b| b.is_ascii_digit()),
        Word => true,
    }
}

/// Parses one exec line (without its pipe).
fn parse_words(ws: &[(usize, &str)]) -> Result<Command, ParseError> {
    let mut alive: Vec<(&[Tok], Syntax)> = GRAMMAR.to_vec();
    let mut args: Vec<&str> = Vec::new();
    for (i, (col, word)) in ws.iter().enumerate() {
        let next: Vec<Tok> = alive
            .iter()
            .filter_map(|(s, _)| s.get(i).copied())
            .collect();
        let mut keywords: Vec<&str> = next
            .iter()
            .filter_map(|t| match t {
                K(k) => Some(*k),
                _ => None,
            })
            .collect();
        keywords.sort_unstable();
        keywords.dedup();
        if let Some(k) = pick(word, &keywords)? {
            alive.retain(|(s, _)| s.get(i) == Some(&K(k)));
            continue;
        }
        // Not a keyword: an argument of the first kind that fits.
        let Some(kind) = [Ip, Num, Word]
            .into_iter()
            .find(|t| next.contains(t) && fits(*t, word))
        else {
            return Err(ParseError::Invalid(*col));
        };
        alive.retain(|(s, _)| s.get(i) == Some(&kind));
        args.push(word);
    }
    let Some((_, id)) = alive.iter().find(|(s, _)| s.len() == ws.len()) else {
        return Err(ParseError::Incomplete);
    };
    Ok(build(*id, &args))
}

fn arg(args: &[&str], i: usize) -> String {
    args.get(i).map(|s| (*s).to_string()).unwrap_or_default()
}

fn build(id: Syntax, args: &[&str]) -> Command {
    let ip = || {
        args.first()
            .and_then(|a| a.parse().ok())
            .unwrap_or(Ipv4Addr::UNSPECIFIED)
    };
    match id {
        Syntax::IsakmpSa => Command::IsakmpSa { detail: false },
        Syntax::IsakmpSaDetail => Command::IsakmpSa { detail: true },
        Syntax::IsakmpPolicy => Command::IsakmpPolicy,
        Syntax::IpsecSa => Command::IpsecSa {
            filter: IpsecSaFilter::All,
            detail: false,
        },
        Syntax::IpsecSaDetail => Command::IpsecSa {
            filter: IpsecSaFilter::All,
            detail: true,
        },
        Syntax::IpsecSaPeer => Command::IpsecSa {
            filter: IpsecSaFilter::Peer(ip()),
            detail: false,
        },
        Syntax::IpsecSaMap => Command::IpsecSa {
            filter: IpsecSaFilter::Map(arg(args, 0)),
            detail: false,
        },
        Syntax::IpsecSaInterface => Command::IpsecSa {
            filter: IpsecSaFilter::Interface(arg(args, 0)),
            detail: false,
        },
        Syntax::TransformSet => Command::TransformSet { tag: None },
        Syntax::TransformSetTag => Command::TransformSet {
            tag: Some(arg(args, 0)),
        },
        Syntax::CryptoMap => Command::CryptoMap { tag: None },
        Syntax::CryptoMapTag => Command::CryptoMap {
            tag: Some(arg(args, 0)),
        },
        Syntax::DynamicMap => Command::DynamicMap { tag: None },
        Syntax::DynamicMapTag => Command::DynamicMap {
            tag: Some(arg(args, 0)),
        },
        Syntax::Session => Command::Session { detail: false },
        Syntax::SessionDetail => Command::Session { detail: true },
        Syntax::Debugging => Command::Debugging,
        Syntax::AaaLockout => Command::AaaLockout,
        Syntax::ClearSa => Command::ClearSa(ClearScope::All),
        Syntax::ClearSaPeer => Command::ClearSa(ClearScope::Peer(ip())),
        Syntax::ClearSaMap => Command::ClearSa(ClearScope::Map(arg(args, 0))),
        Syntax::ClearSession => Command::ClearSession(None),
        Syntax::ClearSessionRemote => Command::ClearSession(Some(ip())),
        Syntax::ClearIsakmp => Command::ClearIsakmp(None),
        Syntax::ClearIsakmpOne => Command::ClearIsakmp(args.first().and_then(|a| a.parse().ok())),
        Syntax::ClearAaaUser => Command::ClearAaaLockout(Some(arg(args, 0))),
        Syntax::ClearAaaAll => Command::ClearAaaLockout(None),
        Syntax::DebugIsakmp => Command::Debug {
            isakmp: true,
            on: true,
        },
        Syntax::DebugIpsec => Command::Debug {
            isakmp: false,
            on: true,
        },
        Syntax::UndebugIsakmp => Command::Debug {
            isakmp: true,
            on: false,
        },
        Syntax::UndebugIpsec => Command::Debug {
            isakmp: false,
            on: false,
        },
        Syntax::UndebugAll => Command::UndebugAll,
        Syntax::EzvpnConnect | Syntax::EzvpnConnectName => Command::EzvpnConnect,
        Syntax::EzvpnXauth => Command::EzvpnXauth,
        Syntax::ConfigureReplace => Command::ConfigureReplace(arg(args, 0)),
    }
}

fn parse_pipe(text: &str, base: usize) -> Result<Pipe, ParseError> {
    let ws = words(text, base);
    let Some((col, first)) = ws.first() else {
        return Err(ParseError::Incomplete);
    };
    let kw = pick(first, &["json", "include", "exclude", "begin"])?;
    // The pattern is the rest of the line as typed (IOS: a regular
    // expression; here a plain substring).
    let rest = || {
        let skip = text.trim_start();
        skip[first.len()..].trim().to_string()
    };
    match kw {
        Some("json") if ws.len() == 1 => Ok(Pipe::Json),
        Some("json") => Err(ParseError::Invalid(ws[1].0)),
        Some(_) if ws.len() == 1 => Err(ParseError::Incomplete),
        Some("include") => Ok(Pipe::Include(rest())),
        Some("exclude") => Ok(Pipe::Exclude(rest())),
        Some(_) => Ok(Pipe::Begin(rest())),
        None => Err(ParseError::Invalid(*col)),
    }
}

/// Parses an exec line: the command and what its output goes through.
/// `Ok(None)`: an empty line.
pub(super) fn parse(line: &str) -> Result<Option<(Command, Pipe)>, ParseError> {
    let (command, pipe) = match line.find('|') {
        Some(at) => (&line[..at], Some(at)),
        None => (line, None),
    };
    let ws = words(command, 0);
    if ws.is_empty() && pipe.is_none() {
        return Ok(None);
    }
    let cmd = parse_words(&ws)?;
    let pipe = match pipe {
        None => Pipe::None,
        Some(at) => {
            let base = line[..=at].chars().count();
            if !cmd.is_show() {
                return Err(ParseError::Invalid(base - 1));
            }
            parse_pipe(&line[at + 1..], base)?
        }
    };
    Ok(Some((cmd, pipe)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(line: &str) -> Command {
        parse(line).unwrap().unwrap().0
    }

    #[test]
    fn ios_abbreviations() {
        assert_eq!(ok("sh cry isa sa"), Command::IsakmpSa { detail: false });
        assert_eq!(ok("SH CRY ISA SA DET"), Command::IsakmpSa { detail: true });
        assert_eq!(ok("sh cry isa pol"), Command::IsakmpPolicy);
        assert_eq!(
            ok("sh cry ips sa pe 192.0.2.1"),
            Command::IpsecSa {
                filter: IpsecSaFilter::Peer(Ipv4Addr::new(192, 0, 2, 1)),
                detail: false
            }
        );
        assert_eq!(ok("sh cry ips t"), Command::TransformSet { tag: None });
        assert_eq!(ok("sh cry d"), Command::DynamicMap { tag: None });
        assert_eq!(ok("sh cry ses det"), Command::Session { detail: true });
        assert_eq!(ok("sh deb"), Command::Debugging);
        assert_eq!(ok("cle cry sa"), Command::ClearSa(ClearScope::All));
        assert_eq!(ok("clear crypto isakmp 4"), Command::ClearIsakmp(Some(4)));
        assert_eq!(
            ok("deb cry isa"),
            Command::Debug {
                isakmp: true,
                on: true
            }
        );
        assert_eq!(ok("u all"), Command::UndebugAll);
        assert_eq!(ok("no deb all"), Command::UndebugAll);
        assert_eq!(ok("cry ipsec cl ezvpn conn"), Command::EzvpnConnect);
        assert_eq!(
            ok("cry ipsec cl ezvpn conn hw-client"),
            Command::EzvpnConnect
        );
        assert_eq!(
            ok("conf rep flash:hub.cfg"),
            Command::ConfigureReplace("flash:hub.cfg".into())
        );
        assert_eq!(parse("   ").unwrap(), None);
    }

    #[test]
    fn errors_as_ios_reports_them() {
        // The caret goes under the first character of the bad word.
        assert_eq!(
            parse("show crypto isakmp foo"),
            Err(ParseError::Invalid(19))
        );
        assert_eq!(
            parse("show crypto ipsec sa peer 1.2.3"),
            Err(ParseError::Invalid(26))
        );
        assert_eq!(parse("s c i s"), Err(ParseError::Ambiguous));
        // "c" is clear, configure or crypto.
        assert_eq!(parse("c"), Err(ParseError::Ambiguous));
        assert_eq!(parse("show crypto"), Err(ParseError::Incomplete));
        assert_eq!(parse("clear crypto sa peer"), Err(ParseError::Incomplete));
        assert_eq!(parse("frobnicate"), Err(ParseError::Invalid(0)));
        assert_eq!(
            parse("show crypto isakmp sa detail extra"),
            Err(ParseError::Invalid(29))
        );
    }

    #[test]
    fn pipes_follow_show_commands_only() {
        assert_eq!(
            parse("sh cry isa sa | json").unwrap().unwrap().1,
            Pipe::Json
        );
        assert_eq!(
            parse("sh cry ips sa | i pkts enc").unwrap().unwrap().1,
            Pipe::Include("pkts enc".into())
        );
        assert_eq!(
            parse("sh cry ips sa | beg inbound").unwrap().unwrap().1,
            Pipe::Begin("inbound".into())
        );
        assert_eq!(
            parse("clear crypto sa | json"),
            Err(ParseError::Invalid(16))
        );
        assert_eq!(parse("sh cry isa sa | frob"), Err(ParseError::Invalid(16)));
        assert_eq!(
            parse("sh cry isa sa | include"),
            Err(ParseError::Incomplete)
        );
    }
}
