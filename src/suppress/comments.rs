//! `kmslint:ignore` comments in YAML (`#`) and HCL (`#`, `//`) files. Where a file's strings
//! are is asked of its parser: `kmslint:ignore` inside a string (a quoted Sid running over two
//! lines, a heredoc, an HCL string on the finding's line) is text, not a comment. A file that
//! does not parse has no suppressions (it is a KMS000 anyway).

use super::{Scope, Selectors, Suppression};
use crate::base::date::Date;
use crate::base::source::{FileId, SourceFile, Span};
use crate::parse::{hcl, yaml, Node, NodeKind};

const MARKER: &str = "kmslint:ignore";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Syntax {
    Json,
    Hcl,
    Yaml,
}

/// A file's syntax: JSON has no comments (CloudFormation JSON uses `Metadata`), HCL has `#` and
/// `//`, YAML (and anything else) `#`.
fn syntax(file: &SourceFile) -> Syntax {
    let name = file
        .path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if name.ends_with(".json")
        || file
            .text
            .trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with('{')
    {
        Syntax::Json
    } else if name.ends_with(".tf") || name.ends_with(".hcl") || name.ends_with(".tfvars") {
        Syntax::Hcl
    } else {
        Syntax::Yaml
    }
}

fn comment_markers(syntax: Syntax) -> &'static [&'static str] {
    match syntax {
        Syntax::Json => &[],
        Syntax::Hcl => &["#", "//"],
        Syntax::Yaml => &["#"],
    }
}

/// The spans of every string in the file (sorted by start), from its parser; `None` when it
/// does not parse.
fn string_spans(text: &str, syntax: Syntax) -> Option<Vec<Span>> {
    let mut out = Vec::new();
    match syntax {
        Syntax::Json => {}
        Syntax::Hcl => {
            let body = hcl::parse_hcl(text).ok()?;
            let mut v = HclStrings(&mut out);
            hcl_edit::visit::Visit::visit_body(&mut v, &body);
        }
        Syntax::Yaml => yaml_strings(text, &yaml::parse_yaml(text).ok()?, &mut out),
    }
    out.sort_by_key(|s| s.start);
    Some(out)
}

fn yaml_strings(text: &str, node: &Node, out: &mut Vec<Span>) {
    match &node.kind {
        NodeKind::String(_) => out.push(quoted_span(text, node.span)),
        NodeKind::Scalar(_) => out.push(node.span),
        NodeKind::Seq(items) => items.iter().for_each(|n| yaml_strings(text, n, out)),
        NodeKind::Map(entries) => {
            for e in entries {
                out.push(quoted_span(text, e.key_span));
                yaml_strings(text, &e.value, out);
            }
        }
        _ => {}
    }
}

/// A quoted YAML scalar's span ends at its closing quote (the parser's span of a block-level
/// one runs to the end of the line, over a comment after it). Tags and anchors before the
/// quote are skipped; anything else keeps its span.
fn quoted_span(text: &str, span: Span) -> Span {
    let b = text.as_bytes();
    let mut i = span.start;
    while i < span.end && matches!(b.get(i), Some(b'!' | b'&')) {
        while i < span.end && !matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            i += 1;
        }
        while i < span.end && matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            i += 1;
        }
    }
    let Some(&q @ (b'"' | b'\'')) = b.get(i) else {
        return span;
    };
    let mut j = i + 1;
    while j < span.end {
        match (b.get(j), b.get(j + 1)) {
            (Some(b'\\'), _) if q == b'"' => j += 2,
            (Some(b'\''), Some(b'\'')) if q == b'\'' => j += 2,
            (Some(c), _) if *c == q => return Span::new(span.start, j + 1),
            _ => j += 1,
        }
    }
    span
}

/// Collects the spans of HCL strings, templates, heredocs and quoted labels.
struct HclStrings<'a>(&'a mut Vec<Span>);

impl HclStrings<'_> {
    fn push(&mut self, node: &impl hcl_edit::Span) {
        if let Some(s) = hcl::span_of(node) {
            self.0.push(s);
        }
    }
}

impl hcl_edit::visit::Visit for HclStrings<'_> {
    fn visit_expr(&mut self, expr: &hcl_edit::expr::Expression) {
        use hcl_edit::expr::Expression as E;
        match expr {
            E::String(s) => self.push(s),
            E::StringTemplate(t) => self.push(t),
            E::HeredocTemplate(h) => self.push(h),
            _ => {}
        }
        hcl_edit::visit::visit_expr(self, expr);
    }

    fn visit_block_label(&mut self, label: &hcl_edit::structure::BlockLabel) {
        if let hcl_edit::structure::BlockLabel::String(s) = label {
            self.push(s);
        }
    }
}

/// Is `offset` inside one of the spans (sorted by start)? Markers are rare: a scan is enough.
fn inside(spans: &[Span], offset: usize) -> bool {
    let after = spans.partition_point(|s| s.start <= offset);
    spans[..after].iter().any(|s| offset < s.end)
}

/// Where a comment starts in a line (at `line_start` of the file): the byte offset of a comment
/// marker outside every string that is followed, after optional spaces, by `kmslint:ignore`;
/// and where that text starts.
fn find_marker(
    line: &str,
    line_start: usize,
    markers: &[&str],
    strings: &[Span],
) -> Option<(usize, usize)> {
    let mut from = 0;
    while let Some(rel) = line.get(from..)?.find(MARKER) {
        let at = from + rel;
        let before = line.get(..at)?.trim_end();
        let comment = markers
            .iter()
            .filter(|m| before.ends_with(*m))
            .map(|m| before.len() - m.len())
            .next();
        if let Some(c) = comment {
            if !inside(strings, line_start + c) {
                return Some((c, at));
            }
        }
        from = at + MARKER.len();
    }
    None
}

fn is_comment_only(line: &str, markers: &[&str]) -> bool {
    let t = line.trim_start();
    markers.iter().any(|m| t.starts_with(m))
}

/// Every `kmslint:ignore` comment in a file.
pub fn from_comments(file_id: FileId, file: &SourceFile) -> Vec<Suppression> {
    let syntax = syntax(file);
    let markers = comment_markers(syntax);
    if markers.is_empty() || !file.text.contains(MARKER) {
        return Vec::new();
    }
    let Some(strings) = string_spans(&file.text, syntax) else {
        return Vec::new();
    };
    let lines: Vec<(usize, &str)> = {
        let mut v = Vec::new();
        let mut start = 0;
        for piece in file.text.split_inclusive('\n') {
            let content = piece.trim_end_matches(['\n', '\r']);
            v.push((start, content));
            start += piece.len();
        }
        v
    };
    let mut out = Vec::new();
    for (i, (start, line)) in lines.iter().enumerate() {
        let Some((comment_at, marker_at)) = find_marker(line, *start, markers, &strings) else {
            continue;
        };
        let rest = line.get(marker_at + MARKER.len()..).unwrap_or("");
        let trailing = !line.get(..comment_at).unwrap_or("").trim().is_empty();
        let scope = if trailing {
            Scope::Line(Some(i))
        } else {
            // A comment line covers the first line below it that is not a comment; a blank line
            // breaks the chain.
            let target = lines
                .iter()
                .enumerate()
                .skip(i + 1)
                .find(|(_, (_, l))| !is_comment_only(l, markers))
                .and_then(|(j, (_, l))| (!l.trim().is_empty()).then_some(j));
            Scope::Line(target)
        };
        let span = Span::new(start + comment_at, start + line.len());
        out.push(parse_directive(file_id, span, rest, scope));
    }
    out
}

/// Parses what follows `kmslint:ignore`: rule ids (space or comma separated), then
/// `reason="…"` and `until=YYYY-MM-DD` in any order.
fn parse_directive(file: FileId, span: Span, text: &str, scope: Scope) -> Suppression {
    let mut s = Suppression {
        file,
        span,
        rules: Vec::new(),
        reason: None,
        until: None,
        scope,
        selectors: Selectors::default(),
        malformed: None,
    };
    let mut problems: Vec<String> = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        let word_end = rest
            .find(|c: char| c.is_whitespace() || c == ',' || c == '=')
            .unwrap_or(rest.len());
        let word = &rest[..word_end];
        let after = &rest[word_end..];
        if let Some(value_text) = after.strip_prefix('=') {
            let (value, remaining) = match value_text.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let body = &value_text[1..];
                    match body.find(q) {
                        Some(end) => (body[..end].to_string(), &body[end + 1..]),
                        None => {
                            problems.push(format!("`{word}=` has no closing quote"));
                            (body.to_string(), "")
                        }
                    }
                }
                _ => {
                    let end = value_text
                        .find(char::is_whitespace)
                        .unwrap_or(value_text.len());
                    (value_text[..end].to_string(), &value_text[end..])
                }
            };
            match word {
                "reason" => s.reason = Some(value),
                "until" => match Date::parse(value.trim()) {
                    Some(d) => s.until = Some(d),
                    None => problems.push(format!(
                        "`until={value}` is not a date; write it as YYYY-MM-DD"
                    )),
                },
                "sid" => s.selectors.sid = Some(value),
                "principal" => s.selectors.principal = Some(value),
                "account" => s.selectors.account = Some(value),
                other => problems.push(format!(
                    "unknown setting `{other}=` (a suppression takes `reason=\"…\"`, `until=YYYY-MM-DD` and, to say what it accepts, `sid=`, `principal=`, `account=`)"
                )),
            }
            rest = remaining.trim_start();
        } else {
            if !word.is_empty() {
                if s.reason.is_some() || s.until.is_some() || s.selectors != Selectors::default() {
                    problems.push(format!(
                        "`{word}` after the settings: list rule ids first, then `reason=\"…\"`"
                    ));
                } else {
                    s.rules.push(word.to_string());
                }
            }
            rest = after
                .trim_start_matches(|c: char| c.is_whitespace() || c == ',')
                .trim_start();
            if word.is_empty() && rest.len() == after.len() {
                // Nothing consumed: a stray character; stop rather than loop.
                problems.push(format!("cannot read `{}`", after.trim()));
                break;
            }
        }
    }
    if s.rules.is_empty() {
        problems.push(
            "it names no rule; list the rule ids it suppresses, e.g. `kmslint:ignore KMS002`"
                .into(),
        );
    }
    if !problems.is_empty() {
        s.malformed = Some(problems.join("; "));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap_or(Date {
            year: 0,
            month: 0,
            day: 0,
        })
    }

    fn comments(name: &str, text: &str) -> Vec<Suppression> {
        from_comments(FileId(0), &SourceFile::new(name, text))
    }

    #[test]
    fn comment_above_and_trailing() {
        let text = "a: 1\n# kmslint:ignore KMS002 reason=\"vendor X\" until=2027-03-31\n# more words\nb: 2\nc: 3 # kmslint:ignore KMS001,KMS009 reason='ok'\n";
        let s = comments("t.yaml", text);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].rules, vec!["KMS002"]);
        assert_eq!(s[0].reason.as_deref(), Some("vendor X"));
        assert_eq!(s[0].until, Some(d("2027-03-31")));
        assert_eq!(s[0].scope, Scope::Line(Some(3)));
        assert_eq!(s[0].malformed, None);
        assert_eq!(s[1].rules, vec!["KMS001", "KMS009"]);
        assert_eq!(s[1].scope, Scope::Line(Some(4)));
        assert_eq!(s[1].reason.as_deref(), Some("ok"));
        assert_eq!(
            &text[s[1].span.start..s[1].span.end],
            "# kmslint:ignore KMS001,KMS009 reason='ok'"
        );
    }

    #[test]
    fn blank_line_breaks_the_chain_and_json_has_no_comments() {
        let s = comments("t.yaml", "# kmslint:ignore KMS002 reason=\"x\"\n\nb: 2\n");
        assert_eq!(s[0].scope, Scope::Line(None));
        assert!(comments("t.json", "{\"a\": \"# kmslint:ignore KMS002 reason=x\"}").is_empty());
        // A `#` inside a YAML value that is not before the marker is not a comment.
        assert!(comments("t.yaml", "a: kmslint:ignore KMS002\n").is_empty());
    }

    #[test]
    fn a_marker_inside_a_string_is_not_a_comment() {
        // A quoted YAML Sid running over two lines, the second starting with `#`.
        let yaml = "K:\n  - Sid: 'Allow use\n      # kmslint:ignore KMS001 reason=approved'\n    Principal: \"*\"\n";
        assert!(comments("t.yaml", yaml).is_empty(), "{yaml}");
        // A block scalar holding the text.
        let block = "a: |\n  # kmslint:ignore KMS001 reason=x\nb: 1\n";
        assert!(comments("t.yaml", block).is_empty());
        // An HCL string on the finding's line, and a heredoc.
        let hcl = "locals {\n  x = { Principal = \"*\", Sid = \"x # kmslint:ignore KMS001 reason=a\" }\n  y = <<EOT\n# kmslint:ignore KMS001 reason=b\nEOT\n}\n";
        assert!(comments("main.tf", hcl).is_empty(), "{hcl}");
        // A real comment after a string that holds the marker still counts.
        let both =
            "a: \"# kmslint:ignore KMS001 reason=no\" # kmslint:ignore KMS002 reason=\"yes\"\n";
        let s = comments("t.yaml", both);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].rules, vec!["KMS002"]);
        // A file that does not parse has no suppressions.
        assert!(comments("t.yaml", "a: [\n# kmslint:ignore KMS001 reason=x\n").is_empty());
    }

    #[test]
    fn hcl_accepts_hash_and_slashes() {
        let text = "resource \"aws_kms_key\" \"k\" {\n  // kmslint:ignore KMS002 reason=\"dr\"\n  policy = x\n  a = 1 # kmslint:ignore KMS005 reason=\"y\"\n}\n";
        let s = comments("main.tf", text);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].scope, Scope::Line(Some(2)));
        assert_eq!(s[1].scope, Scope::Line(Some(3)));
        // `//` is not a YAML comment.
        assert!(comments("t.yaml", "a: 1 // kmslint:ignore KMS002 reason=\"x\"\n").is_empty());
    }

    #[test]
    fn malformed_directives_say_why() {
        let m = |t: &str| comments("t.yaml", t).pop().and_then(|s| s.malformed);
        assert!(
            m("# kmslint:ignore reason=\"x\"\na: 1\n").is_some_and(|e| e.contains("names no rule"))
        );
        assert!(
            m("# kmslint:ignore KMS002 reason=\"x\" until=2027-02-30\na: 1\n")
                .is_some_and(|e| e.contains("2027-02-30"))
        );
        assert!(m("# kmslint:ignore KMS002 because=\"x\"\na: 1\n")
            .is_some_and(|e| e.contains("because")));
        assert!(m("# kmslint:ignore KMS002 reason=\"x\na: 1\n")
            .is_some_and(|e| e.contains("closing quote")));
        let sel = comments(
            "t.yaml",
            "# kmslint:ignore KMS002 reason=\"x\" sid=Vendor account=444455556666\na: 1\n",
        );
        assert_eq!(sel[0].selectors.sid.as_deref(), Some("Vendor"));
        assert_eq!(sel[0].selectors.account.as_deref(), Some("444455556666"));
        assert_eq!(sel[0].malformed, None);
        // Missing reason is not malformed: it is reported as such when applied.
        assert_eq!(m("# kmslint:ignore KMS002\na: 1\n"), None);
    }
}
