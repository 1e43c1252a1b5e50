//! The report as a Markdown document: a table of counts, then a section per
//! changed object. Every string from the tenant is escaped, so a display name
//! cannot inject formatting or HTML into a rendered page.

use std::fmt::Write;

use super::{ORDER, RenderOptions, actor_lines, detail_lines, summary, to_label, type_label};
use crate::diff::model::Report;

/// The report as Markdown.
pub fn markdown(report: &Report, opts: &RenderOptions) -> String {
    let mut w = String::new();
    // Writing into a String cannot fail.
    let _ = write_markdown(&mut w, report, opts);
    w
}

fn write_markdown(w: &mut String, report: &Report, opts: &RenderOptions) -> std::fmt::Result {
    writeln!(w, "# Difference report")?;
    writeln!(w)?;
    writeln!(
        w,
        "From snapshot `{}` to {}.",
        report.from,
        md(&to_label(report, opts))
    )?;
    writeln!(w)?;
    writeln!(w, "{}", md(&summary(report, opts)))?;
    writeln!(w)?;
    writeln!(w, "| Severity | Changes |")?;
    writeln!(w, "|---|---:|")?;
    let counts = report.counts();
    for s in ORDER {
        writeln!(w, "| {s} | {} |", counts.get(&s).copied().unwrap_or(0))?;
    }
    let actors = actor_lines(report);
    if !actors.is_empty() {
        writeln!(w)?;
        writeln!(w, "Changed by (from the audit log):")?;
        writeln!(w)?;
        for line in actors {
            writeln!(w, "- {}", md(&line))?;
        }
    }
    for c in &report.changes {
        writeln!(w)?;
        writeln!(
            w,
            "## {}: {} '{}'",
            c.severity.as_str().to_uppercase(),
            type_label(&c.object_type),
            md(&c.object_name)
        )?;
        writeln!(w)?;
        writeln!(w, "{}", md(&c.reason))?;
        let lines = detail_lines(c);
        if !lines.is_empty() {
            writeln!(w)?;
        }
        for line in lines {
            writeln!(w, "- {}", md(&line))?;
        }
    }
    Ok(())
}

/// Escapes the characters Markdown would read as formatting.
fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if matches!(
            ch,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#'
        ) {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_has_a_count_table_and_a_section_per_object() {
        let report = Report {
            from: "a".into(),
            to: "b".into(),
            changes: vec![super::super::tests::change()],
            actors: Vec::new(),
        };
        let text = markdown(&report, &RenderOptions::default());
        assert!(text.contains("| critical | 1 |\n| high | 0 |"), "{text}");
        assert!(
            text.contains(
                "## CRITICAL: Conditional Access policy 'CA001 - Require MFA for all users'"
            ),
            "{text}"
        );
        assert!(
            text.contains("- conditions.users.excludeGroups: - SG-CA-Exclude-BreakGlass"),
            "{text}"
        );
    }

    #[test]
    fn names_cannot_inject_markup() {
        let mut c = super::super::tests::change();
        c.object_name = "<script>alert(1)</script>".into();
        let report = Report {
            from: "a".into(),
            to: "b".into(),
            changes: vec![c],
            actors: Vec::new(),
        };
        let text = markdown(&report, &RenderOptions::default());
        assert!(!text.contains("<script>"), "{text}");
        assert!(text.contains("\\<script\\>"), "{text}");
    }
}
