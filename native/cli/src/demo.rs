//! `entrasnap demo`: the whole story against the embedded Graph emulator, in
//! under a minute and without a tenant: the nightly snapshot, an incident made
//! through Graph's own API (the MFA policy saved as disabled, a break-glass
//! exclusion removed, an HR sync overwriting departments, an attacker's app
//! secret and exclusion-group membership, and one legitimate change), the
//! difference report (text here, an HTML file written) with who made each
//! change from the audit log, what the compromised account did, a what-if,
//! the restore of exactly that account's changes, the surgical
//! department-only restore, and the verification.
//!
//! Every step runs the same code as the commands (`export`, `compare`,
//! `restore`), over HTTP, exactly as against Microsoft Graph.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use entrasnap_core::LocalStore;
use entrasnap_core::diff::render::{self, RenderOptions};
use entrasnap_core::diff::{Report, Severity, StoredSnapshot, compare};
use entrasnap_core::restore::{ActorScope, OnConflict, PlanOptions};
use entrasnap_core::store::SnapshotKind;
use entrasnap_graph::audit::{AuditSettings, attribute_report};
use entrasnap_graph::export::ExportOptions;
use entrasnap_graph::restore::{
    RestoreEvent, RestoreRequest, RestoreSink, RestoreTarget, apply, prepare,
};
use entrasnap_graph::{CancellationToken, Secret};
use entrasnap_sim::{Config, Seed};
use reqwest::Method;
use serde_json::{Value, json};

use crate::compare::write_atomic;
use crate::export::{GraphArgs, export_snapshot};
use crate::progress::Progress;
use crate::restore_view::{step_event_line, write_plan};

#[derive(clap::Args)]
pub struct Args {
    /// Keep the emulator running afterwards (Ctrl+C to stop), to explore it with curl.
    #[arg(long)]
    pub keep_running: bool,
    /// Port for the emulator (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Where the HTML difference report is written.
    #[arg(
        long,
        value_name = "FILE",
        default_value = "entrasnap-demo-report.html"
    )]
    pub report: PathBuf,
    /// Keep the demo's snapshots in this store (a temporary one otherwise).
    #[arg(long, value_name = "DIR")]
    pub store: Option<PathBuf>,
}

const CA001: &str = "CA001 - Require MFA for all users";
const CA004: &str = "CA004 - Block access from outside allowed countries";
const POLICIES: &str = "beta/identity/conditionalAccess/policies";

/// Graph, spoken directly: the incident's actors, each with a token naming
/// them (the emulator's audit log reads the claims).
struct Actor {
    http: reqwest::Client,
    url: String,
    token: String,
}

/// The compromised admin account.
pub const ATTACKER: &str = "mallory.admin@contoso.onmicrosoft.com";

impl Actor {
    fn new(url: &str, claims: Value) -> Actor {
        Actor {
            http: reqwest::Client::new(),
            url: url.to_string(),
            token: entrasnap_sim::audit::unsigned_jwt(&claims),
        }
    }
}

impl Actor {
    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Result<Value, String> {
        let url = if path.starts_with("beta/") || path.starts_with("_sim/") {
            format!("{}/{path}", self.url)
        } else {
            format!("{}/v1.0/{path}", self.url)
        };
        let mut req = self
            .http
            .request(method.clone(), url)
            .bearer_auth(&self.token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| format!("{method} {path}: {e}"))?;
        let status = resp.status();
        let text = resp
            .text()
            .await
            .map_err(|e| format!("{method} {path}: {e}"))?;
        let value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if !status.is_success() {
            return Err(format!(
                "{method} {path} answered {status}: {}",
                value["error"]["message"]
            ));
        }
        Ok(value)
    }

    async fn list(&self, path: &str) -> Result<Vec<Value>, String> {
        Ok(self.send(Method::GET, path, None).await?["value"]
            .as_array()
            .cloned()
            .unwrap_or_default())
    }

    async fn find(&self, path: &str, name: &str) -> Result<Value, String> {
        self.list(path)
            .await?
            .into_iter()
            .find(|o| o["displayName"] == name)
            .ok_or_else(|| format!("the demo tenant has no '{name}' under {path}"))
    }

    async fn writes(&self) -> Result<u64, String> {
        Ok(self.send(Method::GET, "_sim/stats", None).await?["writes"]
            .as_u64()
            .unwrap_or(0))
    }
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_string()
}

fn heading(clock: &str, title: &str) {
    println!("\n== {clock}  {title}");
}

pub async fn run(args: Args) -> Result<(), String> {
    let started = Instant::now();
    let sim = entrasnap_sim::start(
        Config {
            seed: Seed::Demo,
            ..Default::default()
        },
        args.port,
    )
    .await
    .map_err(|e| format!("cannot start the embedded Graph emulator: {e}"))?;
    // The attacker signs in as a compromised admin; the HR sync is an app; Lee is a legitimate admin.
    let actor = Actor::new(
        &sim.url(),
        json!({"oid": "6d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6", "upn": ATTACKER, "name": "Mallory Admin"}),
    );
    let hr_sync = Actor::new(
        &sim.url(),
        json!({"oid": "3c4d5e6f-7081-4293-a4b5-c6d7e8f90a1b", "appid": "5e6f7081-9293-4a4b-8c5d-6e7f8091a2b3",
               "app_displayname": "Contoso HR Sync", "idtyp": "app", "roles": ["User.ReadWrite.All"]}),
    );
    let admin = Actor::new(
        &sim.url(),
        json!({"oid": "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d", "upn": "lee.admin@contoso.onmicrosoft.com", "name": "Lee (IT admin)"}),
    );
    let temp;
    let store_dir: &Path = match &args.store {
        Some(dir) => dir,
        None => {
            temp =
                tempfile::tempdir().map_err(|e| format!("cannot make a temporary store: {e}"))?;
            temp.path()
        }
    };
    let store = LocalStore::open(store_dir).map_err(|e| e.to_string())?;
    let graph = GraphArgs {
        graph_url: Some(sim.url()),
        managed_identity: false,
        identity_client_id: None,
        token: Some(Secret::new("demo")),
    };
    println!(
        "EntraSnapshot demo: the whole story, against an embedded Microsoft Graph emulator at {}",
        sim.url()
    );
    println!("(the Contoso demo tenant; nothing here touches a real tenant)");

    // 1. The nightly snapshot.
    heading("02:00", "The nightly snapshot");
    let progress = Arc::new(Progress::hidden());
    let all = ExportOptions::default();
    let t = Instant::now();
    let snap = export_snapshot(&store, &graph, &all, &progress, None)
        .await
        .map_err(|e| e.to_string())?;
    let objects: u64 = snap.counts.values().sum();
    println!(
        "Snapshot {}: {objects} objects of {} types in {:.1} s ({} Graph requests; Conditional Access is read at Graph's 1 request/s).",
        snap.snapshot_id,
        snap.counts.len(),
        t.elapsed().as_secs_f64(),
        snap.requests
    );

    // 2. The incident, through Graph's own API.
    let incident_started = chrono::Utc::now();
    heading(
        "02:10",
        "The incident (made through Graph's API, as the people involved did it)",
    );
    let ca001 = actor.find(POLICIES, CA001).await?;
    actor
        .send(
            Method::PATCH,
            &format!("{POLICIES}/{}", id(&ca001)),
            Some(json!({"state": "disabled"})),
        )
        .await?;
    println!("- {ATTACKER} (a compromised admin account) saves '{CA001}' as disabled...");
    let ca004 = actor.find(POLICIES, CA004).await?;
    let breakglass = actor.find("groups", "SG-CA-Exclude-BreakGlass").await?;
    let mut conditions = ca004["conditions"].clone();
    if let Some(groups) = conditions["users"]["excludeGroups"].as_array_mut() {
        groups.retain(|g| *g != breakglass["id"]);
    }
    actor
        .send(
            Method::PATCH,
            &format!("{POLICIES}/{}", id(&ca004)),
            Some(json!({"conditions": conditions})),
        )
        .await?;
    println!("  ...and removes the break-glass group from '{CA004}'.");
    let users = actor
        .list("users?$select=id,displayName,department&$top=999")
        .await?;
    let requests: Vec<Value> = users
        .iter()
        .enumerate()
        .map(|(i, u)| {
            json!({"id": i.to_string(), "method": "PATCH", "url": format!("/users/{}", id(u)),
                   "headers": {"Content-Type": "application/json"}, "body": {"department": "Unassigned"}})
        })
        .collect();
    for chunk in requests.chunks(20) {
        hr_sync
            .send(Method::POST, "$batch", Some(json!({"requests": chunk})))
            .await?;
    }
    println!(
        "- The HR sync app overwrites the department of all {} users with 'Unassigned'.",
        users.len()
    );
    let app = actor.find("applications", "Contoso HR Portal").await?;
    actor
        .send(
            Method::POST,
            &format!("applications/{}/addPassword", id(&app)),
            Some(json!({"passwordCredential": {"displayName": "sync-2"}})),
        )
        .await?;
    println!("- {ATTACKER} adds a client secret to 'Contoso HR Portal'...");
    let temporary = actor.find("groups", "SG-CA-Exclude-MFA-Temporary").await?;
    let isaiah = actor.find("users", "Isaiah Langer").await?;
    actor
        .send(
            Method::POST,
            &format!("groups/{}/members/$ref", id(&temporary)),
            Some(json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{}", id(&isaiah))})),
        )
        .await?;
    println!("  ...and adds Isaiah Langer to 'SG-CA-Exclude-MFA-Temporary', escaping MFA.");
    let lee = actor.find("users", "Lee Gu").await?;
    admin
        .send(
            Method::PATCH,
            &format!("users/{}", id(&lee)),
            Some(json!({"jobTitle": "Chief Security Architect"})),
        )
        .await?;
    println!(
        "- Meanwhile, legitimately: lee.admin promotes Lee Gu to Chief Security Architect. This must survive."
    );

    // 3. The difference report.
    heading(
        "02:15",
        "What changed: entrasnap compare --from latest --to live",
    );
    let report = compare_with_live(&store, &graph, &snap.snapshot_id).await?;
    let client = graph
        .client(&CancellationToken::new())
        .map_err(|e| e.to_string())?;
    let opts = RenderOptions {
        live: true,
        ..RenderOptions::default()
    };
    // On screen, what matters first; the HTML report holds every change.
    let mut shown = report.clone();
    let screen = RenderOptions::at_least(&mut shown, Severity::Medium, true);
    print!("{}", render::text(&shown, &screen));
    write_atomic(&args.report, render::html(&report, &opts).as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", args.report.display()))?;
    println!(
        "Every change, the low ones (the HR sync) included: {} (open it in a browser).",
        args.report.display()
    );

    // The forensic step: who disabled the MFA policy, and what else did that account do?
    heading(
        "02:17",
        &format!("Who did it: entrasnap compare --from latest --to live --changed-by {ATTACKER}"),
    );
    let mine: Vec<&entrasnap_core::diff::Change> = report
        .changes
        .iter()
        .filter(|c| c.attribution.as_ref().is_some_and(|a| a.includes(ATTACKER)))
        .collect();
    if let Some(who) = report.actors.iter().find(|a| a.actor.is(ATTACKER)) {
        println!("{}", who.line());
    }
    for c in &mine {
        let at = c
            .attribution
            .as_ref()
            .and_then(|a| a.by.iter().find(|b| b.actor.is(ATTACKER)))
            .map(|b| entrasnap_core::audit::stamp(b.at))
            .unwrap_or_default();
        println!(
            "  {at}  {:<8}  {}",
            c.severity.as_str().to_uppercase(),
            render::headline(c)
        );
    }

    // 4 and 5. What-if, then the restore of exactly the attacker's changes.
    let cancel = CancellationToken::new();
    let quiet: RestoreSink = Arc::new(|_: RestoreEvent| {});
    let request = RestoreRequest {
        target: RestoreTarget::Actor {
            scope: ActorScope {
                changed_by: ATTACKER.into(),
                since: incident_started,
                on_conflict: OnConflict::Refuse,
            },
            snapshot: None,
            audit: AuditSettings::default(),
        },
        options: PlanOptions::default(),
    };
    heading(
        "02:20",
        &format!("What-if: entrasnap restore --changed-by {ATTACKER} --since 02:10 --what-if"),
    );
    let writes = actor.writes().await?;
    let prepared = prepare(&client, &store, &request, &quiet, &cancel)
        .await
        .map_err(|e| e.to_string())?;
    let mut stdout = io::stdout().lock();
    write_plan(
        &mut stdout,
        &prepared.plan,
        "the live tenant (read just now; a what-if stores nothing)",
    )
    .map_err(|e| e.to_string())?;
    drop(stdout);
    println!(
        "What-if wrote nothing: the emulator counted {} writes.",
        actor.writes().await? - writes
    );

    heading(
        "02:21",
        "Restore (the same, with --yes): only the attacker's changes; the HR sync's and Lee's stay",
    );
    let print_steps: RestoreSink = Arc::new(|e: RestoreEvent| {
        if let RestoreEvent::Step(s) = e {
            println!("{}", step_event_line(&s));
        }
    });
    let done = apply(&client, &store, &prepared, &print_steps, &cancel)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "Restore {}: {} written, {} failed; read back: {}.",
        done.restore_id,
        done.counts.done,
        done.counts.failed,
        if done.verification.clean {
            "clean"
        } else {
            "RESIDUE"
        }
    );

    heading(
        "02:23",
        "Only the departments: entrasnap restore --types user --attribute department",
    );
    let request = RestoreRequest {
        target: RestoreTarget::Snapshot(snap.snapshot_id.clone()),
        options: PlanOptions {
            types: vec!["user".into()],
            attributes: vec!["department".into()],
            ..PlanOptions::default()
        },
    };
    let prepared = prepare(&client, &store, &request, &quiet, &cancel)
        .await
        .map_err(|e| e.to_string())?;
    let users_done = apply(&client, &store, &prepared, &quiet, &cancel)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "{} users' department written back in {} Graph requests ($batch); read back: {}.",
        users_done.counts.done,
        users_done.requests,
        if users_done.verification.clean {
            "clean"
        } else {
            "RESIDUE"
        }
    );

    // 6. Verification against the nightly snapshot.
    heading(
        "02:25",
        "Verify: entrasnap compare --from <nightly> --to live",
    );
    let remaining = compare_with_live(&store, &graph, &snap.snapshot_id).await?;
    print!("{}", render::text(&remaining, &opts));
    let lee = actor
        .send(
            Method::GET,
            &format!("users/{}?$select=department,jobTitle", id(&lee)),
            None,
        )
        .await?;
    println!(
        "Lee Gu: department '{}' (restored), job title '{}' (kept).",
        lee["department"].as_str().unwrap_or("-"),
        lee["jobTitle"].as_str().unwrap_or("-")
    );
    let stats = admin.send(Method::GET, "_sim/stats", None).await?;
    println!(
        "\nThe whole story took {:.1} s: {} Graph requests, {} writes.",
        started.elapsed().as_secs_f64(),
        stats["requests"],
        stats["writes"],
    );
    if let Some(dir) = &args.store {
        println!(
            "The snapshots and restore journals are in {}; `entrasnap restore --store {} --undo {}` would undo the restore.",
            dir.display(),
            dir.display(),
            done.restore_id
        );
    }

    if args.keep_running {
        println!("\nStill serving at {} (Ctrl+C to stop). Try:", sim.url());
        println!(
            "  curl -s -H 'Authorization: Bearer x' '{}/v1.0/identity/conditionalAccess/policies?$select=displayName,state'",
            sim.url()
        );
        let _ = tokio::signal::ctrl_c().await;
    }
    sim.stop().await.map_err(|e| e.to_string())
}

/// `compare --from <snapshot> --to live`: exports the tenant now and compares.
async fn compare_with_live(
    store: &LocalStore,
    graph: &GraphArgs,
    snapshot: &str,
) -> Result<Report, String> {
    let all = ExportOptions {
        kind: SnapshotKind::CompareLive,
        ..ExportOptions::default()
    };
    let live = export_snapshot(store, graph, &all, &Arc::new(Progress::hidden()), None)
        .await
        .map_err(|e| e.to_string())?;
    let (before, after) =
        StoredSnapshot::open_pair(store, snapshot, &live.snapshot_id).map_err(|e| e.to_string())?;
    let mut report = compare(&before, &after, None).map_err(|e| e.to_string())?;
    // Who made each change, as `compare --to live` reads it from the audit log.
    let client = graph
        .client(&CancellationToken::new())
        .map_err(|e| e.to_string())?;
    attribute_report(
        &client,
        &mut report,
        before.manifest().summary.created_at,
        after.manifest().summary.completed_at,
        &AuditSettings::default(),
        None,
    )
    .await
    .map_err(|e| e.to_string())?;
    Ok(report)
}
