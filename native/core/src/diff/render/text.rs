//! The change summary printed by `entrasnap compare`: a header, then one
//! block per changed object, most severe first.

use std::fmt::Write;

use super::{RenderOptions, actor_lines, detail_lines, headline, summary, to_label};
use crate::diff::model::Report;

/// The report as plain text, one change per block.
pub fn text(report: &Report, opts: &RenderOptions) -> String {
    let mut w = String::new();
    // Writing into a String cannot fail.
    let _ = write_text(&mut w, report, opts);
    w
}

fn write_text(w: &mut String, report: &Report, opts: &RenderOptions) -> std::fmt::Result {
    writeln!(w, "From snapshot {}", report.from)?;
    writeln!(w, "To   {}", to_label(report, opts))?;
    writeln!(w, "{}", summary(report, opts))?;
    let actors = actor_lines(report);
    if !actors.is_empty() {
        writeln!(w, "Changed by (from the audit log):")?;
        for line in actors {
            writeln!(w, "  {line}")?;
        }
    }
    for c in &report.changes {
        writeln!(w)?;
        writeln!(
            w,
            "{:<8}  {}",
            c.severity.as_str().to_uppercase(),
            headline(c)
        )?;
        for line in detail_lines(c) {
            writeln!(w, "          {line}")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::model::Severity;

    #[test]
    fn text_names_the_object_and_shows_each_attribute_by_name() {
        let report = Report {
            from: "a".into(),
            to: "b".into(),
            changes: vec![super::super::tests::change()],
            actors: Vec::new(),
        };
        let opts = RenderOptions {
            live: true,
            hidden: 2,
            severity_min: Severity::Medium,
        };
        assert_eq!(
            text(&report, &opts),
            "From snapshot a\n\
             To   the live tenant (exported as snapshot b)\n\
             1 change: 1 critical (2 below medium not shown)\n\
             \n\
             CRITICAL  Conditional Access policy 'CA001 - Require MFA for all users' was disabled: MFA for all users is no longer enforced\n\
             \x20         state: enabled -> disabled\n\
             \x20         conditions.users.excludeGroups: - SG-CA-Exclude-BreakGlass\n\
             \x20         members: + Megan Bowen\n"
        );
    }
}
