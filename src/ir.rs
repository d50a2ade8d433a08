//! The intermediate representation between the front ends and the model: a resolved policy.
//!
//! Every front end (CloudFormation, Terraform, plans, bare policies) turns what it reads into
//! `PolicySite`s whose policy is a `Doc`: the same spanned tree for every input format, whose
//! leaves are `Value`s. Nothing unknown is ever guessed: a parameter without a default, a module
//! output or a resource attribute becomes an explicit `Part::Unknown` (or `DocKind::Unknown`)
//! with the reason, and the model treats it as "could be anything".

use crate::base::diag::InputError;
use crate::base::source::{FileId, Loc, SourceFile};
use std::sync::Arc;

/// Why a value is not known statically, and whose gap that is.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Why {
    pub reason: String,
    pub cause: Cause,
}

/// Whose gap an unknown value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cause {
    /// Only a deployment can supply it: a parameter or variable without a value, a resource
    /// attribute, a module output, another stack's export.
    Input,
    /// kmslint does not evaluate the construct that builds it (a function or syntax it does not
    /// implement): the gap is ours, not the user's.
    Unsupported,
    /// Already reported as a KMS000 where it happened: a limit hit, a syntax error.
    Reported,
}

impl Why {
    /// A value only a deployment can supply.
    pub fn input(reason: impl Into<String>) -> Self {
        Why {
            reason: reason.into(),
            cause: Cause::Input,
        }
    }

    /// A construct kmslint does not evaluate.
    pub fn unsupported(reason: impl Into<String>) -> Self {
        Why {
            reason: reason.into(),
            cause: Cause::Unsupported,
        }
    }

    /// A limit hit or an error already reported as a KMS000.
    pub fn reported(reason: impl Into<String>) -> Self {
        Why {
            reason: reason.into(),
            cause: Cause::Reported,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.reason
    }

    /// The expression the reason names, as a report shows it in place of the value: `var.admins`,
    /// `PartnerAccount` (a parameter), `emrEc2Role.Arn`, `templatefile(...)`. Reasons name their
    /// expression first in backquotes, or bare before "has no default" / "is only known after
    /// apply" and the like; a reason that names none is shown by what it says.
    pub fn expression(&self) -> String {
        let r = self.reason.as_str();
        // `parameter `X` has no Default`, `` `Ref X` is … ``, `` `R.Arn` is a resource attribute ``.
        if let Some(inner) = r.split('`').nth(1).filter(|i| !i.is_empty()) {
            let inner = inner.strip_prefix("Ref ").unwrap_or(inner);
            return inner.trim().to_string();
        }
        // Terraform: `var.x has no default …`, `aws_s3_bucket.b.arn is only known after apply`.
        for marker in [
            " has no default",
            " is only known after apply",
            " depends on the count/for_each expansion",
            " is read from the provider",
            " is an output of module",
        ] {
            if let Some((expr, _)) = r.split_once(marker) {
                if !expr.is_empty() && !expr.contains(' ') {
                    return expr.to_string();
                }
            }
        }
        // No expression to name: the message gives the reason in full.
        "unknown".to_string()
    }
}

impl std::fmt::Display for Why {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

/// Most unknowns are inputs only a deployment supplies; say so where it is otherwise.
impl From<String> for Why {
    fn from(reason: String) -> Self {
        Why::input(reason)
    }
}

impl From<&str> for Why {
    fn from(reason: &str) -> Self {
        Why::input(reason)
    }
}

/// How a report writes a value: in the words of the file it comes from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Dialect {
    #[default]
    CloudFormation,
    /// Terraform configurations and plans, and bare policies.
    Terraform,
}

impl Dialect {
    /// The dialect of a site's resource type (`AWS::KMS::Key` is CloudFormation).
    pub fn of_resource_type(resource_type: &str) -> Self {
        if resource_type.starts_with("AWS::") {
            Dialect::CloudFormation
        } else {
            Dialect::Terraform
        }
    }

    /// How the key's own account is written in a value.
    pub fn own_account(self) -> &'static str {
        match self {
            Dialect::CloudFormation => "${AWS::AccountId}",
            // `data.aws_caller_identity.<name>.account_id` is where it comes from; the name is
            // not kept, so say what it is.
            Dialect::Terraform => "<the key's own account>",
        }
    }
}

/// One piece of a string value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Part {
    Lit(String),
    /// The account the key is deployed into (`AWS::AccountId`, `aws_caller_identity`).
    SelfAccount,
    /// Something that cannot be known statically; the reason says what it is.
    Unknown(Why),
}

/// A scalar value: text in which some parts may be the key's own account or unknown.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Value {
    pub parts: Vec<Part>,
}

impl Value {
    /// Bytes the value takes, counting the own account as a 12-digit id with room to spare:
    /// what the string-length limits of `Fn::Sub`, `Fn::Join` and templates are charged.
    pub fn text_len(&self) -> usize {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Lit(s) => s.len(),
                Part::Unknown(w) => w.reason.len(),
                Part::SelfAccount => 16,
            })
            .sum()
    }

    pub fn lit(s: impl Into<String>) -> Self {
        let mut v = Value::default();
        v.push(Part::Lit(s.into()));
        v
    }

    pub fn self_account() -> Self {
        Value {
            parts: vec![Part::SelfAccount],
        }
    }

    pub fn unknown(why: impl Into<Why>) -> Self {
        Value {
            parts: vec![Part::Unknown(why.into())],
        }
    }

    /// Appends a part, merging adjacent literal text.
    pub fn push(&mut self, part: Part) {
        match (self.parts.last_mut(), part) {
            (_, Part::Lit(s)) if s.is_empty() => {}
            (Some(Part::Lit(prev)), Part::Lit(s)) => prev.push_str(&s),
            (_, p) => self.parts.push(p),
        }
    }

    pub fn append(&mut self, other: Value) {
        for p in other.parts {
            self.push(p);
        }
    }

    /// The text when the value is entirely literal.
    pub fn as_lit(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [] => Some(""),
            [Part::Lit(s)] => Some(s),
            _ => None,
        }
    }

    pub fn is_self_account(&self) -> bool {
        matches!(self.parts.as_slice(), [Part::SelfAccount])
    }

    /// The first unknown part, if any part is unknown.
    pub fn unknown_why(&self) -> Option<&Why> {
        self.parts.iter().find_map(|p| match p {
            Part::Unknown(w) => Some(w),
            _ => None,
        })
    }

    /// The first unknown part's reason, if any part is unknown.
    pub fn unknown_reason(&self) -> Option<&str> {
        self.parts.iter().find_map(|p| match p {
            Part::Unknown(r) => Some(r.as_str()),
            _ => None,
        })
    }

    /// Human-readable form, CloudFormation style: the own account as `${AWS::AccountId}`, an
    /// unknown part as the expression it stands for (`${PartnerAccount}`, `${var.admins}`).
    pub fn render(&self) -> String {
        self.render_as(Dialect::CloudFormation)
    }

    /// Human-readable form in the dialect of the file the value comes from: Terraform has no
    /// `AWS::AccountId`, so its own account is named in words there.
    pub fn render_as(&self, dialect: Dialect) -> String {
        // A Terraform value that is one expression is written as one: `var.admins`.
        if let (Dialect::Terraform, [Part::Unknown(w)]) = (dialect, self.parts.as_slice()) {
            return w.expression();
        }
        let mut s = String::new();
        for p in &self.parts {
            match p {
                Part::Lit(t) => s.push_str(t),
                Part::SelfAccount => s.push_str(dialect.own_account()),
                Part::Unknown(w) => {
                    s.push_str("${");
                    s.push_str(&w.expression());
                    s.push('}');
                }
            }
        }
        s
    }

    /// Splits on a literal separator, keeping non-literal parts inside the pieces and never
    /// splitting inside a `${…}` placeholder. Used to take an ARN apart:
    /// `arn:${AWS::Partition}:iam::${AWS::AccountId}:root` -> [arn, ${AWS::Partition}, iam, , [SelfAccount], root].
    pub fn split(&self, sep: char) -> Vec<Value> {
        let mut out = vec![Value::default()];
        let mut in_placeholder = false;
        for p in &self.parts {
            match p {
                Part::Lit(t) => {
                    let mut piece = String::new();
                    let mut chars = t.chars().peekable();
                    while let Some(c) = chars.next() {
                        if c == '$' && chars.peek() == Some(&'{') {
                            in_placeholder = true;
                        } else if c == '}' {
                            in_placeholder = false;
                        }
                        if c == sep && !in_placeholder {
                            if let Some(cur) = out.last_mut() {
                                cur.push(Part::Lit(std::mem::take(&mut piece)));
                            }
                            out.push(Value::default());
                        } else {
                            piece.push(c);
                        }
                    }
                    if let Some(cur) = out.last_mut() {
                        cur.push(Part::Lit(piece));
                    }
                }
                other => {
                    if let Some(cur) = out.last_mut() {
                        cur.push(other.clone());
                    }
                }
            }
        }
        out
    }
}

/// A resolved, spanned document: the policy as AWS will receive it, with each element's location
/// in the user's files. Duplicate keys are kept.
#[derive(Clone, Debug, PartialEq)]
pub struct Doc {
    pub kind: DocKind,
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq)]
pub enum DocKind {
    Scalar(Value),
    /// JSON/YAML null or an absent value (`AWS::NoValue`).
    Null,
    List(Vec<Doc>),
    Map(Vec<DocEntry>),
    /// Several alternatives, any of which may be deployed (`Fn::If`, Terraform conditionals).
    Choice(Vec<Doc>),
    /// A whole subtree that cannot be known statically (a list from a variable, a module output).
    Unknown(Why),
}

#[derive(Clone, Debug, PartialEq)]
pub struct DocEntry {
    pub key: String,
    pub key_loc: Loc,
    pub value: Doc,
}

impl Doc {
    pub fn new(kind: DocKind, loc: Loc) -> Self {
        Doc { kind, loc }
    }

    pub fn scalar(value: Value, loc: Loc) -> Self {
        Doc::new(DocKind::Scalar(value), loc)
    }

    pub fn entries(&self) -> &[DocEntry] {
        match &self.kind {
            DocKind::Map(e) => e,
            _ => &[],
        }
    }

    /// Every entry whose key equals `key`, ASCII case-insensitively when `ci` is set. IAM policy
    /// element names are case-sensitive; condition keys are not.
    pub fn all<'a>(&'a self, key: &'a str, ci: bool) -> impl Iterator<Item = &'a DocEntry> + 'a {
        self.entries().iter().filter(move |e| {
            if ci {
                e.key.eq_ignore_ascii_case(key)
            } else {
                e.key == key
            }
        })
    }

    pub fn get(&self, key: &str) -> Option<&Doc> {
        self.entries()
            .iter()
            .rev()
            .find(|e| e.key == key)
            .map(|e| &e.value)
    }

    pub fn as_value(&self) -> Option<&Value> {
        match &self.kind {
            DocKind::Scalar(v) => Some(v),
            _ => None,
        }
    }

    /// The elements of a list, or the value itself when it is a single element; alternatives of a
    /// `Choice` are all included (any of them may be deployed).
    pub fn flatten(&self) -> Vec<&Doc> {
        let mut out = Vec::new();
        self.flatten_into(&mut out);
        out
    }

    /// The same document with "the key's own account" written as `account`: a value evaluated
    /// for a key in that account, made independent of the key.
    pub fn with_self_account(&self, account: &str) -> Doc {
        let kind = match &self.kind {
            DocKind::Scalar(v) => {
                let mut out = Value::default();
                for p in &v.parts {
                    out.push(match p {
                        Part::SelfAccount => Part::Lit(account.to_string()),
                        other => other.clone(),
                    });
                }
                DocKind::Scalar(out)
            }
            DocKind::List(items) => {
                DocKind::List(items.iter().map(|d| d.with_self_account(account)).collect())
            }
            DocKind::Choice(items) => {
                DocKind::Choice(items.iter().map(|d| d.with_self_account(account)).collect())
            }
            DocKind::Map(entries) => DocKind::Map(
                entries
                    .iter()
                    .map(|e| DocEntry {
                        key: e.key.clone(),
                        key_loc: e.key_loc,
                        value: e.value.with_self_account(account),
                    })
                    .collect(),
            ),
            other => other.clone(),
        };
        Doc::new(kind, self.loc)
    }

    /// The values a `Choice` may be (nested choices included), or the value itself.
    pub fn alternatives(&self) -> Vec<&Doc> {
        match &self.kind {
            DocKind::Choice(alts) => alts.iter().flat_map(Doc::alternatives).collect(),
            _ => vec![self],
        }
    }

    fn flatten_into<'a>(&'a self, out: &mut Vec<&'a Doc>) {
        match &self.kind {
            DocKind::List(items) => items.iter().for_each(|d| d.flatten_into(out)),
            DocKind::Choice(alts) => alts.iter().for_each(|d| d.flatten_into(out)),
            DocKind::Null => {}
            _ => out.push(self),
        }
    }
}

/// The files analysed together: one CloudFormation template, or one Terraform module directory
/// (its `.tf`/`.tf.json` files, tfvars and any `file()` it reads). `FileId(i)` is `files[i]`.
#[derive(Debug, Default)]
pub struct Unit {
    pub files: Vec<Arc<SourceFile>>,
}

impl Unit {
    pub fn single(file: Arc<SourceFile>) -> Self {
        Unit { files: vec![file] }
    }

    pub fn file(&self, id: FileId) -> Option<&Arc<SourceFile>> {
        self.files.get(id.0 as usize)
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, file: Arc<SourceFile>) -> FileId {
        self.files.push(file);
        FileId(self.files.len().saturating_sub(1) as u32)
    }
}

/// One key policy or grant found in a unit.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicySite {
    /// CloudFormation logical id, or Terraform address (`aws_kms_key.logs`,
    /// `module.logs.aws_kms_key.this`).
    pub resource: String,
    /// `AWS::KMS::Key`, `aws_kms_key_policy`, ...
    pub resource_type: String,
    /// The resource declaration (its logical id or block label).
    pub loc: Loc,
    /// The account that owns the key when the file says so literally (plans, bare policies,
    /// `--key-account`); otherwise the key's account is "self".
    pub key_account: Option<Value>,
    pub body: SiteBody,
    /// Resource tags, for the inventory and tagging rules.
    pub tags: Vec<(String, Value)>,
}

impl PolicySite {
    /// The key's account for the trust decision: the literal account, or, when the site says
    /// the account is not known, the reason (never an account id: see `TrustConfig::decide`).
    pub fn key_account_arg(&self) -> Option<String> {
        let v = self.key_account.as_ref()?;
        v.as_lit().map(str::to_string).or_else(|| {
            v.parts.iter().find_map(|p| match p {
                Part::Unknown(w) => Some(w.reason.clone()),
                _ => None,
            })
        })
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum SiteBody {
    /// A key policy document, resolved.
    KeyPolicy(Doc),
    /// A key declared without a policy: AWS applies the default key policy (own account only).
    DefaultPolicy,
    /// A grant (`aws_kms_grant`, `AWS::KMS::Grant` is not a CloudFormation type).
    Grant(Grant),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Grant {
    pub grantee: Option<Doc>,
    pub retiring: Option<Doc>,
    pub operations: Vec<Doc>,
}

/// What extraction found in one unit.
#[derive(Debug, Default)]
pub struct Extracted {
    pub sites: Vec<PolicySite>,
    pub errors: Vec<InputError>,
    /// Aliases declared for keys: (the key's resource name, `alias/…`), for the inventory.
    pub aliases: Vec<(String, String)>,
    /// Names a template declares more than once (logical ids, sections).
    pub duplicate_ids: Vec<DuplicateId>,
    /// Parts of a policy that only some deployments have (a branch of `Fn::If`): a finding
    /// inside `scope` names the condition.
    pub conditional: Vec<Conditional>,
    /// Values of a site that crossed a module call (Terraform module instances).
    pub via: Vec<SiteVia>,
}

impl Extracted {
    /// Takes in everything another extraction found (a nested template, a stack's template).
    pub fn absorb(&mut self, from: Extracted) {
        self.sites.extend(from.sites);
        self.errors.extend(from.errors);
        self.aliases.extend(from.aliases);
        self.duplicate_ids.extend(from.duplicate_ids);
        self.conditional.extend(from.conditional);
        self.via.extend(from.via);
    }
}

/// A part of the input deployed only under a condition.
#[derive(Clone, Debug, PartialEq)]
pub struct Conditional {
    /// The part (an `Fn::If` branch).
    pub scope: Loc,
    /// Where the condition is named.
    pub at: Loc,
    /// When it is deployed: "condition `IsPublic` is true (`Mode` = `public`)".
    pub when: String,
}

impl Conditional {
    /// Each branch once, in source order: a branch evaluated again (another instance of a
    /// resource, another reference to a condition) is still one note.
    pub fn dedup(all: &mut Vec<Conditional>) {
        all.sort_by(|a, b| (a.scope, a.at, &a.when).cmp(&(b.scope, b.at, &b.when)));
        all.dedup();
    }
}

/// A name declared more than once where it must be unique: a logical id in `Resources` (or a
/// `Parameters`/`Conditions`/`Mappings` entry), or a top-level section. CloudFormation keeps the
/// last copy (observed; AWS documents only that logical ids "must be unique" and that duplicate
/// sections give "undefined behavior").
#[derive(Clone, Debug, PartialEq)]
pub struct DuplicateId {
    /// `Resources`, `Parameters`, …, or `template` for a duplicated section.
    pub section: String,
    pub name: String,
    /// Every declaration, in order; the last is the one deployed.
    pub locs: Vec<Loc>,
}

/// A value of a module instance's site that the caller supplied: a finding inside `arg` (the
/// caller's argument) is shown at `at` (where the module uses the value) with `arg` as a related
/// location, and a finding at `at` also shows `arg`. With no `at`, every finding of the site
/// shows `arg` and the note (a bundled module source, which version was assumed).
#[derive(Clone, Debug, PartialEq)]
pub struct SiteVia {
    /// The site's resource address.
    pub resource: String,
    pub at: Option<Loc>,
    pub arg: Loc,
    pub note: String,
    /// Shown only with a finding no other crossing of the site explains (the module call).
    pub fallback: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_keeps_symbolic_parts_in_their_field() {
        let mut v = Value::lit("arn:aws:iam::");
        v.push(Part::SelfAccount);
        v.push(Part::Lit(":root".into()));
        let f = v.split(':');
        assert_eq!(f.len(), 6);
        assert!(f[4].is_self_account());
        assert_eq!(f[5].as_lit(), Some("root"));
        assert_eq!(v.render(), "arn:aws:iam::${AWS::AccountId}:root");
        let mut p = Value::lit("arn:${AWS::Partition}:iam::");
        p.push(Part::SelfAccount);
        p.push(Part::Lit(":root".into()));
        let f = p.split(':');
        assert_eq!(f.len(), 6);
        assert_eq!(f[1].as_lit(), Some("${AWS::Partition}"));
        assert!(f[4].is_self_account());
    }

    #[test]
    fn push_merges_literals() {
        let mut v = Value::lit("a");
        v.push(Part::Lit("b".into()));
        v.push(Part::Lit(String::new()));
        assert_eq!(v.as_lit(), Some("ab"));
    }
}
