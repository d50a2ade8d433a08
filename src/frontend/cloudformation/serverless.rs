//! The Serverless Framework's `serverless.yml`: `resources` is CloudFormation that `sls deploy`
//! deep-merges into the template it generates (`resources.Resources`, `Parameters`,
//! `Conditions`, `Mappings`; `resources` may also be a list of such fragments). No function or
//! event the framework generates is a KMS key, so the keys are exactly those in `resources`.
//!
//! Its variables are filled in before CloudFormation sees the template (docs: "Variables"):
//! `${self:path}` is another value of the file, `${aws:accountId}` the deploying account (the
//! key's own), `${opt:…}`, `${env:…}`, `${ssm:…}`, `${cf:…}`, `${param:…}` and the stage are
//! chosen when deploying, so unknown. `${AWS::…}` and `${!…}` are left to CloudFormation.

use super::intrinsics::Variables;
use super::{extract, Origin};
use crate::base::source::FileId;
use crate::ir::{Extracted, Part, Value, Why};
use crate::parse::{Entry, Node, NodeKind};

/// Deepest chain of `${self:…}` references followed.
const MAX_VARIABLE_DEPTH: usize = 10;

/// A `serverless.yml`: a `service`, and `resources` (a map, or a list of fragments).
pub fn is_serverless(root: &Node) -> bool {
    root.get("service").is_some()
        && (root.get("provider").is_some() || root.get("functions").is_some())
        && root
            .get("resources")
            .is_some_and(|r| matches!(r.kind, NodeKind::Map(_) | NodeKind::Seq(_)))
}

/// The CloudFormation `resources` of a `serverless.yml`, as one template.
pub fn template_of(root: &Node) -> Option<Node> {
    let resources = root.get("resources")?;
    match &resources.kind {
        NodeKind::Map(_) => Some(resources.clone()),
        NodeKind::Seq(fragments) => {
            // Fragments are merged section by section.
            let mut sections: Vec<Entry> = Vec::new();
            for f in fragments {
                for e in f.entries() {
                    match sections.iter_mut().find(|s| s.key == e.key) {
                        Some(s) => {
                            if let (NodeKind::Map(into), NodeKind::Map(more)) =
                                (&mut s.value.kind, &e.value.kind)
                            {
                                into.extend(more.iter().cloned());
                            }
                        }
                        None => sections.push(e.clone()),
                    }
                }
            }
            Some(Node::new(NodeKind::Map(sections), resources.span))
        }
        _ => None,
    }
}

/// The key policies of a `serverless.yml`.
pub fn extract_serverless(file: FileId, text: &str, root: &Node, template: &Node) -> Extracted {
    let vars = Sls { root };
    let origin = Origin {
        given: None,
        variables: Some(&vars),
        yaml12: true,
    };
    extract(file, text, template, false, origin)
}

struct Sls<'a> {
    root: &'a Node,
}

impl Variables for Sls<'_> {
    fn expand(&self, text: &str) -> Option<Value> {
        if !has_variable(text) {
            return None;
        }
        Some(self.expand_at(text, 0))
    }

    fn variable(&self, name: &str) -> Option<Value> {
        is_variable(name).then(|| self.resolve(name, 0))
    }

    fn whole(&self, text: &str) -> Option<&Node> {
        let t = text.trim();
        let inner = t.strip_prefix("${")?;
        if closing(t, 0)? + 1 != t.len() {
            return None;
        }
        let path = inner.strip_suffix('}')?.trim().strip_prefix("self:")?;
        let node = self.lookup(path.trim())?;
        matches!(node.kind, NodeKind::Map(_) | NodeKind::Seq(_)).then_some(node)
    }
}

/// `source:address` or `file(…)`: a Serverless variable, not a CloudFormation one
/// (`AWS::Region`, `Param`, `Res.Attr`, `!Literal`).
fn is_variable(inner: &str) -> bool {
    let inner = inner.trim();
    let source: String = inner
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    if source.is_empty() {
        return false;
    }
    let rest = &inner[source.len()..];
    (rest.starts_with(':') && !rest.starts_with("::")) || rest.starts_with('(')
}

fn has_variable(text: &str) -> bool {
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        if is_variable(&rest[i + 2..]) {
            return true;
        }
        rest = &rest[i + 2..];
    }
    false
}

/// The end of the `${…}` opened at `start` (nested `${…}` inside a fallback included).
fn closing(text: &str, start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let bytes = text.as_bytes();
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 1;
            }
            b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

impl Sls<'_> {
    fn expand_at(&self, text: &str, depth: usize) -> Value {
        let mut v = Value::default();
        let mut at = 0;
        while let Some(rel) = text.get(at..).and_then(|r| r.find("${")) {
            let start = at + rel;
            let Some(end) = closing(text, start) else {
                break;
            };
            let inner = &text[start + 2..end];
            v.push(Part::Lit(text[at..start].to_string()));
            if is_variable(inner) {
                v.append(self.resolve(inner, depth));
            } else {
                // CloudFormation's own `${…}` (inside `Fn::Sub`), left as written.
                v.push(Part::Lit(text[start..=end].to_string()));
            }
            at = end + 1;
        }
        v.push(Part::Lit(text.get(at..).unwrap_or("").to_string()));
        v
    }

    /// One variable with its fallbacks (`${opt:stage, self:provider.stage, 'dev'}`).
    fn resolve(&self, inner: &str, depth: usize) -> Value {
        if depth > MAX_VARIABLE_DEPTH {
            return Value::unknown(Why::unsupported(format!(
                "`{}` nests Serverless variables more than {MAX_VARIABLE_DEPTH} deep",
                inner.trim()
            )));
        }
        let mut options = split_top(inner).into_iter();
        let first = options.next().unwrap_or_default();
        let fallback = options.next();
        let first = first.trim();
        let (source, address) = match first.split_once(':') {
            Some((s, a)) => (s, a.trim()),
            None => (first, ""),
        };
        let input = |what: String| Value::unknown(Why::input(what));
        match source {
            "self" => match self.lookup(address) {
                Some(node) => match node.as_str() {
                    Some(text) => self.expand_at(text, depth + 1),
                    None => Value::unknown(Why::unsupported(format!(
                        "`self:{address}` is not a single value"
                    ))),
                },
                None => match fallback {
                    Some(f) => self.fallback(f, depth),
                    None => input(format!("`self:{address}` names nothing in the file")),
                },
            },
            "aws" if address == "accountId" => Value::self_account(),
            "aws" if address == "region" => Value::lit("${AWS::Region}"),
            // Each reason starts with the variable as written, which a report shows as the value.
            "sls" if address == "stage" => {
                input("`sls:stage` is the stage `serverless deploy --stage` chooses".into())
            }
            "opt" => input(format!(
                "`opt:{address}` is the `--{address}` option given to `serverless deploy`"
            )),
            "env" => input(format!(
                "`env:{address}` is an environment variable, read when `serverless deploy` runs"
            )),
            "ssm" => input(format!(
                "`ssm:{address}` is an SSM parameter, read when `serverless deploy` runs"
            )),
            "cf" => input(format!(
                "`cf:{address}` is another stack's output, read when `serverless deploy` runs"
            )),
            "param" => input(format!("`param:{address}` is a stage parameter")),
            _ => Value::unknown(Why::unsupported(format!(
                "`{first}` is a Serverless variable kmslint does not evaluate"
            ))),
        }
    }

    /// A fallback: a quoted literal, or another variable.
    fn fallback(&self, text: &str, depth: usize) -> Value {
        let t = text.trim();
        for q in ['\'', '"'] {
            if let Some(lit) = t.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
                return Value::lit(lit);
            }
        }
        if let Some(inner) = t.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
            return self.resolve(inner, depth + 1);
        }
        if is_variable(t) {
            return self.resolve(t, depth + 1);
        }
        Value::lit(t)
    }

    /// `custom.partner` in the file.
    fn lookup(&self, path: &str) -> Option<&Node> {
        path.split('.')
            .filter(|s| !s.is_empty())
            .try_fold(self.root, |n, k| n.get(k))
    }
}

/// Splits `a, b, c` at the commas outside nested `${…}` and quotes.
fn split_top(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut quote, mut start) = (0usize, None::<char>, 0usize);
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    while let Some(&(at, c)) = chars.get(i) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '$') if chars.get(i + 1).map(|x| x.1) == Some('{') => {
                depth += 1;
                i += 1;
            }
            (None, '}') => depth = depth.saturating_sub(1),
            (None, ',') if depth == 0 => {
                out.push(&text[start..at]);
                start = at + 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push(&text[start..]);
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use crate::parse::yaml::parse_yaml;

    const FILE: &str = "service: s\nprovider:\n  name: aws\n  stage: prod\ncustom:\n  acct: '222222222222'\n  alias: ${self:custom.acct}\n  loop: ${self:custom.loop}\n  list: ['*', x]\nresources:\n  Resources: {}\n";

    /// The framework reads YAML 1.2 (`yes` is a word), where CloudFormation reads YAML 1.1
    /// (`yes` is "true"): the same resources decide the condition the other way.
    #[test]
    fn serverless_yes_stays_a_word() {
        let body = "Conditions:\n    Word: !Equals [yes, 'yes']\n  Resources:\n    K:\n      Type: AWS::KMS::Key\n      Properties:\n        KeyPolicy:\n          Statement:\n            - Effect: Allow\n              Principal: {AWS: !If [Word, '111111111111', '*']}\n              Action: kms:Decrypt\n              Resource: '*'\n";
        let sls = format!("service: s\nprovider:\n  name: aws\nresources:\n  {body}");
        let root = parse_yaml(&sls).unwrap();
        let tpl = template_of(&root).unwrap();
        let principals = |got: &Extracted| {
            let mut out = String::new();
            for s in &got.sites {
                if let crate::ir::SiteBody::KeyPolicy(d) = &s.body {
                    for st in d.get("Statement").map(|l| l.flatten()).unwrap_or_default() {
                        let aws = st.get("Principal").and_then(|p| p.get("AWS"));
                        out.push_str(&format!("{:?}", aws.map(|a| &a.kind)));
                    }
                }
            }
            out
        };
        let got = extract_serverless(FileId(0), &sls, &root, &tpl);
        assert!(!principals(&got).contains("\"*\""), "{}", principals(&got));
        let cfn = format!("Resources:{}", body.split_once("Resources:").unwrap().1);
        let cfn = format!("Conditions:\n  Word: !Equals [yes, 'yes']\n{cfn}");
        let root = parse_yaml(&cfn).unwrap();
        let got = super::super::extract_template(FileId(0), &cfn, &root, false);
        assert!(principals(&got).contains("\"*\""), "{}", principals(&got));
    }

    #[test]
    fn variables_resolve_as_the_framework_does() {
        let root = parse_yaml(FILE).unwrap();
        assert!(is_serverless(&root));
        let s = Sls { root: &root };
        let v = |t: &str| s.expand(t).map(|v| v.render());
        assert_eq!(
            v("arn:aws:iam::${self:custom.alias}:root").as_deref(),
            Some("arn:aws:iam::222222222222:root")
        );
        assert_eq!(v("${aws:accountId}").as_deref(), Some("${AWS::AccountId}"));
        assert_eq!(v("${env:X}").as_deref(), Some("${env:X}"));
        assert_eq!(v("${opt:stage, 'dev'}").as_deref(), Some("${opt:stage}"));
        assert_eq!(
            v("${self:custom.missing, 'fallback'}").as_deref(),
            Some("fallback")
        );
        // CloudFormation's own placeholders are left alone; text without variables is not ours.
        assert_eq!(v("${AWS::Region}-x"), None);
        assert_eq!(v("plain"), None);
        assert_eq!(v("${Param}"), None);
        // A whole list or map stands in place of the string.
        assert!(s
            .whole("${self:custom.list}")
            .is_some_and(|n| n.items().len() == 2));
        assert!(s.whole("x ${self:custom.list}").is_none());
        assert!(s.whole("${self:custom.acct}").is_none());
        // A loop is cut off, as an unknown.
        assert_eq!(
            v("${self:custom.loop}").as_deref(),
            Some("${self:custom.loop}")
        );
        let w = s.expand("${env:AUDIT}").unwrap();
        assert!(w
            .unknown_reason()
            .unwrap()
            .contains("`env:AUDIT` is an environment variable"));
    }

    #[test]
    fn fallbacks_split_outside_nested_variables_and_quotes() {
        assert_eq!(
            split_top("opt:a, ${self:b, 'c,d'}, 'e,f'"),
            ["opt:a", " ${self:b, 'c,d'}", " 'e,f'"]
        );
        assert!(is_variable("self:x") && is_variable("file(./a.yml):b"));
        assert!(!is_variable("AWS::Region") && !is_variable("Res.Arn") && !is_variable("!Lit"));
    }

    #[test]
    fn resources_given_as_fragments_are_merged() {
        let root = parse_yaml("service: s\nprovider: {name: aws}\nresources:\n  - Resources: {A: {Type: 'AWS::KMS::Key'}}\n  - Resources: {B: {Type: 'AWS::KMS::Key'}}\n").unwrap();
        let t = template_of(&root).unwrap();
        let keys: Vec<&str> = t
            .get("Resources")
            .unwrap()
            .entries()
            .iter()
            .map(|e| e.key.as_str())
            .collect();
        assert_eq!(keys, ["A", "B"]);
    }
}
