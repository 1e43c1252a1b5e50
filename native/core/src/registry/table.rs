//! The registry's one table. Property lists follow Graph's v1.0 metadata (beta
//! for Conditional Access), Graph's documentation and the emulator's kind table; the
//! `$select` lists stay within what a list call may return.

use super::*;

const NO_SPECIAL: &[&str] = &[];
/// CA `includeUsers`/`excludeUsers` accept these instead of user ids.
const CA_USER_SPECIAL: &[&str] = &["All", "None", "GuestsOrExternalUsers"];
/// CA `includeApplications`/`excludeApplications` accept these instead of app ids.
const CA_APP_SPECIAL: &[&str] = &["All", "None", "Office365", "MicrosoftAdminPortals"];
/// CA locations: `AllTrusted`, and the all-zero id of the built-in
/// "Multifactor authentication trusted IPs" location, which is no named location.
const CA_LOCATION_SPECIAL: &[&str] = &["All", "AllTrusted", "00000000-0000-0000-0000-000000000000"];
const CA_CLIENT_SPECIAL: &[&str] = &["ServicePrincipalsInMyTenant"];
/// Method policy targets: `all_users` stands for everyone.
const ALL_USERS: &[&str] = &["all_users"];
/// Cross-tenant outbound targets.
const CROSS_TENANT_SPECIAL: &[&str] = &["AllUsers"];

const PRINCIPALS: &[&str] = &["user", "group", "servicePrincipal"];
const OWNERS: &[&str] = &["user", "servicePrincipal"];

const fn set(path: &'static str) -> SetArray {
    SetArray { path, key: None }
}

const fn set_by(path: &'static str, key: &'static str) -> SetArray {
    SetArray {
        path,
        key: Some(key),
    }
}

const fn reference(
    path: &'static str,
    targets: &'static [&'static str],
    match_by: MatchBy,
    special: &'static [&'static str],
) -> Reference {
    Reference {
        path,
        targets,
        match_by,
        special,
        may_be_external: false,
    }
}

const fn collection(path: &'static str) -> Source {
    Source {
        path,
        shape: SourceShape::Collection,
        id_property: "id",
        marker: None,
        patch: true,
        create: true,
    }
}

const fn singleton(path: &'static str, id: &'static str) -> Source {
    Source {
        path,
        shape: SourceShape::Singleton { id },
        id_property: "id",
        marker: None,
        patch: true,
        create: false,
    }
}

const fn writes(needs_odata_type: bool) -> WriteRules {
    WriteRules {
        needs_odata_type,
        property_writes: &[],
        create_only: &[],
    }
}

const CA_POLICY_READ_ONLY: &[&str] = &[
    "id",
    "createdDateTime",
    "modifiedDateTime",
    "deletedDateTime",
    // Writability unconfirmed; the emulator refuses a changed value, and a
    // PATCH that omits it keeps it.
    "templateId",
    // Graph expands the referenced strength inside the policy; only its id is written.
    "grantControls.authenticationStrength.createdDateTime",
    "grantControls.authenticationStrength.modifiedDateTime",
    "grantControls.authenticationStrength.displayName",
    "grantControls.authenticationStrength.description",
    "grantControls.authenticationStrength.policyType",
    "grantControls.authenticationStrength.requirementsSatisfied",
    "grantControls.authenticationStrength.allowedCombinations",
    "grantControls.authenticationStrength.combinationConfigurations",
];

const CA_POLICY: ObjectType = ObjectType {
    name: "conditionalAccessPolicy",
    display_name: "Conditional Access policy",
    api_version: ApiVersion::Beta,
    sources: &[collection("identity/conditionalAccess/policies")],
    select: &[],
    natural_key: &["displayName"],
    volatile: &[
        "modifiedDateTime",
        "grantControls.authenticationStrength.modifiedDateTime",
    ],
    read_only: CA_POLICY_READ_ONLY,
    set_arrays: &[
        set("conditions.users.includeUsers"),
        set("conditions.users.excludeUsers"),
        set("conditions.users.includeGroups"),
        set("conditions.users.excludeGroups"),
        set("conditions.users.includeRoles"),
        set("conditions.users.excludeRoles"),
        set("conditions.users.includeGuestsOrExternalUsers.externalTenants.members"),
        set("conditions.users.excludeGuestsOrExternalUsers.externalTenants.members"),
        set("conditions.applications.includeApplications"),
        set("conditions.applications.excludeApplications"),
        set("conditions.applications.includeUserActions"),
        set("conditions.applications.includeAuthenticationContextClassReferences"),
        set("conditions.clientApplications.includeServicePrincipals"),
        set("conditions.clientApplications.excludeServicePrincipals"),
        set("conditions.locations.includeLocations"),
        set("conditions.locations.excludeLocations"),
        set("conditions.platforms.includePlatforms"),
        set("conditions.platforms.excludePlatforms"),
        set("conditions.devices.includeDevices"),
        set("conditions.devices.excludeDevices"),
        set("conditions.clientAppTypes"),
        set("conditions.userRiskLevels"),
        set("conditions.signInRiskLevels"),
        set("conditions.servicePrincipalRiskLevels"),
        set("grantControls.builtInControls"),
        set("grantControls.customAuthenticationFactors"),
        set("grantControls.termsOfUse"),
        set("grantControls.authenticationStrength.allowedCombinations"),
    ],
    references: &[
        reference(
            "conditions.users.includeUsers",
            &["user"],
            MatchBy::Id,
            CA_USER_SPECIAL,
        ),
        reference(
            "conditions.users.excludeUsers",
            &["user"],
            MatchBy::Id,
            CA_USER_SPECIAL,
        ),
        reference(
            "conditions.users.includeGroups",
            &["group"],
            MatchBy::Id,
            NO_SPECIAL,
        ),
        reference(
            "conditions.users.excludeGroups",
            &["group"],
            MatchBy::Id,
            NO_SPECIAL,
        ),
        reference(
            "conditions.users.includeRoles",
            &["roleDefinition"],
            MatchBy::TemplateId,
            NO_SPECIAL,
        ),
        reference(
            "conditions.users.excludeRoles",
            &["roleDefinition"],
            MatchBy::TemplateId,
            NO_SPECIAL,
        ),
        // First-party apps may have no service principal in the tenant.
        Reference {
            may_be_external: true,
            ..reference(
                "conditions.applications.includeApplications",
                &["servicePrincipal"],
                MatchBy::AppId,
                CA_APP_SPECIAL,
            )
        },
        Reference {
            may_be_external: true,
            ..reference(
                "conditions.applications.excludeApplications",
                &["servicePrincipal"],
                MatchBy::AppId,
                CA_APP_SPECIAL,
            )
        },
        reference(
            "conditions.applications.includeAuthenticationContextClassReferences",
            &["authenticationContextClassReference"],
            MatchBy::Id,
            NO_SPECIAL,
        ),
        reference(
            "conditions.locations.includeLocations",
            &["namedLocation"],
            MatchBy::Id,
            CA_LOCATION_SPECIAL,
        ),
        reference(
            "conditions.locations.excludeLocations",
            &["namedLocation"],
            MatchBy::Id,
            CA_LOCATION_SPECIAL,
        ),
        reference(
            "conditions.clientApplications.includeServicePrincipals",
            &["servicePrincipal"],
            MatchBy::Id,
            CA_CLIENT_SPECIAL,
        ),
        reference(
            "conditions.clientApplications.excludeServicePrincipals",
            &["servicePrincipal"],
            MatchBy::Id,
            CA_CLIENT_SPECIAL,
        ),
        reference(
            "grantControls.authenticationStrength.id",
            &["authenticationStrengthPolicy"],
            MatchBy::Id,
            NO_SPECIAL,
        ),
    ],
    links: &[],
    ignored: &[],
    // Graph needs the type to tell "all external tenants" from an enumerated list.
    typed_paths: &[
        "conditions.users.includeGuestsOrExternalUsers.externalTenants",
        "conditions.users.excludeGuestsOrExternalUsers.externalTenants",
    ],
    polymorphic: false,
    delta: None,
    throttle: ThrottleClass::ConditionalAccess,
    soft_delete: SoftDelete::ConditionalAccess {
        segment: "policies",
    },
    write: writes(false),
    permissions: Permissions {
        read: &["Policy.Read.All"],
        write: &[
            "Policy.ReadWrite.ConditionalAccess",
            "Policy.Read.All",
            "Application.Read.All",
        ],
    },
    restore_rank: 160,
};

const NAMED_LOCATION: ObjectType = ObjectType {
    name: "namedLocation",
    display_name: "named location",
    api_version: ApiVersion::Beta,
    sources: &[collection("identity/conditionalAccess/namedLocations")],
    select: &[],
    natural_key: &["displayName"],
    volatile: &["modifiedDateTime"],
    read_only: &[
        "id",
        "createdDateTime",
        "modifiedDateTime",
        "deletedDateTime",
    ],
    set_arrays: &[
        set_by("ipRanges", "cidrAddress"),
        set("countriesAndRegions"),
    ],
    references: &[],
    links: &[],
    ignored: &[],
    // Each range says whether it is #microsoft.graph.iPv4CidrRange or iPv6CidrRange.
    typed_paths: &["ipRanges"],
    polymorphic: true,
    delta: None,
    throttle: ThrottleClass::ConditionalAccess,
    soft_delete: SoftDelete::ConditionalAccess {
        segment: "namedLocations",
    },
    write: writes(true),
    permissions: Permissions {
        read: &["Policy.Read.All"],
        write: &["Policy.ReadWrite.ConditionalAccess"],
    },
    restore_rank: 10,
};

const AUTHENTICATION_STRENGTH: ObjectType = ObjectType {
    name: "authenticationStrengthPolicy",
    display_name: "authentication strength",
    api_version: ApiVersion::V1,
    sources: &[collection("policies/authenticationStrengthPolicies")],
    select: &[],
    natural_key: &["displayName"],
    volatile: &["modifiedDateTime"],
    read_only: &[
        "id",
        "createdDateTime",
        "modifiedDateTime",
        "policyType",
        "requirementsSatisfied",
        "allowedCombinations",
        "combinationConfigurations",
    ],
    set_arrays: &[set("allowedCombinations")],
    references: &[],
    links: &[],
    ignored: &[],
    typed_paths: &[],
    polymorphic: false,
    delta: None,
    throttle: ThrottleClass::Directory,
    soft_delete: SoftDelete::None,
    // PATCH takes only displayName and description; built-in strengths are read-only.
    write: WriteRules {
        needs_odata_type: false,
        property_writes: &[PropertyWrite::Action {
            property: "allowedCombinations",
            action: "updateAllowedCombinations",
        }],
        create_only: &[],
    },
    permissions: Permissions {
        read: &["Policy.Read.All"],
        write: &["Policy.ReadWrite.ConditionalAccess"],
    },
    restore_rank: 20,
};

const AUTHENTICATION_CONTEXT: ObjectType = ObjectType {
    name: "authenticationContextClassReference",
    display_name: "authentication context",
    api_version: ApiVersion::V1,
    sources: &[collection(
        "identity/conditionalAccess/authenticationContextClassReferences",
    )],
    select: &[],
    // Ids are chosen by the admin (c1..c99) and are the key policies use.
    natural_key: &["id"],
    volatile: &[],
    read_only: &["id"],
    set_arrays: &[],
    references: &[],
    links: &[],
    ignored: &[],
    typed_paths: &[],
    polymorphic: false,
    delta: None,
    throttle: ThrottleClass::Directory,
    soft_delete: SoftDelete::None,
    write: writes(false),
    permissions: Permissions {
        read: &["Policy.Read.All"],
        write: &["Policy.ReadWrite.ConditionalAccess"],
    },
    restore_rank: 30,
};

const USER: ObjectType = ObjectType {
    name: "user",
    display_name: "user",
    api_version: ApiVersion::V1,
    sources: &[collection("users")],
    // `/users` returns a reduced default set, so everything is selected. Never
    // passwordProfile (write-only) or aboutMe & co. (item GET only: 501 on a list),
    // nor employeeLeaveDateTime (needs an extra lifecycle permission).
    select: &[
        "id",
        "accountEnabled",
        "ageGroup",
        "assignedLicenses",
        "businessPhones",
        "city",
        "companyName",
        "consentProvidedForMinor",
        "country",
        "createdDateTime",
        "creationType",
        "department",
        "displayName",
        "employeeHireDate",
        "employeeId",
        "employeeOrgData",
        "employeeType",
        "externalUserState",
        "externalUserStateChangeDateTime",
        "faxNumber",
        "givenName",
        "identities",
        "imAddresses",
        "isResourceAccount",
        "jobTitle",
        "lastPasswordChangeDateTime",
        "legalAgeGroupClassification",
        "mail",
        "mailNickname",
        "mobilePhone",
        "officeLocation",
        "onPremisesDistinguishedName",
        "onPremisesDomainName",
        "onPremisesExtensionAttributes",
        "onPremisesImmutableId",
        "onPremisesLastSyncDateTime",
        "onPremisesSamAccountName",
        "onPremisesSecurityIdentifier",
        "onPremisesSyncEnabled",
        "onPremisesUserPrincipalName",
        "otherMails",
        "passwordPolicies",
        "postalCode",
        "preferredDataLocation",
        "preferredLanguage",
        "proxyAddresses",
        "securityIdentifier",
        "showInAddressList",
        "signInSessionsValidFromDateTime",
        "state",
        "streetAddress",
        "surname",
        "usageLocation",
        "userPrincipalName",
        "userType",
    ],
    natural_key: &["userPrincipalName"],
    volatile: &[
        "lastPasswordChangeDateTime",
        "signInSessionsValidFromDateTime",
        "onPremisesLastSyncDateTime",
        "externalUserStateChangeDateTime",
    ],
    read_only: &[
        "id",
        "createdDateTime",
        "deletedDateTime",
        "creationType",
        "externalUserState",
        "externalUserStateChangeDateTime",
        "imAddresses",
        "lastPasswordChangeDateTime",
        "legalAgeGroupClassification",
        "onPremisesDistinguishedName",
        "onPremisesDomainName",
        "onPremisesLastSyncDateTime",
        "onPremisesSamAccountName",
        "onPremisesSecurityIdentifier",
        "onPremisesSyncEnabled",
        "onPremisesUserPrincipalName",
        "proxyAddresses",
        "securityIdentifier",
        "signInSessionsValidFromDateTime",
        // Licenses change through assignLicense, not PATCH.
        "assignedLicenses",
    ],
    set_arrays: &[
        set("businessPhones"),
        set("otherMails"),
        set("proxyAddresses"),
        set("imAddresses"),
        set("identities"),
        set_by("assignedLicenses", "skuId"),
        set("assignedLicenses.disabledPlans"),
    ],
    references: &[],
    links: &[Link {
        name: "manager",
        targets: &["user"],
        many: false,
    }],
    ignored: &[],
    typed_paths: &[],
    polymorphic: false,
    delta: Some(Delta {
        path: "users/delta",
        partition: Some("userPrincipalName"),
    }),
    throttle: ThrottleClass::Directory,
    soft_delete: SoftDelete::Directory { cast: "user" },
    write: writes(false),
    permissions: Permissions {
        read: &["User.Read.All"],
        write: &["User.ReadWrite.All"],
    },
    restore_rank: 40,
};

const GROUP: ObjectType = ObjectType {
    name: "group",
    display_name: "group",
    api_version: ApiVersion::V1,
    sources: &[collection("groups")],
    select: &[
        "id",
        "classification",
        "createdDateTime",
        "description",
        "displayName",
        "expirationDateTime",
        "groupTypes",
        "isAssignableToRole",
        "mail",
        "mailEnabled",
        "mailNickname",
        "membershipRule",
        "membershipRuleProcessingState",
        "onPremisesDomainName",
        "onPremisesLastSyncDateTime",
        "onPremisesSamAccountName",
        "onPremisesSecurityIdentifier",
        "onPremisesSyncEnabled",
        "preferredDataLocation",
        "preferredLanguage",
        "proxyAddresses",
        "renewedDateTime",
        "securityEnabled",
        "securityIdentifier",
        "theme",
        "visibility",
    ],
    natural_key: &["displayName"],
    // Renewal of an expiring Microsoft 365 group moves both dates.
    volatile: &[
        "renewedDateTime",
        "expirationDateTime",
        "onPremisesLastSyncDateTime",
    ],
    read_only: &[
        "id",
        "createdDateTime",
        "deletedDateTime",
        "expirationDateTime",
        "mail",
        "onPremisesDomainName",
        "onPremisesLastSyncDateTime",
        "onPremisesSamAccountName",
        "onPremisesSecurityIdentifier",
        "onPremisesSyncEnabled",
        "proxyAddresses",
        "renewedDateTime",
        "securityIdentifier",
    ],
    set_arrays: &[set("groupTypes"), set("proxyAddresses")],
    references: &[],
    links: &[
        Link {
            name: "members",
            targets: PRINCIPALS,
            many: true,
        },
        Link {
            name: "owners",
            targets: OWNERS,
            many: true,
        },
    ],
    ignored: &[],
    typed_paths: &[],
    polymorphic: false,
    delta: Some(Delta {
        path: "groups/delta",
        partition: None,
    }),
    throttle: ThrottleClass::Directory,
    soft_delete: SoftDelete::Directory { cast: "group" },
    // Role-assignable is fixed when the group is created.
    write: WriteRules {
        needs_odata_type: false,
        property_writes: &[],
        create_only: &["isAssignableToRole"],
    },
    permissions: Permissions {
        read: &["Group.Read.All"],
        write: &["Group.ReadWrite.All"],
    },
    restore_rank: 50,
};

const APPLICATION: ObjectType = ObjectType {
    name: "application",
    display_name: "app registration",
    api_version: ApiVersion::V1,
    sources: &[collection("applications")],
    select: &[
        "id",
        "addIns",
        "api",
        "appId",
        "applicationTemplateId",
        "appRoles",
        "authenticationBehaviors",
        "certification",
        "createdDateTime",
        "defaultRedirectUri",
        "description",
        "disabledByMicrosoftStatus",
        "displayName",
        "groupMembershipClaims",
        "identifierUris",
        "info",
        "isDeviceOnlyAuthSupported",
        "isFallbackPublicClient",
        "keyCredentials",
        "nativeAuthenticationApisEnabled",
        "notes",
        "optionalClaims",
        "parentalControlSettings",
        "passwordCredentials",
        "publicClient",
        "publisherDomain",
        "requestSignatureVerification",
        "requiredResourceAccess",
        "samlMetadataUrl",
        "serviceManagementReference",
        "servicePrincipalLockConfiguration",
        "signInAudience",
        "spa",
        "tags",
        "tokenEncryptionKeyId",
        "uniqueName",
        "verifiedPublisher",
        "web",
    ],
    natural_key: &["appId"],
    volatile: &[],
    read_only: &[
        "id",
        "appId",
        "createdDateTime",
        "deletedDateTime",
        "publisherDomain",
        "createdByAppId",
        "disabledByMicrosoftStatus",
        "certification",
        // Secrets only through addPassword/removePassword.
        "passwordCredentials",
        // Key material is never returned, so certificates cannot be written back.
        "keyCredentials",
    ],
    set_arrays: &[
        set("identifierUris"),
        set("tags"),
        set_by("passwordCredentials", "keyId"),
        set_by("keyCredentials", "keyId"),
        set_by("appRoles", "id"),
        set("appRoles.allowedMemberTypes"),
        set_by("addIns", "id"),
        set_by("api.oauth2PermissionScopes", "id"),
        set_by("api.preAuthorizedApplications", "appId"),
        set("api.preAuthorizedApplications.delegatedPermissionIds"),
        set("api.knownClientApplications"),
        set_by("requiredResourceAccess", "resourceAppId"),
        set_by("requiredResourceAccess.resourceAccess", "id"),
        set("web.redirectUris"),
        set("spa.redirectUris"),
        set("publicClient.redirectUris"),
    ],
    references: &[],
    links: &[Link {
        name: "owners",
        targets: OWNERS,
        many: true,
    }],
    ignored: &[],
    typed_paths: &[],
    polymorphic: false,
    delta: Some(Delta {
        path: "applications/delta",
        partition: None,
    }),
    throttle: ThrottleClass::Directory,
    soft_delete: SoftDelete::Directory {
        cast: "application",
    },
    write: WriteRules {
        needs_odata_type: false,
        property_writes: &[PropertyWrite::AddRemove {
            property: "passwordCredentials",
            add: "addPassword",
            remove: "removePassword",
        }],
        create_only: &[],
    },
    permissions: Permissions {
        read: &["Application.Read.All"],
        write: &["Application.ReadWrite.All"],
    },
    restore_rank: 60,
};

const SERVICE_PRINCIPAL: ObjectType = ObjectType {
    name: "servicePrincipal",
    display_name: "enterprise app (service principal)",
    api_version: ApiVersion::V1,
    sources: &[collection("servicePrincipals")],
    select: &[
        "id",
        "accountEnabled",
        "addIns",
        "alternativeNames",
        "appDescription",
        "appDisplayName",
        "appId",
        "applicationTemplateId",
        "appOwnerOrganizationId",
        "appRoleAssignmentRequired",
        "appRoles",
        "description",
        "disabledByMicrosoftStatus",
        "displayName",
        "homepage",
        "info",
        "keyCredentials",
        "loginUrl",
        "logoutUrl",
        "notes",
        "notificationEmailAddresses",
        "oauth2PermissionScopes",
        "passwordCredentials",
        "preferredSingleSignOnMode",
        "preferredTokenSigningKeyThumbprint",
        "replyUrls",
        "resourceSpecificApplicationPermissions",
        "samlSingleSignOnSettings",
        "servicePrincipalNames",
        "servicePrincipalType",
        "signInAudience",
        "tags",
        "tokenEncryptionKeyId",
        "verifiedPublisher",
    ],
    natural_key: &["appId"],
    volatile: &[],
    read_only: &[
        "id",
        "appDisplayName",
        "appOwnerOrganizationId",
        "deletedDateTime",
        "disabledByMicrosoftStatus",
        "servicePrincipalType",
        "signInAudience",
        "resourceSpecificApplicationPermissions",
        "passwordCredentials",
        "keyCredentials",
    ],
    set_arrays: &[
        set("servicePrincipalNames"),
        set("alternativeNames"),
        set("tags"),
        set("replyUrls"),
        set("notificationEmailAddresses"),
        set_by("appRoles", "id"),
        set("appRoles.allowedMemberTypes"),
        set_by("oauth2PermissionScopes", "id"),
        set_by("passwordCredentials", "keyId"),
        set_by("keyCredentials", "keyId"),
        set_by("addIns", "id"),
        set_by("resourceSpecificApplicationPermissions", "id"),
    ],
    // Most service principals belong to apps registered in other tenants.
    references: &[Reference {
        may_be_external: true,
        ..reference("appId", &["application"], MatchBy::AppId, NO_SPECIAL)
    }],
    links: &[Link {
        name: "owners",
        targets: OWNERS,
        many: true,
    }],
    ignored: &[],
    typed_paths: &[],
    polymorphic: false,
    delta: Some(Delta {
        path: "servicePrincipals/delta",
        partition: None,
    }),
    throttle: ThrottleClass::Directory,
    soft_delete: SoftDelete::Directory {
        cast: "servicePrincipal",
    },
    write: WriteRules {
        needs_odata_type: false,
        property_writes: &[PropertyWrite::AddRemove {
            property: "passwordCredentials",
            add: "addPassword",
            remove: "removePassword",
        }],
        // A service principal is created for an appId and keeps it.
        create_only: &["appId"],
    },
    permissions: Permissions {
        read: &["Application.Read.All"],
        write: &["Application.ReadWrite.All"],
    },
    restore_rank: 70,
};

const ADMINISTRATIVE_UNIT: ObjectType = ObjectType {
    name: "administrativeUnit",
    display_name: "administrative unit",
    api_version: ApiVersion::V1,
    sources: &[collection("directory/administrativeUnits")],
    select: &[
        "id",
        "description",
        "displayName",
        "isMemberManagementRestricted",
        "membershipRule",
        "membershipRuleProcessingState",
        "membershipType",
        "visibility",
    ],
    natural_key: &["displayName"],
    volatile: &[],
    read_only: &["id", "deletedDateTime"],
    set_arrays: &[],
    references: &[],
    links: &[Link {
        name: "members",
        targets: &["user", "group"],
        many: true,
    }],
    ignored: &[],
    typed_paths: &[],
    polymorphic: false,
    delta: Some(Delta {
        path: "administrativeUnits/delta",
        partition: None,
    }),
    throttle: ThrottleClass::Directory,
    soft_delete: SoftDelete::Directory {
        cast: "administrativeUnit",
    },
    // Restricted management is fixed when the unit is created.
    write: WriteRules {
        needs_odata_type: false,
        property_writes: &[],
        create_only: &["isMemberManagementRestricted"],
    },
    permissions: Permissions {
        read: &["AdministrativeUnit.Read.All"],
        write: &["AdministrativeUnit.ReadWrite.All"],
    },
    restore_rank: 80,
};

const ROLE_DEFINITION: ObjectType = ObjectType {
    name: "roleDefinition",
    display_name: "directory role definition",
    api_version: ApiVersion::V1,
    sources: &[collection("roleManagement/directory/roleDefinitions")],
    select: &[],
    natural_key: &["templateId"],
    volatile: &[],
    // Built-in definitions cannot be changed at all; restore skips them.
    read_only: &["id", "isBuiltIn"],
    set_arrays: &[
        set("resourceScopes"),
        set("rolePermissions.allowedResourceActions"),
        set("rolePermissions.excludedResourceActions"),
        set("rolePermissions"),
    ],
    references: &[],
    links: &[],
    ignored: &["inheritsPermissionsFrom"],
    typed_paths: &[],
    polymorphic: false,
    delta: None,
    throttle: ThrottleClass::Directory,
    soft_delete: SoftDelete::None,
    write: WriteRules {
        needs_odata_type: false,
        property_writes: &[],
        create_only: &["templateId"],
    },
    permissions: Permissions {
        read: &["RoleManagement.Read.Directory"],
        write: &["RoleManagement.ReadWrite.Directory"],
    },
    restore_rank: 90,
};

const ROLE_ASSIGNMENT: ObjectType = ObjectType {
    name: "roleAssignment",
    display_name: "directory role assignment",
    api_version: ApiVersion::V1,
    // Assignments cannot be changed, only created and deleted.
    sources: &[Source {
        patch: false,
        ..collection("roleManagement/directory/roleAssignments")
    }],
    select: &[],
    natural_key: &["principalId", "roleDefinitionId", "directoryScopeId"],
    volatile: &[],
    read_only: &["id"],
    set_arrays: &[],
    references: &[
        reference("principalId", PRINCIPALS, MatchBy::Id, NO_SPECIAL),
        reference(
            "roleDefinitionId",
            &["roleDefinition"],
            MatchBy::Id,
            NO_SPECIAL,
        ),
    ],
    links: &[],
    ignored: &[],
    typed_paths: &[],
    polymorphic: false,
    delta: None,
    throttle: ThrottleClass::Directory,
    soft_delete: SoftDelete::None,
    write: WriteRules {
        needs_odata_type: false,
        property_writes: &[],
        create_only: &[
            "principalId",
            "roleDefinitionId",
            "directoryScopeId",
            "appScopeId",
            "condition",
        ],
    },
    permissions: Permissions {
        read: &["RoleManagement.Read.Directory"],
        write: &["RoleManagement.ReadWrite.Directory"],
    },
    restore_rank: 100,
};

/// Delegated permission grants (consent): what a client app may do on behalf
/// of users at a resource API. Graph derives a grant's id from its client,
/// resource and principal (the emulator's `grants.rs` shows how), so the id is
/// the natural key and a grant created again comes back under its old id.
/// Only `scope` changes after creation (oauth2permissiongrant-update.md); no
/// soft delete (oauth2permissiongrant-delete.md).
const OAUTH2_PERMISSION_GRANT: ObjectType = ObjectType {
    name: "oAuth2PermissionGrant",
    display_name: "delegated permission grant",
    api_version: ApiVersion::V1,
    sources: &[collection("oauth2PermissionGrants")],
    // Every property: delta tracks only what is selected.
    select: &[
        "id",
        "clientId",
        "consentType",
        "principalId",
        "resourceId",
        "scope",
    ],
    natural_key: &["id"],
    volatile: &[],
    read_only: &["id"],
    set_arrays: &[],
    references: &[
        reference("clientId", &["servicePrincipal"], MatchBy::Id, NO_SPECIAL),
        reference("resourceId", &["servicePrincipal"], MatchBy::Id, NO_SPECIAL),
        reference("principalId", &["user"], MatchBy::Id, NO_SPECIAL),
    ],
    links: &[],
    ignored: &[],
    typed_paths: &[],
    polymorphic: false,
    // A tenant holds a grant per user and app: thousands, paged 100 at a
    // time as a list, so after the first read only the changes are asked for.
    delta: Some(Delta {
        path: "oauth2PermissionGrants/delta",
        partition: None,
    }),
    throttle: ThrottleClass::Directory,
    soft_delete: SoftDelete::None,
    write: WriteRules {
        needs_odata_type: false,
        property_writes: &[],
        create_only: &["clientId", "consentType", "principalId", "resourceId"],
    },
    permissions: Permissions {
        read: &["DelegatedPermissionGrant.Read.All"],
        write: &["DelegatedPermissionGrant.ReadWrite.All"],
    },
    restore_rank: 75,
};

const ORGANIZATION: ObjectType = ObjectType {
    name: "organization",
    display_name: "organization",
    api_version: ApiVersion::V1,
    sources: &[Source {
        create: false,
        ..collection("organization")
    }],
    select: &[],
    natural_key: &["id"],
    // The quota's `used` moves with every object created.
    volatile: &["onPremisesLastSyncDateTime", "directorySizeQuota"],
    read_only: &[
        "id",
        "assignedPlans",
        "businessPhones",
        "city",
        "country",
        "countryLetterCode",
        "createdDateTime",
        "deletedDateTime",
        "displayName",
        "onPremisesLastSyncDateTime",
        "onPremisesSyncEnabled",
        "postalCode",
        "preferredLanguage",
        "provisionedPlans",
        "state",
        "street",
        "tenantType",
        "verifiedDomains",
        "directorySizeQuota",
        "partnerTenantType",
    ],
    set_arrays: &[
        set("businessPhones"),
        set("marketingNotificationEmails"),
        set("technicalNotificationMails"),
        set("securityComplianceNotificationMails"),
        set("securityComplianceNotificationPhones"),
        set_by("verifiedDomains", "name"),
        set("assignedPlans"),
        set("provisionedPlans"),
    ],
    references: &[],
    links: &[],
    ignored: &[],
    typed_paths: &[],
    polymorphic: false,
    delta: None,
    throttle: ThrottleClass::Directory,
    soft_delete: SoftDelete::None,
    write: writes(false),
    permissions: Permissions {
        read: &["Organization.Read.All"],
        write: &["Organization.ReadWrite.All"],
    },
    restore_rank: 110,
};

const AUTHORIZATION_POLICY: ObjectType = ObjectType {
    name: "authorizationPolicy",
    display_name: "authorization policy",
    api_version: ApiVersion::V1,
    sources: &[singleton(
        "policies/authorizationPolicy",
        "authorizationPolicy",
    )],
    select: &[],
    natural_key: &["id"],
    volatile: &[],
    read_only: &["id"],
    set_arrays: &[set(
        "defaultUserRolePermissions.permissionGrantPoliciesAssigned",
    )],
    references: &[],
    links: &[],
    ignored: &[],
    typed_paths: &[],
    polymorphic: false,
    delta: None,
    throttle: ThrottleClass::Directory,
    soft_delete: SoftDelete::None,
    write: writes(false),
    permissions: Permissions {
        read: &["Policy.Read.All"],
        write: &["Policy.ReadWrite.Authorization"],
    },
    restore_rank: 120,
};

const METHOD_TARGETS: &[&str] = &["group", "user"];

const AUTHENTICATION_METHODS_POLICY: ObjectType = ObjectType {
    name: "authenticationMethodsPolicy",
    display_name: "authentication methods policy",
    api_version: ApiVersion::V1,
    sources: &[singleton(
        "policies/authenticationMethodsPolicy",
        "authenticationMethodsPolicy",
    )],
    select: &[],
    natural_key: &["id"],
    volatile: &["lastModifiedDateTime", "policyVersion"],
    read_only: &["id", "lastModifiedDateTime", "policyVersion"],
    set_arrays: &[
        set_by(
            "registrationEnforcement.authenticationMethodsRegistrationCampaign.includeTargets",
            "id",
        ),
        set_by(
            "registrationEnforcement.authenticationMethodsRegistrationCampaign.excludeTargets",
            "id",
        ),
        set_by("systemCredentialPreferences.includeTargets", "id"),
        set_by("systemCredentialPreferences.excludeTargets", "id"),
    ],
    references: &[
        reference(
            "registrationEnforcement.authenticationMethodsRegistrationCampaign.includeTargets.id",
            METHOD_TARGETS,
            MatchBy::Id,
            ALL_USERS,
        ),
        reference(
            "registrationEnforcement.authenticationMethodsRegistrationCampaign.excludeTargets.id",
            METHOD_TARGETS,
            MatchBy::Id,
            ALL_USERS,
        ),
        reference(
            "systemCredentialPreferences.includeTargets.id",
            METHOD_TARGETS,
            MatchBy::Id,
            ALL_USERS,
        ),
        reference(
            "systemCredentialPreferences.excludeTargets.id",
            METHOD_TARGETS,
            MatchBy::Id,
            ALL_USERS,
        ),
    ],
    links: &[],
    // The configurations are their own type (authenticationMethodConfiguration).
    ignored: &["authenticationMethodConfigurations"],
    typed_paths: &[],
    polymorphic: false,
    delta: None,
    throttle: ThrottleClass::Directory,
    soft_delete: SoftDelete::None,
    write: writes(false),
    permissions: Permissions {
        read: &["Policy.Read.All"],
        write: &["Policy.ReadWrite.AuthenticationMethod"],
    },
    restore_rank: 130,
};

const AUTHENTICATION_METHOD_CONFIGURATION: ObjectType = ObjectType {
    name: "authenticationMethodConfiguration",
    display_name: "authentication method configuration",
    api_version: ApiVersion::V1,
    // One per method (Fido2, Sms...); they exist in every tenant and are only changed.
    sources: &[Source {
        create: false,
        ..collection("policies/authenticationMethodsPolicy/authenticationMethodConfigurations")
    }],
    select: &[],
    natural_key: &["id"],
    volatile: &[],
    read_only: &["id"],
    set_arrays: &[
        set_by("includeTargets", "id"),
        set_by("excludeTargets", "id"),
        set("keyRestrictions.aaGuids"),
    ],
    references: &[
        reference("includeTargets.id", METHOD_TARGETS, MatchBy::Id, ALL_USERS),
        reference("excludeTargets.id", METHOD_TARGETS, MatchBy::Id, ALL_USERS),
    ],
    links: &[],
    ignored: &[],
    typed_paths: &[],
    polymorphic: true,
    delta: None,
    throttle: ThrottleClass::Directory,
    soft_delete: SoftDelete::None,
    write: writes(true),
    permissions: Permissions {
        read: &["Policy.Read.All"],
        write: &["Policy.ReadWrite.AuthenticationMethod"],
    },
    restore_rank: 140,
};

const CROSS_TENANT_ACCESS_POLICY: ObjectType = ObjectType {
    name: "crossTenantAccessPolicy",
    display_name: "cross-tenant access setting",
    api_version: ApiVersion::V1,
    // Three shapes under one type: the policy itself ("policy"), the default
    // settings ("default") and one configuration per partner tenant (its tenantId).
    sources: &[
        singleton("policies/crossTenantAccessPolicy", "policy"),
        Source {
            marker: Some("isServiceDefault"),
            ..singleton("policies/crossTenantAccessPolicy/default", "default")
        },
        Source {
            id_property: "tenantId",
            marker: Some("tenantId"),
            ..collection("policies/crossTenantAccessPolicy/partners")
        },
    ],
    select: &[],
    natural_key: &["tenantId"],
    volatile: &[],
    read_only: &["id", "isServiceDefault", "isInMultiTenantOrganization"],
    set_arrays: &[
        set("allowedCloudEndpoints"),
        set_by("b2bCollaborationInbound.usersAndGroups.targets", "target"),
        set_by("b2bCollaborationInbound.applications.targets", "target"),
        set_by("b2bCollaborationOutbound.usersAndGroups.targets", "target"),
        set_by("b2bCollaborationOutbound.applications.targets", "target"),
        set_by("b2bDirectConnectInbound.usersAndGroups.targets", "target"),
        set_by("b2bDirectConnectInbound.applications.targets", "target"),
        set_by("b2bDirectConnectOutbound.usersAndGroups.targets", "target"),
        set_by("b2bDirectConnectOutbound.applications.targets", "target"),
        set_by("tenantRestrictions.usersAndGroups.targets", "target"),
        set_by("tenantRestrictions.applications.targets", "target"),
    ],
    // Outbound settings name this tenant's users and groups; inbound ones name
    // the partner's, which are not ours to check.
    references: &[
        reference(
            "b2bCollaborationOutbound.usersAndGroups.targets.target",
            &["user", "group"],
            MatchBy::Id,
            CROSS_TENANT_SPECIAL,
        ),
        reference(
            "b2bDirectConnectOutbound.usersAndGroups.targets.target",
            &["user", "group"],
            MatchBy::Id,
            CROSS_TENANT_SPECIAL,
        ),
    ],
    links: &[],
    ignored: &["templates"],
    typed_paths: &[],
    polymorphic: false,
    delta: None,
    throttle: ThrottleClass::Directory,
    soft_delete: SoftDelete::None,
    write: WriteRules {
        needs_odata_type: false,
        property_writes: &[],
        create_only: &["tenantId"],
    },
    permissions: Permissions {
        read: &["Policy.Read.All"],
        write: &["Policy.ReadWrite.CrossTenantAccess"],
    },
    restore_rank: 150,
};

/// Every type, in the order docs/contracts.md lists them.
pub(super) static TYPES: &[ObjectType] = &[
    USER,
    GROUP,
    APPLICATION,
    SERVICE_PRINCIPAL,
    ADMINISTRATIVE_UNIT,
    ROLE_DEFINITION,
    ROLE_ASSIGNMENT,
    OAUTH2_PERMISSION_GRANT,
    CA_POLICY,
    NAMED_LOCATION,
    AUTHENTICATION_STRENGTH,
    AUTHENTICATION_CONTEXT,
    AUTHENTICATION_METHODS_POLICY,
    AUTHENTICATION_METHOD_CONFIGURATION,
    AUTHORIZATION_POLICY,
    CROSS_TENANT_ACCESS_POLICY,
    ORGANIZATION,
];
