//! `kmslint:ignore` comments in YAML (`#`) and HCL (`#`, `//`) files.

use super::{Scope, Suppression};
use crate::base::date::Date;
use crate::base::source::{FileId, SourceFile, Span};

const MARKER: &str = "kmslint:ignore";

/// Comment syntaxes of a file: none for JSON (CloudFormation JSON uses `Metadata`), `#` and `//`
/// for HCL, `#` for YAML and anything else.
fn comment_markers(file: &SourceFile) -> &'static [&'static str] {
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
        &[]
    } else if name.ends_with(".tf") || name.ends_with(".hcl") || name.ends_with(".tfvars") {
        &["#", "//"]
    } else {
        &["#"]
    }
}

/// Where a comment starts in a line: the byte offset of a marker that is followed, after
/// optional spaces, by `kmslint:ignore`.
fn find_marker(line: &str, markers: &[&str]) -> Option<(usize, usize)> {
    let at = line.find(MARKER)?;
    let before = line.get(..at)?.trim_end();
    markers
        .iter()
        .filter(|m| before.ends_with(*m))
        .map(|m| (before.len() - m.len(), at))
        .next()
}

fn is_comment_only(line: &str, markers: &[&str]) -> bool {
    let t = line.trim_start();
    markers.iter().any(|m| t.starts_with(m))
}

/// Every `kmslint:ignore` comment in a file.
pub fn from_comments(file_id: FileId, file: &SourceFile) -> Vec<Suppression> {
    let markers = comment_markers(file);
    if markers.is_empty() || !file.text.contains(MARKER) {
        return Vec::new();
    }
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
        let Some((comment_at, marker_at)) = find_marker(line, markers) else {
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
                other => problems.push(format!(
                    "unknown setting `{other}=` (a suppression takes `reason=\"…\"` and `until=YYYY-MM-DD`)"
                )),
            }
            rest = remaining.trim_start();
        } else {
            if !word.is_empty() {
                if s.reason.is_some() || s.until.is_some() {
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
        // Missing reason is not malformed: it is reported as such when applied.
        assert_eq!(m("# kmslint:ignore KMS002\na: 1\n"), None);
    }
}
