//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning reads it. Our own serde structs (the
//! `serde-sarif` crate does not build alone and brings 42 crates); the output is validated
//! against the OASIS schema in tests.
//!
//! * every rule is in `tool.driver.rules`, with help text and markdown, `helpUri` and the
//!   `security-severity` GitHub uses to rank alerts;
//! * locations are relative to the current directory (`uriBaseId: %SRCROOT%`), with full regions
//!   (columns in Unicode code points, as `columnKind` says);
//! * `partialFingerprints` hash stable data only (rule, path, resource, statement, principals and
//!   the normalised text of the offending span; never line numbers), so an alert keeps its
//!   identity when lines are added above it, and a principal added to a statement's finding
//!   makes it a new alert;
//! * one result per statement and rule: every further principal is a `relatedLocation`;
//! * suppressed findings are reported with their justification in `suppressions`.

use super::{PrettyArray, Sink};
use crate::base::severity::Severity;
use crate::check::Totals;
use crate::rules::engine;
use crate::rules::engine::Levels;
use crate::rules::registry::Registry;
use crate::rules::Finding;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::io::Write;

pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// Where rule documentation lives.
pub const REPOSITORY: &str = env!("CARGO_PKG_REPOSITORY");
/// The `partialFingerprints` key; bump the version if what is hashed changes.
pub const FINGERPRINT_KEY: &str = "kmslint/v1";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    results: Vec<SarifResult>,
    column_kind: &'static str,
    invocations: Vec<Invocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: String,
    rules: Vec<RuleDescriptor<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RuleDescriptor<'a> {
    id: &'a str,
    name: &'a str,
    short_description: Text,
    full_description: Text,
    help: MultiText,
    help_uri: String,
    default_configuration: RuleConfiguration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct MultiText {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct RuleConfiguration {
    enabled: bool,
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
    precision: &'static str,
    tags: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<SarifSuppression>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    properties: BTreeMap<&'static str, serde_json::Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifSuppression {
    kind: &'static str,
    status: &'static str,
    justification: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    name: String,
    kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

/// GitHub ranks alerts by this score: over 9.0 critical, 7.0 high, 4.0 medium, 0.1 low.
fn security_severity(sev: Severity) -> &'static str {
    match sev {
        Severity::Error => "9.0",
        Severity::Warning => "5.5",
        Severity::Note => "2.0",
    }
}

pub fn level(sev: Severity) -> &'static str {
    match sev {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// Percent-encodes a relative path for a URI reference (RFC 3986), keeping `/`.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The artifact location of a file: relative to `%SRCROOT%` (the current directory, which is
/// the repository root in CI), or a `file://` URI when it lies elsewhere.
fn artifact(path: &std::path::Path) -> ArtifactLocation {
    let shown = super::shown_path(path);
    if shown.starts_with('/') {
        ArtifactLocation {
            uri: format!("file://{}", encode_path(&shown)),
            uri_base_id: None,
        }
    } else {
        ArtifactLocation {
            uri: encode_path(&shown),
            uri_base_id: Some("%SRCROOT%"),
        }
    }
}

fn region(file: &crate::base::source::SourceFile, span: crate::base::source::Span) -> Region {
    let (start_line, start_column) = file.line_col(span.start);
    let (end_line, end_column) = file.line_col(span.end);
    Region {
        start_line,
        start_column,
        end_line,
        end_column,
    }
}

/// Whitespace collapsed, so re-indenting or re-wrapping a policy keeps its fingerprints.
fn normalise(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Two FNV-1a 64-bit hashes with different offsets: 128 stable bits, no dependency. Not
/// cryptographic; it only has to be stable and spread well.
fn stable_hash(parts: &[&str]) -> String {
    let mut a: u64 = 0xcbf2_9ce4_8422_2325;
    let mut b: u64 = 0x6c62_272e_07bb_0142;
    for p in parts {
        for byte in p.bytes().chain(std::iter::once(0u8)) {
            a = (a ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
            b = (b ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{a:016x}{b:016x}")
}

/// The fingerprint of a finding from stable data. Findings whose data is identical are told
/// apart by `occurrence` (counted in report order): see `occurrence_fingerprint`.
pub fn fingerprint(f: &Finding) -> String {
    let path = super::shown_path(&f.file.path);
    let text = normalise(f.file.slice(f.span));
    // A finding about one principal hashes it as before; one about several hashes them all, so
    // that a principal added to the statement is a new alert, never hidden by a dismissed one.
    let principals = if f.principals.len() > 1 {
        f.principals.join("\n")
    } else {
        f.principal.clone().unwrap_or_default()
    };
    stable_hash(&[
        &f.rule,
        &path,
        f.resource.as_deref().unwrap_or(""),
        f.statement.as_deref().unwrap_or(""),
        &principals,
        &text,
    ])
}

/// The fingerprint of the `occurrence`-th finding (from 0) with this base fingerprint.
pub fn occurrence_fingerprint(base: String, occurrence: usize) -> String {
    if occurrence == 0 {
        base
    } else {
        stable_hash(&[&base, &occurrence.to_string()])
    }
}

fn help_uri(id: &str) -> String {
    format!("{REPOSITORY}/blob/main/docs/rules/{id}.md")
}

fn descriptors<'a>(reg: &'a Registry, levels: &Levels) -> Vec<RuleDescriptor<'a>> {
    reg.rules
        .iter()
        .map(|r| {
            let d = &r.def;
            let effective = engine::level(r, levels);
            let sev = effective.unwrap_or(d.severity);
            let mut tags = vec!["security".to_string(), "aws-kms".to_string()];
            tags.extend(d.cwe.iter().map(|id| format!("external/cwe/cwe-{id}")));
            RuleDescriptor {
                id: &d.id,
                name: &d.name,
                short_description: Text {
                    text: d.summary.clone(),
                },
                full_description: Text {
                    text: format!("{}. {}", d.summary.trim_end_matches('.'), d.help),
                },
                help: MultiText {
                    text: d.help.clone(),
                    markdown: super::rule_markdown(d),
                },
                help_uri: help_uri(&d.id),
                default_configuration: RuleConfiguration {
                    enabled: effective.is_some(),
                    level: level(sev),
                },
                properties: RuleProperties {
                    security_severity: security_severity(sev),
                    precision: "high",
                    tags,
                },
            }
        })
        .collect()
}

fn result(f: &Finding, rule_index: usize, fingerprint: String) -> SarifResult {
    let mut logical = Vec::new();
    if let Some(res) = &f.resource {
        logical.push(LogicalLocation {
            name: res.clone(),
            kind: "resource",
        });
    }
    let location = Location {
        id: None,
        physical_location: PhysicalLocation {
            artifact_location: artifact(&f.file.path),
            region: region(&f.file, f.span),
        },
        message: None,
        logical_locations: logical,
    };
    let related = f
        .related
        .iter()
        .enumerate()
        .map(|(i, r)| Location {
            id: Some(i + 1),
            physical_location: PhysicalLocation {
                artifact_location: artifact(&r.file.path),
                region: region(&r.file, r.span),
            },
            message: Some(Text {
                text: r.message.clone(),
            }),
            logical_locations: Vec::new(),
        })
        .collect();
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert(FINGERPRINT_KEY, fingerprint);
    let suppressions = f
        .suppression
        .as_ref()
        .map(|s| {
            let until = s.until.map(|d| format!(" (until {d})")).unwrap_or_default();
            vec![SarifSuppression {
                kind: "inSource",
                status: "accepted",
                justification: format!("{}{until}", s.reason),
            }]
        })
        .unwrap_or_default();
    let mut properties = BTreeMap::new();
    for (k, v) in [
        ("resource", &f.resource),
        ("statement", &f.statement),
        ("principal", &f.principal),
        ("account", &f.account),
    ] {
        if let Some(v) = v {
            properties.insert(k, serde_json::Value::String(v.clone()));
        }
    }
    if f.principals.len() > 1 {
        properties.insert("principals", serde_json::json!(f.principals));
    }
    SarifResult {
        rule_id: f.rule.clone(),
        rule_index,
        level: level(f.severity),
        message: Text {
            text: format!("{}\n{}", f.message, f.help),
        },
        locations: vec![location],
        related_locations: related,
        partial_fingerprints: fingerprints,
        suppressions,
        properties,
    }
}

/// Streams the SARIF log: every finding, suppressed ones with their justification. The log
/// around `results` is printed once with an empty array and split there; results are written
/// into the gap as they arrive, pretty-printed exactly as serde_json would print the whole log.
pub struct Writer<W: Write> {
    out: W,
    index: HashMap<String, usize>,
    /// Occurrences of each base fingerprint in the run.
    seen: HashMap<String, usize>,
    /// The log after the results array.
    tail: String,
    results: PrettyArray,
}

const RESULTS_GAP: &str = "\"results\": []";

impl<W: Write> Writer<W> {
    pub fn new(mut out: W, reg: &Registry, levels: &Levels) -> std::io::Result<Self> {
        let rules = descriptors(reg, levels);
        let index = rules
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.to_string(), i))
            .collect();
        let log = Log {
            schema: SCHEMA_URI,
            version: "2.1.0",
            runs: vec![Run {
                tool: Tool {
                    driver: Driver {
                        name: "kmslint",
                        version: env!("CARGO_PKG_VERSION"),
                        semantic_version: env!("CARGO_PKG_VERSION"),
                        information_uri: REPOSITORY.to_string(),
                        rules,
                    },
                },
                results: Vec::new(),
                column_kind: "unicodeCodePoints",
                invocations: vec![Invocation {
                    execution_successful: true,
                }],
            }],
        };
        let text = serde_json::to_string_pretty(&log)?;
        // Rule texts are JSON strings, where a quote is always escaped: the gap is unique.
        let Some(at) = text.find(RESULTS_GAP) else {
            return Err(std::io::Error::other("SARIF log without a results array"));
        };
        let Some((head, tail)) = text.split_at_checked(at + RESULTS_GAP.len() - 1) else {
            return Err(std::io::Error::other("SARIF log without a results array"));
        };
        out.write_all(head.as_bytes())?;
        Ok(Writer {
            out,
            index,
            seen: HashMap::new(),
            tail: tail.to_string(),
            results: PrettyArray::new(8),
        })
    }
}

impl<W: Write> Sink for Writer<W> {
    fn finding(&mut self, f: &Finding) -> std::io::Result<()> {
        // A Terraform module's file is checked once per root module that calls it: its findings
        // come back in several units, so occurrences are counted over the whole run.
        let base = fingerprint(f);
        let n = self.seen.entry(base.clone()).or_insert(0);
        let fingerprint = occurrence_fingerprint(base, *n);
        *n += 1;
        let rule_index = self.index.get(f.rule.as_str()).copied().unwrap_or(0);
        self.results
            .item(&mut self.out, &result(f, rule_index, fingerprint))
    }

    fn finish(&mut self, _totals: &Totals) -> std::io::Result<()> {
        self.results.close(&mut self.out)?;
        self.out.write_all(self.tail.as_bytes())?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_percent_encoded() {
        assert_eq!(encode_path("infra/my key.yaml"), "infra/my%20key.yaml");
        assert_eq!(encode_path("a/é#?.yaml"), "a/%C3%A9%23%3F.yaml");
        assert_eq!(encode_path("<stdin>"), "%3Cstdin%3E");
    }

    #[test]
    fn hashes_are_stable_and_separate_fields() {
        // Fixed value: a change here changes every alert's identity in code scanning.
        assert_eq!(
            stable_hash(&["KMS001", "a.yaml"]),
            stable_hash(&["KMS001", "a.yaml"])
        );
        assert_ne!(stable_hash(&["ab", "c"]), stable_hash(&["a", "bc"]));
        assert_eq!(
            stable_hash(&[]),
            "cbf29ce484222325".to_string() + "6c62272e07bb0142"
        );
        assert_eq!(normalise("  {\"AWS\":\n     \"*\" }"), "{\"AWS\": \"*\" }");
    }
}
