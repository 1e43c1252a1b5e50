use entrasnap_core::SnapshotStore;

use crate::util::*;

fn engineering_first(i: usize) -> &'static str {
    if i == 0 { "Engineering" } else { "Sales" }
}

/// Two snapshots on 1 March that differ in one user, and one on 28 February.
fn three_snapshots(f: &Fixture) -> [entrasnap_core::store::SnapshotId; 3] {
    [
        f.snapshot(march(1, 18), 3, engineering_first),
        f.snapshot(march(1, 6), 3, sales),
        f.snapshot(march(1, 6) - chrono::Duration::days(1), 3, sales),
    ]
}

#[test]
fn what_if_lists_what_would_go_and_deletes_nothing() {
    let f = Fixture::new();
    let [evening, morning, before] = three_snapshots(&f);
    let files = f.files();

    let out = f.run(&["prune", "--keep-daily", "2", "--what-if"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains(&format!("would remove  {morning}")), "{text}");
    assert!(text.contains(&format!("would keep    {evening}")), "{text}");
    assert!(text.contains(&format!("would keep    {before}")), "{text}");
    assert!(text.ends_with("nothing was deleted\n"), "{text}");

    let out = f.run(&["prune", "--keep-daily", "2", "--what-if", "--json"]);
    assert_exit(&out, 0);
    let plan = json(&out);
    assert_eq!(plan["whatIf"], true);
    assert_eq!(plan["removed"], serde_json::json!([morning.as_str()]));
    assert_eq!(
        plan["kept"],
        serde_json::json!([evening.as_str(), before.as_str()])
    );
    assert_eq!(f.files(), files);
}

#[test]
fn keep_daily_removes_the_older_same_day_snapshot() {
    let f = Fixture::new();
    let [evening, morning, before] = three_snapshots(&f);

    let out = f.run(&["prune", "--keep-daily", "2", "--json"]);
    assert_exit(&out, 0);
    let report = json(&out);
    assert_eq!(report["removed"], serde_json::json!([morning.as_str()]));
    assert_eq!(
        report["kept"],
        serde_json::json!([evening.as_str(), before.as_str()])
    );
    // The morning's user 0 is the same as the day before's: nothing to sweep.
    assert_eq!(report["objectsRemoved"], 0);

    let out = f.run(&["prune", "--keep-daily", "1"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains(&format!("removed       {before}")), "{text}");
    assert!(text.contains(&format!("kept          {evening}")), "{text}");
    // Only the evening's objects remain: three users and one index layer.
    assert!(
        text.contains("removed 1 snapshot and kept 1; deleted 2 unreferenced object files"),
        "{text}"
    );
    let left: Vec<_> = f.store.list().unwrap().into_iter().map(|s| s.id).collect();
    assert_eq!(left, [evening]);
    assert_exit(&f.run(&["verify"]), 0);
}

#[test]
fn prune_without_a_retention_policy_is_a_usage_error() {
    let f = Fixture::new();
    f.snapshot(march(1, 6), 1, sales);
    let out = f.run(&["prune"]);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("--keep-daily"), "{}", stderr(&out));
}

/// `days` daily snapshots of `users` users, each day's departments new, so
/// every snapshot has objects of its own for prune to sweep.
fn a_month_of_snapshots(
    f: &Fixture,
    days: u32,
    users: usize,
) -> Vec<entrasnap_core::store::SnapshotId> {
    (1..=days)
        .map(|day| {
            let at = march(1, 6) + chrono::Duration::days(i64::from(day));
            let w = begin(f, at);
            for i in 0..users {
                w.put(ty("user"), &user(i, &format!("Dept {day}-{}", i % 7)))
                    .unwrap();
            }
            w.finish().unwrap()
        })
        .collect()
}

/// A writer; retried while locked, because a test running beside this one
/// may fork a child in the instant this process holds the lock file open,
/// and the child keeps the lock until it execs.
fn begin(f: &Fixture, at: chrono::DateTime<chrono::Utc>) -> entrasnap_core::store::SnapshotWriter {
    for _ in 0..100 {
        match f.store.begin_at(TENANT, &[ty("user")], at) {
            Ok(w) => return w,
            Err(e) if e.kind() == entrasnap_core::ErrorKind::Locked => std::thread::yield_now(),
            Err(e) => panic!("{e}"),
        }
    }
    panic!("the store stayed locked")
}

/// `entrasnap ARGS --store <f>` started in the background, silent, to be killed.
fn spawn_quiet(f: &Fixture, args: &[&str]) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_entrasnap"))
        .args(args)
        .arg("--store")
        .arg(f.path())
        .env_remove("ENTRASNAP_STORE")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

fn count_files(dir: &std::path::Path) -> usize {
    fn walk(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| {
                        if e.path().is_dir() {
                            walk(&e.path())
                        } else {
                            1
                        }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    walk(dir)
}

/// SIGKILL at random points of a prune, many trials: the kill comes once
/// the prune has removed a chosen number of manifests, or of object files
/// (seen in the store, not timed). Afterwards `verify` passes, every
/// snapshot the policy keeps is still listed, nothing is half there, and a
/// second prune finishes the job. `ENTRASNAP_TRIALS` sets the trials (CI: 8).
#[test]
fn a_prune_killed_anywhere_leaves_a_sound_store_and_finishes_when_run_again() {
    let trials = crate::emulator::trials(8);
    let mut seed = 0xBADC_0FFE_u64;
    let mut interrupted = 0;
    for round in 0..trials {
        let f = Fixture::new();
        let all = a_month_of_snapshots(&f, 20, 40);
        let policy = entrasnap_core::store::KeepPolicy {
            daily: 3,
            weekly: 0,
            monthly: 0,
        };
        let keep = policy.select(&f.store.list().unwrap());
        let manifests = f.path().join("snapshots");
        let objects = f.path().join("objects");
        let (m0, o0) = (count_files(&manifests), count_files(&objects));
        // Half the trials stop among the manifests, half among the objects.
        let r = crate::emulator::next_random(&mut seed);
        let (dir, target) = if round % 2 == 0 {
            (&manifests, m0 - 1 - (r as usize % (m0 - keep.len())))
        } else {
            (&objects, o0 - 1 - (r as usize % (o0 / 2)))
        };
        let mut child = spawn_quiet(&f, &["prune", "--keep-daily", "3"]);
        let mut killed_mid_way = false;
        loop {
            if count_files(dir) <= target {
                killed_mid_way = child.try_wait().unwrap().is_none();
                break;
            }
            if child.try_wait().unwrap().is_some() {
                break;
            }
        }
        let _ = child.kill();
        child.wait().unwrap();
        interrupted += usize::from(killed_mid_way);
        let context = format!(
            "round {round} (stop at {target} files in {})",
            dir.display()
        );

        let report = f.store.verify(None).unwrap();
        assert!(
            report.problems.is_empty(),
            "{context}: {:?}",
            report.problems
        );
        let listed: std::collections::BTreeSet<_> =
            f.store.list().unwrap().into_iter().map(|s| s.id).collect();
        assert!(
            keep.is_subset(&listed),
            "{context}: a kept snapshot is gone"
        );
        assert!(listed.iter().all(|id| all.contains(id)), "{context}");

        let out = f.run(&["prune", "--keep-daily", "3"]);
        assert_exit(&out, 0);
        let listed: std::collections::BTreeSet<_> =
            f.store.list().unwrap().into_iter().map(|s| s.id).collect();
        assert_eq!(listed, keep, "{context}: the second prune finished the job");
        assert!(
            f.store.verify(None).unwrap().problems.is_empty(),
            "{context}"
        );
        // And it swept everything the removed snapshots alone held.
        let again = f.run(&["prune", "--keep-daily", "3", "--json"]);
        assert_exit(&again, 0);
        assert_eq!(json(&again)["objectsRemoved"], 0, "{context}");
    }
    eprintln!("prune kill trials: {trials} ({interrupted} killed mid-prune)");
    assert!(interrupted > 0, "no prune was killed mid-way");
}

/// `label` writes labels.json whole under the store lock: a SIGKILL at any
/// point leaves the old labels or the new ones, never a torn file, and the
/// next `label` and `list` work.
#[test]
fn a_label_killed_anywhere_leaves_readable_labels() {
    let trials = crate::emulator::trials(10);
    let mut seed = 0x1AB3_15ED_u64;
    let f = Fixture::new();
    let ids = a_month_of_snapshots(&f, 3, 5);
    let mut killed = 0;
    for round in 0..trials {
        let name = format!("drill-{round}");
        let target = ids[round % ids.len()].to_string();
        let mut child = spawn_quiet(&f, &["label", &target, &name]);
        // Anywhere from before the binary is loaded to after it wrote.
        let wait = crate::emulator::next_random(&mut seed) % 12_000;
        std::thread::sleep(std::time::Duration::from_micros(wait));
        let _ = child.kill();
        let status = child.wait().unwrap();
        killed += usize::from(!status.success());
        let context = format!("round {round} (killed after {wait} us)");

        let out = f.run(&["list", "--json"]);
        assert_exit(&out, 0);
        let labelled: Vec<String> = json(&out)
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["labels"].as_array().cloned().unwrap_or_default())
            .map(|l| l.as_str().unwrap().to_string())
            .collect();
        let expected: Vec<String> = (0..round).map(|r| format!("drill-{r}")).collect();
        assert!(
            expected.iter().all(|l| labelled.contains(l)),
            "{context}: earlier labels lost: {labelled:?}"
        );
        // Finish the job whether or not the kill came first.
        if !labelled.contains(&name) {
            let out = f.run(&["label", &target, &name]);
            assert_exit(&out, 0);
        }
        assert!(f.store.verify(None).unwrap().is_ok(), "{context}");
    }
    eprintln!("label: {trials} trials, {killed} killed before they finished");
}
