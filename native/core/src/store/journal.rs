//! Restore journals (`journal/<restoreId>.jsonl`): what a restore set out to
//! do and what each step came to, so a killed or cancelled run can be
//! reported and re-run without creating objects twice.
//!
//! Line 1 is the header (the whole plan), written whole (temp file, rename)
//! before the first write reaches Graph. Then one [`StepOutcome`] per line,
//! appended and flushed to disk as each step finishes, so a kill leaves every
//! finished step recorded; a torn last line is ignored when reading. A final
//! line with the counts marks a run that ended (completed or cancelled).
//!
//! The plan holds object names and bodies, so in an encrypted store every
//! line is `{"age":"<base64 of the age ciphertext of the line's JSON>"}`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::atomic;
use super::crypt::StoreCrypt;
use super::id::SnapshotId;
use crate::error::{Error, ErrorKind, Result};
use crate::restore::{Plan, StepCounts, StepOutcome, StepStatus};

/// Version of the journal layout.
pub const JOURNAL_FORMAT: u32 = 1;

/// The first line: which restore, from which snapshot, doing what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalHeader {
    pub format: u32,
    /// Same form as snapshot ids (`20261121T234700Z-7f3a9c`): sorts by time, safe as a file name.
    pub restore_id: String,
    /// The known-good snapshot restored to.
    pub snapshot: String,
    /// The snapshot taken of the live tenant just before writing, if any.
    pub pre_restore: Option<String>,
    pub started_at: DateTime<Utc>,
    pub plan: Plan,
}

impl JournalHeader {
    /// A header for a restore starting now, with a new restore id.
    pub fn new(plan: &Plan, pre_restore: Option<String>) -> JournalHeader {
        let now = Utc::now().trunc_subsecs(3);
        JournalHeader {
            format: JOURNAL_FORMAT,
            restore_id: SnapshotId::generate(now, &plan.snapshot).to_string(),
            snapshot: plan.snapshot.clone(),
            pre_restore,
            started_at: now,
            plan: plan.clone(),
        }
    }
}

/// The last line of a run that ended: when, and how its steps came out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalFinish {
    pub finished_at: DateTime<Utc>,
    #[serde(flatten)]
    pub counts: StepCounts,
}

impl JournalFinish {
    /// Counts of `outcomes` by status, finishing now.
    pub fn from_outcomes<'a>(outcomes: impl IntoIterator<Item = &'a StepOutcome>) -> JournalFinish {
        JournalFinish {
            finished_at: Utc::now().trunc_subsecs(3),
            counts: StepCounts::of(outcomes),
        }
    }
}

/// A whole journal as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Journal {
    pub header: JournalHeader,
    /// In the order they were recorded (plan order).
    pub outcomes: Vec<StepOutcome>,
    /// `None` when the run was killed (or is still going).
    pub finished: Option<JournalFinish>,
}

impl Journal {
    /// What a re-run must use instead of the snapshot's ids: the id map the
    /// run was given, plus the objects it re-created (snapshot id or appId ->
    /// new). Works for unfinished journals: every recorded Create is durable.
    pub fn id_map(&self) -> BTreeMap<String, String> {
        let mut map = self.header.plan.options.id_map.clone();
        for o in &self.outcomes {
            if matches!(o.status, StepStatus::Done | StepStatus::Already) {
                map.extend(o.new_ids.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
        }
        map
    }

    /// Steps that need no re-run: written, or already so.
    pub fn completed(&self) -> BTreeSet<u32> {
        self.outcomes
            .iter()
            .filter(|o| matches!(o.status, StepStatus::Done | StepStatus::Already))
            .map(|o| o.seq)
            .collect()
    }
}

/// One line of `journals()`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalSummary {
    pub restore_id: String,
    pub snapshot: String,
    pub pre_restore: Option<String>,
    pub started_at: DateTime<Utc>,
    /// Steps in the plan.
    pub steps: usize,
    /// Steps with a recorded outcome.
    pub recorded: usize,
    pub finished: Option<JournalFinish>,
}

/// Appends outcomes to one journal file, each flushed to disk before `record` returns.
#[derive(Debug)]
pub struct JournalWriter {
    path: PathBuf,
    file: File,
    crypt: StoreCrypt,
    restore_id: String,
    finished: bool,
}

impl JournalWriter {
    pub fn restore_id(&self) -> &str {
        &self.restore_id
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records one finished step.
    pub fn record(&mut self, outcome: &StepOutcome) -> Result<()> {
        self.append(&to_value(outcome)?)
    }

    /// Records the end of the run; nothing may be recorded after it.
    pub fn finish(&mut self, finish: &JournalFinish) -> Result<()> {
        self.append(&to_value(finish)?)?;
        self.finished = true;
        Ok(())
    }

    fn append(&mut self, value: &Value) -> Result<()> {
        if self.finished {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("restore journal {} is already finished", self.restore_id),
            ));
        }
        let line = serde_json::to_vec(value)
            .map_err(|e| Error::new(ErrorKind::InvalidObject, format!("journal line: {e}")))?;
        let mut line = self.crypt.seal_line(line)?;
        line.push(b'\n');
        // One write per line, then sync: a kill tears at most the last line.
        self.file
            .write_all(&line)
            .and_then(|()| self.file.flush())
            .and_then(|()| self.file.sync_data())
            .map_err(|e| Error::io("append to", &self.path, e))
    }
}

fn to_value<T: Serialize>(v: &T) -> Result<Value> {
    serde_json::to_value(v)
        .map_err(|e| Error::new(ErrorKind::InvalidObject, format!("journal line: {e}")))
}

fn dir(root: &Path) -> PathBuf {
    root.join("journal")
}

fn path_of(root: &Path, id: &SnapshotId) -> PathBuf {
    dir(root).join(format!("{id}.jsonl"))
}

/// Restore ids have the snapshot id form, which is what keeps them safe as file names.
fn parse_id(id: &str) -> Result<SnapshotId> {
    SnapshotId::parse(id).map_err(|_| {
        Error::new(
            ErrorKind::InvalidArgument,
            format!("'{id}' is not a restore id (expected e.g. 20261121T234700Z-7f3a9c)"),
        )
    })
}

pub(crate) fn begin(
    root: &Path,
    crypt: &StoreCrypt,
    header: &JournalHeader,
) -> Result<JournalWriter> {
    let id = parse_id(&header.restore_id)?;
    atomic::ensure_dir(&dir(root))?;
    let path = path_of(root, &id);
    if path.exists() {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("restore journal {id} already exists"),
        ));
    }
    let first = serde_json::to_vec(&to_value(header)?)
        .map_err(|e| Error::new(ErrorKind::InvalidObject, format!("journal header: {e}")))?;
    let mut first = crypt.seal_line(first)?;
    first.push(b'\n');
    atomic::write_atomic(&path, &first)?;
    let file = OpenOptions::new()
        .append(true)
        .open(&path)
        .map_err(|e| Error::io("open", &path, e))?;
    Ok(JournalWriter {
        path,
        file,
        crypt: crypt.clone(),
        restore_id: id.to_string(),
        finished: false,
    })
}

pub(crate) fn read(root: &Path, crypt: &StoreCrypt, id: &str) -> Result<Journal> {
    let id = parse_id(id)?;
    let path = path_of(root, &id);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::new(
                ErrorKind::NotFound,
                format!("restore journal {id} not found in {}", root.display()),
            ));
        }
        Err(e) => return Err(Error::io("read", &path, e)),
    };
    parse(&path, crypt, &bytes)
}

fn parse(path: &Path, crypt: &StoreCrypt, bytes: &[u8]) -> Result<Journal> {
    let corrupt = |line: usize, what: String| {
        Error::new(
            ErrorKind::Corrupt,
            format!("restore journal {} line {line}: {what}", path.display()),
        )
    };
    let mut lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    // The text after the last newline is a torn line (or nothing): every whole
    // line was written with its newline in one write.
    lines.pop();
    let opened = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            crypt.open_line(l).map_err(|e| match e {
                super::crypt::Unsealed::Locked(e) => e,
                super::crypt::Unsealed::Damaged(why) => corrupt(i + 1, why),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let lines: Vec<&[u8]> = opened.iter().map(Vec::as_slice).collect();
    let mut lines = lines.into_iter().enumerate();
    let header: JournalHeader = match lines.next() {
        Some((_, l)) => {
            serde_json::from_slice(l).map_err(|e| corrupt(1, format!("bad header: {e}")))?
        }
        None => return Err(corrupt(1, "no header".into())),
    };
    if header.format != JOURNAL_FORMAT {
        return Err(corrupt(
            1,
            format!(
                "format {} is not supported (expected {JOURNAL_FORMAT})",
                header.format
            ),
        ));
    }
    let mut outcomes = Vec::new();
    let mut finished = None;
    for (i, line) in lines {
        if finished.is_some() {
            return Err(corrupt(i + 1, "a line after the final one".into()));
        }
        let value: Value =
            serde_json::from_slice(line).map_err(|e| corrupt(i + 1, e.to_string()))?;
        if value.get("finishedAt").is_some() {
            finished =
                Some(serde_json::from_value(value).map_err(|e| corrupt(i + 1, e.to_string()))?);
        } else {
            outcomes
                .push(serde_json::from_value(value).map_err(|e| corrupt(i + 1, e.to_string()))?);
        }
    }
    Ok(Journal {
        header,
        outcomes,
        finished,
    })
}

/// Every journal in the store, newest first; unreadable ones are skipped
/// (`read_journal` names what is wrong with one).
pub(crate) fn list(root: &Path, crypt: &StoreCrypt) -> Result<Vec<JournalSummary>> {
    let dir = dir(root);
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io("list", &dir, e)),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("list", &dir, e))?;
        let name = entry.file_name();
        let Some(stem) = name.to_str().and_then(|n| n.strip_suffix(".jsonl")) else {
            continue;
        };
        let Ok(journal) = read(root, crypt, stem) else {
            continue;
        };
        out.push(JournalSummary {
            restore_id: journal.header.restore_id.clone(),
            snapshot: journal.header.snapshot.clone(),
            pre_restore: journal.header.pre_restore.clone(),
            started_at: journal.header.started_at,
            steps: journal.header.plan.steps.len(),
            recorded: journal.outcomes.len(),
            finished: journal.finished,
        });
    }
    out.sort_by(|a, b| {
        b.started_at
            .cmp(&a.started_at)
            .then_with(|| b.restore_id.cmp(&a.restore_id))
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::LocalStore;
    use crate::restore::{Step, StepKind, StepRequest};

    fn plan() -> Plan {
        let step = |seq: u32, kind: StepKind| Step {
            seq,
            kind,
            object_type: "namedLocation".into(),
            object_id: format!("loc-{seq}"),
            object_name: format!("Location {seq}"),
            summary: "create".into(),
            depends_on: Vec::new(),
            request: StepRequest {
                method: "POST".into(),
                version: "beta".into(),
                path: "identity/conditionalAccess/namedLocations".into(),
                body: Some(serde_json::json!({"displayName": "x"})),
                new_ids: BTreeMap::from([(format!("loc-{seq}"), "id".into())]),
            },
        };
        Plan {
            snapshot: "20260101T000000Z-000001".into(),
            live: "20260102T000000Z-000002".into(),
            steps: vec![step(1, StepKind::Create), step(2, StepKind::Create)],
            options: crate::restore::PlanOptions {
                id_map: BTreeMap::from([("old-app".into(), "new-app".into())]),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    fn outcome(seq: u32, status: StepStatus, new: Option<&str>) -> StepOutcome {
        StepOutcome {
            seq,
            status,
            new_ids: new
                .map(|n| BTreeMap::from([(format!("loc-{seq}"), n.to_string())]))
                .unwrap_or_default(),
            error: None,
        }
    }

    #[test]
    fn records_survive_a_kill_and_give_the_id_map() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(dir.path()).unwrap();
        let header = JournalHeader::new(&plan(), Some("20260102T000000Z-000002".into()));
        let mut w = store.begin_journal(&header).unwrap();
        w.record(&outcome(1, StepStatus::Done, Some("new-1")))
            .unwrap();
        let path = w.path().to_path_buf();
        drop(w);
        // A kill in the middle of the second line.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(br#"{"seq":2,"status":"do"#).unwrap();
        drop(f);

        let j = store.read_journal(&header.restore_id).unwrap();
        assert_eq!(j.header, header);
        assert_eq!(
            j.outcomes,
            vec![outcome(1, StepStatus::Done, Some("new-1"))]
        );
        assert_eq!(j.finished, None);
        assert_eq!(
            j.id_map(),
            BTreeMap::from([
                ("loc-1".to_string(), "new-1".to_string()),
                ("old-app".to_string(), "new-app".to_string())
            ])
        );
        assert_eq!(j.completed(), BTreeSet::from([1]));
        let list = store.journals().unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].restore_id, header.restore_id);
        assert_eq!((list[0].steps, list[0].recorded), (2, 1));
        assert!(list[0].finished.is_none());
    }

    #[test]
    fn finished_runs_are_marked_and_listed_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(dir.path()).unwrap();
        let mut first = JournalHeader::new(&plan(), None);
        first.started_at -= chrono::Duration::seconds(10);
        let mut w = store.begin_journal(&first).unwrap();
        let outcomes = [
            outcome(1, StepStatus::Failed, None),
            outcome(2, StepStatus::Skipped, None),
        ];
        for o in &outcomes {
            w.record(o).unwrap();
        }
        let finish = JournalFinish::from_outcomes(&outcomes);
        assert_eq!(
            (
                finish.counts.failed,
                finish.counts.skipped,
                finish.counts.done
            ),
            (1, 1, 0)
        );
        w.finish(&finish).unwrap();
        assert!(w.record(&outcomes[0]).is_err(), "nothing after the end");

        let second = JournalHeader::new(&plan(), None);
        assert_ne!(second.restore_id, first.restore_id);
        store.begin_journal(&second).unwrap();
        assert!(
            store.begin_journal(&second).is_err(),
            "an id is never reused"
        );

        let list = store.journals().unwrap();
        let ids: Vec<_> = list.iter().map(|s| s.restore_id.as_str()).collect();
        assert_eq!(ids, [second.restore_id.as_str(), first.restore_id.as_str()]);
        assert_eq!(list[1].finished, Some(finish.clone()));
        let j = store.read_journal(&first.restore_id).unwrap();
        assert_eq!(j.outcomes, outcomes);
        assert_eq!(j.finished, Some(finish));
        assert!(j.completed().is_empty());
        // Only the run's given map: nothing was created.
        assert_eq!(j.id_map().len(), 1);
    }

    #[test]
    fn bad_ids_and_damaged_lines_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(dir.path()).unwrap();
        assert_eq!(
            store.read_journal("../x").unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
        assert_eq!(
            store
                .read_journal("20260101T000000Z-000001")
                .unwrap_err()
                .kind(),
            ErrorKind::NotFound
        );
        let header = JournalHeader::new(&plan(), None);
        let w = store.begin_journal(&header).unwrap();
        let path = w.path().to_path_buf();
        drop(w);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        // A whole line (newline included) that is not JSON is damage, not a torn write.
        f.write_all(b"garbage\n").unwrap();
        drop(f);
        assert_eq!(
            store.read_journal(&header.restore_id).unwrap_err().kind(),
            ErrorKind::Corrupt
        );
        assert!(store.journals().unwrap().is_empty());
    }
}
