//! The report as one self-contained HTML page: inline CSS and SVG, no script,
//! nothing fetched (a Content-Security-Policy forbids both), so it opens
//! offline, from a mail attachment or a pipeline artifact.
//!
//! Layout: a header (the two sides, when, totals), the chart of changes by
//! type and severity, then one card per changed object, most severe first.
//! Low and info changes of a type that changed in bulk (an HR sync touching
//! 5,000 users) fold into one `<details>` table per type, so the page stays
//! readable and small: about 150 bytes per folded change.
//!
//! Every string from the tenant goes through [`esc`]: display names can hold
//! `<script>`.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::Value;

use super::chart;
use super::{
    ORDER, RenderOptions, actor_lines, attribution_lines, credential, headline, kind_note, named,
    snapshot_time, summary, to_label, type_label,
};
use crate::diff::model::{AttributeChange, Change, LinkChange, Report, Severity};

/// More low or info changes of one type than this fold into a table.
pub const BULK_THRESHOLD: usize = 12;

/// Escapes text for HTML content and quoted attribute values alike.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `5000` -> `5,000`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

const CSS: &str = r#"
:root{--critical:#8b0000;--high:#e0461c;--medium:#f2a900;--low:#2f6fdb;--info:#8a8f98;--line:#e3e5e8;--muted:#5b6270}
*{box-sizing:border-box}
body{margin:0;background:#f6f7f9;color:#1d2127;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif}
.page{max-width:1120px;margin:0 auto;padding:24px 28px 48px}
h1{font-size:24px;margin:0 0 10px}
h2{font-size:17px;margin:0 0 12px}
.top,.chart-box{background:#fff;border:1px solid var(--line);border-radius:8px;padding:18px 22px;margin-bottom:18px}
.sides{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0 0 12px}
.sides dt{color:var(--muted)}.sides dd{margin:0}
.when{color:var(--muted)}
code{font:12.5px/1.4 ui-monospace,SFMono-Regular,Consolas,monospace;word-break:break-all}
.summary{font-size:15px;font-weight:600;margin:0 0 10px}
.totals{display:flex;flex-wrap:wrap;gap:8px;list-style:none;margin:0;padding:0}
.totals li{border:1px solid var(--line);border-radius:999px;padding:2px 12px 2px 4px;background:#fff}
.totals .badge{margin-right:6px}
.badge{display:inline-block;min-width:64px;text-align:center;border-radius:4px;padding:1px 8px;font-size:11.5px;font-weight:700;letter-spacing:.04em;color:#fff}
.sev-critical .badge,.badge.sev-critical{background:var(--critical)}
.sev-high .badge,.badge.sev-high{background:var(--high)}
.sev-medium .badge,.badge.sev-medium{background:var(--medium);color:#1f1f1f}
.sev-low .badge,.badge.sev-low{background:var(--low)}
.sev-info .badge,.badge.sev-info{background:var(--info)}
.chart-box svg{max-width:100%;height:auto}
#changes>h2{margin:28px 0 12px}
.change{background:#fff;border:1px solid var(--line);border-left:6px solid var(--info);border-radius:8px;padding:14px 18px;margin:0 0 14px}
.change.sev-critical{border-left-color:var(--critical)}.change.sev-high{border-left-color:var(--high)}
.change.sev-medium{border-left-color:var(--medium)}.change.sev-low{border-left-color:var(--low)}
.change>header{display:flex;flex-wrap:wrap;align-items:baseline;gap:10px}
.type{color:var(--muted)}
.name{font-weight:600;font-size:15px}
.reason{margin:6px 0 8px}
.by{margin:4px 0;font-size:90%;color:#555}
.note{margin:0 0 8px;color:var(--muted);font-style:italic}
table{border-collapse:collapse;width:100%;margin-top:6px;table-layout:fixed}
th,td{border-top:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{font-size:12px;color:var(--muted);font-weight:600;background:#fafbfc}
col.path{width:28%}
td.o{background:#fdf1f0}td.n{background:#eff8f0}
ul.set{list-style:none;margin:0;padding:0}
.del{color:#a1231b}.add{color:#1d6b2c}
.ref{border-bottom:1px dotted #9aa0a6;cursor:help}
.none{color:var(--muted);font-style:italic}
.k{color:var(--muted)}.obj{display:inline-block;vertical-align:top}
.item+.item{margin-top:4px;padding-top:4px;border-top:1px dashed var(--line)}
details.bulk{background:#fff;border:1px solid var(--line);border-left:6px solid var(--info);border-radius:8px;padding:10px 18px;margin:0 0 14px}
details.bulk.sev-low{border-left-color:var(--low)}
details.bulk summary{cursor:pointer;font-weight:600}
details.bulk .paths{font-weight:400;color:var(--muted)}
footer{margin-top:30px;color:var(--muted);font-size:12px}
@media print{body{background:#fff}details.bulk{break-inside:auto}}
"#;

/// The report as one self-contained HTML page.
pub fn html(report: &Report, opts: &RenderOptions) -> String {
    // Most changes fold into bulk rows of ~150 bytes; cards are larger but few.
    let mut w = String::with_capacity(16 * 1024 + report.changes.len() * 200);
    // Writing into a String cannot fail.
    let _ = write_html(&mut w, report, opts);
    w
}

fn write_html(w: &mut String, report: &Report, opts: &RenderOptions) -> std::fmt::Result {
    writeln!(w, "<!DOCTYPE html>")?;
    writeln!(w, r#"<html lang="en"><head><meta charset="utf-8">"#)?;
    writeln!(
        w,
        r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#
    )?;
    // Belt and braces: even if a name escaped escaping, nothing would run or load.
    writeln!(
        w,
        r#"<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">"#
    )?;
    writeln!(
        w,
        "<title>Difference report {} \u{2192} {}</title>",
        esc(&report.from),
        esc(&report.to)
    )?;
    writeln!(w, "<style>{CSS}</style></head><body><div class=\"page\">")?;
    header(w, report, opts)?;
    writeln!(
        w,
        r#"<section class="chart-box" id="chart"><h2>Changes by object type and severity</h2>{}</section>"#,
        chart::svg(report)
    )?;
    writeln!(w, r#"<section id="changes"><h2>Changes</h2>"#)?;
    if report.changes.is_empty() {
        writeln!(w, r#"<p class="none">Nothing changed.</p>"#)?;
    }
    body(w, report)?;
    writeln!(w, "</section>")?;
    writeln!(
        w,
        "<footer>EntraSnapshot difference report. Self-contained: no scripts, nothing loaded from the network. Hover a name to see its id.</footer>"
    )?;
    writeln!(w, "</div></body></html>")
}

fn header(w: &mut String, report: &Report, opts: &RenderOptions) -> std::fmt::Result {
    let when = |id: &str| {
        snapshot_time(id)
            .map(|t| format!(r#" <span class="when">taken {}</span>"#, esc(&t)))
            .unwrap_or_default()
    };
    writeln!(w, r#"<header class="top"><h1>Difference report</h1>"#)?;
    writeln!(
        w,
        r#"<dl class="sides"><dt>From</dt><dd>snapshot <code>{}</code>{}</dd><dt>To</dt><dd>{}{}</dd></dl>"#,
        esc(&report.from),
        when(&report.from),
        esc(&to_label(report, opts)),
        when(&report.to)
    )?;
    writeln!(
        w,
        r#"<p class="summary">{}</p>"#,
        esc(&summary(report, opts))
    )?;
    let actors = actor_lines(report);
    if !actors.is_empty() {
        write!(
            w,
            r#"<div class="actors"><h2>Changed by (from the audit log)</h2><ul>"#
        )?;
        for line in actors {
            write!(w, "<li>{}</li>", esc(&line))?;
        }
        writeln!(w, "</ul></div>")?;
    }
    let counts = report.counts();
    write!(w, r#"<ul class="totals">"#)?;
    for s in ORDER {
        write!(
            w,
            r#"<li><span class="badge sev-{s}">{}</span>{}</li>"#,
            s.as_str().to_uppercase(),
            thousands(counts.get(&s).copied().unwrap_or(0))
        )?;
    }
    writeln!(w, "</ul></header>")
}

/// Cards for everything, except low and info changes of a type with more
/// than [`BULK_THRESHOLD`] of them, which fold into one table per type.
fn body(w: &mut String, report: &Report) -> std::fmt::Result {
    let key = |c: &Change| (c.severity, c.object_type.clone());
    let mut group: BTreeMap<(Severity, String), usize> = BTreeMap::new();
    for c in &report.changes {
        *group.entry(key(c)).or_default() += 1;
    }
    // A sorted report holds each group in one run; any other order still
    // renders, as one fold per run.
    let mut i = 0;
    while let Some(c) = report.changes.get(i) {
        let run = report.changes[i..]
            .iter()
            .take_while(|x| key(x) == key(c))
            .count();
        let bulky = c.severity <= Severity::Low
            && group.get(&key(c)).copied().unwrap_or(0) > BULK_THRESHOLD;
        if bulky {
            bulk(w, &report.changes[i..i + run])?;
        } else {
            for c in &report.changes[i..i + run] {
                card(w, c)?;
            }
        }
        i += run;
    }
    Ok(())
}

fn card(w: &mut String, c: &Change) -> std::fmt::Result {
    let sev = c.severity;
    writeln!(
        w,
        r#"<article class="change sev-{sev}" data-severity="{sev}"><header><span class="badge">{}</span><span class="type">{}</span><span class="name" title="{}">{}</span></header>"#,
        sev.as_str().to_uppercase(),
        esc(type_label(&c.object_type)),
        esc(&c.object_id),
        esc(&c.object_name)
    )?;
    writeln!(w, r#"<p class="reason">{}</p>"#, esc(&headline(c)))?;
    if let Some(note) = kind_note(c) {
        writeln!(w, r#"<p class="note">{}</p>"#, esc(&note))?;
    }
    if !c.attributes.is_empty() || !c.links.is_empty() {
        writeln!(
            w,
            r#"<table><colgroup><col class="path"><col><col></colgroup><thead><tr><th>Attribute</th><th>Before</th><th>After</th></tr></thead><tbody>"#
        )?;
        for a in &c.attributes {
            writeln!(
                w,
                r#"<tr><td><code>{}</code></td><td class="o">{}</td><td class="n">{}</td></tr>"#,
                esc(&a.path),
                before(a),
                after(a)
            )?;
        }
        for l in &c.links {
            link_row(w, l)?;
        }
        writeln!(w, "</tbody></table>")?;
    }
    for line in attribution_lines(c) {
        writeln!(w, r#"<p class="by">{}</p>"#, esc(&line))?;
    }
    writeln!(w, "</article>")
}

/// Low or info changes of one type, folded: one row per attribute.
fn bulk(w: &mut String, changes: &[Change]) -> std::fmt::Result {
    let Some(first) = changes.first() else {
        return Ok(());
    };
    let sev = first.severity;
    // Which attributes changed, and how often: "department ×5,000".
    let mut paths: BTreeMap<&str, usize> = BTreeMap::new();
    for c in changes {
        for a in &c.attributes {
            *paths.entry(a.path.as_str()).or_default() += 1;
        }
        for l in &c.links {
            *paths.entry(l.link.as_str()).or_default() += 1;
        }
    }
    let mut top: Vec<(&str, usize)> = paths.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut listed: Vec<String> = top
        .iter()
        .take(6)
        .map(|(p, n)| format!("{} \u{d7}{}", esc(p), thousands(*n)))
        .collect();
    if top.len() > 6 {
        listed.push(format!("{} more", top.len() - 6));
    }
    writeln!(
        w,
        r#"<details class="bulk sev-{sev}" data-severity="{sev}"><summary><span class="badge">{}</span> {} {} changes <span class="paths">({})</span></summary>"#,
        sev.as_str().to_uppercase(),
        thousands(changes.len()),
        esc(type_label(&first.object_type)),
        listed.join(", ")
    )?;
    writeln!(
        w,
        r#"<table><colgroup><col style="width:24%"><col style="width:20%"><col><col></colgroup><thead><tr><th>Object</th><th>Attribute</th><th>Before</th><th>After</th></tr></thead><tbody>"#
    )?;
    for c in changes {
        let rows = c.attributes.len() + c.links.len();
        let object = format!(
            r#"<td{} title="{}">{}{}</td>"#,
            if rows > 1 {
                format!(r#" rowspan="{rows}""#)
            } else {
                String::new()
            },
            esc(&c.object_id),
            esc(&c.object_name),
            kind_note(c)
                .map(|n| format!(r#" <span class="note">({})</span>"#, esc(&n)))
                .unwrap_or_default()
        );
        if rows == 0 {
            writeln!(w, "<tr>{object}<td></td><td></td><td></td></tr>")?;
            continue;
        }
        let mut lead = Some(object);
        for a in &c.attributes {
            writeln!(
                w,
                r#"<tr>{}<td>{}</td><td class="o">{}</td><td class="n">{}</td></tr>"#,
                lead.take().unwrap_or_default(),
                esc(&a.path),
                before(a),
                after(a)
            )?;
        }
        for l in &c.links {
            w.push_str(
                &lead
                    .take()
                    .map(|o| format!("<tr>{o}"))
                    .unwrap_or_else(|| "<tr>".into()),
            );
            link_cells(w, l)?;
        }
    }
    writeln!(w, "</tbody></table></details>")
}

fn link_row(w: &mut String, l: &LinkChange) -> std::fmt::Result {
    w.push_str("<tr>");
    link_cells(w, l)
}

/// `<td>members</td><td>removed</td><td>added</td></tr>`.
fn link_cells(w: &mut String, l: &LinkChange) -> std::fmt::Result {
    let list = |items: &[crate::diff::model::NamedId], class: &str, sign: char| {
        if items.is_empty() {
            return String::new();
        }
        let mut s = String::from(r#"<ul class="set">"#);
        for n in items {
            let _ = write!(
                s,
                r#"<li class="{class}">{sign} <span class="ref" title="{}">{}</span></li>"#,
                esc(&n.id),
                esc(&n.name)
            );
        }
        s.push_str("</ul>");
        s
    };
    writeln!(
        w,
        r#"<td><code>{}</code></td><td class="o">{}</td><td class="n">{}</td></tr>"#,
        esc(&l.link),
        list(&l.removed, "del", '\u{2212}'),
        list(&l.added, "add", '+')
    )
}

/// The before cell: the old value, or the set members removed.
fn before(a: &AttributeChange) -> String {
    if a.is_set() {
        set_items(&a.removed, &a.names, "del", '\u{2212}')
    } else {
        side(a.old.as_ref(), &a.names)
    }
}

fn after(a: &AttributeChange) -> String {
    if a.is_set() {
        set_items(&a.added, &a.names, "add", '+')
    } else {
        side(a.new.as_ref(), &a.names)
    }
}

fn set_items(items: &[Value], names: &BTreeMap<String, String>, class: &str, sign: char) -> String {
    if items.is_empty() {
        return String::new();
    }
    let mut s = String::from(r#"<ul class="set">"#);
    for v in items {
        let _ = write!(s, r#"<li class="{class}">{sign} {}</li>"#, val(v, names));
    }
    s.push_str("</ul>");
    s
}

fn side(v: Option<&Value>, names: &BTreeMap<String, String>) -> String {
    match v {
        None | Some(Value::Null) => r#"<span class="none">(none)</span>"#.to_string(),
        Some(v) => val(v, names),
    }
}

/// A value as HTML: an id by its name (the id in a tooltip), plain strings
/// and numbers as text, arrays of those as a list, anything deeper as compact
/// JSON with ids named.
fn val(v: &Value, names: &BTreeMap<String, String>) -> String {
    if let Some(words) = credential(v) {
        return esc(&words);
    }
    match v {
        Value::Null => r#"<span class="none">(none)</span>"#.to_string(),
        Value::String(s) => match names.get(s) {
            Some(name) => format!(
                r#"<span class="ref" title="{}">{}</span>"#,
                esc(s),
                esc(name)
            ),
            None => esc(s),
        },
        Value::Array(items) if items.is_empty() => r#"<span class="none">[]</span>"#.to_string(),
        Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => items
            .iter()
            .map(|i| val(i, names))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Array(items) => items
            .iter()
            .map(|i| format!(r#"<div class="item">{}</div>"#, val(i, names)))
            .collect(),
        // An element such as a secret or an IP range: its set properties as
        // `name: value` pairs, one per line.
        Value::Object(map) => {
            let pairs: Vec<String> = map
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| {
                    let shown = match v {
                        Value::Object(_) => {
                            format!("<code>{}</code>", esc(&named(v, names).to_string()))
                        }
                        other => val(other, names),
                    };
                    format!(r#"<span class="k">{}:</span> {shown}"#, esc(k))
                })
                .collect();
            format!(r#"<span class="obj">{}</span>"#, pairs.join("<br>"))
        }
        other => esc(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::model::{ChangeKind, LinkChange, NamedId};
    use serde_json::json;

    fn report(changes: Vec<Change>) -> Report {
        Report {
            from: "20260301T120000Z-aaaaaa".into(),
            to: "20260302T120000Z-bbbbbb".into(),
            changes,
            actors: Vec::new(),
        }
    }

    #[test]
    fn every_string_from_the_tenant_is_escaped() {
        let evil = "<script>alert('x')</script>";
        let mut c = super::super::tests::change();
        c.object_name = evil.into();
        c.object_id = format!("\"{evil}");
        c.reason = format!("reason {evil}");
        c.attributes[0].new = Some(json!(evil));
        c.attributes[1].names = [("g1".to_string(), evil.to_string())].into();
        c.links = vec![LinkChange {
            link: "members".into(),
            added: vec![NamedId {
                id: evil.into(),
                name: evil.into(),
            }],
            removed: vec![],
        }];
        let mut bulk: Vec<Change> = (0..BULK_THRESHOLD + 1)
            .map(|i| {
                let mut b = c.clone();
                b.severity = Severity::Low;
                b.object_type = evil.into();
                b.object_id = format!("{i}");
                b
            })
            .collect();
        bulk.insert(0, c);
        let page = html(&report(bulk), &RenderOptions::default());
        assert!(!page.contains("<script"), "{page}");
        assert!(!page.contains("alert('x')"), "{page}");
        assert!(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
        assert!(page.contains(r#"<details class="bulk sev-low""#), "{page}");
        // Nothing to fetch: no URL but the SVG namespace, no src or href.
        assert_eq!(
            page.matches("://").count(),
            page.matches("http://www.w3.org/2000/svg").count(),
            "{page}"
        );
        assert!(!page.contains("src=") && !page.contains("href="));
    }

    #[test]
    fn cards_come_most_severe_first_after_the_chart_and_bulk_folds() {
        let mut changes = Vec::new();
        let mut high = super::super::tests::change();
        high.severity = Severity::High;
        changes.push(high);
        for i in 0..50 {
            changes.push(Change {
                object_type: "user".into(),
                object_id: format!("u{i}"),
                object_name: format!("User {i}"),
                kind: ChangeKind::Modified,
                attributes: vec![AttributeChange {
                    path: "department".into(),
                    old: Some(json!("Sales")),
                    new: Some(json!("Marketing")),
                    ..Default::default()
                }],
                links: vec![],
                severity: Severity::Low,
                reason: format!("user 'User {i}' changed: department"),
                restorable: None,
                attribution: None,
            });
        }
        let page = html(&report(changes), &RenderOptions::default());
        let chart = page.find(r#"id="chart""#).unwrap();
        let card = page.find(r#"<article class="change sev-high""#).unwrap();
        let fold = page.find(r#"<details class="bulk sev-low""#).unwrap();
        assert!(chart < card && card < fold);
        assert!(
            page.contains("50 user changes <span class=\"paths\">(department \u{d7}50)</span>")
        );
        assert_eq!(page.matches("<article").count(), 1);
        assert!(page.contains(r#"<td title="u7">User 7</td><td>department</td><td class="o">Sales</td><td class="n">Marketing</td>"#), "{page}");
        assert!(page.contains("taken 2026-03-01 12:00:00 UTC"));
    }

    #[test]
    fn ids_show_by_name_with_the_id_in_a_tooltip() {
        let page = html(
            &report(vec![super::super::tests::change()]),
            &RenderOptions::default(),
        );
        assert!(page.contains(r#"<li class="del">− <span class="ref" title="g1">SG-CA-Exclude-BreakGlass</span></li>"#), "{page}");
        assert!(
            page.contains(
                r#"<li class="add">+ <span class="ref" title="u1">Megan Bowen</span></li>"#
            ),
            "{page}"
        );
        assert!(page.contains(r#"<td class="o">enabled</td><td class="n">disabled</td>"#));
    }

    #[test]
    fn an_unsorted_report_still_renders_every_change() {
        let low = |i: usize, ty: &str| {
            let mut c = super::super::tests::change();
            c.severity = Severity::Low;
            c.object_type = ty.into();
            c.object_id = format!("id{i}");
            c
        };
        // Interleaved types (as a hand-made or filtered JSON report may be).
        let changes: Vec<Change> = (0..40)
            .map(|i| low(i, if i % 2 == 0 { "user" } else { "group" }))
            .collect();
        let page = html(&report(changes), &RenderOptions::default());
        for i in 0..40 {
            assert!(page.contains(&format!(r#"title="id{i}""#)), "id{i}");
        }
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(5000), "5,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
