//! The emulator's shared state and configuration.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use crate::audit::{AuditConfig, AuditLog};
use crate::faults::Faults;
use crate::identity::{IdentityConfig, IdentityState};
use crate::rng::Rng;
use crate::stats::Stats;
use crate::tenant::Tenant;
use crate::throttle::{Throttle, capacity_for};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Seed {
    /// Only what Microsoft creates with every tenant.
    None,
    /// A small, realistic company for the demo and scenario tests.
    Demo,
    /// About 500 users.
    Small,
    /// 100k users, 20k groups, 5k applications, 300 CA policies.
    Large,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub seed: Seed,
    /// Makes the seeded tenant reproducible (ids, names, sizes).
    pub seed_value: u64,
    /// Pins what is generated while running (ids of created objects, request
    /// ids, key ids, secret values, random faults); `None` draws a new seed
    /// per process, as Graph never repeats them. `--seed-value` sets both.
    pub runtime_seed: Option<u64>,
    pub users: Option<usize>,
    pub groups: Option<usize>,
    pub latency: Duration,
    /// Added per object in an answer's `value` (each `$batch` sub-answer's
    /// counted): Graph's time grows with the page, so a 999-object page costs
    /// more than a 100-object one.
    pub latency_per_object: Duration,
    pub throttle: bool,
    /// Override of the resource-unit bucket size per 10 s (tests make it small).
    pub throttle_ru: Option<u32>,
    pub fault_rate: f64,
    pub state: Option<PathBuf>,
    /// Tokens older than this (since first seen) are answered 401 as expired.
    pub token_lifetime: Option<Duration>,
    /// The managed identity endpoints (`--identity-expiry`, `--arc-tokens-dir`).
    pub identity: IdentityConfig,
    /// The directory audit log's delay, retention and default actor.
    pub audit: AuditConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: Seed::Demo,
            seed_value: 1,
            runtime_seed: None,
            users: None,
            groups: None,
            latency: Duration::ZERO,
            latency_per_object: Duration::ZERO,
            throttle: false,
            throttle_ru: None,
            fault_rate: 0.0,
            state: None,
            token_lifetime: None,
            identity: IdentityConfig::default(),
            audit: AuditConfig::default(),
        }
    }
}

pub struct Sim {
    pub config: Config,
    tenant: RwLock<Tenant>,
    pub stats: Mutex<Stats>,
    pub throttle: Mutex<Throttle>,
    pub rng: Mutex<Rng>,
    /// Hash of each bearer token -> when first seen (for `token_lifetime`).
    pub tokens: Mutex<HashMap<u64, Instant>>,
    /// The managed identity endpoints' secrets and counters.
    pub identity: IdentityState,
    /// Hashes of tokens expired by `POST /_sim/expire-tokens` or a fault script.
    pub expired: Mutex<HashSet<u64>>,
    /// The scripted faults of `POST /_sim/faults`.
    pub faults: Faults,
    /// Every write applied, as `/auditLogs/directoryAudits` lists it.
    pub audit: AuditLog,
}

impl Sim {
    pub fn new(config: Config, tenant: Tenant) -> Sim {
        let users = tenant.count(crate::kind::Kind::User);
        let capacity = config.throttle_ru.unwrap_or_else(|| capacity_for(users));
        Sim {
            rng: Mutex::new(Rng::new(
                config
                    .runtime_seed
                    .map_or_else(crate::rng::fresh_seed, |s| {
                        s.wrapping_mul(31).wrapping_add(7)
                    }),
            )),
            identity: IdentityState::new(&config.identity),
            audit: AuditLog::new(&config.audit),
            config,
            tenant: RwLock::new(tenant),
            stats: Mutex::new(Stats::default()),
            throttle: Mutex::new(Throttle::new(capacity)),
            tokens: Mutex::new(HashMap::new()),
            expired: Mutex::new(HashSet::new()),
            faults: Faults::default(),
        }
    }

    // A poisoned lock only means another request panicked mid-way; the tenant
    // data is still the last consistent write, so keep serving.
    pub fn read(&self) -> RwLockReadGuard<'_, Tenant> {
        self.tenant.read().unwrap_or_else(|e| e.into_inner())
    }

    pub fn write(&self) -> RwLockWriteGuard<'_, Tenant> {
        self.tenant.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Every token seen so far is answered 401 "expired" from now on; new ones are accepted.
    pub fn expire_tokens(&self) {
        let seen: Vec<u64> = self
            .tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .keys()
            .copied()
            .collect();
        self.expired
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(seen);
    }

    pub fn guid(&self) -> String {
        self.rng.lock().unwrap_or_else(|e| e.into_inner()).guid()
    }

    pub fn chance(&self, p: f64) -> bool {
        p > 0.0 && self.rng.lock().unwrap_or_else(|e| e.into_inner()).chance(p)
    }
}

/// Graph's timestamp form.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
