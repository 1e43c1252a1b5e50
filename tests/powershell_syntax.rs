//! Parses every PowerShell file in the repository with tree-sitter-powershell
//! and names the line and column of every syntax error.
//!
//! The grammar wrongly rejects two valid one-line forms (a statement on the
//! `param(...)` line of a one-line function, and a one-line `switch`); the
//! module is written in conventional multi-line style, so it needs no
//! exceptions.

use std::path::PathBuf;

use crate::util::{files_with_extensions, nodes, parse_powershell, read, relative, repo_root};

const EXTENSIONS: &[&str] = &["ps1", "psm1", "psd1"];

/// `line:column: what` for every ERROR or MISSING node (1-based, columns in
/// characters).
fn syntax_errors(source: &str) -> Vec<String> {
    let tree = parse_powershell(source);
    if !tree.root_node().has_error() {
        return Vec::new();
    }
    nodes(&tree)
        .into_iter()
        .filter(|node| node.is_error() || node.is_missing())
        .map(|node| {
            let at = node.start_position();
            let line = source.lines().nth(at.row).unwrap_or_default();
            let column = line
                .get(..at.column)
                .map_or(at.column, |l| l.chars().count())
                + 1;
            let what = if node.is_missing() {
                format!("missing {}", node.kind())
            } else {
                let text = node.utf8_text(source.as_bytes()).unwrap_or_default();
                let first_line = text.lines().next().unwrap_or_default();
                format!(
                    "syntax error near `{}`",
                    first_line.chars().take(40).collect::<String>()
                )
            };
            format!("{}:{column}: {what}", at.row + 1)
        })
        .collect()
}

fn powershell_files() -> Vec<PathBuf> {
    let root = repo_root();
    let mut files = files_with_extensions(&root.join("module"), EXTENSIONS);
    files.extend(files_with_extensions(&root.join("Pester"), EXTENSIONS));
    files.extend(files_with_extensions(&root.join("scripts"), EXTENSIONS));
    files.extend(files_with_extensions(&root.join("examples"), EXTENSIONS));
    files.push(root.join("build.ps1"));
    files
}

#[test]
fn every_powershell_file_parses() {
    let files = powershell_files();
    let names: Vec<String> = files.iter().map(|f| relative(f)).collect();
    for expected in [
        "build.ps1",
        "module/EntraSnapshot/EntraSnapshot.psd1",
        "module/EntraSnapshot/EntraSnapshot.psm1",
        "Pester/EntraSnapshot.Tests.ps1",
        "scripts/Measure-EntraSnapshotModule.ps1",
        "examples/Invoke-NightlyEntraSnapshot.ps1",
        "examples/EntraChange.Tests.ps1",
        "scripts/New-EntraSnapshotPackage.ps1",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} was not checked: {names:?}"
        );
    }
    let errors: Vec<String> = files
        .iter()
        .flat_map(|file| {
            syntax_errors(&read(file))
                .into_iter()
                .map(move |error| format!("{}:{error}", relative(file)))
        })
        .collect();
    assert!(
        errors.is_empty(),
        "PowerShell syntax errors:\n{}",
        errors.join("\n")
    );
}

#[test]
fn a_broken_snippet_is_caught() {
    let unclosed = "function Get-Thing {\n    if ($x) {\n        'x'\n}\n";
    assert!(!syntax_errors(unclosed).is_empty(), "an unclosed brace");
    let errors = syntax_errors("$a = 1\nforeach ($i in ) {\n    $i\n}\n");
    assert!(
        errors.iter().any(|e| e.starts_with("2:")),
        "an empty foreach collection on line 2: {errors:?}"
    );
    let hashtable = "$h = @{\n    a = \n}\n";
    assert!(
        !syntax_errors(hashtable).is_empty(),
        "a hashtable entry without a value"
    );
}

#[test]
fn conventional_powershell_parses() {
    let source = r#"function Get-Thing {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)]
        [string]
        $Name
    )

    switch ($Name) {
        'a' {
            1
        }
        default {
            2
        }
    }
    $text = @'
here-string
'@
    try {
        $text
    }
    finally {
        Write-Verbose 'done'
    }
}
"#;
    assert_eq!(syntax_errors(source), Vec::<String>::new());
}

/// Windows PowerShell 5.1 reads a script without a byte order mark in the
/// ANSI code page: one en dash in a UTF-8 file breaks its parse there. Every
/// file the module ships or tests with is ASCII, or UTF-8 with a BOM.
#[test]
fn every_powershell_file_reads_the_same_on_windows_powershell() {
    let root = repo_root();
    let mut files = powershell_files();
    files.extend(files_with_extensions(
        &root.join("module"),
        &["ps1xml", "txt"],
    ));
    let offenders: Vec<String> = files
        .iter()
        .filter_map(|file| {
            let bytes = std::fs::read(file).expect("the file reads");
            if bytes.starts_with(b"\xEF\xBB\xBF") {
                return None;
            }
            let line = bytes.split(|b| *b == b'\n').position(|l| !l.is_ascii())?;
            Some(format!("{}:{}", relative(file), line + 1))
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "non-ASCII text without a UTF-8 BOM (Windows PowerShell 5.1 misreads it): {offenders:?}"
    );
}
