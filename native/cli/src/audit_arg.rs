//! What the tenant's directory audit log keeps and how late it lists events:
//! the settings attribution needs to say why the log is silent about a change.

use entrasnap_graph::audit::AuditSettings;

#[derive(clap::Args, Debug, Clone)]
pub struct AuditArgs {
    /// Days the tenant's audit log keeps events (30 with Entra ID P1/P2, 7 with Free).
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    pub audit_retention_days: u32,
    /// Minutes Graph may take to list an event (changes newer than this may not be in the log yet).
    #[arg(long, value_name = "MINUTES", default_value_t = 15)]
    pub audit_delay_minutes: u32,
}

impl AuditArgs {
    pub fn settings(&self) -> AuditSettings {
        AuditSettings {
            retention: chrono::Duration::days(self.audit_retention_days.into()),
            delay: chrono::Duration::minutes(self.audit_delay_minutes.into()),
        }
    }
}
