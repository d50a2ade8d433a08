//! Template parameters and the values a deployment can give them.
//!
//! * `AllowedValues`: "the parameter value must be one of the allowed values" (for a
//!   `CommaDelimitedList`, each element must be), so every allowed value is deployable and is
//!   checked; a `Default` outside them fails validation and is never deployed.
//! * No `AllowedValues`: the template's `Default` stands for the value (a deployment may pass
//!   another); for deciding a condition or a mapping key the parameter may be anything.
//! * `AWS::SSM::Parameter::Value<…>`: the `Default` is the name of a Parameter Store entry read
//!   at deploy time, never the value.
//! * A parent stack's `Parameters` (nested stacks) replace them all.

use crate::ir::{Doc, DocKind, Value, Why};
use crate::parse::{Node, NodeKind};
use std::collections::HashMap;

/// What a condition or a mapping key can rely on: a finite set of values, or anything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Domain {
    Finite(Vec<String>),
    Any,
}

/// The `Parameters` section, and what a parent stack passes in place of it.
pub struct Parameters<'a> {
    section: Option<&'a Node>,
    /// Values a parent stack gives (already resolved in the parent).
    given: HashMap<String, Doc>,
}

/// One parameter as declared.
pub struct Param<'a> {
    pub ptype: &'a str,
    pub allowed: Option<&'a [Node]>,
    pub default: Option<&'a Node>,
}

impl Param<'_> {
    pub fn is_list(&self) -> bool {
        self.ptype == "CommaDelimitedList" || self.ptype.starts_with("List<")
    }

    pub fn is_ssm(&self) -> bool {
        self.ptype.starts_with("AWS::SSM::Parameter::Value")
    }

    /// `AWS::EC2::VPC::Id`, `List<AWS::EC2::Subnet::Id>`: values of the deploying account's
    /// resources, validated by CloudFormation against what exists, unknown before.
    pub fn is_aws_specific(&self) -> bool {
        let inner = self
            .ptype
            .strip_prefix("List<")
            .and_then(|t| t.strip_suffix('>'))
            .unwrap_or(self.ptype);
        inner.starts_with("AWS::") && !self.is_ssm()
    }

    /// A VPC id parameter: CloudFormation checks it names an existing VPC of the deploying
    /// account, so it is `vpc-` and a part chosen at deploy time, never a pattern.
    pub fn vpc_id(&self) -> bool {
        let inner = self
            .ptype
            .strip_prefix("List<")
            .and_then(|t| t.strip_suffix('>'))
            .unwrap_or(self.ptype);
        inner == "AWS::EC2::VPC::Id"
    }

    /// The allowed values, as text.
    pub fn allowed_values(&self) -> Option<Vec<String>> {
        let allowed = self.allowed?;
        let values: Vec<String> = allowed
            .iter()
            .filter_map(|n| n.as_str().map(str::to_string))
            .collect();
        (!values.is_empty()).then_some(values)
    }

    /// The default's elements (a list parameter's default is one comma-separated string, each
    /// element "space trimmed").
    pub fn default_elements(&self) -> Option<Vec<String>> {
        let d = self.default?;
        Some(match &d.kind {
            NodeKind::Seq(items) => items
                .iter()
                .map(|n| n.as_str().unwrap_or_default().trim().to_string())
                .collect(),
            _ => d
                .as_str()
                .unwrap_or_default()
                .split(',')
                .map(|s| s.trim().to_string())
                .collect(),
        })
    }
}

impl<'a> Parameters<'a> {
    pub fn new(root: &'a Node, given: HashMap<String, Doc>) -> Self {
        Parameters {
            section: root.get("Parameters"),
            given,
        }
    }

    pub fn exists(&self, name: &str) -> bool {
        self.given.contains_key(name) || self.get(name).is_some()
    }

    pub fn get(&self, name: &str) -> Option<Param<'a>> {
        let node = self.section?.get(name)?;
        Some(Param {
            ptype: node.get("Type").and_then(Node::as_str).unwrap_or("String"),
            allowed: node
                .get("AllowedValues")
                .map(Node::items)
                .filter(|a| !a.is_empty()),
            default: node.get("Default"),
        })
    }

    /// The values a condition or mapping key can rely on.
    pub fn domain(&self, name: &str) -> Domain {
        if let Some(given) = self.given.get(name) {
            return match literal_alternatives(given) {
                Some(v) => Domain::Finite(v),
                None => Domain::Any,
            };
        }
        match self.get(name) {
            Some(p) if !p.is_list() && !p.is_ssm() => match p.allowed_values() {
                Some(v) => Domain::Finite(v),
                None => Domain::Any,
            },
            _ => Domain::Any,
        }
    }

    /// What a parent stack passes for this parameter, if anything.
    pub fn given(&self, name: &str) -> Option<&Doc> {
        self.given.get(name)
    }
}

/// The literal texts a document can take (a scalar, or a choice of scalars), if all are known.
pub fn literal_alternatives(doc: &Doc) -> Option<Vec<String>> {
    match &doc.kind {
        DocKind::Scalar(v) => v.as_lit().map(|s| vec![s.to_string()]),
        DocKind::Choice(alts) => {
            let mut out = Vec::new();
            for a in alts {
                for s in literal_alternatives(a)? {
                    if !out.contains(&s) {
                        out.push(s);
                    }
                }
            }
            Some(out)
        }
        _ => None,
    }
}

/// Why a parameter has no value kmslint can use, if it has none.
pub fn unknown_reason(name: &str, p: &Param<'_>) -> Option<Why> {
    if p.is_ssm() {
        let key = p.default.and_then(Node::as_str).unwrap_or("");
        let what = if key.is_empty() {
            String::new()
        } else {
            format!(" (`{key}`)")
        };
        return Some(Why::input(format!(
            "parameter `{name}` is read from SSM Parameter Store{what} at deploy time"
        )));
    }
    if p.default.is_none() && p.allowed.is_none() {
        if p.is_aws_specific() {
            return Some(Why::input(format!(
                "parameter `{name}` ({}) names resources of the deploying account chosen at deploy time",
                p.ptype
            )));
        }
        return Some(Why::input(format!(
            "parameter `{name}` has no Default: its value is chosen at deploy time"
        )));
    }
    None
}

/// A scalar for each text, at `loc`.
pub fn scalars(values: &[String], loc: crate::base::source::Loc) -> Vec<Doc> {
    values
        .iter()
        .map(|v| Doc::scalar(Value::lit(v.as_str()), loc))
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use crate::parse::yaml::parse_yaml;

    #[test]
    fn domains_and_reasons() {
        let root = parse_yaml(
            "Parameters:
  A: {Type: String, AllowedValues: [x, y]}
  B: {Type: String, Default: z}
  L: {Type: CommaDelimitedList, Default: 'a, b ,c'}
  S: {Type: 'AWS::SSM::Parameter::Value<String>', Default: /org/arn}
  V: {Type: 'List<AWS::EC2::VPC::Id>'}
  N: {Type: String}
",
        )
        .unwrap();
        let p = Parameters::new(&root, HashMap::new());
        assert_eq!(p.domain("A"), Domain::Finite(vec!["x".into(), "y".into()]));
        assert_eq!(p.domain("B"), Domain::Any);
        assert_eq!(p.domain("L"), Domain::Any);
        assert_eq!(
            p.get("L").unwrap().default_elements().unwrap(),
            ["a", "b", "c"]
        );
        let s = p.get("S").unwrap();
        assert!(unknown_reason("S", &s)
            .unwrap()
            .reason
            .contains("`/org/arn`"));
        let v = p.get("V").unwrap();
        assert!(v.vpc_id() && v.is_aws_specific() && v.is_list());
        assert!(unknown_reason("N", &p.get("N").unwrap())
            .unwrap()
            .reason
            .contains("no Default"));
        assert!(unknown_reason("B", &p.get("B").unwrap()).is_none());
        // What a parent passes wins, and decides as a finite domain when literal.
        let mut given = HashMap::new();
        given.insert(
            "B".to_string(),
            Doc::scalar(Value::lit("w"), crate::base::source::Loc::default()),
        );
        let p = Parameters::new(&root, given);
        assert_eq!(p.domain("B"), Domain::Finite(vec!["w".into()]));
    }
}
