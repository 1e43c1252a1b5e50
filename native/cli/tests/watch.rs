//! `entrasnap watch` against the emulator: a poll stores a snapshot only when
//! the tenant changed, reports the change and tells a webhook; a Graph outage
//! is a warning and the next poll works; SIGTERM mid-poll leaves nothing partial.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use crate::emulator::{Emulator, POLICIES};
use crate::util::{assert_exit, json, stderr, stdout};

const CA001: &str = "CA001 - Require MFA for all users";
const CA002: &str = "CA002 - Block legacy authentication";

/// The JSON line of each poll.
fn polls(out: &std::process::Output) -> Vec<Value> {
    stdout(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn listed(emu: &Emulator, store: &Path) -> Vec<Value> {
    let out = emu.entrasnap(store, &["list", "--json"]);
    assert_exit(&out, 0);
    json(&out).as_array().unwrap().clone()
}

fn watch(emu: &Emulator, store: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["watch", "--every", "1s", "--count", "1", "--json"];
    args.extend(extra);
    let out = emu.entrasnap(store, &args);
    assert_exit(&out, 0);
    out
}

/// Every file under `dir` with its bytes, sorted by path.
fn every_file(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                out.push((path, bytes));
            }
        }
    }
    out.sort();
    out
}

/// Accepts one HTTP request on a loopback port, answers 200, hands back its body.
fn webhook_listener() -> (String, std::sync::mpsc::Receiver<(String, Value)>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut request_line = String::new();
        reader.read_line(&mut request_line).unwrap();
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line.trim().is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        let mut stream = stream;
        stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .unwrap();
        let _ = tx.send((request_line, serde_json::from_slice(&body).unwrap()));
    });
    (url, rx)
}

#[test]
fn a_poll_stores_only_what_changed_and_tells_the_webhook() {
    let emu = Emulator::start();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path();
    let out = emu.entrasnap(store, &["export"]);
    assert_exit(&out, 0);
    let first = stdout(&out).trim().to_string();

    // Nothing changed: nothing stored (not a file touched), the previous snapshot named.
    let files = every_file(store);
    let p = polls(&watch(&emu, store, &[]));
    assert_eq!(every_file(store), files, "an unchanged poll writes nothing");
    assert_eq!(p.len(), 1);
    assert_eq!(p[0]["poll"], 1);
    assert_eq!(p[0]["stored"], false);
    assert_eq!(p[0]["snapshot"], first.as_str());
    assert_eq!(listed(&emu, store).len(), 1);

    // A policy disabled and a member added (a delta-read link): the next poll
    // stores one snapshot with both, so the delta links did not move past them.
    let ca001 = emu.id_of(POLICIES, CA001);
    emu.send(
        Method::PATCH,
        &format!("{POLICIES}/{ca001}"),
        Some(json!({"state": "disabled"})),
    );
    let group = emu.id_of("groups", "SG-CA-Exclude-MFA-Temporary");
    let megan = emu.id_of("users", "Megan Bowen");
    emu.send(
        Method::POST,
        &format!("groups/{group}/members/$ref"),
        Some(json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{megan}")})),
    );
    let p = polls(&watch(&emu, store, &[]));
    assert_eq!(p[0]["stored"], true, "{:#}", p[0]);
    let second = p[0]["snapshot"].as_str().unwrap().to_string();
    assert_ne!(second, first);
    assert_eq!(p[0]["previous"], first.as_str());
    let changes = p[0]["changes"].as_array().unwrap();
    let names: Vec<&str> = changes
        .iter()
        .map(|c| c["objectName"].as_str().unwrap())
        .collect();
    assert_eq!(names, [CA001, "SG-CA-Exclude-MFA-Temporary"], "{:#}", p[0]);
    assert_eq!(
        changes[0]["attributes"],
        json!([{"path": "state", "old": "enabled", "new": "disabled"}])
    );
    assert_eq!(changes[1]["links"][0]["added"][0]["id"], megan.as_str());
    let all = listed(&emu, store);
    assert_eq!(all.len(), 2);
    assert_eq!(all[0]["id"], second.as_str());
    assert_eq!(all[0]["kind"], "export");

    // Unchanged since the stored one.
    let p = polls(&watch(&emu, store, &[]));
    assert_eq!(
        (&p[0]["stored"], &p[0]["snapshot"]),
        (&json!(false), &json!(second))
    );

    // The webhook gets a MessageCard of what is at or above --severity-min.
    let ca002 = emu.id_of(POLICIES, CA002);
    emu.send(
        Method::PATCH,
        &format!("{POLICIES}/{ca002}"),
        Some(json!({"state": "disabled"})),
    );
    emu.send(
        Method::PATCH,
        &format!("users/{megan}"),
        Some(json!({"jobTitle": "Head of Sales"})),
    );
    let (url, received) = webhook_listener();
    let out = emu.entrasnap(
        store,
        &[
            "watch",
            "--every",
            "1s",
            "--count",
            "1",
            "--severity-min",
            "high",
            "--webhook",
            &url,
        ],
    );
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(
        text.contains("stored snapshot") && text.contains("1 below"),
        "{text}"
    );
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
    let (request_line, card) = received.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(request_line.starts_with("POST /hook "), "{request_line}");
    assert_eq!(card["@type"], "MessageCard");
    assert_eq!(card["@context"], "https://schema.org/extensions");
    assert!(
        card["summary"]
            .as_str()
            .unwrap()
            .contains("1 change at or above high"),
        "{card:#}"
    );
    assert!(card["themeColor"].as_str().unwrap().len() == 6, "{card:#}");
    assert!(card["title"].is_string());
    let facts = card["sections"][0]["facts"].as_array().unwrap();
    assert_eq!(facts.len(), 1, "the job title is below high: {card:#}");
    assert!(
        facts[0]["value"].as_str().unwrap().contains(CA002),
        "{card:#}"
    );
    // Each change names who made it, from the audit log (the emulator's default actor here).
    assert!(
        facts[0]["value"]
            .as_str()
            .unwrap()
            .contains("changed by admin@contoso.onmicrosoft.com at "),
        "{card:#}"
    );

    // A webhook that cannot be reached is a warning, not a stop.
    emu.send(
        Method::PATCH,
        &format!("{POLICIES}/{ca002}"),
        Some(json!({"state": "enabled"})),
    );
    let out = emu.entrasnap(
        store,
        &[
            "watch",
            "--every",
            "1s",
            "--count",
            "1",
            "--webhook",
            "http://127.0.0.1:1/hook",
        ],
    );
    assert_exit(&out, 0);
    let err = stderr(&out);
    assert!(
        err.contains("warning: poll 1: the webhook was not told"),
        "{err}"
    );
    assert!(
        !err.contains("127.0.0.1:1"),
        "the webhook's URL is its secret: {err}"
    );
    assert_eq!(listed(&emu, store).len(), 4);
}

#[test]
fn a_graph_outage_is_a_warning_and_the_next_poll_works() {
    let emu = Emulator::start();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path();
    assert_exit(
        &emu.entrasnap(store, &["export", "--types", "conditionalAccessPolicy"]),
        0,
    );
    let ca001 = emu.id_of(POLICIES, CA001);
    emu.send(
        Method::PATCH,
        &format!("{POLICIES}/{ca001}"),
        Some(json!({"state": "disabled"})),
    );
    // More 503s than the client retries one request: the first poll fails.
    emu.faults(json!([{"kind": "status", "status": 503, "path": "organization", "count": 6}]));
    let out = emu
        .command(
            store,
            &[
                "watch",
                "--every",
                "1s",
                "--count",
                "2",
                "--json",
                "--types",
                "conditionalAccessPolicy",
            ],
        )
        .env("ENTRASNAP_RETRY_BASE_MS", "1")
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let err = stderr(&out);
    assert!(
        err.contains("warning: poll 1 failed: export failed:"),
        "{err}"
    );
    assert!(err.contains("503"), "{err}");
    let p = polls(&out);
    assert_eq!(p.len(), 2, "{}", stdout(&out));
    assert!(
        p[0]["error"].as_str().unwrap().contains("503"),
        "{:#}",
        p[0]
    );
    assert_eq!(p[1]["poll"], 2);
    assert_eq!(p[1]["stored"], true, "{:#}", p[1]);
    assert_eq!(p[1]["changes"][0]["objectName"], CA001);
    assert_eq!(listed(&emu, store).len(), 2);
}

#[cfg(unix)]
#[test]
fn sigterm_during_a_poll_stores_nothing_partial() {
    let emu = Emulator::start();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path();
    assert_exit(&emu.entrasnap(store, &["export"]), 0);
    let before = listed(&emu, store);
    let ca001 = emu.id_of(POLICIES, CA001);
    emu.send(
        Method::PATCH,
        &format!("{POLICIES}/{ca001}"),
        Some(json!({"state": "disabled"})),
    );
    // The poll's third request is parked: SIGTERM arrives mid-poll.
    emu.faults(json!([{"kind": "hold", "after": 2}]));
    let mut child = emu
        .command(store, &["watch", "--every", "1s"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    assert!(
        emu.wait_held(&mut child),
        "the poll reached the parked request"
    );
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "watch did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    emu.release();
    assert_exit(&out, 0);
    assert!(
        stderr(&out).contains("watch stopped after 1 poll"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&out), "", "no poll finished");
    assert_eq!(listed(&emu, store), before);
    let out = emu.entrasnap(store, &["verify"]);
    assert_exit(&out, 0);
}

#[test]
fn intervals_are_checked_before_anything_runs() {
    for bad in ["5", "5x", "0s", "m", "1.5h", "90d"] {
        let out = crate::util::run(&["watch", "--store", "/nonexistent", "--every", bad]);
        assert_exit(&out, 2);
        assert!(stderr(&out).contains("interval"), "{bad}: {}", stderr(&out));
    }
}
