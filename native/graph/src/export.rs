//! Export: read a tenant's configuration through Graph into a new snapshot.
//!
//! Types are read concurrently, within the client's throttling limits.
//! Users, groups, applications, service principals and administrative units
//! go through delta queries, with their links (members, owners, manager)
//! taken from `<link>@delta`, never from one request per object. The delta
//! links are saved with the store, so the next export of the same tenant
//! asks only for what changed and carries everything else over from the
//! previous snapshot; an expired delta token falls back to a full read of
//! that type. A first read of a type with a partition property (users) lists
//! it in parallel partitions instead of paging a delta round (see
//! [`partition`](crate::partition)). Small v1.0 collections and singletons
//! are read in one `$batch`.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use entrasnap_core::registry::{ApiVersion, Source, SourceShape};
use entrasnap_core::store::{
    Links, Manifest, ObjectEntry, SnapshotKind, SnapshotStore, SnapshotWriter, StagedSnapshot,
};
use entrasnap_core::{LocalStore, NormalizedObject, ObjectType, normalize::normalize_from};
use futures::future::try_join_all;
use serde_json::{Map, Value, json};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::AbortOnDropHandle;

use crate::batch::BatchRequest;
use crate::client::GraphClient;
use crate::counters::tallied;
use crate::delta::{DeltaError, DeltaOutcome};
use crate::error::{Error, ErrorKind};
use crate::paging::Page;
use crate::partition;
use crate::request::Request;

/// Version of the export state saved with the store.
const STATE_FORMAT: u64 = 1;

/// What one type's export has done so far.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgressEvent {
    pub type_name: String,
    /// Objects of this type in the snapshot so far.
    pub objects: u64,
    /// Requests sent for this type so far (types read together in one
    /// `$batch` each count that batch).
    pub requests: u64,
    /// Time the whole export has spent waiting on throttling so far.
    pub throttle_wait: Duration,
    /// This type is finished.
    pub done: bool,
}

/// Receives progress events; called from the export's tasks.
pub type ProgressSink = dyn Fn(ProgressEvent) + Send + Sync;

#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    /// Types to export; empty means every registered type.
    pub types: Vec<&'static ObjectType>,
    /// Ignore saved delta links and read everything again.
    pub full: bool,
    /// Why the snapshot is taken (an export unless said otherwise).
    pub kind: SnapshotKind,
    /// Store nothing when every type reads exactly as in the tenant's
    /// previous snapshot (`watch`): the report then names that snapshot,
    /// with `stored` false, and the saved delta links stay where they were,
    /// so the next export still asks Graph for everything since it.
    pub only_if_changed: bool,
}

/// How each type was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ReadMode {
    /// Everything read (no earlier snapshot, `--full`, or not a delta type).
    Full,
    /// Only changes since the previous snapshot, the rest carried over.
    Incremental,
    /// The saved delta token had expired: read in full.
    Resynced,
}

#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportReport {
    pub snapshot_id: String,
    pub tenant_id: String,
    pub counts: BTreeMap<String, u64>,
    pub modes: BTreeMap<String, ReadMode>,
    pub requests: u64,
    pub retries: u64,
    pub throttled: u64,
    pub throttle_wait_ms: u64,
    pub elapsed_ms: u64,
    /// False when `only_if_changed` found nothing changed: `snapshot_id` is
    /// then the previous snapshot, and nothing was written.
    #[serde(skip_serializing_if = "is_true")]
    pub stored: bool,
}

fn is_true(b: &bool) -> bool {
    *b
}

/// Errors of an export: Graph's, the store's, or an object Graph returned that
/// cannot be stored.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Graph(#[from] Error),
    #[error("{0}")]
    Store(#[from] entrasnap_core::Error),
    #[error("export cancelled; no snapshot was written")]
    Cancelled,
    /// A full delta round's objects could not be kept in a temporary file beside the store.
    #[error("{0}")]
    Spill(std::io::Error),
}

/// What storing objects needs, owned, so that a big read's objects can be
/// stored on threads of their own while every type goes on reading.
#[derive(Clone)]
struct Sink {
    writer: Arc<SnapshotWriter>,
    /// Objects stored so far, per type.
    objects: Arc<BTreeMap<&'static str, AtomicU64>>,
    cancel: CancellationToken,
}

impl Sink {
    /// Stops the storing threads still running (a read failed elsewhere)
    /// and waits for them, so that the writer is dropped here, removing what
    /// it wrote, and not by a thread the process may not wait for.
    async fn stop(&self) {
        self.cancel.cancel();
        while Arc::strong_count(&self.writer) > 1 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    fn check_cancelled(&self) -> Result<(), ExportError> {
        if self.cancel.is_cancelled() {
            Err(ExportError::Cancelled)
        } else {
            Ok(())
        }
    }

    fn put(&self, ty: &'static ObjectType, object: &NormalizedObject) -> Result<(), ExportError> {
        self.writer.put(ty, object)?;
        self.objects[ty.name].fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// One export run's shared context.
struct Run<'a> {
    client: &'a GraphClient,
    store: &'a LocalStore,
    sink: Sink,
    progress: &'a ProgressSink,
    /// The tenant's previous snapshot and its delta links, when incremental.
    previous: Option<Previous>,
    /// Requests per type (the types of the shared `$batch` share one).
    requests: BTreeMap<&'static str, Arc<AtomicU64>>,
}

impl Run<'_> {
    fn report(&self, ty: &ObjectType, done: bool) {
        let stats = self.client.stats();
        let objects = self
            .sink
            .objects
            .get(ty.name)
            .map_or(0, |n| n.load(Ordering::Relaxed));
        (self.progress)(ProgressEvent {
            type_name: ty.name.to_string(),
            objects,
            requests: self
                .requests
                .get(ty.name)
                .map_or(0, |n| n.load(Ordering::Relaxed)),
            throttle_wait: stats.throttle_wait,
            done,
        });
    }

    fn check_cancelled(&self) -> Result<(), ExportError> {
        self.sink.check_cancelled()
    }

    fn put(&self, ty: &'static ObjectType, object: &NormalizedObject) -> Result<(), ExportError> {
        self.sink.put(ty, object)
    }

    fn put_raw(
        &self,
        ty: &'static ObjectType,
        source: &Source,
        raw: Value,
    ) -> Result<(), ExportError> {
        let object = normalize_from(ty, source, raw)?;
        self.put(ty, &object)
    }
}

/// Export the tenant behind `client` into `store`; returns once the snapshot
/// is complete (and listed), or fails leaving no listed snapshot behind.
pub async fn export(
    client: &GraphClient,
    store: &LocalStore,
    options: &ExportOptions,
    progress: &ProgressSink,
    cancel: &CancellationToken,
) -> Result<ExportReport, ExportError> {
    let (writer, mut report, previous) =
        read_tenant(client, store, options, progress, cancel, false).await?;
    let Some(previous) = previous.filter(|_| options.only_if_changed) else {
        writer.finish()?;
        return Ok(report);
    };
    // Held in memory until it is known to differ: an unchanged tenant
    // writes nothing, not even object files, and leaves the delta links as
    // they were (they belong to the previous snapshot).
    let staged = writer.stage();
    if same_objects(staged.manifest(), &previous) {
        report.snapshot_id = previous.id().to_string();
        report.stored = false;
        return Ok(report);
    }
    staged.commit()?;
    Ok(report)
}

/// Whether `new` holds exactly the types and objects (ids, bodies, links) of
/// `old`; volatile properties do not count, as in a comparison.
fn same_objects(new: &Manifest, old: &Manifest) -> bool {
    let key = |m: &Manifest| {
        let mut types = m.summary.types.clone();
        types.sort();
        types
    };
    key(new) == key(old)
        && new.summary.types.iter().all(|ty| {
            let (a, b) = (new.entries(ty), old.entries(ty));
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|(x, y)| x.id == y.id && x.hash == y.hash && x.links == y.links)
        })
}

/// Like [`export`], but the snapshot is only staged: nothing is written to
/// the store until the caller commits it (a restore does once the plan is
/// confirmed, so a what-if leaves the store as it was). The report names the
/// id it will have.
pub async fn export_staged(
    client: &GraphClient,
    store: &LocalStore,
    options: &ExportOptions,
    progress: &ProgressSink,
    cancel: &CancellationToken,
) -> Result<(StagedSnapshot, ExportReport), ExportError> {
    let (writer, report, _) = read_tenant(client, store, options, progress, cancel, true).await?;
    Ok((writer.stage(), report))
}

/// Reads the tenant into a new writer, left unfinished for the caller, with
/// the previous snapshot the read built on (if it was incremental). With
/// `only_if_changed` and a previous snapshot the writer is staged.
async fn read_tenant(
    client: &GraphClient,
    store: &LocalStore,
    options: &ExportOptions,
    progress: &ProgressSink,
    cancel: &CancellationToken,
    staged: bool,
) -> Result<(SnapshotWriter, ExportReport, Option<Manifest>), ExportError> {
    let started = Instant::now();
    let types: Vec<&'static ObjectType> = if options.types.is_empty() {
        ObjectType::all().iter().collect()
    } else {
        options.types.clone()
    };
    // Small v1.0 reads go in one $batch; the rest run side by side.
    let (batched, separate): (Vec<_>, Vec<_>) = types.iter().partition(|t| batchable(t));
    let batch_tally = Arc::new(AtomicU64::new(0));
    let requests: BTreeMap<&'static str, Arc<AtomicU64>> = types
        .iter()
        .map(|t| {
            let tally = if batchable(t) {
                batch_tally.clone()
            } else {
                Arc::new(AtomicU64::new(0))
            };
            (t.name, tally)
        })
        .collect();
    let org_tally = requests
        .get("organization")
        .cloned()
        .unwrap_or_else(|| Arc::new(AtomicU64::new(0)));

    let organization = tallied(
        org_tally,
        client.get_all_request(Request::get("/organization").permission("Organization.Read.All")),
    )
    .await?;
    let tenant_id = organization
        .first()
        .and_then(|o| o.get("id"))
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("GET /organization returned no tenant id"))?
        .to_string();

    let previous = if options.full {
        None
    } else {
        previous_state(store, &tenant_id)?
    };
    let writer = if staged || (options.only_if_changed && previous.is_some()) {
        store.begin_staged(&tenant_id, &types)?
    } else {
        store.begin(&tenant_id, &types)?
    }
    .with_kind(options.kind);
    let mut run = Run {
        client,
        store,
        sink: Sink {
            writer: Arc::new(writer),
            objects: Arc::new(types.iter().map(|t| (t.name, AtomicU64::new(0))).collect()),
            // Its own token, so a failed read can stop the storers too.
            cancel: cancel.child_token(),
        },
        progress,
        previous,
        requests,
    };
    let writer = &run.sink.writer;

    let mut modes = BTreeMap::new();
    let mut delta_links = Map::new();
    let batch_job = tallied(batch_tally, async {
        read_batched(&run, &batched).await?;
        Ok::<_, ExportError>(())
    });
    let others = try_join_all(separate.iter().map(|ty| {
        tallied(
            run.requests[ty.name].clone(),
            read_type(&run, ty, &organization),
        )
    }));
    let ((), outcomes) = match futures::try_join!(batch_job, others) {
        Ok(done) => done,
        Err(e) => {
            run.sink.stop().await;
            return Err(e);
        }
    };
    for ty in &batched {
        modes.insert(ty.name.to_string(), ReadMode::Full);
    }
    for (ty, (mode, link)) in separate.iter().zip(outcomes) {
        modes.insert(ty.name.to_string(), mode);
        if let Some(link) = link {
            delta_links.insert(ty.name.to_string(), Value::String(link));
        }
    }
    run.check_cancelled()?;
    writer.set_state(json!({
        "format": STATE_FORMAT,
        "snapshot": writer.id().to_string(),
        "deltaLinks": delta_links,
    }));
    let counts: BTreeMap<String, u64> = run
        .sink
        .objects
        .iter()
        .map(|(k, v)| (k.to_string(), v.load(Ordering::Relaxed)))
        .collect();
    let previous = run.previous.take().map(|p| p.manifest);
    // Every storing thread has been joined, so this is the one reference left.
    let writer = Arc::try_unwrap(run.sink.writer)
        .map_err(|_| invalid("the snapshot writer is still in use after the read"))?;
    let stats = client.stats();
    let report = ExportReport {
        snapshot_id: writer.id().to_string(),
        tenant_id,
        counts,
        modes,
        requests: stats.requests,
        retries: stats.retries,
        throttled: stats.throttled,
        throttle_wait_ms: stats.throttle_wait.as_millis() as u64,
        elapsed_ms: started.elapsed().as_millis() as u64,
        stored: true,
    };
    Ok((writer, report, previous))
}

fn invalid(message: impl Into<String>) -> ExportError {
    ExportError::Graph(Error::new(ErrorKind::InvalidResponse {
        message: message.into(),
    }))
}

/// The tenant's latest complete snapshot and the delta links saved with it.
struct Previous {
    manifest: Manifest,
    delta_links: Map<String, Value>,
}

/// The previous snapshot and its delta links, if the saved state belongs to
/// the tenant's latest complete snapshot (otherwise a full export is safer).
fn previous_state(store: &LocalStore, tenant_id: &str) -> Result<Option<Previous>, ExportError> {
    // An encrypted store given only its recipients: the previous bodies and
    // layers cannot be read, so everything is read and written afresh.
    if !store.can_read_objects() {
        return Ok(None);
    }
    let Some(state) = store.state_get(tenant_id)? else {
        return Ok(None);
    };
    if state.get("format").and_then(Value::as_u64) != Some(STATE_FORMAT) {
        return Ok(None);
    }
    let Some(snapshot) = state.get("snapshot").and_then(Value::as_str) else {
        return Ok(None);
    };
    let latest = store
        .list()?
        .into_iter()
        .find(|s| s.tenant_id == tenant_id && s.intact);
    if latest.as_ref().map(|s| s.id.to_string()) != Some(snapshot.to_string()) {
        return Ok(None);
    }
    let manifest = store.manifest(snapshot)?;
    let links = state
        .get("deltaLinks")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    Ok(Some(Previous {
        manifest,
        delta_links: links,
    }))
}

fn version_root(ty: &ObjectType) -> &'static str {
    match ty.api_version {
        ApiVersion::V1 => "/v1.0",
        ApiVersion::Beta => "/beta",
    }
}

fn select_query(fields: &[&str]) -> String {
    if fields.is_empty() {
        String::new()
    } else {
        format!("?$select={}", fields.join(","))
    }
}

/// Read in the shared `$batch`: v1.0, not a delta type, not Conditional Access
/// (which is paced one request at a time anyway).
fn batchable(ty: &ObjectType) -> bool {
    ty.delta.is_none()
        && ty.api_version == ApiVersion::V1
        && ty.throttle == entrasnap_core::registry::ThrottleClass::Directory
        && ty.name != "organization"
}

fn source_url(ty: &ObjectType, source: &Source) -> String {
    format!(
        "{}/{}{}",
        version_root(ty),
        source.path,
        select_query(ty.select)
    )
}

async fn read_batched(run: &Run<'_>, types: &[&'static ObjectType]) -> Result<(), ExportError> {
    let mut wanted: Vec<(&'static ObjectType, &'static Source)> = Vec::new();
    for ty in types {
        for source in ty.sources {
            wanted.push((ty, source));
        }
    }
    let requests = wanted
        .iter()
        .map(|(ty, source)| {
            BatchRequest::get(format!("/{}{}", source.path, select_query(ty.select)))
        })
        .collect();
    let responses = run.client.batch(requests).await?;
    for ((ty, source), response) in wanted.iter().zip(responses) {
        run.check_cancelled()?;
        let path = format!("/{}", source.path);
        if response.status == 403 {
            return Err(ExportError::Graph(
                Error::new(ErrorKind::Forbidden {
                    code: response.body["error"]["code"]
                        .as_str()
                        .unwrap_or("Forbidden")
                        .to_string(),
                    message: response.body["error"]["message"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                    permission: Some(ty.permissions.read.join(" or ")),
                })
                .with_request("GET", &path),
            ));
        }
        if !(200..300).contains(&response.status) {
            return Err(invalid(format!(
                "GET {path} answered {} in $batch: {}",
                response.status,
                response.body["error"]["message"]
                    .as_str()
                    .unwrap_or("no message")
            )));
        }
        store_page(run, ty, source, response.body).await?;
        run.report(ty, false);
    }
    for ty in types {
        run.report(ty, true);
    }
    Ok(())
}

/// Store a collection page (following its nextLink) or a singleton.
async fn store_page(
    run: &Run<'_>,
    ty: &'static ObjectType,
    source: &'static Source,
    body: Value,
) -> Result<(), ExportError> {
    match source.shape {
        SourceShape::Singleton { .. } => run.put_raw(ty, source, body),
        SourceShape::Collection => {
            // The same check as a page read on its own: a `value` that is not
            // an array is an error, never an empty collection.
            let page = Page::parse(body, "GET", &format!("/{}", source.path))?;
            for item in page.values {
                run.put_raw(ty, source, item)?;
            }
            if let Some(next) = page.next_link {
                for item in run.client.get_all_request(Request::get(next)).await? {
                    run.put_raw(ty, source, item)?;
                }
            }
            Ok(())
        }
    }
}

/// Read one type; returns how, and the delta link for next time.
async fn read_type(
    run: &Run<'_>,
    ty: &'static ObjectType,
    organization: &[Value],
) -> Result<(ReadMode, Option<String>), ExportError> {
    run.check_cancelled()?;
    let result = if ty.delta.is_some() {
        read_delta_type(run, ty).await?
    } else if ty.name == "organization" {
        // Already read to learn the tenant id.
        for item in organization {
            run.put_raw(ty, &ty.sources[0], item.clone())?;
        }
        (ReadMode::Full, None)
    } else {
        for source in ty.sources {
            let request =
                Request::get(source_url(ty, source)).permission(ty.permissions.read.join(" or "));
            match source.shape {
                SourceShape::Singleton { .. } => {
                    let body = run.client.send(&request).await?.body;
                    run.put_raw(ty, source, body)?;
                }
                SourceShape::Collection => {
                    let mut pager = run.client.pages(request);
                    while let Some(page) = pager.next_page().await? {
                        for item in page.values {
                            run.put_raw(ty, source, item)?;
                        }
                        run.report(ty, false);
                    }
                }
            }
        }
        (ReadMode::Full, None)
    };
    run.report(ty, true);
    Ok(result)
}

async fn read_delta_type(
    run: &Run<'_>,
    ty: &'static ObjectType,
) -> Result<(ReadMode, Option<String>), ExportError> {
    let saved = run
        .previous
        .as_ref()
        .and_then(|p| {
            Some((
                &p.manifest,
                p.delta_links.get(ty.name)?.as_str()?.to_string(),
            ))
        })
        .filter(|(manifest, _)| manifest.objects.contains_key(ty.name));
    if let Some((manifest, link)) = saved {
        match delta_round(run, &link).await {
            Ok(outcome) => {
                let next = outcome.delta_link.clone();
                apply_changes(run, ty, manifest, outcome).await?;
                return Ok((ReadMode::Incremental, Some(next)));
            }
            Err(DeltaError::Expired) => {
                tracing::info!(type_name = ty.name, "delta token expired; reading in full");
                let link = full_read(run, ty).await?;
                return Ok((ReadMode::Resynced, Some(link)));
            }
            Err(DeltaError::Graph(e)) => return Err(e.into()),
            Err(DeltaError::Spill(e)) => return Err(ExportError::Spill(e)),
        }
    }
    let link = full_read(run, ty).await?;
    Ok((ReadMode::Full, Some(link)))
}

/// Every object of a delta type with its links; returns the delta link for
/// the next export. Types with a partition property are listed in parallel
/// partitions (see [`partition`](crate::partition)), the rest in one delta round.
async fn full_read(run: &Run<'_>, ty: &'static ObjectType) -> Result<String, ExportError> {
    /// Pages read ahead of storing (each at most 999 objects).
    const PAGES_AHEAD: usize = 4;
    let delta = ty.delta.expect("delta type");
    let Some(property) = delta.partition else {
        return full_delta(run, ty, delta.path).await;
    };
    let target = partition::Target {
        ty,
        property,
        collection: format!("{}/{}", version_root(ty), ty.sources[0].path),
        delta_url: delta_url(ty, delta.path),
    };
    let (pages, arriving) = mpsc::channel(PAGES_AHEAD);
    // The reader is a task of its own and the storer a thread of its own, so
    // pages keep arriving while earlier ones are stored and the other types
    // go on reading; both stop when this function returns early.
    let reader = AbortOnDropHandle::new(tokio::spawn(tallied(
        run.requests[ty.name].clone(),
        partition::read(run.client.clone(), target, pages),
    )));
    let (stored, mut progress) = mpsc::unbounded_channel();
    let sink = run.sink.clone();
    let storer = tokio::task::spawn_blocking(move || {
        let mut arriving = arriving;
        while let Some(page) = arriving.blocking_recv() {
            let objects = Mutex::new(page.into_iter());
            store_with_links(&sink, ty, &|| {
                Ok(objects.lock().unwrap_or_else(|e| e.into_inner()).next())
            })?;
            let _ = stored.send(());
        }
        Ok::<_, ExportError>(())
    });
    while progress.recv().await.is_some() {
        run.report(ty, false);
    }
    stored_by(storer, ty).await?;
    let read = reader
        .await
        .map_err(|e| invalid(format!("reading {ty} in partitions failed: {e}")))?
        .map_err(|e| fresh_read_error(ty, e))?;
    tracing::debug!(
        type_name = ty.name,
        partitions = read.partitions,
        "listed in partitions"
    );
    Ok(read.delta_link)
}

/// A first read's delta error as the export's: a delta round (or link) just
/// begun cannot have expired, so that is Graph answering wrongly.
fn fresh_read_error(ty: &ObjectType, e: DeltaError) -> ExportError {
    match e {
        DeltaError::Graph(e) => ExportError::Graph(e),
        DeltaError::Spill(e) => ExportError::Spill(e),
        DeltaError::Expired => invalid(format!(
            "a fresh delta round of {ty} was refused as expired"
        )),
    }
}

/// Waits for a storing thread; its own error, or a panic as an error.
async fn stored_by(
    storer: tokio::task::JoinHandle<Result<(), ExportError>>,
    ty: &ObjectType,
) -> Result<(), ExportError> {
    storer
        .await
        .map_err(|e| invalid(format!("storing {ty} failed: {e}")))?
}

fn delta_url(ty: &ObjectType, path: &str) -> String {
    format!(
        "{}/{path}{}",
        version_root(ty),
        select_query(&ty.delta_select())
    )
}

async fn delta_round(run: &Run<'_>, url: &str) -> Result<DeltaOutcome, DeltaError> {
    // Graph's delta pages are already as large as it allows (200): no Prefer needed.
    run.client.delta(url).await
}

/// An initial delta round: every object with its links; returns the delta link.
async fn full_delta(
    run: &Run<'_>,
    ty: &'static ObjectType,
    path: &str,
) -> Result<String, ExportError> {
    let url = delta_url(ty, path);
    // Every object of the type comes back: keep them on disk, not in memory.
    let outcome = run
        .client
        .delta_spilled(&url, run.store.root())
        .await
        .map_err(|e| fresh_read_error(ty, e))?;
    let objects = outcome.objects;
    let sink = run.sink.clone();
    // A thread of its own: the other types go on reading meanwhile.
    let storer = tokio::task::spawn_blocking(move || {
        let next = AtomicUsize::new(0);
        store_with_links(&sink, ty, &|| {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= objects.len() {
                return Ok(None);
            }
            objects.get(i).map(Some).map_err(ExportError::Spill)
        })
    });
    stored_by(storer, ty).await?;
    Ok(outcome.delta_link)
}

/// Normalize and store a full read's objects with their links, each taken
/// from `next` (a delta round's spill file, a partition's page). Creating
/// many small files is the slow part, so the work is spread over a few
/// threads: only the objects in the workers' hands are in memory.
fn store_with_links(
    sink: &Sink,
    ty: &'static ObjectType,
    next: &(dyn Fn() -> Result<Option<Value>, ExportError> + Sync),
) -> Result<(), ExportError> {
    const WORKERS: usize = 4;
    let source = &ty.sources[0];
    let one = |raw: Value| -> Result<(), ExportError> {
        let (raw, changes) = split_links(ty, raw);
        let object = normalize_from(ty, source, raw)?;
        sink.put(ty, &object)?;
        let links: Links = changes
            .into_iter()
            .map(|(name, c)| (name, c.added))
            .collect();
        sink.writer.put_links(ty, &object.id, &links)?;
        Ok(())
    };
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..WORKERS)
            .map(|_| {
                scope.spawn(|| {
                    while let Some(raw) = next()? {
                        sink.check_cancelled()?;
                        one(raw)?;
                    }
                    Ok(())
                })
            })
            .collect();
        workers.into_iter().try_for_each(|w| {
            w.join()
                .unwrap_or_else(|_| Err(invalid("a storing worker failed")))
        })
    })
}

/// Link changes one delta entry carried for one link name.
#[derive(Debug, Default)]
struct LinkChanges {
    added: Vec<String>,
    removed: Vec<String>,
    /// Single-valued links (`manager`) report the whole current value.
    replace: bool,
}

/// Take `<link>@delta` arrays out of a delta entry.
fn split_links(ty: &ObjectType, raw: Value) -> (Value, BTreeMap<String, LinkChanges>) {
    let Value::Object(mut obj) = raw else {
        return (raw, BTreeMap::new());
    };
    let mut changes = BTreeMap::new();
    for link in ty.links {
        let Some(items) = obj.remove(&format!("{}@delta", link.name)) else {
            continue;
        };
        let mut c = LinkChanges {
            replace: !link.many,
            ..Default::default()
        };
        for item in items.as_array().into_iter().flatten() {
            let Some(id) = item.get("id").and_then(Value::as_str) else {
                continue;
            };
            if item.get("@removed").is_some() {
                c.removed.push(id.to_string());
            } else {
                c.added.push(id.to_string());
            }
        }
        changes.insert(link.name.to_string(), c);
    }
    obj.retain(|k, _| !k.ends_with("@delta"));
    (Value::Object(obj), changes)
}

/// Carry the previous snapshot's objects over, with this round's changes applied.
async fn apply_changes(
    run: &Run<'_>,
    ty: &'static ObjectType,
    manifest: &Manifest,
    outcome: DeltaOutcome,
) -> Result<(), ExportError> {
    // The previous entries are in id order: looked up where they are, not
    // copied into a map (on `large`, 100,000 users' entries).
    let previous = manifest.entries(ty.name);
    let find = |id: &str| {
        previous
            .binary_search_by(|e| e.id.as_str().cmp(id))
            .ok()
            .map(|i| &previous[i])
    };
    // Soft-deleted or gone: either way the object is not in the tenant now.
    // An id seen once is not carried over, and a second sighting builds on
    // nothing earlier, as the first one already replaced it.
    let mut touched: HashSet<String> = outcome.removed.iter().map(|r| r.id.clone()).collect();
    let source = &ty.sources[0];
    for raw in outcome.objects {
        run.check_cancelled()?;
        let (partial, link_changes) = split_links(ty, raw);
        let Some(id) = partial
            .get("id")
            .and_then(Value::as_str)
            .map(str::to_string)
        else {
            continue;
        };
        let before = if touched.insert(id.clone()) {
            find(&id)
        } else {
            None
        };
        // Graph may return only the changed properties: lay them over the
        // object as it was.
        let mut body = match before {
            Some(e) => previous_body(run.store, e)?,
            None => Map::new(),
        };
        if let Value::Object(p) = partial {
            body.extend(p);
        }
        let object = normalize_from(ty, source, Value::Object(body))?;
        run.put(ty, &object)?;
        let mut links = match before.and_then(|e| e.links.as_ref()) {
            Some(hash) => run.store.read_links(hash)?,
            None => Links::new(),
        };
        for (name, c) in link_changes {
            let ids = links.entry(name).or_default();
            if c.replace {
                *ids = c.added;
                continue;
            }
            ids.retain(|i| !c.removed.contains(i));
            ids.extend(c.added);
        }
        links.retain(|_, ids| !ids.is_empty());
        run.sink.writer.put_links(ty, &object.id, &links)?;
    }
    for entry in previous.iter().filter(|e| !touched.contains(&e.id)) {
        run.sink.writer.put_entry(ty, entry.clone())?;
        run.sink.objects[ty.name].fetch_add(1, Ordering::Relaxed);
    }
    run.report(ty, false);
    Ok(())
}

/// An object's stored body with its volatile properties put back, as Graph sent it.
fn previous_body(
    store: &LocalStore,
    entry: &ObjectEntry,
) -> Result<Map<String, Value>, ExportError> {
    let mut body = match store.read_object(&entry.hash)? {
        Value::Object(o) => o,
        _ => Map::new(),
    };
    for (path, value) in entry.volatile.to_map() {
        insert_path(&mut body, &path, value);
    }
    Ok(body)
}

fn insert_path(obj: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            obj.insert(path.to_string(), value);
        }
        Some((head, rest)) => {
            if let Some(Value::Object(inner)) = obj.get_mut(head) {
                insert_path(inner, rest, value);
            }
        }
    }
}
