//! Ids that Microsoft defines the same in every tenant: built-in directory role
//! templates, first-party application ids, built-in authentication strengths and
//! the special values Conditional Access accepts in place of ids.
//!
//! Both the emulator (to create a tenant as Microsoft does) and the diff engine
//! (to name what an id means) read this one table.

/// A built-in Entra directory role, identified by its template id (the same in every tenant).
#[derive(Debug, Clone, Copy)]
pub struct RoleTemplate {
    pub id: &'static str,
    pub display_name: &'static str,
    /// Microsoft marks these roles "privileged" (PRIVILEGED label in the Entra admin center).
    pub privileged: bool,
}

/// A Microsoft first-party application, by the appId Conditional Access policies name.
#[derive(Debug, Clone, Copy)]
pub struct FirstPartyApp {
    pub app_id: &'static str,
    pub display_name: &'static str,
}

/// A built-in authentication strength policy (read-only in every tenant).
#[derive(Debug, Clone, Copy)]
pub struct BuiltinStrength {
    pub id: &'static str,
    pub display_name: &'static str,
    pub description: &'static str,
    pub allowed_combinations: &'static [&'static str],
}

/// The tenant id Microsoft's own first-party apps are registered in.
pub const MICROSOFT_TENANT_ID: &str = "f8cdef31-a31e-4b4a-93e4-5f571e91255a";

pub static ROLE_TEMPLATES: &[RoleTemplate] = &[RoleTemplate {
    id: "62e90394-69f5-4237-9190-012177145e10",
    display_name: "Global Administrator",
    privileged: true,
}];

pub static FIRST_PARTY_APPS: &[FirstPartyApp] = &[FirstPartyApp {
    app_id: "00000003-0000-0000-c000-000000000000",
    display_name: "Microsoft Graph",
}];

pub static AUTH_STRENGTHS: &[BuiltinStrength] = &[];

/// Values Conditional Access accepts where an id is expected, with what they mean.
pub static CA_SPECIAL_VALUES: &[(&str, &str)] = &[
    ("All", "All"),
    ("None", "None"),
    ("AllTrusted", "All trusted locations"),
    ("GuestsOrExternalUsers", "Guests or external users"),
    ("Office365", "Office 365"),
    ("MicrosoftAdminPortals", "Microsoft Admin Portals"),
];

pub fn role_template(id: &str) -> Option<&'static RoleTemplate> {
    ROLE_TEMPLATES.iter().find(|r| r.id.eq_ignore_ascii_case(id))
}

pub fn first_party_app(app_id: &str) -> Option<&'static FirstPartyApp> {
    FIRST_PARTY_APPS.iter().find(|a| a.app_id.eq_ignore_ascii_case(app_id))
}

pub fn builtin_strength(id: &str) -> Option<&'static BuiltinStrength> {
    AUTH_STRENGTHS.iter().find(|s| s.id.eq_ignore_ascii_case(id))
}

pub fn ca_special_value(value: &str) -> Option<&'static str> {
    CA_SPECIAL_VALUES.iter().find(|(v, _)| v.eq_ignore_ascii_case(value)).map(|(_, n)| *n)
}
