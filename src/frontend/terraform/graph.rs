//! The module graph of a root module: every module it calls, recursively, read and parsed once.
//! Local sources (`./`, `../`) are read relative to the calling module; registry and git sources
//! through `.terraform/modules/modules.json` when `terraform init` has run; the registry module
//! `terraform-aws-modules/kms/aws` from a bundled copy of its source when it is not on disk.
//! Also: which discovered module directories another one calls (they are checked through their
//! callers, not alone).

use super::decls::Target;
use super::files::{normalize, read_regular};
use super::json_syntax::{to_native, Native};
use super::{classify, parse_tf, Kind};
use crate::base::diag::{code, InputError};
use crate::base::limits::MAX_MODULE_DIRS;
use crate::base::source::{FileId, SourceFile, Span};
use crate::ir::Unit;
use crate::parse::hcl::{self, Body};
use crate::parse::{json, Node};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One module directory's parsed files.
pub struct DirTrees {
    pub dir: PathBuf,
    /// Worked out when a module call needs it (most directories call none).
    canonical: std::cell::OnceCell<Option<PathBuf>>,
    pub hcl: Vec<(Kind, String, FileId, Body)>,
    /// `.tfvars.json` files.
    pub json: Vec<(Kind, String, FileId, Node)>,
    /// `.tf.json` files as native syntax (their trees are in `hcl`).
    pub native: Vec<(FileId, Native)>,
    /// The IAM resources a kept block names (`iam_refs`): the IAM blocks worth parsing.
    pub iam: Option<HashSet<String>>,
    /// Module calls by name: where each source is, and a note on what was assumed.
    pub targets: HashMap<String, (Target, Option<String>)>,
    pub bundled: bool,
}

impl DirTrees {
    pub fn new(dir: PathBuf, bundled: bool) -> Self {
        DirTrees {
            canonical: std::cell::OnceCell::new(),
            dir,
            hcl: Vec::new(),
            json: Vec::new(),
            native: Vec::new(),
            iam: None,
            targets: HashMap::new(),
            bundled,
        }
    }

    /// Parses a directory's files into its trees. The IAM blocks worth parsing are found first
    /// (`iam_refs`), from one block scan per file that the parse then reuses.
    pub fn parse_all(
        &mut self,
        files: &[(Kind, String, FileId, Arc<SourceFile>)],
        all_blocks: bool,
        errors: &mut Vec<InputError>,
    ) {
        let scans: Vec<Option<Vec<hcl::TopBlock<'_>>>> = files
            .iter()
            .map(|(k, _, _, f)| {
                (*k == Kind::Config && !all_blocks)
                    .then(|| hcl::top_level_blocks(&f.text))
                    .flatten()
            })
            .collect();
        let configs = files
            .iter()
            .zip(&scans)
            .filter(|((k, ..), _)| *k == Kind::Config);
        // A `.tf.json` file may name an IAM resource too: with one, every IAM block is kept.
        let json = files.iter().any(|(k, ..)| *k == Kind::ConfigJson);
        self.iam = super::iam_refs(configs.map(|((.., f), b)| (f.text.as_str(), b.as_deref())))
            .filter(|_| !json);
        for ((kind, name, id, f), blocks) in files.iter().zip(&scans) {
            self.parse(
                *kind,
                name.clone(),
                *id,
                &f.text,
                all_blocks,
                blocks.as_deref(),
                errors,
            );
        }
    }

    /// Parses one file (`blocks`: its top-level blocks, when already scanned).
    #[allow(clippy::too_many_arguments)]
    fn parse(
        &mut self,
        kind: Kind,
        name: String,
        id: FileId,
        text: &str,
        all_blocks: bool,
        blocks: Option<&[hcl::TopBlock<'_>]>,
        errors: &mut Vec<InputError>,
    ) {
        match kind {
            Kind::Config | Kind::Vars(_) => {
                match super::parse_tf_blocks(text, kind, all_blocks, self.iam.as_ref(), blocks) {
                    Ok(body) => self.hcl.push((kind, name, id, body)),
                    Err(e) => errors.push(InputError {
                        file: id,
                        span: e.span,
                        message: e.message,
                        code: code::HCL,
                    }),
                }
            }
            Kind::ConfigJson => match json::parse_json(text) {
                Ok(node) => {
                    let native = to_native(&node, text);
                    match parse_tf(&native.text, Kind::Config, all_blocks, None) {
                        Ok(body) => self.hcl.push((Kind::Config, name, id, body)),
                        // Only a value no native syntax can hold (the writer's own limits).
                        Err(e) => errors.push(InputError {
                            file: id,
                            span: Span::new(
                                native.map.map(e.span.start),
                                native.map.map(e.span.end),
                            ),
                            message: format!("not read as Terraform: {}", e.message),
                            code: code::JSON,
                        }),
                    }
                    self.native.push((id, native));
                }
                Err(e) => errors.push(InputError {
                    file: id,
                    span: e.span,
                    message: e.message,
                    code: code::JSON,
                }),
            },
            Kind::VarsJson(_) => match json::parse_json(text) {
                Ok(node) => self.json.push((kind, name, id, node)),
                Err(e) => errors.push(InputError {
                    file: id,
                    span: e.span,
                    message: e.message,
                    code: code::JSON,
                }),
            },
            Kind::Other => {}
        }
    }

    fn canonical(&self) -> &Option<PathBuf> {
        self.canonical.get_or_init(|| self.dir.canonicalize().ok())
    }

    /// `(name, source, version)` of every module call.
    fn calls(&self) -> Vec<(String, Option<String>, Option<String>)> {
        let mut out = Vec::new();
        for (kind, _, _, body) in &self.hcl {
            if *kind != Kind::Config {
                continue;
            }
            for b in body.blocks() {
                if let ("module", [name]) = (b.ident.as_str(), b.labels.as_slice()) {
                    let get = |k: &str| {
                        b.body
                            .get_attribute(k)
                            .and_then(|a| a.value.as_str().map(str::to_string))
                    };
                    out.push((name.as_str().to_string(), get("source"), get("version")));
                }
            }
        }
        out
    }
}

/// The registry module whose source is bundled.
const KMS_MODULE: &str = "terraform-aws-modules/kms/aws";

fn is_local(source: &str) -> bool {
    source.starts_with("./") || source.starts_with("../") || source == "." || source == ".."
}

fn registry_name(source: &str) -> &str {
    source
        .strip_prefix("registry.terraform.io/")
        .unwrap_or(source)
        .split("//")
        .next()
        .unwrap_or(source)
}

/// The bundled versions: (version, main.tf, variables.tf).
const BUNDLED: [(&str, &str, &str); 2] = [
    (
        "4.2.0",
        include_str!("bundled/terraform-aws-kms-v4.2.0/main.tf"),
        include_str!("bundled/terraform-aws-kms-v4.2.0/variables.tf"),
    ),
    (
        "3.1.1",
        include_str!("bundled/terraform-aws-kms-v3.1.1/main.tf"),
        include_str!("bundled/terraform-aws-kms-v3.1.1/variables.tf"),
    ),
];

/// A bundled version's trees, by file in `BUNDLED` order, and the IAM blocks kept.
struct BundledTrees {
    hcl: Vec<(Kind, String, Body)>,
    iam: Option<HashSet<String>>,
}

/// A bundled version parsed once per process: every root that calls the registry module would
/// parse its thousand lines again (most of a run over many small roots). None if it does not
/// parse cleanly, so that each unit parses it and says why.
fn bundled_trees(version: &str) -> Option<&'static BundledTrees> {
    use std::sync::OnceLock;
    static PARSED: [OnceLock<Option<BundledTrees>>; BUNDLED.len()] =
        [const { OnceLock::new() }; BUNDLED.len()];
    let i = BUNDLED.iter().position(|(v, ..)| *v == version)?;
    let (_, main, vars) = BUNDLED.get(i)?;
    PARSED
        .get(i)?
        .get_or_init(|| {
            let files: Vec<(Kind, String, FileId, Arc<SourceFile>)> =
                [("main.tf", *main), ("variables.tf", *vars)]
                    .into_iter()
                    .zip(0u32..)
                    .map(|((name, text), id)| {
                        let f = SourceFile::new(PathBuf::from(name), text.to_string());
                        (Kind::Config, name.to_string(), FileId(id), f)
                    })
                    .collect();
            let mut d = DirTrees::new(PathBuf::new(), true);
            let mut errors = Vec::new();
            d.parse_all(&files, false, &mut errors);
            let hcl = d.hcl.into_iter().map(|(k, n, _, b)| (k, n, b)).collect();
            errors
                .is_empty()
                .then_some(BundledTrees { hcl, iam: d.iam })
        })
        .as_ref()
}

fn parse_version(v: &str) -> Option<(u64, u64, u64)> {
    let mut it = v.trim().trim_start_matches('v').split('.');
    let a = it.next()?.parse().ok()?;
    let b = it.next().map_or(Some(0), |s| s.parse().ok())?;
    let c = it
        .next()
        .map_or(Some(0), |s| s.split(['-', '+']).next()?.parse().ok())?;
    Some((a, b, c))
}

/// Whether `version` satisfies a Terraform version constraint (`~> 3.0`, `>= 4, < 5`, `3.1.1`).
pub fn satisfies(version: &str, constraint: &str) -> bool {
    let Some(v) = parse_version(version) else {
        return false;
    };
    constraint.split(',').all(|c| {
        let c = c.trim();
        let (op, rest) = ["~>", ">=", "<=", "!=", ">", "<", "="]
            .iter()
            .find_map(|op| c.strip_prefix(op).map(|r| (*op, r)))
            .unwrap_or(("=", c));
        let parts = rest.trim().split('.').count();
        let Some(w) = parse_version(rest) else {
            return false;
        };
        match op {
            "~>" => {
                let upper = match parts {
                    1 => (w.0 + 1, 0, 0),
                    2 => (w.0 + 1, 0, 0),
                    _ => (w.0, w.1 + 1, 0),
                };
                v >= w && v < upper
            }
            ">=" => v >= w,
            "<=" => v <= w,
            ">" => v > w,
            "<" => v < w,
            "!=" => v != w,
            _ => v == w,
        }
    })
}

/// The bundled version a call's `version` constraint allows (the newest), or the closest one.
fn pick_bundled(constraint: Option<&str>) -> (&'static str, &'static str, &'static str, bool) {
    for (v, m, vars) in BUNDLED {
        if constraint.is_none_or(|c| satisfies(v, c)) {
            return (v, m, vars, true);
        }
    }
    let wants_old = constraint
        .and_then(|c| c.chars().find(|ch| ch.is_ascii_digit()))
        .is_some_and(|d| d < '4');
    let (v, m, vars) = if wants_old { BUNDLED[1] } else { BUNDLED[0] };
    (v, m, vars, false)
}

/// The `.terraform/modules/modules.json` records of a root module: key -> directory.
fn manifest(root: &Path, max: u64) -> HashMap<String, PathBuf> {
    let p = root.join(".terraform").join("modules").join("modules.json");
    let Ok(text) = read_regular(&p, max) else {
        return HashMap::new();
    };
    let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else {
        return HashMap::new();
    };
    let mut out = HashMap::new();
    for m in v
        .get("Modules")
        .and_then(|m| m.as_array())
        .into_iter()
        .flatten()
    {
        if let (Some(k), Some(d)) = (
            m.get("Key").and_then(|k| k.as_str()),
            m.get("Dir").and_then(|d| d.as_str()),
        ) {
            if !k.is_empty() {
                out.insert(k.to_string(), root.join(d));
            }
        }
    }
    out
}

/// Loads every module the root (`dirs[0]`, already parsed) calls, recursively.
pub fn load(
    unit: &mut Unit,
    dirs: &mut Vec<DirTrees>,
    scan_root: &Path,
    max_file_size: u64,
    all_blocks: bool,
    errors: &mut Vec<InputError>,
) {
    let Some(root_dir) = dirs.first().map(|d| d.dir.clone()) else {
        return;
    };
    let root_canonical = super::files::canonical_root(scan_root);
    let mut manifest_cache: Option<HashMap<String, PathBuf>> = None;
    let mut queue: Vec<(usize, String)> = vec![(0, String::new())];
    while let Some((i, prefix)) = queue.pop() {
        let Some(calls) = dirs.get(i).map(DirTrees::calls) else {
            continue;
        };
        let from = dirs.get(i).map(|d| (d.dir.clone(), d.bundled));
        let Some((from_dir, from_bundled)) = from else {
            continue;
        };
        for (name, source, version) in calls {
            let key = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}.{name}")
            };
            let Some(source) = source else {
                continue;
            };
            let mut note = None;
            let path: Result<PathBuf, String> = if is_local(&source) {
                if from_bundled {
                    Err(format!(
                        "module.{name} is a local module of a bundled module"
                    ))
                } else {
                    Ok(normalize(&from_dir.join(&source)))
                }
            } else {
                let m = manifest_cache.get_or_insert_with(|| manifest(&root_dir, max_file_size));
                match m.get(&key) {
                    Some(d) => Ok(normalize(d)),
                    None if registry_name(&source) == KMS_MODULE => {
                        let (v, main, vars, matched) = pick_bundled(version.as_deref());
                        let assumed = if matched {
                            format!("version {v}")
                        } else {
                            format!(
                                "version {v} (the bundled version closest to `{}`)",
                                version.as_deref().unwrap_or("")
                            )
                        };
                        note = Some(format!(
                            "module.{name}: the source of {KMS_MODULE} is not on disk (run \
                             `terraform init`); checked with a bundled copy of its {assumed}"
                        ));
                        let dir = PathBuf::from(format!("<bundled {KMS_MODULE} {v}>"));
                        let idx = match dirs.iter().position(|d| d.bundled && d.dir == dir) {
                            Some(idx) => idx,
                            None => {
                                let mut d = DirTrees::new(dir.clone(), true);
                                let mut files = Vec::new();
                                for (file, text) in [("main.tf", main), ("variables.tf", vars)] {
                                    let id =
                                        unit.add(SourceFile::new(dir.join(file), text.to_string()));
                                    if let Some(f) = unit.file(id).cloned() {
                                        files.push((Kind::Config, file.to_string(), id, f));
                                    }
                                }
                                match bundled_trees(v) {
                                    Some(parsed) if parsed.hcl.len() == files.len() => {
                                        let ids = files.iter().map(|(.., id, _)| *id);
                                        for ((kind, name, body), id) in parsed.hcl.iter().zip(ids) {
                                            d.hcl.push((*kind, name.clone(), id, body.clone()));
                                        }
                                        d.iam.clone_from(&parsed.iam);
                                    }
                                    _ => d.parse_all(&files, false, errors),
                                }
                                dirs.push(d);
                                dirs.len() - 1
                            }
                        };
                        if let Some(d) = dirs.get_mut(i) {
                            d.targets
                                .insert(name.clone(), (Target::Dir(idx), note.clone()));
                        }
                        continue;
                    }
                    None => Err(format!(
                        "module.{name} (source \"{source}\") is not on disk: run `terraform init` \
                         so that .terraform/modules holds it, or check the plan \
                         (terraform show -json)"
                    )),
                }
            };
            let target = match path {
                Err(why) => Target::Missing(why),
                Ok(p) => locate(
                    unit,
                    dirs,
                    &mut queue,
                    &p,
                    &key,
                    &root_canonical,
                    max_file_size,
                    all_blocks,
                    errors,
                ),
            };
            if let Some(d) = dirs.get_mut(i) {
                d.targets.insert(name, (target, note));
            }
        }
    }
}

/// The index of the module directory at `p`, reading and parsing it when it is new.
#[allow(clippy::too_many_arguments)]
fn locate(
    unit: &mut Unit,
    dirs: &mut Vec<DirTrees>,
    queue: &mut Vec<(usize, String)>,
    p: &Path,
    key: &str,
    scan_root: &Option<PathBuf>,
    max: u64,
    all_blocks: bool,
    errors: &mut Vec<InputError>,
) -> Target {
    let Ok(canonical) = p.canonicalize() else {
        return Target::Unread(format!("{} does not exist", p.display()));
    };
    if !scan_root.as_ref().is_some_and(|r| canonical.starts_with(r)) {
        return Target::Unread(format!(
            "{} is outside the scanned path and is not read: scan a directory holding both \
             (the repository root) to check the keys it creates",
            p.display()
        ));
    }
    if let Some(i) = dirs
        .iter()
        .position(|d| d.canonical().as_ref() == Some(&canonical))
    {
        return Target::Dir(i);
    }
    if dirs.len() >= MAX_MODULE_DIRS {
        return Target::Unread(format!(
            "more than {MAX_MODULE_DIRS} module directories: {} is not read",
            p.display()
        ));
    }
    let mut d = DirTrees::new(p.to_path_buf(), false);
    let mut read = Vec::new();
    for (path, kind) in module_files(p) {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string();
        match read_regular(&path, max) {
            Ok(text) => {
                let id = unit.add(SourceFile::new(path, text));
                if let Some(f) = unit.file(id).cloned() {
                    read.push((kind, name, id, f));
                }
            }
            Err(why) => {
                let id = unit.add(SourceFile::new(path.clone(), String::new()));
                errors.push(InputError {
                    file: id,
                    span: Span::empty(0),
                    message: format!("cannot read {}: {why}", path.display()),
                    code: code::READ,
                });
            }
        }
    }
    d.parse_all(&read, all_blocks, errors);
    dirs.push(d);
    queue.push((dirs.len() - 1, key.to_string()));
    Target::Dir(dirs.len() - 1)
}

/// The `.tf` and `.tf.json` files of a module directory, sorted by name.
fn module_files(dir: &Path) -> Vec<(PathBuf, Kind)> {
    let mut out: Vec<(PathBuf, Kind)> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter_map(|p| match classify(&p) {
                    k @ (Kind::Config | Kind::ConfigJson) => Some((p, k)),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// The discovered module directories some other discovered directory calls through a local
/// source: they are checked through their callers. A directory only reachable through a cycle
/// of calls stays a root, and so does one outside its callers' scan roots (`roots`: the paths
/// scanned; a caller reads no module outside the deepest one holding it).
pub fn called_dirs(
    modules: &BTreeMap<PathBuf, Vec<PathBuf>>,
    roots: &HashSet<PathBuf>,
    read: &(dyn Fn(&Path) -> Option<String> + Sync),
) -> HashSet<PathBuf> {
    use rayon::prelude::*;
    // Discovered directories as written (`./infra/kms` when `.` was scanned) by their lexical
    // form, so that a call's `./kms` from `.` finds `./kms`.
    let by_form: HashMap<PathBuf, &PathBuf> = modules.keys().map(|d| (normalize(d), d)).collect();
    let edges: Vec<(PathBuf, Vec<PathBuf>)> = modules
        .par_iter()
        .map(|(dir, files)| {
            let mut out = Vec::new();
            for f in files {
                let kind = classify(f);
                if !matches!(kind, Kind::Config | Kind::ConfigJson) {
                    continue;
                }
                let Some(mut text) = read(f) else { continue };
                // A module block starts a line (`path.module` is no call).
                if !super::may_call_modules(&text) {
                    continue;
                }
                if kind == Kind::ConfigJson {
                    let Ok(node) = json::parse_json(&text) else {
                        continue;
                    };
                    text = to_native(&node, &text).text;
                }
                // Only the `module` blocks are parsed, each alone (`path.module` in a file
                // is no module call); a layout the byte scan does not know is parsed whole.
                let bodies: Vec<Body> = match hcl::top_level_blocks(&text) {
                    Some(blocks) => blocks
                        .iter()
                        .filter(|b| b.ident == "module")
                        .filter_map(|b| text.get(b.range.clone()))
                        .filter_map(|t| hcl::parse_hcl(t).ok())
                        .collect(),
                    None => hcl::parse_hcl(&text).ok().into_iter().collect(),
                };
                let calls = bodies.iter().flat_map(|body| body.blocks());
                for b in calls.filter(|b| b.ident.as_str() == "module") {
                    let src = b
                        .body
                        .get_attribute("source")
                        .and_then(|a| a.value.as_str().map(str::to_string));
                    if let Some(s) = src.filter(|s| is_local(s)) {
                        let target = normalize(&dir.join(s));
                        let root = dir.ancestors().find(|a| roots.contains(*a)).unwrap_or(dir);
                        match by_form.get(&target) {
                            Some(&found) if found != dir && target.starts_with(normalize(root)) => {
                                out.push(found.clone())
                            }
                            _ => {}
                        }
                    }
                }
            }
            (dir.clone(), out)
        })
        .collect();
    let called: HashSet<PathBuf> = edges.iter().flat_map(|(_, t)| t.iter().cloned()).collect();
    // Reachable from a real root; anything called but unreachable (a cycle) is a root itself.
    let graph: HashMap<&PathBuf, &Vec<PathBuf>> = edges.iter().map(|(d, t)| (d, t)).collect();
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut stack: Vec<PathBuf> = modules
        .keys()
        .filter(|d| !called.contains(*d))
        .cloned()
        .collect();
    while let Some(d) = stack.pop() {
        if let Some(ts) = graph.get(&d) {
            for t in ts.iter() {
                if seen.insert(t.clone()) {
                    stack.push(t.clone());
                }
            }
        }
    }
    called.into_iter().filter(|d| seen.contains(d)).collect()
}
