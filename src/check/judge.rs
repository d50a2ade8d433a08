//! The stages after a front end, for one unit: model, rules, inventory records, suppressions.

use super::outcome::UnitReport;
use crate::base::date::Date;
use crate::base::diag::{code, InputError};
use crate::base::limits::{MAX_OBJECT_KEYS, MAX_POLICY_NODES, MAX_STATEMENTS};
use crate::base::severity::Severity;
use crate::base::source::{FileId, SourceFile, Span};
use crate::base::trust::TrustConfig;
use crate::inventory::{self, KeyRecord, TagNames};
use crate::ir::{Doc, DocKind, Extracted, SiteBody, Unit};
use crate::parse::Node;
use crate::rules::engine::{self, Levels};
use crate::rules::facts::Subject;
use crate::rules::registry::Registry;
use crate::rules::{subjects, Finding, Related};
use crate::suppress::{self, Suppression};

/// What the stages after the front ends need: the rules, their levels, whom to trust, the
/// inventory's tag names and the date suppressions expire against.
pub struct Judge<'a> {
    pub reg: &'a Registry,
    pub levels: &'a Levels,
    pub trust: &'a TrustConfig,
    pub tags: &'a TagNames,
    pub today: Date,
}

impl Judge<'_> {
    /// Model, rules and suppressions over everything extracted from one unit. `template` is the
    /// parsed CloudFormation template, whose `Metadata` may suppress findings.
    pub fn unit(
        &self,
        unit: &Unit,
        extracted: &Extracted,
        template: Option<&Node>,
        files: usize,
    ) -> UnitReport {
        let (findings, mut keys) = self.check(unit, extracted);
        let metadata =
            template.map_or_else(Vec::new, |root| suppress::from_metadata(FileId(0), root));
        let findings = self.suppress(unit, metadata, findings);
        recount(&mut keys, &findings);
        UnitReport {
            files,
            policies: extracted.sites.len(),
            findings,
            keys,
        }
    }

    /// A unit in which nothing could be checked: its KMS000 findings only.
    pub fn errors(&self, unit: &Unit, errors: &[InputError], files: usize) -> UnitReport {
        UnitReport {
            files,
            policies: 0,
            findings: self.error_findings(unit, errors),
            keys: Vec::new(),
        }
    }

    /// A file nothing could be checked in: its single KMS000, at `span` of `text`.
    pub fn file_error(
        &self,
        path: &std::path::Path,
        text: String,
        span: Span,
        message: String,
        code: &'static str,
    ) -> UnitReport {
        let unit = Unit::single(SourceFile::new(super::read::display_path(path), text));
        let e = InputError {
            file: FileId(0),
            span,
            message,
            code,
        };
        self.errors(&unit, &[e], 1)
    }

    /// Model + rules over everything extracted from one unit: the findings, and one inventory
    /// record per key or grant.
    pub fn check(&self, unit: &Unit, extracted: &Extracted) -> (Vec<Finding>, Vec<KeyRecord>) {
        let mut findings = self.error_findings(unit, &extracted.errors);
        for d in &extracted.duplicate_ids {
            if let Some(s) = crate::rules::template::duplicate_id_subject(d) {
                let resource = (d.section == "Resources").then_some(d.name.as_str());
                findings.extend(self.findings_for(unit, &s, resource));
            }
        }
        let mut records = Vec::new();
        for site in &extracted.sites {
            let key_account = site.key_account.as_ref().and_then(|v| v.as_lit());
            let mut policy = None;
            let mut subjects = match &site.body {
                SiteBody::KeyPolicy(doc) => {
                    if let Some(message) = policy_over_limits(doc) {
                        let e = InputError {
                            file: site.loc.file,
                            span: site.loc.span,
                            message,
                            code: code::POLICY_LIMIT,
                        };
                        findings.extend(self.error_findings(unit, &[e]));
                        continue;
                    }
                    let p = crate::model::build(doc, self.trust, key_account);
                    let s = subjects::policy_subjects(&p, self.trust);
                    policy = Some(p);
                    s
                }
                SiteBody::DefaultPolicy => Vec::new(),
                SiteBody::Grant(grant) => subjects::grant_subjects(grant, self.trust, key_account),
            };
            let aliases: Vec<String> = extracted
                .aliases
                .iter()
                .filter(|(key, _)| *key == site.resource)
                .map(|(_, a)| a.clone())
                .collect();
            let Some(file) = unit.file(site.loc.file) else {
                continue;
            };
            // The record first (without findings) decides whether the key is shared at all.
            let shape = inventory::record(
                file.clone(),
                site,
                policy.as_ref(),
                &aliases,
                self.trust,
                self.tags,
            );
            if policy.as_ref().is_some_and(|p| p.unknown.is_empty()) {
                subjects.push(subjects::key_subject(
                    site.loc,
                    shape.is_cross_account(),
                    shape.justification.is_some(),
                    self.tags.justification(),
                ));
            }
            let mut site_findings = Vec::new();
            for s in subjects {
                site_findings.extend(self.findings_for(unit, &s, Some(&site.resource)));
            }
            let count = |sev: Severity| site_findings.iter().filter(|f| f.severity == sev).count();
            records.push(KeyRecord {
                errors: count(Severity::Error),
                warnings: count(Severity::Warning),
                notes: count(Severity::Note),
                ..shape
            });
            findings.extend(site_findings);
        }
        crate::rules::template::deployment_notes(&mut findings, &extracted.conditional, unit);
        (findings, records)
    }

    fn error_findings(&self, unit: &Unit, errors: &[InputError]) -> Vec<Finding> {
        errors
            .iter()
            .flat_map(|e| self.findings_for(unit, &subjects::parse_error_subject(e), None))
            .collect()
    }

    /// Applies the unit's suppressions (its files' `kmslint:ignore` comments plus `extra`, e.g.
    /// CloudFormation `Metadata`) to its findings, centrally, after every rule has run; invalid,
    /// expired and unused suppressions become findings of their own.
    pub fn suppress(
        &self,
        unit: &Unit,
        extra: Vec<Suppression>,
        mut findings: Vec<Finding>,
    ) -> Vec<Finding> {
        let mut all: Vec<Suppression> = unit
            .files
            .iter()
            .enumerate()
            .flat_map(|(i, f)| {
                suppress::from_comments(FileId(u32::try_from(i).unwrap_or(u32::MAX)), f)
            })
            .collect();
        all.extend(extra);
        if all.is_empty() {
            return findings;
        }
        let problems =
            suppress::apply(unit, &all, &mut findings, self.levels, self.reg, self.today);
        for (subject, resource) in problems {
            findings.extend(self.findings_for(unit, &subject, resource.as_deref()));
        }
        findings
    }

    /// Turns one subject into the findings of every rule that matches it.
    fn findings_for(&self, unit: &Unit, s: &Subject, resource: Option<&str>) -> Vec<Finding> {
        let Some(file) = unit.file(s.loc.file) else {
            return Vec::new();
        };
        let res = resource.unwrap_or("");
        engine::evaluate(self.reg, self.levels, s)
            .into_iter()
            .map(|(rule, severity, matched)| {
                let template = rule
                    .def
                    .messages
                    .get(s.kind.as_str())
                    .unwrap_or(&rule.def.message);
                Finding {
                    rule: rule.def.id.clone(),
                    name: rule.def.name.clone(),
                    severity,
                    message: engine::render(template, s, res, &matched),
                    label: engine::render(&rule.def.label, s, res, &matched),
                    help: rule.def.help.clone(),
                    file: file.clone(),
                    span: clamp(file, s.loc.span),
                    related: s
                        .related
                        .iter()
                        .filter_map(|(loc, msg)| {
                            unit.file(loc.file).map(|f| Related {
                                file: f.clone(),
                                span: clamp(f, loc.span),
                                message: msg.clone(),
                            })
                        })
                        .collect(),
                    resource: resource.map(str::to_string),
                    statement: s.statement.clone(),
                    principal: s.principal.clone(),
                    account: s.account.clone(),
                    suppressed: false,
                    suppression: None,
                }
            })
            .collect()
    }
}

/// Last line of defence for the reporters, which slice the file at the span: a span past the
/// end (a stage's bug) is clamped, never a panic.
fn clamp(file: &SourceFile, span: Span) -> Span {
    let len = file.text.len();
    Span::new(
        span.start.min(len),
        span.end.min(len).max(span.start.min(len)),
    )
}

/// The inventory's per-key counts, after suppressions: unsuppressed findings only.
fn recount(keys: &mut [KeyRecord], findings: &[Finding]) {
    for k in keys.iter_mut() {
        let mine = || {
            findings.iter().filter(|f| {
                !f.suppressed
                    && f.file.path == k.file
                    && f.resource.as_deref() == Some(k.resource.as_str())
            })
        };
        let count = |sev: Severity| mine().filter(|f| f.severity == sev).count();
        k.errors = count(Severity::Error);
        k.warnings = count(Severity::Warning);
        k.notes = count(Severity::Note);
    }
}

/// Why a policy is too large to check, if it is: a KMS000 at the policy, never a silent pass.
fn policy_over_limits(doc: &Doc) -> Option<String> {
    let statements = statement_count(doc);
    if statements > MAX_STATEMENTS {
        return Some(format!(
            "the key policy has {statements} statements, more than the limit of \
             {MAX_STATEMENTS}: it was not checked"
        ));
    }
    let mut nodes = 0usize;
    let mut stack = vec![doc];
    while let Some(d) = stack.pop() {
        nodes += 1;
        if nodes > MAX_POLICY_NODES {
            return Some(format!(
                "the key policy has more than {MAX_POLICY_NODES} elements: it was not checked"
            ));
        }
        match &d.kind {
            DocKind::Map(entries) => {
                if entries.len() > MAX_OBJECT_KEYS {
                    return Some(format!(
                        "an object in the key policy has {} keys, more than the limit of \
                         {MAX_OBJECT_KEYS}: it was not checked",
                        entries.len()
                    ));
                }
                stack.extend(entries.iter().map(|e| &e.value));
            }
            DocKind::List(items) | DocKind::Choice(items) => stack.extend(items),
            _ => {}
        }
    }
    None
}

/// Statements of a policy, counting every alternative, as the model reads them.
fn statement_count(doc: &Doc) -> usize {
    match &doc.kind {
        DocKind::Map(_) => doc
            .all("Statement", false)
            .map(|e| e.value.flatten().len())
            .sum(),
        DocKind::Choice(alts) => alts.iter().map(statement_count).sum(),
        _ => 0,
    }
}
