//! Tokeniser for the subset of MATLAB that MATPOWER case files use, plus byte-offset → line:column mapping.
//!
//! Tokens are spans into the source (no allocation per token). Comments (`%`, `%{ … %}` blocks)
//! and `...` continuations are skipped here; a newline outside a continuation is a token,
//! because it ends a statement or a matrix row. Each token records whether whitespace came
//! before it, which MATLAB uses inside `[ ]` to tell `[1 -2]` (two elements) from `[1 - 2]`.

use crate::error::Location;

/// Kind of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok {
    /// A numeric literal such as `12`, `1.5`, `.5`, `1e-3`.
    Num,
    /// An identifier or keyword.
    Ident,
    /// A single-quoted character array, quotes included.
    Str,
    /// A double-quoted string, quotes included.
    DqStr,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    LParen,
    RParen,
    Comma,
    Semi,
    /// End of a line (not after a `...` continuation).
    Newline,
    /// `=`
    Assign,
    Plus,
    Minus,
    Star,
    Slash,
    Caret,
    DotStar,
    DotSlash,
    DotCaret,
    /// `'` used as the transpose operator.
    Transpose,
    Colon,
    Dot,
    Tilde,
    /// A MATLAB operator the reader does not evaluate (`==`, `<`, `&`, `\`, `@`, …).
    OtherOp,
    /// A string literal that is not closed on its line.
    Unterminated,
    /// A character that cannot start any token.
    Bad,
    Eof,
}

/// One token: its kind, its byte span and whether whitespace (or a comment/continuation) preceded it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: Tok,
    pub start: u32,
    pub end: u32,
    pub space_before: bool,
}

/// Streaming tokeniser over a source text. Cheap to clone, which gives arbitrary lookahead.
#[derive(Clone)]
pub(crate) struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    /// Kind of the previous token and whether it ended right where the next one starts
    /// (decides whether `'` is a transpose or opens a string).
    prev: Tok,
    /// True at the start of a line (for `%{` block comments, which must stand alone on a line).
    line_start: bool,
}

impl<'a> Lexer<'a> {
    /// A lexer at the start of `src`. The caller guarantees `src.len() <= u32::MAX`.
    pub fn new(src: &'a str) -> Self {
        Lexer {
            src,
            pos: 0,
            prev: Tok::Newline,
            line_start: true,
        }
    }

    fn byte(&self, i: usize) -> u8 {
        self.src.as_bytes().get(i).copied().unwrap_or(0)
    }

    /// Skips the rest of the current line, not the newline itself.
    fn skip_to_eol(&mut self) {
        let bytes = self.src.as_bytes();
        let rest = bytes.get(self.pos..).unwrap_or(&[]);
        self.pos += rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
    }

    /// If a `%{` stands alone on the line at `self.pos`, skips the whole (possibly nested)
    /// block comment up to and including its closing `%}` line and returns true.
    fn try_block_comment(&mut self) -> bool {
        if !self.line_start || !line_is_only(self.src, self.pos, b'{') {
            return false;
        }
        let mut depth = 0usize;
        let mut p = self.pos;
        loop {
            let rest = self.src.get(p..).unwrap_or("");
            let line_end = rest.find('\n').map_or(self.src.len(), |i| p + i);
            let line = self.src.get(p..line_end).unwrap_or("").trim();
            if line == "%{" {
                depth += 1;
            } else if line == "%}" {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    self.pos = line_end;
                    return true;
                }
            }
            if line_end >= self.src.len() {
                // Unclosed block comment: MATLAB comments out the rest of the file.
                self.pos = line_end;
                return true;
            }
            p = line_end + 1;
        }
    }

    /// The next token.
    pub fn next_token(&mut self) -> Token {
        let mut space_before = false;
        loop {
            let b = self.byte(self.pos);
            match b {
                b' ' | b'\t' | b'\r' | 0x0b | 0x0c if self.pos < self.src.len() => {
                    self.pos += 1;
                    space_before = true;
                }
                b'%' => {
                    if !self.try_block_comment() {
                        self.skip_to_eol();
                    }
                    space_before = true;
                }
                b'.' if self.byte(self.pos + 1) == b'.' && self.byte(self.pos + 2) == b'.' => {
                    // Continuation: the rest of the line and its newline are ignored.
                    self.skip_to_eol();
                    if self.pos < self.src.len() {
                        self.pos += 1;
                    }
                    self.line_start = true;
                    space_before = true;
                }
                _ => break,
            }
        }
        let start = self.pos;
        let kind = self.scan();
        self.line_start = kind == Tok::Newline;
        self.prev = kind;
        Token {
            kind,
            start: start as u32,
            end: self.pos as u32,
            space_before,
        }
    }

    fn scan(&mut self) -> Tok {
        let start = self.pos;
        let Some(c) = self.src.get(start..).and_then(|s| s.chars().next()) else {
            return Tok::Eof;
        };
        let b = self.byte(start);
        let next = self.byte(start + 1);
        self.pos += c.len_utf8();
        match b {
            b'\n' => Tok::Newline,
            b'0'..=b'9' => {
                self.pos = start;
                self.scan_number();
                Tok::Num
            }
            b'.' if next.is_ascii_digit() => {
                self.pos = start;
                self.scan_number();
                Tok::Num
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                let bytes = self.src.as_bytes();
                while bytes
                    .get(self.pos)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
                {
                    self.pos += 1;
                }
                Tok::Ident
            }
            b'\'' => {
                let adjacent = matches!(
                    self.prev,
                    Tok::Ident
                        | Tok::Num
                        | Tok::RParen
                        | Tok::RBracket
                        | Tok::RBrace
                        | Tok::Transpose
                ) && self.last_end_is(start);
                if adjacent {
                    Tok::Transpose
                } else {
                    self.scan_string(b'\'')
                }
            }
            b'"' => self.scan_string(b'"'),
            b'[' => Tok::LBracket,
            b']' => Tok::RBracket,
            b'{' => Tok::LBrace,
            b'}' => Tok::RBrace,
            b'(' => Tok::LParen,
            b')' => Tok::RParen,
            b',' => Tok::Comma,
            b';' => Tok::Semi,
            b'+' => Tok::Plus,
            b'-' => Tok::Minus,
            b'*' => Tok::Star,
            b'/' => Tok::Slash,
            b'^' => Tok::Caret,
            b':' => Tok::Colon,
            b'=' if next == b'=' => {
                self.pos += 1;
                Tok::OtherOp
            }
            b'=' => Tok::Assign,
            b'~' if next == b'=' => {
                self.pos += 1;
                Tok::OtherOp
            }
            b'~' => Tok::Tilde,
            b'.' => match next {
                b'*' => {
                    self.pos += 1;
                    Tok::DotStar
                }
                b'/' => {
                    self.pos += 1;
                    Tok::DotSlash
                }
                b'^' => {
                    self.pos += 1;
                    Tok::DotCaret
                }
                b'\\' | b'\'' => {
                    self.pos += 1;
                    Tok::OtherOp
                }
                _ => Tok::Dot,
            },
            b'<' | b'>' | b'&' | b'|' => {
                if matches!(next, b'=' | b'&' | b'|') {
                    self.pos += 1;
                }
                Tok::OtherOp
            }
            b'\\' | b'@' | b'!' => Tok::OtherOp,
            _ => Tok::Bad,
        }
    }

    /// True when the previous token ended exactly at `at` (no whitespace in between). The
    /// caller only asks right after skipping whitespace, so it is enough to look one byte back.
    fn last_end_is(&self, at: usize) -> bool {
        at > 0
            && !matches!(
                self.byte(at - 1),
                b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c
            )
    }

    /// Scans `digits [. digits] [e|E [+|-] digits]` or `. digits …`. A `.` directly followed by
    /// `*`, `/`, `^`, `\` or `'` is left alone: `1.*2` is `1 .* 2`, as in MATLAB.
    fn scan_number(&mut self) {
        let bytes = self.src.as_bytes();
        let digits = |p: &mut usize| {
            while bytes.get(*p).is_some_and(u8::is_ascii_digit) {
                *p += 1;
            }
        };
        let mut p = self.pos;
        digits(&mut p);
        if bytes.get(p) == Some(&b'.')
            && !matches!(bytes.get(p + 1), Some(b'*' | b'/' | b'^' | b'\\' | b'\''))
        {
            p += 1;
            digits(&mut p);
        }
        if matches!(bytes.get(p), Some(b'e' | b'E')) {
            let mut q = p + 1;
            if matches!(bytes.get(q), Some(b'+' | b'-')) {
                q += 1;
            }
            if bytes.get(q).is_some_and(u8::is_ascii_digit) {
                digits(&mut q);
                p = q;
            }
        }
        self.pos = p;
    }

    /// Scans a string opened by `quote` at `self.pos - 1`; a doubled quote is an escaped quote.
    fn scan_string(&mut self, quote: u8) -> Tok {
        let bytes = self.src.as_bytes();
        loop {
            match bytes.get(self.pos) {
                None | Some(b'\n') => return Tok::Unterminated,
                Some(&c) if c == quote => {
                    self.pos += 1;
                    if bytes.get(self.pos) == Some(&quote) {
                        self.pos += 1;
                    } else {
                        return if quote == b'"' { Tok::DqStr } else { Tok::Str };
                    }
                }
                Some(_) => self.pos += 1,
            }
        }
    }
}

/// True when the line holding `pos` has only whitespace around a `%` + `second` at `pos`.
fn line_is_only(src: &str, pos: usize, second: u8) -> bool {
    let bytes = src.as_bytes();
    if bytes.get(pos) != Some(&b'%') || bytes.get(pos + 1) != Some(&second) {
        return false;
    }
    let before = src
        .get(..pos)
        .and_then(|s| s.rsplit('\n').next())
        .unwrap_or("");
    let after = src.get(pos + 2..).unwrap_or("");
    let after = after.split('\n').next().unwrap_or("");
    before.trim().is_empty() && after.trim().is_empty()
}

/// The text of a string token with its quotes removed and doubled quotes collapsed.
pub(crate) fn unquote(raw: &str) -> String {
    let Some(quote) = raw.chars().next() else {
        return String::new();
    };
    let inner = raw.get(1..raw.len().saturating_sub(1)).unwrap_or("");
    let doubled: String = [quote, quote].iter().collect();
    inner.replace(&doubled, &quote.to_string())
}

/// Maps byte offsets to 1-based line and column (in characters). The line table is built on
/// first use, so a file without problems never pays for it.
pub(crate) struct SourceMap<'a> {
    src: &'a str,
    line_starts: std::cell::OnceCell<Vec<usize>>,
}

impl<'a> SourceMap<'a> {
    pub fn new(src: &'a str) -> Self {
        SourceMap {
            src,
            line_starts: std::cell::OnceCell::new(),
        }
    }

    fn starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            let mut v = vec![0];
            v.extend(
                self.src
                    .bytes()
                    .enumerate()
                    .filter(|&(_, b)| b == b'\n')
                    .map(|(i, _)| i + 1),
            );
            v
        })
    }

    /// Location of byte offset `off`. Offsets at or past the end map to just after the last
    /// character of the last non-empty line, so every location names a line of the text.
    pub fn location(&self, off: u32) -> Location {
        let starts = self.starts();
        let len = self.src.len();
        let mut off = (off as usize).min(len);
        while off > 0 && !self.src.is_char_boundary(off) {
            off -= 1;
        }
        let mut li = starts.partition_point(|&s| s <= off).saturating_sub(1);
        let mut start = starts.get(li).copied().unwrap_or(0);
        if off == len && start == len && li > 0 {
            // End of a text that ends with a newline: point after the last line's text.
            li -= 1;
            start = starts.get(li).copied().unwrap_or(0);
            off = len - 1;
        }
        let column = self.src.get(start..off).map_or(0, |s| s.chars().count()) + 1;
        Location {
            line: li + 1,
            column,
        }
    }

    /// The 1-based line of byte offset `off`.
    pub fn line(&self, off: u32) -> usize {
        self.location(off).line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Tok> {
        let mut lx = Lexer::new(src);
        let mut out = Vec::new();
        loop {
            let t = lx.next_token();
            out.push(t.kind);
            if t.kind == Tok::Eof {
                return out;
            }
        }
    }

    #[test]
    fn numbers_operators_and_dot_operators() {
        use Tok::*;
        assert_eq!(kinds("1.*2"), vec![Num, DotStar, Num, Eof]);
        assert_eq!(kinds("1.5e-3 .5 3."), vec![Num, Num, Num, Eof]);
        assert_eq!(
            kinds("a.b == c"),
            vec![Ident, Dot, Ident, OtherOp, Ident, Eof]
        );
        assert_eq!(kinds("1e"), vec![Num, Ident, Eof]);
    }

    #[test]
    fn quote_is_transpose_after_operand_and_string_otherwise() {
        use Tok::*;
        assert_eq!(kinds("a' 'x'"), vec![Ident, Transpose, Str, Eof]);
        assert_eq!(
            kinds("['it''s' 'b']"),
            vec![LBracket, Str, Str, RBracket, Eof]
        );
        assert_eq!(kinds("'open\n"), vec![Unterminated, Newline, Eof]);
    }

    #[test]
    fn comments_continuations_and_block_comments() {
        use Tok::*;
        assert_eq!(kinds("1 % c\n2"), vec![Num, Newline, Num, Eof]);
        assert_eq!(kinds("1 ... c\n 2"), vec![Num, Num, Eof]);
        assert_eq!(
            kinds("1\n  %{\n x y\n %}\n2"),
            vec![Num, Newline, Newline, Num, Eof]
        );
        assert_eq!(
            kinds("a %{ not a block\nb"),
            vec![Ident, Newline, Ident, Eof]
        );
    }

    #[test]
    fn locations_are_one_based_in_characters() {
        let src = "ab\nçd x\n";
        let map = SourceMap::new(src);
        assert_eq!(map.location(0), Location { line: 1, column: 1 });
        let x = src.find('x').unwrap_or(0) as u32;
        assert_eq!(map.location(x), Location { line: 2, column: 4 });
        assert_eq!(
            map.location(src.len() as u32),
            Location { line: 2, column: 5 }
        );
        assert_eq!(
            SourceMap::new("").location(0),
            Location { line: 1, column: 1 }
        );
    }

    #[test]
    fn unquote_collapses_doubled_quotes() {
        assert_eq!(unquote("'it''s'"), "it's");
        assert_eq!(unquote("\"a\"\"b\""), "a\"b");
    }
}
