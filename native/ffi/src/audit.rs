//! The audit-log settings an operation may give (`auditRetentionDays`,
//! `auditDelayMinutes`), with the command's defaults.

use entrasnap_graph::audit::AuditSettings;

pub(crate) fn settings(retention_days: Option<u32>, delay_minutes: Option<u32>) -> AuditSettings {
    let d = AuditSettings::default();
    AuditSettings {
        retention: retention_days.map_or(d.retention, |n| chrono::Duration::days(n.into())),
        delay: delay_minutes.map_or(d.delay, |n| chrono::Duration::minutes(n.into())),
    }
}
