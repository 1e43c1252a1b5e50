//! `entrasnap label`: name a snapshot (`known-good`, `before-change-1234`)
//! so it can be given as `label:NAME` wherever an id is, and so prune keeps
//! it whatever the retention. `--remove` takes a label off.

use clap::CommandFactory;
use serde::Serialize;

use crate::error::CliError;
use crate::output::Output;
use crate::store_arg::StoreArg;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub store: StoreArg,
    /// SNAPSHOT NAME to label a snapshot (an id, `latest` or `label:OTHER`);
    /// with --remove, NAME (or SNAPSHOT NAME, to check where it is).
    #[arg(value_name = "SNAPSHOT NAME", num_args = 1..=2, required = true)]
    pub args: Vec<String>,
    /// Take the label off instead.
    #[arg(long)]
    pub remove: bool,
}

/// `--json`: `{"label", "snapshot", "removed"}`.
#[derive(Serialize)]
struct Labelled<'a> {
    label: &'a str,
    snapshot: String,
    removed: bool,
}

pub fn run(args: Args, out: Output) -> Result<(), CliError> {
    let (snapshot, name) = match (args.args.as_slice(), args.remove) {
        ([snapshot, name], _) => (Some(snapshot.as_str()), name.as_str()),
        ([name], true) => (None, name.as_str()),
        _ => crate::Cli::command()
            .error(
                clap::error::ErrorKind::MissingRequiredArgument,
                "label takes SNAPSHOT NAME (or --remove NAME)",
            )
            .exit(),
    };
    let store = args.store.open_existing()?;
    let done = if args.remove {
        let on = store.remove_label(snapshot, name)?;
        Labelled {
            label: name,
            snapshot: on.to_string(),
            removed: true,
        }
    } else {
        let target = store.add_label(snapshot.expect("two arguments"), name)?;
        Labelled {
            label: name,
            snapshot: target.id.to_string(),
            removed: false,
        }
    };
    out.emit(&done, |w| {
        if done.removed {
            writeln!(
                w,
                "removed label {} from snapshot {}",
                done.label, done.snapshot
            )
        } else {
            writeln!(w, "snapshot {} is label:{}", done.snapshot, done.label)
        }
    })
}
