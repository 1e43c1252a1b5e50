use entrasnap_graph::{ErrorKind, Request};
use entrasnap_sim::{Config, Seed};

use crate::util;

#[tokio::test]
async fn not_found_and_bad_requests_are_named_without_query_strings() {
    let sim = util::start(Config {
        seed: Seed::Demo,
        ..Default::default()
    })
    .await;
    let client = util::client(&sim);
    let e = client
        .get("/users/00000000-0000-0000-0000-000000000000?$select=displayName")
        .await
        .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::NotFound { .. }), "{e}");
    assert!(
        e.to_string().starts_with(
            "Graph found nothing at GET /users/00000000-0000-0000-0000-000000000000 (404 "
        ),
        "{e}"
    );

    let e = client.get("/users?$top=1000").await.unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::BadRequest { status: 400, .. }),
        "{e}"
    );
    assert!(!e.to_string().contains("$top"), "{e}");
    // No retries for an answer retrying cannot change.
    assert_eq!(client.stats().retries, 0);

    let e = client
        .send(&Request::get("https://example.invalid/v1.0/users"))
        .await
        .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::InvalidRequest { .. }), "{e}");
}

#[tokio::test]
async fn forbidden_names_the_permission() {
    use std::io::{Read, Write};
    // Graph's 403, from a loopback stub (the emulator grants everything).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let mut buf = [0u8; 4096];
        let _ = conn.read(&mut buf);
        let body = r#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}}"#;
        let _ = write!(
            conn,
            "HTTP/1.1 403 Forbidden\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
    });
    let source = std::sync::Arc::new(entrasnap_graph::auth::StaticToken::new(
        entrasnap_graph::Secret::new("test-token"),
    ));
    let client =
        entrasnap_graph::GraphClient::new(entrasnap_graph::ClientOptions::new(url, source))
            .unwrap();
    let e = client
        .send(&Request::get("/identity/conditionalAccess/policies").permission("Policy.Read.All"))
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Graph refused GET /identity/conditionalAccess/policies (403 Authorization_RequestDenied): the token lacks Policy.Read.All"
    );
}

#[tokio::test]
async fn cancellation_stops_a_wait() {
    let sim = util::start(Config {
        seed: Seed::Demo,
        ..Default::default()
    })
    .await;
    let client = util::client(&sim);
    client
        .get("/identity/conditionalAccess/policies")
        .await
        .unwrap();
    // The next Conditional Access read waits for its turn; cancel it there.
    let cancel = client.cancel_token().clone();
    tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        cancel.cancel();
    });
    let started = std::time::Instant::now();
    let e = client
        .get("/identity/conditionalAccess/policies")
        .await
        .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Cancelled), "{e}");
    // Stopped in the wait: before its turn (1.1 s after the first read), and
    // the second read never reached the emulator.
    assert!(started.elapsed() < std::time::Duration::from_millis(1100));
    let stats = util::stats(&sim).await;
    assert_eq!(
        stats["byRoute"]["GET /identity/conditionalAccess/policies"]["requests"], 1,
        "{stats}"
    );
}

#[tokio::test]
async fn a_post_is_not_repeated_after_a_fault_unless_marked_idempotent() {
    let sim = util::start(Config {
        seed: Seed::Demo,
        fault_rate: 1.0,
        ..Default::default()
    })
    .await;
    let source = std::sync::Arc::new(entrasnap_graph::auth::StaticToken::new(
        entrasnap_graph::Secret::new("test-token"),
    ));
    let options = entrasnap_graph::ClientOptions {
        max_retries: 2,
        ..util::options(&sim, source)
    };
    let client = entrasnap_graph::GraphClient::new(options).unwrap();

    let e = client.get("/organization").await.unwrap_err();
    assert!(
        matches!(
            e.kind(),
            ErrorKind::Server { retries: 2, .. } | ErrorKind::Transport { retries: 2, .. }
        ),
        "{e}"
    );
    assert_eq!(client.stats().requests, 3);

    let group = serde_json::json!({"displayName": "x", "mailEnabled": false, "mailNickname": "x", "securityEnabled": true});
    let e = client
        .send(&Request::post("/groups", group.clone()))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e.kind(),
            ErrorKind::Server { retries: 0, .. } | ErrorKind::Transport { retries: 0, .. }
        ),
        "{e}"
    );
    assert_eq!(client.stats().requests, 4, "the POST went out once");

    let _ = client
        .send(&Request::post("/groups", group).idempotent(true))
        .await
        .unwrap_err();
    assert_eq!(client.stats().requests, 7, "marked idempotent: retried");
}
