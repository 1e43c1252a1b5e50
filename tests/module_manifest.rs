//! The manifest exports exactly the functions in Public/, each Public file
//! defines the one function its name says, and every public function has
//! comment-based help: synopsis, description, an example, every parameter.

use std::path::Path;

use crate::util::{files_with_extensions, module_root, nodes, parse_powershell, read, relative};

/// The single-quoted strings of `Key = @( ... )` in a psd1, or of `Key = '...'`.
fn psd1_strings(psd1: &str, key: &str) -> Vec<String> {
    let at = psd1
        .lines()
        .position(|line| {
            line.trim_start().starts_with(&format!("{key} "))
                || line.trim_start().starts_with(&format!("{key}="))
        })
        .unwrap_or_else(|| panic!("the manifest has no {key}"));
    let rest: Vec<&str> = psd1.lines().skip(at).collect();
    let value = if rest[0].contains("@(") && !rest[0].contains(')') {
        let end = rest
            .iter()
            .position(|line| line.trim() == ")")
            .expect("@( is closed");
        rest[..=end].join("\n")
    } else {
        rest[0].to_owned()
    };
    let value = &value[value.find('=').expect("Key = value") + 1..];
    value
        .split('\'')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// The text of a node.
fn text<'a>(node: tree_sitter::Node<'_>, source: &'a str) -> &'a str {
    node.utf8_text(source.as_bytes()).expect("UTF-8 source")
}

/// A function defined in a file: its name, its help comment and its
/// parameter names (without `$`).
struct Function {
    name: String,
    help: Option<String>,
    parameters: Vec<String>,
}

fn functions(source: &str) -> Vec<Function> {
    let tree = parse_powershell(source);
    nodes(&tree)
        .into_iter()
        .filter(|node| node.kind() == "function_statement")
        .map(|function| {
            let descendants: Vec<_> = nodes_under(function);
            let name = descendants
                .iter()
                .find(|n| n.kind() == "function_name")
                .map(|n| text(*n, source).to_owned())
                .unwrap_or_default();
            let help = descendants
                .iter()
                .filter(|n| n.kind() == "comment")
                .map(|n| text(*n, source))
                .find(|comment| comment.starts_with("<#") && comment.contains(".SYNOPSIS"))
                .map(str::to_owned);
            let parameters = descendants
                .iter()
                .find(|n| n.kind() == "param_block")
                .map(|block| {
                    nodes_under(*block)
                        .into_iter()
                        .filter(|n| n.kind() == "script_parameter")
                        .filter_map(|parameter| {
                            let mut cursor = parameter.walk();
                            let variable = parameter
                                .named_children(&mut cursor)
                                .find(|child| child.kind() == "variable")?;
                            Some(text(variable, source).trim_start_matches('$').to_owned())
                        })
                        .collect()
                })
                .unwrap_or_default();
            Function {
                name,
                help,
                parameters,
            }
        })
        .collect()
}

/// `node` and everything under it, in document order.
fn nodes_under(node: tree_sitter::Node<'_>) -> Vec<tree_sitter::Node<'_>> {
    let mut all = vec![node];
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        all.extend(nodes_under(child));
    }
    all
}

/// The sections of a comment-based help block: (keyword, argument, body).
fn help_sections(help: &str) -> Vec<(String, String, String)> {
    let mut sections: Vec<(String, String, String)> = Vec::new();
    for line in help.trim_start_matches("<#").trim_end_matches("#>").lines() {
        let trimmed = line.trim();
        let keyword = trimmed
            .strip_prefix('.')
            .map(|rest| rest.split_whitespace().collect::<Vec<_>>())
            .filter(|words| {
                !words.is_empty()
                    && words[0].chars().all(|c| c.is_ascii_uppercase())
                    && words.len() <= 2
            });
        match keyword {
            Some(words) => sections.push((
                words[0].to_owned(),
                words.get(1).copied().unwrap_or_default().to_owned(),
                String::new(),
            )),
            None => {
                if let Some(section) = sections.last_mut() {
                    section.2.push_str(trimmed);
                    section.2.push('\n');
                }
            }
        }
    }
    sections
}

fn public_files() -> Vec<std::path::PathBuf> {
    files_with_extensions(&module_root().join("Public"), &["ps1"])
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn manifest_exports_exactly_the_public_files() {
    let psd1 = read(&module_root().join("EntraSnapshot.psd1"));
    let mut exported = psd1_strings(&psd1, "FunctionsToExport");
    exported.sort();
    let mut public: Vec<String> = public_files().iter().map(|f| stem(f)).collect();
    public.sort();
    assert!(!public.is_empty(), "module/EntraSnapshot/Public is empty");
    assert_eq!(
        exported, public,
        "FunctionsToExport must list exactly the files in Public/"
    );
}

#[test]
fn manifest_matches_the_crates_and_the_files() {
    let root = module_root();
    let psd1 = read(&root.join("EntraSnapshot.psd1"));
    assert_eq!(
        psd1_strings(&psd1, "ModuleVersion"),
        [env!("CARGO_PKG_VERSION")]
    );
    assert_eq!(psd1_strings(&psd1, "PowerShellVersion"), ["5.1"]);
    assert_eq!(
        psd1_strings(&psd1, "CompatiblePSEditions"),
        ["Desktop", "Core"]
    );
    assert_eq!(psd1_strings(&psd1, "RootModule"), ["EntraSnapshot.psm1"]);
    for file in psd1_strings(&psd1, "RootModule")
        .into_iter()
        .chain(psd1_strings(&psd1, "FormatsToProcess"))
    {
        assert!(
            root.join(&file).is_file(),
            "the manifest names {file}, which does not exist"
        );
    }
    assert!(root.join("en-US/about_EntraSnapshot.help.txt").is_file());
}

#[test]
fn each_public_file_defines_its_function() {
    for file in public_files() {
        let names: Vec<String> = functions(&read(&file))
            .into_iter()
            .map(|f| f.name)
            .collect();
        assert_eq!(
            names,
            [stem(&file)],
            "{} must define exactly the function {}",
            relative(&file),
            stem(&file)
        );
    }
}

#[test]
fn each_public_function_has_full_help() {
    let mut problems = Vec::new();
    for file in public_files() {
        for function in functions(&read(&file)) {
            let name = &function.name;
            let Some(help) = &function.help else {
                problems.push(format!("{name}: no comment-based help with .SYNOPSIS"));
                continue;
            };
            let sections = help_sections(help);
            let body = |keyword: &str| {
                sections
                    .iter()
                    .find(|(k, _, _)| k == keyword)
                    .map(|(_, _, body)| body.trim().to_owned())
                    .unwrap_or_default()
            };
            for keyword in ["SYNOPSIS", "DESCRIPTION", "EXAMPLE"] {
                if body(keyword).is_empty() {
                    problems.push(format!("{name}: .{keyword} is missing or empty"));
                }
            }
            for parameter in &function.parameters {
                let documented = sections.iter().any(|(k, arg, body)| {
                    k == "PARAMETER"
                        && arg.eq_ignore_ascii_case(parameter)
                        && !body.trim().is_empty()
                });
                if !documented {
                    problems.push(format!("{name}: no .PARAMETER {parameter}"));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "help problems:\n{}",
        problems.join("\n")
    );
}

#[test]
fn help_checks_see_parameters_and_sections() {
    let source = r#"function Get-Thing {
    <#
    .SYNOPSIS
    Gets a thing.

    .PARAMETER Name
    The thing's name.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)]
        [string]
        $Name,

        [int]
        $Count = $Name.Length
    )

    $Name
}
"#;
    let found = functions(source);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].name, "Get-Thing");
    assert_eq!(found[0].parameters, ["Name", "Count"]);
    let sections = help_sections(found[0].help.as_deref().unwrap());
    let keywords: Vec<(&str, &str)> = sections
        .iter()
        .map(|(k, a, _)| (k.as_str(), a.as_str()))
        .collect();
    assert_eq!(keywords, [("SYNOPSIS", ""), ("PARAMETER", "Name")]);
}
