//! Keys that Terraform creates through another service's resource: `awscc_kms_key` (the Cloud
//! Control provider), `aws_cloudcontrolapi_resource` of type `AWS::KMS::Key`, and the
//! CloudFormation templates of `aws_cloudformation_stack(_set)` (`template_body`), which the
//! CloudFormation front end reads with the stack's `parameters`.

use super::eval::*;
use super::instances::labels_loc;
use crate::base::source::{Loc, SourceFile, Span};
use crate::frontend::cloudformation::nested::{template_in_string, Place};
use crate::ir::{Doc, DocKind, Extracted, Part, PolicySite, SiteBody, Value, Why};
use crate::parse::hcl::{self, span_of, Block, Expression, Piece};
use crate::parse::OffsetMap;
use std::collections::HashMap;
use std::sync::Arc;

/// Resource types handled here.
pub const INDIRECT_TYPES: &[&str] = &[
    "awscc_kms_key",
    "awscc_kms_replica_key",
    "aws_cloudcontrolapi_resource",
    "aws_cloudformation_stack",
    "aws_cloudformation_stack_set",
];

impl<'a> Module<'a> {
    /// The key policies one instance of an indirect resource creates (`address`: its address).
    pub(super) fn indirect_sites(
        &self,
        sc: Scope<'_>,
        b: &'a Block,
        ty: &str,
        local: &str,
        address: &str,
    ) -> Extracted {
        let arg = |name: &str, policy: bool| self.resource_arg(sc, local, b, name, policy);
        let site = |body: SiteBody| PolicySite {
            resource: address.to_string(),
            resource_type: ty.to_string(),
            loc: labels_loc(sc, b),
            key_account: None,
            body,
            tags: Vec::new(),
        };
        let mut out = Extracted::default();
        match ty {
            "awscc_kms_key" | "awscc_kms_replica_key" => {
                let body = match arg("key_policy", true) {
                    None
                    | Some(Doc {
                        kind: DocKind::Null,
                        ..
                    }) => SiteBody::DefaultPolicy,
                    Some(d) => SiteBody::KeyPolicy(d),
                };
                out.sites.push(site(body));
            }
            "aws_cloudcontrolapi_resource" => {
                let kind = arg("type_name", false).and_then(|d| lit(&d).map(str::to_string));
                let is_key = matches!(
                    kind.as_deref(),
                    Some("AWS::KMS::Key" | "AWS::KMS::ReplicaKey")
                );
                if !is_key && kind.is_some() {
                    return out;
                }
                let Some(state) = arg("desired_state", true) else {
                    return out;
                };
                // A state chosen by a conditional: each alternative's policy. One without a
                // policy gets the default key policy (nothing to report there).
                let mut alternatives = Vec::new();
                let mut defaults = false;
                for alt in state.alternatives() {
                    match alt.get("KeyPolicy") {
                        Some(p) => alternatives.push(p.clone()),
                        // A state not known statically may hold any policy.
                        None if is_key
                            && alt.entries().is_empty()
                            && why_unknown(alt).is_some() =>
                        {
                            alternatives.push(alt.clone())
                        }
                        None => defaults = true,
                    }
                }
                let body = match alternatives.len() {
                    0 if is_key => SiteBody::DefaultPolicy,
                    // A type not known statically: a key only if its state holds a policy.
                    0 => return out,
                    1 if !defaults => SiteBody::KeyPolicy(alternatives.remove(0)),
                    _ => SiteBody::KeyPolicy(Doc::new(DocKind::Choice(alternatives), state.loc)),
                };
                out.sites.push(site(body));
            }
            _ => {
                // aws_cloudformation_stack(_set): a template given inline; `template_url` points
                // at S3, which no static check can read.
                let Some((f, e)) = self.d.attribute(local, b, "template_body") else {
                    return out;
                };
                let params: HashMap<String, Doc> = match arg("parameters", false).map(|d| d.kind) {
                    Some(DocKind::Map(es)) => es.into_iter().map(|e| (e.key, e.value)).collect(),
                    _ => HashMap::new(),
                };
                out = self
                    .in_file(sc, f, |sc| self.stack_template(sc, e, &params, address))
                    .unwrap_or_default();
                for s in &mut out.sites {
                    s.resource_type = format!("{ty}/{}", s.resource_type);
                }
            }
        }
        // The keys are created in the account of this resource's provider, when it states it.
        if let Some(account) = self.stated_key_account() {
            for s in out.sites.iter_mut().filter(|s| s.key_account.is_none()) {
                s.key_account = Some(account.clone());
            }
        }
        out
    }

    /// The key policies of a stack's `template_body`.
    fn stack_template(
        &self,
        sc: Scope<'_>,
        e: &Expression,
        params: &HashMap<String, Doc>,
        owner: &str,
    ) -> Extracted {
        let Some(f) = self.src(sc.file) else {
            return Extracted::default();
        };
        let expr_span = span_of(e).unwrap_or_default();
        let fallback = sc.file_span(expr_span);
        // A literal template written in this file (a heredoc, a quoted string): read through
        // its own text, so that every finding lands on the template's line.
        let pieces = match e {
            Expression::HeredocTemplate(h) => Some(hcl::heredoc_pieces(sc.src, h)),
            Expression::StringTemplate(t) => Some(hcl::quoted_pieces(sc.src, t)),
            Expression::String(_) => span_of(e)
                .and_then(|s| hcl::string_piece(sc.src, s))
                .map(|l| vec![Piece::Lit(l)]),
            _ => None,
        };
        if let Some(pieces) = pieces.filter(|p| p.iter().all(|p| matches!(p, Piece::Lit(_)))) {
            let (text, map, _) = self.pieces_json_text(sc, &pieces);
            // The map goes into the text `sc` reads; a `.tf.json` file's text is its native
            // form, mapped once more.
            let map = match sc.map {
                Some(outer) => compose(&map, outer, text.len()),
                None => map,
            };
            let at = Place {
                file: sc.file,
                text: &f.text,
                map: Some(&map),
                fallback,
            };
            return template_in_string(at, &text, params, owner);
        }
        // Anything else (jsonencode, file(), a variable): its value.
        let d = self.eval(sc, e);
        self.template_value(sc, &d, &f, params, owner, fallback)
    }

    /// A template given as a value: an object (`jsonencode`) as JSON text whose parts map to
    /// where each value was written, a string as itself, each alternative of a conditional.
    fn template_value(
        &self,
        sc: Scope<'_>,
        d: &Doc,
        f: &Arc<SourceFile>,
        params: &HashMap<String, Doc>,
        owner: &str,
        fallback: Span,
    ) -> Extracted {
        let text = match &d.kind {
            DocKind::Scalar(v) => match v.as_lit() {
                Some(t) => t.to_string(),
                None => return self.unknown_template(d, v, owner, fallback, sc),
            },
            DocKind::Map(_) => {
                let mut w = JsonWriter {
                    file: sc.file,
                    out: String::new(),
                    map: OffsetMap::default(),
                    given: params.clone(),
                };
                w.doc(d);
                let at = Place {
                    file: sc.file,
                    text: &f.text,
                    map: Some(&w.map),
                    fallback,
                };
                return template_in_string(at, &w.out, &w.given, owner);
            }
            // Either template may be deployed.
            DocKind::Choice(alts) => {
                let mut out = Extracted::default();
                for alt in alts {
                    out.absorb(self.template_value(sc, alt, f, params, owner, fallback));
                }
                return out;
            }
            _ => return Extracted::default(),
        };
        // A file read with file(): findings are shown at its start.
        let (file, text_of, fallback) = if d.loc.file == sc.file {
            (sc.file, f.clone(), fallback)
        } else {
            match self.src(d.loc.file) {
                Some(g) => (d.loc.file, g, d.loc.span),
                None => (sc.file, f.clone(), fallback),
            }
        };
        // The file's own text (file(), a templatefile() without directives): exact positions.
        let whole = (text_of.text == text).then(|| OffsetMap::shifted(0));
        let at = Place {
            file,
            text: &text_of.text,
            map: whole.as_ref(),
            fallback,
        };
        template_in_string(at, &text, params, owner)
    }

    /// A template whose text is not known statically: reported (KMS018) only when the known
    /// part of it creates a key.
    fn unknown_template(
        &self,
        d: &Doc,
        v: &Value,
        owner: &str,
        fallback: Span,
        sc: Scope<'_>,
    ) -> Extracted {
        let mut out = Extracted::default();
        if !v.render().contains("AWS::KMS::") {
            return out;
        }
        let why = why_unknown(d).unwrap_or_else(|| Why::unsupported("the template"));
        out.sites.push(PolicySite {
            resource: owner.to_string(),
            resource_type: "AWS::KMS::Key".into(),
            loc: Loc::new(sc.file, fallback),
            key_account: None,
            body: SiteBody::KeyPolicy(unknown(
                Why {
                    reason: format!(
                        "the template creating a key is not known statically: {}",
                        why.reason
                    ),
                    cause: why.cause,
                },
                d.loc,
            )),
            tags: Vec::new(),
        });
        out
    }
}

/// `inner` maps positions of a text into `outer`'s text, which `outer` maps into the file.
fn compose(inner: &OffsetMap, outer: &OffsetMap, len: usize) -> OffsetMap {
    let mut m = OffsetMap::default();
    let mut last: Option<usize> = None;
    for i in 0..=len {
        let f = outer.map(inner.map(i));
        if last.map(|l| l + 1) != Some(f) {
            m.push(i, f);
        }
        last = Some(f);
    }
    m
}

/// A Terraform value written as JSON text for the CloudFormation front end: each value starts
/// where it was written; a value not known statically becomes a `Ref` to a name the stack is
/// given (that unknown value, with Terraform's reason), the key's own account
/// `AWS::AccountId`, alternatives `Fn::If` on a condition the template does not define (either
/// may be deployed).
struct JsonWriter {
    file: crate::base::source::FileId,
    out: String,
    map: OffsetMap,
    /// The stack's parameters, and a name for each unknown value (`kmslint:terraform:N`, which
    /// no template can declare).
    given: HashMap<String, Doc>,
}

impl JsonWriter {
    fn at(&mut self, loc: Loc) {
        if loc.file == self.file {
            self.map.push(self.out.len(), loc.span.start);
        }
    }

    fn string(&mut self, s: &str) {
        self.out
            .push_str(&serde_json::Value::String(s.to_string()).to_string());
    }

    fn doc(&mut self, d: &Doc) {
        self.at(d.loc);
        match &d.kind {
            DocKind::Null => self.out.push_str("null"),
            DocKind::Scalar(v) => self.value(v, d.loc),
            DocKind::List(items) => {
                self.out.push('[');
                for (i, it) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.doc(it);
                }
                self.out.push(']');
            }
            DocKind::Map(entries) => {
                self.out.push('{');
                for (i, e) in entries.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.at(e.key_loc);
                    self.string(&e.key);
                    self.out.push(':');
                    self.doc(&e.value);
                }
                self.out.push('}');
            }
            DocKind::Choice(alts) => self.choice(alts),
            DocKind::Unknown(why) => self.unknown_ref(why, d.loc),
        }
    }

    fn choice(&mut self, alts: &[Doc]) {
        match alts {
            [] => self.out.push_str("null"),
            [only] => self.doc(only),
            [first, rest @ ..] => {
                self.out.push_str("{\"Fn::If\":[\"TerraformConditional\",");
                self.doc(first);
                self.out.push(',');
                self.choice(rest);
                self.out.push_str("]}");
            }
        }
    }

    /// A name standing for an unknown value.
    fn name(&mut self, why: &Why, loc: Loc) -> String {
        let name = format!("kmslint:terraform:{}", self.given.len());
        let v = Doc::scalar(Value::unknown(why.clone()), loc);
        self.given.insert(name.clone(), v);
        name
    }

    fn unknown_ref(&mut self, why: &Why, loc: Loc) {
        let name = self.name(why, loc);
        self.out.push_str("{\"Ref\":");
        self.string(&name);
        self.out.push('}');
    }

    fn value(&mut self, v: &Value, loc: Loc) {
        if let Some(s) = v.as_lit() {
            return self.string(s);
        }
        if let [Part::Unknown(why)] = v.parts.as_slice() {
            return self.unknown_ref(why, loc);
        }
        // `Fn::Sub` with the known text escaped (`${!`) and the rest as references.
        let mut sub = String::new();
        for p in &v.parts {
            match p {
                Part::Lit(s) => sub.push_str(&s.replace("${", "${!")),
                Part::SelfAccount => sub.push_str("${AWS::AccountId}"),
                Part::Unknown(why) => {
                    let name = self.name(why, loc);
                    sub.push_str(&format!("${{{name}}}"));
                }
            }
        }
        self.out.push_str("{\"Fn::Sub\":");
        self.string(&sub);
        self.out.push('}');
    }
}
