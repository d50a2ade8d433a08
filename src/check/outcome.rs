//! What a scan gives: per unit, and in total. The reports consume these.

use crate::base::severity::Severity;
use crate::config::ConfigUse;
use crate::inventory::KeyRecord;
use crate::rules::Finding;

/// Running totals of a scan, kept while findings stream past, and what every summary says about
/// what was not checked and which configs decided.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Files read.
    pub files: usize,
    /// Key policies and grants checked.
    pub policies: usize,
    /// Unsuppressed findings by severity.
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    pub suppressed: usize,
    /// Paths left out by `.gitignore` (untracked files in a git work tree).
    pub ignored: usize,
    /// Paths left out by `[scan] exclude`.
    pub excluded: usize,
    /// Files named on the command line that are not a template, Terraform file, plan or key
    /// policy: not checked, never counted in `files`.
    pub unrecognised: usize,
    /// The configs that governed the files, with what they turn off or down.
    pub configs: Vec<ConfigUse>,
}

impl Totals {
    pub(crate) fn add(&mut self, unit: &UnitReport) {
        self.files += unit.files;
        self.policies += unit.policies;
        if unit.skipped.is_some() {
            self.unrecognised += 1;
        }
        for f in &unit.findings {
            match (f.suppressed, f.severity) {
                (true, _) => self.suppressed += 1,
                (false, Severity::Error) => self.errors += 1,
                (false, Severity::Warning) => self.warnings += 1,
                (false, Severity::Note) => self.notes += 1,
            }
        }
    }

    /// Unsuppressed findings.
    pub fn findings(&self) -> usize {
        self.errors + self.warnings + self.notes
    }

    /// Unsuppressed findings at `sev` or worse.
    pub fn count_at_least(&self, sev: Severity) -> usize {
        match sev {
            Severity::Error => self.errors,
            Severity::Warning => self.errors + self.warnings,
            Severity::Note => self.findings(),
        }
    }
}

/// A whole scan, collected: for the inventory, tests and library users. The CLI's check streams
/// instead (`Scan::run`), so that memory holds one batch of files, not the whole repository.
#[derive(Debug, Default)]
pub struct Report {
    /// In output order: by unit (a template, a Terraform module directory), then file and span.
    pub findings: Vec<Finding>,
    /// One record per key and grant, for `kmslint inventory`, sorted by file and line.
    pub keys: Vec<KeyRecord>,
    pub totals: Totals,
}

/// What one unit of work (a document, a Terraform module, an unreadable path) gave.
#[derive(Debug, Default)]
pub struct UnitReport {
    pub files: usize,
    /// A file named on the command line that kmslint does not read, and why (the CLI says so on
    /// standard error).
    pub skipped: Option<(std::path::PathBuf, String)>,
    pub policies: usize,
    /// Sorted by file, position and rule.
    pub findings: Vec<Finding>,
    pub keys: Vec<KeyRecord>,
}
