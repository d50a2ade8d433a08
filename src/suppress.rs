//! Suppressions, applied centrally after the rules (never by a rule itself).
//!
//! Two sources:
//! * a comment on the finding's line, or on the comment line(s) directly above it, in YAML
//!   (`#`) and HCL (`#`, `//`):
//!   `# kmslint:ignore KMS002 reason="vendor X contract" until=2027-03-31`;
//! * for CloudFormation (JSON and YAML), the resource's
//!   `Metadata: {kmslint: {ignore: [{rule: KMS002, reason: "…", until: "2027-03-31"}]}}`,
//!   which covers every finding of that resource.
//!
//! A suppression needs a reason and may expire. One that has no reason, names an unknown rule, is
//! malformed or has expired does not suppress anything and is itself reported (KMS011, KMS013);
//! one that matches no finding is reported as unused (KMS014).

use crate::config::Config;
use crate::extract::Unit;
use crate::model::facts::{Fact, Subject, SubjectKind};
use crate::parse::{Node, NodeKind};
use crate::rules::engine;
use crate::rules::registry::Registry;
use crate::rules::Finding;
use crate::source::{FileId, Loc, SourceFile, Span};
use std::fmt;

/// A calendar date (proleptic Gregorian), enough for `until=` and "today".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// Parses `YYYY-MM-DD`, checking the day exists in that month.
    pub fn parse(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let digits = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = s.get(r)?;
            if !part.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            part.parse().ok()
        };
        let year = digits(0..4)?;
        let month = digits(5..7)?;
        let day = digits(8..10)?;
        let year = i32::try_from(year).ok()?;
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// The civil date `days` days after 1970-01-01 (Howard Hinnant's `civil_from_days`).
    pub fn from_days_since_epoch(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Date {
            year: i32::try_from(year).unwrap_or(i32::MAX),
            month: u32::try_from(month).unwrap_or(1),
            day: u32::try_from(day).unwrap_or(1),
        }
    }

    /// Today in UTC, from the system clock.
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Date::from_days_since_epoch(i64::try_from(secs / 86_400).unwrap_or(0))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// Which findings a suppression covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Findings that start on this 0-based line of the suppression's file (`None`: the comment
    /// is followed by a blank line or the end of the file, so it covers nothing).
    Line(Option<usize>),
    /// Every finding of this CloudFormation resource (logical id) in the suppression's file.
    Resource(String),
}

/// One suppression as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    pub file: FileId,
    /// The comment, or the `ignore` entry in `Metadata`.
    pub span: Span,
    /// Rule ids or names as written.
    pub rules: Vec<String>,
    pub reason: Option<String>,
    pub until: Option<Date>,
    pub scope: Scope,
    /// What is wrong with how it is written, if anything (it then suppresses nothing).
    pub malformed: Option<String>,
}

/// What a suppressed finding carries: the justification, for reports (SARIF `suppressions`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied {
    pub reason: String,
    pub until: Option<Date>,
    /// `comment` or `metadata`.
    pub kind: &'static str,
}

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

/// `Metadata.kmslint.ignore` entries of every resource of a CloudFormation template.
pub fn from_metadata(file: FileId, root: &Node) -> Vec<Suppression> {
    let mut out = Vec::new();
    let Some(resources) = root.get("Resources") else {
        return out;
    };
    for res in resources.entries() {
        let Some(kmslint) = res.value.get("Metadata").and_then(|m| m.get("kmslint")) else {
            continue;
        };
        let scope = Scope::Resource(res.key.clone());
        let entries: Vec<&Node> = match (&kmslint.kind, kmslint.get("ignore")) {
            (_, Some(list)) if matches!(list.kind, NodeKind::Seq(_)) => {
                list.items().iter().collect()
            }
            (_, Some(one)) => vec![one],
            (NodeKind::Map(_), None) => {
                out.push(Suppression {
                    file,
                    span: kmslint.span,
                    rules: Vec::new(),
                    reason: None,
                    until: None,
                    scope: scope.clone(),
                    malformed: Some(
                        "`Metadata.kmslint` has no `ignore` list: write `ignore: [{rule: KMS002, reason: \"…\"}]`"
                            .into(),
                    ),
                });
                continue;
            }
            _ => continue,
        };
        for e in entries {
            out.push(metadata_entry(file, e, scope.clone()));
        }
    }
    out
}

fn metadata_entry(file: FileId, e: &Node, scope: Scope) -> Suppression {
    let mut s = Suppression {
        file,
        span: e.span,
        rules: Vec::new(),
        reason: None,
        until: None,
        scope,
        malformed: None,
    };
    let mut problems = Vec::new();
    if let Some(rule) = e.as_str() {
        // `ignore: [KMS002]`: a rule without a reason.
        s.rules.push(rule.to_string());
        return s;
    }
    if !e.is_map() {
        s.malformed = Some("an `ignore` entry is a map: `{rule: KMS002, reason: \"…\"}`".into());
        return s;
    }
    for entry in e.entries() {
        match entry.key.as_str() {
            "rule" | "id" | "rules" => {
                let values: Vec<&Node> = match &entry.value.kind {
                    NodeKind::Seq(items) => items.iter().collect(),
                    _ => vec![&entry.value],
                };
                for v in values {
                    match v.as_str() {
                        Some(r) => s.rules.extend(
                            r.split([',', ' '])
                                .filter(|x| !x.is_empty())
                                .map(str::to_string),
                        ),
                        None => problems.push("`rule` is not a string".to_string()),
                    }
                }
            }
            "reason" => s.reason = entry.value.as_str().map(str::to_string),
            "until" => match entry.value.as_str().and_then(|d| Date::parse(d.trim())) {
                Some(d) => s.until = Some(d),
                None => problems.push("`until` is not a date; write it as YYYY-MM-DD".into()),
            },
            other => problems.push(format!(
                "unknown key `{other}` (an entry takes `rule`, `reason` and `until`)"
            )),
        }
    }
    if s.rules.is_empty() {
        problems.push("it names no rule: add `rule: KMS002`".into());
    }
    if !problems.is_empty() {
        s.malformed = Some(problems.join("; "));
    }
    s
}

/// A problem with a suppression, to be reported through the rules engine.
fn problem_subject(s: &Suppression, problem: &str, rules: &str, detail: String) -> Subject {
    let mut subject = Subject::new(SubjectKind::Suppression, Loc::new(s.file, s.span));
    subject.facts.insert("problem", Fact::Str(problem.into()));
    subject.vars.insert("rules", rules.to_string());
    subject.vars.insert(
        "reason",
        s.reason.clone().unwrap_or_else(|| "(none)".into()),
    );
    subject.vars.insert(
        "until",
        s.until
            .map_or_else(|| "(no date)".into(), |d| d.to_string()),
    );
    subject.vars.insert("detail", detail);
    subject
}

/// Applies the unit's suppressions to its findings: marks the findings they cover as suppressed,
/// and returns subjects (with the resource they belong to) for every suppression that is
/// invalid, expired or unused.
pub fn apply(
    unit: &Unit,
    suppressions: &[Suppression],
    findings: &mut [Finding],
    cfg: &Config,
    reg: &Registry,
    today: Date,
) -> Vec<(Subject, Option<String>)> {
    let mut out = Vec::new();
    for s in suppressions {
        let resource = match &s.scope {
            Scope::Resource(r) => Some(r.clone()),
            Scope::Line(_) => None,
        };
        let shown = s.rules.join(", ");
        if let Some(why) = &s.malformed {
            out.push((
                problem_subject(s, "malformed", &shown, why.clone()),
                resource,
            ));
            continue;
        }
        let Some(file) = unit.file(s.file) else {
            continue;
        };
        // Resolve each named rule to an id.
        let mut ids: Vec<(String, &str)> = Vec::new();
        let mut unknown = Vec::new();
        for name in &s.rules {
            match reg
                .rules
                .iter()
                .find(|r| r.def.id.eq_ignore_ascii_case(name) || r.def.name == *name)
            {
                Some(r) => ids.push((r.def.id.clone(), name)),
                None => unknown.push(name.as_str()),
            }
        }
        if !unknown.is_empty() {
            out.push((
                problem_subject(
                    s,
                    "unknown_rule",
                    &shown,
                    format!(
                        "it names {} that kmslint does not have (`kmslint rules` lists them)",
                        unknown
                            .iter()
                            .map(|u| format!("`{u}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                            + if unknown.len() == 1 {
                                ", a rule"
                            } else {
                                ", rules"
                            }
                    ),
                ),
                resource.clone(),
            ));
        }
        let reason = s.reason.as_deref().map(str::trim).unwrap_or("");
        if reason.is_empty() {
            out.push((
                problem_subject(
                    s,
                    "missing_reason",
                    &shown,
                    "it gives no reason: say why the finding is acceptable, e.g. `reason=\"vendor X contract, ticket SEC-123\"`".into(),
                ),
                resource,
            ));
            continue;
        }
        if let Some(until) = s.until {
            if until < today {
                out.push((
                    problem_subject(s, "expired", &shown, format!("expired on {until}")),
                    resource,
                ));
                continue;
            }
        }
        let applied = Applied {
            reason: reason.to_string(),
            until: s.until,
            kind: match s.scope {
                Scope::Line(_) => "comment",
                Scope::Resource(_) => "metadata",
            },
        };
        for (id, written) in &ids {
            let mut used = false;
            for f in findings.iter_mut() {
                if f.rule != *id || !std::sync::Arc::ptr_eq(&f.file, file) {
                    continue;
                }
                let covered = match &s.scope {
                    Scope::Line(Some(line)) => file.lines().line_of(f.span.start) == *line,
                    Scope::Line(None) => false,
                    Scope::Resource(r) => f.resource.as_deref() == Some(r.as_str()),
                };
                if covered {
                    used = true;
                    if !f.suppressed {
                        f.suppressed = true;
                        f.suppression = Some(applied.clone());
                    }
                }
            }
            let enabled = reg.get(id).is_some_and(|r| engine::level(r, cfg).is_some());
            if !used && enabled {
                out.push((
                    problem_subject(
                        s,
                        "unused",
                        written,
                        format!("it suppresses {written}, but there is no {id} finding here"),
                    ),
                    resource.clone(),
                ));
            }
        }
    }
    out
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

    #[test]
    fn dates_parse_validate_and_order() {
        assert_eq!(d("2027-03-31").to_string(), "2027-03-31");
        assert!(Date::parse("2027-02-29").is_none());
        assert!(Date::parse("2028-02-29").is_some());
        assert!(Date::parse("1900-02-29").is_none());
        assert!(Date::parse("2000-02-29").is_some());
        assert!(Date::parse("2027-13-01").is_none());
        assert!(Date::parse("2027-3-31").is_none());
        assert!(Date::parse("+027-03-31").is_none());
        assert!(d("2027-03-31") < d("2027-04-01"));
        assert!(d("2026-12-31") < d("2027-01-01"));
    }

    #[test]
    fn days_since_epoch_to_civil_date() {
        assert_eq!(Date::from_days_since_epoch(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_days_since_epoch(-1).to_string(), "1969-12-31");
        // 2000-03-01 is day 11017; 2024-02-29 is day 19782.
        assert_eq!(
            Date::from_days_since_epoch(11_017).to_string(),
            "2000-03-01"
        );
        assert_eq!(
            Date::from_days_since_epoch(19_782).to_string(),
            "2024-02-29"
        );
        assert_eq!(
            Date::from_days_since_epoch(20_543).to_string(),
            "2026-03-31"
        );
        assert!(Date::today() > d("2024-01-01"));
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

    #[test]
    fn metadata_entries() {
        let text = r#"{"Resources": {"K": {"Type": "AWS::KMS::Key", "Metadata": {"kmslint": {"ignore": [
            {"rule": "KMS002", "reason": "vendor", "until": "2027-03-31"},
            {"rule": "KMS009"},
            "KMS001",
            {"rule": "KMS002", "reasn": "typo"}]}}}}}"#;
        let root = match crate::parse::json::parse_json(text) {
            Ok(r) => r,
            Err(e) => panic!("{e}"),
        };
        let s = from_metadata(FileId(0), &root);
        assert_eq!(s.len(), 4);
        assert_eq!(s[0].scope, Scope::Resource("K".into()));
        assert_eq!(s[0].reason.as_deref(), Some("vendor"));
        assert_eq!(s[0].until, Some(d("2027-03-31")));
        assert_eq!(s[1].reason, None);
        assert_eq!(s[2].rules, vec!["KMS001"]);
        assert!(s[3]
            .malformed
            .as_deref()
            .is_some_and(|m| m.contains("reasn")));
    }
}
