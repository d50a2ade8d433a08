//! Text that comes from the scanned files (file names, resource ids, Sids, principals, messages
//! quoting them) reaches terminals, CI logs, pull-request annotations and Markdown. None of it
//! may reach them raw: a newline could start a forged workflow command (`::error …`), an
//! escape sequence could rewrite the terminal (ESC, CSI, OSC links), a bidirectional override
//! could reorder what a reviewer reads, and HTML could render in a job summary. Every format
//! escapes such characters through here.

pub use crate::base::printable::{is_unsafe, text};
use std::borrow::Cow;

/// A line of a report printed to a CI log, made unable to be a workflow command: GitHub's
/// runner reads `::command` at the start of a line (after spaces) and `##[command]` anywhere in
/// it. Input text reaches line starts when a long message is wrapped, so every line kmslint
/// prints that is not one of its own annotations goes through here.
pub fn log_line(line: &str) -> Cow<'_, str> {
    let trimmed = line.trim_start();
    if !trimmed.starts_with("::") && !line.contains("##[") {
        return Cow::Borrowed(line);
    }
    let lead = line.len() - trimmed.len();
    let mut out = String::with_capacity(line.len() + 4);
    out.push_str(&line[..lead]);
    if trimmed.starts_with("::") {
        out.push('\\');
    }
    out.push_str(&no_v1_command(trimmed));
    Cow::Owned(out)
}

/// `##[` (a workflow command wherever it is in a log line) with its second `#` escaped.
pub fn no_v1_command(s: &str) -> Cow<'_, str> {
    if s.contains("##[") {
        Cow::Owned(s.replace("##[", "#\\#["))
    } else {
        Cow::Borrowed(s)
    }
}

/// `log_line` on every line of a text.
pub fn log_lines(text: &str) -> String {
    text.split('\n')
        .map(|l| log_line(l).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Text whose line breaks are its own (a rule's help): each line made safe, the breaks kept.
pub fn lines(s: &str) -> String {
    s.split('\n')
        .map(|l| text(l.strip_suffix('\r').unwrap_or(l)).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A Markdown table cell, outside a code span: nothing in it is markup, HTML or a line break.
pub fn markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in text(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '|' | '`' | '*' | '_' | '[' | ']' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Text for a Markdown code span in a table cell: a backtick would end the span, a `|` the
/// cell.
pub fn markdown_code(s: &str) -> String {
    text(s).replace('`', "'").replace('|', "\\|")
}

/// A JSON formatter (pretty, as serde_json's) that also writes every unsafe character as a
/// `\uXXXX` escape: serde_json escapes C0 controls only, and a C1 control or U+2028 in a report
/// printed to a terminal or log is as dangerous as ESC. The data is the same JSON.
pub struct SafeJson<'a>(pub serde_json::ser::PrettyFormatter<'a>);

impl SafeJson<'_> {
    pub fn new() -> Self {
        SafeJson(serde_json::ser::PrettyFormatter::new())
    }
}

impl Default for SafeJson<'_> {
    fn default() -> Self {
        SafeJson::new()
    }
}

impl serde_json::ser::Formatter for SafeJson<'_> {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        // `##[` is a workflow command anywhere in a log line: its second `#` is escaped too.
        let mut rest = fragment;
        let command = |r: &str, i: usize| {
            let b = r.as_bytes();
            i > 0 && b.get(i - 1) == Some(&b'#') && b.get(i + 1) == Some(&b'[')
        };
        while let Some((i, c)) = rest
            .char_indices()
            .find(|&(i, c)| is_unsafe(c) || (c == '#' && command(rest, i)))
        {
            writer.write_all(&rest.as_bytes()[..i])?;
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                write!(writer, "\\u{:04x}", u)?;
            }
            rest = &rest[i + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }

    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }

    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }

    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }

    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }

    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }

    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }

    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// `serde_json::to_string_pretty`, with every unsafe character escaped.
pub fn json_pretty(value: &impl serde::Serialize) -> serde_json::Result<String> {
    let mut buf = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, SafeJson::new());
    value.serialize(&mut ser)?;
    // The serializer writes UTF-8 only.
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// `serde_json::to_writer_pretty`, with every unsafe character escaped.
pub fn json_pretty_to(
    out: &mut dyn std::io::Write,
    value: &impl serde::Serialize,
) -> serde_json::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(out, SafeJson::new());
    value.serialize(&mut ser)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_characters_become_visible() {
        assert_eq!(text("plain: `*` ok\tx"), "plain: `*` ok\tx");
        assert_eq!(
            text("a\n::error file=x::forged\u{1b}[2K\r\u{9b}31m\u{202e}"),
            "a\\n::error file=x::forged\\u{1b}[2K\\r\\u{9b}31m\\u{202e}"
        );
        assert_eq!(
            markdown("<img src=x> | [a](b) `c`"),
            "&lt;img src=x&gt; \\| \\[a\\](b) \\`c\\`"
        );
        assert_eq!(markdown_code("a`b|c\nd"), "a'b\\|c\\nd");
        assert_eq!(log_line("    ::error file=x::y"), "    \\::error file=x::y");
        assert_eq!(log_line("a ##[error]b ##[x"), "a #\\#[error]b #\\#[x");
        assert_eq!(log_line("arn:aws:iam::1:root"), "arn:aws:iam::1:root");
    }

    #[test]
    fn json_escapes_c1_and_separators_and_stays_json() {
        let v = serde_json::json!({"s": "a\u{1b}b\u{9b}c\u{2028}d\u{202e}e😀 ##[error]x"});
        let text = json_pretty(&v).unwrap_or_default();
        assert!(!text.chars().any(|c| c != '\n' && is_unsafe(c)), "{text:?}");
        assert!(text.contains("\\u001b") && text.contains("\\u009b") && text.contains("\\u2028"));
        assert!(!text.contains("##["), "{text}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(back, v);
        assert_eq!(
            json_pretty(&serde_json::json!({"a": [1, 2]})).ok(),
            serde_json::to_string_pretty(&serde_json::json!({"a": [1, 2]})).ok()
        );
    }
}
