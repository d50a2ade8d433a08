//! The invariant behind the scans that keep unrelated Terraform blocks and CloudFormation
//! resources out of the parse, as one check for the `skip_noise` fuzz target and its regression
//! test: whenever both the whole text and the reduced text parse, every block or resource the
//! reduced parse holds is in the whole parse with the same span and content, and every one the
//! scan was told to keep is there.

use super::hcl::{self, span_of, Block, TopBlock};
use super::yaml;

fn labels(b: &Block) -> Vec<String> {
    b.labels.iter().map(|l| l.as_str().to_string()).collect()
}

/// Checks one input. `selector` picks HCL (even) or YAML (odd) and which entries are kept (by
/// the length of their name, so different inputs keep different subsets). `Err` says what
/// differs.
pub fn check_reduced_parse(selector: u8, text: &str) -> Result<(), String> {
    let keep_name = |name: &str| name.len() % 3 == usize::from(selector >> 1) % 3;
    if selector.is_multiple_of(2) {
        let Some(blocks) = hcl::top_level_blocks(text) else {
            return Ok(());
        };
        let Ok(whole) = hcl::parse_hcl(text) else {
            return Ok(());
        };
        // Names as written: the scan does not decode labels (`%%{` stays two characters).
        let keep = |b: &TopBlock| keep_name(b.labels.last().copied().unwrap_or(b.ident));
        if let Some(blanked) = hcl::blank_blocks(text, keep) {
            if blanked.len() != text.len() {
                return Err("the blanked text has another length".into());
            }
        }
        let Some(part) = hcl::parse_hcl_keeping(text, keep) else {
            return Ok(());
        };
        let whole: Vec<&Block> = whole.blocks().collect();
        for b in part.blocks() {
            let found = whole.iter().any(|w| {
                span_of(*w) == span_of(b)
                    && w.ident.as_str() == b.ident.as_str()
                    && labels(w) == labels(b)
            });
            if !found {
                return Err(format!("block {:?} is not in the whole parse", span_of(b)));
            }
        }
        let kept: Vec<usize> = blocks
            .iter()
            .filter(|b| keep(b))
            .map(|b| b.range.start)
            .collect();
        for w in &whole {
            let start = span_of(&w.ident).map(|s| s.start);
            if start.is_some_and(|s| kept.contains(&s))
                && !part.blocks().any(|b| span_of(b) == span_of(*w))
            {
                return Err(format!("kept block {:?} is missing", span_of(*w)));
            }
        }
    } else {
        let Ok(whole) = yaml::parse_yaml(text) else {
            return Ok(());
        };
        let keep = |entry: &str| keep_name(entry.trim_start().split(':').next().unwrap_or(""));
        let Some(part) = yaml::parse_yaml_keeping(text, "Resources", keep) else {
            return Ok(());
        };
        let (Some(w), Some(p)) = (whole.get("Resources"), part.get("Resources")) else {
            return Ok(());
        };
        for e in p.entries() {
            let same = w
                .entries()
                .iter()
                .any(|we| we.key == e.key && format!("{:?}", we.value) == format!("{:?}", e.value));
            if !same {
                return Err(format!("resource {} differs from the whole parse", e.key));
            }
        }
        for other in whole.entries().iter().filter(|e| e.key != "Resources") {
            let same = part.entries().iter().any(|e| {
                e.key == other.key && format!("{:?}", e.value) == format!("{:?}", other.value)
            });
            if !same {
                return Err(format!(
                    "section {} differs from the whole parse",
                    other.key
                ));
            }
        }
    }
    Ok(())
}
