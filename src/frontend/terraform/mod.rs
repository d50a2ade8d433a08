//! Terraform root module -> `PolicySite`s: KMS keys (`aws_kms_key`, replica and external keys),
//! `aws_kms_key_policy` and `aws_kms_grant`, from `.tf` and `.tf.json` files, in the root module
//! and in every module instance it calls, evaluated the way `terraform plan` would (`graph`
//! finds the modules, `decls` merges each directory's files, `instances` expands count/for_each
//! and module calls, `eval` + `ops` + `functions` + `templates` evaluate expressions,
//! `policy_document` renders `aws_iam_policy_document` as the AWS provider does).

use crate::base::source::{FileId, SourceFile};
use crate::ir::{Doc, Value};
use crate::ir::{Extracted, Unit};
use crate::parse::hcl::{self, Body, Expression};
use crate::parse::{Node, ParseError};
use decls::Decls;
use eval::{Def, Module, Shared};
use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

mod conditionals;
mod decls;
pub(crate) mod eval;
mod files;
mod functions;
mod graph;
mod indirect;
mod instances;
mod json_syntax;
mod json_text;
mod ops;
mod policy_document;
mod providers;
mod templates;
mod types;

pub(crate) use eval::unknown;
pub use graph::called_dirs;
pub use indirect::INDIRECT_TYPES;
pub(crate) use json_text::{json_value, node_to_doc};

/// Resource types whose `policy` is a key policy.
pub const KEY_TYPES: &[&str] = &[
    "aws_kms_key",
    "aws_kms_replica_key",
    "aws_kms_external_key",
    "aws_kms_replica_external_key",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    Config,
    ConfigJson,
    /// tfvars, ranked by Terraform's precedence (higher wins), then by name.
    Vars(u8),
    VarsJson(u8),
    Other,
}

pub(crate) fn classify(path: &Path) -> Kind {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if name == "terraform.tfvars" {
        Kind::Vars(0)
    } else if name == "terraform.tfvars.json" {
        Kind::VarsJson(0)
    } else if name.ends_with(".auto.tfvars") {
        Kind::Vars(1)
    } else if name.ends_with(".auto.tfvars.json") {
        Kind::VarsJson(1)
    } else if name.ends_with(".tf.json") {
        Kind::ConfigJson
    } else if name.ends_with(".tf") {
        Kind::Config
    } else {
        Kind::Other
    }
}

/// Extracts every KMS policy site of one root module directory and of every module instance it
/// calls. `unit.files` holds the root's `.tf`, `.tf.json` and tfvars files; `var_files` are
/// `--var-file`s (and `--var` values), applied last in order. The called modules' files and the
/// files read through `file()`/`templatefile()` are added to the unit.
pub fn extract_module(
    unit: &mut Unit,
    scan_root: &Path,
    var_files: &[Arc<SourceFile>],
) -> Extracted {
    let limit = crate::base::limits::DEFAULT_MAX_FILE_SIZE;
    extract_module_limited(unit, scan_root, var_files, limit, false)
}

/// `extract_module`, reading no file larger than `max_file_size` through `file()` and
/// `templatefile()`; with `all_blocks`, parsing every block of every `.tf` file, not only those
/// a key policy can depend on (for proving that skipping the others hides nothing).
pub fn extract_module_limited(
    unit: &mut Unit,
    scan_root: &Path,
    var_files: &[Arc<SourceFile>],
    max_file_size: u64,
    all_blocks: bool,
) -> Extracted {
    let mut out = Extracted::default();
    let mut order: Vec<(Kind, String, FileId)> = Vec::new();
    for (i, f) in unit.files.iter().enumerate() {
        let name = f.path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        order.push((classify(&f.path), name.to_string(), FileId(i as u32)));
    }
    for vf in var_files {
        let id = unit.add(vf.clone());
        let json = vf.path.extension().is_some_and(|e| e == "json");
        let kind = if json {
            Kind::VarsJson(2)
        } else {
            Kind::Vars(2)
        };
        // Var files keep the order they were given in: rank by position, not name.
        order.push((kind, format!("{:08}", id.0), id));
    }
    let Some(module_dir) = unit
        .files
        .iter()
        .find(|f| matches!(classify(&f.path), Kind::Config | Kind::ConfigJson))
        .and_then(|f| f.path.parent())
        .map(Path::to_path_buf)
    else {
        return out;
    };

    // Parse everything first: the module contexts borrow the trees.
    let mut root = graph::DirTrees::new(module_dir, false);
    let files: Vec<(Kind, String, FileId, Arc<SourceFile>)> = order
        .iter()
        .filter_map(|(k, n, id)| Some((*k, n.clone(), *id, unit.file(*id).cloned()?)))
        .collect();
    root.parse_all(&files, all_blocks, &mut out.errors);
    let mut dirs = vec![root];
    graph::load(
        unit,
        &mut dirs,
        scan_root,
        max_file_size,
        all_blocks,
        &mut out.errors,
    );
    let files: Vec<Arc<SourceFile>> = unit.files.clone();
    let decls: Vec<Decls> = dirs.iter().map(decls_of).collect();
    let Some(root_decls) = decls.first() else {
        return out;
    };
    let mut sh = Shared::new(&files, scan_root, max_file_size);
    sh.dirs = &decls;
    sh.natives = dirs
        .iter()
        .flat_map(|d| d.native.iter().map(|(id, n)| (*id, n)))
        .collect();
    let mut module = Module::new(&sh, root_decls);
    if let Some(root) = dirs.first() {
        apply_tfvars(&mut module, root);
    }
    module.register_providers(std::collections::HashMap::new());
    module.collect(&decls, &mut out, &mut vec![0]);

    out.conditional
        .extend(std::mem::take(&mut *sh.conditional.borrow_mut()));
    crate::ir::Conditional::dedup(&mut out.conditional);
    out.errors
        .extend(std::mem::take(&mut *sh.errors.borrow_mut()));
    for f in std::mem::take(&mut *sh.new_files.borrow_mut()) {
        unit.add(f);
    }
    out
}

/// The declarations of one directory: its `.tf` and `.tf.json` files, then override files.
fn decls_of(d: &graph::DirTrees) -> Decls<'_> {
    let mut decls = Decls {
        dir: d.dir.clone(),
        bundled: d.bundled,
        ..Decls::default()
    };
    let configs = || d.hcl.iter().filter(|(k, ..)| *k == Kind::Config);
    for (_, _, id, body) in configs().filter(|(_, n, ..)| !decls::is_override(n)) {
        decls.add_config(*id, body, false, &d.targets);
    }
    for (_, _, id, body) in configs().filter(|(_, n, ..)| decls::is_override(n)) {
        decls.add_config(*id, body, true, &d.targets);
    }
    decls
}

/// tfvars in Terraform's precedence order (`terraform.tfvars`, `terraform.tfvars.json`,
/// `*.auto.tfvars[.json]` by file name, then `--var-file`s and `--var`s as given): later win.
fn apply_tfvars<'a>(module: &mut Module<'a>, d: &'a graph::DirTrees) {
    let rank = |k: Kind| match k {
        Kind::Vars(r) | Kind::VarsJson(r) => Some(r),
        _ => None,
    };
    type Entry<'t> = (u8, u8, &'t str, Option<&'t Body>, Option<&'t Node>, FileId);
    let mut vars: Vec<Entry<'a>> = Vec::new();
    for (kind, name, id, body) in &d.hcl {
        if let Some(r) = rank(*kind) {
            vars.push((r, 0, name, Some(body), None, *id));
        }
    }
    for (kind, name, id, node) in &d.json {
        if let Some(r) = rank(*kind) {
            // terraform.tfvars.json after terraform.tfvars; auto files by name alone.
            let sub = u8::from(r == 0);
            vars.push((r, sub, name, None, Some(node), *id));
        }
    }
    vars.sort_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)));
    for (rank, _, _, body, node, id) in vars {
        // Given on kmslint's command line: what the plan uses (section "Terraform" of README).
        let given = rank == 2;
        if let Some(body) = body {
            for a in body.attributes() {
                let def = Def::Hcl {
                    file: id,
                    expr: &a.value,
                };
                let name = a.key.as_str().to_string();
                if given {
                    module.given.insert(name.clone());
                }
                module.var_values.insert(name, def);
            }
        }
        if let Some(node) = node {
            for e in node.entries() {
                let def = Def::Json {
                    file: id,
                    node: &e.value,
                };
                if given {
                    module.given.insert(e.key.clone());
                }
                module.var_values.insert(e.key.clone(), def);
            }
        }
    }
}

/// Can a key policy, grant or alias depend on this top-level block? Keys, grants, aliases and
/// key policies are `aws_kms_*` resources; what their expressions can reach is `var.*`,
/// `local.*`, policy documents, the caller identity and partition, IAM roles, users, groups and
/// policies (their ARNs), module calls (instances), their outputs and providers (accounts); any
/// other reference
/// is only known after apply, with or without its block. A label the scan cannot read plainly is
/// kept.
fn block_matters(b: &hcl::TopBlock, iam: Option<&HashSet<String>>) -> bool {
    let first = b.labels.first().copied();
    if first.is_some_and(|l| l.contains('\\')) {
        return true;
    }
    match (b.ident, first) {
        ("variable" | "locals" | "module" | "provider" | "output", _) => true,
        ("resource", Some(ty)) if IAM_TYPES.contains(&ty) => match (iam, b.labels.get(1)) {
            (Some(named), Some(name)) => named.contains(&format!("{ty}.{name}")),
            _ => true,
        },
        ("resource", Some(ty)) => {
            ty.starts_with("aws_kms_") || indirect::INDIRECT_TYPES.contains(&ty)
        }
        ("data", Some(ty)) => matches!(
            ty,
            "aws_iam_policy_document"
                | "aws_caller_identity"
                | "aws_partition"
                | "aws_iam_session_context"
        ),
        ("resource" | "data", None) => true,
        _ => false,
    }
}

/// IAM resources whose ARN is the key's own account when a policy names them.
const IAM_TYPES: &[&str] = &[
    "aws_iam_role",
    "aws_iam_user",
    "aws_iam_group",
    "aws_iam_policy",
];

/// The IAM resources (`aws_iam_role.app`) named in the blocks of a module's `.tf` files that
/// are parsed anyway: only those IAM blocks need parsing (most roles are named by no key
/// policy, and their trust policies are large). `None` when a file's layout is one the block
/// scan does not know: then every IAM block is kept.
pub(crate) fn iam_refs<'t>(
    texts: impl IntoIterator<Item = (&'t str, Option<&'t [hcl::TopBlock<'t>]>)>,
) -> Option<HashSet<String>> {
    let mut out = HashSet::new();
    for (text, blocks) in texts {
        let blocks = blocks?;
        let kept = blocks.iter().filter(|b| {
            block_matters(b, None)
                && !(b.ident == "resource"
                    && b.labels.first().is_some_and(|t| IAM_TYPES.contains(t)))
        });
        for b in kept {
            let t = text.get(b.range.clone()).unwrap_or("");
            for at in memchr::memmem::find_iter(t.as_bytes(), b"aws_iam_") {
                let rest = t.get(at..).unwrap_or("");
                let end = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
                    .unwrap_or(rest.len());
                let mut parts = rest.get(..end).unwrap_or("").split('.');
                if let (Some(ty), Some(name)) = (parts.next(), parts.next()) {
                    if IAM_TYPES.contains(&ty) && !name.is_empty() {
                        out.insert(format!("{ty}.{name}"));
                    }
                }
            }
        }
    }
    Some(out)
}

/// Parses a `.tf` or tfvars file. Blocks no key policy can depend on (`block_matters`) are
/// blanked first, unless `all_blocks`: in a real module they are most of the text, and parsing
/// is most of the cost. When the blanked text does not parse, the whole file is parsed, so an
/// error in a block that matters is reported exactly as before; a syntax error in a block that
/// cannot matter is left to `terraform validate`.
pub(crate) fn parse_tf(
    text: &str,
    kind: Kind,
    all_blocks: bool,
    iam: Option<&HashSet<String>>,
) -> Result<Body, ParseError> {
    let blocks = (kind == Kind::Config && !all_blocks)
        .then(|| hcl::top_level_blocks(text))
        .flatten();
    parse_tf_blocks(text, kind, all_blocks, iam, blocks.as_deref())
}

/// `parse_tf` with the file's top-level blocks already found (`None`: the scan gave up).
pub(crate) fn parse_tf_blocks(
    text: &str,
    kind: Kind,
    all_blocks: bool,
    iam: Option<&HashSet<String>>,
    blocks: Option<&[hcl::TopBlock<'_>]>,
) -> Result<Body, ParseError> {
    if kind == Kind::Config && !all_blocks {
        if let Some(blocks) = blocks {
            if let Some(body) =
                hcl::parse_hcl_keeping_blocks(text, blocks, |b| block_matters(b, iam))
            {
                return Ok(body);
            }
        }
    }
    hcl::parse_hcl(text)
}

/// `aws_kms_key.X.id`, `.arn`, `.key_id` (any key type) anywhere in an expression.
pub(crate) fn collect_key_refs(expr: &Expression, out: &mut HashSet<String>) {
    use hcl_edit::expr::TraversalOperator;
    match expr {
        Expression::Traversal(t) => {
            if let (Some(root), Some(op)) = (t.expr.as_variable(), t.operators.first()) {
                if let TraversalOperator::GetAttr(name) = op.value() {
                    if KEY_TYPES.contains(&root.as_str()) {
                        out.insert(format!("{}.{}", root.as_str(), name.as_str()));
                    }
                }
            }
        }
        Expression::StringTemplate(t) => {
            for el in t.iter() {
                if let Some(i) = el.as_interpolation() {
                    collect_key_refs(&i.expr, out);
                }
            }
        }
        Expression::Conditional(c) => {
            collect_key_refs(&c.true_expr, out);
            collect_key_refs(&c.false_expr, out);
        }
        Expression::Parenthesis(p) => collect_key_refs(p.inner(), out),
        Expression::FuncCall(f) => f.args.iter().for_each(|a| collect_key_refs(a, out)),
        _ => {}
    }
}

/// Could a module directory's file define a key, key policy or grant, or call a module that
/// does? A byte test: `aws_kms_` (or a resource type creating keys another way, `indirect`)
/// anywhere, a `module "…"` block at the start of a line, or a
/// `"module":` key (JSON syntax).
pub fn may_hold_keys(text: &str) -> bool {
    let named = |s: &[u8]| memchr::memmem::find(text.as_bytes(), s).is_some();
    // Keys created through another resource: Cloud Control, a CloudFormation stack.
    if named(b"aws_kms_")
        || named(b"awscc_kms_")
        || named(b"aws_cloudcontrolapi_resource")
        || named(b"aws_cloudformation_stack")
    {
        return true;
    }
    may_call_modules(text)
}

/// Could a file call a module? A `module "…"` block at the start of a line, or a `"module":`
/// key (JSON syntax). A byte test.
pub fn may_call_modules(text: &str) -> bool {
    let json_module = memchr::memmem::find_iter(text.as_bytes(), b"\"module\"").any(|at| {
        text.get(at + 8..)
            .is_some_and(|r| r.trim_start().starts_with(':'))
    });
    if json_module {
        return true;
    }
    memchr::memmem::find_iter(text.as_bytes(), b"module").any(|at| {
        let before = text.get(..at).unwrap_or("");
        let line_start = before.rsplit('\n').next().unwrap_or("");
        let after = text.get(at + 6..).unwrap_or("");
        line_start.trim().is_empty()
            && after.trim_start_matches([' ', '\t']).starts_with('"')
            && after.starts_with([' ', '\t'])
    })
}

/// `--var NAME=VALUE` as a line of a tfvars file: VALUE is an HCL expression when it is one
/// Terraform would read as such (a list, a map, a quoted string, a number, a bool), else the
/// string itself, as `terraform plan -var` reads it.
pub fn var_assignment(arg: &str) -> String {
    let (name, value) = arg.split_once('=').unwrap_or((arg, ""));
    let v = value.trim();
    let expr = v.starts_with(['[', '{', '"'])
        || v == "true"
        || v == "false"
        || v == "null"
        || v.parse::<f64>().is_ok();
    let value = if expr && hcl::parse_hcl(&format!("x = {v}\n")).is_ok() {
        v.to_string()
    } else {
        serde_json::Value::String(value.to_string())
            .to_string()
            .replace("${", "$${")
    };
    format!("{} = {value}\n", name.trim())
}

/// Literal-keyed tags with string values.
pub fn tags_of(d: &Doc) -> Vec<(String, Value)> {
    d.entries()
        .iter()
        .filter_map(|e| e.value.as_value().map(|v| (e.key.clone(), v.clone())))
        .collect()
}

#[cfg(test)]
pub(crate) mod tests;
