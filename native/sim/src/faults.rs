//! Scripted faults (`POST /_sim/faults`): a list of rules, each picking
//! requests by method and path and acting on a counted window of them, so a
//! test injects exactly the fault it means at exactly the request it means
//! (the 5th page, the 3rd write) instead of hoping a random rate or a sleep
//! lands there.
//!
//! ```json
//! {"rules": [{"kind": "throttle", "path": "/users", "after": 2, "count": 30}]}
//! ```
//!
//! A rule's `after` skips that many matching requests; `count` is how many
//! it then acts on (all later ones when absent). Every rule counts its own
//! matches; the first rule ready to act on a request acts on it (the others
//! keep their count for later requests).

use std::sync::Mutex;
use std::time::Duration;

use base64::Engine;
use serde::{Deserialize, Serialize};

/// What a rule does to the requests it acts on.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "kind"
)]
pub enum Action {
    /// 429 TooManyRequests, with `Retry-After` (seconds, fractional) when given.
    Throttle {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<f64>,
    },
    /// A 5xx (or any) error answer, before the service does anything.
    Status { status: u16 },
    /// The connection drops before an answer.
    Drop,
    /// The request is served (a write applies), then the connection drops mid-body.
    BreakBody,
    /// The request is served, then a 200 whose JSON is cut in half.
    Truncate,
    /// The request is served, then a 200 whose body is not JSON at all.
    Garble,
    /// Wait before serving (default: two minutes, longer than any client waits).
    Slow {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        delay_ms: Option<u64>,
    },
    /// Every bearer token seen so far expires; this request is answered 401.
    ExpireTokens,
    /// A collection page whose `@odata.nextLink` is the page itself.
    SelfLink,
    /// This body instead of the service's answer (`body`, or `bodyBase64` for
    /// bytes that are not UTF-8), with `status` (200) and `contentType` (JSON).
    Body {
        #[serde(default = "ok")]
        status: u16,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content_type: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body_base64: Option<String>,
    },
    /// Park the request until `POST /_sim/release` (kill tests: the client is
    /// stopped at a known request; `held` in `/_sim/stats` counts the parked).
    Hold,
}

fn ok() -> u16 {
    200
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    #[serde(flatten)]
    pub action: Action,
    /// Exact HTTP method (any when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// A substring of the path after the version root, e.g. `/users` (any when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Only writes (POST, PATCH, PUT, DELETE; a `$batch` holding at least one),
    /// or only reads (`false`); either when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub writes: Option<bool>,
    #[serde(default)]
    pub after: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// Matching requests so far (reported by `GET /_sim/faults`).
    #[serde(default)]
    pub seen: u64,
    /// Requests this rule acted on.
    #[serde(default)]
    pub hits: u64,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Script {
    pub rules: Vec<Rule>,
}

impl Script {
    /// A script as posted; refuses what would silently never fire.
    pub fn parse(bytes: &[u8]) -> Result<Script, String> {
        let script: Script = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        for (i, rule) in script.rules.iter().enumerate() {
            if let Action::Body {
                body, body_base64, ..
            } = &rule.action
            {
                if body.is_some() == body_base64.is_some() {
                    return Err(format!("rule {i}: a body rule needs body or bodyBase64"));
                }
                if let Some(b) = body_base64 {
                    base64::engine::general_purpose::STANDARD
                        .decode(b)
                        .map_err(|e| format!("rule {i}: bodyBase64: {e}"))?;
                }
            }
            if rule.count == Some(0) {
                return Err(format!("rule {i}: count 0 never acts"));
            }
        }
        Ok(script)
    }
}

/// The script in force and the requests parked by `hold`.
pub struct Faults {
    script: Mutex<Script>,
    held: Mutex<u64>,
    /// Bumped by every release; a parked request waits for the next bump.
    releases: tokio::sync::watch::Sender<u64>,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            script: Mutex::default(),
            held: Mutex::default(),
            releases: tokio::sync::watch::channel(0).0,
        }
    }
}

/// Counts a parked request, also when its client goes away (the future is dropped).
struct Parked<'a>(&'a Mutex<u64>);

impl Drop for Parked<'_> {
    fn drop(&mut self) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) -= 1;
    }
}

impl Faults {
    pub fn set(&self, script: Script) {
        *self.script.lock().unwrap_or_else(|e| e.into_inner()) = script;
    }

    pub fn script(&self) -> Script {
        self.script
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The action for this request, if a rule's window holds it.
    pub fn pick(&self, method: &str, path: &str, write: bool) -> Option<Action> {
        let mut script = self.script.lock().unwrap_or_else(|e| e.into_inner());
        let mut picked = None;
        for rule in &mut script.rules {
            let matches = rule.method.as_deref().is_none_or(|m| m == method)
                && rule.path.as_deref().is_none_or(|p| path.contains(p))
                && rule.writes.is_none_or(|w| w == write);
            if !matches {
                continue;
            }
            rule.seen += 1;
            // `count` counts the requests acted on: a request another rule
            // took first does not use up this rule's window.
            let in_window = rule.seen > rule.after && rule.count.is_none_or(|c| rule.hits < c);
            if in_window && picked.is_none() {
                rule.hits += 1;
                picked = Some(rule.action.clone());
            }
        }
        picked
    }

    /// Requests parked right now.
    pub fn held(&self) -> u64 {
        *self.held.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Parks until the next `release` (and is counted in `held` meanwhile).
    pub async fn hold(&self) {
        let mut releases = self.releases.subscribe();
        *self.held.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        let _parked = Parked(&self.held);
        let _ = releases.changed().await;
    }

    /// Lets every parked request go, and removes the hold rules.
    pub fn release(&self) {
        self.script
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .rules
            .retain(|r| r.action != Action::Hold);
        self.releases.send_modify(|n| *n += 1);
    }
}

/// How long `slow` waits when the rule names no delay.
pub const DEFAULT_SLOW: Duration = Duration::from_secs(120);

/// The bytes of a `body` rule.
pub fn body_bytes(body: &Option<String>, body_base64: &Option<String>) -> Vec<u8> {
    match (body, body_base64) {
        (Some(text), _) => text.clone().into_bytes(),
        (None, Some(b)) => base64::engine::general_purpose::STANDARD
            .decode(b)
            .unwrap_or_default(),
        (None, None) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_count_per_rule_and_the_first_in_window_acts() {
        let f = Faults::default();
        f.set(
            Script::parse(
                br#"{"rules":[
                    {"kind":"drop","path":"/users","after":1,"count":2},
                    {"kind":"status","status":503,"method":"GET"}
                ]}"#,
            )
            .unwrap(),
        );
        let picks: Vec<_> = (0..4).map(|_| f.pick("GET", "/users", false)).collect();
        assert_eq!(
            picks,
            [
                Some(Action::Status { status: 503 }),
                Some(Action::Drop),
                Some(Action::Drop),
                Some(Action::Status { status: 503 }),
            ]
        );
        assert_eq!(f.pick("POST", "/groups", true), None);
        let s = f.script();
        assert_eq!((s.rules[0].seen, s.rules[0].hits), (4, 2));
    }

    #[test]
    fn fields_are_camel_case_as_documented() {
        let s = Script::parse(
            br#"{"rules":[
                {"kind":"throttle","retryAfter":0.05},
                {"kind":"slow","delayMs":200},
                {"kind":"body","status":502,"contentType":"text/html","bodyBase64":"PGh0bWw+"}
            ]}"#,
        )
        .unwrap();
        assert_eq!(
            s.rules[0].action,
            Action::Throttle {
                retry_after: Some(0.05)
            }
        );
        assert_eq!(
            s.rules[1].action,
            Action::Slow {
                delay_ms: Some(200)
            }
        );
        let Action::Body {
            status,
            content_type,
            body,
            body_base64,
        } = &s.rules[2].action
        else {
            panic!("a body rule")
        };
        assert_eq!((*status, content_type.as_deref()), (502, Some("text/html")));
        assert_eq!(body_bytes(body, body_base64), b"<html>");
    }

    #[test]
    fn a_rule_that_can_never_act_is_refused() {
        assert!(Script::parse(br#"{"rules":[{"kind":"drop","count":0}]}"#).is_err());
        assert!(Script::parse(br#"{"rules":[{"kind":"body"}]}"#).is_err());
        assert!(Script::parse(br#"{"rules":[{"kind":"unicorn"}]}"#).is_err());
    }
}
