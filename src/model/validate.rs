//! What AWS rejects: a key policy that CreateKey / PutKeyPolicy (and so CloudFormation and
//! Terraform) would refuse at deploy time. Such a policy is one finding (KMS016) with every
//! reason, instead of a finding per fragment: the statements AWS objects to grant nothing and
//! are not modelled, the others are still checked (they will be once the policy is fixed).
//! Only rejections the IAM and KMS documentation states are checked (`docs/semantics.md`,
//! section 1b, cites each one); anything under a `Fn::If` / conditional is left alone, since
//! another alternative may be the one deployed.

use crate::base::aws::is_account_id;
use crate::base::source::Loc;
use crate::ir::{Doc, DocEntry, DocKind, Value};

/// One reason AWS rejects the policy, where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    pub loc: Loc,
    pub reason: String,
    /// The statement it is in (its location), when it is about one statement.
    pub statement: Option<Loc>,
    /// That statement as findings name it: its Sid, or `#n`.
    pub statement_name: Option<String>,
}

const PRINCIPAL_TYPES: [&str; 4] = ["AWS", "Federated", "Service", "CanonicalUser"];

/// Every reason AWS rejects this policy document, in document order (none for a policy it
/// accepts, or that is not known well enough to say).
pub fn rejections(doc: &Doc) -> Vec<Rejection> {
    let mut out = Vec::new();
    if !matches!(doc.kind, DocKind::Map(_)) {
        return out;
    }
    characters(doc, &mut out);
    if let Some(v) = doc.get("Version").and_then(lit) {
        if v != "2012-10-17" && v != "2008-10-17" {
            out.push(at(
                doc.get("Version"),
                doc,
                format!("`Version` is `{v}`: the only versions are `2012-10-17` and `2008-10-17`"),
            ));
        }
    }
    let statements: Vec<&DocEntry> = doc.all("Statement", false).collect();
    if statements.is_empty() {
        out.push(Rejection {
            loc: doc.loc,
            reason: format!(
                "it has no `Statement`{}",
                spelled_otherwise(doc, "Statement")
            ),
            statement: None,
            statement_name: None,
        });
    }
    let mut index = 0;
    for entry in statements {
        match &entry.value.kind {
            DocKind::List(items) => {
                for st in items {
                    index += 1;
                    statement(st, index, &mut out);
                }
            }
            _ => {
                index += 1;
                statement(&entry.value, index, &mut out);
            }
        }
    }
    out
}

fn at(doc: Option<&Doc>, fallback: &Doc, reason: String) -> Rejection {
    Rejection {
        loc: doc.map_or(fallback.loc, |d| d.loc),
        reason,
        statement: None,
        statement_name: None,
    }
}

/// The text of a scalar that is entirely literal.
fn lit(doc: &Doc) -> Option<&str> {
    doc.as_value().and_then(Value::as_lit)
}

/// A key spelled like `name` in another case (`effect` for `Effect`).
fn misspelled<'d>(doc: &'d Doc, name: &str) -> Option<&'d DocEntry> {
    doc.entries()
        .iter()
        .find(|e| e.key != name && e.key.trim().eq_ignore_ascii_case(name))
}

/// ` (it has `effect`: element names are case-sensitive)` when a key spelled differently is there.
fn spelled_otherwise(doc: &Doc, name: &str) -> String {
    misspelled(doc, name)
        .map(|e| {
            format!(
                " (it has `{}`: policy element names are case-sensitive)",
                e.key
            )
        })
        .unwrap_or_default()
}

/// Where a missing element is reported: at its misspelling if there is one, else the statement.
fn missing_at(st: &Doc, name: &str) -> Loc {
    misspelled(st, name).map_or(st.loc, |e| e.key_loc)
}

/// The reasons AWS rejects one statement, each tagged with the statement.
fn statement(st: &Doc, index: usize, out: &mut Vec<Rejection>) {
    let from = out.len();
    statement_checks(st, out);
    let name = st
        .get("Sid")
        .and_then(lit)
        .filter(|s| !s.is_empty())
        .map_or_else(|| format!("#{index}"), str::to_string);
    for r in &mut out[from..] {
        r.statement = Some(st.loc);
        r.statement_name = Some(name.clone());
    }
}

fn statement_checks(st: &Doc, out: &mut Vec<Rejection>) {
    match &st.kind {
        DocKind::Map(_) => {}
        DocKind::List(_) => {
            out.push(Rejection {
                loc: st.loc,
                reason: "a statement is a list inside the `Statement` list, not an object".into(),
                statement: None,
                statement_name: None,
            });
            return;
        }
        DocKind::Scalar(v) if v.as_lit().is_some() => {
            out.push(Rejection {
                loc: st.loc,
                reason: "a statement is a string, not an object".into(),
                statement: None,
                statement_name: None,
            });
            return;
        }
        // Unknown, a choice, null: not known to be wrong.
        _ => return,
    }
    match st.get("Effect") {
        None => out.push(Rejection {
            loc: missing_at(st, "Effect"),
            reason: format!(
                "a statement has no `Effect`{}",
                spelled_otherwise(st, "Effect")
            ),
            statement: None,
            statement_name: None,
        }),
        Some(e) => {
            if let Some(v) = lit(e) {
                if v != "Allow" && v != "Deny" {
                    out.push(Rejection {
                        loc: e.loc,
                        reason: format!(
                            "`Effect` is `{v}`: it must be `Allow` or `Deny`, which are case-sensitive"
                        ),
 statement: None,
 statement_name: None,
});
                }
            }
        }
    }
    let principal = st.get("Principal").or_else(|| st.get("NotPrincipal"));
    match principal {
        None => out.push(Rejection {
            loc: missing_at(st, "Principal"),
            reason: format!(
                "a statement has no `Principal`{}: every statement of a key policy must name one",
                spelled_otherwise(st, "Principal")
            ),
            statement: None,
            statement_name: None,
        }),
        Some(p) => principal_block(p, out),
    }
    for name in ["Action", "NotAction", "Resource", "NotResource"] {
        if let Some(v) = st.get(name) {
            strings(v, name, out);
        }
    }
    if let Some(c) = st.get("Condition") {
        let not_object = match &c.kind {
            DocKind::List(_) => true,
            DocKind::Scalar(v) => v.as_lit().is_some(),
            _ => false,
        };
        if not_object {
            out.push(Rejection {
                loc: c.loc,
                reason: "`Condition` is not an object of operators".into(),
                statement: None,
                statement_name: None,
            });
        }
    }
}

/// `"*"` or `{"AWS" | "Federated" | "Service" | "CanonicalUser": string or list of strings}`.
fn principal_block(p: &Doc, out: &mut Vec<Rejection>) {
    match &p.kind {
        DocKind::Scalar(v) => {
            if let Some(s) = v.as_lit() {
                if s != "*" {
                    out.push(Rejection {
                        loc: p.loc,
                        reason: format!(
                            "the principal is the string `{s}`: it must be `*` or an object such as `{{\"AWS\": \"{s}\"}}`"
                        ),
                        statement: None,
 statement_name: None,
                    });
                }
            }
        }
        DocKind::List(_) => out.push(Rejection {
            loc: p.loc,
            reason:
                "the principal is a list: it must be `*` or an object such as `{\"AWS\": [...]}`"
                    .into(),
            statement: None,
            statement_name: None,
        }),
        DocKind::Map(entries) => {
            for e in entries {
                if !PRINCIPAL_TYPES.contains(&e.key.as_str()) {
                    out.push(Rejection {
                        loc: e.key_loc,
                        reason: format!(
                            "`{}` is not a principal type: AWS accepts `AWS`, `Federated`, `Service` and `CanonicalUser`, case-sensitive",
                            e.key
                        ),
 statement: None,
 statement_name: None,
});
                    continue;
                }
                strings(&e.value, &e.key, out);
                if e.key == "AWS" {
                    // Not through alternatives (`flatten` would): another may be deployed.
                    let items: Vec<&Doc> = match &e.value.kind {
                        DocKind::List(items) => items.iter().collect(),
                        _ => vec![&e.value],
                    };
                    for item in items {
                        if let Some(s) = lit(item) {
                            if let Some(why) = bad_aws_principal(s) {
                                out.push(Rejection {
                                    loc: item.loc,
                                    reason: why,
                                    statement: None,
                                    statement_name: None,
                                });
                            }
                        }
                    }
                }
            }
        }
        _ => {}
    }
}

/// An element that takes a string or a list of strings: a list inside the list, or an object,
/// is a structure AWS does not accept (typically a CloudFormation function that lost its key:
/// `["", ["arn:aws:iam::", …]]` is an `Fn::Join` without `Fn::Join`).
fn strings(v: &Doc, name: &str, out: &mut Vec<Rejection>) {
    let items: &[Doc] = match &v.kind {
        DocKind::List(items) => items,
        DocKind::Map(_) => {
            out.push(Rejection {
                loc: v.loc,
                reason: format!(
                    "`{name}` is an object: it must be a string or a list of strings (a CloudFormation function that is not evaluated here?)"
                ),
 statement: None,
 statement_name: None,
});
            return;
        }
        _ => return,
    };
    for item in items {
        match &item.kind {
            DocKind::List(_) => out.push(Rejection {
                loc: item.loc,
                reason: format!(
                    "`{name}` holds a list inside its list: the arguments of an `Fn::Join` or `Fn::GetAtt` that lost its key?"
                ),
 statement: None,
 statement_name: None,
}),
            DocKind::Map(_) => out.push(Rejection {
                loc: item.loc,
                reason: format!("`{name}` holds an object where a string belongs"),
 statement: None,
 statement_name: None,
}),
            _ => {}
        }
    }
}

/// Why a literal AWS principal cannot be one AWS accepts: an account id, an IAM or STS ARN with
/// an account, or `*` (IAM: "you can use * only to specify everyone/anonymous"; KMS: "the
/// principals in the key policy must exist"). Unique ids (`AROA…`) and ARNs with a wildcard
/// account are left to the other rules.
fn bad_aws_principal(s: &str) -> Option<String> {
    if s == "*" || is_account_id(s) {
        return None;
    }
    if s.starts_with("AROA") || s.starts_with("AIDA") {
        return None;
    }
    let Some(rest) = s.strip_prefix("arn:") else {
        return Some(if s.is_empty() {
            "an `AWS` principal is the empty string".into()
        } else {
            format!("`{s}` is neither an account id nor an ARN, so it names no principal")
        });
    };
    let fields: Vec<&str> = rest.splitn(5, ':').collect();
    let [partition, service, region, account, resource] = fields.as_slice() else {
        return Some(format!("`{s}` is not a complete ARN"));
    };
    if partition.is_empty() || !matches!(*service, "iam" | "sts") || !region.is_empty() {
        return Some(format!("`{s}` is not an IAM or STS ARN"));
    }
    if account.contains('*') || account.contains('?') {
        return None;
    }
    if account.is_empty() {
        return Some(format!("`{s}` has no account id"));
    }
    if !is_account_id(account) {
        return Some(format!("`{s}`: `{account}` is not a 12-digit account id"));
    }
    if resource.is_empty() {
        return Some(format!("`{s}` names no user, role or root"));
    }
    None
}

/// KMS accepts only printable ASCII and Latin-1 characters, tab, line feed and carriage return
/// in a key policy ("Key policy format"). Reports the first offending character.
fn characters(doc: &Doc, out: &mut Vec<Rejection>) {
    let bad = |s: &str| {
        s.chars().find(|&c| {
            let n = u32::from(c);
            !(matches!(c, '\t' | '\n' | '\r')
                || (0x20..0x7f).contains(&n)
                || (0xa0..=0xff).contains(&n))
        })
    };
    let mut stack = vec![doc];
    while let Some(d) = stack.pop() {
        match &d.kind {
            DocKind::Map(entries) => {
                for e in entries {
                    if let Some(c) = bad(&e.key) {
                        out.push(Rejection {
                            loc: e.key_loc,
                            reason: format!(
                                "`{}` holds U+{:04X}, a character KMS does not accept in a key policy",
                                e.key.escape_debug(),
                                u32::from(c)
                            ),
 statement: None,
 statement_name: None,
});
                        return;
                    }
                }
                stack.extend(entries.iter().rev().map(|e| &e.value));
            }
            DocKind::List(items) => stack.extend(items.iter().rev()),
            DocKind::Scalar(v) => {
                if let Some(c) = v.as_lit().and_then(bad) {
                    out.push(Rejection {
                        loc: d.loc,
                        reason: format!(
                            "a value holds U+{:04X}, a character KMS does not accept in a key policy",
                            u32::from(c)
                        ),
 statement: None,
 statement_name: None,
});
                    return;
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_principals_aws_rejects() {
        assert!(bad_aws_principal("*").is_none());
        assert!(bad_aws_principal("111122223333").is_none());
        assert!(bad_aws_principal("arn:aws:iam::111122223333:root").is_none());
        assert!(bad_aws_principal("arn:aws-cn:sts::111122223333:assumed-role/R/s").is_none());
        assert!(bad_aws_principal("arn:aws:iam::*:root").is_none());
        assert!(bad_aws_principal("AROAEXAMPLEID").is_none());
        for bad in [
            "",
            "foo",
            "AWS::AccountId",
            ":root",
            "arn:aws:iam::",
            "arn:aws:iam::12:root",
            "arn:aws:iam::111122223333:",
            "arn:aws:s3:::bucket",
            " *",
        ] {
            assert!(bad_aws_principal(bad).is_some(), "{bad:?}");
        }
    }
}
