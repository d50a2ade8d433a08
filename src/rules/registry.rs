//! The rule registry: the built-in rules embedded from `rules/`, plus rule files a user adds.

use super::facts::{SubjectKind, F, V};
use super::schema::{compile, Cond, RuleDef};
use std::collections::BTreeSet;
use std::path::Path;

include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// A loaded, validated rule.
#[derive(Clone, Debug)]
pub struct Rule {
    pub def: RuleDef,
    pub subjects: Vec<SubjectKind>,
    /// The compiled `when`.
    pub when: Cond,
    /// Where it came from: the rule file's name.
    pub origin: String,
}

#[derive(Clone, Debug, Default)]
pub struct Registry {
    pub rules: Vec<Rule>,
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("rule file {origin}: {message}")]
#[diagnostic(code(kmslint::rules::invalid))]
pub struct RuleError {
    pub origin: String,
    pub message: String,
}

fn err(origin: &str, message: impl Into<String>) -> RuleError {
    RuleError {
        origin: origin.to_string(),
        message: message.into(),
    }
}

fn placeholders(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(s) = rest.find('{') {
        let after = &rest[s + 1..];
        match after.find('}') {
            Some(e) => {
                out.push(&after[..e]);
                rest = &after[e + 1..];
            }
            None => break,
        }
    }
    out
}

/// Parses and validates one rule file.
pub fn parse_rule(origin: &str, text: &str) -> Result<Rule, RuleError> {
    let def: RuleDef = toml::from_str(text).map_err(|e| err(origin, e.message().trim()))?;
    let id_ok = def.id.len() == 6
        && def.id.starts_with("KMS")
        && def.id[3..].bytes().all(|b| b.is_ascii_digit())
        || def.id.contains('-') && !def.id.contains(' ');
    if !id_ok {
        return Err(err(
            origin,
            format!("`{}` is not a rule id (KMS### or ORG-NAME)", def.id),
        ));
    }
    if def.name.is_empty()
        || def
            .name
            .bytes()
            .any(|b| !(b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'))
    {
        return Err(err(
            origin,
            format!("rule name `{}` must be kebab-case", def.name),
        ));
    }
    let mut subjects = Vec::new();
    for s in &def.subject {
        let kind =
            SubjectKind::parse(s).ok_or_else(|| err(origin, format!("unknown subject `{s}`")))?;
        subjects.push(kind);
    }
    for k in def.messages.keys() {
        if !def.subject.contains(k) {
            return Err(err(
                origin,
                format!("[messages] names `{k}`, which is not a subject of this rule"),
            ));
        }
    }
    if subjects.is_empty() {
        return Err(err(origin, "a rule needs at least one subject"));
    }
    let when = compile(&def.when, &subjects).map_err(|e| err(origin, e))?;
    for kind in &subjects {
        let own = def.messages.get(kind.as_str()).unwrap_or(&def.message);
        for text in [own, &def.label] {
            for p in placeholders(text) {
                let known =
                    p == "resource" || V::parse(p).is_some_and(|v| kind.vars().any(|d| d.var == v));
                let matched = p
                    .strip_prefix("matched.")
                    .and_then(F::parse)
                    .is_some_and(|f| when.matches_list(f));
                if !known && !matched {
                    let vars: Vec<&str> = kind.vars().map(|d| d.name).chain(["resource"]).collect();
                    return Err(err(
                        origin,
                        format!(
                            "subject `{}` has no placeholder `{{{p}}}` (it has: {}; and \
                             `{{matched.<fact>}}` for a list fact the `when` matches)",
                            kind.as_str(),
                            vars.join(", ")
                        ),
                    ));
                }
            }
        }
    }
    Ok(Rule {
        def,
        subjects,
        when,
        origin: origin.to_string(),
    })
}

impl Registry {
    /// The rules shipped with kmslint.
    pub fn builtin() -> Result<Registry, RuleError> {
        let mut reg = Registry::default();
        for (name, text) in BUILTIN_RULES {
            reg.add(parse_rule(name, text)?)?;
        }
        Ok(reg)
    }

    pub fn add(&mut self, rule: Rule) -> Result<(), RuleError> {
        if self.rules.iter().any(|r| r.def.id == rule.def.id) {
            return Err(err(
                &rule.origin,
                format!("rule id `{}` is already defined", rule.def.id),
            ));
        }
        self.rules.push(rule);
        self.rules.sort_by(|a, b| a.def.id.cmp(&b.def.id));
        Ok(())
    }

    /// Adds every `*.toml` rule file in a directory.
    pub fn add_dir(&mut self, dir: &Path) -> Result<(), RuleError> {
        let origin = dir.display().to_string();
        let rd = std::fs::read_dir(dir)
            .map_err(|e| err(&origin, format!("cannot read rule directory: {e}")))?;
        let mut paths: Vec<_> = rd
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        for p in paths {
            let o = p.display().to_string();
            let text =
                std::fs::read_to_string(&p).map_err(|e| err(&o, format!("cannot read: {e}")))?;
            self.add(parse_rule(&o, &text)?)?;
        }
        Ok(())
    }

    /// This registry plus the config's own rules (`[custom_rules]`, already validated when the
    /// config was loaded; an id that is already present keeps its first definition).
    pub fn with_custom(&self, custom: &[Rule]) -> Registry {
        let mut reg = self.clone();
        for r in custom {
            let _ = reg.add(r.clone());
        }
        reg
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules
            .iter()
            .find(|r| r.def.id.eq_ignore_ascii_case(id))
    }

    pub fn ids(&self) -> Vec<&str> {
        self.rules.iter().map(|r| r.def.id.as_str()).collect()
    }

    /// Ids of the built-in rules, for validating a config before user rules are loaded.
    pub fn builtin_ids() -> BTreeSet<String> {
        BUILTIN_RULES
            .iter()
            .filter_map(|(name, _)| name.split('-').next().map(str::to_string))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_rule_parses_and_ids_are_unique() {
        let reg = match Registry::builtin() {
            Ok(r) => r,
            Err(e) => panic!("{e}"),
        };
        let ids = reg.ids();
        let unique: BTreeSet<&str> = ids.iter().copied().collect();
        assert_eq!(unique.len(), ids.len());
        for (name, _) in BUILTIN_RULES {
            let rule = reg.rules.iter().find(|r| r.origin == *name);
            let Some(rule) = rule else {
                panic!("{name} not loaded")
            };
            assert!(
                name.starts_with(&format!("{}-{}", rule.def.id, rule.def.name)),
                "{name} must be named <ID>-<name>.toml"
            );
        }
        insta::assert_snapshot!(ids.join("\n"));
    }

    #[test]
    fn a_rule_naming_a_missing_fact_is_rejected() {
        let text = r#"
id = "KMS900"
name = "x"
severity = "error"
subject = ["principal"]
summary = "s"
message = "m {statement}"
label = "l"
help = "h"
docs = "d"
[when]
colour = "red"
"#;
        let e = parse_rule("x.toml", text).err().map(|e| e.message);
        assert!(e.is_some_and(|m| m.contains("colour")));
        let bad_var = text
            .replace("colour = \"red\"", "")
            .replace("{statement}", "{nope}");
        assert!(parse_rule("x.toml", &bad_var).is_err());
    }
}
