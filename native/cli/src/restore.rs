//! `entrasnap restore`: bring chosen objects or attributes back to a snapshot,
//! referenced objects first, without locking out break-glass accounts.
//!
//! The tenant is snapshotted before anything is written (the undo point,
//! `--undo RESTORE_ID`), the plan is shown, and nothing is written without
//! `--yes` or a "yes" at the prompt. `--what-if` shows the plan and stops.
//! Afterwards the touched objects are read back; residue exits 4.

use std::io::{self, BufRead, IsTerminal, Write};
use std::sync::Arc;

use entrasnap_core::ObjectType;
use entrasnap_core::restore::{ActorScope, OnConflict, PlanOptions};
use entrasnap_graph::CancellationToken;
use entrasnap_graph::restore::{
    PermissionCheck, Prepared, RestoreError, RestoreEvent, RestoreOutcome, RestoreRequest,
    RestoreSink, RestoreTarget, apply, prepare,
};
use serde::Serialize;

use crate::audit_arg::AuditArgs;
use crate::error::CliError;
use crate::export::{GraphArgs, parse_type};
use crate::output::Output;
use crate::progress::Progress;
use crate::restore_view::{object_count, step_event_line, step_line, write_plan};
use crate::store_arg::StoreArg;

/// Exit code when the restore ran but reading back found residue or failures.
pub const EXIT_RESIDUE: i32 = 4;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub store: StoreArg,
    /// The known-good snapshot to restore to (an id, `latest` (the newest export) or `label:NAME`).
    /// With --changed-by: the state before the actor (default: the newest export completed before --since).
    #[arg(long, value_name = "ID", required_unless_present_any = ["undo", "changed_by"])]
    pub snapshot: Option<String>,
    /// Undo exactly what this actor changed since --since, from the audit log (a user
    /// principal name, an app id, an object id or a display name); every other change stays.
    #[arg(long, value_name = "UPN|APPID", requires = "since", conflicts_with_all = ["undo", "types", "ids", "attributes", "delete_added"])]
    pub changed_by: Option<String>,
    /// With --changed-by: from when (RFC 3339, e.g. 2026-12-01T14:00:00Z).
    #[arg(long, value_name = "TIME", requires = "changed_by", value_parser = parse_time)]
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    /// With --changed-by, when another actor changed the same attribute: refuse (default),
    /// keep-theirs (leave it as they set it) or revert (put the snapshot's value back anyway).
    #[arg(long, value_enum, default_value_t = Conflict::Refuse, requires = "changed_by")]
    pub on_conflict: Conflict,
    #[command(flatten)]
    pub audit_log: AuditArgs,
    /// Only these object types, comma-separated (e.g. conditionalAccessPolicy,namedLocation).
    #[arg(long, value_delimiter = ',', value_parser = parse_type)]
    pub types: Vec<&'static ObjectType>,
    /// Only these objects, comma-separated: ids as in the snapshot, or the live id of an
    /// object re-created since (as a compare's Recreated change gives it).
    #[arg(long = "id", value_name = "OBJID", value_delimiter = ',', value_parser = parse_object_id)]
    pub ids: Vec<String>,
    /// Only these attributes (e.g. department, state, conditions.users.excludeGroups, members);
    /// other attributes keep their current values, and nothing is re-created.
    #[arg(long = "attribute", value_name = "NAME", value_delimiter = ',')]
    pub attributes: Vec<String>,
    /// Break-glass users or groups (ids or user principal names) that must stay excluded
    /// from the blocking, MFA and compliance policies that exclude them now. Accounts
    /// excluded from every enabled policy are protected without being named.
    #[arg(long = "break-glass", value_name = "ID", value_delimiter = ',')]
    pub break_glass: Vec<String>,
    /// Write even though the plan would put a break-glass account inside a policy that excludes it now.
    #[arg(long)]
    pub override_break_glass: bool,
    /// Restored Conditional Access policies land in report-only mode instead of enabled.
    #[arg(long)]
    pub report_only: bool,
    /// Also delete objects created after the snapshot (never done otherwise).
    #[arg(long)]
    pub delete_added: bool,
    /// Undo an earlier restore: its objects go back to the snapshot taken just before it.
    #[arg(long, value_name = "RESTORE_ID", conflicts_with_all = ["snapshot", "types", "ids", "attributes", "delete_added"])]
    pub undo: Option<String>,
    /// Show the plan and write nothing.
    #[arg(long)]
    pub what_if: bool,
    /// Write without asking.
    #[arg(long)]
    pub yes: bool,
    #[command(flatten)]
    pub graph: GraphArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Conflict {
    Refuse,
    KeepTheirs,
    Revert,
}

/// An RFC 3339 time (`2026-12-01T14:00:00Z`; seconds may be left out).
pub(crate) fn parse_time(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    let s = s.trim();
    chrono::DateTime::parse_from_rfc3339(s)
        .or_else(|_| {
            // `2026-12-01T14:00Z`: seconds left out.
            let (head, zone) = s.split_at(s.len().saturating_sub(1));
            chrono::DateTime::parse_from_rfc3339(&format!("{head}:00{zone}"))
        })
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|_| format!("'{s}' is not a time; give RFC 3339, e.g. 2026-12-01T14:00:00Z"))
}

/// An object id as Graph spells them: one that could step out of its path
/// segment (`../`, `/`, `?`) is a usage error, before anything is read.
fn parse_object_id(id: &str) -> Result<String, String> {
    let id = id.trim();
    match entrasnap_core::normalize::unsafe_id(id) {
        Some(why) => Err(format!("'{id}' is not an object id: it {why}")),
        None => Ok(id.to_string()),
    }
}

/// With `--json`: the plan, and what was done when something was.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonResult<'a> {
    what_if: bool,
    snapshot: &'a str,
    /// The undo point's id, stored before the first write; null when nothing
    /// was written (a what-if stores nothing).
    pre_restore: Option<&'a str>,
    plan: &'a entrasnap_core::restore::Plan,
    /// For --changed-by: what the audit log says the actor changed, undone here.
    #[serde(skip_serializing_if = "Option::is_none")]
    actor: Option<&'a entrasnap_core::restore::Reverted>,
    #[serde(skip_serializing_if = "Option::is_none")]
    outcome: Option<&'a RestoreOutcome>,
}

pub async fn run(args: Args, out: Output) -> Result<(), CliError> {
    let store = args.store.open_readable()?;
    let target = match (&args.undo, &args.changed_by, &args.snapshot) {
        (Some(id), _, _) => RestoreTarget::Undo(id.clone()),
        (None, Some(who), snapshot) => RestoreTarget::Actor {
            scope: ActorScope {
                changed_by: who.trim().to_string(),
                since: args.since.expect("clap requires --since with --changed-by"),
                on_conflict: match args.on_conflict {
                    Conflict::Refuse => OnConflict::Refuse,
                    Conflict::KeepTheirs => OnConflict::KeepTheirs,
                    Conflict::Revert => OnConflict::Revert,
                },
            },
            snapshot: snapshot.clone(),
            audit: args.audit_log.settings(),
        },
        (None, None, Some(snapshot)) => RestoreTarget::Snapshot(snapshot.clone()),
        (None, None, None) => {
            unreachable!("clap requires --snapshot unless --undo or --changed-by")
        }
    };
    let request = RestoreRequest {
        target,
        options: PlanOptions {
            types: args.types.iter().map(|t| t.name.to_owned()).collect(),
            ids: args.ids.iter().map(|s| s.trim().to_owned()).collect(),
            attributes: args
                .attributes
                .iter()
                .map(|s| s.trim().to_owned())
                .collect(),
            delete_added: args.delete_added,
            break_glass: args
                .break_glass
                .iter()
                .map(|s| s.trim().to_owned())
                .collect(),
            override_break_glass: args.override_break_glass,
            report_only: args.report_only,
            id_map: Default::default(),
        },
    };
    let progress = Arc::new(if out.is_json() {
        Progress::hidden()
    } else {
        Progress::stderr()
    });
    let cancel = CancellationToken::new();
    let client = args.graph.client(&cancel)?;
    let on_ctrl_c = {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                cancel.cancel();
            }
        })
    };
    let sink: RestoreSink = {
        let progress = progress.clone();
        Arc::new(move |event: RestoreEvent| match event {
            RestoreEvent::Stage(stage) => progress.println(&format!("{stage}...")),
            RestoreEvent::Export(e) => progress.update(&e),
            RestoreEvent::Step(e) => progress.println(&step_event_line(&e)),
        })
    };

    let result = async {
        let prepared = prepare(&client, &store, &request, &sink, &cancel)
            .await
            .map_err(|e| restore_error(e, false))?;
        progress.finish();
        if out.is_json() {
            if args.what_if || prepared.plan.steps.is_empty() || !prepared.plan.is_allowed() {
                emit_json(&out, &prepared, None, args.what_if)?;
                return refusal(&prepared).map_or(Ok(()), Err);
            }
        } else {
            show_plan(&prepared, args.what_if)?;
            if let Some(e) = refusal(&prepared) {
                return Err(e);
            }
            if args.what_if {
                println!("\n--what-if: nothing was written, to the tenant or to the store.");
                return Ok(());
            }
            if prepared.plan.steps.is_empty() {
                return Ok(());
            }
        }
        if args.what_if {
            return Ok(());
        }
        if !args.yes && !confirm(&prepared)? {
            return Err(CliError::new(
                "restore cancelled at the prompt; nothing was written",
            ));
        }
        let outcome = apply(&client, &store, &prepared, &sink, &cancel)
            .await
            .map_err(|e| restore_error(e, true))?;
        progress.finish();
        if out.is_json() {
            emit_json(&out, &prepared, Some(&outcome), false)?;
        } else {
            show_outcome(&args, &outcome)?;
        }
        if outcome.counts.failed > 0 || !outcome.verification.clean {
            return Err(CliError::silent(EXIT_RESIDUE));
        }
        Ok(())
    }
    .await;
    on_ctrl_c.abort();
    progress.finish();
    result
}

fn emit_json(
    out: &Output,
    prepared: &Prepared,
    outcome: Option<&RestoreOutcome>,
    what_if: bool,
) -> Result<(), CliError> {
    let doc = JsonResult {
        what_if,
        snapshot: &prepared.target,
        pre_restore: outcome.map(|o| o.pre_restore.as_str()),
        plan: &prepared.plan,
        actor: prepared.actor.as_ref(),
        outcome,
    };
    out.emit(&doc, |_| Ok(()))
}

/// The guard's refusal as the command's error (the plan was shown already).
fn refusal(prepared: &Prepared) -> Option<CliError> {
    if prepared.plan.is_allowed() {
        return None;
    }
    let mut err = CliError::new(format!(
        "restore refused: the plan would put a break-glass account inside {} polic{} that exclude{} it today",
        prepared.plan.guard.findings.len(),
        if prepared.plan.guard.findings.len() == 1 {
            "y"
        } else {
            "ies"
        },
        if prepared.plan.guard.findings.len() == 1 {
            "s"
        } else {
            ""
        },
    ));
    for f in &prepared.plan.guard.findings {
        err = err.detail(f.clone());
    }
    Some(err.detail(
        "nothing was written; narrow the restore with --id/--attribute, or pass --override-break-glass if this is intended",
    ))
}

fn show_plan(prepared: &Prepared, what_if: bool) -> Result<(), CliError> {
    let mut stdout = io::stdout().lock();
    let live = if what_if {
        "the live tenant (read just now; a what-if stores nothing)".to_string()
    } else {
        format!(
            "the live tenant (read just now; stored as undo point {} before the first write)",
            prepared.pre_restore
        )
    };
    if let Some(actor) = &prepared.actor {
        writeln!(
            stdout,
            "Undoing, from the audit log, what {} changed since {} (back to snapshot {}):",
            actor.changed_by,
            entrasnap_core::audit::stamp(actor.since),
            prepared.target
        )?;
        for line in &actor.undone {
            writeln!(stdout, "  {line}")?;
        }
        for line in &actor.kept {
            writeln!(stdout, "  left: {line}")?;
        }
        writeln!(stdout)?;
    }
    write_plan(&mut stdout, &prepared.plan, &live)?;
    if !prepared.resumes.is_empty() {
        writeln!(
            stdout,
            "\nCompletes the interrupted restore {}: objects it re-created are updated, not created again.",
            prepared.resumes.join(", ")
        )?;
    }
    match &prepared.permissions {
        PermissionCheck::Checked { missing, .. } if !missing.is_empty() => {
            writeln!(stdout, "\nThe token lacks: {}", missing.join(", "))?;
        }
        PermissionCheck::Unknown { reason } => {
            writeln!(
                stdout,
                "\nThe token's permissions could not be read ({reason}); Graph will refuse what it does not allow."
            )?;
        }
        _ => {}
    }
    stdout.flush()?;
    Ok(())
}

fn confirm(prepared: &Prepared) -> Result<bool, CliError> {
    if !io::stdin().is_terminal() {
        return Err(CliError::new(
            "restore writes to the tenant: pass --yes to confirm (or --what-if to see the plan only)",
        ));
    }
    eprint!(
        "\nWrite {} change(s) to {} object(s) in the tenant? Type yes to continue: ",
        prepared.plan.steps.len(),
        object_count(&prepared.plan)
    );
    io::stderr().flush()?;
    let mut answer = String::new();
    io::stdin().lock().read_line(&mut answer)?;
    Ok(answer.trim().eq_ignore_ascii_case("yes") || answer.trim().eq_ignore_ascii_case("y"))
}

fn show_outcome(args: &Args, outcome: &RestoreOutcome) -> Result<(), CliError> {
    let mut w = io::stdout().lock();
    let c = &outcome.counts;
    writeln!(
        w,
        "\nRestore {}: {} written, {} already so, {} failed, {} skipped.",
        outcome.restore_id, c.done, c.already, c.failed, c.skipped
    )?;
    if outcome.verification.clean {
        writeln!(
            w,
            "Verified: read back, the tenant matches snapshot {} for everything restored.",
            outcome.snapshot
        )?;
    } else {
        writeln!(
            w,
            "Verification: {} difference(s) remain after reading back:",
            outcome.verification.residue.len()
        )?;
        for s in &outcome.verification.residue {
            writeln!(w, "  {}", step_line(s, 0))?;
        }
    }
    let store = args.store.store.display();
    writeln!(
        w,
        "Undo: entrasnap restore --store {store} --undo {}",
        outcome.restore_id
    )?;
    w.flush()?;
    Ok(())
}

/// `wrote`: whether the error came while writing (the journal then matters).
fn restore_error(e: RestoreError, wrote: bool) -> CliError {
    match e {
        RestoreError::PermissionDenied { missing } => CliError::new(format!(
            "the token lacks the permissions this restore needs: {}",
            missing.join(", ")
        ))
        .detail("nothing was written; grant them (admin consent) or sign in with an identity that has them"),
        RestoreError::Filter(e) => CliError::new(e.message().to_string())
            .detail("nothing was written, to the tenant or to the store"),
        other if wrote => CliError::new(format!("restore failed: {other}")).detail(
            "the journal in the store records every step that was written; running the same restore again completes it",
        ),
        other => {
            CliError::new(format!("restore failed: {other}")).detail("nothing was written to the tenant")
        }
    }
}
