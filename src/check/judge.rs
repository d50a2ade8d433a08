//! The stages after a front end, for one unit: model, rules, inventory records, suppressions.

use super::outcome::UnitReport;
use crate::base::date::Date;
use crate::base::diag::{code, InputError};
use crate::base::limits::{Limits, MAX_OBJECT_KEYS, MAX_POLICY_NODES, MAX_STATEMENTS};
use crate::base::severity::Severity;
use crate::base::source::{FileId, Loc, SourceFile, Span};
use crate::base::trust::TrustConfig;
use crate::inventory::{self, KeyRecord, TagNames};
use crate::ir::{Doc, DocKind, Extracted, SiteBody, SiteVia, Unit};
use crate::model::Policy;
use crate::parse::Node;
use crate::rules::engine::{self, Levels, Matched};
use crate::rules::facts::{Subject, SubjectKind};
use crate::rules::registry::{Registry, Rule};
use crate::rules::{merge, subjects, Anchor, Finding, Group, Related, Words};
use crate::suppress::{self, Suppression};
use std::collections::BTreeMap;

/// Most findings reported for one key policy or grant; the rest are summarised in one more
/// finding. A policy AWS accepts (32 KB) has a few hundred principals at most; a crafted one
/// (a list doubled by `concat`) must not turn into a report of millions of lines.
pub const MAX_FINDINGS_PER_POLICY: usize = 100;

/// What the stages after the front ends need: the rules, their levels, whom to trust, the
/// inventory's tag names, the date suppressions expire against and how far ahead they may
/// reach, and the limits files are read within (all from the config governing the unit).
pub struct Judge<'a> {
    pub reg: &'a Registry,
    pub levels: &'a Levels,
    pub trust: &'a TrustConfig,
    pub tags: &'a TagNames,
    pub today: Date,
    pub limits: Limits,
    pub max_days: u32,
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
            skipped: None,
        }
    }

    /// A unit in which nothing could be checked: its KMS000 findings only.
    pub fn errors(&self, unit: &Unit, errors: &[InputError], files: usize) -> UnitReport {
        UnitReport {
            files,
            policies: 0,
            findings: self.error_findings(unit, errors),
            keys: Vec::new(),
            skipped: None,
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
            let key_account = site.key_account_arg();
            let mut policy = None;
            let mut subjects = match &site.body {
                SiteBody::KeyPolicy(doc) => {
                    let limit = policy_over_limits(doc).map_or_else(
                        || {
                            let p = crate::model::build_site(site, doc, self.trust);
                            match too_many_principals(&p) {
                                Some(message) => Err(message),
                                None => Ok(p),
                            }
                        },
                        Err,
                    );
                    let p = match limit {
                        Ok(p) => p,
                        Err(message) => {
                            let e = InputError {
                                file: site.loc.file,
                                span: site.loc.span,
                                message,
                                code: code::POLICY_LIMIT,
                            };
                            findings.extend(self.error_findings(unit, &[e]));
                            continue;
                        }
                    };
                    let s = subjects::policy_subjects(&p, self.trust);
                    policy = Some(p);
                    s
                }
                SiteBody::DefaultPolicy => Vec::new(),
                SiteBody::Grant(grant) => subjects::grant_subjects(
                    grant,
                    self.trust,
                    key_account.as_deref(),
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
            // Every match first (cheap), then the findings reported: the most severe, up to the
            // cap; messages are rendered for those only.
            let mut matches: Vec<(usize, &Rule, Severity, Matched)> = Vec::new();
            for (i, subject) in subjects.iter().enumerate() {
                for (rule, sev, m) in engine::evaluate(self.reg, self.levels, subject) {
                    matches.push((i, rule, sev, m));
                }
            }
            let site_file = file.clone();
            let anchor = |s: &Subject| {
                let statement = statement_of(policy.as_ref(), s)
                    .and_then(|l| Some((unit.file(l.file)?.clone(), l.span)));
                Anchor {
                    site: (site_file.clone(), site.loc.span),
                    statement,
                }
            };
            // Stable: within a severity, the policy's own order.
            matches.sort_by_key(|m| std::cmp::Reverse(m.2));
            let rest = matches.split_off(matches.len().min(MAX_FINDINGS_PER_POLICY));
            let mut site_findings = Vec::new();
            for (i, rule, sev, m) in matches {
                let Some(s) = subjects.get(i) else {
                    continue;
                };
                if let Some(mut f) = self.render(unit, s, Some(&site.resource), rule, sev, m) {
                    f.anchor = Some(anchor(s));
                    f.group = s.group.map(|index| Group {
                        site: site_index,
                        index,
                    });
                    site_findings.push(f);
                }
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
            if let Some(mut more) = self.more_findings(unit, site, &rest) {
                more.anchor = Some(anchor(&Subject::new(SubjectKind::Policy, site.loc)));
                site_findings.push(more);
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
        let policy = suppress::Policy {
            reg: self.reg,
            levels: self.levels,
            today: self.today,
            max_days: self.max_days,
        };
        let problems = suppress::apply(unit, &all, &mut findings, &policy);
        for (subject, resource) in problems {
            findings.extend(self.findings_for(unit, &subject, resource.as_deref()));
        }
        findings
    }

    /// Turns one subject into the findings of every rule that matches it.
    fn findings_for(&self, unit: &Unit, s: &Subject, resource: Option<&str>) -> Vec<Finding> {
        engine::evaluate(self.reg, self.levels, s)
            .into_iter()
            .filter_map(|(rule, severity, matched)| {
                self.render(unit, s, resource, rule, severity, matched)
            })
            .collect()
    }

    /// The finding of one rule that matched one subject.
    fn render(
        &self,
        unit: &Unit,
        s: &Subject,
        resource: Option<&str>,
        rule: &Rule,
        severity: Severity,
        matched: Matched,
    ) -> Option<Finding> {
        let file = unit.file(s.loc.file)?;
        let res = resource.unwrap_or("");
        let template = rule
            .def
            .messages
            .get(s.kind.as_str())
            .unwrap_or(&rule.def.message);
        Some(Finding {
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
            anchor: None,
        })
    }

    /// One finding for the matches past the cap: the most severe of their rules, at the key.
    fn more_findings(
        &self,
        unit: &Unit,
        site: &crate::ir::PolicySite,
        rest: &[(usize, &Rule, Severity, Matched)],
    ) -> Option<Finding> {
        let (_, first, severity, _) = rest.first()?;
        let file = unit.file(site.loc.file)?;
        let mut by_rule: BTreeMap<&str, usize> = BTreeMap::new();
        for (_, rule, _, _) in rest {
            *by_rule.entry(rule.def.id.as_str()).or_insert(0) += 1;
        }
        let counts: Vec<String> = by_rule.iter().map(|(id, n)| format!("{id}: {n}")).collect();
        Some(Finding {
            rule: first.def.id.clone(),
            name: first.def.name.clone(),
            severity: *severity,
            message: format!(
                "{} more findings of the key policy of {} are not shown ({}): kmslint reports at most {MAX_FINDINGS_PER_POLICY} per key policy",
                rest.len(),
                site.resource,
                counts.join(", ")
            ),
            label: "more findings".into(),
            help: "Fix the findings shown first; a key policy AWS accepts (32 KB) rarely has this many.".into(),
            file: file.clone(),
            span: clamp(file, site.loc.span),
            related: Vec::new(),
            resource: Some(site.resource.clone()),
            statement: None,
            principal: None,
            account: None,
            principals: Vec::new(),
            accounts: Vec::new(),
            suppressed: false,
            suppression: None,
            group: None,
            words: None,
            anchor: None,
        })
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

/// The statement a subject is about, when it is about one: the statement naming the principal or
/// holding the condition value at the subject's place (with the same label: a value from a
/// shared local has one place for every statement using it).
fn statement_of(policy: Option<&Policy>, s: &Subject) -> Option<crate::base::source::Loc> {
    let label = s.statement.as_deref()?;
    let same =
        |st: &&crate::model::Statement| st.sid.clone().unwrap_or_else(|| st.label()) == label;
    let policy = policy?;
    let found = match s.kind {
        SubjectKind::Principal => policy
            .statements
            .iter()
            .filter(same)
            .find(|st| st.principals.iter().any(|p| p.loc == s.loc)),
        SubjectKind::ConditionValue => policy
            .statements
            .iter()
            .filter(same)
            .find(|st| st.analysis.restricting.iter().any(|rv| rv.loc == s.loc)),
        _ => None,
    };
    found
        .or_else(|| policy.statements.iter().find(same))
        .map(|st| st.loc)
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

/// Most principals one statement may name. AWS accepts at most 32 KB of key policy, a few
/// hundred ARNs; a list doubled by `concat` can name millions, and each principal's facts name
/// the statement's others.
pub const MAX_PRINCIPALS_PER_STATEMENT: usize = 1_000;

/// Why a policy names too many principals to check, if it does: a KMS000 at the policy.
fn too_many_principals(policy: &Policy) -> Option<String> {
    let (st, n) = policy
        .statements
        .iter()
        .map(|st| (st, st.principals.len()))
        .max_by_key(|(_, n)| *n)?;
    (n > MAX_PRINCIPALS_PER_STATEMENT).then(|| {
        format!(
            "statement {} names {n} principals, more than the limit of \
             {MAX_PRINCIPALS_PER_STATEMENT} (AWS accepts at most 32 KB of key policy): it was not checked",
            st.label()
        )
    })
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
