//! Text from scanned files that is printed, in any layer: made visible where it could
//! forge output (a line break, ESC, a bidirectional override). See `report::escape`.

use std::borrow::Cow;

/// Characters never written raw: C0 controls but tab, DEL, C1 controls, the Unicode line and
/// paragraph separators, bidirectional marks, embeddings, overrides and isolates, and the
/// byte order mark.
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}'
        | '\u{a}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{61c}'
        | '\u{200e}'
        | '\u{200f}'
        | '\u{2028}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}'
        | '\u{feff}')
}

/// How an unsafe character is shown: `\n`, `\r`, `\u{1b}`.
fn visible(c: char, out: &mut String) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        c => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
    }
}

/// One line of text: every unsafe character (line breaks included) made visible.
pub fn text(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) {
            visible(c, &mut out);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Every unsafe character replaced by as many `?` as its UTF-8 bytes: the text keeps its
/// length and every byte offset into it, for a diagnostic that draws source lines.
pub fn neutralise(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c != '\n' && c != '\r' && is_unsafe(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c != '\n' && c != '\r' && is_unsafe(c) {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutralise_keeps_offsets() {
        let s = "a\u{1b}[2Kb\u{9b}c\u{2028}d\ne";
        let n = neutralise(s);
        assert_eq!(n.len(), s.len());
        assert_eq!(n, "a?[2Kb??c???d\ne");
    }
}
