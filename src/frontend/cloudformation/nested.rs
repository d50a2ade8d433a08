//! Templates that a template deploys:
//!
//! * a nested stack (`AWS::CloudFormation::Stack` `TemplateURL`, `AWS::Serverless::Application`
//!   `Location`) given as a local path, which `aws cloudformation package` and `sam deploy`
//!   upload: "a path to a local file ... relative to your template's location". The child is
//!   checked as its own template with the parent's `Parameters`; the file is added to the unit;
//!   only files inside the parent's folder are read, within the size limit;
//! * a template embedded as a string (`TemplateBody` of a stack or a StackSet, which deploys it
//!   to every account of its targets), checked in place: findings point inside the string.

use super::{duplicates, extract, folder, intrinsic, is_template, Origin, Read, Template};
use crate::base::diag::{code, InputError};
use crate::base::limits::DEFAULT_MAX_FILE_SIZE;
use crate::base::source::{FileId, SourceFile, Span};
use crate::ir::{Doc, Extracted};
use crate::parse::{json, yaml, Node, NodeKind, OffsetMap};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// Nested stacks are followed this many levels down.
const MAX_NESTING: usize = 4;

/// Reads the local children of a template (and theirs), adding each file to `read`.
pub fn children(file: &SourceFile, root: &Node, explicit: bool, read: &mut Read) {
    // Most templates nest nothing: no path resolved (a system call per component), no evaluator.
    let nests = duplicates::section_entries(root, "Resources")
        .iter()
        .any(|r| {
            matches!(
                r.value.get("Type").and_then(Node::as_str),
                Some("AWS::CloudFormation::Stack" | "AWS::Serverless::Application")
            )
        });
    if !nests {
        return;
    }
    let mut ancestors = vec![canonical(&file.path)];
    walk(
        file,
        FileId(0),
        root,
        explicit,
        None,
        1,
        &mut ancestors,
        read,
    );
}

#[allow(clippy::too_many_arguments)]
fn walk(
    file: &SourceFile,
    id: FileId,
    root: &Node,
    explicit: bool,
    given: Option<&HashMap<String, Doc>>,
    depth: usize,
    ancestors: &mut Vec<Option<PathBuf>>,
    read: &mut Read,
) {
    if depth > MAX_NESTING {
        return;
    }
    let parent = Template::with(id, root, given.cloned().unwrap_or_default(), None);
    let resources = duplicates::section_entries(root, "Resources");
    for res in duplicates::kept(&resources) {
        let location = match res.value.get("Type").and_then(Node::as_str) {
            Some("AWS::CloudFormation::Stack") => "TemplateURL",
            Some("AWS::Serverless::Application") => "Location",
            _ => continue,
        };
        let props = res.value.get("Properties");
        let Some(rel) = props
            .and_then(|p| p.get(location))
            .filter(|n| intrinsic(n).is_none())
            .and_then(Node::as_str)
            .filter(|p| is_local(p))
        else {
            continue;
        };
        let Some(path) = inside(folder(file), rel) else {
            continue;
        };
        // A template that nests one of its own ancestors would never finish deploying.
        let canon = canonical(&path);
        if canon.is_none() || ancestors.contains(&canon) {
            continue;
        }
        let Some((text, child_root, child_json)) = load(&path) else {
            continue;
        };
        if !is_template(&child_root) {
            continue;
        }
        // What the parent passes: each value resolved in the parent.
        let mut params = HashMap::new();
        for e in props
            .and_then(|p| p.get("Parameters"))
            .map_or(&[][..], Node::entries)
        {
            params.insert(e.key.clone(), parent.doc(&e.value));
        }
        // The same child nested twice is one file of the unit.
        let known = read.files.iter().position(|f| canonical(&f.path) == canon);
        let (child_file, child_id) = match known {
            Some(i) => (read.files[i].clone(), FileId(1 + i as u32)),
            None => {
                read.files.push(SourceFile::new(path.clone(), text));
                let i = read.files.len() - 1;
                (read.files[i].clone(), FileId(1 + i as u32))
            }
        };
        let origin = Origin {
            given: Some(&params),
            variables: None,
            yaml12: false,
        };
        let mut got = extract(child_id, &child_file.text, &child_root, child_json, origin);
        if !explicit {
            // Found by a directory walk, the child is also checked on its own: report here only
            // the keys the parent's values change.
            let alone = extract(
                child_id,
                &child_file.text,
                &child_root,
                child_json,
                Origin::default(),
            );
            got.sites.retain(|s| {
                !alone
                    .sites
                    .iter()
                    .any(|a| a.resource == s.resource && a.body == s.body)
            });
            got.errors.clear();
            got.duplicate_ids.clear();
        }
        for site in &mut got.sites {
            site.resource = format!("{}/{}", res.key, site.resource);
        }
        ancestors.push(canon);
        read.extracted.absorb(got);
        walk(
            &child_file,
            child_id,
            &child_root,
            explicit,
            Some(&params),
            depth + 1,
            ancestors,
            read,
        );
        ancestors.pop();
    }
}

/// Could this text nest a local template? A byte scan before any parse: a `TemplateURL` or
/// `Location` whose value, on the same line, is a relative path to a template file. Most
/// nested stacks point at S3; a parent whose child is not read here still has its child checked
/// on its own.
pub fn may_nest_locally(text: &str) -> bool {
    (text.contains("AWS::CloudFormation::Stack") || text.contains("AWS::Serverless::Application"))
        && text.lines().any(|line| {
            ["TemplateURL", "Location"].iter().any(|k| {
                let Some(at) = line.find(k) else {
                    return false;
                };
                let rest = line[at + k.len()..]
                    .trim_start_matches(['"', '\''])
                    .trim_start();
                let Some(value) = rest.strip_prefix(':') else {
                    return false;
                };
                let value = value.trim_start();
                let v = match value.chars().next() {
                    Some(q @ ('"' | '\'')) => value[1..].split(q).next().unwrap_or(""),
                    _ => value.split([' ', ',', '}', '#']).next().unwrap_or(""),
                };
                let ext = [".yaml", ".yml", ".json", ".template"]
                    .iter()
                    .any(|e| v.to_ascii_lowercase().ends_with(e));
                ext && is_local(v)
            })
        })
}

/// Not an S3 or web URL, nor a dynamic reference: a path `package` uploads.
fn is_local(p: &str) -> bool {
    let lower = p.to_ascii_lowercase();
    !p.is_empty()
        && !lower.starts_with("s3://")
        && !lower.starts_with("http://")
        && !lower.starts_with("https://")
        && !p.contains("{{resolve:")
        && !p.contains("${")
}

/// `rel` under `dir`, if it stays inside it (no `..` above it, no absolute path).
fn inside(dir: &Path, rel: &str) -> Option<PathBuf> {
    let rel = Path::new(rel);
    let mut out = dir.to_path_buf();
    let mut depth = 0usize;
    for c in rel.components() {
        match c {
            Component::CurDir => {}
            Component::Normal(p) => {
                out.push(p);
                depth += 1;
            }
            Component::ParentDir if depth > 0 => {
                out.pop();
                depth -= 1;
            }
            _ => return None,
        }
    }
    let (Ok(base), Ok(full)) = (
        dir_or_cwd(dir).canonicalize(),
        dir_or_cwd(&out).canonicalize(),
    ) else {
        return None;
    };
    full.starts_with(&base).then_some(out)
}

fn dir_or_cwd(p: &Path) -> &Path {
    if p.as_os_str().is_empty() {
        Path::new(".")
    } else {
        p
    }
}

fn canonical(p: &Path) -> Option<PathBuf> {
    dir_or_cwd(p).canonicalize().ok()
}

/// A child template's text and tree, if it is a regular file within the size limit that parses.
fn load(path: &Path) -> Option<(String, Node, bool)> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > DEFAULT_MAX_FILE_SIZE {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        || text
            .trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with('{');
    let root = if is_json {
        json::parse_json(&text).ok()?
    } else {
        yaml::parse_yaml(&text).ok()?
    };
    Some((text, root, is_json))
}

/// A template embedded as a string (`TemplateBody`), checked where it is written.
pub fn embedded(
    tpl: &Template,
    text: &str,
    is_json: bool,
    owner: &str,
    res: &Node,
    out: &mut Extracted,
) {
    let Some(props) = res.get("Properties") else {
        return;
    };
    let Some(body) = props.get("TemplateBody") else {
        return;
    };
    let (NodeKind::String(inner) | NodeKind::Scalar(inner)) = &body.kind else {
        return;
    };
    if body.tag.is_some() {
        return;
    }
    let map: Option<OffsetMap> = if is_json {
        text.get(body.span.start..body.span.end)
            .and_then(|raw| json::string_literal_map(raw, body.span.start))
            .map(|(_, m)| m)
    } else {
        yaml::scalar_offset_map(text, body)
    };
    // StackSet: [{ParameterKey, ParameterValue}]; Stack: {Name: value}.
    let mut given = HashMap::new();
    match props.get("Parameters").map(|p| &p.kind) {
        Some(NodeKind::Seq(items)) => {
            for p in items {
                if let (Some(k), Some(v)) = (
                    p.get("ParameterKey").and_then(Node::as_str),
                    p.get("ParameterValue"),
                ) {
                    given.insert(k.to_string(), tpl.doc(v));
                }
            }
        }
        Some(NodeKind::Map(entries)) => {
            for e in entries {
                given.insert(e.key.clone(), tpl.doc(&e.value));
            }
        }
        _ => {}
    }
    let at = Place {
        file: tpl.file,
        text,
        map: map.as_ref(),
        fallback: body.span,
    };
    let got = template_in_string(at, inner, &given, owner);
    out.absorb(got);
}

/// Where a string holding a template sits in its file.
#[derive(Clone, Copy)]
pub struct Place<'a> {
    pub file: FileId,
    /// The whole file's text.
    pub text: &'a str,
    /// From offsets in the string's value to the file (its quotes, escapes, indentation).
    pub map: Option<&'a OffsetMap>,
    /// Where everything goes when there is no map: the string itself.
    pub fallback: Span,
}

/// A CloudFormation template given as a string inside another file (a StackSet's or stack's
/// `TemplateBody`; for Terraform, `aws_cloudformation_stack(_set)` `template_body`): its key
/// policies, named `owner/<logical id>`, positions mapped into the file, with the values the
/// owner passes for its parameters. Nothing when the string holds no key.
pub fn template_in_string(
    at: Place<'_>,
    body: &str,
    given: &HashMap<String, Doc>,
    owner: &str,
) -> Extracted {
    let mut out = Extracted::default();
    if !body.contains("AWS::KMS::") {
        return out;
    }
    let to_file = |o: usize| match at.map {
        Some(m) => m.map(o).min(at.text.len()),
        None => at.fallback.start,
    };
    let inner_json = body.trim_start().starts_with('{');
    let parsed = if inner_json {
        json::parse_json(body)
    } else {
        yaml::parse_yaml(body)
    };
    let mut root = match parsed {
        Ok(root) => root,
        Err(e) => {
            out.errors.push(InputError {
                file: at.file,
                span: Span::new(to_file(e.span.start), to_file(e.span.end)),
                message: format!("the embedded template does not parse: {}", e.message),
                code: if inner_json { code::JSON } else { code::YAML },
            });
            return out;
        }
    };
    root.remap(&to_file);
    if !is_template(&root) {
        return out;
    }
    let origin = Origin {
        given: Some(given),
        variables: None,
        yaml12: false,
    };
    let mut got = extract(at.file, at.text, &root, inner_json, origin);
    for site in &mut got.sites {
        site.resource = format!("{owner}/{}", site.resource);
    }
    got
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn only_local_paths_inside_the_folder_are_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("sub/child.yaml"), "x").unwrap();
        std::fs::write(dir.path().join("child.yaml"), "x").unwrap();
        let d = dir.path();
        assert!(inside(d, "child.yaml").is_some());
        assert!(inside(d, "./sub/child.yaml").is_some());
        assert!(inside(d, "sub/../child.yaml").is_some());
        assert!(inside(&d.join("sub"), "../child.yaml").is_none());
        assert!(inside(d, "/etc/passwd").is_none());
        assert!(inside(d, "missing.yaml").is_none());
        for url in [
            "s3://b/k.yaml",
            "https://x/t.yaml",
            "HTTP://x",
            "{{resolve:ssm:/p}}",
            "${Bucket}/t.yaml",
            "",
        ] {
            assert!(!is_local(url), "{url}");
        }
        assert!(is_local("./child.yaml"));
        let parent = "Resources:\n  S:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: ./child.yaml\n";
        assert!(may_nest_locally(parent));
        assert!(may_nest_locally(
            &parent.replace("./child.yaml", "\"templates/c.json\"")
        ));
        assert!(!may_nest_locally(
            &parent.replace("./child.yaml", "https://b.s3.amazonaws.com/c.yaml")
        ));
        assert!(!may_nest_locally(
            &parent.replace("./child.yaml", "!Sub '${B}/c.yaml'")
        ));
        let json = r#"{"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": "child.template"}}"#;
        assert!(may_nest_locally(json));
    }
}
