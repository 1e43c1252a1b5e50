//! The naive exporter the benchmarks measure against: what scripts built on
//! `Get-Mg*` do. List every collection, then one members call per group, one
//! owners call per application and (when asked) one GET per Conditional
//! Access policy. It reads everything and stores nothing.

use entrasnap_graph::GraphClient;
use futures::stream::{self, StreamExt, TryStreamExt};

pub struct Naive {
    /// `$top` of every list (Graph's default page is 100).
    pub page: u32,
    /// Per-object calls in flight at once (1: one after another).
    pub concurrency: usize,
    /// One GET per Conditional Access policy after listing their ids.
    pub ca_per_policy: bool,
}

impl Naive {
    /// Objects and links read.
    pub async fn run(&self, client: &GraphClient) -> usize {
        let top = self.page;
        let mut objects = 0;
        for path in [
            format!("/users?$top={top}"),
            format!("/servicePrincipals?$top={top}"),
            "/beta/identity/conditionalAccess/namedLocations".to_string(),
        ] {
            objects += client.get_all(&path).await.unwrap().len();
        }
        let groups = client
            .get_all(&format!("/groups?$top={top}"))
            .await
            .unwrap();
        let apps = client
            .get_all(&format!("/applications?$top={top}"))
            .await
            .unwrap();
        let ca = if self.ca_per_policy {
            "/beta/identity/conditionalAccess/policies?$select=id"
        } else {
            "/beta/identity/conditionalAccess/policies"
        };
        let policies = client.get_all(ca).await.unwrap();
        objects += groups.len() + apps.len() + policies.len();
        let id = |v: &serde_json::Value| v["id"].as_str().unwrap().to_string();
        let mut per_object: Vec<String> = groups
            .iter()
            .map(|g| format!("/groups/{}/members?$top={top}&$select=id", id(g)))
            .chain(
                apps.iter()
                    .map(|a| format!("/applications/{}/owners?$select=id", id(a))),
            )
            .collect();
        if self.ca_per_policy {
            per_object.extend(
                policies
                    .iter()
                    .map(|p| format!("/beta/identity/conditionalAccess/policies/{}", id(p))),
            );
        }
        let linked: usize = stream::iter(per_object)
            .map(|p| async move {
                if p.contains("/conditionalAccess/") {
                    client.get(&p).await.map(|_| 0)
                } else {
                    client.get_all(&p).await.map(|v| v.len())
                }
            })
            .buffer_unordered(self.concurrency.max(1))
            .try_fold(0, |n, m| async move { Ok(n + m) })
            .await
            .unwrap();
        objects + linked
    }
}
