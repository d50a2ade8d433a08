//! Embeds every rule file in `rules/` so the binary needs no data files at run time. Adding a
//! rule touches only `rules/<ID>-<name>.toml` (and its fixtures and docs).
use std::fmt::Write as _;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=rules");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".toml"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut code = String::from("pub static BUILTIN_RULES: &[(&str, &str)] = &[\n");
    for n in &names {
        let path = dir.join(n);
        // The directory's own mtime changes only when a file is added or removed.
        println!("cargo:rerun-if-changed={}", path.display());
        let _ = writeln!(
            code,
            "    ({n:?}, include_str!({:?})),",
            path.display().to_string()
        );
    }
    code.push_str("];\n");
    let out = std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into());
    if let Err(e) = std::fs::write(Path::new(&out).join("builtin_rules.rs"), code) {
        println!("cargo:warning=cannot write builtin_rules.rs: {e}");
    }
}
