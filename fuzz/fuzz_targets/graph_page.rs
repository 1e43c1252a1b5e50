//! The Graph page parser: any body gives a page or an error naming the
//! request, never a panic; a page's links are what the body said.
#![no_main]

use entrasnap_graph::Page;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match Page::from_bytes(data, "/users") {
        Ok(page) => {
            let body: serde_json::Value =
                serde_json::from_slice(data).expect("a page the client accepts is JSON");
            assert_eq!(
                page.next_link.as_deref(),
                body.get("@odata.nextLink").and_then(|v| v.as_str())
            );
            assert_eq!(page.values.len(), body["value"].as_array().map_or(0, Vec::len));
        }
        Err(e) => assert!(e.to_string().contains("GET /users"), "{e}"),
    }
});
