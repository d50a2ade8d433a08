//! `kmslint.toml`: raw serde structs (unknown keys are errors that point at the key), validated
//! into a typed `Config`; `resolve` decides which config governs each file.

mod resolve;

pub use resolve::{ConfigUse, Resolved, Resolver};

use crate::base::aws::{is_account_id, is_org_id};
use crate::base::limits::Limits;
use crate::base::printable;
use crate::base::severity::{RuleLevel, Severity};
use crate::base::source::Span;
use crate::base::trust::TrustConfig;
use crate::inventory::TagNames;
use crate::rules::engine::Levels;
use crate::rules::registry::{Registry, Rule};
use miette::{Diagnostic, NamedSource, SourceSpan};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

pub const CONFIG_NAMES: [&str; 2] = ["kmslint.toml", ".kmslint.toml"];

/// The rule a file that cannot be read or parsed is reported under: never off, never lowered.
const PARSE_ERROR: &str = "KMS000";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    trust: RawTrust,
    #[serde(default)]
    rules: BTreeMap<String, String>,
    #[serde(default)]
    scan: RawScan,
    #[serde(default)]
    custom_rules: RawCustomRules,
    #[serde(default)]
    inventory: TagNames,
    #[serde(default)]
    suppressions: RawSuppressions,
}

/// `[suppressions] max_days`: how far ahead an `until=` may be.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSuppressions {
    #[serde(default)]
    max_days: Option<u32>,
}

/// How far ahead a suppression's `until=` may be, by default: a year.
pub const DEFAULT_MAX_DAYS: u32 = 365;

/// `[custom_rules] dirs = ["…"]`: folders of the team's own rule files, relative to the config.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCustomRules {
    #[serde(default)]
    dirs: Vec<toml::Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTrust {
    #[serde(default)]
    own_accounts: Vec<toml::Spanned<String>>,
    #[serde(default)]
    accounts: Vec<toml::Spanned<String>>,
    #[serde(default)]
    organizations: Vec<toml::Spanned<String>>,
    #[serde(default)]
    principals: Vec<toml::Spanned<String>>,
    #[serde(default)]
    names: BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScan {
    #[serde(default)]
    exclude: Vec<toml::Spanned<String>>,
    #[serde(default)]
    max_file_size: Option<u64>,
}

#[derive(Clone, Debug, Default)]
pub struct Config {
    pub trust: TrustConfig,
    pub rule_levels: Levels,
    pub exclude: Vec<String>,
    pub max_file_size: Option<u64>,
    /// The team's own rules, loaded from `[custom_rules] dirs` and validated like built-in ones.
    pub custom_rules: Vec<Rule>,
    pub inventory: TagNames,
    /// `[suppressions] max_days`: an `until=` further ahead is invalid (KMS011).
    pub max_days: Option<u32>,
    /// The file this came from, if any.
    pub source: Option<PathBuf>,
}

/// A configuration file that could not be used, with the span of the offending text.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(kmslint::config))]
pub struct ConfigError {
    pub message: String,
    #[source_code]
    pub src: NamedSource<String>,
    #[label("{label}")]
    pub span: Option<SourceSpan>,
    pub label: String,
    #[help]
    pub help: Option<String>,
}

impl ConfigError {
    fn new(path: &Path, text: &str, message: String, span: Option<Span>, help: &str) -> Box<Self> {
        // A config is repository content: printed, nothing in it may drive the terminal.
        Box::new(ConfigError {
            message: printable::text(&message).into_owned(),
            src: NamedSource::new(
                &*printable::text(&path.display().to_string()),
                printable::neutralise(text).into_owned(),
            ),
            span: span.map(|s| SourceSpan::from(s.start..s.end)),
            label: "here".into(),
            help: (!help.is_empty()).then(|| help.to_string()),
        })
    }

    /// An error about the file as a whole (it could not be read).
    pub fn io(path: &Path, err: &std::io::Error) -> Box<Self> {
        ConfigError::new(
            path,
            "",
            format!("cannot read config file {}: {err}", path.display()),
            None,
            "",
        )
    }
}

impl Config {
    pub fn from_toml(
        path: &Path,
        text: &str,
        known_rules: &[&str],
    ) -> Result<Config, Box<ConfigError>> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let span = e.span().map(|r| Span::new(r.start, r.end));
            ConfigError::new(
                path,
                text,
                format!("invalid config: {}", e.message().trim()),
                span,
                "see README.md (\"Configuration\") for the keys kmslint.toml accepts",
            )
        })?;
        let mut exclude = Vec::new();
        for pat in raw.scan.exclude {
            if let Err(e) = globset::Glob::new(pat.get_ref()) {
                let r = pat.span();
                return Err(ConfigError::new(
                    path,
                    text,
                    format!("invalid exclude pattern `{}`: {e}", pat.get_ref()),
                    Some(Span::new(r.start, r.end)),
                    "patterns are globs relative to this file's directory: \"cdk.out/**\"",
                ));
            }
            exclude.push(pat.into_inner());
        }
        let mut cfg = Config {
            source: Some(path.to_path_buf()),
            exclude,
            max_file_size: raw.scan.max_file_size,
            inventory: raw.inventory,
            max_days: raw.suppressions.max_days,
            ..Config::default()
        };
        let account =
            |list: Vec<toml::Spanned<String>>| -> Result<BTreeSet<String>, Box<ConfigError>> {
                let mut out = BTreeSet::new();
                for v in list {
                    let s = v.get_ref().trim().to_string();
                    if !is_account_id(&s) {
                        let r = v.span();
                        return Err(ConfigError::new(
                            path,
                            text,
                            format!("`{s}` is not an AWS account id"),
                            Some(Span::new(r.start, r.end)),
                            "account ids are 12 digits, quoted: \"111122223333\"",
                        ));
                    }
                    out.insert(s);
                }
                Ok(out)
            };
        cfg.trust.own_accounts = account(raw.trust.own_accounts)?;
        cfg.trust.accounts = account(raw.trust.accounts)?;
        for v in raw.trust.organizations {
            let s = v.get_ref().trim().to_string();
            if !is_org_id(&s) {
                let r = v.span();
                return Err(ConfigError::new(
                    path,
                    text,
                    format!("`{s}` is not an AWS Organizations id"),
                    Some(Span::new(r.start, r.end)),
                    "organization ids look like \"o-a1b2c3d4e5\"",
                ));
            }
            cfg.trust.organizations.insert(s);
        }
        for v in raw.trust.principals {
            let s = v.get_ref().trim().to_string();
            if !s.starts_with("arn:") || s.contains('*') {
                let r = v.span();
                return Err(ConfigError::new(
                    path,
                    text,
                    format!("`{s}` is not a principal ARN"),
                    Some(Span::new(r.start, r.end)),
                    "trusted principals are exact ARNs: \"arn:aws:iam::444455556666:role/VendorRead\"",
                ));
            }
            cfg.trust.principals.insert(s);
        }
        cfg.trust.names = raw.trust.names;
        let base = path.parent().unwrap_or(Path::new("."));
        let mut custom = Registry::default();
        for dir in raw.custom_rules.dirs {
            let r = dir.span();
            let span = Some(Span::new(r.start, r.end));
            let full = base.join(dir.get_ref());
            if let Err(e) = custom.add_dir(&full) {
                return Err(ConfigError::new(
                    path,
                    text,
                    format!("[custom_rules] {}: {e}", dir.get_ref()),
                    span,
                    "rule files are TOML like the built-in ones: `kmslint explain KMS001` shows one's docs, and rules/ in the kmslint repository holds their sources",
                ));
            }
            if let Some(clash) = custom
                .rules
                .iter()
                .find(|r| known_rules.contains(&r.def.id.as_str()))
            {
                return Err(ConfigError::new(
                    path,
                    text,
                    format!(
                        "rule file {}: rule id `{}` is already a built-in rule",
                        clash.origin, clash.def.id
                    ),
                    span,
                    "give the team's rules their own ids, e.g. ORG-001",
                ));
            }
        }
        cfg.custom_rules = custom.rules;
        for (rule, level) in raw.rules {
            let id = rule.to_ascii_uppercase();
            let find_span = || text.find(&rule).map(|at| Span::new(at, at + rule.len()));
            let custom_id = cfg.custom_rules.iter().any(|r| r.def.id == id);
            if !known_rules.contains(&id.as_str()) && !custom_id {
                return Err(ConfigError::new(
                    path,
                    text,
                    format!("unknown rule `{rule}` in [rules]"),
                    find_span(),
                    "`kmslint rules` lists the rule ids",
                ));
            }
            let lvl = match level.as_str() {
                "off" => RuleLevel::Off,
                s => match Severity::parse(s) {
                    Some(sev) => RuleLevel::On(sev),
                    None => {
                        return Err(ConfigError::new(
                            path,
                            text,
                            format!("`{level}` is not a rule level for {rule}"),
                            find_span(),
                            "use \"off\", \"note\", \"warning\" or \"error\"",
                        ))
                    }
                },
            };
            if id == PARSE_ERROR && lvl != RuleLevel::On(Severity::Error) {
                return Err(ConfigError::new(
                    path,
                    text,
                    format!("{PARSE_ERROR} (parse-error) cannot be set to `{level}`: a file kmslint cannot read is never checked"),
                    find_span(),
                    "to skip a file that cannot be parsed, list it in [scan] exclude (the summary reports it)",
                ));
            }
            cfg.rule_levels.insert(id, lvl);
        }
        Ok(cfg)
    }

    pub fn load(path: &Path, known_rules: &[&str]) -> Result<Config, Box<ConfigError>> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::io(path, &e))?;
        Config::from_toml(path, &text, known_rules)
    }

    /// How far ahead a suppression's `until=` may be.
    pub fn max_days(&self) -> u32 {
        self.max_days.unwrap_or(DEFAULT_MAX_DAYS)
    }

    /// The limits the scan keeps to.
    pub fn limits(&self) -> Limits {
        match self.max_file_size {
            Some(max_file_size) => Limits { max_file_size },
            None => Limits::default(),
        }
    }
}

/// Finds `kmslint.toml` or `.kmslint.toml` from `start` upward, stopping at a repository root
/// (a directory holding `.git`).
pub fn discover(start: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(start).ok()?;
    let mut dir = if start.is_dir() {
        Some(start.as_path())
    } else {
        start.parent()
    };
    while let Some(d) = dir {
        for name in CONFIG_NAMES {
            let candidate = d.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
        if d.join(".git").exists() {
            return None;
        }
        dir = d.parent();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: &[&str] = &["KMS001", "KMS009"];

    #[test]
    fn reads_every_section() {
        let text = r#"
[trust]
own_accounts = ["111111111111"]
accounts = ["222222222222"]
organizations = ["o-a1b2c3d4e5"]
principals = ["arn:aws:iam::444444444444:role/VendorRead"]
[trust.names]
"222222222222" = "log-archive"
[rules]
KMS009 = "off"
KMS001 = "warning"
[scan]
exclude = ["cdk.out/**"]
"#;
        let cfg = Config::from_toml(Path::new("kmslint.toml"), text, RULES);
        let cfg = match cfg {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        };
        assert!(cfg.trust.own_accounts.contains("111111111111"));
        assert!(cfg.trust.accounts.contains("222222222222"));
        assert_eq!(cfg.trust.account_name("222222222222"), Some("log-archive"));
        assert_eq!(cfg.rule_levels.get("KMS009"), Some(&RuleLevel::Off));
        assert_eq!(
            cfg.rule_levels.get("KMS001"),
            Some(&RuleLevel::On(Severity::Warning))
        );
        assert_eq!(cfg.exclude, vec!["cdk.out/**".to_string()]);
    }

    #[test]
    fn unknown_key_points_at_the_key() {
        let text = "[trust]\naccounts = []\nacounts_typo = [\"1\"]\n";
        let err = Config::from_toml(Path::new("kmslint.toml"), text, RULES).err();
        let err = err.map(|e| (e.message.clone(), e.span));
        let Some((msg, Some(span))) = err else {
            panic!("expected an error with a span")
        };
        assert!(msg.contains("acounts_typo"), "{msg}");
        assert_eq!(
            &text[span.offset()..span.offset() + span.len()],
            "acounts_typo"
        );
    }

    #[test]
    fn bad_account_id_and_unknown_rule_are_errors() {
        let bad = Config::from_toml(Path::new("k"), "[trust]\naccounts = [\"12345\"]", RULES);
        assert!(bad.is_err());
        let rule = Config::from_toml(Path::new("k"), "[rules]\nKMS999 = \"off\"", RULES);
        assert!(rule.is_err());
        let level = Config::from_toml(Path::new("k"), "[rules]\nKMS001 = \"loud\"", RULES);
        assert!(level.is_err());
    }

    #[test]
    fn kms000_stays_an_error() {
        let rules = &["KMS000", "KMS001"];
        for level in ["off", "note", "warning"] {
            let text = format!("[rules]\nKMS000 = \"{level}\"\n");
            let err = Config::from_toml(Path::new("k"), &text, rules).err();
            let Some(err) = err else {
                panic!("KMS000 = {level} was accepted")
            };
            assert!(err.message.contains("KMS000"), "{}", err.message);
            let span = err.span.map(|s| &text[s.offset()..s.offset() + s.len()]);
            assert_eq!(span, Some("KMS000"));
        }
        assert!(Config::from_toml(Path::new("k"), "[rules]\nKMS000 = \"error\"", rules).is_ok());
    }

    #[test]
    fn max_days_and_bad_exclude() {
        let cfg = Config::from_toml(Path::new("k"), "[suppressions]\nmax_days = 30\n", RULES);
        assert_eq!(cfg.map(|c| c.max_days()).ok(), Some(30));
        assert_eq!(Config::default().max_days(), DEFAULT_MAX_DAYS);
        let text = "[scan]\nexclude = [\"a/[\"]\n";
        let err = Config::from_toml(Path::new("k"), text, RULES).err();
        let span = err
            .and_then(|e| e.span)
            .map(|s| &text[s.offset()..s.offset() + s.len()]);
        assert_eq!(span, Some("\"a/[\""));
    }
}
