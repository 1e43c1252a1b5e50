//! Repository paths, file walking and the PowerShell parser for the tests.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root (the workspace root).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// The module folder, module/EntraSnapshot.
pub fn module_root() -> PathBuf {
    repo_root().join("module/EntraSnapshot")
}

/// Reads a file that must exist, naming it on failure.
pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// The path relative to the repository root, for messages.
pub fn relative(path: &Path) -> String {
    path.strip_prefix(repo_root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Files under `dir` (recursively, skipping `target/` and hidden folders)
/// whose extension is one of `extensions`, sorted.
pub fn files_with_extensions(dir: &Path, extensions: &[&str]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("a readable directory entry").path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if path.is_dir() {
                if name != "target" && !name.starts_with('.') {
                    pending.push(path);
                }
            } else if path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| extensions.iter().any(|x| x.eq_ignore_ascii_case(e)))
            {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// A PowerShell syntax tree, parsed with tree-sitter-powershell.
pub fn parse_powershell(source: &str) -> tree_sitter::Tree {
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&tree_sitter_powershell::LANGUAGE.into())
        .expect("the PowerShell grammar loads");
    parser
        .parse(source, None)
        .expect("the parser returns a tree")
}

/// Every node of `tree` in document order.
pub fn nodes(tree: &tree_sitter::Tree) -> Vec<tree_sitter::Node<'_>> {
    let mut all = Vec::new();
    let mut cursor = tree.walk();
    loop {
        all.push(cursor.node());
        if cursor.goto_first_child() || cursor.goto_next_sibling() {
            continue;
        }
        loop {
            if !cursor.goto_parent() {
                return all;
            }
            if cursor.goto_next_sibling() {
                break;
            }
        }
    }
}

/// The folder cargo puts the cdylib in, next to this test's own profile
/// folder (`<target>/<profile>/deps/tests-<hash>`), after building it there:
/// a stale library would test old code.
pub fn library_dir() -> PathBuf {
    cargo_build("entrasnap-ffi")
}

/// The emulator binary, `<target>/<profile>/entrasnap-sim`, freshly built.
pub fn sim_binary() -> PathBuf {
    cargo_build("entrasnap-sim").join(format!("entrasnap-sim{}", std::env::consts::EXE_SUFFIX))
}

/// Builds `package` with this test's profile into this test's target
/// folder (so `CARGO_TARGET_DIR` and `--release` are honoured) and returns
/// the profile folder the artifacts are in.
fn cargo_build(package: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable has a path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test executable is in <target>/<profile>/deps");
    let target_dir = profile_dir
        .parent()
        .expect("<target>/<profile> has a parent");
    let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") | None => "dev",
        Some(other) => other,
    };
    // test.sh builds the whole workspace (this library and binary included)
    // before any test runs, and says so: building one package again would
    // resolve features differently and recompile dependencies for minutes.
    let artifact = match package {
        "entrasnap-sim" => format!("entrasnap-sim{}", std::env::consts::EXE_SUFFIX),
        _ => format!(
            "{}entrasnap{}",
            std::env::consts::DLL_PREFIX,
            std::env::consts::DLL_SUFFIX
        ),
    };
    if std::env::var_os("ENTRASNAP_WORKSPACE_BUILT").is_some()
        && profile_dir.join(&artifact).exists()
    {
        return profile_dir.to_path_buf();
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(cargo)
        .args(["build", "--quiet", "-p", package, "--profile", profile])
        .arg("--manifest-path")
        .arg(repo_root().join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "cargo build -p {package} failed");
    profile_dir.to_path_buf()
}

/// Compiles the C program `source` (relative to tests/c) against
/// include/entrasnap.h, warnings as errors, linked to the library in
/// `library_dir`.
pub fn compile_c(compiler: &str, args: &[&str], source: &str, library_dir: &Path, output: &Path) {
    let root = repo_root();
    let result = Command::new(compiler)
        .args(args)
        .args(["-Wall", "-Wextra", "-Werror", "-pedantic"])
        .arg("-I")
        .arg(root.join("include"))
        .arg(root.join("tests/c").join(source))
        .arg("-L")
        .arg(library_dir)
        .arg("-lentrasnap")
        .arg(format!("-Wl,-rpath,{}", library_dir.display()))
        .arg("-o")
        .arg(output)
        .output()
        .unwrap_or_else(|e| panic!("running {compiler}: {e}"));
    assert!(
        result.status.success(),
        "{compiler} could not build tests/c/{source}:\n{}",
        String::from_utf8_lossy(&result.stderr)
    );
}

/// A running `entrasnap-sim` on a free loopback port, stopped on drop.
pub struct Emulator {
    child: std::process::Child,
    url: String,
}

impl Emulator {
    /// Starts the emulator binary with `--port 0` and the extra `args`, and
    /// waits for its `listening on URL` line.
    pub fn start(args: &[&str]) -> Emulator {
        use std::io::{BufRead, BufReader};
        let mut child = Command::new(sim_binary())
            .args(["--port", "0"])
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .spawn()
            .expect("entrasnap-sim starts");
        let stdout = child.stdout.take().expect("a piped stdout");
        let mut line = String::new();
        let read = BufReader::new(stdout).read_line(&mut line);
        let url = match (read, line.trim().strip_prefix("listening on ")) {
            (Ok(_), Some(url)) => url.to_owned(),
            (read, _) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("entrasnap-sim did not say where it listens: {read:?} {line:?}");
            }
        };
        Emulator { child, url }
    }

    /// Its base URL, like `http://127.0.0.1:41234`.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Copies the folder `from` to `to`, recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("creating {}: {e}", to.display()));
    for entry in
        std::fs::read_dir(from).unwrap_or_else(|e| panic!("reading {}: {e}", from.display()))
    {
        let path = entry.expect("a readable directory entry").path();
        let target = to.join(path.file_name().expect("an entry has a name"));
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target)
                .unwrap_or_else(|e| panic!("copying {}: {e}", path.display()));
        }
    }
}
