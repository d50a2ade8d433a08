//! Terraform's JSON configuration syntax (`.tf.json`) written out as native syntax, with a map
//! from every byte of the written text back into the JSON file. One evaluator then reads both
//! syntaxes: module calls, `count`/`for_each`, `dynamic` blocks, providers and
//! `aws_iam_policy_document` in `.tf.json` behave exactly as in `.tf`, and every finding still
//! points into the JSON file.
//!
//! JSON syntax needs the schema to tell a nested block from an object-valued argument
//! (Terraform asks the provider). Only the blocks a key policy can depend on are written as
//! blocks (`Schema`); `lifecycle`, `depends_on`, `terraform` and similar are left out, as no
//! policy value is read from them.

use crate::base::source::Span;
use crate::parse::json::string_literal_map;
use crate::parse::{Node, NodeKind, OffsetMap};

/// A `.tf.json` file as native syntax.
#[derive(Debug)]
pub struct Native {
    pub text: String,
    /// From `text` to the JSON file.
    pub map: OffsetMap,
}

/// What a body's keys mean, by the kind of block it is.
#[derive(Clone, Copy, PartialEq)]
enum Schema {
    Resource,
    PolicyDocument,
    Statement,
    Grant,
    /// Arguments only (`principals`, `condition`, `assume_role`, …).
    Plain,
    Module,
    Provider,
    Variable,
    Output,
    Locals,
}

impl Schema {
    /// The nested block types of this body, and the schema of each.
    fn block(self, key: &str) -> Option<Schema> {
        match (self, key) {
            (Schema::PolicyDocument, "statement") => Some(Schema::Statement),
            (Schema::Statement, "principals" | "not_principals" | "condition") => {
                Some(Schema::Plain)
            }
            (Schema::Grant, "constraints") => Some(Schema::Plain),
            (
                Schema::Provider,
                "assume_role" | "assume_role_with_web_identity" | "default_tags" | "ignore_tags",
            ) => Some(Schema::Plain),
            _ => None,
        }
    }

    /// Keys whose value is not an expression Terraform evaluates, or that no policy reads.
    fn skipped(self, key: &str) -> bool {
        key == "//"
            || match self {
                Schema::Resource | Schema::PolicyDocument | Schema::Grant => matches!(
                    key,
                    "depends_on" | "lifecycle" | "provisioner" | "connection" | "timeouts"
                ),
                Schema::Module => key == "depends_on",
                Schema::Provider => key == "endpoints",
                Schema::Variable => key == "validation",
                Schema::Output => matches!(key, "depends_on" | "precondition"),
                _ => false,
            }
    }
}

/// How a string is written.
#[derive(Clone, Copy, PartialEq)]
enum Str {
    /// A template: `${…}` and `%{…}` are interpolations (every expression of JSON syntax).
    Template,
    /// Taken literally (a variable's default, a module's `source`).
    Literal,
    /// An expression written as a string (`provider = "aws.west"`, a variable's `type`).
    Raw,
}

struct Writer<'t> {
    file: &'t str,
    out: String,
    map: OffsetMap,
    /// Where the next byte of `out` maps to when the current run goes on.
    next_file: Option<usize>,
}

/// Writes `root` (the parsed `.tf.json` file whose text is `file`) as native syntax.
pub fn to_native(root: &Node, file: &str) -> Native {
    let mut w = Writer {
        file,
        out: String::with_capacity(file.len()),
        map: OffsetMap::default(),
        next_file: None,
    };
    for e in root.entries() {
        match e.key.as_str() {
            "resource" | "data" => {
                for by_type in objects(&e.value) {
                    for t in by_type.entries() {
                        for by_name in objects(&t.value) {
                            for n in by_name.entries() {
                                let schema = match (e.key.as_str(), t.key.as_str()) {
                                    ("data", "aws_iam_policy_document") => Schema::PolicyDocument,
                                    ("resource", "aws_kms_grant") => Schema::Grant,
                                    _ => Schema::Resource,
                                };
                                for body in objects(&n.value) {
                                    let labels = [t.key.as_str(), n.key.as_str()];
                                    w.block(&e.key, &labels, n.key_span, body, schema);
                                }
                            }
                        }
                    }
                }
            }
            kind @ ("module" | "provider" | "variable" | "output") => {
                let schema = match kind {
                    "module" => Schema::Module,
                    "provider" => Schema::Provider,
                    "output" => Schema::Output,
                    _ => Schema::Variable,
                };
                for by_name in objects(&e.value) {
                    for n in by_name.entries() {
                        for body in objects(&n.value) {
                            w.block(kind, &[n.key.as_str()], n.key_span, body, schema);
                        }
                    }
                }
            }
            "locals" => {
                for body in objects(&e.value) {
                    w.block("locals", &[], e.key_span, body, Schema::Locals);
                }
            }
            _ => {}
        }
    }
    Native {
        text: w.out,
        map: w.map,
    }
}

/// A block-type value: one object, or an array of them.
fn objects(node: &Node) -> Vec<&Node> {
    match &node.kind {
        NodeKind::Map(_) => vec![node],
        NodeKind::Seq(items) => items.iter().filter(|i| i.is_map()).collect(),
        _ => Vec::new(),
    }
}

/// An argument name native syntax can hold.
fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

impl Writer<'_> {
    /// Writes `s` as the text found at file offset `at` (and the bytes after it).
    fn put(&mut self, s: &str, at: usize) {
        if self.next_file != Some(at) {
            self.map.push(self.out.len(), at);
        }
        self.out.push_str(s);
        self.next_file = Some(at + s.len());
    }

    /// Writes text of native syntax only (a separator) as the continuation of the current
    /// run, so that the value before it ends where it ends in the file.
    fn sep(&mut self, s: &str, fallback: usize) {
        let at = self.next_file.unwrap_or(fallback);
        self.put(s, at);
    }

    /// Writes `ident "label"… {` … `}`: the block starts at `at` (its name in the file) and
    /// ends at the end of `body`.
    fn block(&mut self, ident: &str, labels: &[&str], at: Span, body: &Node, schema: Schema) {
        self.put(ident, at.start);
        for l in labels {
            self.put(" ", at.start);
            self.quoted(l, at.start, Str::Literal);
        }
        self.sep(" {\n", at.start);
        self.body(body, schema);
        self.close(body.span);
    }

    /// `}` at the end of the object spanning `span`.
    fn close(&mut self, span: Span) {
        self.put("}\n", span.end.saturating_sub(1));
    }

    fn body(&mut self, body: &Node, schema: Schema) {
        for e in body.entries() {
            let key = e.key.as_str();
            if schema.skipped(key) {
                continue;
            }
            if key == "dynamic" {
                self.dynamic(&e.value, schema);
                continue;
            }
            if let Some(inner) = schema.block(key) {
                if let NodeKind::Map(_) | NodeKind::Seq(_) = e.value.kind {
                    for b in objects(&e.value) {
                        // An element of an array starts at its own `{`.
                        let at = if b.span == e.value.span {
                            e.key_span
                        } else {
                            b.span
                        };
                        self.block(key, &[], at, b, inner);
                    }
                    continue;
                }
            }
            self.attribute(key, e.key_span, &e.value, schema);
        }
    }

    /// `dynamic "<label>" { for_each = …, iterator = …, content { … } }`, as JSON syntax
    /// writes it: `"dynamic": {"<label>": {…}}`.
    fn dynamic(&mut self, value: &Node, parent: Schema) {
        for by_label in objects(value) {
            for l in by_label.entries() {
                let Some(content_schema) = parent.block(&l.key) else {
                    continue;
                };
                for b in objects(&l.value) {
                    self.put("dynamic ", l.key_span.start);
                    self.quoted(&l.key, l.key_span.start, Str::Literal);
                    self.sep(" {\n", l.key_span.start);
                    for e in b.entries() {
                        match e.key.as_str() {
                            "for_each" | "labels" => {
                                self.attribute(&e.key, e.key_span, &e.value, Schema::Plain)
                            }
                            "iterator" => self.argument("iterator", e.key_span, &e.value, Str::Raw),
                            "content" => {
                                for c in objects(&e.value) {
                                    self.block("content", &[], e.key_span, c, content_schema);
                                }
                            }
                            _ => {}
                        }
                    }
                    self.close(b.span);
                }
            }
        }
    }

    fn attribute(&mut self, key: &str, key_span: Span, value: &Node, schema: Schema) {
        let how = match (schema, key) {
            (Schema::Module, "source" | "version") => Str::Literal,
            (Schema::Provider, "alias") => Str::Literal,
            (Schema::Variable, "default" | "description") => Str::Literal,
            (Schema::Variable, "type") => Str::Raw,
            (Schema::Resource | Schema::PolicyDocument | Schema::Grant, "provider") => Str::Raw,
            (Schema::Module, "providers") => {
                // `{"aws": "aws.west"}`: references, written as strings.
                let name = key_span.start.saturating_add(1);
                self.put(key, name);
                self.put(" = {\n", name);
                for e in value.entries() {
                    if is_identifier(&e.key) {
                        self.put(&e.key, e.key_span.start.saturating_add(1));
                        self.sep(" = ", e.key_span.start);
                        self.value(&e.value, Str::Raw);
                        self.sep("\n", e.value.span.end);
                    }
                }
                self.close(value.span);
                return;
            }
            _ => Str::Template,
        };
        self.argument(key, key_span, value, how);
    }

    fn argument(&mut self, key: &str, key_span: Span, value: &Node, how: Str) {
        if !is_identifier(key) {
            // A name native syntax cannot write, which no reference can name either (Terraform
            // rejects it): left out.
            return;
        }
        self.put(key, key_span.start.saturating_add(1));
        self.sep(" = ", key_span.end);
        self.value(value, how);
        self.sep("\n", value.span.end);
    }

    fn value(&mut self, node: &Node, how: Str) {
        let at = node.span.start;
        match &node.kind {
            NodeKind::Null => self.put("null", at),
            NodeKind::Bool(b) => self.put(if *b { "true" } else { "false" }, at),
            NodeKind::Number(n) | NodeKind::Scalar(n) => self.put(n, at),
            NodeKind::String(s) => {
                // The string as written in the file, so that each byte maps back exactly.
                let literal = self.file.get(node.span.start..node.span.end).unwrap_or("");
                match string_literal_map(literal, at) {
                    Some((text, decoded)) => self.string(&text, &decoded, how),
                    None => self.quoted(s, at, how),
                }
            }
            NodeKind::Seq(items) => {
                self.put("[", at);
                for (i, it) in items.iter().enumerate() {
                    self.value(it, how);
                    self.sep(if i + 1 < items.len() { ", " } else { " " }, it.span.end);
                }
                self.put("]", node.span.end.saturating_sub(1));
            }
            NodeKind::Map(entries) => {
                self.put("{\n", at);
                for e in entries {
                    self.quoted(&e.key, e.key_span.start, how);
                    self.sep(" = ", e.key_span.end);
                    self.value(&e.value, how);
                    self.sep("\n", e.value.span.end);
                }
                self.put("}", node.span.end.saturating_sub(1));
            }
            NodeKind::Alias(_) => self.put("null", at),
        }
    }

    /// A string with no escapes in the file (a key): each byte maps to `at + 1 + i`.
    fn quoted(&mut self, s: &str, at: usize, how: Str) {
        let mut decoded = OffsetMap::default();
        decoded.push(0, at.saturating_add(1));
        self.string(s, &decoded, how);
    }

    /// Writes decoded string `s` (byte `i` is at `decoded.map(i)` in the file) the way `how`
    /// says: a quoted template (escaping only its literal parts), a quoted literal (with
    /// `${`/`%{` escaped), or raw.
    fn string(&mut self, s: &str, decoded: &OffsetMap, how: Str) {
        let start = decoded.map(0).saturating_sub(1);
        if how == Str::Raw {
            // An expression written as a string: written only when it parses as one expression
            // on its own, so that it cannot reach past its argument (Terraform rejects the
            // others).
            let clean: String = s
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            let alone = crate::parse::hcl::parse_hcl(&format!("x = {clean}\n"))
                .is_ok_and(|b| b.attributes().count() == 1 && b.blocks().next().is_none());
            self.put(if alone { &clean } else { "null" }, start.saturating_add(1));
            return;
        }
        self.put("\"", start);
        // Nesting inside a template: interpolations (with their brace depth) and the quoted
        // strings inside them.
        let mut stack: Vec<Option<u32>> = Vec::new();
        let bytes = s.as_bytes();
        let mut i = 0;
        let mut buf = [0u8; 4];
        while let Some(c) = s.get(i..).and_then(|r| r.chars().next()) {
            let at = decoded.map(i);
            let len = c.len_utf8();
            let next = bytes.get(i + 1).copied();
            let literal_part = stack.is_empty();
            let in_string = matches!(stack.last(), Some(None));
            match c {
                // `$${` and `%%{` are escapes in both syntaxes; a literal writes a `${` as one.
                '$' | '%' if next == Some(c as u8) && bytes.get(i + 2) == Some(&b'{') => {
                    let t = s.get(i..i + 3).unwrap_or("");
                    self.put(t, at);
                    i += 3;
                    continue;
                }
                '$' | '%' if next == Some(b'{') && (literal_part || in_string) => {
                    if how == Str::Literal {
                        let doubled = if c == '$' { "$${" } else { "%%{" };
                        self.put(doubled, at);
                    } else {
                        self.put(if c == '$' { "${" } else { "%{" }, at);
                        stack.push(Some(1));
                    }
                    i += 2;
                    continue;
                }
                '{' if !literal_part && !in_string => {
                    if let Some(Some(d)) = stack.last_mut() {
                        *d += 1;
                    }
                    self.put("{", at);
                }
                '}' if !literal_part && !in_string => {
                    if let Some(Some(d)) = stack.last_mut() {
                        *d -= 1;
                        if *d == 0 {
                            stack.pop();
                        }
                    }
                    self.put("}", at);
                }
                '"' if !literal_part && !in_string => {
                    stack.push(None);
                    self.put("\"", at);
                }
                '"' if in_string => {
                    stack.pop();
                    self.put("\"", at);
                }
                '\\' if in_string => {
                    // An escape inside a quoted string of an interpolation: copied as is.
                    let end = i
                        + 1
                        + s.get(i + 1..)
                            .and_then(|r| r.chars().next())
                            .map_or(0, char::len_utf8);
                    self.put(s.get(i..end).unwrap_or("\\"), at);
                    i = end;
                    continue;
                }
                _ if literal_part || in_string => {
                    let escaped = match c {
                        '"' => Some("\\\"".to_string()),
                        '\\' => Some("\\\\".to_string()),
                        '\n' => Some("\\n".to_string()),
                        '\r' => Some("\\r".to_string()),
                        '\t' => Some("\\t".to_string()),
                        c if c.is_control() => Some(format!("\\u{:04x}", c as u32)),
                        _ => None,
                    };
                    match escaped {
                        Some(e) => {
                            self.put(&e, at);
                            // The next byte starts a new run.
                            self.next_file = None;
                        }
                        None => self.put(c.encode_utf8(&mut buf), at),
                    }
                }
                _ => {
                    // Inside an interpolation: expression text, newlines included.
                    self.put(c.encode_utf8(&mut buf), at);
                }
            }
            i += len;
        }
        let end = decoded.map(s.len());
        self.put("\"", end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::json::parse_json;

    fn native(json: &str) -> Native {
        let root = parse_json(json).unwrap();
        to_native(&root, json)
    }

    #[test]
    fn blocks_arguments_and_templates() {
        let n = native(
            r#"{"resource": {"aws_kms_key": {"k": {"policy": "${data.x.json}", "count": 2,
               "lifecycle": {"prevent_destroy": true}}}},
               "locals": {"a": "x\"${var.y == \"q\" ? 1 : 2}\n"}}"#,
        );
        assert_eq!(
            n.text,
            "resource \"aws_kms_key\" \"k\" {\npolicy = \"${data.x.json}\"\ncount = 2\n}\n\
             locals {\na = \"x\\\"${var.y == \"q\" ? 1 : 2}\\n\"\n}\n"
        );
        crate::parse::hcl::parse_hcl(&n.text).unwrap();
    }

    #[test]
    fn literals_stay_literal() {
        let n = native(
            r#"{"variable": {"v": {"default": {"a": ["${x}", "%{y}"]}, "type": "map(list(string))"}},
               "module": {"m": {"source": "./m${x}", "providers": {"aws": "aws.west"}}}}"#,
        );
        assert!(
            n.text.contains(
                r#"default = {
"a" = ["$${x}", "%%{y}" ]
}"#
            ),
            "{}",
            n.text
        );
        assert!(n.text.contains("type = map(list(string))"), "{}", n.text);
        assert!(n.text.contains("source = \"./m$${x}\""), "{}", n.text);
        assert!(n.text.contains("aws = aws.west"), "{}", n.text);
        crate::parse::hcl::parse_hcl(&n.text).unwrap();
    }

    #[test]
    fn policy_document_blocks_and_dynamic() {
        let n = native(
            r#"{"data": {"aws_iam_policy_document": {"d": {
                "statement": [{"sid": "A", "principals": {"type": "AWS", "identifiers": ["*"]}}],
                "dynamic": {"statement": {"for_each": "${var.s}", "iterator": "s",
                    "content": {"sid": "${s.key}"}}}}}}}"#,
        );
        crate::parse::hcl::parse_hcl(&n.text).unwrap();
        assert!(
            n.text.contains("statement {\nsid = \"A\"\nprincipals {\n"),
            "{}",
            n.text
        );
        assert!(n.text.contains("dynamic \"statement\" {\nfor_each = \"${var.s}\"\niterator = s\ncontent {\nsid = \"${s.key}\"\n}\n}\n"), "{}", n.text);
    }

    #[test]
    fn a_raw_expression_cannot_reach_past_its_argument() {
        let n = native(r#"{"variable": {"v": {"type": "string\"} resource \"x\" \"y\" {"}}}"#);
        assert_eq!(n.text, "variable \"v\" {\ntype = null\n}\n");
        crate::parse::hcl::parse_hcl(&n.text).unwrap();
    }

    #[test]
    fn outputs_are_written() {
        let n = native(
            r#"{"output": {"arn": {"value": "${aws_iam_role.r.arn}", "depends_on": ["x"]}}}"#,
        );
        assert_eq!(
            n.text,
            "output \"arn\" {\nvalue = \"${aws_iam_role.r.arn}\"\n}\n"
        );
    }

    #[test]
    fn every_byte_maps_back() {
        let json = "{\"locals\": {\"p\": \"\\u0041${var.x}\\\"z\"}}";
        let n = native(json);
        let at = |needle: &str| n.map.map(n.text.find(needle).unwrap());
        assert_eq!(&json[at("var.x")..at("var.x") + 5], "var.x");
        assert_eq!(&json[at("z")..at("z") + 1], "z");
        assert_eq!(&json[at("p =")..at("p =") + 1], "p");
    }

    #[test]
    fn a_module_call_in_json_syntax_may_hold_keys() {
        use super::super::may_hold_keys;
        assert!(may_hold_keys(r#"{"module": {"k": {"source": "./kms"}}}"#));
        assert!(may_hold_keys("{\n  \"module\" :\n {}}"));
        assert!(!may_hold_keys(r#"{"output": {"x": {"value": "module"}}}"#));
    }
}
