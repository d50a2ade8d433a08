//! The declarations of one module directory, as Terraform merges its files: variables, locals,
//! policy documents, resources, module calls and providers, with `*_override.tf` files applied
//! last (an override's attributes replace the original's).

use super::eval::Def;
use crate::base::source::FileId;
use crate::parse::hcl::{Block, Body, Expression};
use std::collections::HashMap;
use std::path::PathBuf;

/// A declared variable.
#[derive(Clone, Copy, Debug, Default)]
pub struct Var<'a> {
    pub default: Option<Def<'a>>,
    /// The type constraint (HCL), applied to every value the variable takes.
    pub ty: Option<(FileId, &'a Expression)>,
    /// `nullable = false`: a null value takes the default instead (Terraform).
    pub non_null: bool,
}

/// Where a module call's source is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A loaded module directory (index into the unit's directories).
    Dir(usize),
    /// Not on disk: why, and what to run.
    Missing(String),
    /// A local source kmslint does not read (outside the scan root, not there, over a limit),
    /// or one it cannot tell: whatever it creates is unchecked, so the call is always reported.
    Unread(String),
}

/// A `module` block.
#[derive(Clone, Debug)]
pub struct Call<'a> {
    pub name: String,
    pub file: FileId,
    pub block: &'a Block,
    pub target: Target,
    /// What the message says about the source used (a bundled copy of a registry module).
    pub note: Option<String>,
}

/// The declarations of one module directory.
#[derive(Default)]
pub struct Decls<'a> {
    pub dir: PathBuf,
    pub vars: HashMap<String, Var<'a>>,
    pub locals: HashMap<String, Def<'a>>,
    pub policy_docs: HashMap<String, (FileId, &'a Block)>,
    /// `resource` blocks (and `data` blocks other than policy documents), in file order.
    pub resources: Vec<(FileId, &'a Block)>,
    /// Override files' blocks for a resource address (`aws_kms_key.k`), applied in order.
    pub overrides: HashMap<String, Vec<(FileId, &'a Block)>>,
    pub calls: Vec<Call<'a>>,
    /// `output` values, read by callers (`module.NAME.OUTPUT`).
    pub outputs: HashMap<String, (FileId, &'a Expression)>,
    /// `provider "aws"` blocks: (local name `aws` / `aws.alias`, file, block).
    pub providers: Vec<(String, FileId, &'a Block)>,
    /// The text is not the user's (a bundled registry module).
    pub bundled: bool,
}

impl<'a> Decls<'a> {
    /// Records the blocks of one `.tf` file; `is_override` for `override.tf`/`*_override.tf`.
    pub fn add_config(
        &mut self,
        file: FileId,
        body: &'a Body,
        is_override: bool,
        targets: &HashMap<String, (Target, Option<String>)>,
    ) {
        for block in body.blocks() {
            match (block.ident.as_str(), block.labels.as_slice()) {
                ("variable", [name]) => {
                    let default = block.body.get_attribute("default").map(|a| Def::Hcl {
                        file,
                        expr: &a.value,
                    });
                    let ty = block.body.get_attribute("type").map(|a| (file, &a.value));
                    let v = self.vars.entry(name.as_str().to_string()).or_default();
                    if !is_override || default.is_some() {
                        v.default = default.or(if is_override { v.default } else { None });
                    }
                    if !is_override || ty.is_some() {
                        v.ty = ty;
                    }
                    if let Some(a) = block.body.get_attribute("nullable") {
                        v.non_null = matches!(&a.value, Expression::Bool(b) if !*b.value());
                    } else if !is_override {
                        v.non_null = false;
                    }
                }
                ("output", [name]) => {
                    if let Some(a) = block.body.get_attribute("value") {
                        self.outputs
                            .insert(name.as_str().to_string(), (file, &a.value));
                    }
                }
                ("locals", []) => {
                    for a in block.body.attributes() {
                        let def = Def::Hcl {
                            file,
                            expr: &a.value,
                        };
                        self.locals.insert(a.key.as_str().to_string(), def);
                    }
                }
                ("data", [ty, name]) if ty.as_str() == "aws_iam_policy_document" => {
                    self.policy_docs
                        .insert(name.as_str().to_string(), (file, block));
                }
                ("resource" | "data", [ty, name]) => {
                    let key = format!("{}.{}", ty.as_str(), name.as_str());
                    let key = if block.ident.as_str() == "data" {
                        format!("data.{key}")
                    } else {
                        key
                    };
                    if is_override {
                        self.overrides.entry(key).or_default().push((file, block));
                    } else {
                        self.resources.push((file, block));
                    }
                }
                ("module", [name]) if !is_override => {
                    let (target, note) = targets
                        .get(name.as_str())
                        .cloned()
                        .unwrap_or((Target::Unread("its source is not a string".into()), None));
                    self.calls.push(Call {
                        name: name.as_str().to_string(),
                        file,
                        block,
                        target,
                        note,
                    });
                }
                ("provider", [name]) => {
                    let alias = block
                        .body
                        .get_attribute("alias")
                        .and_then(|a| a.value.as_str().map(str::to_string));
                    let local = match alias {
                        Some(a) => format!("{}.{a}", name.as_str()),
                        None => name.as_str().to_string(),
                    };
                    self.providers.push((local, file, block));
                }
                _ => {}
            }
        }
    }

    /// The block declaring a resource (`aws_iam_role.app`), if this module has it.
    pub fn resource(&self, ty: &str, name: &str) -> Option<(FileId, &'a Block)> {
        self.resources.iter().copied().find(|(_, b)| {
            b.ident.as_str() == "resource"
                && b.labels.first().map(|l| l.as_str()) == Some(ty)
                && b.labels.get(1).map(|l| l.as_str()) == Some(name)
        })
    }

    /// An attribute of a resource block, after override files: the file it is written in
    /// (`None`: the block's own) and its expression.
    pub fn attribute(
        &self,
        address: &str,
        block: &'a Block,
        name: &str,
    ) -> Option<(Option<FileId>, &'a Expression)> {
        if let Some(over) = self.overrides.get(address) {
            for (file, b) in over.iter().rev() {
                if let Some(a) = b.body.get_attribute(name) {
                    return Some((Some(*file), &a.value));
                }
            }
        }
        block.body.get_attribute(name).map(|a| (None, &a.value))
    }
}

/// `override.tf`, `*_override.tf` and their `.tf.json` forms: merged after every other file.
pub fn is_override(name: &str) -> bool {
    let stem = name
        .strip_suffix(".tf.json")
        .or_else(|| name.strip_suffix(".tf"))
        .unwrap_or("");
    stem == "override" || stem.ends_with("_override")
}
