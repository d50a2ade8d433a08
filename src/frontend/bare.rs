//! A bare key policy: a file holding only a policy document, in every shape `aws kms
//! get-key-policy` prints one:
//!
//! * `--output json` (the default): `{"Policy": "<the policy as a JSON string>", "PolicyName":
//!   "default"}`, and the same wrapper in YAML (`--output yaml`);
//! * `--query Policy`: the policy as one JSON string;
//! * `--query Policy --output text`: the policy itself;
//! * `--output text`: the policy, a tab, and the policy name.
//!
//! Spans inside a string point at the characters in the file. Checked only in files named on the
//! command line (or standard input), where the user says it is a policy.

use super::cloudformation::intrinsics::Template;
use crate::base::diag::{code, InputError};
use crate::base::source::{FileId, Loc, SourceFile, Span};
use crate::ir::{Extracted, PolicySite, SiteBody, Value};
use crate::parse::{json, yaml, Node, NodeKind, OffsetMap};

/// Does the parsed document look like a policy document?
pub fn is_policy(root: &Node) -> bool {
    root.get("Statement").is_some()
}

/// `--output text` prints the policy, a tab and the policy name: the end of the policy's JSON,
/// when the text has that shape.
pub fn text_output_end(text: &str) -> Option<usize> {
    let trimmed = text.trim_end_matches(['\n', '\r']);
    let (policy, name) = trimmed.rsplit_once('\t')?;
    let name_ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    (name_ok && policy.trim_end().ends_with('}')).then_some(policy.len())
}

/// The policy held in a string: the root itself (`--query Policy`) or the `Policy` member of the
/// `get-key-policy` wrapper. `None` when the document has neither shape.
pub fn wrapped_policy(
    file: &SourceFile,
    root: &Node,
    is_json: bool,
) -> Option<Result<Node, InputError>> {
    let string = match &root.kind {
        NodeKind::String(_) => root,
        NodeKind::Map(_) => {
            let policy = root.get("Policy")?;
            let other_keys = root
                .entries()
                .iter()
                .all(|e| e.key == "Policy" || e.key == "PolicyName");
            if !other_keys {
                return None;
            }
            policy
        }
        _ => return None,
    };
    let (NodeKind::String(inner) | NodeKind::Scalar(inner)) = &string.kind else {
        return None;
    };
    let text = file.text.as_str();
    let map = if is_json {
        let literal = text.get(string.span.start..string.span.end).unwrap_or("");
        json::string_literal_map(literal, string.span.start).map(|(_, m)| m)
    } else {
        yaml::scalar_offset_map(text, string)
    };
    // Where the map is unknown (a folded YAML scalar), every span is the whole string.
    let at = |m: &Option<OffsetMap>, o: usize| match m {
        Some(m) => m.map(o).min(text.len()),
        None => string.span.start,
    };
    Some(match json::parse_json(inner) {
        Ok(mut node) => {
            node.remap(&|o| at(&map, o));
            Ok(node)
        }
        Err(e) => Err(InputError {
            file: FileId(0),
            span: Span::new(
                at(&map, e.span.start),
                at(&map, e.span.end).max(at(&map, e.span.start)),
            ),
            message: format!("the policy in this string is not valid JSON: {}", e.message),
            code: code::JSON,
        }),
    })
}

/// The one key policy of a bare policy file; `key_account` is the account that owns the key.
pub fn extract_policy(file: &SourceFile, root: &Node, key_account: Option<&str>) -> Extracted {
    let tpl = Template::new(FileId(0), root);
    let doc = tpl.doc(root);
    let name = file
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "policy".into());
    Extracted {
        sites: vec![PolicySite {
            resource: name,
            resource_type: "key-policy".into(),
            loc: Loc::new(FileId(0), root.span),
            key_account: key_account.map(Value::lit),
            body: SiteBody::KeyPolicy(doc),
            tags: Vec::new(),
        }],
        errors: tpl.take_errors(),
        ..Extracted::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_output_is_the_policy_then_a_tab_and_its_name() {
        let t = "{\n  \"Statement\": []\n}\tdefault\n";
        assert_eq!(text_output_end(t), Some(t.find('\t').unwrap_or(0)));
        assert_eq!(text_output_end("{\"Statement\": []}\n"), None);
        assert_eq!(text_output_end("{}\tnot a name\n"), None);
    }

    fn wrapped(
        text: &str,
        is_json: bool,
    ) -> (std::sync::Arc<SourceFile>, Option<Result<Node, InputError>>) {
        let file = SourceFile::new("p.json", text.to_string());
        let root = if is_json {
            json::parse_json(text).ok()
        } else {
            yaml::parse_yaml(text).ok()
        };
        let out = root.and_then(|r| wrapped_policy(&file, &r, is_json));
        (file, out)
    }

    #[test]
    fn wrapper_and_string_spans_point_into_the_file() {
        for text in [
            r#"{"Policy": "{\"Statement\": [{\"Principal\": \"*\"}]}", "PolicyName": "default"}"#,
            r#""{\"Statement\": [{\"Principal\": \"*\"}]}""#,
        ] {
            let (file, out) = wrapped(text, true);
            let Some(Ok(node)) = out else {
                panic!("{text}: not read")
            };
            let st = node.get("Statement").map(|s| s.items()[0].clone());
            let principal = st.and_then(|s| s.get("Principal").cloned());
            let span = principal.map(|p| p.span).unwrap_or(Span::empty(0));
            assert_eq!(&file.text[span.start..span.end], "\\\"*\\\"", "{text}");
        }
        let (_, yaml_out) = wrapped(
            "Policy: '{\"Statement\": []}'\nPolicyName: default\n",
            false,
        );
        assert!(matches!(yaml_out, Some(Ok(_))));
        let (_, other) = wrapped(r#"{"Policy": "{}", "Other": 1}"#, true);
        assert!(other.is_none(), "a map with other keys is not the wrapper");
        let (_, bad) = wrapped(r#"{"Policy": "{\"Statement\": [}"}"#, true);
        assert!(matches!(bad, Some(Err(_))));
    }
}
