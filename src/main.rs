//! The kmslint binary: arguments, config, the human/JSON writers and exit codes. All checking
//! happens in the library.

use clap::{Parser, Subcommand, ValueEnum};
use kmslint::config::{self, Config, Severity};
use kmslint::report;
use kmslint::rules::registry::Registry;
use kmslint::{scan, Options};
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

const AFTER_HELP: &str = "\
Exit status:
  0  no finding at or above --fail-on
  1  findings at or above --fail-on (a file that cannot be read or parsed is a KMS000 finding)
  2  usage or configuration error, or a path that does not exist

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
    Human,
    Json,
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
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N", default_value_t = 0)]
    jobs: usize,
}

#[derive(clap::Args, Debug)]
struct CheckArgs {
    #[command(flatten)]
    scan: ScanArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
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
        let sev = if d.default_off {
            "off"
        } else {
            d.severity.as_str()
        };
        s.push_str(&format!(
            "{}  {:<34} {:<8} {}\n",
            d.id, d.name, sev, d.summary
        ));
    }
    emit(&s)
}

fn explain(reg: &Registry, id: &str) -> ExitCode {
    match reg.get(id) {
        Some(r) => {
            let d = &r.def;
            emit(&format!(
                "# {} {}\n\n{}\n\nDefault severity: {}\n{}\n## Help\n{}\n",
                d.id,
                d.name,
                d.summary,
                if d.default_off {
                    "off"
                } else {
                    d.severity.as_str()
                },
                d.docs,
                d.help
            ))
        }
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
        if !config::is_account_id(a) {
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
        if !config::is_account_id(k) {
            return Err(miette::miette!(
                "--key-account `{k}` is not an AWS account id"
            ));
        }
    }
    Ok(cfg)
}

/// Loads the config and runs the scan.
fn run_scan(args: &ScanArgs, reg: &Registry) -> Result<kmslint::Report, miette::Report> {
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
        key_account: args.key_account.clone(),
        jobs: args.jobs,
        no_prefilter: false,
    };
    Ok(scan(&opts, &cfg, reg)?)
}

fn inventory(args: ScanArgs, format: InventoryFormat, reg: Registry) -> ExitCode {
    let report = match run_scan(&args, &reg) {
        Ok(r) => r,
        Err(e) => return fail(e),
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

fn check(args: CheckArgs, reg: Registry) -> ExitCode {
    let report = match run_scan(&args.scan, &reg) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let mut buf: Vec<u8> = Vec::new();
    let written = match args.format {
        Format::Json => report::json::write(&report, &mut buf),
        Format::Human => {
            let stdout = std::io::stdout();
            let color =
                stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            let width = terminal_width();
            report::human::write(
                &report,
                report::human::Style { color, width },
                args.show_suppressed,
                &mut buf,
            )
        }
    };
    if let Err(e) = written {
        return fail(miette::miette!("cannot write report: {e}"));
    }
    let code = emit(&String::from_utf8_lossy(&buf));
    if code != ExitCode::SUCCESS {
        return code;
    }
    let threshold = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Note => Some(Severity::Note),
        FailOn::Never => None,
    };
    match threshold {
        Some(sev) if report.count_at_least(sev) > 0 => ExitCode::from(1),
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
