//! Graph's `directoryAudit` events, read into what attribution needs: when,
//! what activity, who (a user or an app), and which objects with which
//! properties before and after.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Who made a change: a user (possibly through an app) or an app on its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    /// `user` or `app`.
    pub kind: ActorKind,
    /// The user's or the service principal's object id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// A user's principal name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_principal_name: Option<String>,
    /// An app's application (client) id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ActorKind {
    User,
    App,
}

impl Actor {
    /// How reports name the actor: the UPN, else the app's name and id.
    pub fn label(&self) -> String {
        match self.kind {
            ActorKind::User => self
                .user_principal_name
                .clone()
                .or_else(|| self.display_name.clone())
                .or_else(|| self.id.clone())
                .unwrap_or_else(|| "(unknown user)".into()),
            ActorKind::App => match (&self.display_name, &self.app_id) {
                (Some(name), Some(id)) => format!("{name} (app {id})"),
                (Some(name), None) => format!("{name} (app)"),
                (None, Some(id)) => format!("app {id}"),
                (None, None) => "(unknown app)".into(),
            },
        }
    }

    /// Whether `who` (a UPN, an app id, an object id or a display name) names this actor.
    pub fn is(&self, who: &str) -> bool {
        let who = who.trim();
        [
            &self.user_principal_name,
            &self.app_id,
            &self.id,
            &self.display_name,
        ]
        .into_iter()
        .flatten()
        .any(|v| v.eq_ignore_ascii_case(who))
    }
}

/// One property an event changed; Graph gives values as JSON text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModifiedProperty {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_value: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Target {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// `User`, `Group`, `Policy`...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modified: Vec<ModifiedProperty>,
}

/// One directory audit event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    pub id: String,
    pub at: DateTime<Utc>,
    pub activity: String,
    /// `Add`, `Update`, `Delete`, `Assign`, `Unassign`...
    pub operation: String,
    pub actor: Actor,
    pub targets: Vec<Target>,
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

impl AuditEvent {
    /// Reads one event as Graph lists it; `None` when it names no time,
    /// activity or actor (nothing to attribute with).
    pub fn from_graph(v: &Value) -> Option<AuditEvent> {
        let at = DateTime::parse_from_rfc3339(v.get("activityDateTime")?.as_str()?)
            .ok()?
            .with_timezone(&Utc);
        let by = v.get("initiatedBy")?;
        let actor = match (by.get("user"), by.get("app")) {
            (Some(u), _) if u.is_object() => Actor {
                kind: ActorKind::User,
                id: text(u, "id"),
                user_principal_name: text(u, "userPrincipalName"),
                app_id: None,
                display_name: text(u, "displayName"),
            },
            (_, Some(a)) if a.is_object() => Actor {
                kind: ActorKind::App,
                id: text(a, "servicePrincipalId"),
                user_principal_name: None,
                app_id: text(a, "appId"),
                display_name: text(a, "displayName"),
            },
            _ => return None,
        };
        let targets = v
            .get("targetResources")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|t| {
                Some(Target {
                    id: text(t, "id")?,
                    display_name: text(t, "displayName"),
                    // Graph's own example spells it `Type`.
                    r#type: text(t, "type").or_else(|| text(t, "Type")),
                    modified: t
                        .get("modifiedProperties")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(|p| {
                            Some(ModifiedProperty {
                                name: text(p, "displayName")?,
                                old_value: text(p, "oldValue"),
                                new_value: text(p, "newValue"),
                            })
                        })
                        .collect(),
                })
            })
            .collect();
        Some(AuditEvent {
            id: text(v, "id").unwrap_or_default(),
            at,
            activity: text(v, "activityDisplayName")?,
            operation: text(v, "operationType").unwrap_or_default(),
            actor,
            targets,
        })
    }

    /// The target with this id, if the event names it.
    pub fn target(&self, id: &str) -> Option<&Target> {
        self.targets.iter().find(|t| t.id.eq_ignore_ascii_case(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn graphs_documented_example_reads() {
        // The example of "List directoryAudits" in Graph's reference.
        let v = json!({
            "id": "id",
            "category": "UserManagement",
            "correlationId": "da159bfb-54fa-4092-8a38-6e1fa7870e30",
            "result": "success",
            "resultReason": "Successfully added member to group",
            "activityDisplayName": "Add member to group",
            "activityDateTime": "2018-01-09T21:20:02.7215374Z",
            "loggedByService": "Core Directory",
            "initiatedBy": {
                "user": {
                    "id": "728309ae-1a37-4937-9afe-e35d964db09b",
                    "displayName": "Audry Oliver",
                    "userPrincipalName": "bob@wingtiptoysonline.com",
                    "ipAddress": "127.0.0.1"
                },
                "app": null
            },
            "targetResources": [
                {"id": "ef7e527d-6c92-4234-8c6d-cf6fdfb57f95", "displayName": "Example.com", "Type": "Group",
                 "modifiedProperties": [{"displayName": "Action Client Name", "oldValue": null, "newValue": "DirectorySync"}],
                 "groupType": "unifiedGroups"},
                {"id": "1f0e98f5-3161-4c6b-9b50-d488572f2bb7", "displayName": null, "Type": "User",
                 "modifiedProperties": [], "userPrincipalName": "bob@contoso.com"}
            ],
            "additionalDetails": [{"key": "Additional Detail Name", "value": "Additional Detail Value"}]
        });
        let e = AuditEvent::from_graph(&v).unwrap();
        assert_eq!(e.activity, "Add member to group");
        assert_eq!(e.actor.label(), "bob@wingtiptoysonline.com");
        assert!(e.actor.is("BOB@wingtiptoysonline.com"));
        assert!(e.actor.is("728309ae-1a37-4937-9afe-e35d964db09b"));
        assert_eq!(e.targets.len(), 2);
        assert_eq!(e.targets[0].r#type.as_deref(), Some("Group"));
        assert_eq!(e.targets[0].modified[0].old_value, None);
        assert!(e.target("1F0E98F5-3161-4c6b-9b50-d488572f2bb7").is_some());
    }

    #[test]
    fn an_app_actor_is_named_by_name_and_id() {
        let v = json!({
            "activityDateTime": "2026-12-01T14:03:00Z",
            "activityDisplayName": "Update user",
            "initiatedBy": {"user": null, "app": {"appId": "a1", "displayName": "HR Sync", "servicePrincipalId": "sp1"}},
            "targetResources": []
        });
        let e = AuditEvent::from_graph(&v).unwrap();
        assert_eq!(e.actor.kind, ActorKind::App);
        assert_eq!(e.actor.label(), "HR Sync (app a1)");
        assert!(e.actor.is("a1") && e.actor.is("hr sync") && e.actor.is("sp1"));
        assert!(AuditEvent::from_graph(&json!({"activityDisplayName": "x"})).is_none());
    }
}
