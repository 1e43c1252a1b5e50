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
