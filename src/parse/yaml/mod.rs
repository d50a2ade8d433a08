//! YAML parser into the spanned `Node` tree, built from `saphyr-parser`'s event stream.
//!
//! saphyr's loader (`MarkedYaml`) is not used: it loses the inner span of tagged scalars and
//! expands aliases without a bound. Instead the events are folded into `Node`s with an explicit stack, so:
//!
//! - every mapping entry is kept in order, duplicate keys included;
//! - tags are kept on the node as written (`!Sub` -> `Sub`, `!!str` -> `!!str`);
//! - aliases are copies of their anchored node and merge keys (`<<`) are applied, as
//!   `aws cloudformation package` and SAM resolve them, within `MAX_ALIAS_NODES` (`aliases`);
//! - a stream of more than one document is an error at the second one's `---`;
//! - nesting is limited to `MAX_DEPTH`, reported as a parse error, never a stack overflow;
//! - plain scalars keep their text (`012345678901`, `yes` and `on` stay `Scalar`).
//!
//! saphyr's `Marker::index()` counts characters; spans here are byte offsets, converted once at
//! this boundary through a char -> byte table (skipped for ASCII text). saphyr's event spans are
//! also adjusted: a scalar's span starts after its properties (tag, anchor) and a block scalar's
//! span starts at its `|` / `>` indicator; trailing whitespace and newlines are trimmed; a block
//! collection ends at the end of its last child rather than at the next line's first token.

mod aliases;
mod builder;
mod lenient;
mod offsets;
mod reduced;

pub use offsets::scalar_offset_map;
pub use reduced::{drop_section_entries, parse_yaml_keeping, Reduced};

use super::{Node, ParseError};
use builder::Builder;
use lenient::parse_leniently;

/// Parses the YAML document in `text`. An empty stream is a `Null` node at offset 0.
pub fn parse_yaml(text: &str) -> Result<Node, ParseError> {
    let err = match Builder::new(text).run() {
        Ok(node) => return Ok(node),
        Err(e) => e,
    };
    if err.message.starts_with("invalid indentation") {
        if let Some(node) = parse_leniently(text, &err) {
            return Ok(node);
        }
    }
    Err(err)
}

#[cfg(test)]
mod tests;
