//! The kmslint binary: arguments, config, the human/JSON writers and exit codes. All checking
//! happens in the library.

use clap::{Parser, Subcommand, ValueEnum};
use kmslint::config::{self, Config};
use kmslint::report;
use kmslint::{is_account_id, scan_keys, Options, Registry, Scan, Severity};
use std::io::{BufWriter, IsTerminal, Read, Write};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::process::ExitCode;

// Parsing and resolving allocate many small nodes; mimalloc cuts that cost (see bench/).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

const AFTER_HELP: &str = "\
Exit status:
  0  no finding at or above --fail-on
  1  findings at or above --fail-on (a file that cannot be read or parsed is a KMS000 finding)
  2  usage or configuration error, or a path that does not exist

Outputs:
  --format chooses what goes to standard output; each --output writes one more report to a file,
  so one run can print the human report and write SARIF for code scanning:
    kmslint --output sarif=kmslint.sarif infra/
    kmslint --format github --output kmslint.sarif --output report.json infra/
  The format of an --output is FORMAT=FILE, or guessed from the file name: *.sarif and
  *.sarif.json are SARIF, *.json JSON, anything else the human report (never coloured).
  With --format github (or an --output github=FILE) and $GITHUB_STEP_SUMMARY set, a Markdown
  summary is appended to that file.

Suppressions need a reason and may expire:
  # kmslint:ignore KMS002 reason=\"vendor X contract\" until=2027-03-31
on the finding's line or the line(s) directly above it (YAML, HCL), or in a CloudFormation
resource's Metadata: {kmslint: {ignore: [{rule: KMS002, reason: \"...\", until: \"2027-03-31\"}]}}.

Configuration is read from kmslint.toml or .kmslint.toml, found from the first path upward to
the repository root, unless --config or --isolated is given.";

#[derive(Parser, Debug)]
#[command(
    name = "kmslint",
    version,
    about = "Find dangerous AWS KMS key policies in CloudFormation and Terraform before they are deployed",
    after_help = AFTER_HELP,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    check: CheckArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List every rule with its id, default severity and summary.
    Rules,
    /// Print a rule's documentation: why it matters, a bad and a good example, how to fix.
    Explain {
        /// Rule id, e.g. KMS001.
        rule: String,
    },
    /// List every key: its external principals, their accounts and trust, the actions they get
    /// and the conditions that scope them; then totals for governance reviews.
    Inventory {
        #[command(flatten)]
        scan: ScanArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = InventoryFormat::Text)]
        format: InventoryFormat,
    },
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum InventoryFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Findings drawn on their source lines (colours only on a terminal, unless NO_COLOR).
    Human,
    /// The stable JSON object (`"version": 1`).
    Json,
    /// SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands: inline annotations on the pull request.
    Github,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Github => "github",
        }
    }
}

/// One `--output`: a format and the file it goes to.
#[derive(Clone, Debug)]
struct OutputSpec {
    format: Format,
    path: PathBuf,
}

fn parse_output(s: &str) -> Result<OutputSpec, String> {
    if let Some((name, path)) = s.split_once('=') {
        if let Ok(format) = Format::from_str(name, true) {
            if path.is_empty() {
                return Err(format!("`{s}` names no file after `=`"));
            }
            return Ok(OutputSpec {
                format,
                path: PathBuf::from(path),
            });
        }
    }
    if s.is_empty() {
        return Err("an empty file name".into());
    }
    let lower = s.to_ascii_lowercase();
    let format = if lower.ends_with(".sarif") || lower.ends_with(".sarif.json") {
        Format::Sarif
    } else if lower.ends_with(".json") {
        Format::Json
    } else {
        Format::Human
    };
    Ok(OutputSpec {
        format,
        path: PathBuf::from(s),
    })
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Note,
    Never,
}

/// What to scan and how to judge it: shared by checking and the inventory.
#[derive(clap::Args, Debug)]
struct ScanArgs {
    /// Files or directories to check; `-` reads one document from standard input.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Use this config file instead of discovering kmslint.toml.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Ignore any kmslint.toml.
    #[arg(long, conflicts_with = "config")]
    isolated: bool,
    /// Trust this account id too (repeatable).
    #[arg(long = "trusted-account", value_name = "ID")]
    trusted_accounts: Vec<String>,
    /// Trust this AWS Organizations id too (repeatable).
    #[arg(long = "trusted-org", value_name = "ORG_ID")]
    trusted_orgs: Vec<String>,
    /// The account that owns the key, for bare policies read from files or standard input.
    #[arg(long, value_name = "ID")]
    key_account: Option<String>,
    /// Terraform variable file (repeatable; later files win).
    #[arg(long = "var-file", value_name = "FILE")]
    var_files: Vec<PathBuf>,
    /// Terraform variable, as `terraform plan -var` takes it (repeatable; applied after the
    /// --var-file files, later ones win).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    vars: Vec<String>,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N", default_value_t = 0)]
    jobs: usize,
}

#[derive(clap::Args, Debug)]
struct CheckArgs {
    #[command(flatten)]
    scan: ScanArgs,
    /// Format of the report on standard output.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Also write a report to a file: FORMAT=FILE (human, json, sarif, github) or FILE, whose
    /// format is guessed from its name (*.sarif: SARIF, *.json: JSON, else human). Repeatable.
    #[arg(long, short = 'o', value_name = "[FORMAT=]FILE", value_parser = parse_output)]
    output: Vec<OutputSpec>,
    /// Exit 1 when there is a finding at or above this severity.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    fail_on: FailOn,
    /// Also list findings that are suppressed.
    #[arg(long)]
    show_suppressed: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let reg = match Registry::builtin() {
        Ok(r) => r,
        Err(e) => return fail(e.into()),
    };
    match cli.command {
        Some(Command::Rules) => match with_custom_rules(reg) {
            Ok(reg) => print_rules(&reg),
            Err(e) => fail(e),
        },
        Some(Command::Explain { rule }) => match with_custom_rules(reg) {
            Ok(reg) => explain(&reg, &rule),
            Err(e) => fail(e),
        },
        Some(Command::Inventory { scan, format }) => inventory(scan, format, reg),
        None => check(cli.check, reg),
    }
}

/// `rules` and `explain` also show the team's own rules from the kmslint.toml found from here.
fn with_custom_rules(reg: Registry) -> Result<Registry, miette::Report> {
    match config::discover(std::path::Path::new(".")) {
        Some(p) => {
            let cfg = Config::load(&p, &reg.ids()).map_err(|e| miette::Report::new(*e))?;
            Ok(reg.with_custom(&cfg.custom_rules))
        }
        None => Ok(reg),
    }
}

fn fail(report: miette::Report) -> ExitCode {
    eprintln!("{report:?}");
    ExitCode::from(2)
}

/// Writes to stdout; a closed pipe (`kmslint … | head`) is not an error.
fn emit(text: &str) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => fail(miette::miette!("cannot write output: {e}")),
    }
}

fn print_rules(reg: &Registry) -> ExitCode {
    let mut s = String::new();
    for r in &reg.rules {
        let d = &r.def;
        let sev = d.default_level();
        s.push_str(&format!(
            "{}  {:<36} {:<8} {}\n",
            d.id, d.name, sev, d.summary
        ));
    }
    emit(&s)
}

fn explain(reg: &Registry, id: &str) -> ExitCode {
    match reg.get(id) {
        Some(r) => emit(&report::rule_markdown(&r.def)),
        None => fail(miette::miette!(
            help = "`kmslint rules` lists the rule ids",
            "unknown rule `{id}`"
        )),
    }
}

fn load_config(args: &ScanArgs, reg: &Registry) -> Result<Config, miette::Report> {
    let ids = reg.ids();
    let mut cfg = if args.isolated {
        Config::default()
    } else {
        let path = match &args.config {
            Some(p) => Some(p.clone()),
            None => {
                let start = args
                    .paths
                    .iter()
                    .find(|p| p.as_os_str() != "-")
                    .cloned()
                    .unwrap_or_else(|| PathBuf::from("."));
                config::discover(&start)
            }
        };
        match path {
            Some(p) => Config::load(&p, &ids).map_err(|e| miette::Report::new(*e))?,
            None => Config::default(),
        }
    };
    for a in &args.trusted_accounts {
        if !is_account_id(a) {
            return Err(miette::miette!(
                help = "account ids are 12 digits",
                "--trusted-account `{a}` is not an AWS account id"
            ));
        }
        cfg.trust.accounts.insert(a.clone());
    }
    for o in &args.trusted_orgs {
        if !o.starts_with("o-") || o.contains('*') {
            return Err(miette::miette!(
                help = "organization ids look like o-a1b2c3d4e5",
                "--trusted-org `{o}` is not an AWS Organizations id"
            ));
        }
        cfg.trust.organizations.insert(o.clone());
    }
    if let Some(k) = &args.key_account {
        if !is_account_id(k) {
            return Err(miette::miette!(
                "--key-account `{k}` is not an AWS account id"
            ));
        }
    }
    Ok(cfg)
}

/// Loads the config and reads standard input: everything a scan needs.
fn prepare(args: &ScanArgs, reg: &Registry) -> Result<(Options, Config), miette::Report> {
    let cfg = load_config(args, reg)?;
    let mut paths = Vec::new();
    let mut stdin = None;
    for p in &args.paths {
        if p.as_os_str() == "-" {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .map_err(|e| miette::miette!("cannot read standard input: {e}"))?;
            stdin = Some(("<stdin>".to_string(), buf));
        } else {
            paths.push(p.clone());
        }
    }
    for v in &args.var_files {
        if !v.is_file() {
            return Err(miette::miette!("--var-file {} does not exist", v.display()));
        }
    }
    let opts = Options {
        paths,
        stdin,
        var_files: args.var_files.clone(),
        vars: args.vars.clone(),
        key_account: args.key_account.clone(),
        jobs: args.jobs,
        today: None,
        no_prefilter: false,
    };
    Ok((opts, cfg))
}

fn inventory(args: ScanArgs, format: InventoryFormat, reg: Registry) -> ExitCode {
    let (opts, cfg) = match prepare(&args, &reg) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let report = match scan_keys(&opts, &cfg, &reg) {
        Ok(r) => r,
        Err(e) => return fail(e.into()),
    };
    let mut buf: Vec<u8> = Vec::new();
    let written = match format {
        InventoryFormat::Text => report::inventory::write_text(&report, &mut buf),
        InventoryFormat::Json => report::inventory::write_json(&report, &mut buf),
        InventoryFormat::Markdown => report::inventory::write_markdown(&report, &mut buf),
    };
    if let Err(e) = written {
        return fail(miette::miette!("cannot write inventory: {e}"));
    }
    emit(&String::from_utf8_lossy(&buf))
}

/// Standard output, where a closed pipe (`kmslint … | head`) ends the printing but not the
/// scan: the other outputs and the exit status still see every finding.
struct Stdout {
    out: BufWriter<std::io::StdoutLock<'static>>,
    closed: bool,
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.closed {
            return Ok(buf.len());
        }
        match self.out.write(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(buf.len())
            }
            r => r,
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.closed {
            return Ok(());
        }
        match self.out.flush() {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            r => r,
        }
    }
}

/// One output being written: where it goes (for messages) and its writer.
struct Output<'a> {
    name: String,
    sink: Box<dyn report::Sink + 'a>,
}

fn sink<'a, W: Write + 'a>(
    format: Format,
    out: W,
    color: bool,
    args: &CheckArgs,
    reg: &Registry,
    cfg: &Config,
) -> std::io::Result<Box<dyn report::Sink + 'a>> {
    Ok(match format {
        Format::Json => Box::new(report::json::Writer::new(out)?),
        Format::Sarif => Box::new(report::sarif::Writer::new(out, reg, &cfg.rule_levels)?),
        Format::Github => Box::new(report::github::Writer::new(out)),
        Format::Human => Box::new(report::human::Writer::new(
            out,
            report::human::Style {
                color,
                width: terminal_width(),
            },
            args.show_suppressed,
        )),
    })
}

/// Opens every output before the scan starts, so a bad `--output` fails at once.
fn open_outputs<'a>(
    args: &CheckArgs,
    reg: &Registry,
    cfg: &'a Config,
) -> Result<Vec<Output<'a>>, miette::Report> {
    let mut outputs = Vec::new();
    for spec in &args.output {
        if let Some(dir) = spec.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| miette::miette!("cannot create directory {}: {e}", dir.display()))?;
        }
        let name = spec.path.display().to_string();
        let file = std::fs::File::create(&spec.path)
            .map_err(|e| miette::miette!("cannot write {name}: {e}"))?;
        let sink = sink(spec.format, BufWriter::new(file), false, args, reg, cfg)
            .map_err(|e| miette::miette!("cannot write {name}: {e}"))?;
        outputs.push(Output { name, sink });
    }
    let wants_github =
        args.format == Format::Github || args.output.iter().any(|o| o.format == Format::Github);
    if wants_github {
        if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
            let name = format!(
                "the job summary to $GITHUB_STEP_SUMMARY ({})",
                PathBuf::from(&path).display()
            );
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(|e| miette::miette!("cannot append {name}: {e}"))?;
            let sink = Box::new(report::github::Summary::new(
                BufWriter::new(file),
                &cfg.trust,
            ));
            outputs.push(Output { name, sink });
        }
    }
    let color = std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let stdout = Stdout {
        out: BufWriter::new(std::io::stdout().lock()),
        closed: false,
    };
    let sink = sink(args.format, stdout, color, args, reg, cfg)
        .map_err(|e| miette::miette!("cannot write output: {e}"))?;
    outputs.push(Output {
        name: format!("the {} report", args.format.name()),
        sink,
    });
    Ok(outputs)
}

fn check(args: CheckArgs, reg: Registry) -> ExitCode {
    let (opts, cfg) = match prepare(&args.scan, &reg) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    // Usage errors (a missing path) come before any output is opened or written.
    let mut scan = match Scan::prepare(&opts, &cfg, &reg) {
        Ok(s) => s,
        Err(e) => return fail(e.into()),
    };
    let mut outputs = match open_outputs(&args, &reg, &cfg) {
        Ok(o) => o,
        Err(e) => return fail(e),
    };
    // The reports being written are not scanned, even when they land under a scanned path.
    let written: Vec<PathBuf> = args.output.iter().map(|o| o.path.clone()).collect();
    scan.skip(&written);
    // Each unit's findings are written as soon as its batch is checked, then dropped.
    let mut failed: Option<miette::Report> = None;
    let totals = scan.run(&mut |unit| {
        for o in outputs.iter_mut() {
            for k in &unit.keys {
                o.sink.key(k);
            }
            for f in &unit.findings {
                if let Err(e) = o.sink.finding(f) {
                    failed = Some(miette::miette!("cannot write {}: {e}", o.name));
                    return ControlFlow::Break(());
                }
            }
        }
        ControlFlow::Continue(())
    });
    if let Some(e) = failed {
        return fail(e);
    }
    for o in outputs.iter_mut() {
        if let Err(e) = o.sink.finish(&totals) {
            return fail(miette::miette!("cannot write {}: {e}", o.name));
        }
    }
    let threshold = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Note => Some(Severity::Note),
        FailOn::Never => None,
    };
    match threshold {
        Some(sev) if totals.count_at_least(sev) > 0 => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    }
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<usize>().ok())
        .filter(|w| *w >= 40)
        .unwrap_or(100)
}
