//! The chart at the top of the HTML report: one stacked horizontal bar per
//! object type, a segment per severity, in inline SVG (no script, no fonts to
//! fetch), with a legend and the numbers written out.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::html::esc;
use super::{ORDER, type_label};
use crate::diff::model::{Report, Severity};

/// Fill color of each severity; the badges and card stripes use the same.
pub fn color(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "#8b0000",
        Severity::High => "#e0461c",
        Severity::Medium => "#f2a900",
        Severity::Low => "#2f6fdb",
        Severity::Info => "#8a8f98",
    }
}

/// Text color that reads on [`color`]: dark on amber, white elsewhere.
pub fn ink(s: Severity) -> &'static str {
    if s == Severity::Medium {
        "#1f1f1f"
    } else {
        "#ffffff"
    }
}

const WIDTH: u32 = 880;
const LABEL: u32 = 250;
const BAR: u32 = 540;
const ROW: u32 = 28;
const BAR_H: u32 = 20;
const LEGEND_H: u32 = 34;
/// A segment never shrinks below this, so 3 high changes stay visible beside
/// 5,000 low ones; the numbers carry the exact counts.
const MIN_SEGMENT: f64 = 4.0;

/// The chart as an `<svg>` element.
pub fn svg(report: &Report) -> String {
    // type -> severity -> count; types ordered by their worst change, then size.
    let mut by_type: BTreeMap<&str, BTreeMap<Severity, usize>> = BTreeMap::new();
    for c in &report.changes {
        *by_type
            .entry(c.object_type.as_str())
            .or_default()
            .entry(c.severity)
            .or_default() += 1;
    }
    let mut rows: Vec<(&str, BTreeMap<Severity, usize>, usize)> = by_type
        .into_iter()
        .map(|(t, m)| {
            let total = m.values().sum();
            (t, m, total)
        })
        .collect();
    rows.sort_by(|a, b| {
        let worst = |m: &BTreeMap<Severity, usize>| m.keys().max().copied();
        worst(&b.1)
            .cmp(&worst(&a.1))
            .then(b.2.cmp(&a.2))
            .then(a.0.cmp(b.0))
    });
    let max = rows.iter().map(|r| r.2).max().unwrap_or(0).max(1);
    let height = LEGEND_H + (rows.len().max(1) as u32) * ROW + 8;
    let counts = report.counts();

    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" role="img" aria-labelledby="chart-title" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif" font-size="13"><title id="chart-title">Changes by object type and severity</title>"#
    );
    // Legend: every severity with its total, so the colors are explained even
    // when a severity has no changes.
    let mut x = 0u32;
    for sev in ORDER {
        let n = counts.get(&sev).copied().unwrap_or(0);
        let label = format!("{sev} {n}");
        let _ = write!(
            s,
            r##"<g class="legend"><rect x="{x}" y="6" width="16" height="16" rx="3" fill="{}"/><text x="{}" y="19" fill="#222">{}</text></g>"##,
            color(sev),
            x + 22,
            esc(&label)
        );
        x += 30 + 8 * label.len() as u32;
    }
    if rows.is_empty() {
        let _ = write!(
            s,
            r##"<text x="0" y="{}" fill="#555">No changes.</text>"##,
            LEGEND_H + 18
        );
    }
    for (i, (ty, sevs, total)) in rows.iter().enumerate() {
        let y = LEGEND_H + i as u32 * ROW;
        let _ = write!(
            s,
            r##"<text x="{}" y="{}" text-anchor="end" fill="#222">{}</text>"##,
            LABEL - 10,
            y + 15,
            esc(type_label(ty))
        );
        // Segments most severe first, left to right.
        let widths: Vec<(Severity, usize, f64)> = ORDER
            .iter()
            .filter_map(|sev| sevs.get(sev).map(|n| (*sev, *n)))
            .map(|(sev, n)| {
                let w = (n as f64 / max as f64 * f64::from(BAR)).max(MIN_SEGMENT);
                (sev, n, w)
            })
            .collect();
        let mut at = f64::from(LABEL);
        for (sev, n, w) in &widths {
            let _ = write!(
                s,
                r#"<rect x="{at:.1}" y="{y}" width="{w:.1}" height="{BAR_H}" fill="{}"><title>{}: {n} {sev}</title></rect>"#,
                color(*sev),
                esc(type_label(ty))
            );
            let digits = n.to_string();
            if *w >= 10.0 + 8.0 * digits.len() as f64 {
                let _ = write!(
                    s,
                    r#"<text x="{:.1}" y="{}" text-anchor="middle" fill="{}" font-weight="600">{digits}</text>"#,
                    at + w / 2.0,
                    y + 15,
                    ink(*sev)
                );
            }
            at += w;
        }
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{}" fill="#222" font-weight="600">{total}</text>"##,
            at + 8.0,
            y + 15
        );
    }
    s.push_str("</svg>");
    s
}
