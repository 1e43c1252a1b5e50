//! EntraSnapshot Microsoft Graph client: auth, paging, delta, $batch, throttling.
