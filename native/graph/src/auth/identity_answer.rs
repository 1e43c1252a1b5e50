//! Reading a managed identity endpoint's answer. Endpoints disagree on how
//! they say when the token expires: `expires_on` as epoch seconds in a
//! string (IMDS, App Service 2019) or a number, as a date string
//! (`12/02/2026 05:40:17 +00:00`, App Service 2017 and Cloud Shell), or
//! only `expires_in`. Azure.Identity accepts exactly these and refuses an
//! answer without either field, or with epoch milliseconds; so do we, since
//! a token of unknown lifetime cannot be renewed in time.

use std::time::{Duration, SystemTime};

use chrono::DateTime;
use serde_json::Value;

use super::AccessToken;
use crate::error::{Error, Result};

/// Epoch seconds beyond this (the year 5138) can only be milliseconds.
const LARGEST_EPOCH_SECONDS: u64 = 100_000_000_000;

/// The date forms endpoints send: .NET's `DateTimeOffset` in the invariant
/// culture, 24-hour and 12-hour, and RFC 3339.
const DATE_FORMATS: &[&str] = &[
    "%m/%d/%Y %H:%M:%S %:z",
    "%m/%d/%Y %H:%M:%S %z",
    "%m/%d/%Y %I:%M:%S %p %:z",
    "%m/%d/%Y %I:%M:%S %p %z",
];

/// The token in `body`, an answer that arrived at `now`. `who` names the
/// endpoint in errors.
pub(crate) fn parse(body: &Value, now: SystemTime, who: &str) -> Result<AccessToken> {
    let token = body
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Error::auth(format!("{who} answered without an access_token")))?;
    let expires = match (body.get("expires_on"), body.get("expires_in")) {
        (Some(on), _) if !on.is_null() => expires_on(on)
            .map_err(|why| Error::auth(format!("{who} answered an unusable expires_on: {why}")))?,
        (_, Some(within)) if !within.is_null() => {
            let seconds = seconds(within).ok_or_else(|| {
                Error::auth(format!(
                    "{who} answered an unusable expires_in: {within} is not a number of seconds"
                ))
            })?;
            now + Duration::from_secs(seconds)
        }
        _ => {
            return Err(Error::auth(format!(
                "{who} answered without expires_on or expires_in, so the token's lifetime is unknown"
            )));
        }
    };
    Ok(AccessToken::new(token, Some(expires)))
}

/// A whole number of seconds, as a JSON number or a string of digits.
fn seconds(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn expires_on(value: &Value) -> std::result::Result<SystemTime, String> {
    if let Some(epoch) = seconds(value) {
        if epoch > LARGEST_EPOCH_SECONDS {
            return Err(format!("{epoch} is epoch milliseconds, not seconds"));
        }
        return Ok(SystemTime::UNIX_EPOCH + Duration::from_secs(epoch));
    }
    let Value::String(text) = value else {
        return Err(format!("{value} is neither epoch seconds nor a date"));
    };
    let text = text.trim();
    let date = DATE_FORMATS
        .iter()
        .find_map(|format| DateTime::parse_from_str(text, format).ok())
        .or_else(|| DateTime::parse_from_rfc3339(text).ok())
        .ok_or_else(|| format!("'{text}' is neither epoch seconds nor a date"))?;
    let epoch = u64::try_from(date.timestamp()).map_err(|_| format!("'{text}' is before 1970"))?;
    Ok(SystemTime::UNIX_EPOCH + Duration::from_secs(epoch))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn at(epoch: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(epoch)
    }

    fn expiry(body: Value) -> Result<Option<SystemTime>> {
        parse(&body, at(1_000), "the endpoint").map(|t| t.expires_on())
    }

    #[test]
    fn every_form_endpoints_send() {
        // 2026-12-02T05:40:17Z
        let when = Some(at(1_796_190_017));
        assert_eq!(
            expiry(json!({"access_token":"a","expires_on":"1796190017"})).unwrap(),
            when
        );
        assert_eq!(
            expiry(json!({"access_token":"a","expires_on":1796190017})).unwrap(),
            when
        );
        assert_eq!(
            expiry(json!({"access_token":"a","expires_on":"12/02/2026 05:40:17 +00:00"})).unwrap(),
            when
        );
        assert_eq!(
            expiry(json!({"access_token":"a","expires_on":"12/02/2026 06:40:17 +01:00"})).unwrap(),
            when
        );
        assert_eq!(
            expiry(json!({"access_token":"a","expires_on":"12/02/2026 5:40:17 AM +00:00"}))
                .unwrap(),
            when
        );
        assert_eq!(
            expiry(json!({"access_token":"a","expires_in":"3600"})).unwrap(),
            Some(at(4_600))
        );
        assert_eq!(
            expiry(json!({"access_token":"a","expires_in":3600,"token_type":"Bearer"})).unwrap(),
            Some(at(4_600))
        );
    }

    #[test]
    fn answers_without_a_usable_lifetime_are_refused() {
        let e = expiry(json!({"access_token":"a","token_type":"Bearer"})).unwrap_err();
        assert_eq!(
            e.to_string(),
            "authentication failed: the endpoint answered without expires_on or expires_in, so the token's lifetime is unknown"
        );
        let e = expiry(json!({"access_token":"a","expires_on":"1796190017000"})).unwrap_err();
        assert_eq!(
            e.to_string(),
            "authentication failed: the endpoint answered an unusable expires_on: 1796190017000 is epoch milliseconds, not seconds"
        );
        let e = expiry(json!({"access_token":"a","expires_on":"tomorrow"})).unwrap_err();
        assert!(
            e.to_string()
                .contains("'tomorrow' is neither epoch seconds nor a date"),
            "{e}"
        );
        let e = expiry(json!({"expires_in":1})).unwrap_err();
        assert_eq!(
            e.to_string(),
            "authentication failed: the endpoint answered without an access_token"
        );
    }
}
