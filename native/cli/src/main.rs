//! `entrasnap`: snapshot, compare and restore a Microsoft Entra ID tenant's configuration.
//!
//! Exit codes: 0 success; 1 error (one line on stderr first, detail after);
//! 2 usage error. With `--json` every command prints one JSON document on stdout.

mod audit_arg;
mod compare;
mod demo;
mod error;
mod export;
mod history;
mod keygen;
mod label;
mod list;
mod output;
mod progress;
mod prune;
mod restore;
mod restore_view;
mod show;
mod store_arg;
mod verify;
mod watch;

// mimalloc gives freed memory back to the system where glibc keeps it in
// per-thread arenas: a restore of 5,000 users on `large` peaked at 391 MB
// RSS with glibc for 258 MB of heap.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{CommandFactory, Parser, Subcommand};

use crate::error::CliError;
use crate::output::Output;

#[derive(Parser)]
#[command(
    name = "entrasnap",
    version,
    about = "Snapshot, compare and restore a Microsoft Entra ID tenant's configuration."
)]
pub(crate) struct Cli {
    /// Print one JSON document on stdout instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Snapshot the tenant's configuration into a store; prints the new snapshot's id.
    ///
    /// After the first run only what changed is read (delta queries).
    Export(export::Args),
    /// List the snapshots in a store, newest first, with their kinds and labels.
    ///
    /// Snapshots that cannot be read are listed too, with the reason.
    List(list::Args),
    /// Label a snapshot (`label SNAPSHOT NAME`), or take a label off (`--remove NAME`).
    ///
    /// A label can be given wherever a snapshot id is, as `label:NAME`; prune keeps labelled snapshots.
    Label(label::Args),
    /// Show one snapshot's header and objects.
    Show(show::Args),
    /// What changed between two snapshots, or a snapshot and the live tenant, most severe first.
    ///
    /// Exit 3 with --exit-code when changes at or above --severity-min remain.
    Compare(compare::Args),
    /// One object's life across the store's snapshots, oldest first: first seen, each change, deleted, restored.
    ///
    /// Each event names the snapshot pair it was first seen in; --attribute narrows to one attribute.
    History(history::Args),
    /// Bring objects or single attributes back to a snapshot, referenced objects first.
    ///
    /// Snapshots the tenant first (the undo point), shows the plan, refuses to lock out
    /// break-glass accounts, writes only with --yes (or a yes at the prompt), then reads
    /// back: exit 4 when anything failed or differs afterwards.
    Restore(restore::Args),
    /// Re-hash everything snapshots refer to; exit 1 naming each problem.
    Verify(verify::Args),
    /// Remove snapshots a retention policy does not keep, and unreferenced objects.
    ///
    /// The newest snapshot and the newest export of each tenant, and labelled snapshots, are always kept.
    Prune(prune::Args),
    /// Export every interval and store a snapshot only when something changed; report the changes.
    ///
    /// A failed poll is a warning and the loop goes on; Ctrl+C or SIGTERM stops it with nothing partial.
    Watch(watch::Args),
    /// Run the whole story offline against the embedded Graph emulator.
    Demo(demo::Args),
    /// Make an Ed25519 key pair to sign snapshots with (--signing-key) and check them (--verify-key).
    ///
    /// With --age: an age identity for encrypting a store (export --recipient age1..., reading commands --identity FILE).
    Keygen(keygen::Args),
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let out = Output::new(cli.json);
    let result = match cli.command {
        Command::Export(args) => export::run(args, out).await,
        Command::List(args) => list::run(args, out),
        Command::Label(args) => label::run(args, out),
        Command::Show(args) => show::run(args, out),
        Command::Compare(args) => compare::run(args, out).await,
        Command::History(args) => history::run(args, out).await,
        Command::Restore(args) => restore::run(args, out).await,
        Command::Verify(args) => verify::run(args, out),
        Command::Prune(args) => prune::run(args, out),
        Command::Keygen(args) => keygen::run(args, out),
        Command::Watch(args) => watch::run(args, out).await,
        Command::Demo(args) => {
            if out.is_json() {
                Cli::command()
                    .error(
                        clap::error::ErrorKind::ArgumentConflict,
                        "demo is a guided tour for people and has no --json output",
                    )
                    .exit();
            }
            demo::run(args).await.map_err(CliError::from)
        }
    };
    if let Err(e) = result {
        e.report();
        std::process::exit(e.exit_code());
    }
}
