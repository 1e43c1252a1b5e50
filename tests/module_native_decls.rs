//! The module's P/Invoke declarations (the signature list it declares with
//! Reflection.Emit) must match include/entrasnap.h: the same functions, the same parameter counts,
//! compatible types, cdecl, and the same ABI version.

use std::collections::HashMap;

use crate::util::{files_with_extensions, module_root, read, relative, repo_root};

/// A function prototype: its name, return type and parameter types.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Signature {
    name: String,
    returns: String,
    params: Vec<String>,
}

fn strip_c_comments(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("/*") {
            rest = after.find("*/").map_or("", |end| &after[end + 2..]);
            out.push(' ');
        } else if let Some(after) = rest.strip_prefix("//") {
            rest = after.find('\n').map_or("", |end| &after[end..]);
        } else {
            let c = rest.chars().next().expect("rest is not empty");
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Splits `text` at its last identifier: `("const char *", "entrasnap_version")`.
fn split_last_identifier(text: &str) -> (&str, &str) {
    let text = text.trim_end();
    let start = text
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_alphanumeric() || *c == '_')
        .last()
        .map_or(text.len(), |(i, _)| i);
    (text[..start].trim(), &text[start..])
}

/// The functions and typedefs declared by a C header.
fn header_declarations(header: &str) -> (Vec<Signature>, HashMap<String, String>) {
    let code: String = strip_c_comments(header)
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    let mut functions = Vec::new();
    let mut typedefs = HashMap::new();
    for statement in code.split(';') {
        // Drops enum bodies and `extern "C" {` that run into the statement.
        let statement =
            collapse_whitespace(statement.rsplit(['{', '}']).next().unwrap_or_default());
        if let Some(typedef) = statement.strip_prefix("typedef ") {
            let (target, alias) = split_last_identifier(typedef);
            typedefs.insert(alias.to_owned(), target.to_owned());
        } else if let (Some(open), true) = (statement.find('('), statement.ends_with(')')) {
            let (returns, name) = split_last_identifier(&statement[..open]);
            let inside = statement[open + 1..statement.len() - 1].trim();
            let params = if inside.is_empty() || inside == "void" {
                Vec::new()
            } else {
                inside
                    .split(',')
                    .map(|param| split_last_identifier(param).0.to_owned())
                    .collect()
            };
            functions.push(Signature {
                name: name.to_owned(),
                returns: returns.to_owned(),
                params,
            });
        }
    }
    (functions, typedefs)
}

/// The C# type a C type is declared as: pointers are `IntPtr`, a pointer to
/// a pointer is an output parameter `out IntPtr`, integers by width.
fn csharp_type_for(c_type: &str, typedefs: &HashMap<String, String>) -> Option<&'static str> {
    match c_type.matches('*').count() {
        1 => return Some("IntPtr"),
        2 => return Some("out IntPtr"),
        0 => {}
        _ => return None,
    }
    let mut base = c_type.replace("const ", "").trim().to_owned();
    for _ in 0..8 {
        match typedefs.get(&base) {
            Some(target) => base = target.clone(),
            None => break,
        }
    }
    match base.as_str() {
        "void" => Some("void"),
        "uint8_t" => Some("byte"),
        "int32_t" => Some("int"),
        "uint32_t" => Some("uint"),
        "int64_t" => Some("long"),
        "uint64_t" => Some("ulong"),
        "size_t" => Some("UIntPtr"),
        _ => None,
    }
}

/// The marker of the module's signature list (Import-EntraSnapshotNative.ps1).
const SIGNATURES: &str = "$script:EntraSnapshotNativeSignatures = @'";

/// The declarations in the module's signature list: one
/// `<return> <name>(<type> <name>, ...)` a line, in C# spelling, which the
/// module declares with Reflection.Emit.
fn module_imports(source: &str) -> Vec<Signature> {
    let Some(start) = source.find(SIGNATURES) else {
        return Vec::new();
    };
    let body = &source[start + SIGNATURES.len()..];
    let body = &body[..body.find("\n'@").unwrap_or(body.len())];
    let mut imports = Vec::new();
    for line in body.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let Some(open) = line.find('(') else {
            continue;
        };
        let (returns, name) = split_last_identifier(&line[..open]);
        let inside = line[open + 1..].trim_end_matches(')').trim();
        let params = if inside.is_empty() {
            Vec::new()
        } else {
            inside
                .split(',')
                .map(|param| split_last_identifier(param).0.to_owned())
                .collect()
        };
        imports.push(Signature {
            name: name.to_owned(),
            returns: returns.to_owned(),
            params,
        });
    }
    imports
}

/// Every way the C# declarations differ from the header.
fn mismatches(header: &str, csharp: &str) -> Vec<String> {
    let (functions, typedefs) = header_declarations(header);
    let imports = module_imports(csharp);
    let mut problems = Vec::new();
    for import in &imports {
        let name = &import.name;
        let Some(function) = functions.iter().find(|f| f.name == *name) else {
            problems.push(format!(
                "{name}: declared by the module but not in the header"
            ));
            continue;
        };
        if function.params.len() != import.params.len() {
            problems.push(format!(
                "{name}: the header has {} parameters ({}), the module {} ({})",
                function.params.len(),
                function.params.join(", "),
                import.params.len(),
                import.params.join(", ")
            ));
            continue;
        }
        let pairs = std::iter::once((
            &function.returns,
            &import.returns,
            "the return type".to_owned(),
        ))
        .chain(
            function
                .params
                .iter()
                .zip(&import.params)
                .enumerate()
                .map(|(i, (c, cs))| (c, cs, format!("parameter {}", i + 1))),
        );
        for (c_type, csharp_type, what) in pairs {
            match csharp_type_for(c_type, &typedefs) {
                Some(expected) if expected == csharp_type => {}
                Some(expected) => problems.push(format!(
                    "{name}: {what} is `{c_type}` in the header, so `{expected}` in C#, not `{csharp_type}`"
                )),
                None => problems.push(format!("{name}: {what}: no C# mapping for the C type `{c_type}`")),
            }
        }
    }
    for function in &functions {
        if !imports.iter().any(|import| import.name == function.name) {
            problems.push(format!(
                "{}: in the header but not declared by the module",
                function.name
            ));
        }
    }
    problems
}

fn module_sources() -> Vec<(String, String)> {
    files_with_extensions(&module_root(), &["ps1", "psm1"])
        .into_iter()
        .map(|file| (relative(&file), read(&file)))
        .collect()
}

#[test]
fn module_declares_every_header_function_with_matching_types() {
    let header = read(&repo_root().join("include/entrasnap.h"));
    let csharp: String = module_sources()
        .into_iter()
        .map(|(_, source)| source)
        .collect();
    let (functions, _) = header_declarations(&header);
    assert!(
        functions.len() >= 9,
        "too few functions found in the header: {functions:?}"
    );
    let problems = mismatches(&header, &csharp);
    assert!(
        problems.is_empty(),
        "the module's native declarations and include/entrasnap.h differ:\n{}",
        problems.join("\n")
    );
}

#[test]
fn module_expects_the_header_abi_version() {
    let header = read(&repo_root().join("include/entrasnap.h"));
    let header_version = header
        .lines()
        .find_map(|line| line.strip_prefix("#define ENTRASNAP_ABI_VERSION "))
        .expect("the header defines ENTRASNAP_ABI_VERSION")
        .trim()
        .to_owned();
    let declared: Vec<(String, String)> = module_sources()
        .into_iter()
        .filter_map(|(file, source)| {
            let at = source.find("$script:EntraSnapshotAbiVersion = ")?;
            let value = source[at..].split(['=', '\n']).nth(1)?.trim().to_owned();
            Some((file, value))
        })
        .collect();
    assert_eq!(
        declared.len(),
        1,
        "one `$script:EntraSnapshotAbiVersion` in the module: {declared:?}"
    );
    assert_eq!(
        declared[0].1, header_version,
        "{} expects ABI version {}, include/entrasnap.h has {}",
        declared[0].0, declared[0].1, header_version
    );
}

#[test]
fn the_library_functions_are_declared_cdecl_without_a_compiler() {
    let sources = module_sources();
    let emitter = sources
        .iter()
        .find(|(file, _)| file.ends_with("New-EntraSnapshotNativeType.ps1"))
        .expect("the module declares its native functions in New-EntraSnapshotNativeType.ps1");
    assert!(
        emitter.1.contains("DefinePInvokeMethod")
            && emitter.1.contains("Library = $LibraryPath; Convention = [System.Runtime.InteropServices.CallingConvention]::Cdecl"),
        "{}: the library's functions are P/Invoke methods with the cdecl convention",
        emitter.0
    );
    for (file, source) in &sources {
        assert!(
            !source.contains("Add-Type -"),
            "{file}: the module compiles nothing (Add-Type runs Roslyn or csc.exe at import)"
        );
    }
}

#[test]
fn a_mismatch_is_reported() {
    let header = "typedef uint32_t entrasnap_result;\n\
                  entrasnap_result entrasnap_a(const char *text,\n    uint32_t n);\n\
                  void entrasnap_b(char **out);\n\
                  void entrasnap_c(void);\n";
    let module = "$script:EntraSnapshotNativeSignatures = @'\n\
                  uint entrasnap_a(IntPtr text)\n\
                  void entrasnap_b(IntPtr output)\n\
                  void entrasnap_d()\n\
                  '@\n";
    let problems = mismatches(header, module).join("\n");
    assert!(
        problems.contains("entrasnap_a: the header has 2 parameters"),
        "{problems}"
    );
    assert!(
        problems.contains("`out IntPtr` in C#, not `IntPtr`"),
        "{problems}"
    );
    assert!(
        problems.contains("entrasnap_c: in the header but not declared"),
        "{problems}"
    );
    assert!(
        problems.contains("entrasnap_d: declared by the module but not in the header"),
        "{problems}"
    );
}

#[test]
fn matching_declarations_pass() {
    let header = "typedef uint32_t entrasnap_result;\n\
                  entrasnap_result entrasnap_a(const char *text, entrasnap_result n, struct x **out);\n";
    let module = "$script:EntraSnapshotNativeSignatures = @'\n\
                  uint entrasnap_a(IntPtr text, uint n, out IntPtr result)\n\
                  '@\n";
    assert_eq!(mismatches(header, module), Vec::<String>::new());
}
