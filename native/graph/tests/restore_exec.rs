//! The restore executor against the emulator: hand-built plans, and the
//! tenant's state checked afterwards.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entrasnap_core::LocalStore;
use entrasnap_core::ObjectType;
use entrasnap_core::restore::{
    Guard, Plan, PlanOptions, Step, StepKind, StepOutcome, StepRequest, StepStatus,
};
use entrasnap_core::store::{JournalFinish, JournalHeader, JournalWriter};
use entrasnap_graph::auth::StaticToken;
use entrasnap_graph::restore::{
    ExecuteEvent, ExecuteReport, MemoryJournal, PermissionCheck, RestoreError, StepJournal,
    check_permissions, execute, read_deleted,
};
use entrasnap_graph::{CancellationToken, GraphClient, Request, Secret};
use entrasnap_sim::kind::{Kind, Rel};
use entrasnap_sim::{Config, Seed};
use serde_json::{Value, json};

use crate::util;

const POLICIES: &str = "identity/conditionalAccess/policies";
const LOCATIONS: &str = "identity/conditionalAccess/namedLocations";

/// The id of the `kind` object named `name` in the emulator.
fn id_named(sim: &entrasnap_sim::Running, kind: Kind, name: &str) -> String {
    sim.sim
        .read()
        .collection(kind)
        .into_iter()
        .flatten()
        .find(|(_, o)| o.get("displayName").and_then(Value::as_str) == Some(name))
        .map(|(id, _)| id.clone())
        .unwrap_or_else(|| panic!("no {kind:?} named {name}"))
}

fn object(sim: &entrasnap_sim::Running, kind: Kind, id: &str) -> Value {
    Value::Object(sim.sim.read().get(kind, id).expect("live object").clone())
}

fn members(sim: &entrasnap_sim::Running, group: &str) -> BTreeSet<String> {
    sim.sim
        .read()
        .targets(Rel::Members, group)
        .cloned()
        .unwrap_or_default()
}

struct S {
    seq: u32,
    kind: StepKind,
    ty: &'static str,
    id: String,
    method: &'static str,
    version: &'static str,
    path: String,
    body: Option<Value>,
    depends_on: Vec<u32>,
    new_ids: BTreeMap<String, String>,
}

fn step(seq: u32, kind: StepKind, ty: &'static str, id: &str, method: &'static str) -> S {
    S {
        seq,
        kind,
        ty,
        id: id.to_string(),
        method,
        version: "v1.0",
        path: String::new(),
        body: None,
        depends_on: Vec::new(),
        new_ids: BTreeMap::new(),
    }
}

impl S {
    fn at(mut self, version: &'static str, path: impl Into<String>) -> S {
        self.version = version;
        self.path = path.into();
        self
    }
    fn body(mut self, body: Value) -> S {
        self.body = Some(body);
        self
    }
    fn after(mut self, seqs: &[u32]) -> S {
        self.depends_on = seqs.to_vec();
        self
    }
    fn new_id(mut self, old: &str, property: &str) -> S {
        self.new_ids.insert(old.to_string(), property.to_string());
        self
    }
    fn build(self) -> Step {
        Step {
            seq: self.seq,
            kind: self.kind,
            object_type: self.ty.to_string(),
            object_id: self.id.clone(),
            object_name: format!("{} {}", self.ty, self.id),
            summary: format!("{:?}", self.kind),
            depends_on: self.depends_on,
            request: StepRequest {
                method: self.method.to_string(),
                version: self.version.to_string(),
                path: self.path,
                body: self.body,
                new_ids: self.new_ids,
            },
        }
    }
}

fn plan(steps: Vec<S>) -> Plan {
    Plan {
        snapshot: "20260101T000000Z-000001".into(),
        live: "20260102T000000Z-000002".into(),
        steps: steps.into_iter().map(S::build).collect(),
        ..Default::default()
    }
}

struct Ran {
    report: ExecuteReport,
    events: Vec<ExecuteEvent>,
}

async fn run(client: &GraphClient, plan: &Plan) -> Ran {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = {
        let events = events.clone();
        move |e: ExecuteEvent| events.lock().unwrap().push(e)
    };
    let mut journal = MemoryJournal::default();
    let report = execute(client, plan, &mut journal, &sink, &CancellationToken::new())
        .await
        .expect("the plan runs");
    // The journal holds exactly what the report says, in plan order.
    assert_eq!(journal.outcomes, report.outcomes);
    let finished = journal.finished.clone().expect("a finish line");
    assert_eq!(
        (
            finished.counts.done,
            finished.counts.already,
            finished.counts.failed,
            finished.counts.skipped
        ),
        (
            report.counts.done,
            report.counts.already,
            report.counts.failed,
            report.counts.skipped
        )
    );
    let events = events.lock().unwrap().clone();
    Ran { report, events }
}

fn statuses(report: &ExecuteReport) -> Vec<StepStatus> {
    report.outcomes.iter().map(|o| o.status).collect()
}

use StepStatus::{Already, Done, Failed, Skipped};

#[tokio::test]
async fn patch_steps_restore_policy_states_one_paced_request_each() {
    let sim = util::start(Config::default()).await;
    let client = util::client(&sim);
    let ca010 = id_named(
        &sim,
        Kind::ConditionalAccessPolicy,
        "CA010 - Require MFA outside trusted locations (pilot)",
    );
    let ca006 = id_named(
        &sim,
        Kind::ConditionalAccessPolicy,
        "CA006 - Sign-in frequency for unmanaged devices",
    );
    let p = plan(vec![
        step(
            1,
            StepKind::Update,
            "conditionalAccessPolicy",
            &ca010,
            "PATCH",
        )
        .at("beta", format!("{POLICIES}/{ca010}"))
        .body(json!({"state": "enabled"})),
        step(
            2,
            StepKind::Update,
            "conditionalAccessPolicy",
            &ca006,
            "PATCH",
        )
        .at("beta", format!("{POLICIES}/{ca006}"))
        .body(json!({"state": "disabled"})),
    ]);
    let ran = run(&client, &p).await;
    assert_eq!(statuses(&ran.report), [Done, Done]);
    assert_eq!(
        object(&sim, Kind::ConditionalAccessPolicy, &ca010)["state"],
        "enabled"
    );
    assert_eq!(
        object(&sim, Kind::ConditionalAccessPolicy, &ca006)["state"],
        "disabled"
    );
    // Conditional Access is never batched: one paced PATCH per step.
    let stats = util::stats(&sim).await;
    assert_eq!(stats["httpRequests"], 2, "{stats}");
    assert_eq!(ran.report.requests, 2);
    let seen: Vec<(u32, usize, StepStatus)> = ran
        .events
        .iter()
        .map(|e| (e.seq, e.finished, e.status))
        .collect();
    assert_eq!(seen, [(1, 1, Done), (2, 2, Done)]);
    assert!(ran.events.iter().all(|e| e.total == 2));
}

/// CA010's conditions with `excludeLocations` set to `locations`.
fn ca010_excluding(sim: &entrasnap_sim::Running, ca010: &str, locations: &[&str]) -> Value {
    let mut conditions = object(sim, Kind::ConditionalAccessPolicy, ca010)["conditions"].clone();
    conditions["locations"] = json!({"includeLocations": ["All"], "excludeLocations": locations});
    json!({ "conditions": conditions })
}

#[tokio::test]
async fn a_soft_deleted_location_comes_back_before_the_policy_that_names_it() {
    let sim = util::start(Config::default()).await;
    let client = util::client(&sim);
    let vpn = id_named(&sim, Kind::NamedLocation, "VPN Egress");
    let ca010 = id_named(
        &sim,
        Kind::ConditionalAccessPolicy,
        "CA010 - Require MFA outside trusted locations (pilot)",
    );
    let body = ca010_excluding(&sim, &ca010, &[&vpn]);
    client
        .send(&Request::delete(format!("/beta/{LOCATIONS}/{vpn}")))
        .await
        .unwrap();
    assert!(!sim.sim.read().exists(Kind::NamedLocation, &vpn));
    let p = plan(vec![
        step(1, StepKind::RestoreDeleted, "namedLocation", &vpn, "POST").at(
            "beta",
            format!("identity/conditionalAccess/deletedItems/namedLocations/{vpn}/restore"),
        ),
        step(
            2,
            StepKind::Update,
            "conditionalAccessPolicy",
            &ca010,
            "PATCH",
        )
        .at("beta", format!("{POLICIES}/{ca010}"))
        .body(body)
        .after(&[1]),
    ]);
    let ran = run(&client, &p).await;
    assert_eq!(statuses(&ran.report), [Done, Done], "{:?}", ran.report);
    assert_eq!(
        object(&sim, Kind::NamedLocation, &vpn)["displayName"],
        "VPN Egress"
    );
    assert_eq!(
        object(&sim, Kind::ConditionalAccessPolicy, &ca010)["conditions"]["locations"]["excludeLocations"],
        json!([vpn])
    );
    // Again: the location is back already (404 from the bin, found live).
    let again = run(&client, &p).await;
    assert_eq!(statuses(&again.report), [Already, Done]);
}

#[tokio::test]
async fn a_recreated_location_gets_a_new_id_that_later_steps_use() {
    let sim = util::start(Config::default()).await;
    let client = util::client(&sim);
    let vpn = id_named(&sim, Kind::NamedLocation, "VPN Egress");
    let ca010 = id_named(
        &sim,
        Kind::ConditionalAccessPolicy,
        "CA010 - Require MFA outside trusted locations (pilot)",
    );
    let body = ca010_excluding(&sim, &ca010, &[&vpn]);
    // Deleted, then purged from the bin: only a create can bring it back.
    client
        .send(&Request::delete(format!("/beta/{LOCATIONS}/{vpn}")))
        .await
        .unwrap();
    client
        .send(&Request::delete(format!(
            "/beta/identity/conditionalAccess/deletedItems/namedLocations/{vpn}"
        )))
        .await
        .unwrap();
    let p = plan(vec![
        step(1, StepKind::Create, "namedLocation", &vpn, "POST")
            .at("beta", LOCATIONS)
            .body(json!({
                "@odata.type": "#microsoft.graph.ipNamedLocation",
                "displayName": "VPN Egress",
                "isTrusted": false,
                "ipRanges": [{"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": "192.0.2.0/28"}],
            }))
            .new_id(&vpn, "id"),
        step(2, StepKind::Update, "conditionalAccessPolicy", &ca010, "PATCH")
            .at("beta", format!("{POLICIES}/{ca010}"))
            .body(body)
            .after(&[1]),
    ]);
    let ran = run(&client, &p).await;
    assert_eq!(statuses(&ran.report), [Done, Done], "{:?}", ran.report);
    let new = id_named(&sim, Kind::NamedLocation, "VPN Egress");
    assert_ne!(new, vpn);
    assert_eq!(
        ran.report.outcomes[0].new_ids,
        BTreeMap::from([(vpn.clone(), new.clone())])
    );
    assert_eq!(ran.report.id_map, BTreeMap::from([(vpn, new.clone())]));
    assert_eq!(
        object(&sim, Kind::ConditionalAccessPolicy, &ca010)["conditions"]["locations"]["excludeLocations"],
        json!([new])
    );
}

#[tokio::test]
async fn links_added_and_removed_twice_change_the_group_once() {
    let sim = util::start(Config::default()).await;
    let client = util::client(&sim);
    let pilot = id_named(&sim, Kind::Group, "SG-CA-Pilot");
    let lee = id_named(&sim, Kind::User, "Lee Gu");
    let megan = id_named(&sim, Kind::User, "Megan Bowen");
    let before = members(&sim, &pilot);
    let leaving = before.iter().next().cloned().expect("pilot has members");
    assert!(!before.contains(&lee) && !before.contains(&megan));
    let p = plan(vec![
        step(1, StepKind::AddLink, "group", &pilot, "POST")
            .at("v1.0", format!("groups/{pilot}/members/$ref"))
            // Relative, as a planner may write it: made absolute on the way.
            .body(json!({"@odata.id": format!("directoryObjects/{lee}")})),
        step(2, StepKind::AddLink, "group", &pilot, "POST")
            .at("v1.0", format!("groups/{pilot}/members/$ref"))
            .body(json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{megan}")})),
        step(3, StepKind::RemoveLink, "group", &pilot, "DELETE")
            .at("v1.0", format!("groups/{pilot}/members/{leaving}/$ref")),
    ]);
    let first = run(&client, &p).await;
    assert_eq!(
        statuses(&first.report),
        [Done, Done, Done],
        "{:?}",
        first.report
    );
    let mut expected = before.clone();
    expected.remove(&leaving);
    expected.extend([lee.clone(), megan.clone()]);
    assert_eq!(members(&sim, &pilot), expected);
    // Three independent link writes: one $batch envelope.
    assert_eq!(first.report.requests, 1);

    let second = run(&client, &p).await;
    assert_eq!(statuses(&second.report), [Already, Already, Already]);
    assert_eq!(members(&sim, &pilot), expected);
    let listed = client
        .get_all(&format!("/groups/{pilot}/members?$select=id"))
        .await
        .unwrap();
    assert_eq!(util::unique_ids(&listed), expected, "no duplicate members");
}

#[tokio::test]
async fn a_secret_added_since_the_snapshot_is_revoked_once() {
    let sim = util::start(Config::default()).await;
    let client = util::client(&sim);
    let app = util::ids(&sim, Kind::Application)
        .into_iter()
        .next()
        .expect("an application");
    let added = client
        .send(&Request::post(
            format!("/applications/{app}/addPassword"),
            json!({"passwordCredential": {"displayName": "backdoor"}}),
        ))
        .await
        .unwrap()
        .body;
    let key_id = added["keyId"].as_str().unwrap().to_string();
    let keys = |sim: &entrasnap_sim::Running| -> Vec<String> {
        object(sim, Kind::Application, &app)["passwordCredentials"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["keyId"].as_str().map(str::to_string))
            .collect()
    };
    assert!(keys(&sim).contains(&key_id));
    let others: Vec<String> = keys(&sim).into_iter().filter(|k| *k != key_id).collect();
    let p = plan(vec![
        step(1, StepKind::RevokeCredential, "application", &app, "POST")
            .at("v1.0", format!("applications/{app}/removePassword"))
            .body(json!({"keyId": key_id})),
    ]);
    let first = run(&client, &p).await;
    assert_eq!(statuses(&first.report), [Done]);
    assert_eq!(keys(&sim), others, "only the added secret is gone");
    // Graph refuses an unknown keyId; the application shows it is gone: already so.
    let second = run(&client, &p).await;
    assert_eq!(statuses(&second.report), [Already], "{:?}", second.report);
    assert_eq!(keys(&sim), others);
}

#[tokio::test]
async fn a_failed_step_skips_what_depends_on_it_and_nothing_else() {
    let sim = util::start(Config::default()).await;
    let client = util::client(&sim);
    let pilot = id_named(&sim, Kind::Group, "SG-CA-Pilot");
    let lee = id_named(&sim, Kind::User, "Lee Gu");
    let isaiah = id_named(&sim, Kind::User, "Isaiah Langer");
    let missing = "00000000-0000-0000-0000-00000000dead";
    let p = plan(vec![
        step(1, StepKind::Update, "user", missing, "PATCH")
            .at("v1.0", format!("users/{missing}"))
            .body(json!({"department": "IT"})),
        step(2, StepKind::AddLink, "group", &pilot, "POST")
            .at("v1.0", format!("groups/{pilot}/members/$ref"))
            .body(json!({"@odata.id": format!("directoryObjects/{missing}")}))
            .after(&[1]),
        step(3, StepKind::Update, "group", &pilot, "PATCH")
            .at("v1.0", format!("groups/{pilot}"))
            .body(json!({"description": "never"}))
            .after(&[2]),
        step(4, StepKind::AddLink, "group", &pilot, "POST")
            .at("v1.0", format!("groups/{pilot}/members/$ref"))
            .body(json!({"@odata.id": format!("directoryObjects/{lee}")})),
        step(5, StepKind::AddLink, "group", &pilot, "POST")
            .at("v1.0", format!("groups/{pilot}/members/$ref"))
            .body(json!({"@odata.id": format!("directoryObjects/{isaiah}")})),
    ]);
    let ran = run(&client, &p).await;
    assert_eq!(
        statuses(&ran.report),
        [Failed, Skipped, Skipped, Done, Done]
    );
    let error = ran.report.outcomes[0].error.as_deref().unwrap();
    assert!(
        error.starts_with(
            "404 Request_ResourceNotFound: Resource '00000000-0000-0000-0000-00000000dead'"
        ),
        "{error}"
    );
    assert_eq!(
        ran.report.outcomes[2].error.as_deref(),
        Some("step 2, which it needs, was skipped")
    );
    let m = members(&sim, &pilot);
    assert!(m.contains(&lee) && m.contains(&isaiah) && !m.contains(missing));
    assert_ne!(object(&sim, Kind::Group, &pilot)["description"], "never");
}

/// A journal that dies (like the process would) after `limit` outcomes.
struct DyingJournal {
    inner: JournalWriter,
    limit: usize,
    written: usize,
}

impl StepJournal for DyingJournal {
    fn record(&mut self, outcome: &StepOutcome) -> entrasnap_core::Result<()> {
        if self.written == self.limit {
            // Anything will do: the executor must stop at the first failure.
            return Err(
                entrasnap_core::LocalStore::open_existing("/nonexistent/store").unwrap_err(),
            );
        }
        self.written += 1;
        self.inner.record(outcome)
    }

    fn finish(&mut self, _: &JournalFinish) -> entrasnap_core::Result<()> {
        unreachable!("a dead run writes no finish line")
    }
}

#[tokio::test]
async fn a_killed_run_resumes_from_its_journal_without_duplicates() {
    let sim = util::start(Config::default()).await;
    let client = util::client(&sim);
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(dir.path()).unwrap();
    let ca010 = id_named(
        &sim,
        Kind::ConditionalAccessPolicy,
        "CA010 - Require MFA outside trusted locations (pilot)",
    );
    let pilot = id_named(&sim, Kind::Group, "SG-CA-Pilot");
    let lee = id_named(&sim, Kind::User, "Lee Gu");
    let megan = id_named(&sim, Kind::User, "Megan Bowen");
    // A location the snapshot had and the tenant lost for good.
    let old = "11111111-2222-3333-4444-555555555555";
    let body = ca010_excluding(&sim, &ca010, &[old]);
    let p = plan(vec![
        step(1, StepKind::Create, "namedLocation", old, "POST")
            .at("beta", LOCATIONS)
            .body(json!({
                "@odata.type": "#microsoft.graph.countryNamedLocation",
                "displayName": "Lost Countries",
                "countriesAndRegions": ["NO", "SE"],
                "includeUnknownCountriesAndRegions": false,
            }))
            .new_id(old, "id"),
        step(
            2,
            StepKind::Update,
            "conditionalAccessPolicy",
            &ca010,
            "PATCH",
        )
        .at("beta", format!("{POLICIES}/{ca010}"))
        .body(body)
        .after(&[1]),
        step(3, StepKind::AddLink, "group", &pilot, "POST")
            .at("v1.0", format!("groups/{pilot}/members/$ref"))
            .body(json!({"@odata.id": format!("directoryObjects/{lee}")})),
        step(4, StepKind::SetManager, "user", &lee, "PUT")
            .at("v1.0", format!("users/{lee}/manager/$ref"))
            .body(json!({"@odata.id": format!("directoryObjects/{megan}")})),
    ]);

    // The first run dies after recording two steps; the third was sent, not recorded.
    let header = JournalHeader::new(&p, None);
    let mut dying = DyingJournal {
        inner: store.begin_journal(&header).unwrap(),
        limit: 2,
        written: 0,
    };
    let err = execute(&client, &p, &mut dying, &|_| {}, &CancellationToken::new())
        .await
        .unwrap_err();
    assert!(matches!(err, RestoreError::Journal(_)), "{err}");
    assert!(members(&sim, &pilot).contains(&lee), "step 3 went out");
    let path = dying.inner.path().to_path_buf();
    drop(dying);
    // ... and the kill tore the line it was writing.
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(br#"{"seq":3,"sta"#).unwrap();
    }

    let journal = store.read_journal(&header.restore_id).unwrap();
    assert!(journal.finished.is_none());
    assert_eq!(
        journal
            .outcomes
            .iter()
            .map(|o| o.status)
            .collect::<Vec<_>>(),
        [Done, Done]
    );
    let new = id_named(&sim, Kind::NamedLocation, "Lost Countries");
    assert_eq!(
        journal.id_map(),
        BTreeMap::from([(old.to_string(), new.clone())])
    );
    let listed = store.journals().unwrap();
    assert_eq!(listed[0].restore_id, header.restore_id);
    assert_eq!((listed[0].steps, listed[0].recorded), (4, 2));

    // The re-run: what is not done, with the ids the journal recorded.
    let done = journal.completed();
    let mut rest = p.clone();
    rest.steps.retain(|s| !done.contains(&s.seq));
    rest.options = PlanOptions {
        id_map: journal.id_map(),
        ..Default::default()
    };
    let header2 = JournalHeader::new(&rest, None);
    let mut writer = store.begin_journal(&header2).unwrap();
    let report = execute(
        &client,
        &rest,
        &mut writer,
        &|_| {},
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    drop(writer);
    assert_eq!(statuses(&report), [Already, Done]);
    let resumed = store.read_journal(&header2.restore_id).unwrap();
    assert_eq!(resumed.outcomes, report.outcomes);
    assert_eq!(
        resumed
            .finished
            .as_ref()
            .map(|f| (f.counts.done, f.counts.already)),
        Some((1, 1))
    );

    let t = sim.sim.read();
    let lost = t
        .collection(Kind::NamedLocation)
        .into_iter()
        .flatten()
        .filter(|(_, l)| l.get("displayName") == Some(&json!("Lost Countries")))
        .count();
    assert_eq!(lost, 1, "the location was created once");
    assert_eq!(t.manager.get(&lee), Some(&megan));
    assert_eq!(
        t.get(Kind::ConditionalAccessPolicy, &ca010).unwrap()["conditions"]["locations"]["excludeLocations"],
        json!([new])
    );
}

#[tokio::test]
async fn cancelling_skips_the_rest_and_the_journal_says_so() {
    let sim = util::start(Config::default()).await;
    let client = util::client(&sim);
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(dir.path()).unwrap();
    let boss = id_named(&sim, Kind::User, "Megan Bowen");
    let users: Vec<String> = util::ids(&sim, Kind::User)
        .into_iter()
        .filter(|u| *u != boss)
        .take(4)
        .collect();
    // Manager writes are not batched: one request per step.
    let p = plan(
        users
            .iter()
            .enumerate()
            .map(|(i, u)| {
                step(i as u32 + 1, StepKind::SetManager, "user", u, "PUT")
                    .at("v1.0", format!("users/{u}/manager/$ref"))
                    .body(json!({"@odata.id": format!("directoryObjects/{boss}")}))
            })
            .collect(),
    );
    let cancel = CancellationToken::new();
    let sink = {
        let cancel = cancel.clone();
        move |e: ExecuteEvent| {
            if e.finished == 2 {
                cancel.cancel();
            }
        }
    };
    let header = JournalHeader::new(&p, None);
    let mut writer = store.begin_journal(&header).unwrap();
    let report = execute(&client, &p, &mut writer, &sink, &cancel)
        .await
        .unwrap();
    drop(writer);
    assert!(report.cancelled);
    assert_eq!(statuses(&report), [Done, Done, Skipped, Skipped]);
    let managed = |sim: &entrasnap_sim::Running| -> Vec<bool> {
        let t = sim.sim.read();
        users
            .iter()
            .map(|u| t.manager.get(u) == Some(&boss))
            .collect()
    };
    assert_eq!(managed(&sim), [true, true, false, false]);
    let journal = store.read_journal(&header.restore_id).unwrap();
    assert_eq!(journal.outcomes, report.outcomes);
    assert_eq!(
        journal
            .finished
            .as_ref()
            .map(|f| (f.counts.done, f.counts.skipped)),
        Some((2, 2))
    );

    let done = journal.completed();
    let mut rest = p.clone();
    rest.steps.retain(|s| !done.contains(&s.seq));
    let again = run(&client, &rest).await;
    assert_eq!(statuses(&again.report), [Done, Done]);
    assert_eq!(managed(&sim), [true, true, true, true]);
}

#[tokio::test]
async fn one_attribute_on_300_users_goes_in_batches_of_20() {
    let sim = util::start(Config {
        seed: Seed::Demo,
        users: Some(300),
        ..Default::default()
    })
    .await;
    let client = util::client(&sim);
    let users: Vec<String> = util::ids(&sim, Kind::User).into_iter().collect();
    let n = users.len();
    assert!(n >= 300, "{n}");
    let p = plan(
        users
            .iter()
            .enumerate()
            .map(|(i, u)| {
                step(i as u32 + 1, StepKind::Update, "user", u, "PATCH")
                    .at("v1.0", format!("users/{u}"))
                    .body(json!({"department": "Restored"}))
            })
            .collect(),
    );
    let ran = run(&client, &p).await;
    assert_eq!(
        ran.report.counts.done as usize,
        n,
        "{:?}",
        ran.report.outcomes.iter().find(|o| o.status != Done)
    );
    let restored = {
        let t = sim.sim.read();
        users
            .iter()
            .all(|u| t.get(Kind::User, u).unwrap()["department"] == "Restored")
    };
    assert!(restored);
    let stats = util::stats(&sim).await;
    assert_eq!(stats["httpRequests"], n.div_ceil(20) as u64, "{stats}");
    assert_eq!(
        stats["byRoute"]["PATCH /users/{id}"]["writes"], n as u64,
        "{stats}"
    );
    assert_eq!(ran.report.requests, n.div_ceil(20) as u64);
    assert_eq!(ran.events.len(), n);
}

#[tokio::test]
async fn a_refused_plan_sends_nothing() {
    let sim = util::start(Config::default()).await;
    let client = util::client(&sim);
    let ca010 = id_named(
        &sim,
        Kind::ConditionalAccessPolicy,
        "CA010 - Require MFA outside trusted locations (pilot)",
    );
    let mut p = plan(vec![
        step(
            1,
            StepKind::Update,
            "conditionalAccessPolicy",
            &ca010,
            "PATCH",
        )
        .at("beta", format!("{POLICIES}/{ca010}"))
        .body(json!({"state": "enabled"})),
    ]);
    p.guard = Guard {
        findings: vec!["CA010 would include Break Glass Admin 1".into()],
        refused: true,
        ..Default::default()
    };
    let mut journal = MemoryJournal::default();
    let err = execute(
        &client,
        &p,
        &mut journal,
        &|_| {},
        &CancellationToken::new(),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the break-glass guard refused this plan; nothing was written (CA010 would include Break Glass Admin 1)"
    );
    assert_eq!(journal, MemoryJournal::default());
    let stats = util::stats(&sim).await;
    assert_eq!(
        (stats["requests"].as_u64(), stats["writes"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(
        object(&sim, Kind::ConditionalAccessPolicy, &ca010)["state"],
        "disabled"
    );
}

#[tokio::test]
async fn recycle_bins_are_read_normalized_by_type() {
    let sim = util::start(Config::default()).await;
    let client = util::client(&sim);
    let lee = id_named(&sim, Kind::User, "Lee Gu");
    let pilot = id_named(&sim, Kind::Group, "SG-CA-Pilot");
    let vpn = id_named(&sim, Kind::NamedLocation, "VPN Egress");
    let ca011 = id_named(
        &sim,
        Kind::ConditionalAccessPolicy,
        "CA011 - Block device code flow",
    );
    let app = util::ids(&sim, Kind::Application)
        .into_iter()
        .next()
        .expect("an application");
    for target in [
        format!("/applications/{app}"),
        format!("/users/{lee}"),
        format!("/groups/{pilot}"),
        format!("/beta/{LOCATIONS}/{vpn}"),
        format!("/beta/{POLICIES}/{ca011}"),
    ] {
        client.send(&Request::delete(target)).await.unwrap();
    }
    let types: Vec<&'static ObjectType> = [
        "user",
        "group",
        "namedLocation",
        "conditionalAccessPolicy",
        "application",
        "servicePrincipal",
        "administrativeUnit",
        "organization",
    ]
    .iter()
    .map(|n| ObjectType::find(n).unwrap())
    .collect();
    let deleted = read_deleted(&client, &types).await.unwrap();
    let ids = |ty: &str| -> Vec<String> {
        deleted
            .0
            .get(ty)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    };
    assert_eq!(ids("user"), vec![lee.clone()]);
    assert_eq!(ids("group"), vec![pilot.clone()]);
    assert_eq!(ids("namedLocation"), vec![vpn.clone()]);
    assert_eq!(ids("conditionalAccessPolicy"), vec![ca011.clone()]);
    assert_eq!(ids("application"), vec![app.clone()]);
    // Deleting an application deletes its service principal too.
    assert_eq!(ids("servicePrincipal").len(), 1);
    assert!(ids("administrativeUnit").is_empty());
    assert!(!deleted.0.contains_key("organization"), "no recycle bin");
    let user = deleted.get("user", &lee).unwrap();
    assert_eq!(user["displayName"], "Lee Gu");
    assert_eq!(user["department"], "IT", "the type's $select was asked for");
    let location = deleted.get("namedLocation", &vpn).unwrap();
    assert_eq!(location["ipRanges"][0]["cidrAddress"], "192.0.2.0/28");
}

fn jwt(claims: Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{payload}.c2lnbmF0dXJl")
}

#[tokio::test]
async fn permissions_are_read_from_the_token() {
    let needed: Vec<String> = [
        "Policy.ReadWrite.ConditionalAccess",
        "Policy.Read.All",
        "User.ReadWrite.All",
        "Group.ReadWrite.All",
    ]
    .map(String::from)
    .to_vec();
    let app = StaticToken::new(Secret::new(jwt(
        json!({"aud": "https://graph.microsoft.com", "roles": ["Policy.Read.All", "Directory.ReadWrite.All"]}),
    )));
    assert_eq!(
        check_permissions(&app, &needed).await,
        PermissionCheck::Checked {
            missing: vec!["Policy.ReadWrite.ConditionalAccess".into()],
            delegated: false
        }
    );
    let user = StaticToken::new(Secret::new(jwt(
        json!({"scp": "Policy.Read.All Policy.ReadWrite.ConditionalAccess User.ReadWrite.All Group.ReadWrite.All"}),
    )));
    let check = check_permissions(&user, &needed).await;
    assert_eq!(
        check,
        PermissionCheck::Checked {
            missing: vec![],
            delegated: true
        }
    );
    assert!(check.is_satisfied());

    let opaque = "opaque-secret-token-value";
    let check = check_permissions(&StaticToken::new(Secret::new(opaque)), &needed).await;
    let PermissionCheck::Unknown { reason } = &check else {
        panic!("{check:?}");
    };
    assert!(!reason.contains(opaque), "the token is never quoted");
    assert!(check.is_satisfied(), "unknown is a warning, not a refusal");
}

#[tokio::test]
async fn batched_writes_throttled_inside_the_envelope_are_sent_again() {
    let sim = util::start(Config {
        seed: Seed::Demo,
        users: Some(60),
        throttle: true,
        // Fewer resource units than writes: some sub-requests meet 429s.
        throttle_ru: Some(40),
        ..Default::default()
    })
    .await;
    let client = util::client(&sim);
    let users: Vec<String> = util::ids(&sim, Kind::User).into_iter().collect();
    let p = plan(
        users
            .iter()
            .enumerate()
            .map(|(i, u)| {
                step(i as u32 + 1, StepKind::Update, "user", u, "PATCH")
                    .at("v1.0", format!("users/{u}"))
                    .body(json!({"jobTitle": "Restored"}))
            })
            .collect(),
    );
    let ran = run(&client, &p).await;
    assert_eq!(
        ran.report.counts.done as usize,
        users.len(),
        "{:?}",
        ran.report
    );
    let stats = util::stats(&sim).await;
    assert!(stats["throttled"].as_u64().unwrap() > 0, "{stats}");
    // Each user written once, whatever the 429s.
    assert_eq!(
        stats["byRoute"]["PATCH /users/{id}"]["writes"]
            .as_u64()
            .unwrap()
            - stats["throttled"].as_u64().unwrap(),
        users.len() as u64,
        "{stats}"
    );
    let t = sim.sim.read();
    assert!(
        users
            .iter()
            .all(|u| t.get(Kind::User, u).unwrap()["jobTitle"] == "Restored")
    );
}
