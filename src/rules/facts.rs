//! The rules' vocabulary: what a finding can be about (`SubjectKind`), the facts a rule's `when`
//! can test (`F`) and the words a message can use (`V`). One table each, used both by the code
//! that produces subjects (`subjects`, `suppress`) and by the rule-file validator, so a rule
//! naming a fact its subject lacks is rejected when it is loaded, and a producer cannot set a fact
//! the table does not declare for its subject.

use crate::base::source::Loc;
use crate::model::condition::Tri;
use crate::model::Actions;
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SubjectKind {
    Principal,
    ConditionValue,
    Duplicate,
    Grant,
    Policy,
    ParseError,
    /// A `kmslint:ignore` comment or `Metadata.kmslint.ignore` entry that is invalid, expired or
    /// unused (see `suppress`).
    Suppression,
    /// A name a template declares twice (a logical id, a section).
    DuplicateId,
}

const ALL_SUBJECTS: [SubjectKind; 8] = [
    SubjectKind::Principal,
    SubjectKind::ConditionValue,
    SubjectKind::Duplicate,
    SubjectKind::Grant,
    SubjectKind::Policy,
    SubjectKind::ParseError,
    SubjectKind::Suppression,
    SubjectKind::DuplicateId,
];

impl SubjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Principal => "principal",
            SubjectKind::ConditionValue => "condition_value",
            SubjectKind::Duplicate => "duplicate",
            SubjectKind::Grant => "grant",
            SubjectKind::Policy => "policy",
            SubjectKind::ParseError => "parse_error",
            SubjectKind::Suppression => "suppression",
            SubjectKind::DuplicateId => "duplicate_id",
        }
    }

    pub fn parse(s: &str) -> Option<SubjectKind> {
        ALL_SUBJECTS.into_iter().find(|k| k.as_str() == s)
    }

    /// The facts this subject provides, in table order.
    pub fn facts(self) -> impl Iterator<Item = &'static FactDef> {
        FACTS.iter().filter(move |d| d.subjects.contains(&self))
    }

    /// The message placeholders this subject provides, in table order.
    pub fn vars(self) -> impl Iterator<Item = &'static VarDef> {
        VARS.iter().filter(move |d| d.subjects.contains(&self))
    }
}

/// The kind of value a fact holds, which decides the tests a rule may apply to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FactType {
    Bool,
    /// One of the listed words (any word when the list is empty).
    Word(&'static [&'static str]),
    /// A list of words; `contains`, `contains_any`, `empty`.
    List,
    /// The statement's actions; `allows_any` (IAM wildcards and `NotAction` honoured), `empty`.
    Actions,
}

/// The facts rules can test. Names are the rule files' spelling (`F::name`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum F {
    Effect,
    Element,
    Kind,
    Trust,
    Root,
    CallerRestricted,
    CallerScope,
    NetworkRestricted,
    ServiceScoped,
    Actions,
    ConditionKeys,
    Principals,
    KeyKind,
    Role,
    Known,
    CrossAccount,
    HasTag,
    Problem,
    Cause,
    Administers,
    Rejected,
    StatementsRead,
}

pub struct FactDef {
    pub fact: F,
    pub name: &'static str,
    pub ty: FactType,
    pub subjects: &'static [SubjectKind],
    /// One line for docs/custom-rules.md and validation messages.
    pub doc: &'static str,
}

use SubjectKind as S;

const STATEMENT: &[SubjectKind] = &[S::Principal, S::ConditionValue];
const TRUST_WORDS: &[&str] = &["self", "trusted", "untrusted", "unknown", "any", "none"];
const SCOPE_WORDS: &[&str] = &["self", "trusted", "untrusted", "unknown", "any"];
const KIND_WORDS: &[&str] = &["wildcard", "aws", "service", "federated", "canonical_user"];

/// Every fact, the subjects that have it and its type.
pub const FACTS: &[FactDef] = &[
    FactDef {
        fact: F::Effect,
        name: "effect",
        ty: FactType::Word(&["allow", "deny"]),
        subjects: &[S::Principal, S::ConditionValue, S::Grant, S::Policy],
        doc: "the statement's Effect (a grant, and a policy-level subject, are `allow`)",
    },
    FactDef {
        fact: F::Element,
        name: "element",
        ty: FactType::Word(&["principal", "not_principal", "condition"]),
        subjects: STATEMENT,
        doc: "where the subject is written: `principal`, `not_principal` or `condition`",
    },
    FactDef {
        fact: F::Kind,
        name: "kind",
        ty: FactType::Word(KIND_WORDS),
        subjects: &[S::Principal, S::Grant],
        doc: "what the principal names: `wildcard`, `aws`, `service`, `federated`, `canonical_user`",
    },
    FactDef {
        fact: F::Trust,
        name: "trust",
        ty: FactType::Word(TRUST_WORDS),
        subjects: &[S::Principal, S::ConditionValue, S::Grant, S::Policy],
        doc: "where its account stands: `self`, `trusted`, `untrusted`, `unknown`, `any`, `none` (a service)",
    },
    FactDef {
        fact: F::Root,
        name: "root",
        ty: FactType::Bool,
        subjects: &[S::Principal],
        doc: "the principal is an account root (`arn:…:root` or a bare account id)",
    },
    FactDef {
        fact: F::CallerRestricted,
        name: "caller_restricted",
        ty: FactType::Bool,
        subjects: &[S::Principal],
        doc: "a condition pins the caller to fixed accounts or organizations (unknown when its values are)",
    },
    FactDef {
        fact: F::CallerScope,
        name: "caller_scope",
        ty: FactType::Word(SCOPE_WORDS),
        subjects: &[S::Principal, S::ConditionValue, S::Grant, S::Policy],
        doc: "the broadest set of accounts that can call, after principal and conditions",
    },
    FactDef {
        fact: F::NetworkRestricted,
        name: "network_restricted",
        ty: FactType::Bool,
        subjects: &[S::Principal],
        doc: "only network conditions (VPC, endpoint, IP range) narrow the caller",
    },
    FactDef {
        fact: F::ServiceScoped,
        name: "service_scoped",
        ty: FactType::Bool,
        subjects: &[S::Principal],
        doc: "a source condition (`aws:SourceAccount`, `aws:SourceArn`, an encryption-context ARN) ties a service principal to resources of fixed accounts (unknown when their account is)",
    },
    FactDef {
        fact: F::Actions,
        name: "actions",
        ty: FactType::Actions,
        subjects: STATEMENT,
        doc: "the statement's actions (`Action` or `NotAction`)",
    },
    FactDef {
        fact: F::ConditionKeys,
        name: "condition_keys",
        ty: FactType::List,
        subjects: STATEMENT,
        doc: "the condition keys the statement tests, lower case",
    },
    FactDef {
        fact: F::Principals,
        name: "principals",
        ty: FactType::List,
        subjects: STATEMENT,
        doc: "every principal the statement names, as written",
    },
    FactDef {
        fact: F::KeyKind,
        name: "key_kind",
        ty: FactType::Word(&["account", "organization", "organization path", "ARN", "user id"]),
        subjects: &[S::ConditionValue],
        doc: "what a restricting condition key names",
    },
    FactDef {
        fact: F::Role,
        name: "role",
        ty: FactType::Word(&["grantee", "retiring principal"]),
        subjects: &[S::Grant],
        doc: "the grant principal's role",
    },
    FactDef {
        fact: F::Known,
        name: "known",
        ty: FactType::Bool,
        subjects: &[S::Policy],
        doc: "the whole policy could be read statically",
    },
    FactDef {
        fact: F::CrossAccount,
        name: "cross_account",
        ty: FactType::Bool,
        subjects: &[S::Policy],
        doc: "the key gives access to principals outside its own account",
    },
    FactDef {
        fact: F::HasTag,
        name: "has_tag",
        ty: FactType::Bool,
        subjects: &[S::Policy],
        doc: "the key carries the justification tag (`[inventory] justification_tag`)",
    },
    FactDef {
        fact: F::Cause,
        name: "cause",
        ty: FactType::Word(&["none", "input", "unsupported", "reported"]),
        subjects: &[S::Principal, S::ConditionValue, S::Grant, S::Policy],
        doc: "why a value is not known: `none` (it is), `input` (only a deployment supplies it), `unsupported` (kmslint does not evaluate it), `reported` (a KMS000 already says why)",
    },
    FactDef {
        fact: F::Administers,
        name: "administers",
        ty: FactType::Bool,
        subjects: STATEMENT,
        doc: "the statement allows an action that administers, disables or deletes the key (kms:PutKeyPolicy, kms:ScheduleKeyDeletion, kms:Disable*, …)",
    },
    FactDef {
        fact: F::Rejected,
        name: "rejected",
        ty: FactType::Bool,
        subjects: &[S::Policy],
        doc: "AWS would reject the policy at deploy time (a malformed principal, `Effect`, statement, …)",
    },
    FactDef {
        fact: F::Problem,
        name: "problem",
        ty: FactType::Word(&[
            "malformed",
            "unknown_rule",
            "missing_reason",
            "expired",
            "unused",
            "unsuppressible",
            "too_far",
            "ambiguous",
        ]),
        subjects: &[S::Suppression],
        doc: "what is wrong with a suppression",
    },
    FactDef {
        fact: F::StatementsRead,
        name: "statements_read",
        ty: FactType::Bool,
        subjects: &[S::Principal, S::ConditionValue, S::Grant, S::Policy],
        doc: "on a policy subject that is not wholly known: some statement of it could be read (false: none of it was checked); absent on other subjects",
    },
];

impl F {
    pub fn def(self) -> &'static FactDef {
        // Every variant has exactly one row (checked by a test); the fallback is never taken.
        FACTS.iter().find(|d| d.fact == self).unwrap_or(&FACTS[0])
    }

    pub fn name(self) -> &'static str {
        self.def().name
    }

    pub fn parse(name: &str) -> Option<F> {
        FACTS.iter().find(|d| d.name == name).map(|d| d.fact)
    }
}

/// Message placeholders (`{statement}`), by subject.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum V {
    Statement,
    Principal,
    Type,
    Account,
    Conditions,
    Reason,
    Key,
    Value,
    Count,
    Role,
    Tag,
    Message,
    Rules,
    Until,
    Detail,
    Admin,
    AdminActions,
    Section,
}

pub struct VarDef {
    pub var: V,
    pub name: &'static str,
    pub subjects: &'static [SubjectKind],
}

/// Every placeholder and the subjects that fill it. `{resource}` (the key's resource name) is
/// available to every subject, and `{matched.<fact>}` to a rule whose `when` matches that list
/// fact (see `schema`).
pub const VARS: &[VarDef] = &[
    VarDef {
        var: V::Statement,
        name: "statement",
        subjects: STATEMENT,
    },
    VarDef {
        var: V::Principal,
        name: "principal",
        subjects: &[S::Principal, S::ConditionValue, S::Grant],
    },
    VarDef {
        var: V::Type,
        name: "type",
        subjects: &[S::Principal],
    },
    VarDef {
        var: V::Account,
        name: "account",
        subjects: &[S::Principal, S::ConditionValue, S::Grant],
    },
    VarDef {
        var: V::Conditions,
        name: "conditions",
        subjects: &[S::Principal],
    },
    VarDef {
        var: V::Reason,
        name: "reason",
        subjects: &[
            S::Principal,
            S::ConditionValue,
            S::Grant,
            S::Policy,
            S::Suppression,
        ],
    },
    VarDef {
        var: V::Key,
        name: "key",
        subjects: &[S::ConditionValue, S::Duplicate, S::DuplicateId],
    },
    VarDef {
        var: V::Value,
        name: "value",
        subjects: &[S::ConditionValue],
    },
    VarDef {
        var: V::Count,
        name: "count",
        subjects: &[S::Duplicate, S::DuplicateId],
    },
    VarDef {
        var: V::Role,
        name: "role",
        subjects: &[S::Grant],
    },
    VarDef {
        var: V::Tag,
        name: "tag",
        subjects: &[S::Policy],
    },
    VarDef {
        var: V::Message,
        name: "message",
        subjects: &[S::ParseError],
    },
    VarDef {
        var: V::Rules,
        name: "rules",
        subjects: &[S::Suppression],
    },
    VarDef {
        var: V::Until,
        name: "until",
        subjects: &[S::Suppression],
    },
    VarDef {
        var: V::Detail,
        name: "detail",
        subjects: &[S::Suppression],
    },
    VarDef {
        var: V::Admin,
        name: "admin",
        subjects: STATEMENT,
    },
    VarDef {
        var: V::AdminActions,
        name: "admin_actions",
        subjects: STATEMENT,
    },
    VarDef {
        var: V::Section,
        name: "section",
        subjects: &[S::DuplicateId],
    },
];

impl V {
    pub fn parse(name: &str) -> Option<V> {
        VARS.iter().find(|d| d.name == name).map(|d| d.var)
    }
}

/// A fact's value. `Unknown` is a real answer: the rule's `on_unknown` decides what it means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fact {
    Bool(bool),
    Str(String),
    List(Vec<String>),
    Actions(Actions),
    Unknown,
}

impl From<Tri> for Fact {
    fn from(t: Tri) -> Self {
        match t {
            Tri::True => Fact::Bool(true),
            Tri::False => Fact::Bool(false),
            Tri::Unknown => Fact::Unknown,
        }
    }
}

impl From<bool> for Fact {
    fn from(b: bool) -> Self {
        Fact::Bool(b)
    }
}

impl From<&str> for Fact {
    fn from(s: &str) -> Self {
        Fact::Str(s.to_string())
    }
}

impl From<Actions> for Fact {
    fn from(a: Actions) -> Self {
        Fact::Actions(a)
    }
}

impl From<Vec<String>> for Fact {
    fn from(v: Vec<String>) -> Self {
        Fact::List(v)
    }
}

/// One thing a finding can be about, with its facts and the words its message needs.
#[derive(Clone, Debug, PartialEq)]
pub struct Subject {
    pub kind: SubjectKind,
    pub loc: Loc,
    /// Other places the finding should show (the first occurrence of a duplicate key).
    pub related: Vec<(Loc, String)>,
    pub facts: BTreeMap<F, Fact>,
    pub vars: BTreeMap<V, String>,
    pub statement: Option<String>,
    pub principal: Option<String>,
    pub account: Option<String>,
    /// Every principal the finding is about (a condition value is about the statement's).
    pub principals: Vec<String>,
    /// Subjects of one statement (its index), or of one grant, share a group: a rule reports
    /// them as one finding (see `merge`). None: every finding stands alone.
    pub group: Option<usize>,
}

impl Subject {
    pub fn new(kind: SubjectKind, loc: Loc) -> Self {
        Subject {
            kind,
            loc,
            related: Vec::new(),
            facts: BTreeMap::new(),
            vars: BTreeMap::new(),
            statement: None,
            principal: None,
            account: None,
            principals: Vec::new(),
            group: None,
        }
    }

    /// Sets a fact; the table must declare it for this subject (a producer's bug otherwise,
    /// caught by the tests that run every producer).
    pub fn fact(&mut self, f: F, value: impl Into<Fact>) -> &mut Self {
        debug_assert!(
            f.def().subjects.contains(&self.kind),
            "fact {} is not declared for subject {}",
            f.name(),
            self.kind.as_str()
        );
        self.facts.insert(f, value.into());
        self
    }

    /// Sets a message word; the table must declare it for this subject.
    pub fn var(&mut self, v: V, value: impl Into<String>) -> &mut Self {
        debug_assert!(
            VARS.iter()
                .any(|d| d.var == v && d.subjects.contains(&self.kind)),
            "placeholder {v:?} is not declared for subject {}",
            self.kind.as_str()
        );
        self.vars.insert(v, value.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fact_and_placeholder_has_one_row_and_a_unique_name() {
        let mut names = std::collections::BTreeSet::new();
        for d in FACTS {
            assert!(names.insert(d.name), "fact {} twice", d.name);
            assert_eq!(FACTS.iter().filter(|e| e.fact == d.fact).count(), 1);
            assert_eq!(F::parse(d.name), Some(d.fact));
        }
        use F::*;
        for f in [
            Effect,
            Element,
            Kind,
            Trust,
            Root,
            CallerRestricted,
            CallerScope,
            NetworkRestricted,
            ServiceScoped,
            Actions,
            ConditionKeys,
            Principals,
            KeyKind,
            Role,
            Known,
            CrossAccount,
            HasTag,
            Problem,
            Cause,
            Administers,
            Rejected,
            StatementsRead,
        ] {
            assert_eq!(f.def().fact, f, "{f:?} has no row in FACTS");
        }
        let mut names = std::collections::BTreeSet::new();
        for d in VARS {
            assert!(names.insert(d.name), "placeholder {} twice", d.name);
            assert_eq!(V::parse(d.name), Some(d.var));
        }
    }
}
