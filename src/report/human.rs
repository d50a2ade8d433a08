//! The human report: each finding drawn by miette on its source lines, with the rule, why and how
//! to fix.
//!
//! miette is given an excerpt, not the file: the lines around the finding, each cut to a window
//! around the span when it is long (a minified template, a `terraform show -json` plan is one
//! line of megabytes, and miette cannot draw past column 65,535), with every control character
//! made visible (`escape`). Line numbers and the `file:line:col` header are the file's own.
//! Building the excerpt from the file's line index also keeps rendering linear in the number of
//! findings (miette's built-in sources rescan the file from byte 0 for every label).

use super::{escape, Sink};
use crate::base::severity::Severity;
use crate::base::source::{SourceFile, Span};
use crate::check::Totals;
use crate::rules::Finding;
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};
use std::fmt;
use std::io::Write;
use std::sync::Arc;

/// Lines up to this many characters are shown whole.
const WHOLE_LINE: usize = 200;
/// A longer line is shown as a window of this many characters...
const WINDOW: usize = 120;
/// ...starting this many characters before the span.
const LEAD: usize = 40;
/// A span over more lines than this is drawn from its first line only.
const MAX_SPAN_LINES: usize = 40;

/// Related places this many lines or more from the finding are named in the help instead.
const MAX_GAP: usize = 200;

/// One shown line: the part of the file it shows and where that is in the excerpt.
struct Shown {
    /// Byte range of the file shown (within one line).
    from: usize,
    to: usize,
    /// Offset in the excerpt of the line's start, of the character at `from`, and of the line's
    /// end.
    start: usize,
    at: usize,
    end: usize,
}

/// What miette draws for one finding: the file's lines from the first place drawn to the last,
/// each windowed and escaped; offsets in it are the labels' offsets.
struct Excerpt {
    name: String,
    text: String,
    /// 0-based line number of the excerpt's first line.
    first_line: usize,
    lines: Vec<Shown>,
    file: Arc<SourceFile>,
    /// Each label's start in the excerpt, with its 0-based line and character column in the
    /// file: the `file:line:col` miette writes above a snippet.
    positions: Vec<(usize, (usize, usize))>,
}

impl Excerpt {
    /// The lines holding `places` (the finding's span first), each cut to a window around the
    /// first place on it.
    fn new(f: &Finding, places: &[Span]) -> Excerpt {
        let file = f.file.clone();
        let idx = file.lines();
        let text = file.text.as_str();
        let count = idx.line_count().max(1);
        let line_of = |o: usize| idx.line_of(o.min(text.len()));
        let start = f.span.start.min(text.len());
        let l0 = line_of(start);
        let mut first = l0;
        let mut last = line_of(f.span.end.max(start)).min(l0 + MAX_SPAN_LINES);
        for p in places.iter().skip(1) {
            first = first.min(line_of(p.start));
            last = last.max(line_of(p.end.max(p.start)).min(line_of(p.start) + MAX_SPAN_LINES));
        }
        let first = first.saturating_sub(1);
        let last = (last + 1).min(count - 1);
        let mut out = String::new();
        let mut lines = Vec::new();
        for line in first..=last {
            let ls = idx.line_start(line);
            let mut le = if line + 1 < count {
                idx.line_start(line + 1)
            } else {
                text.len()
            };
            while le > ls && matches!(text.as_bytes().get(le - 1), Some(b'\n' | b'\r')) {
                le -= 1;
            }
            let whole = text.get(ls..le).unwrap_or("");
            let (from, to) = if whole.chars().count() <= WHOLE_LINE {
                (0, whole.len())
            } else {
                // Around the first place on this line; else under the finding, for alignment.
                let here = places
                    .iter()
                    .map(|p| p.start.min(text.len()))
                    .find(|&o| line_of(o) == line);
                let anchor = match here {
                    Some(o) => o - ls,
                    None => start - idx.line_start(l0),
                }
                .min(whole.len());
                let from = back_chars(whole, anchor, LEAD);
                (from, forward_chars(whole, from, WINDOW))
            };
            if line > first {
                out.push('\n');
            }
            let line_start = out.len();
            if from > 0 {
                out.push('…');
            }
            let at = out.len();
            out.push_str(&escape::text(whole.get(from..to).unwrap_or("")));
            if to < whole.len() {
                out.push('…');
            }
            lines.push(Shown {
                from: ls + from,
                to: ls + to,
                start: line_start,
                at,
                end: out.len(),
            });
        }
        Excerpt {
            name: escape::text(&super::shown_path(&file.path)).into_owned(),
            text: out,
            first_line: first,
            lines,
            file,
            positions: Vec::new(),
        }
    }

    /// Where a file offset is in the excerpt: `Ok` when it is shown, `Err` (the nearest shown
    /// place) when it is on a cut part of a shown line, `None` when its line is not shown.
    fn map(&self, offset: usize) -> Option<Result<usize, usize>> {
        let line = self.file.lines().line_of(offset.min(self.file.text.len()));
        let shown = self.lines.get(line.checked_sub(self.first_line)?)?;
        let text = self.file.text.as_str();
        let width = |to: usize| {
            text.get(shown.from..to)
                .map_or(0, |part| escape::text(part).len())
        };
        Some(if offset < shown.from {
            Err(shown.at)
        } else if offset > shown.to {
            Err(shown.at + width(shown.to))
        } else {
            Ok(shown.at + width(offset))
        })
    }

    /// A label's span in the excerpt, and whether it is shown exactly (not cut).
    fn span(&mut self, span: Span) -> Option<(SourceSpan, bool)> {
        let a = self.map(span.start)?;
        let b = self.map(span.end).unwrap_or(Err(a.unwrap_or_else(|e| e)));
        let exact = a.is_ok() && b.is_ok();
        let (a, b) = (a.unwrap_or_else(|e| e), b.unwrap_or_else(|e| e));
        let (l, c) = self.file.line_col(span.start.min(self.file.text.len()));
        self.positions
            .push((a, (l.saturating_sub(1), c.saturating_sub(1))));
        Some((SourceSpan::new(a.into(), b.saturating_sub(a)), exact))
    }

    /// The index of the shown line holding an excerpt offset.
    fn line_at(&self, offset: usize) -> usize {
        self.lines
            .partition_point(|l| l.start <= offset)
            .saturating_sub(1)
    }
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        if span.offset() > self.text.len() {
            return Err(MietteError::OutOfBounds);
        }
        if before == 0 && after == 0 {
            // A snippet's header: the label's own line and column in the file.
            let (line, column) = self
                .positions
                .iter()
                .find(|(at, _)| *at == span.offset())
                .map_or((self.first_line + self.line_at(span.offset()), 0), |p| p.1);
            return Ok(Box::new(MietteSpanContents::new_named(
                self.name.clone(),
                &[],
                *span,
                line,
                column,
                1,
            )));
        }
        let a = self.line_at(span.offset()).saturating_sub(before);
        let b = (self.line_at(span.offset() + span.len()) + after).min(self.lines.len() - 1);
        let (start, end) = match (self.lines.get(a), self.lines.get(b)) {
            (Some(x), Some(y)) => (x.start, y.end),
            _ => (0, self.text.len()),
        };
        let data = self.text.as_bytes().get(start..end).unwrap_or(&[]);
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            data,
            SourceSpan::new(start.into(), end - start),
            self.first_line + a,
            0,
            b - a + 1,
        )))
    }
}

/// The byte offset `n` characters before `at` (at a character boundary).
fn back_chars(s: &str, at: usize, n: usize) -> usize {
    let mut at = at.min(s.len());
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    s[..at]
        .char_indices()
        .rev()
        .nth(n.saturating_sub(1))
        .map_or(0, |(i, _)| i)
}

/// The byte offset `n` characters after `from`.
fn forward_chars(s: &str, from: usize, n: usize) -> usize {
    s[from..]
        .char_indices()
        .nth(n)
        .map_or(s.len(), |(i, _)| from + i)
}

struct FindingDiagnostic<'a> {
    finding: &'a Finding,
    source: Excerpt,
    message: String,
    /// In excerpt offsets.
    labels: Vec<(Option<String>, SourceSpan, bool)>,
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
        f.write_str(&self.message)
    }
}

impl std::error::Error for FindingDiagnostic<'_> {}

impl Diagnostic for FindingDiagnostic<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        let f = self.finding;
        let suffix = if f.suppressed { ", suppressed" } else { "" };
        // A team's own rules come from the repository too.
        let code = format!("{} {}{}", f.rule, f.name, suffix);
        Some(Box::new(escape::text(&code).into_owned()))
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
        Some(Box::new(self.labels.iter().map(|(text, span, primary)| {
            if *primary {
                LabeledSpan::new_primary_with_span(text.clone(), *span)
            } else {
                LabeledSpan::new_with_span(text.clone(), *span)
            }
        })))
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
    let line_of = |o: usize| f.file.lines().line_of(o.min(f.file.text.len()));
    let near = |r: &&crate::rules::Related| {
        Arc::ptr_eq(&r.file, &f.file)
            && line_of(r.span.start).abs_diff(line_of(f.span.start)) < MAX_GAP
    };
    let places: Vec<Span> = std::iter::once(f.span)
        .chain(f.related.iter().filter(near).map(|r| r.span))
        .collect();
    let mut source = Excerpt::new(f, &places);
    let mut help = escape::lines(&f.help);
    let mut labels = Vec::new();
    let label = Some(escape::text(&f.label).into_owned());
    match source.span(f.span) {
        Some((span, _)) => labels.push((label, span, true)),
        None => labels.push((label, SourceSpan::new(0.into(), 0), true)),
    }
    let elsewhere = |r: &crate::rules::Related| {
        let (l, c) = r.file.line_col(r.span.start);
        format!(
            "\n{}: {}:{}:{}",
            escape::text(&r.message),
            escape::text(&super::shown_path(&r.file.path)),
            l,
            c
        )
    };
    for r in &f.related {
        // A related place drawn only when it is shown exactly; else named in the help.
        let drawn = if near(&r) { source.span(r.span) } else { None };
        match drawn {
            Some((span, true)) => {
                labels.push((Some(escape::text(&r.message).into_owned()), span, false));
            }
            _ => help.push_str(&elsewhere(r)),
        }
    }
    if let Some(res) = &f.resource {
        help.push_str(&format!("\nresource: {}", escape::text(res)));
    }
    if let Some(s) = &f.suppression {
        let until = s.until.map(|d| format!(" until {d}")).unwrap_or_default();
        help.push_str(&format!(
            "\nsuppressed ({}): {}{until}",
            s.kind,
            escape::text(&s.reason)
        ));
    }
    help.push_str(&format!(
        "\nmore: kmslint explain {}",
        escape::text(&f.rule)
    ));
    let diag = FindingDiagnostic {
        finding: f,
        source,
        message: escape::text(&f.message).into_owned(),
        labels,
        help,
    };
    let mut out = String::new();
    if handler(style).render_report(&mut out, &diag).is_err() {
        let ((l, c), _) = f.start_end();
        out = format!(
            "{}:{}:{}: {} [{}] {}\n",
            escape::text(&super::shown_path(&f.file.path)),
            l,
            c,
            f.severity.as_str(),
            f.rule,
            escape::text(&f.message)
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
        let text = escape::log_lines(&render_finding(f, self.style));
        self.out.write_all(text.as_bytes())?;
        writeln!(self.out)
    }

    fn finish(&mut self, totals: &Totals) -> std::io::Result<()> {
        writeln!(self.out, "kmslint: {}", super::summary_line(totals))?;
        for line in super::summary_details(totals) {
            writeln!(self.out, "kmslint: {}", escape::log_line(&line))?;
        }
        self.out.flush()
    }
}
