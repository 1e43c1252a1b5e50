//! The first read of a big delta type: the collection listed in partitions,
//! side by side, with Graph's largest pages.
//!
//! A delta round pages at most 200 objects at a time, each page's link only
//! known from the one before: on a 10,000-user tenant that chain of 51
//! requests was the whole export's critical path. A first read instead:
//!
//! 1. takes the delta link for "now" (`$deltatoken=latest`) before reading
//!    anything, so every change made during or after the read comes back in
//!    the next round (one already read comes back too, which is harmless:
//!    the next round lays it over the stored object);
//! 2. plans partitions by the leading characters of one property every object
//!    has (the registry's `partition`, `userPrincipalName` for users), counted
//!    with `$count` under `ConsistencyLevel: eventual` in `$batch`: a prefix
//!    is split by its next character only where the parts add up exactly to
//!    the whole (a character outside the alphabet, or a value that ends at the
//!    prefix, leaves the prefix whole), so the partitions provably cover the
//!    collection;
//! 3. reads the partitions at the same time, 999 objects a page, with the
//!    type's single-valued link expanded (`manager`), written as the delta
//!    round would write it (`manager@delta`) so both reads store the same.
//!
//! Graph's `startswith` compares without regard to case, so one lower-case
//! alphabet covers every spelling.

use std::collections::HashSet;
use std::sync::Mutex;

use entrasnap_core::ObjectType;
use futures::stream::{self, TryStreamExt};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::batch::BatchRequest;
use crate::client::GraphClient;
use crate::delta::DeltaError;
use crate::error::Error;
use crate::request::Request;

/// Graph's largest page for directory collections (GRAPH-FACTS.md, "Paging").
const PAGE: u64 = 999;
/// A prefix with more objects than this many pages is split by its next
/// character: its pages would otherwise be the longest chain...
const SPLIT_ABOVE: u64 = 2 * PAGE;
/// ...unless its chain is no longer than a reader's share of the whole
/// anyway: splitting it would only add `$count` requests (a 100,000-user
/// tenant split down to 3,000 users a prefix took a thousand of them).
/// Prefixes go no longer than this (a few thousand partitions at most).
const MAX_PREFIX: usize = 3;
/// Partitions being read at once; the client's own concurrency limit, which
/// halves under throttling, still governs the requests.
const READERS: usize = 8;
/// The characters a partition prefix is built from: those a user principal
/// name may hold besides `@` (Entra allows letters, digits and
/// `' . - _ ! # ^ ~`). Others, or names that end at a prefix, show up as
/// parts that do not add up, and that prefix is then read whole.
const ALPHABET: &str = "abcdefghijklmnopqrstuvwxyz0123456789._-!#^~'";

/// How to read one type: where its collection and delta function are.
#[derive(Clone)]
pub(crate) struct Target {
    pub ty: &'static ObjectType,
    pub property: &'static str,
    /// `/v1.0/users`.
    pub collection: String,
    /// The delta URL a full round would start from (`/v1.0/users/delta?$select=...`).
    pub delta_url: String,
}

/// What a partitioned read found, besides the objects it handed on.
pub(crate) struct Partitioned {
    pub delta_link: String,
    /// The partitions read (1 when the collection was read whole).
    pub partitions: usize,
}

/// One prefix and how many objects start with it.
#[derive(Debug, Clone, PartialEq)]
struct Part {
    prefix: String,
    count: u64,
}

/// Reads `target` in partitions, handing each page's objects (as delta
/// entries, each id once) to `pages` as soon as it arrives, so they are
/// stored while the next pages are read. A full channel holds the readers
/// back: only a few pages are ever in memory.
pub(crate) async fn read(
    client: GraphClient,
    target: Target,
    pages: mpsc::Sender<Vec<Value>>,
) -> Result<Partitioned, DeltaError> {
    // The link first: the read that follows is then covered by it.
    let latest = format!(
        "{}{}$deltatoken=latest",
        target.delta_url,
        if target.delta_url.contains('?') {
            "&"
        } else {
            "?"
        }
    );
    let delta_link = client.delta(&latest).await?.delta_link;
    let parts = plan(&client, &target).await?;
    let partitions = parts.len();
    // A renamed object can show up in two partitions: the first copy
    // stands, and the delta link brings the rename.
    let seen: Mutex<HashSet<String>> = Mutex::new(HashSet::new());
    stream::iter(parts.into_iter().map(Ok::<_, DeltaError>))
        .try_for_each_concurrent(READERS, |part| {
            let (client, target, seen, pages) = (&client, &target, &seen, &pages);
            async move {
                let mut pager = client.pages(
                    Request::get(list_url(target, &part.prefix))
                        .permission(target.ty.permissions.read.join(" or ")),
                );
                while let Some(page) = pager.next_page().await? {
                    let fresh: Vec<Value> = {
                        let mut seen = seen.lock().unwrap_or_else(|e| e.into_inner());
                        page.values
                            .into_iter()
                            .map(|o| as_delta_entry(target.ty, o))
                            .filter(|e| match e.get("id").and_then(Value::as_str) {
                                Some(id) => seen.insert(id.to_string()),
                                None => true,
                            })
                            .collect()
                    };
                    // The receiver is gone only when storing failed; its
                    // error is the one reported.
                    if pages.send(fresh).await.is_err() {
                        return Ok(());
                    }
                }
                Ok(())
            }
        })
        .await?;
    Ok(Partitioned {
        delta_link,
        partitions,
    })
}

/// The partitions to read: prefixes split while their parts add up.
async fn plan(client: &GraphClient, target: &Target) -> Result<Vec<Part>, Error> {
    let Some(total) = count(client, target, &[String::new()]).await?[0] else {
        return Ok(vec![whole()]);
    };
    let mut done = Vec::new();
    let mut open = vec![Part {
        prefix: String::new(),
        count: total,
    }];
    let split_above = SPLIT_ABOVE.max(total / READERS as u64);
    while !open.is_empty() {
        let (split, keep): (Vec<Part>, Vec<Part>) = open
            .into_iter()
            .partition(|p| p.count > split_above && p.prefix.chars().count() < MAX_PREFIX);
        done.extend(keep);
        let children: Vec<String> = split
            .iter()
            .flat_map(|p| ALPHABET.chars().map(move |c| format!("{}{c}", p.prefix)))
            .collect();
        let counts = count(client, target, &children).await?;
        open = Vec::new();
        let per = ALPHABET.chars().count();
        for (i, parent) in split.into_iter().enumerate() {
            let parts: Option<Vec<Part>> = children[i * per..(i + 1) * per]
                .iter()
                .zip(&counts[i * per..(i + 1) * per])
                .map(|(prefix, n)| {
                    n.map(|count| Part {
                        prefix: prefix.clone(),
                        count,
                    })
                })
                .collect();
            match parts {
                Some(parts) if parts.iter().map(|p| p.count).sum::<u64>() == parent.count => {
                    open.extend(parts.into_iter().filter(|p| p.count > 0));
                }
                _ => {
                    tracing::debug!(
                        prefix = parent.prefix,
                        "partitions do not add up; the prefix is read whole"
                    );
                    done.push(parent);
                }
            }
        }
    }
    // The biggest first, so the last partition to finish is a small one.
    done.sort_by(|a, b| b.count.cmp(&a.count).then(a.prefix.cmp(&b.prefix)));
    Ok(done)
}

fn whole() -> Part {
    Part {
        prefix: String::new(),
        count: 0,
    }
}

/// `$count` of each prefix (the empty one is the whole collection), in
/// `$batch`; `None` where Graph did not answer with a count.
async fn count(
    client: &GraphClient,
    target: &Target,
    prefixes: &[String],
) -> Result<Vec<Option<u64>>, Error> {
    if prefixes.is_empty() {
        return Ok(Vec::new());
    }
    // `$top=1` with `$select=id`: one object per answer, the cheapest read
    // that carries `@odata.count` (a plain `/$count` answers text).
    let requests = prefixes
        .iter()
        .map(|prefix| {
            let mut url = format!("{}?$count=true&$top=1&$select=id", target.collection);
            if !prefix.is_empty() {
                url.push_str(&format!(
                    "&$filter={}",
                    starts_with(target.property, prefix)
                ));
            }
            BatchRequest::get(url).header("ConsistencyLevel", "eventual")
        })
        .collect();
    let answers = client.batch(requests).await?;
    Ok(answers
        .into_iter()
        .map(|a| {
            ((200..300).contains(&a.status))
                .then(|| a.body.get("@odata.count").and_then(Value::as_u64))
                .flatten()
        })
        .collect())
}

/// The OData filter for a prefix, ready for a URL: `'` doubled as OData
/// wants it, `#` and `^` percent-encoded (a `#` would end the URL's query).
fn starts_with(property: &str, prefix: &str) -> String {
    let literal = prefix
        .replace('\'', "''")
        .replace('#', "%23")
        .replace('^', "%5E");
    format!("startswith({property},'{literal}')")
}

/// One partition's first page: selected properties, the link expanded.
fn list_url(target: &Target, prefix: &str) -> String {
    let ty = target.ty;
    let mut url = format!(
        "{}?$top={PAGE}&$select={}",
        target.collection,
        ty.select.join(",")
    );
    if let Some(link) = ty.links.first() {
        url.push_str(&format!("&$expand={}($select=id)", link.name));
    }
    if !prefix.is_empty() {
        url.push_str(&format!(
            "&$filter={}",
            starts_with(target.property, prefix)
        ));
    }
    url
}

/// A listed object as a delta round's entry: the expanded link becomes
/// `<link>@delta` with the related id (absent when there is none, as a
/// delta round leaves an empty link out).
fn as_delta_entry(ty: &ObjectType, object: Value) -> Value {
    let Value::Object(mut obj) = object else {
        return object;
    };
    obj.remove("@odata.id");
    for link in ty.links {
        let related = obj.remove(link.name);
        if let Some(id) = related
            .as_ref()
            .and_then(|r| r.get("id"))
            .and_then(Value::as_str)
        {
            obj.insert(format!("{}@delta", link.name), json!([{ "id": id }]));
        }
    }
    Value::Object(obj)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listed_user_becomes_the_entry_a_delta_round_gives() {
        let ty = ObjectType::find("user").unwrap();
        let entry = as_delta_entry(
            ty,
            json!({"id": "u1", "displayName": "A", "manager": {"@odata.type": "#microsoft.graph.user", "id": "m1", "displayName": "M"}}),
        );
        assert_eq!(
            entry,
            json!({"id": "u1", "displayName": "A", "manager@delta": [{"id": "m1"}]})
        );
        let none = as_delta_entry(ty, json!({"id": "u2", "manager": null}));
        assert_eq!(none, json!({"id": "u2"}));
    }

    #[test]
    fn a_partition_lists_pages_of_999_with_the_link_expanded() {
        let ty = ObjectType::find("user").unwrap();
        let target = Target {
            ty,
            property: "userPrincipalName",
            collection: "/v1.0/users".into(),
            delta_url: String::new(),
        };
        let url = list_url(&target, "ab");
        assert!(url.starts_with("/v1.0/users?$top=999&$select=id,"), "{url}");
        assert!(
            url.ends_with(
                "&$expand=manager($select=id)&$filter=startswith(userPrincipalName,'ab')"
            ),
            "{url}"
        );
        assert!(!list_url(&target, "").contains("$filter"));
        assert_eq!(
            starts_with("userPrincipalName", "o'#^"),
            "startswith(userPrincipalName,'o''%23%5E')"
        );
    }

    async fn sim_with(users: usize, extra: &[&str]) -> (entrasnap_sim::Running, GraphClient) {
        use std::sync::Arc;
        let sim = entrasnap_sim::start(
            entrasnap_sim::Config {
                seed: entrasnap_sim::Seed::Small,
                users: Some(users),
                ..Default::default()
            },
            0,
        )
        .await
        .expect("emulator starts");
        let source = Arc::new(crate::auth::StaticToken::new(crate::Secret::new("t")));
        let client = GraphClient::new(crate::ClientOptions::new(sim.url(), source)).unwrap();
        let domain = sim.sim.read().domain.clone();
        for nick in extra {
            let r = client
                .send(&Request::post(
                    "/v1.0/users",
                    json!({
                        "accountEnabled": true, "displayName": nick, "mailNickname": "x",
                        "userPrincipalName": format!("{nick}@{domain}"),
                        "passwordProfile": {"password": "Xy!23456789abc"}
                    }),
                ))
                .await;
            assert!(r.is_ok(), "{nick}: {r:?}");
        }
        (sim, client)
    }

    fn users() -> Target {
        let ty = ObjectType::find("user").unwrap();
        Target {
            ty,
            property: "userPrincipalName",
            collection: "/v1.0/users".into(),
            delta_url: "/v1.0/users/delta?$select=id".into(),
        }
    }

    #[tokio::test]
    async fn partitions_cover_the_collection_exactly_and_stay_small() {
        // Names starting with each punctuation mark Entra allows, which the
        // filter must quote or percent-encode.
        let (sim, client) = sim_with(
            5000,
            &[
                "!bang", "#hash", "'quote", "o'neil", "^caret", "~tilde", "_low", "-dash",
            ],
        )
        .await;
        let total = sim.sim.read().count(entrasnap_sim::kind::Kind::User) as u64;
        let parts = plan(&client, &users()).await.unwrap();
        assert!(parts.len() > 1, "{parts:?}");
        assert_eq!(parts.iter().map(|p| p.count).sum::<u64>(), total);
        assert!(parts.iter().all(|p| p.count <= SPLIT_ABOVE), "{parts:?}");
        // Disjoint: no prefix is another's.
        for a in &parts {
            assert!(
                parts
                    .iter()
                    .all(|b| a == b || !b.prefix.starts_with(&a.prefix)),
                "{parts:?}"
            );
        }
    }

    #[tokio::test]
    async fn a_name_outside_the_alphabet_keeps_its_prefix_whole() {
        // '+' cannot start a user principal name in Entra, but if one did
        // (the emulator does not check), no partition would find it: the
        // collection is then read whole.
        assert_read_whole(5000, &["+plus"]).await;
    }

    #[tokio::test]
    async fn a_small_collection_is_one_unfiltered_read() {
        assert_read_whole(300, &[]).await;
    }

    /// The plan for such a tenant is the whole collection, unfiltered.
    async fn assert_read_whole(n: usize, extra: &[&str]) {
        let (sim, client) = sim_with(n, extra).await;
        let total = sim.sim.read().count(entrasnap_sim::kind::Kind::User) as u64;
        let parts = plan(&client, &users()).await.unwrap();
        assert_eq!(
            parts,
            [Part {
                prefix: String::new(),
                count: total
            }]
        );
    }
}
