//! How `entrasnap restore` shows a plan and its outcome to a person: what will
//! be written, in which order and why, who is protected, and what cannot be
//! brought back. Reads like the change summary a senior admin would hand over.

use std::collections::BTreeSet;
use std::io::{self, Write};

use entrasnap_core::ObjectType;
use entrasnap_core::restore::{Plan, Step, StepKind, StepStatus};
use entrasnap_graph::restore::ExecuteEvent;

/// The registry's display name of a type (`Conditional Access policy`).
fn type_label(name: &str) -> &str {
    ObjectType::find(name).map_or(name, |t| t.display_name)
}

fn kind_word(kind: StepKind) -> &'static str {
    match kind {
        StepKind::Update => "update",
        StepKind::UpdateAction => "update",
        StepKind::RestoreDeleted => "undelete",
        StepKind::Create => "re-create",
        StepKind::AddLink => "add",
        StepKind::RemoveLink => "remove",
        StepKind::SetManager => "set",
        StepKind::RemoveManager => "remove",
        StepKind::RevokeCredential => "revoke",
        StepKind::Delete => "delete",
    }
}

/// Distinct objects the plan writes.
pub fn object_count(plan: &Plan) -> usize {
    plan.steps
        .iter()
        .map(|s| (&s.object_type, &s.object_id))
        .collect::<BTreeSet<_>>()
        .len()
}

/// One line per step: `  3  undelete  named location "Corporate HQ": bring back ...`.
pub fn step_line(step: &Step, width: usize) -> String {
    format!(
        "{:>width$}  {:<9} {} \"{}\": {}",
        step.seq,
        kind_word(step.kind),
        type_label(&step.object_type),
        step.object_name,
        step.summary,
    )
}

/// The whole plan: header, guard, steps (long runs of one kind on one type
/// are shortened), notes.
pub fn write_plan(w: &mut dyn Write, plan: &Plan, live_label: &str) -> io::Result<()> {
    writeln!(w, "Restore plan")?;
    writeln!(w, "  To     snapshot {}", plan.snapshot)?;
    writeln!(w, "  From   {live_label}")?;
    if plan.steps.is_empty() {
        writeln!(
            w,
            "\nNothing to restore: the tenant already matches the snapshot for what was asked."
        )?;
    } else {
        writeln!(
            w,
            "  Writes {} to {} object(s), referenced objects first",
            plan.steps.len(),
            object_count(plan)
        )?;
        if !plan.permissions.is_empty() {
            writeln!(w, "  Needs  {}", plan.permissions.join(", "))?;
        }
    }
    write_guard(w, plan)?;
    if !plan.steps.is_empty() {
        writeln!(w, "\nSteps")?;
        let width = plan.steps.len().to_string().len();
        let mut i = 0;
        while i < plan.steps.len() {
            let s = &plan.steps[i];
            // A run of the same kind of write on the same type and attribute
            // (5,000 users' department) is shown as its first lines and a count.
            let run = plan.steps[i..]
                .iter()
                .take_while(|t| {
                    t.kind == s.kind
                        && t.object_type == s.object_type
                        && summary_key(&t.summary) == summary_key(&s.summary)
                })
                .count();
            let shown = if run > 12 { 3 } else { run };
            for step in &plan.steps[i..i + shown] {
                writeln!(w, "  {}", step_line(step, width))?;
            }
            if run > shown {
                writeln!(
                    w,
                    "  {:>width$}  ... and {} more like these ({} {}s)",
                    "",
                    run - shown,
                    kind_word(s.kind),
                    type_label(&s.object_type)
                )?;
            }
            i += run;
        }
    }
    if !plan.notes.is_empty() {
        writeln!(w, "\nNot restored (a person must act)")?;
        for n in &plan.notes {
            writeln!(
                w,
                "  {} \"{}\": {}",
                type_label(&n.object_type),
                n.object_name,
                n.message
            )?;
        }
    }
    Ok(())
}

/// The part of a summary before its values (`department`), to group runs.
fn summary_key(summary: &str) -> &str {
    summary.split(':').next().unwrap_or(summary)
}

fn write_guard(w: &mut dyn Write, plan: &Plan) -> io::Result<()> {
    let guard = &plan.guard;
    if guard.break_glass.is_empty() {
        writeln!(
            w,
            "  Break-glass: none given or found (no account is excluded from every enabled policy); give them with --break-glass"
        )?;
    } else {
        let names: Vec<String> = guard
            .break_glass
            .iter()
            .map(|b| format!("{} ({})", b.principal.name, b.source))
            .collect();
        writeln!(w, "  Break-glass protected: {}", names.join("; "))?;
    }
    if !guard.findings.is_empty() {
        let verdict = if guard.overridden {
            "OVERRIDDEN with --override-break-glass"
        } else {
            "REFUSED"
        };
        writeln!(w, "\nBreak-glass guard: {verdict}")?;
        for f in &guard.findings {
            writeln!(w, "  - {f}")?;
        }
    }
    Ok(())
}

/// A finished step as a progress line: `[ 3/12] done     update Conditional Access policy "CA001": state ...`.
pub fn step_event_line(e: &ExecuteEvent) -> String {
    let width = e.total.to_string().len();
    let mut line = format!(
        "[{:>width$}/{}] {:<8} {:<9} {} \"{}\": {}",
        e.finished,
        e.total,
        status_word(e.status),
        kind_word(e.kind),
        type_label(&e.object_type),
        e.object_name,
        e.summary
    );
    if let Some(error) = &e.error {
        line.push_str(&format!(" -- {error}"));
    }
    line
}

/// `done`, `already`, `FAILED`, `skipped`.
pub fn status_word(status: StepStatus) -> &'static str {
    match status {
        StepStatus::Done => "done",
        StepStatus::Already => "already",
        StepStatus::Failed => "FAILED",
        StepStatus::Skipped => "skipped",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use entrasnap_core::restore::{Guard, Note, StepRequest};

    fn step(seq: u32, kind: StepKind, ty: &str, name: &str, summary: &str) -> Step {
        Step {
            seq,
            kind,
            object_type: ty.into(),
            object_id: format!("id-{seq}"),
            object_name: name.into(),
            summary: summary.into(),
            depends_on: Vec::new(),
            request: StepRequest {
                method: "PATCH".into(),
                version: "v1.0".into(),
                path: format!("users/id-{seq}"),
                body: None,
                new_ids: Default::default(),
            },
        }
    }

    #[test]
    fn a_plan_reads_in_order_and_shortens_long_runs() {
        let mut steps = vec![
            step(
                1,
                StepKind::RestoreDeleted,
                "namedLocation",
                "Corporate HQ",
                "bring back from deleted items",
            ),
            step(
                2,
                StepKind::Update,
                "conditionalAccessPolicy",
                "CA001 - Require MFA for all users",
                "state: disabled -> enabled",
            ),
        ];
        for i in 0..20 {
            steps.push(step(
                3 + i,
                StepKind::Update,
                "user",
                &format!("User {i}"),
                "department: Sales -> Finance",
            ));
        }
        let plan = Plan {
            snapshot: "S1".into(),
            live: "S2".into(),
            steps,
            notes: vec![Note {
                object_type: "application".into(),
                object_id: "a".into(),
                object_name: "Contoso HR Portal".into(),
                message: "secret \"prod\" cannot be brought back".into(),
            }],
            guard: Guard {
                findings: vec!["CA001 would no longer exclude Break Glass 1".into()],
                refused: true,
                ..Guard::default()
            },
            permissions: vec!["Policy.ReadWrite.ConditionalAccess".into()],
            ..Plan::default()
        };
        let mut out = Vec::new();
        write_plan(&mut out, &plan, "the live tenant").unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("Writes 22 to 22 object(s)"), "{text}");
        assert!(
            text.contains(
                " 1  undelete  named location \"Corporate HQ\": bring back from deleted items"
            ),
            "{text}"
        );
        assert!(text.contains(" 2  update    Conditional Access policy \"CA001 - Require MFA for all users\": state: disabled -> enabled"), "{text}");
        assert!(text.contains("\"User 2\""), "{text}");
        assert!(!text.contains("\"User 3\""), "{text}");
        assert!(
            text.contains("... and 17 more like these (update users)"),
            "{text}"
        );
        assert!(text.contains("Break-glass guard: REFUSED"), "{text}");
        assert!(
            text.contains("app registration \"Contoso HR Portal\": secret"),
            "{text}"
        );
    }
}
