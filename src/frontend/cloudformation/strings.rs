//! Key policies written as strings: a JSON string, `Fn::Sub` of a JSON document (with or without
//! a variable map), `Fn::Join` of JSON fragments.
//!
//! The registry schema of `AWS::KMS::Key` types `KeyPolicy` as object *or* string, and the
//! resource handler sends a string to KMS unchanged: CloudFormation substitutes the variables,
//! never parses the JSON. So the string is built as CloudFormation builds it, then parsed here;
//! a syntax error is a KMS000 at its own position (KMS would answer
//! `MalformedPolicyDocumentException` when the key is created).
//!
//! Every byte of the built text remembers where it came from: literal text maps back into the
//! scalar it was written in (through its quotes, escapes or block indentation), a substituted
//! value to the `${Name}` (or `Fn::Join` element) it replaced. Values that are not literal (the
//! own account, an unknown) stand in the text as one private-use character each and come back as
//! their `Part` inside the JSON strings they sit in.

use super::intrinsics::{alternatives, intrinsic, one_or_choice, sub_pieces, SubPiece, Template};
use crate::base::diag::{code, InputError};
use crate::base::limits::{MAX_ALTERNATIVES, MAX_VALUE_LEN};
use crate::base::source::{Loc, Span};
use crate::ir::{Doc, DocEntry, DocKind, Part, Value, Why};
use crate::parse::{json, yaml, Node, NodeKind, OffsetMap};

/// First character that stands for a part that is not literal text.
const PLACEHOLDER: u32 = 0xF0000;
const PLACEHOLDER_END: u32 = 0xFFFFD;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Origin {
    /// Byte `i` of the run is file byte `start + i`.
    Shift(usize),
    /// Every byte of the run stands for this span (a substituted value).
    Fixed(Span),
}

#[derive(Clone, Copy, Debug)]
struct Run {
    at: usize,
    origin: Origin,
    /// Which piece of source the run comes from: one per scalar, one per substituted value.
    seg: u32,
}

/// A string as CloudFormation builds it, with where each byte came from.
#[derive(Clone, Debug, Default)]
struct Built {
    text: String,
    runs: Vec<Run>,
    parts: Vec<Part>,
    /// The literal text itself holds a character of the placeholder range.
    tainted: bool,
}

impl Built {
    fn push_run(&mut self, origin: Origin, seg: u32) {
        let at = self.text.len();
        if let Some(last) = self.runs.last_mut() {
            if last.at == at {
                *last = Run { at, origin, seg };
                return;
            }
        }
        self.runs.push(Run { at, origin, seg });
    }

    /// Literal text copied from a scalar: `map` gives the file offset of each of its bytes.
    fn verbatim(
        &mut self,
        text: &str,
        from: usize,
        map: Option<&OffsetMap>,
        whole: Span,
        seg: u32,
    ) {
        self.tainted |= text.chars().any(|c| placeholder(c).is_some());
        let Some(map) = map else {
            self.push_run(Origin::Fixed(whole), seg);
            self.text.push_str(text);
            return;
        };
        let mut expected = None;
        for (i, c) in text.char_indices() {
            let f = map.map(from + i);
            if expected != Some(f) {
                self.push_run(Origin::Shift(f), seg);
            }
            let mut buf = [0u8; 4];
            self.text.push_str(c.encode_utf8(&mut buf));
            expected = Some(f + c.len_utf8());
        }
    }

    /// A substituted value, all of whose bytes stand for `span`.
    fn value(&mut self, v: &Value, span: Span, seg: u32) {
        self.push_run(Origin::Fixed(span), seg);
        for p in &v.parts {
            match p {
                Part::Lit(t) => {
                    self.tainted |= t.chars().any(|c| placeholder(c).is_some());
                    self.text.push_str(t);
                }
                other => {
                    let c = char::from_u32(PLACEHOLDER + self.parts.len() as u32)
                        .unwrap_or(char::REPLACEMENT_CHARACTER);
                    self.text.push(c);
                    self.parts.push(other.clone());
                }
            }
        }
    }

    fn append(&mut self, other: &Built) {
        let base = self.text.len();
        let shift = self.parts.len() as u32;
        for r in &other.runs {
            let at = base + r.at;
            if let Some(last) = self.runs.last_mut() {
                if last.at == at {
                    *last = Run { at, ..*r };
                    continue;
                }
            }
            self.runs.push(Run { at, ..*r });
        }
        if shift == 0 {
            self.text.push_str(&other.text);
        } else {
            self.text
                .extend(other.text.chars().map(|c| match placeholder(c) {
                    Some(i) => char::from_u32(PLACEHOLDER + i as u32 + shift).unwrap_or(c),
                    None => c,
                }));
        }
        self.parts.extend(other.parts.iter().cloned());
        self.tainted |= other.tainted;
    }

    fn run_at(&self, p: usize) -> Option<&Run> {
        let i = self.runs.partition_point(|r| r.at <= p);
        self.runs.get(i.checked_sub(1)?)
    }

    fn map_start(&self, p: usize) -> Option<(usize, u32)> {
        let r = self.run_at(p)?;
        Some(match r.origin {
            Origin::Shift(f) => (f + (p - r.at), r.seg),
            Origin::Fixed(s) => (s.start, r.seg),
        })
    }

    /// The file offset just after byte `p - 1`.
    fn map_end(&self, p: usize) -> Option<(usize, u32)> {
        let q = p.checked_sub(1)?;
        let i = self.runs.partition_point(|r| r.at <= q).checked_sub(1)?;
        let r = self.runs.get(i)?;
        Some(match r.origin {
            Origin::Fixed(s) => (s.end, r.seg),
            Origin::Shift(f) => match self.runs.get(i + 1) {
                // An escape (`\"`) is one byte here and two in the file: its end is where the
                // next run of the same scalar starts.
                Some(n) if n.at == p && n.seg == r.seg => match n.origin {
                    Origin::Shift(nf) => (nf, r.seg),
                    Origin::Fixed(_) => (f + (p - r.at), r.seg),
                },
                _ => (f + (p - r.at), r.seg),
            },
        })
    }

    /// A span of the built text as a span of the file. A token that runs across pieces of
    /// source (a `Fn::Join` element boundary) is placed on the one substituted value inside it.
    fn span(&self, s: Span, fallback: Span) -> Span {
        let Some((start, first)) = self.map_start(s.start) else {
            return fallback;
        };
        if s.end <= s.start {
            return Span::empty(start);
        }
        let Some((end, last)) = self.map_end(s.end) else {
            return fallback;
        };
        if first == last && start <= end {
            return Span::new(start, end);
        }
        let mut fixed: Vec<Span> = Vec::new();
        for (i, r) in self.runs.iter().enumerate() {
            let next = self.runs.get(i + 1).map_or(self.text.len(), |n| n.at);
            if next <= s.start || r.at >= s.end {
                continue;
            }
            if let Origin::Fixed(f) = r.origin {
                if !fixed.contains(&f) {
                    fixed.push(f);
                }
            }
        }
        match fixed.as_slice() {
            [one] => *one,
            _ if start <= end => Span::new(start, end),
            _ => fallback,
        }
    }

    /// Is a placeholder outside every JSON string (so the document's shape depends on it)?
    fn structural_part(&self) -> Option<&Part> {
        let (mut in_string, mut escaped) = (false, false);
        for c in self.text.chars() {
            if in_string {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    in_string = false;
                }
            } else if c == '"' {
                in_string = true;
            } else if let Some(i) = placeholder(c) {
                return self.parts.get(i);
            }
        }
        None
    }

    /// The value of a decoded JSON string, with its placeholders back as parts.
    fn value_of(&self, s: &str) -> Value {
        let mut v = Value::default();
        let mut lit = String::new();
        for c in s.chars() {
            match placeholder(c).and_then(|i| self.parts.get(i)) {
                Some(p) => {
                    v.push(Part::Lit(std::mem::take(&mut lit)));
                    v.push(p.clone());
                }
                None => lit.push(c),
            }
        }
        v.push(Part::Lit(lit));
        v
    }
}

fn placeholder(c: char) -> Option<usize> {
    let u = c as u32;
    (PLACEHOLDER..=PLACEHOLDER_END)
        .contains(&u)
        .then(|| (u - PLACEHOLDER) as usize)
}

/// Builds the key policy a string-valued `KeyPolicy` holds and parses it. `Ok(None)` when the
/// node is not a string form.
pub fn string_policy(
    tpl: &Template,
    text: &str,
    node: &Node,
    is_json: bool,
) -> Option<Result<Doc, InputError>> {
    let is_string =
        matches!(node.kind, NodeKind::String(_) | NodeKind::Scalar(_)) && node.tag.is_none();
    let form = intrinsic(node).map(|(n, _)| n);
    if !is_string && !matches!(form, Some("Fn::Sub" | "Fn::Join")) {
        return None;
    }
    let mut b = Builder {
        tpl,
        text,
        is_json,
        seg: 0,
    };
    let loc = tpl.loc(node);
    let built = match b.build(node) {
        Ok(alts) => alts,
        Err(doc) => return Some(Ok(doc)),
    };
    let mut docs = Vec::new();
    for alt in &built {
        match parse(tpl, alt, loc, text.len()) {
            Ok(d) => docs.push(d),
            Err(e) => return Some(Err(e)),
        }
    }
    Some(Ok(merge(docs, loc)))
}

/// A policy that resolved to a string some other way (a parameter's `Default`, a mapping
/// value, `Fn::Select`): parsed, every position at the value's location. `None` when the value
/// is not a string holding a JSON object.
pub fn resolved_string(tpl: &Template, doc: &Doc, len: usize) -> Option<Result<Doc, InputError>> {
    let values: Vec<(&Value, Loc)> = match &doc.kind {
        DocKind::Scalar(v) => vec![(v, doc.loc)],
        DocKind::Choice(alts) => alts
            .iter()
            .map(|a| a.as_value().map(|v| (v, a.loc)))
            .collect::<Option<Vec<_>>>()?,
        _ => return None,
    };
    let looks_like_json = |v: &Value| match v.parts.first() {
        Some(Part::Lit(t)) => t.trim_start().starts_with('{'),
        _ => false,
    };
    if values.is_empty() || !values.iter().all(|(v, _)| looks_like_json(v)) {
        return None;
    }
    let mut docs = Vec::new();
    for (v, at) in values {
        let mut b = Built::default();
        b.value(v, at.span, 1);
        match parse(tpl, &b, at, len) {
            Ok(d) => docs.push(d),
            Err(e) => return Some(Err(e)),
        }
    }
    Some(Ok(merge(docs, doc.loc)))
}

fn parse(tpl: &Template, b: &Built, loc: Loc, len: usize) -> Result<Doc, InputError> {
    if b.tainted {
        return Ok(Doc::new(
            DocKind::Unknown(Why::unsupported(
                "the key policy text holds private-use characters kmslint reserves",
            )),
            loc,
        ));
    }
    match json::parse_json(&b.text) {
        Ok(node) => Ok(match key_part(&node, b) {
            // A key that is not known (`{"${Key}": …}`) could be any element name: the whole
            // policy is as unknown as that key.
            Some(part) => Doc::new(DocKind::Unknown(part_why(part)), loc),
            None => to_doc(&node, b, loc, len),
        }),
        Err(e) => {
            if let Some(part) = b.structural_part() {
                // Where the document's shape itself is not known, there is no syntax to judge.
                return Ok(Doc::new(DocKind::Unknown(part_why(part)), loc));
            }
            let span = clamp(b.span(e.span, loc.span), len);
            Err(InputError {
                file: tpl.file,
                span,
                message: format!("the KeyPolicy string is not valid JSON: {}", e.message),
                code: code::JSON,
            })
        }
    }
}

fn part_why(part: &Part) -> Why {
    match part {
        Part::Unknown(w) => w.clone(),
        _ => Why::unsupported("the key policy string puts the account id where JSON needs a name"),
    }
}

/// The first part that is not literal in an object key of the parsed document.
fn key_part<'b>(node: &Node, b: &'b Built) -> Option<&'b Part> {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        for e in n.entries() {
            if let Some(i) = e.key.chars().find_map(placeholder) {
                return b.parts.get(i);
            }
            stack.push(&e.value);
        }
        stack.extend(n.items());
    }
    None
}

/// A span inside the file (a block scalar's value may end in a newline a truncated file lacks).
fn clamp(s: Span, len: usize) -> Span {
    Span::new(s.start.min(len), s.end.min(len))
}

fn to_doc(node: &Node, b: &Built, whole: Loc, len: usize) -> Doc {
    let at = |s: Span| clamp(b.span(s, whole.span), len);
    let loc = Loc::new(whole.file, at(node.span));
    let kind = match &node.kind {
        NodeKind::Map(entries) => DocKind::Map(
            entries
                .iter()
                .map(|e| DocEntry {
                    key: b.value_of(&e.key).render(),
                    key_loc: Loc::new(whole.file, at(e.key_span)),
                    value: to_doc(&e.value, b, whole, len),
                })
                .collect(),
        ),
        NodeKind::Seq(items) => {
            DocKind::List(items.iter().map(|n| to_doc(n, b, whole, len)).collect())
        }
        NodeKind::Null => DocKind::Null,
        NodeKind::String(s) => DocKind::Scalar(b.value_of(s)),
        _ => DocKind::Scalar(Value::lit(node.as_str().unwrap_or_default())),
    };
    Doc::new(kind, loc)
}

/// The alternatives built from several values of variables, merged where they agree, so each
/// statement is checked once with what differs as a `Choice` in place. Where two elements of
/// one object differ together (a statement's `Principal` and `Action`), the object's
/// alternatives stay whole: a `Principal` of one must not meet the `Action` of another.
pub fn merge(docs: Vec<Doc>, loc: Loc) -> Doc {
    let mut unique: Vec<Doc> = Vec::new();
    for d in docs {
        if !unique.iter().any(|u| same(u, &d)) {
            unique.push(d);
        }
    }
    if unique.len() <= 1 {
        return unique.pop().unwrap_or_else(|| Doc::new(DocKind::Null, loc));
    }
    let first_loc = unique[0].loc;
    let same_keys = |a: &[DocEntry], b: &[DocEntry]| {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.key == y.key)
    };
    match &unique[0].kind {
        DocKind::Map(first)
            if unique
                .iter()
                .all(|d| matches!(&d.kind, DocKind::Map(e) if same_keys(e, first))) =>
        {
            let column = |i: usize| -> Vec<Doc> {
                unique
                    .iter()
                    .filter_map(|d| d.entries().get(i).map(|x| x.value.clone()))
                    .collect()
            };
            let differing = (0..first.len())
                .filter(|&i| {
                    let c = column(i);
                    c.iter().any(|d| !same(d, &c[0]))
                })
                .count();
            if differing > 1 {
                return Doc::new(DocKind::Choice(unique), first_loc);
            }
            let entries = first
                .iter()
                .enumerate()
                .map(|(i, e)| DocEntry {
                    key: e.key.clone(),
                    key_loc: e.key_loc,
                    value: merge(column(i), e.value.loc),
                })
                .collect();
            Doc::new(DocKind::Map(entries), first_loc)
        }
        DocKind::List(first)
            if unique
                .iter()
                .all(|d| matches!(&d.kind, DocKind::List(l) if l.len() == first.len())) =>
        {
            // Elements are judged one by one (statements, principals, values).
            let items = (0..first.len())
                .map(|i| {
                    let at = first.get(i).map_or(first_loc, |d| d.loc);
                    merge(
                        unique
                            .iter()
                            .filter_map(|d| match &d.kind {
                                DocKind::List(l) => l.get(i).cloned(),
                                _ => None,
                            })
                            .collect(),
                        at,
                    )
                })
                .collect();
            Doc::new(DocKind::List(items), first_loc)
        }
        _ => one_or_choice(unique, first_loc),
    }
}

/// The same document wherever it is written (locations left out).
fn same(a: &Doc, b: &Doc) -> bool {
    match (&a.kind, &b.kind) {
        (DocKind::Map(x), DocKind::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|(p, q)| p.key == q.key && same(&p.value, &q.value))
        }
        (DocKind::List(x), DocKind::List(y)) | (DocKind::Choice(x), DocKind::Choice(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (x, y) => x == y,
    }
}

struct Builder<'t, 'a> {
    tpl: &'t Template<'a>,
    text: &'t str,
    is_json: bool,
    seg: u32,
}

impl Builder<'_, '_> {
    fn next_seg(&mut self) -> u32 {
        self.seg += 1;
        self.seg
    }

    /// A string scalar's value and the map from its bytes to the file.
    fn scalar_map(&self, node: &Node) -> Option<(String, Option<OffsetMap>)> {
        let value = match &node.kind {
            NodeKind::String(s) | NodeKind::Scalar(s) => s.clone(),
            _ => return None,
        };
        let map = if self.is_json {
            let raw = self.text.get(node.span.start..node.span.end)?;
            json::string_literal_map(raw, node.span.start).map(|(_, m)| m)
        } else {
            yaml::scalar_offset_map(self.text, node)
        };
        Some((value, map))
    }

    /// Every string a node can build, or an unknown document when one cannot be built.
    fn build(&mut self, node: &Node) -> Result<Vec<Built>, Doc> {
        if node.tag.is_none() {
            if let Some((value, map)) = self.scalar_map(node) {
                let mut b = Built::default();
                let seg = self.next_seg();
                b.verbatim(&value, 0, map.as_ref(), node.span, seg);
                return Ok(vec![b]);
            }
        }
        match intrinsic(node) {
            Some(("Fn::Sub", arg)) => self.sub(arg, node),
            Some(("Fn::Join", arg)) => self.join(arg, node),
            _ => Ok(self.substituted(self.tpl.doc(node), node.span)),
        }
    }

    /// A resolved value standing in the string, each alternative a piece.
    fn substituted(&mut self, doc: Doc, span: Span) -> Vec<Built> {
        let seg = self.next_seg();
        alternatives(&doc, "a value in the key policy string")
            .iter()
            .map(|v| {
                let mut b = Built::default();
                b.value(v, span, seg);
                b
            })
            .collect()
    }

    fn sub(&mut self, arg: &Node, whole: &Node) -> Result<Vec<Built>, Doc> {
        let (template, vars) = match &arg.kind {
            NodeKind::Seq(items) if !items.is_empty() => (&items[0], items.get(1)),
            _ => (arg, None),
        };
        let Some((value, map)) = self.scalar_map(template) else {
            return Err(self.tpl.unsupported(whole, "`Fn::Sub` needs a string"));
        };
        let seg = self.next_seg();
        let mut pieces: Vec<Vec<Built>> = Vec::new();
        for piece in sub_pieces(&value) {
            match piece {
                SubPiece::Lit { text, start } => {
                    let mut b = Built::default();
                    b.verbatim(text, start, map.as_ref(), template.span, seg);
                    pieces.push(vec![b]);
                }
                SubPiece::Var { name, start, end } => {
                    let span = match &map {
                        Some(m) => Span::new(m.map(start), m.map(end.saturating_sub(1)) + 1),
                        None => template.span,
                    };
                    let doc = self
                        .tpl
                        .sub_variable(name, vars, whole, 1)
                        .unwrap_or_else(|| Doc::new(DocKind::Null, self.tpl.loc(whole)));
                    pieces.push(self.substituted(doc, span));
                }
            }
        }
        self.combine(pieces, whole)
    }

    fn join(&mut self, arg: &Node, whole: &Node) -> Result<Vec<Built>, Doc> {
        let items = arg.items();
        let [delim, list] = items else {
            return Err(self
                .tpl
                .unsupported(whole, "`Fn::Join` takes [delimiter, [values]]"));
        };
        let delim_text = delim.as_str().unwrap_or_default();
        let mut pieces: Vec<Vec<Built>> = Vec::new();
        let mut first = true;
        let mut add_delim = |pieces: &mut Vec<Vec<Built>>, seg: u32| {
            if !first && !delim_text.is_empty() {
                let mut b = Built::default();
                b.value(&Value::lit(delim_text), delim.span, seg);
                pieces.push(vec![b]);
            }
            first = false;
        };
        if list.tag.is_none() && matches!(list.kind, NodeKind::Seq(_)) {
            for item in list.items() {
                if intrinsic(item).is_some() && self.tpl.value_at(item, 1).is_none() {
                    continue; // AWS::NoValue removes the element.
                }
                let seg = self.next_seg();
                add_delim(&mut pieces, seg);
                pieces.push(self.build(item)?);
            }
        } else {
            let doc = self.tpl.doc(list);
            let elements: Vec<Doc> = match doc.kind {
                DocKind::List(items) => items,
                DocKind::Unknown(w) => return Err(Doc::new(DocKind::Unknown(w), doc.loc)),
                _ => vec![doc],
            };
            for e in elements {
                let seg = self.next_seg();
                add_delim(&mut pieces, seg);
                pieces.push(self.substituted(e, list.span));
            }
        }
        self.combine(pieces, whole)
    }

    /// Every combination of the pieces' alternatives, within the limits.
    fn combine(&mut self, pieces: Vec<Vec<Built>>, whole: &Node) -> Result<Vec<Built>, Doc> {
        let mut acc = vec![Built::default()];
        for alts in pieces {
            if acc.len().saturating_mul(alts.len()) > MAX_ALTERNATIVES {
                return Err(self.tpl.limit(
                    whole,
                    format!(
                        "more than {MAX_ALTERNATIVES} combinations of conditional values in one string"
                    ),
                ));
            }
            let longest = acc.iter().map(|b| b.text.len()).max().unwrap_or(0)
                + alts.iter().map(|b| b.text.len()).max().unwrap_or(0);
            if longest > MAX_VALUE_LEN {
                return Err(self
                    .tpl
                    .limit(whole, format!("a string longer than {MAX_VALUE_LEN} bytes")));
            }
            self.tpl
                .charge(longest.saturating_mul(acc.len()).saturating_mul(alts.len()));
            acc = match alts.as_slice() {
                [one] => {
                    acc.iter_mut().for_each(|a| a.append(one));
                    acc
                }
                _ => acc
                    .iter()
                    .flat_map(|a| {
                        alts.iter().map(move |b| {
                            let mut a = a.clone();
                            a.append(b);
                            a
                        })
                    })
                    .collect(),
            };
        }
        Ok(acc)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::super::extract_template;
    use super::*;
    use crate::base::source::FileId;
    use crate::ir::{Cause, SiteBody};
    use crate::parse::yaml::parse_yaml;

    fn policy(text: &str) -> Result<Doc, String> {
        let root = parse_yaml(text).unwrap();
        let out = extract_template(FileId(0), text, &root, false);
        if let Some(e) = out.errors.first() {
            return Err(format!(
                "{} at {}",
                e.message,
                &text[e.span.start..e.span.end]
            ));
        }
        match &out.sites[0].body {
            SiteBody::KeyPolicy(d) => Ok(d.clone()),
            other => panic!("{other:?}"),
        }
    }

    fn key(body: &str) -> String {
        format!("Parameters:\n  Free: {{Type: String}}\n  Acct: {{Type: String, AllowedValues: ['222222222222', '444455556666']}}\nResources:\n  K:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy: {body}\n")
    }

    fn principal(d: &Doc) -> &Doc {
        let st = &d.get("Statement").unwrap().flatten()[0];
        st.get("Principal").unwrap().get("AWS").unwrap()
    }

    #[test]
    fn a_sub_policy_keeps_the_own_account_and_unknowns_as_parts() {
        let text = key(
            r#"!Sub '{"Statement": [{"Principal": {"AWS": "arn:aws:iam::${AWS::AccountId}:role/${Free}"}}]}'"#,
        );
        let d = policy(&text).unwrap();
        let v = principal(&d).as_value().unwrap();
        assert_eq!(v.parts[0], Part::Lit("arn:aws:iam::".into()));
        assert_eq!(v.parts[1], Part::SelfAccount);
        assert!(matches!(&v.parts[3], Part::Unknown(w) if w.cause == Cause::Input));
        // The span is the JSON string token, quotes included, inside the scalar.
        let p = principal(&d).loc.span;
        assert_eq!(
            &text[p.start..p.end],
            r#""arn:aws:iam::${AWS::AccountId}:role/${Free}""#
        );
    }

    #[test]
    fn alternatives_are_merged_in_place() {
        let text =
            key(r#"!Sub '{"Statement": [{"Principal": {"AWS": "arn:aws:iam::${Acct}:root"}}]}'"#);
        let d = policy(&text).unwrap();
        // One statement, whose principal is one of two values.
        assert_eq!(d.get("Statement").unwrap().flatten().len(), 1);
        let DocKind::Choice(alts) = &principal(&d).kind else {
            panic!("{:?}", principal(&d));
        };
        assert_eq!(alts.len(), 2);
    }

    #[test]
    fn an_unknown_outside_a_json_string_makes_the_policy_unknown_not_an_error() {
        let text = key(r#"!Sub '{"Statement": ${Free}}'"#);
        let d = policy(&text).unwrap();
        assert!(
            matches!(&d.kind, DocKind::Unknown(w) if w.reason.contains("Free")),
            "{d:?}"
        );
    }

    #[test]
    fn an_unknown_element_name_makes_the_policy_unknown() {
        let text = key(r#"!Sub '{"${Free}": [{"Effect": "Allow", "Principal": "*"}]}'"#);
        let d = policy(&text).unwrap();
        assert!(
            matches!(&d.kind, DocKind::Unknown(w) if w.reason.contains("Free")),
            "{d:?}"
        );
    }

    #[test]
    fn a_syntax_error_is_located_in_the_scalar() {
        let text = key(
            "!Sub |\n        {\"Statement\": [\n          {\"Effect\": \"Allow\"},\n        ]}",
        );
        let e = policy(&text).unwrap_err();
        assert!(e.contains("not valid JSON"), "{e}");
        assert!(e.ends_with("trailing comma before `]` at ,"), "{e}");
    }

    #[test]
    fn join_elements_are_placed_on_the_value_that_crosses_them() {
        let text = key(
            "!Join ['', ['{\"Statement\": [{\"Principal\": {\"AWS\": \"', !Ref Free, '\"}}]}']]",
        );
        let d = policy(&text).unwrap();
        let p = principal(&d).loc.span;
        assert_eq!(&text[p.start..p.end], "!Ref Free");
    }

    #[test]
    fn sub_pieces_read_literals_and_escapes() {
        let pieces = sub_pieces("a${X}b${!Lit}${ Y }${open");
        assert_eq!(
            pieces,
            [
                SubPiece::Lit {
                    text: "a",
                    start: 0
                },
                SubPiece::Var {
                    name: "X",
                    start: 1,
                    end: 5
                },
                SubPiece::Lit {
                    text: "b",
                    start: 5
                },
                SubPiece::Lit {
                    text: "${",
                    start: 6
                },
                SubPiece::Lit {
                    text: "Lit}",
                    start: 9
                },
                SubPiece::Var {
                    name: "Y",
                    start: 13,
                    end: 19
                },
                SubPiece::Lit {
                    text: "${open",
                    start: 19
                },
            ]
        );
    }

    #[test]
    fn an_escape_ends_where_the_file_says() {
        let mut b = Built::default();
        let mut map = OffsetMap::shifted(10);
        // Decoded `a"b` from raw `a\"b` at file offset 10: the quote is two bytes in the file.
        map.push(1, 11);
        map.push(2, 13);
        b.verbatim("a\"b", 0, Some(&map), Span::new(10, 14), 1);
        assert_eq!(b.span(Span::new(0, 2), Span::default()), Span::new(10, 13));
        assert_eq!(b.span(Span::new(1, 3), Span::default()), Span::new(11, 14));
    }
}
