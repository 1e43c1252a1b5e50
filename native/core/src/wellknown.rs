//! Ids that Microsoft defines the same in every tenant: built-in directory role
//! templates, first-party application ids, built-in authentication strengths and
//! the special values Conditional Access accepts in place of ids.
//!
//! Both the emulator (to create a tenant as Microsoft does) and the diff engine
//! (to name what an id means) read this one table.
//!
//! Sources (every id below was checked against one of them; nothing is guessed):
//! - Role templates and the PRIVILEGED label: MicrosoftDocs/entra-docs,
//!   `docs/identity/role-based-access-control/permissions-reference.md`
//!   ("Microsoft Entra built-in roles", ms.date 01/20/2026, "All roles" table).
//!   `User`, `Guest User` and `Restricted Guest User` (not shown in the portal) come
//!   from microsoftgraph/microsoft-graph-docs-contrib,
//!   `api-reference/v1.0/resources/authorizationpolicy.md` (guestUserRoleId).
//!   Roles added to that table after 01/20/2026 (AI Reader, Authentication
//!   Extensibility Password Administrator, Entra Backup Administrator and Reader,
//!   Teams External Collaboration Administrator; "Customer Lockbox" respelt) come
//!   from the page's published diffs of March-May 2026; Customer Delegated Admin
//!   Relationship Administrator, the three Purview Workload Content roles and the
//!   two Tenant Governance roles from public tenant role lists that match the page
//!   (their include files exist in entra-docs). Their PRIVILEGED label is not
//!   confirmed by any source: they are marked not privileged until it is.
//! - First-party apps: merill/microsoft-info `_info/MicrosoftApps.csv` (export of
//!   Microsoft-owned service principals; "Windows Sign In", "My Signins" and
//!   "Microsoft Intune Company Portal" are its community-contributed rows).
//! - Authentication strengths: microsoftgraph/microsoft-graph-docs-contrib,
//!   `api-reference/v1.0/api/authenticationstrengthroot-list-policies.md`, and the
//!   beta `conditionalAccess/templates` response, which embeds the built-ins.

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

/// Template id of the Global Administrator role.
pub const GLOBAL_ADMINISTRATOR_ROLE_ID: &str = "62e90394-69f5-4237-9190-012177145e10";
/// `guestUserRoleId` value "Guest users have the same access as members".
pub const USER_ROLE_ID: &str = "a0b1b346-4d3e-4e8b-98f8-753987be4970";
/// `guestUserRoleId` value "Guest users have limited access" (the default).
pub const GUEST_USER_ROLE_ID: &str = "10dae51f-b6af-4016-8d66-8c2a99b929b3";
/// `guestUserRoleId` value "Guest user access is restricted to their own objects".
pub const RESTRICTED_GUEST_USER_ROLE_ID: &str = "2af84b1e-32c8-42b7-82bc-daa82404023b";

/// Built-in authentication strength "Multifactor authentication".
pub const MFA_STRENGTH_ID: &str = "00000000-0000-0000-0000-000000000002";
/// Built-in authentication strength "Passwordless MFA".
pub const PASSWORDLESS_MFA_STRENGTH_ID: &str = "00000000-0000-0000-0000-000000000003";
/// Built-in authentication strength "Phishing-resistant MFA".
pub const PHISHING_RESISTANT_MFA_STRENGTH_ID: &str = "00000000-0000-0000-0000-000000000004";

/// Built-in directory role templates, alphabetical as in Microsoft's "All roles" table,
/// followed by the three roles the portal does not show (User, Guest User, Restricted Guest User).
pub static ROLE_TEMPLATES: &[RoleTemplate] = &[
    RoleTemplate {
        id: "db506228-d27e-4b7d-95e5-295956d6615f",
        display_name: "Agent ID Administrator",
        privileged: true,
    },
    RoleTemplate {
        id: "adb2368d-a9be-41b5-8667-d96778e081b0",
        display_name: "Agent ID Developer",
        privileged: false,
    },
    RoleTemplate {
        id: "6b942400-691f-4bf0-9d12-d8a254a2baf5",
        display_name: "Agent Registry Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "d2562ede-74db-457e-a7b6-544e236ebb61",
        display_name: "AI Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "1fe13547-53f6-408d-ac04-7f8eed167b38",
        display_name: "AI Reader",
        privileged: false,
    },
    RoleTemplate {
        id: "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
        display_name: "Application Administrator",
        privileged: true,
    },
    RoleTemplate {
        id: "cf1c38e5-3621-4004-a7cb-879624dced7c",
        display_name: "Application Developer",
        privileged: true,
    },
    RoleTemplate {
        id: "9c6df0f2-1e7c-4dc3-b195-66dfbd24aa8f",
        display_name: "Attack Payload Author",
        privileged: false,
    },
    RoleTemplate {
        id: "c430b396-e693-46cc-96f3-db01bf8bb62a",
        display_name: "Attack Simulation Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "58a13ea3-c632-46ae-9ee0-9c0d43cd7f3d",
        display_name: "Attribute Assignment Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "ffd52fa5-98dc-465c-991d-fc073eb59f8f",
        display_name: "Attribute Assignment Reader",
        privileged: false,
    },
    RoleTemplate {
        id: "8424c6f0-a189-499e-bbd0-26c1753c96d4",
        display_name: "Attribute Definition Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "1d336d2c-4ae8-42ef-9711-b3604ce3fc2c",
        display_name: "Attribute Definition Reader",
        privileged: false,
    },
    RoleTemplate {
        id: "5b784334-f94b-471a-a387-e7219fc49ca2",
        display_name: "Attribute Log Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "9c99539d-8186-4804-835f-fd51ef9e2dcd",
        display_name: "Attribute Log Reader",
        privileged: false,
    },
    RoleTemplate {
        id: "ecb2c6bf-0ab6-418e-bd87-7986f8d63bbe",
        display_name: "Attribute Provisioning Administrator",
        privileged: true,
    },
    RoleTemplate {
        id: "422218e4-db15-4ef9-bbe0-8afb41546d79",
        display_name: "Attribute Provisioning Reader",
        privileged: true,
    },
    RoleTemplate {
        id: "c4e39bd9-1100-46d3-8c65-fb160da0071f",
        display_name: "Authentication Administrator",
        privileged: true,
    },
    RoleTemplate {
        id: "25a516ed-2fa0-40ea-a2d0-12923a21473a",
        display_name: "Authentication Extensibility Administrator",
        privileged: true,
    },
    RoleTemplate {
        id: "0b00bede-4072-4d22-b441-e7df02a1ef63",
        display_name: "Authentication Extensibility Password Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "0526716b-113d-4c15-b2c8-68e3c22b9f80",
        display_name: "Authentication Policy Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "e3973bdf-4987-49ae-837a-ba8e231c7286",
        display_name: "Azure DevOps Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "7495fdc4-34c4-4d15-a289-98788ce399fd",
        display_name: "Azure Information Protection Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "aaf43236-0c0d-4d5f-883a-6955382ac081",
        display_name: "B2C IEF Keyset Administrator",
        privileged: true,
    },
    RoleTemplate {
        id: "3edaf663-341e-4475-9f94-5c398ef6c070",
        display_name: "B2C IEF Policy Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "b0f54661-2d74-4c50-afa3-1ec803f12efe",
        display_name: "Billing Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "892c5842-a9a6-463a-8041-72aa08ca3cf6",
        display_name: "Cloud App Security Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "158c047a-c907-4556-b7ef-446551a6b5f7",
        display_name: "Cloud Application Administrator",
        privileged: true,
    },
    RoleTemplate {
        id: "7698a772-787b-4ac8-901f-60d6b08affd2",
        display_name: "Cloud Device Administrator",
        privileged: true,
    },
    RoleTemplate {
        id: "17315797-102d-40b4-93e0-432062caca18",
        display_name: "Compliance Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "e6d1a23a-da11-4be4-9570-befc86d067a7",
        display_name: "Compliance Data Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9",
        display_name: "Conditional Access Administrator",
        privileged: true,
    },
    RoleTemplate {
        id: "fc8ad4e2-40e4-4724-8317-bcda7503ecbf",
        display_name: "Customer Delegated Admin Relationship Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "5c4f9dcd-47dc-4cf7-8c9a-9e4207cbfc91",
        display_name: "Customer Lockbox Access Approver",
        privileged: false,
    },
    RoleTemplate {
        id: "38a96431-2bdf-4b4c-8b6e-5d3d8abac1a4",
        display_name: "Desktop Analytics Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "88d8e3e3-8f55-4a1e-953a-9b9898b8876b",
        display_name: "Directory Readers",
        privileged: false,
    },
    RoleTemplate {
        id: "d29b2b05-8046-44ba-8758-1e26182fcf32",
        display_name: "Directory Synchronization Accounts",
        privileged: false,
    },
    RoleTemplate {
        id: "9360feb5-f418-4baa-8175-e2a00bac4301",
        display_name: "Directory Writers",
        privileged: true,
    },
    RoleTemplate {
        id: "8329153b-31d0-4727-b945-745eb3bc5f31",
        display_name: "Domain Name Administrator",
        privileged: true,
    },
    RoleTemplate {
        id: "e93e3737-fa85-474a-aee4-7d3fb86510f3",
        display_name: "Dragon Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "44367163-eba1-44c3-98af-f5787879f96a",
        display_name: "Dynamics 365 Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "963797fb-eb3b-4cde-8ce3-5878b3f32a3f",
        display_name: "Dynamics 365 Business Central Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "3f1acade-1e04-4fbc-9b69-f0302cd84aef",
        display_name: "Edge Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "b6a27b2b-f905-4b2e-81b5-0d90e0ef1fdb",
        display_name: "Entra Backup Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "f42252d9-5400-4d7b-b9ef-cc582dbb8577",
        display_name: "Entra Backup Reader",
        privileged: false,
    },
    RoleTemplate {
        id: "29232cdf-9323-42fd-ade2-1d097af3e4de",
        display_name: "Exchange Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "49eb8f75-97e9-4e37-9b2b-6c3ebfcffa31",
        display_name: "Exchange Backup Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "31392ffb-586c-42d1-9346-e59415a2cc4e",
        display_name: "Exchange Recipient Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "dd13091a-6207-4fc0-82ba-3641e056ab95",
        display_name: "Extended Directory User Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "6e591065-9bad-43ed-90f3-e9424366d2f0",
        display_name: "External ID User Flow Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "0f971eea-41eb-4569-a71e-57bb8a3eff1e",
        display_name: "External ID User Flow Attribute Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "be2f45a1-457d-42af-a067-6ec1fa63bc45",
        display_name: "External Identity Provider Administrator",
        privileged: true,
    },
    RoleTemplate {
        id: "a9ea8996-122f-4c74-9520-8edcd192826c",
        display_name: "Fabric Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "62e90394-69f5-4237-9190-012177145e10",
        display_name: "Global Administrator",
        privileged: true,
    },
    RoleTemplate {
        id: "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
        display_name: "Global Reader",
        privileged: true,
    },
    RoleTemplate {
        id: "ac434307-12b9-4fa1-a708-88bf58caabc1",
        display_name: "Global Secure Access Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "843318fb-79a6-4168-9e6f-aa9a07481cc4",
        display_name: "Global Secure Access Log Reader",
        privileged: false,
    },
    RoleTemplate {
        id: "fdd7a751-b60b-444a-984c-02652fe8fa1c",
        display_name: "Groups Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "95e79109-95c0-4d8e-aee3-d01accf2d47b",
        display_name: "Guest Inviter",
        privileged: false,
    },
    RoleTemplate {
        id: "729827e3-9c14-49f7-bb1b-9608f156bbb8",
        display_name: "Helpdesk Administrator",
        privileged: true,
    },
    RoleTemplate {
        id: "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2",
        display_name: "Hybrid Identity Administrator",
        privileged: true,
    },
    RoleTemplate {
        id: "45d8d3c5-c802-45c6-b32a-1d70b5e1e86e",
        display_name: "Identity Governance Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "eb1f4a8d-243a-41f0-9fbd-c7cdf6c5ef7c",
        display_name: "Insights Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "25df335f-86eb-4119-b717-0ff02de207e9",
        display_name: "Insights Analyst",
        privileged: false,
    },
    RoleTemplate {
        id: "31e939ad-9672-4796-9c2e-873181342d2d",
        display_name: "Insights Business Leader",
        privileged: false,
    },
    RoleTemplate {
        id: "3a2c62db-5318-420d-8d74-23affee5d9d5",
        display_name: "Intune Administrator",
        privileged: true,
    },
    RoleTemplate {
        id: "2ea5ce4c-b2d8-4668-bd81-3680bd2d227a",
        display_name: "IoT Device Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "74ef975b-6605-40af-a5d2-b9539d836353",
        display_name: "Kaizala Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "b5a8dcf3-09d5-43a9-a639-8e29ef291470",
        display_name: "Knowledge Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "744ec460-397e-42ad-a462-8b3f9747a02c",
        display_name: "Knowledge Manager",
        privileged: false,
    },
    RoleTemplate {
        id: "4d6ac14f-3453-41d0-bef9-a3e0c569773a",
        display_name: "License Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "59d46f88-662b-457b-bceb-5c3809e5908f",
        display_name: "Lifecycle Workflows Administrator",
        privileged: true,
    },
    RoleTemplate {
        id: "ac16e43d-7b2d-40e0-ac05-243ff356ab5b",
        display_name: "Message Center Privacy Reader",
        privileged: false,
    },
    RoleTemplate {
        id: "790c1fb9-7f7d-4f88-86a1-ef1f95c05c1b",
        display_name: "Message Center Reader",
        privileged: false,
    },
    RoleTemplate {
        id: "1707125e-0aa2-4d4d-8655-a7c786c76a25",
        display_name: "Microsoft 365 Backup Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "8c8b803f-96e1-4129-9349-20738d9f9652",
        display_name: "Microsoft 365 Migration Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "00cf5c54-4693-4f59-a0ac-ab79ef0a974d",
        display_name: "Microsoft 365 Support Engineer",
        privileged: false,
    },
    RoleTemplate {
        id: "9f06204d-73c1-4d4c-880a-6edb90606fd8",
        display_name: "Microsoft Entra Joined Device Local Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "ee67aa9c-e510-4759-b906-227085a7fd4d",
        display_name: "Microsoft Graph Data Connect Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "1501b917-7653-4ff9-a4b5-203eaf33784f",
        display_name: "Microsoft Hardware Warranty Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "281fe777-fb20-4fbb-b7a3-ccebce5b0d96",
        display_name: "Microsoft Hardware Warranty Specialist",
        privileged: false,
    },
    RoleTemplate {
        id: "d37c8bed-0711-4417-ba38-b4abe66ce4c2",
        display_name: "Network Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "2b745bdf-0803-4d80-aa65-822c4493daac",
        display_name: "Office Apps Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "92ed04bf-c94a-4b82-9729-b799a7a4c178",
        display_name: "Organizational Branding Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "9d70768a-0cbc-4b4c-aea3-2e124b2477f4",
        display_name: "Organizational Data Source Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "e48398e2-f4bb-4074-8f31-4586725e205b",
        display_name: "Organizational Messages Approver",
        privileged: false,
    },
    RoleTemplate {
        id: "507f53e4-4e52-4077-abd3-d2e1558b6ea2",
        display_name: "Organizational Messages Writer",
        privileged: false,
    },
    RoleTemplate {
        id: "4ba39ca4-527c-499a-b93d-d9b492c50246",
        display_name: "Partner Tier1 Support",
        privileged: true,
    },
    RoleTemplate {
        id: "e00e864a-17c5-4a4b-9c06-f5b95a8d5bd8",
        display_name: "Partner Tier2 Support",
        privileged: true,
    },
    RoleTemplate {
        id: "966707d0-3269-4727-9be2-8c3a10f19b9d",
        display_name: "Password Administrator",
        privileged: true,
    },
    RoleTemplate {
        id: "024906de-61e5-49c8-8572-40335f1e0e10",
        display_name: "People Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "af78dc32-cf4d-46f9-ba4e-4428526346b5",
        display_name: "Permissions Management Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "78b0ccd1-afc2-4f92-9116-b41aedd09592",
        display_name: "Places Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "11648597-926c-4cf3-9c36-bcebb0ba8dcc",
        display_name: "Power Platform Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "644ef478-e28f-4e28-b9dc-3fdde9aa0b1f",
        display_name: "Printer Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "e8cef6f1-e4bd-4ea8-bc07-4b8d950f4477",
        display_name: "Printer Technician",
        privileged: false,
    },
    RoleTemplate {
        id: "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
        display_name: "Privileged Authentication Administrator",
        privileged: true,
    },
    RoleTemplate {
        id: "e8611ab8-c189-46e8-94e1-60213ab1f814",
        display_name: "Privileged Role Administrator",
        privileged: true,
    },
    RoleTemplate {
        id: "3f04f91a-4ad7-4bd3-bcfa-49882ea1a88a",
        display_name: "Purview Workload Content Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "e07494ad-1654-4dd2-922e-6f81a71bf00f",
        display_name: "Purview Workload Content Reader",
        privileged: false,
    },
    RoleTemplate {
        id: "02d5655b-c1cf-4e5f-98da-5fb919085bf6",
        display_name: "Purview Workload Content Writer",
        privileged: false,
    },
    RoleTemplate {
        id: "4a5d8f65-41da-4de4-8968-e035b65339cf",
        display_name: "Reports Reader",
        privileged: false,
    },
    RoleTemplate {
        id: "0964bb5e-9bdb-4d7b-ac29-58e794862a40",
        display_name: "Search Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "8835291a-918c-4fd7-a9ce-faa49f0cf7d9",
        display_name: "Search Editor",
        privileged: false,
    },
    RoleTemplate {
        id: "194ae4cb-b126-40b2-bd5b-6091b380977d",
        display_name: "Security Administrator",
        privileged: true,
    },
    RoleTemplate {
        id: "5f2222b1-57c3-48ba-8ad5-d4759f1fde6f",
        display_name: "Security Operator",
        privileged: true,
    },
    RoleTemplate {
        id: "5d6b6bb7-de71-4623-b4af-96380a352509",
        display_name: "Security Reader",
        privileged: true,
    },
    RoleTemplate {
        id: "f023fd81-a637-4b56-95fd-791ac0226033",
        display_name: "Service Support Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
        display_name: "SharePoint Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "99009c4a-3b3f-4957-82a9-9d35e12db77e",
        display_name: "SharePoint Advanced Management Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "9d3e04ba-3ee4-4d1b-a3a7-9aef423a09be",
        display_name: "SharePoint Backup Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "1a7d78b6-429f-476b-b8eb-35fb715fffd4",
        display_name: "SharePoint Embedded Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "75941009-915a-4869-abe7-691bff18279e",
        display_name: "Skype for Business Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "69091246-20e8-4a56-aa4d-066075b2a7a8",
        display_name: "Teams Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "baf37b3a-610e-45da-9e62-d9d1e5e8914b",
        display_name: "Teams Communications Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "f70938a0-fc10-4177-9e90-2178f8765737",
        display_name: "Teams Communications Support Engineer",
        privileged: false,
    },
    RoleTemplate {
        id: "fcf91098-03e3-41a9-b5ba-6f0ec8188a12",
        display_name: "Teams Communications Support Specialist",
        privileged: false,
    },
    RoleTemplate {
        id: "3d762c5a-1b6c-493f-843e-55a3b42923d4",
        display_name: "Teams Devices Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "2fe872fb-daa8-4afc-8f6c-53c4565cfef4",
        display_name: "Teams External Collaboration Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "1076ac91-f3d9-41a7-a339-dcdf5f480acc",
        display_name: "Teams Reader",
        privileged: false,
    },
    RoleTemplate {
        id: "aa38014f-0993-46e9-9b45-30501a20909d",
        display_name: "Teams Telephony Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "112ca1a2-15ad-4102-995e-45b0bc479a6a",
        display_name: "Tenant Creator",
        privileged: false,
    },
    RoleTemplate {
        id: "1981f584-96e9-4a6f-95b0-f522373f8fae",
        display_name: "Tenant Governance Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "e0a4caa6-fe82-443f-b92f-d87341d17b2e",
        display_name: "Tenant Governance Reader",
        privileged: false,
    },
    RoleTemplate {
        id: "75934031-6c7e-415a-99d7-48dbd49e875e",
        display_name: "Usage Summary Reports Reader",
        privileged: false,
    },
    RoleTemplate {
        id: "fe930be7-5e62-47db-91af-98c3a49a38b1",
        display_name: "User Administrator",
        privileged: true,
    },
    RoleTemplate {
        id: "27460883-1df1-4691-b032-3b79643e5e63",
        display_name: "User Experience Success Manager",
        privileged: false,
    },
    RoleTemplate {
        id: "e300d9e7-4a2b-4295-9eff-f1c78b36cc98",
        display_name: "Virtual Visits Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "0ec3f692-38d6-4d14-9e69-0377ca7797ad",
        display_name: "Viva Glint Tenant Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "92b086b3-e367-4ef2-b869-1de128fb986e",
        display_name: "Viva Goals Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "87761b17-1ed2-4af3-9acd-92a150038160",
        display_name: "Viva Pulse Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "11451d60-acb2-45eb-a7d6-43d0f0125c13",
        display_name: "Windows 365 Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "32696413-001a-46ae-978c-ce0f6b3620d2",
        display_name: "Windows Update Deployment Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "810a2642-a034-447f-a5e8-41beaa378541",
        display_name: "Yammer Administrator",
        privileged: false,
    },
    RoleTemplate {
        id: "a0b1b346-4d3e-4e8b-98f8-753987be4970",
        display_name: "User",
        privileged: false,
    },
    RoleTemplate {
        id: "10dae51f-b6af-4016-8d66-8c2a99b929b3",
        display_name: "Guest User",
        privileged: false,
    },
    RoleTemplate {
        id: "2af84b1e-32c8-42b7-82bc-daa82404023b",
        display_name: "Restricted Guest User",
        privileged: false,
    },
];

/// Microsoft first-party applications that Conditional Access policies commonly name.
pub static FIRST_PARTY_APPS: &[FirstPartyApp] = &[
    FirstPartyApp {
        app_id: "00000002-0000-0ff1-ce00-000000000000",
        display_name: "Office 365 Exchange Online",
    },
    FirstPartyApp {
        app_id: "00000003-0000-0ff1-ce00-000000000000",
        display_name: "Office 365 SharePoint Online",
    },
    FirstPartyApp {
        app_id: "00000004-0000-0ff1-ce00-000000000000",
        display_name: "Skype for Business Online",
    },
    FirstPartyApp {
        app_id: "00000005-0000-0ff1-ce00-000000000000",
        display_name: "Viva Engage",
    },
    FirstPartyApp {
        app_id: "00000006-0000-0ff1-ce00-000000000000",
        display_name: "Microsoft Office 365 Portal",
    },
    FirstPartyApp {
        app_id: "00000003-0000-0000-c000-000000000000",
        display_name: "Microsoft Graph",
    },
    FirstPartyApp {
        app_id: "00000002-0000-0000-c000-000000000000",
        display_name: "Windows Azure Active Directory",
    },
    FirstPartyApp {
        app_id: "00000007-0000-0000-c000-000000000000",
        display_name: "Dataverse",
    },
    FirstPartyApp {
        app_id: "00000009-0000-0000-c000-000000000000",
        display_name: "Power BI Service",
    },
    FirstPartyApp {
        app_id: "0000000a-0000-0000-c000-000000000000",
        display_name: "Microsoft Intune",
    },
    FirstPartyApp {
        app_id: "0000000c-0000-0000-c000-000000000000",
        display_name: "Microsoft App Access Panel",
    },
    FirstPartyApp {
        app_id: "00000012-0000-0000-c000-000000000000",
        display_name: "Microsoft Rights Management Services",
    },
    FirstPartyApp {
        app_id: "d4ebce55-015a-49b5-a083-c84d1797ae8c",
        display_name: "Microsoft Intune Enrollment",
    },
    FirstPartyApp {
        app_id: "74bcdadc-2fdc-4bb3-8459-76d06952a0e9",
        display_name: "Microsoft Intune Web Company Portal",
    },
    FirstPartyApp {
        app_id: "9ba1a5c7-f17a-4de9-a1f1-6178c8d51223",
        display_name: "Microsoft Intune Company Portal",
    },
    FirstPartyApp {
        app_id: "14d82eec-204b-4c2f-b7e8-296a70dab67e",
        display_name: "Microsoft Graph Command Line Tools",
    },
    FirstPartyApp {
        app_id: "de8bc8b5-d9f9-48b1-a8ad-b748da725064",
        display_name: "Graph Explorer",
    },
    FirstPartyApp {
        app_id: "c44b4083-3bb0-49c1-b47d-974e53cbdf3c",
        display_name: "Azure Portal",
    },
    FirstPartyApp {
        app_id: "797f4846-ba00-4fd7-ba43-dac1f8f63013",
        display_name: "Windows Azure Service Management API",
    },
    FirstPartyApp {
        app_id: "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
        display_name: "Microsoft Azure CLI",
    },
    FirstPartyApp {
        app_id: "1950a258-227b-4e31-a9cf-717495945fc2",
        display_name: "Microsoft Azure PowerShell",
    },
    FirstPartyApp {
        app_id: "1b730954-1685-4b74-9bfd-dac224a7b894",
        display_name: "Azure Active Directory PowerShell",
    },
    FirstPartyApp {
        app_id: "1fec8e78-bce4-4aaf-ab1b-5451cc387264",
        display_name: "Microsoft Teams",
    },
    FirstPartyApp {
        app_id: "cc15fd57-2c6c-4117-a88c-83b1d56b4bbe",
        display_name: "Microsoft Teams Services",
    },
    FirstPartyApp {
        app_id: "5e3ce6c0-2b1f-4285-8d4b-75ee78787346",
        display_name: "Microsoft Teams Web Client",
    },
    FirstPartyApp {
        app_id: "c5393580-f805-4401-95e8-94b7a6ef2fc2",
        display_name: "Office 365 Management APIs",
    },
    FirstPartyApp {
        app_id: "497effe9-df71-4043-a8bb-14cf78c4b63b",
        display_name: "Exchange Admin Center",
    },
    FirstPartyApp {
        app_id: "80ccca67-54bd-44ab-8625-4b79c4dc7775",
        display_name: "Microsoft 365 Security and Compliance Center",
    },
    FirstPartyApp {
        app_id: "38aa3b87-a06d-4817-b275-7a316988d93b",
        display_name: "Windows Sign In",
    },
    FirstPartyApp {
        app_id: "29d9ed98-a469-4536-ade2-f981bc1d605e",
        display_name: "Microsoft Authentication Broker",
    },
    FirstPartyApp {
        app_id: "01cb2876-7ebd-4aa4-9cc9-d28bd4d359a9",
        display_name: "Device Registration Service",
    },
    FirstPartyApp {
        app_id: "9cdead84-a844-4324-93f2-b2e6bb768d07",
        display_name: "Azure Virtual Desktop",
    },
    FirstPartyApp {
        app_id: "a85cf173-4192-42f8-81fa-777a763e6e2c",
        display_name: "Azure Virtual Desktop Client",
    },
    FirstPartyApp {
        app_id: "270efc09-cd0d-444b-a71f-39af4910ec45",
        display_name: "Windows Cloud Login",
    },
    FirstPartyApp {
        app_id: "0af06dc6-e4b5-4f28-818e-e78e62d137a5",
        display_name: "Windows 365",
    },
    FirstPartyApp {
        app_id: "372140e0-b3b7-4226-8ef9-d57986796201",
        display_name: "Azure Windows VM Sign-In",
    },
    FirstPartyApp {
        app_id: "ce6ff14a-7fdc-4685-bbe0-f6afdfcfa8e0",
        display_name: "Azure Linux VM Sign-In",
    },
    FirstPartyApp {
        app_id: "2793995e-0a7d-40d7-bd35-6968ba142197",
        display_name: "My Apps",
    },
    FirstPartyApp {
        app_id: "19db86c3-b2b9-44cc-b339-36da233a3be2",
        display_name: "My Signins",
    },
    FirstPartyApp {
        app_id: "8c59ead7-d703-4a27-9e55-c96a0054c8d2",
        display_name: "My Profile",
    },
    FirstPartyApp {
        app_id: "ba9ff945-a723-4ab5-a977-bd8c9044fe61",
        display_name: "My Staff",
    },
    FirstPartyApp {
        app_id: "d3590ed6-52b3-4102-aeff-aad2292ab01c",
        display_name: "Microsoft Office",
    },
    FirstPartyApp {
        app_id: "4765445b-32c6-49b0-83e6-1d93765276ca",
        display_name: "OfficeHome",
    },
    FirstPartyApp {
        app_id: "4b233688-031c-404b-9a80-a4f3f2351f90",
        display_name: "Office.com",
    },
    FirstPartyApp {
        app_id: "5d661950-3475-41cd-a2c3-d671a3162bc1",
        display_name: "Microsoft Outlook",
    },
    FirstPartyApp {
        app_id: "27922004-5251-4030-b22d-91ecd9a37ea4",
        display_name: "Outlook Mobile",
    },
    FirstPartyApp {
        app_id: "ab9b8c07-8f02-4f72-87fa-80105867a763",
        display_name: "OneDrive SyncEngine",
    },
    FirstPartyApp {
        app_id: "c9a559d2-7aab-4f13-a6ed-e7e9c52aec87",
        display_name: "Microsoft Forms",
    },
    FirstPartyApp {
        app_id: "475226c6-020e-4fb2-8a90-7a972cbfc1d4",
        display_name: "PowerApps Service",
    },
    FirstPartyApp {
        app_id: "7df0a125-d3be-4c96-aa54-591f83ff541c",
        display_name: "Microsoft Flow Service",
    },
    FirstPartyApp {
        app_id: "499b84ac-1321-427f-aa17-267ca6975798",
        display_name: "Azure DevOps",
    },
    FirstPartyApp {
        app_id: "cfa8b339-82a2-471a-a3c9-0fc0be7a4093",
        display_name: "Azure Key Vault",
    },
    FirstPartyApp {
        app_id: "05a65629-4c1b-48c1-a78b-804c4abdd4af",
        display_name: "Microsoft Cloud App Security",
    },
    FirstPartyApp {
        app_id: "5b20c633-9a48-4a5f-95f6-dae91879051f",
        display_name: "Azure Information Protection",
    },
    FirstPartyApp {
        app_id: "d52792f4-ba38-424d-8140-ada5b883f293",
        display_name: "AAD Terms Of Use",
    },
    FirstPartyApp {
        app_id: "93625bc8-bfe2-437a-97e0-3d0060024faa",
        display_name: "Microsoft password reset service",
    },
];
/// The three built-in authentication strengths, as `GET /policies/authenticationStrengthPolicies`
/// returns them (policyType `builtIn`, requirementsSatisfied `mfa`, created/modified
/// `2021-12-01T00:00:00Z`).
pub static AUTH_STRENGTHS: &[BuiltinStrength] = &[
    BuiltinStrength {
        id: MFA_STRENGTH_ID,
        display_name: "Multifactor authentication",
        description: "Combinations of methods that satisfy strong authentication, such as a password + SMS",
        allowed_combinations: &[
            "windowsHelloForBusiness",
            "fido2",
            "x509CertificateMultiFactor",
            "deviceBasedPush",
            "temporaryAccessPassOneTime",
            "temporaryAccessPassMultiUse",
            "password,microsoftAuthenticatorPush",
            "password,softwareOath",
            "password,hardwareOath",
            "password,x509CertificateSingleFactor",
            "password,x509CertificateMultiFactor",
            "password,sms",
            "password,voice",
            "federatedMultiFactor",
            "microsoftAuthenticatorPush,federatedSingleFactor",
            "softwareOath,federatedSingleFactor",
            "hardwareOath,federatedSingleFactor",
            "sms,federatedSingleFactor",
            "voice,federatedSingleFactor",
        ],
    },
    BuiltinStrength {
        id: PASSWORDLESS_MFA_STRENGTH_ID,
        display_name: "Passwordless MFA",
        description: "Passwordless methods that satisfy strong authentication, such as Passwordless sign-in with the Microsoft Authenticator",
        allowed_combinations: &[
            "windowsHelloForBusiness",
            "fido2",
            "x509CertificateMultiFactor",
            "deviceBasedPush",
        ],
    },
    BuiltinStrength {
        id: PHISHING_RESISTANT_MFA_STRENGTH_ID,
        display_name: "Phishing-resistant MFA",
        description: "Phishing-resistant, Passwordless methods for the strongest authentication, such as a FIDO2 security key",
        allowed_combinations: &[
            "windowsHelloForBusiness",
            "fido2",
            "x509CertificateMultiFactor",
        ],
    },
];

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
    ROLE_TEMPLATES
        .iter()
        .find(|r| r.id.eq_ignore_ascii_case(id))
}

pub fn first_party_app(app_id: &str) -> Option<&'static FirstPartyApp> {
    FIRST_PARTY_APPS
        .iter()
        .find(|a| a.app_id.eq_ignore_ascii_case(app_id))
}

pub fn builtin_strength(id: &str) -> Option<&'static BuiltinStrength> {
    AUTH_STRENGTHS
        .iter()
        .find(|s| s.id.eq_ignore_ascii_case(id))
}

pub fn ca_special_value(value: &str) -> Option<&'static str> {
    CA_SPECIAL_VALUES
        .iter()
        .find(|(v, _)| v.eq_ignore_ascii_case(value))
        .map(|(_, n)| *n)
}

/// True when `id` is the template id of a built-in role Microsoft labels PRIVILEGED.
/// Unknown ids (custom roles included) are not privileged by this table.
pub fn is_privileged_role(id: &str) -> bool {
    role_template(id).is_some_and(|r| r.privileged)
}

/// The display name of a well-known id or special value, looked up (case-insensitively)
/// across role templates, first-party apps, built-in authentication strengths and the
/// Conditional Access special values, in that order.
pub fn name_of(id: &str) -> Option<&'static str> {
    role_template(id)
        .map(|r| r.display_name)
        .or_else(|| first_party_app(id).map(|a| a.display_name))
        .or_else(|| builtin_strength(id).map(|s| s.display_name))
        .or_else(|| ca_special_value(id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn is_lower_guid(s: &str) -> bool {
        let parts: Vec<&str> = s.split('-').collect();
        let lens = [8, 4, 4, 4, 12];
        parts.len() == 5
            && parts.iter().zip(lens).all(|(p, n)| {
                p.len() == n
                    && p.chars()
                        .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
            })
    }

    fn all_ids() -> Vec<&'static str> {
        ROLE_TEMPLATES
            .iter()
            .map(|r| r.id)
            .chain(FIRST_PARTY_APPS.iter().map(|a| a.app_id))
            .chain(AUTH_STRENGTHS.iter().map(|s| s.id))
            .chain(std::iter::once(MICROSOFT_TENANT_ID))
            .collect()
    }

    #[test]
    fn ids_are_lowercase_guids() {
        for id in all_ids() {
            assert!(is_lower_guid(id), "not a lowercase GUID: {id}");
        }
    }

    #[test]
    fn ids_are_unique_across_tables() {
        let mut seen = HashSet::new();
        for id in all_ids() {
            assert!(seen.insert(id), "duplicate id: {id}");
        }
    }

    #[test]
    fn names_are_unique_within_tables() {
        let mut roles = HashSet::new();
        for r in ROLE_TEMPLATES {
            assert!(
                roles.insert(r.display_name),
                "duplicate role name: {}",
                r.display_name
            );
            assert!(!r.display_name.is_empty());
        }
        for a in FIRST_PARTY_APPS {
            assert!(!a.display_name.is_empty());
        }
    }

    #[test]
    fn tables_are_big_enough() {
        assert!(ROLE_TEMPLATES.len() >= 40);
        assert!(FIRST_PARTY_APPS.len() >= 30);
    }

    #[test]
    fn lookups_are_case_insensitive() {
        let upper = GLOBAL_ADMINISTRATOR_ROLE_ID.to_ascii_uppercase();
        assert_eq!(
            role_template(&upper).unwrap().display_name,
            "Global Administrator"
        );
        assert_eq!(
            first_party_app("00000002-0000-0FF1-CE00-000000000000")
                .unwrap()
                .display_name,
            "Office 365 Exchange Online"
        );
        assert_eq!(
            name_of("00000003-0000-0000-C000-000000000000"),
            Some("Microsoft Graph")
        );
        assert_eq!(ca_special_value("office365"), Some("Office 365"));
        assert_eq!(name_of("ALLTRUSTED"), Some("All trusted locations"));
        assert!(is_privileged_role(&upper));
    }

    #[test]
    fn privileged_flags_follow_microsoft_labels() {
        assert!(is_privileged_role(GLOBAL_ADMINISTRATOR_ROLE_ID));
        for name in [
            "Privileged Role Administrator",
            "Security Administrator",
            "Conditional Access Administrator",
            "User Administrator",
            "Application Administrator",
            "Cloud Application Administrator",
            "Authentication Administrator",
            "Privileged Authentication Administrator",
            "Helpdesk Administrator",
            "Hybrid Identity Administrator",
            "Intune Administrator",
            "Global Reader",
            "Security Reader",
            "Directory Writers",
        ] {
            let r = ROLE_TEMPLATES
                .iter()
                .find(|r| r.display_name == name)
                .unwrap();
            assert!(r.privileged, "{name} should be privileged");
        }
        for name in [
            "Exchange Administrator",
            "SharePoint Administrator",
            "Teams Administrator",
            "Billing Administrator",
            "Directory Readers",
            "Guest Inviter",
            "Reports Reader",
            "Groups Administrator",
            "License Administrator",
            "Compliance Administrator",
            "Authentication Policy Administrator",
            "Guest User",
        ] {
            let r = ROLE_TEMPLATES
                .iter()
                .find(|r| r.display_name == name)
                .unwrap();
            assert!(!r.privileged, "{name} should not be privileged");
        }
        assert!(!is_privileged_role("00000000-0000-0000-0000-000000000000"));
        assert!(!is_privileged_role("not-a-guid"));
    }

    #[test]
    fn the_three_builtin_strengths_exist() {
        assert_eq!(AUTH_STRENGTHS.len(), 3);
        assert_eq!(
            builtin_strength(MFA_STRENGTH_ID).unwrap().display_name,
            "Multifactor authentication"
        );
        assert_eq!(
            builtin_strength(PASSWORDLESS_MFA_STRENGTH_ID)
                .unwrap()
                .display_name,
            "Passwordless MFA"
        );
        let pr = builtin_strength(PHISHING_RESISTANT_MFA_STRENGTH_ID).unwrap();
        assert_eq!(pr.display_name, "Phishing-resistant MFA");
        assert_eq!(
            pr.allowed_combinations,
            [
                "windowsHelloForBusiness",
                "fido2",
                "x509CertificateMultiFactor"
            ]
        );
        // Each stronger strength is a subset of the weaker one.
        let mfa = builtin_strength(MFA_STRENGTH_ID).unwrap();
        let pwl = builtin_strength(PASSWORDLESS_MFA_STRENGTH_ID).unwrap();
        assert!(
            pr.allowed_combinations
                .iter()
                .all(|c| pwl.allowed_combinations.contains(c))
        );
        assert!(
            pwl.allowed_combinations
                .iter()
                .all(|c| mfa.allowed_combinations.contains(c))
        );
    }

    #[test]
    fn name_of_covers_every_table() {
        assert_eq!(name_of(GUEST_USER_ROLE_ID), Some("Guest User"));
        assert_eq!(
            name_of("797f4846-ba00-4fd7-ba43-dac1f8f63013"),
            Some("Windows Azure Service Management API")
        );
        assert_eq!(
            name_of(PHISHING_RESISTANT_MFA_STRENGTH_ID),
            Some("Phishing-resistant MFA")
        );
        assert_eq!(
            name_of("MicrosoftAdminPortals"),
            Some("Microsoft Admin Portals")
        );
        assert_eq!(name_of("11111111-1111-1111-1111-111111111111"), None);
    }
}
