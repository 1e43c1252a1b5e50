//! Delta queries (users, groups, applications, service principals,
//! administrative units). A round pages with `$skiptoken` until a response
//! carries `@odata.deltaLink`; the next round returns what changed since.
//!
//! Tokens are opaque to clients but carry, for the emulator, the tenant epoch,
//! the change-log version they stand at and the tracked `$select`. Graph's
//! habits are kept: links as `members@delta`, removals as `@removed` with
//! reason `changed` (soft-deleted) or `deleted` (gone), a big group's members
//! split over several entries with the group repeated, only selected
//! properties tracked, and an expired token answered 410 `syncStateNotFound`.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::ops::Bound;

use serde_json::{Map, Value, json};

use crate::error::{GraphError, GraphResult};
use crate::kind::{Kind, Rel};
use crate::project::{check_select, decode_token, encode_token, pct, project};
use crate::query::Query;
use crate::request::{GraphRequest, GraphResponse};
use crate::sim::Sim;
use crate::tenant::{ChangeWhat, Tenant};

/// Links per entry before the object is repeated with the rest.
pub const LINK_CHUNK: usize = 20;
/// Graph pages directory delta at 200 objects, the default and the cap
/// (`Prefer: odata.maxpagesize` can ask for fewer, never more).
const DEFAULT_PAGE: usize = 200;
const MAX_PAGE: usize = 200;
const TOKEN_LIFETIME_SECS: i64 = 7 * 24 * 3600;
const MAX_ID_FILTER: usize = 50;

#[derive(Debug, Clone)]
struct Round {
    /// Version the previous round ended at; None for the initial sync.
    from: Option<u64>,
    to: u64,
    select: Option<Vec<String>>,
    ids: Option<Vec<String>>,
    /// Last unit served: (object id, link chunk).
    after: Option<(String, usize)>,
    issued: i64,
}

impl Round {
    fn token(&self, epoch: u64, kind: Kind, deltalink: bool) -> String {
        let mut v = json!({
            "e": epoch, "k": kind.info().entity, "t": self.issued,
            "s": self.select, "i": self.ids,
        });
        if deltalink {
            v["v"] = json!(self.to);
        } else {
            v["f"] = json!(self.from);
            v["to"] = json!(self.to);
            v["a"] = json!(self.after);
        }
        encode_token(&v)
    }

    fn parse(token: &str, kind: Kind, t: &Tenant, deltalink: bool) -> GraphResult<Round> {
        let bad = || GraphError::bad_request("Badly formed token.");
        let v = decode_token(token).map_err(|_| bad())?;
        if v.get("k").and_then(Value::as_str) != Some(kind.info().entity) {
            return Err(bad());
        }
        let epoch = v.get("e").and_then(Value::as_u64).ok_or_else(bad)?;
        let issued = v.get("t").and_then(Value::as_i64).ok_or_else(bad)?;
        let strings = |key: &str| -> Option<Vec<String>> {
            v.get(key).and_then(Value::as_array).map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
        };
        let expired =
            epoch != t.epoch || chrono::Utc::now().timestamp() - issued > TOKEN_LIFETIME_SECS;
        let round = if deltalink {
            Round {
                from: Some(v.get("v").and_then(Value::as_u64).ok_or_else(bad)?),
                to: t.version,
                select: strings("s"),
                ids: strings("i"),
                after: None,
                issued: chrono::Utc::now().timestamp(),
            }
        } else {
            let after = v.get("a").and_then(Value::as_array).and_then(|a| {
                Some((
                    a.first()?.as_str()?.to_string(),
                    a.get(1)?.as_u64()? as usize,
                ))
            });
            Round {
                from: v.get("f").and_then(Value::as_u64),
                to: v.get("to").and_then(Value::as_u64).ok_or_else(bad)?,
                select: strings("s"),
                ids: strings("i"),
                after,
                issued,
            }
        };
        if expired {
            return Err(GraphError::new(
                410,
                "syncStateNotFound",
                "The sync state generation is not found; the delta token has expired. A full resync is required.",
            )
            .with_header("Location", String::new()));
        }
        Ok(round)
    }
}

/// What a round reports about one object.
#[derive(Default)]
struct Agg {
    created: bool,
    props: HashSet<String>,
    links: BTreeMap<(Rel, String), bool>,
    manager: bool,
}

enum State<'a> {
    Live(&'a crate::tenant::Obj),
    SoftDeleted,
    Gone,
}

fn state<'a>(t: &'a Tenant, kind: Kind, id: &str) -> State<'a> {
    if let Some(o) = t.get(kind, id) {
        State::Live(o)
    } else if t.deleted_object(kind, id).is_some() {
        State::SoftDeleted
    } else {
        State::Gone
    }
}

struct Tracking {
    props: Option<Vec<String>>,
    rels: Vec<Rel>,
    manager: bool,
}

fn tracking(kind: Kind, select: Option<&[String]>) -> Tracking {
    let info = kind.info();
    match select {
        Some(s) => Tracking {
            props: Some(
                s.iter()
                    .filter(|p| Rel::parse(p).is_none() && *p != "manager")
                    .cloned()
                    .collect(),
            ),
            rels: info
                .relations
                .iter()
                .copied()
                .filter(|r| s.iter().any(|p| p == r.name()))
                .collect(),
            manager: kind == Kind::User && s.iter().any(|p| p == "manager"),
        },
        // Without $select: the default properties, and a group's members.
        None => Tracking {
            props: info
                .default_select
                .map(|d| d.iter().map(|s| s.to_string()).collect()),
            rels: if kind == Kind::Group {
                vec![Rel::Members]
            } else {
                Vec::new()
            },
            manager: false,
        },
    }
}

fn odata_type(t: &Tenant, id: &str) -> String {
    t.kind_of(id).map_or_else(
        || "#microsoft.graph.directoryObject".to_string(),
        Kind::odata_type,
    )
}

pub fn round(sim: &Sim, req: &GraphRequest, kind: Kind) -> GraphResult<GraphResponse> {
    let q = Query::parse(req)?;
    if q.expand.is_some() {
        return Err(GraphError::unsupported_query(
            "Unsupported query option '$expand' for delta queries.",
        ));
    }
    if q.top.is_some() || q.orderby.is_some() || q.search.is_some() {
        return Err(GraphError::unsupported_query(
            "Unsupported query: delta supports only $select, $filter on id, and $deltatoken/$skiptoken.",
        ));
    }
    let ids = match &q.filter {
        None => None,
        Some(f) => {
            let ids = f.id_list().ok_or_else(|| {
                GraphError::unsupported_query("Unsupported query: delta $filter supports only 'id eq' clauses joined by 'or'.")
            })?;
            if ids.len() > MAX_ID_FILTER {
                return Err(GraphError::unsupported_query(
                    "Too many ids in $filter: the maximum is 50.",
                ));
            }
            Some(ids)
        }
    };
    let t = sim.read();
    let now = chrono::Utc::now().timestamp();
    let initial_link = |select: &Option<Vec<String>>| match select {
        Some(s) => format!(
            "{}/{}?$select={}",
            req.root(),
            req.path.trim_matches('/'),
            pct(&s.join(","))
        ),
        None => format!("{}/{}", req.root(), req.path.trim_matches('/')),
    };
    let round = match (&q.skiptoken, &q.deltatoken) {
        (Some(tok), _) => Round::parse(tok, kind, &t, false),
        (None, Some(tok)) if tok == "latest" => {
            let r = Round {
                from: Some(t.version),
                to: t.version,
                select: q.select.clone(),
                ids,
                after: None,
                issued: now,
            };
            return Ok(GraphResponse::ok(json!({
                "@odata.context": format!("{}/$metadata#{}", req.root(), kind.info().context),
                "@odata.deltaLink": format!("{}/{}?$deltatoken={}", req.root(), req.path.trim_matches('/'), r.token(t.epoch, kind, true)),
                "value": [],
            })));
        }
        (None, Some(tok)) => Round::parse(tok, kind, &t, true),
        (None, None) => Ok(Round {
            from: None,
            to: t.version,
            select: q.select.clone(),
            ids,
            after: None,
            issued: now,
        }),
    };
    let mut round = round.map_err(|mut e| {
        if e.status == 410 {
            e.headers = vec![("Location".into(), initial_link(&q.select))];
        }
        e
    })?;
    // Relationships (`members`, `owners`, `manager`) may be selected in delta too.
    let properties: Option<Vec<String>> = round.select.as_ref().map(|s| {
        s.iter()
            .filter(|p| Rel::parse(p).is_none() && p.as_str() != "manager")
            .cloned()
            .collect()
    });
    check_select(kind, properties.as_deref(), true)?;
    let track = tracking(kind, round.select.as_deref());
    let minimal = req
        .header("prefer")
        .is_some_and(|p| p.contains("return=minimal"));
    let page_size = req
        .header("prefer")
        .and_then(|p| {
            p.split(',').find_map(|x| {
                x.trim()
                    .strip_prefix("odata.maxpagesize=")?
                    .parse::<usize>()
                    .ok()
            })
        })
        .map_or(DEFAULT_PAGE, |n| n.clamp(1, MAX_PAGE));

    // Candidate objects with what changed about each (everything, on an initial sync).
    let mut changes: BTreeMap<String, Agg> = BTreeMap::new();
    if let Some(from) = round.from {
        let start = t.log.partition_point(|c| c.version <= from);
        for c in t.log[start..]
            .iter()
            .take_while(|c| c.version <= round.to)
            .filter(|c| c.kind == kind)
        {
            let a = changes.entry(c.id.clone()).or_default();
            match &c.what {
                ChangeWhat::Created => a.created = true,
                ChangeWhat::Updated(p) => a.props.extend(p.iter().cloned()),
                ChangeWhat::SoftDeleted | ChangeWhat::HardDeleted => {}
                ChangeWhat::Link { rel, target, added } => {
                    a.links.insert((*rel, target.clone()), *added);
                }
                ChangeWhat::Manager => a.manager = true,
            }
        }
    }
    let wanted = |id: &str| {
        round
            .ids
            .as_ref()
            .is_none_or(|ids| ids.iter().any(|x| x == id))
    };

    // Entries in id order, each split into link chunks.
    let mut value = Vec::new();
    let mut last: Option<(String, usize)> = None;
    let mut more = false;
    let empty_coll = Default::default();
    let ids: Box<dyn Iterator<Item = &String>> = match (round.from, &round.after) {
        (None, Some((a, _))) => Box::new(
            t.collection(kind)
                .unwrap_or(&empty_coll)
                .range::<String, _>((Bound::Included(a), Bound::Unbounded))
                .map(|(k, _)| k),
        ),
        (None, None) => Box::new(t.collection(kind).unwrap_or(&empty_coll).keys()),
        (Some(_), Some((a, _))) => Box::new(
            changes
                .range::<String, _>((Bound::Included(a), Bound::Unbounded))
                .map(|(k, _)| k),
        ),
        (Some(_), None) => Box::new(changes.keys()),
    };
    'outer: for id in ids.filter(|id| wanted(id)) {
        let entries = entries_for(
            &t,
            kind,
            id,
            round.from.is_none(),
            changes.get(id),
            &track,
            minimal,
        );
        let first_chunk = match &round.after {
            Some((a, c)) if a == id => c + 1,
            _ => 0,
        };
        for (chunk, entry) in entries.into_iter().enumerate().skip(first_chunk) {
            if value.len() == page_size {
                more = true;
                break 'outer;
            }
            value.push(Value::Object(entry));
            last = Some((id.clone(), chunk));
        }
    }

    let mut body = Map::new();
    let ctx = match &round.select {
        Some(s) => format!(
            "{}/$metadata#{}({})",
            req.root(),
            kind.info().context,
            s.join(",")
        ),
        None => format!("{}/$metadata#{}", req.root(), kind.info().context),
    };
    body.insert("@odata.context".into(), Value::String(ctx));
    let path = req.path.trim_matches('/');
    if more {
        round.after = last;
        body.insert(
            "@odata.nextLink".into(),
            json!(format!(
                "{}/{path}?$skiptoken={}",
                req.root(),
                round.token(t.epoch, kind, false)
            )),
        );
    } else {
        round.issued = now;
        body.insert(
            "@odata.deltaLink".into(),
            json!(format!(
                "{}/{path}?$deltatoken={}",
                req.root(),
                round.token(t.epoch, kind, true)
            )),
        );
    }
    body.insert("value".into(), Value::Array(value));
    Ok(GraphResponse::ok(Value::Object(body)))
}

/// The entries one object contributes to a round (several when its links are split).
fn entries_for(
    t: &Tenant,
    kind: Kind,
    id: &str,
    initial: bool,
    agg: Option<&Agg>,
    track: &Tracking,
    minimal: bool,
) -> Vec<Map<String, Value>> {
    let removed = |reason: &str| {
        let mut m = Map::new();
        m.insert("id".into(), json!(id));
        m.insert("@removed".into(), json!({"reason": reason}));
        vec![m]
    };
    let obj = match state(t, kind, id) {
        State::Live(o) => o,
        // Created and removed within the round: report the removal all the same.
        State::SoftDeleted => {
            return if initial {
                Vec::new()
            } else {
                removed("changed")
            };
        }
        State::Gone => {
            return if initial {
                Vec::new()
            } else {
                removed("deleted")
            };
        }
    };
    // Which links to report, per relation: all of them on an initial sync or a
    // (re)creation; otherwise only the ones that changed.
    let full = initial || agg.is_some_and(|a| a.created);
    let mut link_items: Vec<(Rel, Value)> = Vec::new();
    for rel in &track.rels {
        if full {
            for target in t.targets(*rel, id).into_iter().flatten() {
                link_items.push((
                    *rel,
                    json!({"@odata.type": odata_type(t, target), "id": target}),
                ));
            }
        } else if let Some(a) = agg {
            for ((r, target), added) in &a.links {
                if r != rel {
                    continue;
                }
                let mut item = json!({"@odata.type": odata_type(t, target), "id": target});
                if !added {
                    item["@removed"] = json!({"reason": "deleted"});
                }
                link_items.push((*rel, item));
            }
        }
    }
    let props_changed = full
        || agg.is_some_and(|a| match &track.props {
            Some(p) => a.props.iter().any(|x| p.contains(x)),
            None => !a.props.is_empty(),
        });
    let manager_changed = track.manager && (full || agg.is_some_and(|a| a.manager));
    if !props_changed && link_items.is_empty() && !manager_changed {
        return Vec::new();
    }

    let mut base = Map::new();
    let selected = track.props.clone();
    let shown: Option<Vec<String>> = match (&selected, minimal && !full, agg) {
        (Some(sel), true, Some(a)) => Some(
            sel.iter()
                .filter(|p| a.props.contains(*p))
                .cloned()
                .collect(),
        ),
        (None, true, Some(a)) => Some(a.props.iter().cloned().collect()),
        (s, _, _) => s.clone(),
    };
    base.extend(project(kind.info(), obj, shown.as_deref(), true));
    base.insert("id".into(), json!(id));
    if manager_changed {
        let items: Vec<Value> = match t.manager.get(id) {
            Some(m) => vec![json!({"@odata.type": odata_type(t, m), "id": m})],
            None => Vec::new(),
        };
        base.insert("manager@delta".into(), Value::Array(items));
    }
    if link_items.is_empty() {
        return vec![base];
    }
    let rels: BTreeSet<Rel> = link_items.iter().map(|(r, _)| *r).collect();
    let mut out = Vec::new();
    for chunk in link_items.chunks(LINK_CHUNK) {
        let mut e = base.clone();
        for rel in &rels {
            let items: Vec<Value> = chunk
                .iter()
                .filter(|(r, _)| r == rel)
                .map(|(_, v)| v.clone())
                .collect();
            if !items.is_empty() {
                e.insert(format!("{}@delta", rel.name()), Value::Array(items));
            }
        }
        out.push(e);
    }
    out
}
