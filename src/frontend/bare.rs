//! A bare key policy: a file holding only a policy document, as `aws kms get-key-policy --query
//! Policy --output text` prints it. Checked only in files named on the command line (or standard
//! input), where the user says it is a policy.

use super::cloudformation::intrinsics::Template;
use crate::base::source::{FileId, Loc, SourceFile};
use crate::ir::{Extracted, PolicySite, SiteBody, Value};
use crate::parse::Node;

/// Does the parsed document look like a policy document?
pub fn is_policy(root: &Node) -> bool {
    root.get("Statement").is_some()
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
