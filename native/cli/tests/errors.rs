use crate::util::*;

#[test]
fn a_missing_store_is_a_usage_error() {
    for command in ["list", "verify"] {
        let out = run(&[command]);
        assert_exit(&out, 2);
        assert!(stderr(&out).contains("--store <DIR>"), "{}", stderr(&out));
    }
}

#[test]
fn a_store_that_is_a_file_is_one_line_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("store.txt");
    std::fs::write(&file, "not a store").unwrap();
    let path = file.to_str().unwrap();
    for args in [
        vec!["list", "--store", path],
        vec!["verify", "--store", path, "--json"],
        vec!["prune", "--store", path, "--keep-daily", "1"],
    ] {
        let out = run(&args);
        assert_exit(&out, 1);
        assert_eq!(
            stderr(&out),
            format!("error: store {path} is not a directory\n")
        );
        assert_eq!(stdout(&out), "");
    }
}

#[test]
fn a_store_that_does_not_exist_is_not_created() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("typo");
    let out = run(&["list", "--store", missing.to_str().unwrap()]);
    assert_exit(&out, 1);
    assert!(
        stderr(&out).starts_with(&format!(
            "error: store {} does not exist\n",
            missing.display()
        )),
        "{}",
        stderr(&out)
    );
    assert!(!missing.exists());
}

#[test]
fn an_unknown_snapshot_names_the_id_and_the_store() {
    let f = Fixture::new();
    f.snapshot(march(1, 6), 1, sales);
    let unknown = "20261121T000000Z-abcdef";
    for command in ["verify", "show"] {
        let out = f.run(&[command, "--snapshot", unknown]);
        assert_exit(&out, 1);
        let err = stderr(&out);
        assert!(
            err.starts_with(&format!(
                "error: snapshot {unknown} not found in store {}\n",
                f.path().display()
            )),
            "{err}"
        );
    }
    let out = f.run(&["verify", "--snapshot", "20261121T0000Z-abc"]);
    assert_exit(&out, 1);
    assert!(
        stderr(&out).starts_with("error: '20261121T0000Z-abc' is not a snapshot id"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn latest_in_an_empty_store_says_so() {
    let f = Fixture::new();
    let out = f.run(&["show", "--snapshot", "latest"]);
    assert_exit(&out, 1);
    assert!(
        stderr(&out).starts_with(&format!(
            "error: latest: no complete export snapshot in {}",
            f.path().display()
        )),
        "{}",
        stderr(&out)
    );
}

#[test]
fn demo_has_no_json_output() {
    let out = run(&["demo", "--json"]);
    assert_exit(&out, 2);
}
