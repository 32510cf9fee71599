//! `banner` texts: the global ones are kept aside, a client group's is
//! kept in the group.

use super::{GroupBanner, Mode, Parser};
use crate::ios::lexer::{Cursor, Line, Result};

impl Parser {
    pub(super) fn banner(&mut self, line: &Line<'_>) {
        // banner TYPE DELIM text... [DELIM]: the delimiter is the first
        // character after the type; IOS prints Ctrl-C as `^C`.
        let Some(tok) = line.tokens.get(2) else {
            return;
        };
        let (delim, len) = if tok.text.starts_with("^C") {
            (ETX, 2)
        } else {
            match tok.text.chars().next() {
                Some(ch) => (ch, ch.len_utf8()),
                None => return,
            }
        };
        let start = line.text.find(tok.text).unwrap_or(0) + len;
        if !banner_ends(line.text.get(start..).unwrap_or(""), delim) {
            self.mode = Mode::Banner(delim);
        }
    }

    /// `banner c text... c` in a client group: as IOS reads it, the first
    /// character after `banner` is the delimiter and the text runs, over
    /// as many lines as it takes, to the next one.
    pub(super) fn group_banner_start(&mut self, g: usize, c: &mut Cursor<'_, '_>) -> Result<()> {
        let tok = c.word("a banner delimiter")?;
        let (delim, len) = if tok.text.starts_with("^C") {
            (ETX, 2)
        } else {
            match tok.text.chars().next() {
                Some(ch) => (ch, ch.len_utf8()),
                None => return Err(c.expected_at(tok, "a banner delimiter")),
            }
        };
        let line = c.line_number();
        let text = c.line_text();
        let after = text
            .char_indices()
            .nth(tok.column.saturating_sub(1))
            .map_or(text.len(), |(b, _)| b)
            .saturating_add(len);
        let rest = text.get(after..).unwrap_or("");
        let mut banner = GroupBanner {
            group: g,
            delim,
            line,
            column: tok.column,
            lines: Vec::new(),
        };
        match banner_split(rest, delim) {
            Some(inside) => {
                banner.lines.push(inside.to_string());
                self.group_banner = Some(banner);
                self.close_group_banner();
            }
            None => {
                if !rest.is_empty() {
                    banner.lines.push(rest.to_string());
                }
                self.group_banner = Some(banner);
                self.mode = Mode::Banner(delim);
            }
        }
        Ok(())
    }

    pub(super) fn close_group_banner(&mut self) {
        if let Some(b) = self.group_banner.take() {
            if let Some(group) = self.cfg.client_groups.get_mut(b.group) {
                group.banner = Some(b.lines.join("\n"));
            }
        }
    }
}

/// Ctrl-C, the usual banner delimiter.
pub(super) const ETX: char = '\u{3}';

/// Whether a banner line holds the closing delimiter (`^C` stands for
/// Ctrl-C).
pub(super) fn banner_ends(text: &str, delim: char) -> bool {
    text.contains(delim) || (delim == ETX && text.contains("^C"))
}

/// The text of a banner line before its closing delimiter, if it has one.
pub(super) fn banner_split(text: &str, delim: char) -> Option<&str> {
    let at = if delim == ETX {
        match (text.find(ETX), text.find("^C")) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    } else {
        text.find(delim)
    };
    at.and_then(|i| text.get(..i))
}

/// How a delimiter is written in a message (`^C` for Ctrl-C).
pub(super) fn delim_name(delim: char) -> String {
    if delim == ETX {
        "^C".to_string()
    } else {
        delim.to_string()
    }
}
