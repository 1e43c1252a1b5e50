//! `entrasnap demo`: start the embedded Graph emulator on the demo tenant and
//! show, over real HTTP, what a Graph client sees there. Later engine work
//! extends this into the full snapshot, incident, compare and restore story.

use std::time::Instant;

use entrasnap_sim::{Config, Seed};
use serde_json::Value;

#[derive(clap::Args)]
pub struct Args {
    /// Keep the emulator running afterwards (Ctrl+C to stop), to explore it with curl.
    #[arg(long)]
    pub keep_running: bool,
    /// Port for the emulator (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
}

struct Graph {
    http: reqwest::Client,
    root: String,
}

impl Graph {
    async fn get_all(&self, path: &str) -> Result<Vec<Value>, String> {
        let mut items = Vec::new();
        let mut next = Some(format!("{}/{path}", self.root));
        while let Some(url) = next {
            let resp = self
                .http
                .get(&url)
                .bearer_auth("demo")
                .send()
                .await
                .map_err(|e| format!("GET {path}: {e}"))?;
            let status = resp.status();
            let body: Value = resp.json().await.map_err(|e| format!("GET {path}: {e}"))?;
            if !status.is_success() {
                return Err(format!(
                    "GET {path} answered {status}: {}",
                    body["error"]["message"]
                ));
            }
            items.extend(body["value"].as_array().cloned().unwrap_or_default());
            next = body["@odata.nextLink"].as_str().map(str::to_string);
        }
        Ok(items)
    }
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or("-")
}

pub async fn run(args: Args) -> Result<(), String> {
    let started = Instant::now();
    let sim = entrasnap_sim::start(
        Config {
            seed: Seed::Demo,
            ..Default::default()
        },
        args.port,
    )
    .await
    .map_err(|e| format!("cannot start the embedded Graph emulator: {e}"))?;
    let graph = Graph {
        http: reqwest::Client::new(),
        root: format!("{}/v1.0", sim.url()),
    };
    println!(
        "EntraSnapshot demo: an embedded Microsoft Graph emulator at {}",
        sim.url()
    );
    println!("(the Contoso demo tenant; nothing here touches a real tenant)\n");

    let counts = [
        ("users", "users?$top=999&$select=id"),
        ("groups", "groups?$top=999&$select=id"),
        ("applications", "applications?$top=999&$select=id"),
        (
            "service principals",
            "servicePrincipals?$top=999&$select=id",
        ),
        (
            "directory role definitions",
            "roleManagement/directory/roleDefinitions",
        ),
        (
            "role assignments",
            "roleManagement/directory/roleAssignments",
        ),
        (
            "named locations",
            "identity/conditionalAccess/namedLocations",
        ),
        (
            "authentication strengths",
            "identity/conditionalAccess/authenticationStrength/policies",
        ),
        (
            "authentication method configurations",
            "policies/authenticationMethodsPolicy/authenticationMethodConfigurations",
        ),
    ];
    println!("What the tenant holds:");
    for (label, path) in counts {
        println!("  {:>5}  {label}", graph.get_all(path).await?.len());
    }

    let policies = graph.get_all("identity/conditionalAccess/policies").await?;
    println!("\nConditional Access policies ({}):", policies.len());
    let mut sorted = policies.clone();
    sorted.sort_by(|a, b| text(a, "displayName").cmp(text(b, "displayName")));
    for p in &sorted {
        let state = match text(p, "state") {
            "enabledForReportingButNotEnforced" => "report-only",
            s => s,
        };
        println!("  {state:<12} {}", text(p, "displayName"));
    }

    let bg = graph
        .get_all("groups?$filter=displayName eq 'SG-CA-Exclude-BreakGlass'")
        .await?;
    if let Some(group) = bg.first() {
        let members = graph
            .get_all(&format!(
                "groups/{}/members?$select=displayName,userPrincipalName",
                text(group, "id")
            ))
            .await?;
        let excluded_by = policies
            .iter()
            .filter(|p| {
                p["conditions"]["users"]["excludeGroups"]
                    .as_array()
                    .is_some_and(|g| g.contains(&group["id"]))
            })
            .count();
        println!(
            "\nBreak-glass: group '{}' ({} members) is excluded from {excluded_by} of {} policies:",
            text(group, "displayName"),
            members.len(),
            policies.len()
        );
        for m in members {
            println!(
                "  {} <{}>",
                text(&m, "displayName"),
                text(&m, "userPrincipalName")
            );
        }
    }

    let locations = graph
        .get_all("identity/conditionalAccess/namedLocations")
        .await?;
    println!("\nNamed locations:");
    for l in &locations {
        let detail = match l["@odata.type"].as_str() {
            Some("#microsoft.graph.countryNamedLocation") => {
                format!("countries {}", l["countriesAndRegions"])
            }
            _ => format!(
                "{} range(s){}",
                l["ipRanges"].as_array().map_or(0, Vec::len),
                if l["isTrusted"] == true {
                    ", trusted"
                } else {
                    ""
                }
            ),
        };
        println!("  {:<22} {detail}", text(l, "displayName"));
    }

    let apps = graph
        .get_all("applications?$select=displayName,passwordCredentials")
        .await?;
    println!(
        "\nApp registrations and their client secrets (values are never readable, only hints):"
    );
    for a in &apps {
        let secrets = a["passwordCredentials"].as_array().map_or(0, Vec::len);
        println!("  {:<32} {secrets} secret(s)", text(a, "displayName"));
    }

    let stats: Value = graph
        .http
        .get(format!("{}/_sim/stats", sim.url()))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "\n{} Graph requests served in {:.1} s. The emulator is as strict as Graph: paging, delta, $batch, throttling, soft delete and validation.",
        stats["requests"],
        started.elapsed().as_secs_f64()
    );

    if args.keep_running {
        println!("\nStill serving at {} (Ctrl+C to stop). Try:", sim.url());
        println!(
            "  curl -s -H 'Authorization: Bearer x' '{}/v1.0/identity/conditionalAccess/policies?$select=displayName,state'",
            sim.url()
        );
        let _ = tokio::signal::ctrl_c().await;
    }
    sim.stop().await.map_err(|e| e.to_string())
}
