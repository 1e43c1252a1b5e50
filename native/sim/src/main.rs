//! `entrasnap-sim`: the local Microsoft Graph emulator.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use entrasnap_sim::{Config, Seed};

/// A local Microsoft Graph emulator for EntraSnapshot's tests, demo and restore drills.
#[derive(Parser, Debug)]
#[command(name = "entrasnap-sim", version)]
struct Args {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Which tenant to start with.
    #[arg(long, value_enum, default_value_t = Seed::Demo)]
    seed: Seed,
    /// Makes the seeded tenant (ids, names, sizes; 1 when not given) and what is
    /// generated while running (ids, request ids, key ids, secrets, random
    /// faults; new every run when not given) reproducible.
    #[arg(long)]
    seed_value: Option<u64>,
    /// Number of users (overrides the seed's).
    #[arg(long)]
    users: Option<usize>,
    /// Number of groups (overrides the seed's).
    #[arg(long)]
    groups: Option<usize>,
    /// Added to every HTTP request.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Added per object an answer carries (in `value`, `$batch` sub-answers
    /// included), so big pages take longer, as on Graph; 0 turns it off.
    #[arg(long, default_value_t = 0)]
    latency_per_object_us: u64,
    /// Model Graph's throttling (resource units, write budget, Conditional Access 1 request/s).
    #[arg(long)]
    throttle: bool,
    /// Resource units per 10 s for the throttling bucket (default: Graph's, by tenant size).
    #[arg(long)]
    throttle_ru: Option<u32>,
    /// Share of HTTP requests answered 500/503/504 or with a dropped connection (0..1).
    #[arg(long, default_value_t = 0.0)]
    fault_rate: f64,
    /// Load the tenant from this file if it exists; save it there on exit (Ctrl+C) and on POST /_sim/save.
    #[arg(long)]
    state: Option<PathBuf>,
    /// Answer 401 "token expired" for a bearer token this many seconds after first seeing it.
    #[arg(long)]
    token_lifetime_secs: Option<u64>,
    /// Seconds after a write before its audit event is listed (Graph's come minutes late).
    #[arg(long, default_value_t = 0.0)]
    audit_delay_secs: f64,
    /// Days the audit log keeps events (30 as with Entra ID P1/P2; 7 for Free).
    #[arg(long, default_value_t = 30.0)]
    audit_retention_days: f64,
    /// The user principal name the audit log names for opaque (non-JWT) tokens (default admin@<tenant domain>).
    #[arg(long, value_name = "UPN")]
    audit_actor: Option<String>,
    #[command(flatten)]
    identity: entrasnap_sim::identity::IdentityArgs,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    if !(0.0..=1.0).contains(&args.fault_rate) {
        eprintln!(
            "error: --fault-rate must be between 0 and 1, got {}",
            args.fault_rate
        );
        std::process::exit(2);
    }
    let config = Config {
        seed: args.seed,
        seed_value: args.seed_value.unwrap_or(1),
        runtime_seed: args.seed_value,
        users: args.users,
        groups: args.groups,
        latency: Duration::from_millis(args.latency_ms),
        latency_per_object: Duration::from_micros(args.latency_per_object_us),
        throttle: args.throttle,
        throttle_ru: args.throttle_ru,
        fault_rate: args.fault_rate,
        state: args.state,
        token_lifetime: args.token_lifetime_secs.map(Duration::from_secs),
        identity: args.identity.into(),
        audit: entrasnap_sim::audit::AuditConfig {
            delay: Duration::from_secs_f64(args.audit_delay_secs.max(0.0)),
            retention: Duration::from_secs_f64(args.audit_retention_days.max(0.0) * 86_400.0),
            default_actor: args.audit_actor,
        },
    };
    let running = match entrasnap_sim::start(config, args.port).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the emulator: {e}");
            std::process::exit(1);
        }
    };
    println!("listening on {}", running.url());
    let _ = tokio::signal::ctrl_c().await;
    if let Err(e) = running.stop().await {
        eprintln!("error: cannot save the state: {e}");
        std::process::exit(1);
    }
}
