//! `entrasnap`: snapshot, compare and restore a Microsoft Entra ID tenant's configuration.

mod demo;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "entrasnap",
    version,
    about = "Snapshot, compare and restore a Microsoft Entra ID tenant's configuration."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the whole story offline against the embedded Graph emulator.
    Demo(demo::Args),
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo(args) => demo::run(args).await,
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
