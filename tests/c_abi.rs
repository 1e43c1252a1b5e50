//! Compiles tests/c/abi_client.c against include/entrasnap.h, links it to the
//! entrasnap cdylib and checks what it prints.

use std::path::Path;
use std::process::Command;

use crate::util::{compile_c, library_dir};

/// What abi_client prints when the library behaves as the header promises.
const EXPECTED: &str = r#"abi: 1
version: 0.1.0
info: done progress=0 result={"ok":true,"value":{"abiVersion":1,"operations":["engine.info","engine.selftest","key.generate","snapshot.export","snapshot.compare","snapshot.history","snapshot.label","snapshot.list","snapshot.resolve","snapshot.restore","snapshot.verify"],"version":"0.1.0"}}
selftest: done progress=5 result={"ok":true,"value":{"events":5}}
fail: failed progress=1 result={"error":{"code":"EntraSnapshot.SelfTestFailed","message":"asked to fail"},"ok":false}
unknown: failed progress=0 result={"error":{"code":"EntraSnapshot.UnknownOperation","message":"unknown operation 'snapshot.frobnicate' (this library has: engine.info, engine.selftest, key.generate, snapshot.export, snapshot.compare, snapshot.history, snapshot.label, snapshot.list, snapshot.resolve, snapshot.restore, snapshot.verify)"},"ok":false}
panic in job: failed progress=3 result={"error":{"code":"EntraSnapshot.Panic","message":"internal error: operation 'engine.selftest' panicked: engine.selftest: panic requested in the job"},"ok":false}
early result: 200 the job has not finished yet
cancel: cancelled progress=0 result={"error":{"code":"EntraSnapshot.Cancelled","message":"the operation was cancelled"},"ok":false}
free running: ok
panic in start: 900 internal error: the library panicked
null request: 100 a pointer parameter was NULL
null out_job: 100 a pointer parameter was NULL
invalid utf-8: 101 a string parameter was not valid UTF-8
invalid json: 102 the request was not valid JSON
no op: 103 the request was not a JSON object with a string "op"
poll null job: 100
result null job: 100
cancel null job: 100
unknown code: unknown result code
free null: ok
"#;

fn run(client: &Path, library_dir: &Path) -> String {
    let result = Command::new(client)
        .env("LD_LIBRARY_PATH", library_dir)
        .env("DYLD_LIBRARY_PATH", library_dir)
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("abi_client runs");
    let stdout = String::from_utf8_lossy(&result.stdout).into_owned();
    assert!(
        result.status.success(),
        "abi_client failed ({}):\nstdout:\n{stdout}\nstderr:\n{}",
        result.status,
        String::from_utf8_lossy(&result.stderr)
    );
    stdout
}

#[test]
fn c_client_drives_the_library_as_the_module_does() {
    let library_dir = library_dir();
    let scratch = tempfile::tempdir().expect("a temporary folder");
    let client = scratch.path().join("abi_client");
    compile_c("cc", &["-std=c11"], "abi_client.c", &library_dir, &client);
    let stdout = run(&client, &library_dir);
    assert_eq!(stdout, EXPECTED.replace("0.1.0", env!("CARGO_PKG_VERSION")));
}

#[test]
fn header_compiles_as_cpp() {
    let library_dir = library_dir();
    let scratch = tempfile::tempdir().expect("a temporary folder");
    let client = scratch.path().join("abi_client_cpp");
    compile_c(
        "c++",
        &["-x", "c++", "-std=c++17"],
        "abi_client.c",
        &library_dir,
        &client,
    );
    let stdout = run(&client, &library_dir);
    assert!(stdout.ends_with("free null: ok\n"), "{stdout}");
}
