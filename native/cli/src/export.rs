//! `entrasnap export`: snapshot the tenant into a store and print the new
//! snapshot's id. Incremental after the first run (delta links are kept with
//! the store); Ctrl+C stops it without leaving a listed snapshot behind.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use entrasnap_core::store::SnapshotKind;
use entrasnap_core::store::{check_out_dir, write_directory_with};
use entrasnap_core::{LocalStore, ObjectType};
use entrasnap_graph::ErrorKind;
use entrasnap_graph::export::{ExportOptions, ExportReport, export, export_staged};
use entrasnap_graph::{AuthOptions, CancellationToken, GraphClient, Secret};

use crate::error::CliError;
use crate::output::Output;
use crate::progress::{Progress, ProgressEvent};
use crate::store_arg::StoreArg;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The content-addressed snapshot store only.
    Snapshot,
    /// Also one pretty, canonical JSON file per object under --out (for git).
    Directory,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub store: StoreArg,
    /// Object types to export, comma-separated (Graph entity names, e.g. conditionalAccessPolicy,namedLocation); all by default.
    #[arg(long, value_delimiter = ',', value_parser = parse_type)]
    pub types: Vec<&'static ObjectType>,
    /// Read everything again instead of only what changed since the last export.
    #[arg(long)]
    pub full: bool,
    #[arg(long, value_enum, default_value_t = Format::Snapshot)]
    pub format: Format,
    /// Folder for --format directory.
    #[arg(long, value_name = "DIR", required_if_eq("format", "directory"))]
    pub out: Option<PathBuf>,
    /// Encrypt the store's objects to this age X25519 recipient (age1...; repeatable). Set by the first export; later exports use the store's own.
    #[arg(long = "recipient", value_name = "AGE1...")]
    pub recipients: Vec<String>,
    /// A file of age recipients, one per line (# comments allowed).
    #[arg(long, value_name = "FILE")]
    pub recipients_file: Option<PathBuf>,
    #[command(flatten)]
    pub graph: GraphArgs,
}

/// Where Microsoft Graph is and how to sign in: `export`, and `compare --to live`.
#[derive(clap::Args, Debug, Clone)]
pub struct GraphArgs {
    /// Microsoft Graph base URL (default https://graph.microsoft.com).
    #[arg(long, env = "ENTRASNAP_GRAPH_URL")]
    pub graph_url: Option<String>,
    /// Sign in with the managed identity of an Azure VM (IMDS); Automation, App Service, Arc and Cloud Shell are detected from their variables.
    #[arg(long)]
    pub managed_identity: bool,
    /// Client id of a user-assigned managed identity.
    #[arg(long, value_name = "CLIENT_ID")]
    pub identity_client_id: Option<String>,
    /// A token the caller already holds (the demo's, for its emulator); never a flag,
    /// so a token never appears on a command line.
    #[arg(skip)]
    pub token: Option<Secret>,
}

impl GraphArgs {
    /// A Graph client signed in as these arguments say, cancelled by `cancel`.
    pub fn client(&self, cancel: &CancellationToken) -> Result<GraphClient, CliError> {
        let auth = AuthOptions {
            token: self.token.clone(),
            managed_identity: self.managed_identity,
            managed_identity_client_id: self.identity_client_id.clone(),
            ..Default::default()
        };
        GraphClient::connect(self.graph_url.as_deref(), auth, cancel).map_err(|e| match e.kind() {
            ErrorKind::Auth { .. } => {
                CliError::new(format!("cannot sign in to Microsoft Graph: {e}"))
            }
            _ => CliError::new(e.to_string()),
        })
    }
}

pub fn parse_type(name: &str) -> Result<&'static ObjectType, String> {
    ObjectType::find(name.trim()).ok_or_else(|| {
        format!(
            "unknown object type '{name}'; known: {}",
            ObjectType::known_names()
        )
    })
}

pub async fn run(args: Args, out: Output) -> Result<(), CliError> {
    // Options first: a usage mistake must cost no export and store nothing.
    if args.out.is_some() && args.format != Format::Directory {
        clap::Error::raw(
            clap::error::ErrorKind::ArgumentConflict,
            "--out is the folder of --format directory; add --format directory or leave --out out\n",
        )
        .exit();
    }
    if let Some(dir) = args
        .out
        .as_ref()
        .filter(|_| args.format == Format::Directory)
    {
        check_out_dir(dir)?;
    }
    let mut recipients = entrasnap_core::store::parse_recipients(&args.recipients)?;
    if let Some(file) = &args.recipients_file {
        recipients.extend(entrasnap_core::store::read_recipients_file(file)?);
    }
    let store = args.store.open_or_create()?.with_recipients(&recipients)?;
    let progress = Arc::new(if out.is_json() {
        Progress::hidden()
    } else {
        Progress::stderr()
    });
    let options = ExportOptions {
        types: args.types.clone(),
        full: args.full,
        kind: SnapshotKind::Export,
        only_if_changed: false,
    };
    let directory = (args.format == Format::Directory).then(|| {
        args.out
            .as_deref()
            .expect("clap requires --out with --format directory")
    });
    let report = export_snapshot(&store, &args.graph, &options, &progress, directory).await?;
    progress.finish();
    out.emit(&report, |w| writeln!(w, "{}", report.snapshot_id))
}

/// Signs in, exports the tenant into `store` and returns the export's report;
/// Ctrl+C cancels it. On failure `progress` is finished and no snapshot is
/// listed. `export` and `compare --to live` both run exactly this. With
/// `directory`, the snapshot is written there as files before it is stored,
/// so a failure there stores nothing either.
pub async fn export_snapshot(
    store: &LocalStore,
    graph: &GraphArgs,
    options: &ExportOptions,
    progress: &Arc<Progress>,
    directory: Option<&Path>,
) -> Result<ExportReport, CliError> {
    let cancel = CancellationToken::new();
    let client = graph.client(&cancel)?;

    let sink = {
        let progress = progress.clone();
        move |e: ProgressEvent| progress.update(&e)
    };
    let on_ctrl_c = {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                cancel.cancel();
            }
        })
    };
    let result = match directory {
        None => export(&client, store, options, &sink, &cancel).await,
        Some(dir) => match export_staged(&client, store, options, &sink, &cancel).await {
            Ok((staged, report)) => {
                on_ctrl_c.abort();
                let written =
                    write_directory_with(&|h| staged.read_object(h), staged.manifest(), dir)
                        .map_err(|e| {
                            progress.finish();
                            CliError::from(e)
                                .detail("no snapshot was stored; earlier snapshots are untouched")
                        })?;
                staged.commit()?;
                progress.println(&format!(
                    "wrote {} object files to {} ({} unchanged, {} removed)",
                    written.written,
                    dir.display(),
                    written.unchanged,
                    written.removed
                ));
                Ok(report)
            }
            Err(e) => Err(e),
        },
    };
    on_ctrl_c.abort();
    // A failed sign-in already says what was tried and how to use each source.
    result.map_err(|e| {
        progress.finish();
        CliError::new(format!("export failed: {e}"))
            .detail("no snapshot was written; earlier snapshots are untouched")
    })
}
