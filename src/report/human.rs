//! The human report: each finding drawn by miette on its source line, with the rule, why and how
//! to fix. Source snippets come from our own line index (miette's built-in sources rescan the
//! file from byte 0 for every label, which is quadratic on files with many findings).

use super::Sink;
use crate::base::severity::Severity;
use crate::base::source::SourceFile;
use crate::check::Totals;
use crate::rules::Finding;
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};
use std::fmt;
use std::io::Write;
use std::sync::Arc;

/// A `SourceCode` over a `SourceFile` that finds context lines through the line index.
struct IndexedSource(Arc<SourceFile>);

impl SourceCode for IndexedSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let f = &self.0;
        let text = f.text.as_str();
        let start = span.offset().min(text.len());
        let end = (span.offset() + span.len()).min(text.len());
        if span.offset() > text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let first = f.lines().line_of(start).saturating_sub(before);
        let last = (f.lines().line_of(end) + after).min(f.lines().line_count().saturating_sub(1));
        // With no context wanted (miette's header line), the data starts at the span itself and
        // the column is the span's own, in characters.
        let (data_start, column) = if before == 0 {
            (start, f.line_col(start).1 - 1)
        } else {
            (f.lines().line_start(first), 0)
        };
        let mut data_end = if last + 1 < f.lines().line_count() {
            f.lines().line_start(last + 1)
        } else {
            text.len()
        };
        while data_end > data_start
            && matches!(text.as_bytes().get(data_end - 1), Some(b'\n' | b'\r'))
        {
            data_end -= 1;
        }
        let data_end = data_end.max(data_start);
        let data = text.as_bytes().get(data_start..data_end).unwrap_or(&[]);
        Ok(Box::new(MietteSpanContents::new_named(
            super::shown_path(&f.path),
            data,
            SourceSpan::new(data_start.into(), data_end - data_start),
            first,
            column,
            last - first + 1,
        )))
    }
}

struct FindingDiagnostic<'a> {
    finding: &'a Finding,
    source: IndexedSource,
    help: String,
}

impl fmt::Debug for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FindingDiagnostic")
            .field("rule", &self.finding.rule)
            .finish()
    }
}

impl fmt::Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.finding.message)
    }
}

impl std::error::Error for FindingDiagnostic<'_> {}

impl Diagnostic for FindingDiagnostic<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        let f = self.finding;
        let suffix = if f.suppressed { ", suppressed" } else { "" };
        Some(Box::new(format!("{} {}{}", f.rule, f.name, suffix)))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.help))
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let f = self.finding;
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            Some(f.label.clone()),
            SourceSpan::new(f.span.start.into(), f.span.len()),
        )];
        for r in &f.related {
            if Arc::ptr_eq(&r.file, &f.file) {
                labels.push(LabeledSpan::new_with_span(
                    Some(r.message.clone()),
                    SourceSpan::new(r.span.start.into(), r.span.len()),
                ));
            }
        }
        Some(Box::new(labels.into_iter()))
    }
}

/// How to draw: colours only on a terminal without `NO_COLOR`, and the terminal's width.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    pub color: bool,
    pub width: usize,
}

impl Style {
    pub fn plain(width: usize) -> Self {
        Style {
            color: false,
            width,
        }
    }
}

fn handler(style: Style) -> GraphicalReportHandler {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .without_syntax_highlighting()
        .with_context_lines(1)
}

/// Renders one finding. On a very long line of a JSON file (a `terraform show -json` plan), the
/// snippet is the JSON path and a pretty-printed excerpt instead of the line.
pub fn render_finding(f: &Finding, style: Style) -> String {
    match excerpted(f) {
        Some(e) => render_one(&e, style),
        None => render_one(f, style),
    }
}

/// The finding drawn on an excerpt of its file (`super::excerpt`), when it is on a long JSON line.
fn excerpted(f: &Finding) -> Option<Finding> {
    let same: Vec<usize> = (0..f.related.len())
        .filter(|&i| Arc::ptr_eq(&f.related[i].file, &f.file))
        .collect();
    let mut spans = vec![f.span];
    spans.extend(same.iter().map(|&i| f.related[i].span));
    let e = super::excerpt::excerpt(&f.file, &spans)?;
    let primary = (*e.spans.first()?)?;
    let (l, c) = f.file.line_col(f.span.start);
    let name = format!("{} → {}", super::shown_path(&f.file.path), e.path);
    let file = SourceFile::new(name, e.text);
    let mut out = f.clone();
    out.help = format!(
        "{}\nshown pretty-printed from {}:{l}:{c}",
        f.help,
        super::shown_path(&f.file.path)
    );
    out.span = primary;
    out.related = Vec::new();
    for (i, r) in f.related.iter().enumerate() {
        let mut r = r.clone();
        // A place outside the excerpt stays in the file: listed under help with its position.
        let moved = same
            .iter()
            .position(|&j| j == i)
            .and_then(|k| e.spans.get(k + 1).copied().flatten());
        if let Some(s) = moved {
            r.file = file.clone();
            r.span = s;
        }
        out.related.push(r);
    }
    out.file = file;
    Some(out)
}

fn render_one(f: &Finding, style: Style) -> String {
    let mut help = f.help.clone();
    for r in &f.related {
        if !Arc::ptr_eq(&r.file, &f.file) {
            let (l, c) = r.file.line_col(r.span.start);
            help.push_str(&format!(
                "\n{}: {}:{}:{}",
                r.message,
                super::shown_path(&r.file.path),
                l,
                c
            ));
        }
    }
    if let Some(res) = &f.resource {
        help.push_str(&format!("\nresource: {res}"));
    }
    if let Some(s) = &f.suppression {
        let until = s.until.map(|d| format!(" until {d}")).unwrap_or_default();
        help.push_str(&format!("\nsuppressed ({}): {}{until}", s.kind, s.reason));
    }
    help.push_str(&format!("\nmore: kmslint explain {}", f.rule));
    let diag = FindingDiagnostic {
        finding: f,
        source: IndexedSource(f.file.clone()),
        help,
    };
    let mut out = String::new();
    if handler(style).render_report(&mut out, &diag).is_err() {
        let ((l, c), _) = f.start_end();
        out = format!(
            "{}:{}:{}: {} [{}] {}\n",
            super::shown_path(&f.file.path),
            l,
            c,
            f.severity.as_str(),
            f.rule,
            f.message
        );
    }
    out
}

/// Writes every (unsuppressed, unless asked) finding, then the summary line.
pub struct Writer<W: Write> {
    out: W,
    style: Style,
    show_suppressed: bool,
}

impl<W: Write> Writer<W> {
    pub fn new(out: W, style: Style, show_suppressed: bool) -> Self {
        Writer {
            out,
            style,
            show_suppressed,
        }
    }
}

impl<W: Write> Sink for Writer<W> {
    fn finding(&mut self, f: &Finding) -> std::io::Result<()> {
        if f.suppressed && !self.show_suppressed {
            return Ok(());
        }
        self.out
            .write_all(render_finding(f, self.style).as_bytes())?;
        writeln!(self.out)
    }

    fn finish(&mut self, totals: &Totals) -> std::io::Result<()> {
        writeln!(self.out, "kmslint: {}", super::summary_line(totals))?;
        self.out.flush()
    }
}
