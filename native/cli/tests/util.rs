use std::path::{Path, PathBuf};
use std::process::Output;

use chrono::{DateTime, TimeZone, Utc};
use entrasnap_core::store::{ObjectHash, SnapshotId};
use entrasnap_core::{LocalStore, NormalizedObject, ObjectType, normalize};
use serde_json::{Value, json};

pub const TENANT: &str = "0f5b2c1e-7d44-4c1a-9a4e-2b6f3d8e9c10";

pub fn ty(name: &str) -> &'static ObjectType {
    ObjectType::find(name).unwrap()
}

/// A store in a temp directory (removed on drop).
pub struct Fixture {
    _dir: tempfile::TempDir,
    pub store: LocalStore,
}

impl Fixture {
    pub fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(dir.path().join("store")).unwrap();
        Fixture { _dir: dir, store }
    }

    pub fn path(&self) -> &Path {
        self.store.root()
    }

    /// Writes a snapshot at `at` of users `0..users`, user `i` in `dept(i)`.
    pub fn snapshot(
        &self,
        at: DateTime<Utc>,
        users: usize,
        dept: fn(usize) -> &'static str,
    ) -> SnapshotId {
        let w = self.store.begin_at(TENANT, &[ty("user")], at).unwrap();
        for i in 0..users {
            w.put(ty("user"), &user(i, dept(i))).unwrap();
        }
        w.finish().unwrap()
    }

    pub fn object_path(&self, hash: &ObjectHash) -> PathBuf {
        let hex = hash.to_hex();
        self.path().join("objects").join(&hex[..2]).join(&hex[2..])
    }

    pub fn manifest_path(&self, id: &SnapshotId) -> PathBuf {
        self.path().join("snapshots").join(format!("{id}.json"))
    }

    /// Every file under the store, for proving nothing changed.
    pub fn files(&self) -> Vec<PathBuf> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, out);
                } else {
                    out.push(path);
                }
            }
        }
        let mut out = Vec::new();
        walk(self.path(), &mut out);
        out.sort();
        out
    }

    /// `entrasnap <args> --store <this store>`.
    pub fn run(&self, args: &[&str]) -> Output {
        let mut all: Vec<&str> = args.to_vec();
        let store = self.path().to_str().unwrap();
        all.extend(["--store", store]);
        run(&all)
    }
}

pub fn sales(_: usize) -> &'static str {
    "Sales"
}

pub fn march(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, hour, 0, 0).unwrap()
}

pub fn user_id(i: usize) -> String {
    format!("00000000-0000-4000-8000-{i:012}")
}

pub fn user(i: usize, department: &str) -> NormalizedObject {
    normalize(
        ty("user"),
        json!({
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users",
            "id": user_id(i),
            "displayName": format!("User {i}"),
            "userPrincipalName": format!("user{i}@contoso.example"),
            "department": department,
            "accountEnabled": true,
            "lastPasswordChangeDateTime": "2026-01-01T00:00:00Z"
        }),
    )
    .unwrap()
}

/// Runs `entrasnap` with `args`, without an inherited `ENTRASNAP_STORE`.
pub fn run(args: &[&str]) -> Output {
    assert_cmd::Command::cargo_bin("entrasnap")
        .unwrap()
        .env_remove("ENTRASNAP_STORE")
        .args(args)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Stdout as the one JSON document `--json` promises.
pub fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{}", stdout(out)))
}

/// Asserts exit code `code`, showing both streams when it differs.
#[track_caller]
pub fn assert_exit(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(out),
        stderr(out)
    );
}
