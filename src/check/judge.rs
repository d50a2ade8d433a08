//! The stages after a front end, for one unit: model, rules, inventory records, suppressions.

use super::outcome::UnitReport;
use crate::base::date::Date;
use crate::base::diag::{code, InputError};
use crate::base::limits::{MAX_OBJECT_KEYS, MAX_POLICY_NODES, MAX_STATEMENTS};
use crate::base::severity::Severity;
use crate::base::source::Loc;
use crate::base::source::{FileId, SourceFile, Span};
use crate::base::trust::TrustConfig;
use crate::inventory::{self, KeyRecord, TagNames};
use crate::ir::{Doc, DocKind, Extracted, SiteBody, SiteVia, Unit};
use crate::parse::Node;
use crate::rules::engine::{self, Levels};
use crate::rules::facts::Subject;
use crate::rules::registry::Registry;
use crate::rules::{merge, subjects, Finding, Group, Related, Words};
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
        // One finding per statement and rule, once suppressions have said which they cover.
        let findings = merge::merge(findings, self.reg);
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
        for (site_index, site) in extracted.sites.iter().enumerate() {
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
                    let p = crate::model::build_site(site, doc, self.trust);
                    let s = subjects::policy_subjects(&p, self.trust);
                    policy = Some(p);
                    s
                }
                SiteBody::DefaultPolicy => Vec::new(),
                SiteBody::Grant(grant) => subjects::grant_subjects(
                    grant,
                    self.trust,
                    key_account,
                    crate::ir::Dialect::of_resource_type(&site.resource_type),
                ),
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
            if policy
                .as_ref()
                .is_some_and(|p| p.unknown.is_empty() && p.rejected.is_empty())
            {
                subjects.push(subjects::key_subject(
                    site.loc,
                    shape.is_cross_account(),
                    shape.justification.is_some(),
                    self.tags.justification(),
                ));
            }
            let mut site_findings = Vec::new();
            for s in subjects {
                let mut found = self.findings_for(unit, &s, Some(&site.resource));
                for f in &mut found {
                    f.group = s.group.map(|index| Group {
                        site: site_index,
                        index,
                    });
                }
                site_findings.extend(found);
            }
            // The alternatives of a conditional can hold the same statement: one finding each.
            let mut seen = std::collections::HashSet::new();
            site_findings.retain(|f| {
                seen.insert((
                    f.rule.clone(),
                    f.file.path.clone(),
                    f.span,
                    f.message.clone(),
                ))
            });
            let vias: Vec<&SiteVia> = extracted
                .via
                .iter()
                .filter(|v| v.resource == site.resource)
                .collect();
            if !vias.is_empty() {
                for f in &mut site_findings {
                    relocate(unit, f, &vias);
                }
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
                                suppressible: false,
                            })
                        })
                        .collect(),
                    resource: resource.map(str::to_string),
                    statement: s.statement.clone(),
                    principal: s.principal.clone(),
                    account: s.account.clone(),
                    principals: s.principals.clone(),
                    accounts: s.account.iter().cloned().collect(),
                    suppressed: false,
                    suppression: None,
                    group: None,
                    words: Some(std::sync::Arc::new(Words {
                        kind: s.kind,
                        vars: s.vars.clone(),
                        matched,
                    })),
                }
            })
            .collect()
    }
}

/// A finding of a module instance's site: one inside a caller's argument is shown where the
/// module uses the value, with the argument as a related location; one whose span holds a use of
/// a caller's argument also shows that argument; notes for the whole site (a bundled module
/// source) are added to every finding. A suppression may sit at either place.
fn relocate(unit: &Unit, f: &mut Finding, vias: &[&SiteVia]) {
    let at = |loc: Loc| unit.file(loc.file).map(|file| (file.clone(), loc.span));
    let same = |a: &std::sync::Arc<SourceFile>, b: &std::sync::Arc<SourceFile>| {
        std::sync::Arc::ptr_eq(a, b)
    };
    let mut related: Vec<Related> = Vec::new();
    for _ in 0..vias.len() {
        let inside = vias.iter().find(|v| {
            v.at.is_some()
                && at(v.arg).is_some_and(|(file, span)| {
                    same(&file, &f.file) && span.start <= f.span.start && f.span.end <= span.end
                })
        });
        let Some((v, Some((file, span)))) = inside.map(|v| (v, v.at.and_then(at))) else {
            break;
        };
        related.push(Related {
            file: f.file.clone(),
            span: f.span,
            message: v.note.clone(),
            suppressible: true,
        });
        f.file = file;
        f.span = span;
    }
    let explained = !related.is_empty();
    let mut fallbacks: Vec<&SiteVia> = Vec::new();
    for v in vias {
        if v.fallback {
            fallbacks.push(v);
            continue;
        }
        let shown = match v.at.and_then(at) {
            None if v.at.is_none() => true,
            Some((file, span)) => {
                same(&file, &f.file) && f.span.start <= span.start && span.end <= f.span.end
            }
            None => false,
        };
        if !shown {
            continue;
        }
        if let Some((file, span)) = at(v.arg) {
            let dup = related
                .iter()
                .any(|r| same(&r.file, &file) && r.span == span && r.message == v.note);
            if !dup {
                related.push(Related {
                    file: file.clone(),
                    span: clamp(&file, span),
                    message: v.note.clone(),
                    suppressible: true,
                });
            }
        }
    }
    // Nothing above names where the value came from: show the module call(s) of the instance.
    if !explained && related.is_empty() {
        for v in fallbacks {
            if let Some((file, span)) = at(v.arg) {
                if !same(&file, &f.file) || span != f.span {
                    related.push(Related {
                        file: file.clone(),
                        span: clamp(&file, span),
                        message: v.note.clone(),
                        suppressible: false,
                    });
                }
            }
        }
    }
    f.related.extend(related);
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
