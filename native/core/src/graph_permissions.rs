//! Microsoft Graph's own permissions, the same in every tenant: the delegated
//! scopes (`oauth2PermissionScopes`) and application permissions (`appRoles`)
//! of the Microsoft Graph service principal (appId
//! 00000003-0000-0000-c000-000000000000). The emulator gives that service
//! principal these; the diff engine ranks grants of them.
//!
//! Ids: Microsoft's "Microsoft Graph permissions reference"
//! (microsoft-graph-docs-contrib `concepts/permissions-reference.md`), each
//! checked against public scripts and fixtures that name the same id and value.
//! Only permissions whose id two sources agree on are listed.
//! `privileged`: read or write every user's mail or files, write the directory,
//! its roles, apps or role assignments — what an attacker's consent is after.

/// The appId of Microsoft Graph.
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

/// One permission Microsoft Graph publishes.
#[derive(Debug, Clone, Copy)]
pub struct GraphPermission {
    pub id: &'static str,
    /// What a token carries (`Mail.Read`): the grant's `scope` words, the app role's `value`.
    pub value: &'static str,
    pub privileged: bool,
}

const fn p(id: &'static str, value: &'static str, privileged: bool) -> GraphPermission {
    GraphPermission {
        id,
        value,
        privileged,
    }
}

/// Delegated permissions (scopes).
pub static DELEGATED: &[GraphPermission] = &[
    p("e1fe6dd8-ba31-4d61-89e7-88639da4683d", "User.Read", false),
    p(
        "b340eb25-3456-403f-be2f-af7a0d370277",
        "User.ReadBasic.All",
        false,
    ),
    p(
        "7427e0e9-2fba-42fe-b0c0-848c9e6a8182",
        "offline_access",
        false,
    ),
    p(
        "06da0dbc-49e2-44d2-8312-53f166ab848a",
        "Directory.Read.All",
        false,
    ),
    p("570282fd-fa5c-430d-a7fd-fc8dc98a9dca", "Mail.Read", true),
    p(
        "024d486e-b451-40bb-833d-3e66d98c5c73",
        "Mail.ReadWrite",
        true,
    ),
    p("e383f46e-2787-4529-855e-0e479a3ffac0", "Mail.Send", true),
    p(
        "863451e7-0667-486c-a5d6-d135439485f0",
        "Files.ReadWrite.All",
        true,
    ),
    p(
        "204e0828-b5ca-4ad8-b9f3-f32a958e7cc4",
        "User.ReadWrite.All",
        true,
    ),
    p(
        "c5366453-9fb0-48a5-a156-24f0c49a4b84",
        "Directory.ReadWrite.All",
        true,
    ),
    p(
        "0e263e50-5827-48a4-b97c-d940288653c7",
        "Directory.AccessAsUser.All",
        true,
    ),
];

/// Application permissions (app roles).
pub static APPLICATION: &[GraphPermission] = &[
    p(
        "df021288-bdef-4463-88db-98f22de89214",
        "User.Read.All",
        false,
    ),
    p(
        "7ab1d382-f21e-4acd-a863-ba3e13f7da61",
        "Directory.Read.All",
        false,
    ),
    p("810c84a8-4a9e-49e6-bf7d-12d183f40d01", "Mail.Read", true),
    p(
        "75359482-378d-4052-8f01-80520e7db3cd",
        "Files.ReadWrite.All",
        true,
    ),
    p(
        "741f803b-c850-494e-b5df-cde7c675a1ca",
        "User.ReadWrite.All",
        true,
    ),
    p(
        "19dbc75e-c2e2-444c-a770-ec69d8559fc7",
        "Directory.ReadWrite.All",
        true,
    ),
    p(
        "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9",
        "Application.ReadWrite.All",
        true,
    ),
    p(
        "06b708a9-e830-4db3-a914-8e69da51d44f",
        "AppRoleAssignment.ReadWrite.All",
        true,
    ),
    p(
        "9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8",
        "RoleManagement.ReadWrite.Directory",
        true,
    ),
];

/// Whether delegated scope `value` of Microsoft Graph is privileged. Scopes
/// of other resources, and Graph scopes not listed, are not.
pub fn is_privileged_scope(value: &str) -> bool {
    DELEGATED
        .iter()
        .any(|s| s.privileged && s.value.eq_ignore_ascii_case(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_values_are_unique() {
        for table in [DELEGATED, APPLICATION] {
            let mut ids: Vec<&str> = table.iter().map(|p| p.id).collect();
            let mut values: Vec<&str> = table.iter().map(|p| p.value).collect();
            let n = ids.len();
            ids.sort();
            ids.dedup();
            values.sort();
            values.dedup();
            assert_eq!((ids.len(), values.len()), (n, n));
        }
        assert!(is_privileged_scope("mail.read"));
        assert!(!is_privileged_scope("User.Read"));
    }
}
