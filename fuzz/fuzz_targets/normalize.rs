//! Normalization of any JSON a Graph (or a hostile one) could send, for every
//! object type: never a panic; what comes out is canonical (normalizing the
//! stored body again changes nothing) and its bytes parse back to the body.
#![no_main]

use entrasnap_core::{ObjectType, canonical_bytes, normalize};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    for ty in ObjectType::all() {
        let Ok(n) = normalize(ty, raw.clone()) else {
            continue;
        };
        let bytes = n.canonical_bytes();
        let back: Value = serde_json::from_slice(&bytes).expect("canonical bytes are JSON");
        assert_eq!(back, n.body, "{ty}: canonical bytes round-trip");
        assert_eq!(canonical_bytes(&back), bytes, "{ty}: canonical twice is the same");
    }
});
