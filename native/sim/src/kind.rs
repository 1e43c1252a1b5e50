//! The object kinds the emulator serves and what Graph says about each: where it
//! lives, its properties, which of them are read-only, how it is deleted and
//! whether it supports delta. Adding a kind is adding a row here.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Kind {
    User,
    Group,
    Application,
    ServicePrincipal,
    AdministrativeUnit,
    RoleDefinition,
    RoleAssignment,
    OAuth2PermissionGrant,
    ConditionalAccessPolicy,
    NamedLocation,
    AuthenticationStrengthPolicy,
    AuthenticationContextClassReference,
    AuthenticationMethodConfiguration,
    CrossTenantAccessPolicyPartner,
    Organization,
}

/// How a DELETE is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deletion {
    /// Moves to `/directory/deletedItems/microsoft.graph.<cast>` for 30 days.
    Directory,
    /// Moves to `/identity/conditionalAccess/deletedItems/<segment>`.
    ConditionalAccess,
    /// Gone at once.
    Hard,
    /// Cannot be deleted (405).
    Forbidden,
}

/// Which throttling budget a request draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThrottleClass {
    /// Identity and access resource-unit bucket.
    Directory,
    /// Conditional Access policies and named locations: 1 request/s per tenant.
    ConditionalAccess,
}

pub struct KindInfo {
    /// Graph's entity name (`user`), also the `@odata.type` suffix.
    pub entity: &'static str,
    /// Path segments of the collection under the version root.
    pub paths: &'static [&'static [&'static str]],
    /// `$metadata#...` context name of the collection.
    pub context: &'static str,
    /// Every property the kind has (top level); anything else is rejected.
    pub properties: &'static [&'static str],
    /// Properties returned without `$select` where Graph returns a reduced set (users).
    pub default_select: Option<&'static [&'static str]>,
    /// Properties that can be read only with an item GET, never listed (501 on a list).
    pub not_listable: &'static [&'static str],
    /// Properties the service sets; writing a different value is a 400.
    pub read_only: &'static [&'static str],
    /// Properties never returned on reads (write-only).
    pub write_only: &'static [&'static str],
    pub deletion: Deletion,
    pub delta: bool,
    /// Resource-unit cost of a GET (Graph's documented per-resource costs).
    pub read_cost: u32,
    pub throttle: ThrottleClass,
    /// Default and maximum page sizes.
    pub default_page: usize,
    pub max_page: usize,
    /// Is this a directory object (`/directoryObjects`, `$batch` getByIds, member of groups)?
    pub directory_object: bool,
    /// Relationships served as `/{id}/{rel}` and `/{id}/{rel}/$ref`.
    pub relations: &'static [Rel],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Rel {
    Members,
    Owners,
}

impl Rel {
    pub fn name(self) -> &'static str {
        match self {
            Rel::Members => "members",
            Rel::Owners => "owners",
        }
    }

    pub fn parse(s: &str) -> Option<Rel> {
        match s {
            "members" => Some(Rel::Members),
            "owners" => Some(Rel::Owners),
            _ => None,
        }
    }
}

const DIRECTORY_OBJECT_RO: &[&str] = &["id", "deletedDateTime"];

const USER_DEFAULT: &[&str] = &[
    "businessPhones",
    "displayName",
    "givenName",
    "id",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
];

pub const ALL: &[Kind] = &[
    Kind::User,
    Kind::Group,
    Kind::Application,
    Kind::ServicePrincipal,
    Kind::AdministrativeUnit,
    Kind::RoleDefinition,
    Kind::RoleAssignment,
    Kind::OAuth2PermissionGrant,
    Kind::ConditionalAccessPolicy,
    Kind::NamedLocation,
    Kind::AuthenticationStrengthPolicy,
    Kind::AuthenticationContextClassReference,
    Kind::AuthenticationMethodConfiguration,
    Kind::CrossTenantAccessPolicyPartner,
    Kind::Organization,
];

impl Kind {
    pub fn info(self) -> &'static KindInfo {
        match self {
            Kind::User => &USER,
            Kind::Group => &GROUP,
            Kind::Application => &APPLICATION,
            Kind::ServicePrincipal => &SERVICE_PRINCIPAL,
            Kind::AdministrativeUnit => &ADMINISTRATIVE_UNIT,
            Kind::RoleDefinition => &ROLE_DEFINITION,
            Kind::RoleAssignment => &ROLE_ASSIGNMENT,
            Kind::OAuth2PermissionGrant => &OAUTH2_PERMISSION_GRANT,
            Kind::ConditionalAccessPolicy => &CA_POLICY,
            Kind::NamedLocation => &NAMED_LOCATION,
            Kind::AuthenticationStrengthPolicy => &AUTH_STRENGTH,
            Kind::AuthenticationContextClassReference => &AUTH_CONTEXT,
            Kind::AuthenticationMethodConfiguration => &AUTH_METHOD_CONFIG,
            Kind::CrossTenantAccessPolicyPartner => &CROSS_TENANT_PARTNER,
            Kind::Organization => &ORGANIZATION,
        }
    }

    pub fn odata_type(self) -> String {
        format!("#microsoft.graph.{}", self.info().entity)
    }

    /// The kind whose `/directory/deletedItems/microsoft.graph.<cast>` this is.
    pub fn from_cast(cast: &str) -> Option<Kind> {
        let entity = cast
            .strip_prefix("microsoft.graph.")
            .or_else(|| cast.strip_prefix("graph."))?;
        ALL.iter()
            .copied()
            .find(|k| k.info().deletion == Deletion::Directory && k.info().entity == entity)
    }

    /// `identity/conditionalAccess/deletedItems/<segment>`.
    pub fn from_ca_deleted_segment(segment: &str) -> Option<Kind> {
        match segment {
            "policies" => Some(Kind::ConditionalAccessPolicy),
            "namedLocations" => Some(Kind::NamedLocation),
            _ => None,
        }
    }

    pub fn ca_deleted_segment(self) -> &'static str {
        match self {
            Kind::NamedLocation => "namedLocations",
            _ => "policies",
        }
    }
}

static USER: KindInfo = KindInfo {
    entity: "user",
    paths: &[&["users"]],
    context: "users",
    properties: &[
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
        "deletedDateTime",
        "department",
        "displayName",
        "employeeHireDate",
        "employeeId",
        "employeeLeaveDateTime",
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
        "passwordProfile",
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
        // Readable only on an item GET.
        "aboutMe",
        "birthday",
        "hireDate",
        "interests",
        "mySite",
        "pastProjects",
        "preferredName",
        "responsibilities",
        "schools",
        "skills",
    ],
    default_select: Some(USER_DEFAULT),
    not_listable: &[
        "aboutMe",
        "birthday",
        "hireDate",
        "interests",
        "mySite",
        "pastProjects",
        "preferredName",
        "responsibilities",
        "schools",
        "skills",
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
        "assignedLicenses",
    ],
    write_only: &["passwordProfile"],
    deletion: Deletion::Directory,
    delta: true,
    read_cost: 2,
    throttle: ThrottleClass::Directory,
    default_page: 100,
    max_page: 999,
    directory_object: true,
    relations: &[],
};

static GROUP: KindInfo = KindInfo {
    entity: "group",
    paths: &[&["groups"]],
    context: "groups",
    properties: &[
        "id",
        "classification",
        "createdDateTime",
        "deletedDateTime",
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
    default_select: None,
    not_listable: &[],
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
    write_only: &[],
    deletion: Deletion::Directory,
    delta: true,
    read_cost: 1,
    throttle: ThrottleClass::Directory,
    default_page: 100,
    max_page: 999,
    directory_object: true,
    relations: &[Rel::Members, Rel::Owners],
};

static APPLICATION: KindInfo = KindInfo {
    entity: "application",
    paths: &[&["applications"]],
    context: "applications",
    properties: &[
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
        "deletedDateTime",
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
    default_select: None,
    not_listable: &[],
    read_only: &[
        "id",
        "appId",
        "createdDateTime",
        "deletedDateTime",
        "publisherDomain",
        "disabledByMicrosoftStatus",
        "passwordCredentials",
        "certification",
    ],
    write_only: &[],
    deletion: Deletion::Directory,
    delta: true,
    read_cost: 2,
    throttle: ThrottleClass::Directory,
    default_page: 100,
    max_page: 999,
    directory_object: true,
    relations: &[Rel::Owners],
};

static SERVICE_PRINCIPAL: KindInfo = KindInfo {
    entity: "servicePrincipal",
    paths: &[&["servicePrincipals"]],
    context: "servicePrincipals",
    properties: &[
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
        "deletedDateTime",
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
    default_select: None,
    not_listable: &[],
    read_only: &[
        "id",
        "appDisplayName",
        "appOwnerOrganizationId",
        "deletedDateTime",
        "disabledByMicrosoftStatus",
        "passwordCredentials",
        "servicePrincipalType",
        "signInAudience",
        "resourceSpecificApplicationPermissions",
    ],
    write_only: &[],
    deletion: Deletion::Directory,
    delta: true,
    read_cost: 1,
    throttle: ThrottleClass::Directory,
    default_page: 100,
    max_page: 999,
    directory_object: true,
    relations: &[Rel::Owners],
};

static ADMINISTRATIVE_UNIT: KindInfo = KindInfo {
    entity: "administrativeUnit",
    paths: &[
        &["directory", "administrativeUnits"],
        &["administrativeUnits"],
    ],
    context: "directory/administrativeUnits",
    properties: &[
        "id",
        "deletedDateTime",
        "description",
        "displayName",
        "isMemberManagementRestricted",
        "membershipRule",
        "membershipRuleProcessingState",
        "membershipType",
        "visibility",
    ],
    default_select: None,
    not_listable: &[],
    read_only: DIRECTORY_OBJECT_RO,
    write_only: &[],
    deletion: Deletion::Directory,
    delta: true,
    read_cost: 1,
    throttle: ThrottleClass::Directory,
    default_page: 100,
    max_page: 999,
    directory_object: true,
    relations: &[Rel::Members],
};

static ROLE_DEFINITION: KindInfo = KindInfo {
    entity: "unifiedRoleDefinition",
    paths: &[&["roleManagement", "directory", "roleDefinitions"]],
    context: "roleManagement/directory/roleDefinitions",
    properties: &[
        "id",
        "description",
        "displayName",
        "isBuiltIn",
        "isEnabled",
        "resourceScopes",
        "rolePermissions",
        "templateId",
        "version",
    ],
    default_select: None,
    not_listable: &[],
    read_only: &["id", "isBuiltIn"],
    write_only: &[],
    deletion: Deletion::Hard,
    delta: false,
    read_cost: 1,
    throttle: ThrottleClass::Directory,
    default_page: 999,
    max_page: 999,
    directory_object: false,
    relations: &[],
};

static ROLE_ASSIGNMENT: KindInfo = KindInfo {
    entity: "unifiedRoleAssignment",
    paths: &[&["roleManagement", "directory", "roleAssignments"]],
    context: "roleManagement/directory/roleAssignments",
    properties: &[
        "id",
        "appScopeId",
        "condition",
        "directoryScopeId",
        "principalId",
        "roleDefinitionId",
    ],
    default_select: None,
    not_listable: &[],
    read_only: &["id"],
    write_only: &[],
    deletion: Deletion::Hard,
    delta: false,
    read_cost: 1,
    throttle: ThrottleClass::Directory,
    default_page: 100,
    max_page: 999,
    directory_object: false,
    relations: &[],
};

/// Delegated permission grants: no soft delete (microsoft-graph-docs-contrib
/// `oauth2permissiongrant-delete.md`), 2 resource units per GET (Graph's
/// throttling guidance, "oauth2PermissionGrants"), delta queries
/// (`oauth2permissiongrant-delta.md`, v1.0).
static OAUTH2_PERMISSION_GRANT: KindInfo = KindInfo {
    entity: "oAuth2PermissionGrant",
    paths: &[&["oauth2PermissionGrants"]],
    context: "oauth2PermissionGrants",
    properties: &[
        "id",
        "clientId",
        "consentType",
        "principalId",
        "resourceId",
        "scope",
    ],
    default_select: None,
    not_listable: &[],
    read_only: &["id"],
    write_only: &[],
    deletion: Deletion::Hard,
    delta: true,
    read_cost: 2,
    throttle: ThrottleClass::Directory,
    default_page: 100,
    max_page: 999,
    directory_object: false,
    relations: &[],
};

static CA_POLICY: KindInfo = KindInfo {
    entity: "conditionalAccessPolicy",
    paths: &[&["identity", "conditionalAccess", "policies"]],
    context: "identity/conditionalAccess/policies",
    properties: &[
        "id",
        "conditions",
        "createdDateTime",
        "deletedDateTime",
        "description",
        "displayName",
        "grantControls",
        "modifiedDateTime",
        "partialEnablementStrategy",
        "sessionControls",
        "state",
        "templateId",
    ],
    default_select: None,
    not_listable: &[],
    read_only: &[
        "id",
        "createdDateTime",
        "modifiedDateTime",
        "deletedDateTime",
        "templateId",
    ],
    write_only: &[],
    deletion: Deletion::ConditionalAccess,
    delta: false,
    read_cost: 1,
    throttle: ThrottleClass::ConditionalAccess,
    default_page: 100,
    max_page: 999,
    directory_object: false,
    relations: &[],
};

static NAMED_LOCATION: KindInfo = KindInfo {
    entity: "namedLocation",
    paths: &[&["identity", "conditionalAccess", "namedLocations"]],
    context: "identity/conditionalAccess/namedLocations",
    properties: &[
        "id",
        "countriesAndRegions",
        "countryLookupMethod",
        "createdDateTime",
        "deletedDateTime",
        "displayName",
        "includeUnknownCountriesAndRegions",
        "ipRanges",
        "isTrusted",
        "modifiedDateTime",
    ],
    default_select: None,
    not_listable: &[],
    read_only: &[
        "id",
        "createdDateTime",
        "modifiedDateTime",
        "deletedDateTime",
    ],
    write_only: &[],
    deletion: Deletion::ConditionalAccess,
    delta: false,
    read_cost: 1,
    throttle: ThrottleClass::ConditionalAccess,
    default_page: 100,
    max_page: 999,
    directory_object: false,
    relations: &[],
};

static AUTH_STRENGTH: KindInfo = KindInfo {
    entity: "authenticationStrengthPolicy",
    paths: &[
        &[
            "identity",
            "conditionalAccess",
            "authenticationStrength",
            "policies",
        ],
        &["policies", "authenticationStrengthPolicies"],
    ],
    context: "identity/conditionalAccess/authenticationStrength/policies",
    properties: &[
        "id",
        "allowedCombinations",
        "createdDateTime",
        "description",
        "displayName",
        "modifiedDateTime",
        "policyType",
        "requirementsSatisfied",
    ],
    default_select: None,
    not_listable: &[],
    read_only: &[
        "id",
        "createdDateTime",
        "modifiedDateTime",
        "policyType",
        "requirementsSatisfied",
        "allowedCombinations",
    ],
    write_only: &[],
    deletion: Deletion::Hard,
    delta: false,
    read_cost: 1,
    throttle: ThrottleClass::Directory,
    default_page: 100,
    max_page: 999,
    directory_object: false,
    relations: &[],
};

static AUTH_CONTEXT: KindInfo = KindInfo {
    entity: "authenticationContextClassReference",
    paths: &[&[
        "identity",
        "conditionalAccess",
        "authenticationContextClassReferences",
    ]],
    context: "identity/conditionalAccess/authenticationContextClassReferences",
    properties: &["id", "description", "displayName", "isAvailable"],
    default_select: None,
    not_listable: &[],
    read_only: &[],
    write_only: &[],
    deletion: Deletion::Hard,
    delta: false,
    read_cost: 1,
    throttle: ThrottleClass::Directory,
    default_page: 100,
    max_page: 999,
    directory_object: false,
    relations: &[],
};

static AUTH_METHOD_CONFIG: KindInfo = KindInfo {
    entity: "authenticationMethodConfiguration",
    paths: &[&[
        "policies",
        "authenticationMethodsPolicy",
        "authenticationMethodConfigurations",
    ]],
    context: "policies/authenticationMethodsPolicy/authenticationMethodConfigurations",
    // Method-specific properties vary by @odata.type; checked against the stored shape.
    properties: &[],
    default_select: None,
    not_listable: &[],
    read_only: &["id"],
    write_only: &[],
    deletion: Deletion::Forbidden,
    delta: false,
    read_cost: 1,
    throttle: ThrottleClass::Directory,
    default_page: 100,
    max_page: 999,
    directory_object: false,
    relations: &[],
};

static CROSS_TENANT_PARTNER: KindInfo = KindInfo {
    entity: "crossTenantAccessPolicyConfigurationPartner",
    paths: &[&["policies", "crossTenantAccessPolicy", "partners"]],
    context: "policies/crossTenantAccessPolicy/partners",
    properties: &[
        "tenantId",
        "automaticUserConsentSettings",
        "b2bCollaborationInbound",
        "b2bCollaborationOutbound",
        "b2bDirectConnectInbound",
        "b2bDirectConnectOutbound",
        "identitySynchronization",
        "inboundTrust",
        "isInMultiTenantOrganization",
        "isServiceProvider",
        "tenantRestrictions",
    ],
    default_select: None,
    not_listable: &[],
    read_only: &["tenantId", "isInMultiTenantOrganization"],
    write_only: &[],
    deletion: Deletion::Hard,
    delta: false,
    read_cost: 1,
    throttle: ThrottleClass::Directory,
    default_page: 100,
    max_page: 999,
    directory_object: false,
    relations: &[],
};

static ORGANIZATION: KindInfo = KindInfo {
    entity: "organization",
    paths: &[&["organization"]],
    context: "organization",
    // Checked against the stored shape: the tenant's organization object is fixed.
    properties: &[],
    default_select: None,
    not_listable: &[],
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
    ],
    write_only: &[],
    deletion: Deletion::Forbidden,
    delta: false,
    read_cost: 1,
    throttle: ThrottleClass::Directory,
    default_page: 100,
    max_page: 999,
    directory_object: false,
    relations: &[],
};
