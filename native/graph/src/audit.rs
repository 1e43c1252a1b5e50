//! Reading the directory audit log for a span of time: the evidence
//! attribution works from. Reading it never fails a comparison: a log that
//! cannot be read (no AuditLog.Read.All, an outage) is recorded as such, and
//! every change is then reported as unattributed with that reason.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use entrasnap_core::audit::{AuditEvent, AuditWindow, Coverage};

use crate::{ErrorKind, GraphClient, Request};

/// What the tenant's audit log keeps and how late it lists events.
#[derive(Debug, Clone, Copy)]
pub struct AuditSettings {
    /// 30 days with Entra ID P1/P2, 7 with Free.
    pub retention: Duration,
    /// Graph lists events minutes after the change.
    pub delay: Duration,
}

impl Default for AuditSettings {
    fn default() -> Self {
        AuditSettings {
            retention: Duration::days(30),
            delay: Duration::minutes(15),
        }
    }
}

const PERMISSION: &str = "AuditLog.Read.All";

/// Every event between `from` and `to`, and how much of that span the log covers.
pub async fn read_window(
    client: &GraphClient,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    settings: &AuditSettings,
) -> AuditWindow {
    let now = Utc::now();
    let mut coverage = Coverage {
        from,
        to,
        kept_since: now - settings.retention,
        settled_until: now - settings.delay,
        unavailable: None,
    };
    // Whole seconds on the outside of the span, so nothing at its edges is cut.
    let ge = from.to_rfc3339_opts(SecondsFormat::Secs, true);
    let le = (to + Duration::seconds(1)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let request = Request::get(format!(
        "/v1.0/auditLogs/directoryAudits?$filter=activityDateTime ge {ge} and activityDateTime le {le}&$top=999"
    ))
    .permission(PERMISSION);
    let events = match client.get_all_request(request).await {
        Ok(items) => items.iter().filter_map(AuditEvent::from_graph).collect(),
        Err(e) => {
            coverage.unavailable = Some(match e.kind() {
                ErrorKind::Forbidden { .. } => format!(
                    "the token lacks {PERMISSION} (Graph answered 403); grant it to see who made each change"
                ),
                _ => e.to_string(),
            });
            Vec::new()
        }
    };
    AuditWindow { events, coverage }
}

/// Annotates `report` with who made each change, from the audit events
/// between `from` (the earlier snapshot's start) and `to` (the later one's
/// end); with `changed_by`, keeps only that actor's changes (an error naming
/// the actor when there are none). What `compare` and `snapshot.compare` do.
pub async fn attribute_report(
    client: &GraphClient,
    report: &mut entrasnap_core::diff::Report,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    settings: &AuditSettings,
    changed_by: Option<&str>,
) -> entrasnap_core::Result<()> {
    let window = read_window(client, from, to, settings).await;
    entrasnap_core::audit::attribute(report, &window);
    match changed_by {
        Some(who) => entrasnap_core::audit::keep_changed_by(report, who),
        None => Ok(()),
    }
}
