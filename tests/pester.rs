//! Runs the Pester tests under pwsh against the freshly built library and
//! emulator. On a user's machine without pwsh or Pester 5 it says so in one
//! line; in CI (`CI` set) that is a failure, never a skip.

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;

use crate::util::{copy_dir, library_dir, repo_root, sim_binary};

fn find_pwsh() -> Option<PathBuf> {
    let names: &[&str] = if cfg!(windows) {
        &["pwsh.exe"]
    } else {
        &["pwsh"]
    };
    std::env::split_paths(&std::env::var_os("PATH")?)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// The module's runtime id and library file name for this platform.
fn runtime() -> (String, &'static str) {
    let os = if cfg!(windows) {
        "win"
    } else if cfg!(target_os = "macos") {
        "osx"
    } else {
        "linux"
    };
    let cpu = if cfg!(target_arch = "aarch64") {
        "arm64"
    } else {
        "x64"
    };
    let file = if cfg!(windows) {
        "entrasnap.dll"
    } else if cfg!(target_os = "macos") {
        "libentrasnap.dylib"
    } else {
        "libentrasnap.so"
    };
    (format!("{os}-{cpu}"), file)
}

/// A line on the terminal even when the test harness captures output.
fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

fn powershell(pwsh: &PathBuf, script: &str, sim: Option<&PathBuf>) -> std::process::Output {
    let mut command = Command::new(pwsh);
    command.args(["-NoProfile", "-NonInteractive", "-Command", script]);
    if let Some(sim) = sim {
        // The copied tree has no target/: tell the Pester tests where the emulator is.
        command.env("ENTRASNAP_SIM", sim);
    }
    command.output().expect("pwsh runs")
}

/// In CI a missing pwsh or Pester fails the run; elsewhere it is one line.
fn missing(what: &str) {
    let in_ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
    assert!(
        !in_ci,
        "pester: {what}; CI must run the Pester suite (install PowerShell 7 and Pester 5)"
    );
    say(&format!(
        "pester: {what}, so the Pester tests were not run."
    ));
}

#[test]
fn pester_tests_pass_under_pwsh() {
    let Some(pwsh) = find_pwsh() else {
        missing("pwsh is not installed here (they run wherever pwsh is)");
        return;
    };
    let has_pester = powershell(
        &pwsh,
        "if (Get-Module -ListAvailable -Name Pester | Where-Object { $_.Version -ge [version]'5.0.0' }) { exit 0 } else { exit 3 }",
        None,
    );
    if has_pester.status.code() == Some(3) {
        missing("pwsh has no Pester 5 (Install-Module Pester -MinimumVersion 5.0.0)");
        return;
    }

    // A copy of what the Pester tests read, so the library can go into
    // runtimes/ without touching the working tree.
    let root = repo_root();
    let scratch = tempfile::tempdir().expect("a temporary folder");
    for dir in ["module", "Pester", "include", "examples", "scripts"] {
        copy_dir(&root.join(dir), &scratch.path().join(dir));
    }
    // build.ps1 -Package (Pester/Package.Tests.ps1) packages the copied module.
    for file in ["Cargo.toml", "build.ps1"] {
        std::fs::copy(root.join(file), scratch.path().join(file))
            .unwrap_or_else(|e| panic!("{file} copies: {e}"));
    }
    let (rid, file) = runtime();
    let native = scratch
        .path()
        .join(format!("module/EntraSnapshot/runtimes/{rid}/native"));
    std::fs::create_dir_all(&native).expect("runtimes/<rid>/native is created");
    std::fs::copy(library_dir().join(file), native.join(file)).expect("the library copies");

    let tests = scratch
        .path()
        .join("Pester")
        .display()
        .to_string()
        .replace('\'', "''");
    let result = powershell(
        &pwsh,
        &format!(
            "$c = New-PesterConfiguration; $c.Run.Path = '{tests}'; $c.Run.Exit = $true; \
             $c.Output.Verbosity = 'Detailed'; Invoke-Pester -Configuration $c"
        ),
        Some(&sim_binary()),
    );
    let stdout = String::from_utf8_lossy(&result.stdout);
    // Pester's own closing lines ("Tests Passed: N, Failed: N, Skipped: N ...").
    for line in stdout
        .lines()
        .filter(|l| l.contains("Tests Passed:") || l.starts_with("Tests completed in"))
    {
        say(&format!("pester: {}", line.trim()));
    }
    assert!(
        result.status.success(),
        "Pester failed:\n{}\n{}",
        stdout,
        String::from_utf8_lossy(&result.stderr)
    );
    let skipped = stdout
        .lines()
        .find_map(|l| l.split("Skipped: ").nth(1))
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse::<u32>().ok());
    assert_eq!(
        skipped,
        Some(0),
        "every Pester test must run, none skipped:\n{stdout}"
    );
}
