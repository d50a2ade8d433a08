//! `kmslint inventory`: the trust inventory as text, JSON (schema: docs/inventory.md) or Markdown
//! (for a pull-request comment or a job summary).

use crate::check::Report;
use crate::inventory::{totals, Access, KeyRecord, Totals};
use serde::Serialize;
use std::io::Write;

#[derive(Serialize)]
struct JsonInventory<'a> {
    version: u32,
    keys: Vec<&'a KeyRecord>,
    grants: Vec<&'a KeyRecord>,
    totals: Totals,
}

pub fn write_json(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let doc = JsonInventory {
        version: 1,
        keys: report.keys.iter().filter(|k| !k.is_grant()).collect(),
        grants: report.keys.iter().filter(|k| k.is_grant()).collect(),
        totals: totals(&report.keys),
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// `444455556666 (vendor)`, `organization o-…`, or `any account`.
fn account_text(a: &Access) -> String {
    match (&a.account, &a.name, &a.organization) {
        (Some(id), Some(name), _) => format!("{id} ({name})"),
        (Some(id), None, _) => id.clone(),
        (None, _, Some(org)) => format!("organization {org}"),
        (None, _, None) => "any account".into(),
    }
}

fn who(a: &Access) -> String {
    format!("{} [{}] {}", a.principal, a.trust.as_str(), account_text(a))
}

/// A statement as messages name it: `"Sid"`, or `#n`; a grant's role as is.
fn statement_text(a: &Access) -> String {
    if a.via == "grant" || a.statement.starts_with('#') {
        a.statement.clone()
    } else {
        format!("\"{}\"", a.statement)
    }
}

fn percent(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

fn key_title(k: &KeyRecord) -> String {
    let mut t = format!("{} ({})", k.resource, k.resource_type);
    if !k.aliases.is_empty() {
        t.push_str(&format!(" {}", k.aliases.join(", ")));
    }
    t
}

pub fn write_text(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    for k in &report.keys {
        writeln!(out, "{}:{}  {}", k.file.display(), k.line, key_title(k))?;
        writeln!(
            out,
            "  account: {}   owner: {}   justification: {}   findings: {} error, {} warning, {} note",
            k.key_account,
            k.owner.as_deref().unwrap_or("-"),
            k.justification.as_deref().unwrap_or("-"),
            k.errors,
            k.warnings,
            k.notes
        )?;
        if k.default_policy {
            writeln!(out, "  default key policy: own account only")?;
        }
        if let Some(why) = &k.rejected {
            writeln!(out, "  AWS rejects this key policy: {why}")?;
        } else if k.external_access.is_empty() && !k.default_policy {
            writeln!(out, "  no external access")?;
        }
        for a in &k.external_access {
            writeln!(out, "  {} via {} in {}", who(a), a.via, statement_text(a))?;
            writeln!(out, "      actions: {}", a.actions.join(", "))?;
            for c in &a.conditions {
                writeln!(out, "      condition: {c}")?;
            }
        }
        writeln!(out)?;
    }
    let t = totals(&report.keys);
    writeln!(out, "keys: {}   grants: {}", t.keys, t.grants)?;
    writeln!(
        out,
        "keys with external access: {}",
        t.keys_with_external_access
    )?;
    writeln!(
        out,
        "unique external accounts: {} trusted, {} untrusted, {} unknown; organizations: {}; open to any account: {}",
        t.external_accounts.trusted.len(),
        t.external_accounts.untrusted.len(),
        t.external_accounts.unknown.len(),
        t.external_accounts.organizations.len(),
        t.external_accounts.anyone
    )?;
    writeln!(
        out,
        "non-compliant keys: {} ({})   with owner tag: {}   cross-account keys with justification: {}",
        t.noncompliant_keys,
        percent(t.noncompliant_share),
        percent(t.owner_tag_share),
        percent(t.justification_share)
    )
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

pub fn write_markdown(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let t = totals(&report.keys);
    writeln!(out, "## KMS key trust inventory\n")?;
    writeln!(out, "| | |\n|---|---|")?;
    writeln!(out, "| Keys | {} |", t.keys)?;
    writeln!(out, "| Grants | {} |", t.grants)?;
    writeln!(
        out,
        "| Keys with external access | {} |",
        t.keys_with_external_access
    )?;
    writeln!(
        out,
        "| Unique external accounts | {} trusted, {} untrusted, {} unknown |",
        t.external_accounts.trusted.len(),
        t.external_accounts.untrusted.len(),
        t.external_accounts.unknown.len()
    )?;
    writeln!(
        out,
        "| Organizations with access | {} |",
        t.external_accounts.organizations.len()
    )?;
    writeln!(
        out,
        "| Grants open to any account | {} |",
        t.external_accounts.anyone
    )?;
    writeln!(
        out,
        "| Non-compliant keys | {} ({}) |",
        t.noncompliant_keys,
        percent(t.noncompliant_share)
    )?;
    writeln!(
        out,
        "| Keys with an owner tag | {} |",
        percent(t.owner_tag_share)
    )?;
    writeln!(
        out,
        "| Cross-account keys with a justification tag | {} |\n",
        percent(t.justification_share)
    )?;
    writeln!(
        out,
        "| Key | File | External principal | Account | Trust | Actions | Conditions |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|---|")?;
    for k in &report.keys {
        let file = format!("{}:{}", k.file.display(), k.line);
        if k.external_access.is_empty() {
            writeln!(
                out,
                "| {} | {} | (none) | | | | |",
                md_cell(&key_title(k)),
                md_cell(&file)
            )?;
        }
        for a in &k.external_access {
            let acct = account_text(a);
            writeln!(
                out,
                "| {} | {} | `{}` | {} | {} | {} | {} |",
                md_cell(&key_title(k)),
                md_cell(&file),
                md_cell(&a.principal),
                md_cell(&acct),
                a.trust.as_str(),
                md_cell(&a.actions.join(", ")),
                md_cell(&a.conditions.join("; "))
            )?;
        }
    }
    Ok(())
}
