//! Lines, words with their columns, and a cursor that reads them.

use std::net::Ipv4Addr;

use crate::ios::error::{ConfigError, Found, one_of};

/// One word of a line.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tok<'a> {
    pub text: &'a str,
    /// 1-based character column.
    pub column: usize,
}

/// One line of configuration text, split into words.
#[derive(Debug)]
pub(crate) struct Line<'a> {
    pub number: usize,
    /// The line without trailing white space.
    pub text: &'a str,
    /// Whether the line starts with white space.
    pub indented: bool,
    pub tokens: Vec<Tok<'a>>,
}

impl<'a> Line<'a> {
    pub fn new(number: usize, raw: &'a str) -> Self {
        let text = raw.trim_end();
        let mut tokens = Vec::new();
        let mut start: Option<(usize, usize)> = None; // (byte, column)
        let mut column = 0;
        for (byte, ch) in text.char_indices() {
            column += 1;
            if ch.is_whitespace() {
                if let Some((b, c)) = start.take() {
                    tokens.push(Tok {
                        text: &text[b..byte],
                        column: c,
                    });
                }
            } else if start.is_none() {
                start = Some((byte, column));
            }
        }
        if let Some((b, c)) = start {
            tokens.push(Tok {
                text: &text[b..],
                column: c,
            });
        }
        let indented = text.starts_with(char::is_whitespace);
        Self {
            number,
            text,
            indented,
            tokens,
        }
    }

    /// The column just past the last character.
    pub fn end_column(&self) -> usize {
        self.text.chars().count() + 1
    }

    /// Whether the line is blank or a `!` comment (`!---` annotations too).
    pub fn is_comment(&self) -> bool {
        self.tokens.first().is_none_or(|t| t.text.starts_with('!'))
    }

    /// The first word, lower-cased.
    pub fn word(&self, i: usize) -> Option<String> {
        self.tokens.get(i).map(|t| t.text.to_ascii_lowercase())
    }
}

/// Whether `tok` selects `kw`: exactly, or as a prefix (IOS accepts any
/// unambiguous abbreviation; numbers are never abbreviated).
fn selects(tok: &str, kw: &str) -> bool {
    tok.len() <= kw.len() && kw.as_bytes()[..tok.len()].eq_ignore_ascii_case(tok.as_bytes())
}

/// Picks the keyword `tok` stands for among `alts`: an exact match first,
/// else the only alternative `tok` abbreviates.
pub(crate) fn match_keyword(tok: &str, alts: &[&'static str]) -> Option<&'static str> {
    if let Some(k) = alts.iter().find(|k| k.eq_ignore_ascii_case(tok)) {
        return Some(k);
    }
    if tok.is_empty() || tok.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let mut hits = alts.iter().filter(|k| selects(tok, k));
    match (hits.next(), hits.next()) {
        (Some(k), None) => Some(k),
        _ => None,
    }
}

/// Reads the words of a line left to right.
pub(crate) struct Cursor<'l, 'a> {
    line: &'l Line<'a>,
    pos: usize,
}

pub(crate) type Result<T> = core::result::Result<T, ConfigError>;

impl<'l, 'a> Cursor<'l, 'a> {
    pub fn new(line: &'l Line<'a>) -> Self {
        Self { line, pos: 0 }
    }

    pub fn line_number(&self) -> usize {
        self.line.number
    }

    /// The whole line (without trailing white space).
    pub fn line_text(&self) -> &'a str {
        self.line.text
    }

    pub fn peek(&self) -> Option<Tok<'a>> {
        self.line.tokens.get(self.pos).copied()
    }

    pub fn peek_at(&self, ahead: usize) -> Option<Tok<'a>> {
        self.line.tokens.get(self.pos + ahead).copied()
    }

    /// The word read last (a keyword already matched, for a message
    /// about it).
    pub fn last(&self) -> Option<Tok<'a>> {
        self.pos
            .checked_sub(1)
            .and_then(|i| self.line.tokens.get(i))
            .copied()
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.line.tokens.len()
    }

    pub fn remaining(&self) -> usize {
        self.line.tokens.len().saturating_sub(self.pos)
    }

    pub fn advance(&mut self) {
        self.pos += 1;
    }

    /// The column of the next word, or just past the end of the line.
    pub fn column(&self) -> usize {
        self.peek()
            .map_or_else(|| self.line.end_column(), |t| t.column)
    }

    fn found(&self) -> Found {
        self.peek()
            .map_or(Found::EndOfLine, |t| Found::Token(t.text.to_string()))
    }

    /// A syntax error at the next word.
    pub fn expected(&self, expected: impl Into<String>) -> ConfigError {
        ConfigError::Syntax {
            line: self.line.number,
            column: self.column(),
            expected: expected.into(),
            found: self.found(),
        }
    }

    /// A syntax error at the next word, which is not shown (a secret).
    pub fn expected_secret(&self, expected: impl Into<String>) -> ConfigError {
        ConfigError::Syntax {
            line: self.line.number,
            column: self.column(),
            expected: expected.into(),
            found: if self.at_end() {
                Found::EndOfLine
            } else {
                Found::Secret
            },
        }
    }

    /// A syntax error at a word already read.
    pub fn expected_at(&self, tok: Tok<'_>, expected: impl Into<String>) -> ConfigError {
        ConfigError::Syntax {
            line: self.line.number,
            column: tok.column,
            expected: expected.into(),
            found: Found::Token(tok.text.to_string()),
        }
    }

    /// A semantic error at a word already read.
    pub fn invalid_at(&self, tok: Tok<'_>, message: impl Into<String>) -> ConfigError {
        ConfigError::Invalid {
            line: self.line.number,
            column: tok.column,
            message: message.into(),
        }
    }

    /// The next word, which must be one of `alts` (or abbreviate one).
    pub fn keyword(&mut self, alts: &[&'static str]) -> Result<&'static str> {
        match self.peek().and_then(|t| match_keyword(t.text, alts)) {
            Some(k) => {
                self.pos += 1;
                Ok(k)
            }
            None => Err(self.expected(one_of(alts))),
        }
    }

    /// The next word if it is one of `alts`; nothing is consumed otherwise.
    pub fn opt_keyword(&mut self, alts: &[&'static str]) -> Option<&'static str> {
        let k = self.peek().and_then(|t| match_keyword(t.text, alts))?;
        self.pos += 1;
        Some(k)
    }

    /// Any next word.
    pub fn word(&mut self, expected: &str) -> Result<Tok<'a>> {
        let t = self.peek().ok_or_else(|| self.expected(expected))?;
        self.pos += 1;
        Ok(t)
    }

    /// Any next word, in a secret's position.
    pub fn secret_word(&mut self, expected: &str) -> Result<Tok<'a>> {
        let t = self.peek().ok_or_else(|| self.expected_secret(expected))?;
        self.pos += 1;
        Ok(t)
    }

    /// A dotted-quad IPv4 address.
    pub fn ipv4(&mut self, expected: &str) -> Result<Ipv4Addr> {
        let a = self.peek().and_then(|t| t.text.parse::<Ipv4Addr>().ok());
        match a {
            Some(a) => {
                self.pos += 1;
                Ok(a)
            }
            None => Err(self.expected(expected)),
        }
    }

    /// An IPv4 address if the next word is one.
    pub fn opt_ipv4(&mut self) -> Option<Ipv4Addr> {
        let a = self.peek()?.text.parse::<Ipv4Addr>().ok()?;
        self.pos += 1;
        Some(a)
    }

    /// A decimal number in `lo..=hi`.
    pub fn number(&mut self, lo: u64, hi: u64) -> Result<u64> {
        let n = self
            .peek()
            .and_then(|t| parse_decimal(t.text))
            .filter(|n| (lo..=hi).contains(n));
        match n {
            Some(n) => {
                self.pos += 1;
                Ok(n)
            }
            None => Err(self.expected(format!("a number from {lo} to {hi}"))),
        }
    }

    /// A decimal number in `lo..=hi` if the next word is one.
    pub fn opt_number(&mut self, lo: u64, hi: u64) -> Option<u64> {
        let n = parse_decimal(self.peek()?.text).filter(|n| (lo..=hi).contains(n))?;
        self.pos += 1;
        Some(n)
    }

    /// The rest of the line from the next word on (a description).
    pub fn rest(&mut self, expected: &str) -> Result<&'a str> {
        let t = self.peek().ok_or_else(|| self.expected(expected))?;
        let start = self
            .line
            .text
            .char_indices()
            .nth(t.column - 1)
            .map_or(0, |(b, _)| b);
        self.pos = self.line.tokens.len();
        Ok(self.line.text[start..].trim_end())
    }

    /// Nothing may follow.
    pub fn end(&self) -> Result<()> {
        if self.at_end() {
            Ok(())
        } else {
            Err(self.expected("end of line"))
        }
    }

    /// Nothing may follow a secret (what follows may be part of it).
    pub fn end_after_secret(&self) -> Result<()> {
        if self.at_end() {
            Ok(())
        } else {
            Err(self.expected_secret("end of line"))
        }
    }
}

/// A plain decimal number (no sign, no leading `+`).
pub(crate) fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters() {
        let l = Line::new(3, "  pre-shared-key address 0.0.0.0 0.0.0.0 key cisco123 ");
        assert!(l.indented);
        let cols: Vec<usize> = l.tokens.iter().map(|t| t.column).collect();
        assert_eq!(cols, vec![3, 18, 26, 34, 42, 46]);
        assert_eq!(l.end_column(), 54);
    }

    #[test]
    fn abbreviations() {
        let alts = ["encryption", "hash", "authentication", "group", "lifetime"];
        assert_eq!(match_keyword("encr", &alts), Some("encryption"));
        assert_eq!(match_keyword("ENCR", &alts), Some("encryption"));
        assert_eq!(match_keyword("x", &alts), None);
        assert_eq!(
            match_keyword("isakmp", &["isakmp", "isakmp-profile"]),
            Some("isakmp")
        );
        assert_eq!(match_keyword("isa", &["isakmp", "isakmp-profile"]), None);
        assert_eq!(match_keyword("12", &["128", "192", "256"]), None);
    }

    #[test]
    fn rest_of_line() {
        let l = Line::new(
            1,
            "   description LAN-to-LAN for spoke router(s) connection ",
        );
        let mut c = Cursor::new(&l);
        c.advance();
        assert_eq!(
            c.rest("text").unwrap(),
            "LAN-to-LAN for spoke router(s) connection"
        );
        assert!(c.at_end());
    }
}
