//! A started emulator and a tiny HTTP client for it.

use entrasnap_sim::{Config, Running};
use reqwest::{Method, StatusCode};
use serde_json::Value;

pub struct Graph {
    pub sim: Running,
    pub http: reqwest::Client,
    pub base: String,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn error_code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or_default()
    }

    pub fn error_message(&self) -> &str {
        self.body["error"]["message"].as_str().unwrap_or_default()
    }
}

impl Graph {
    pub async fn start(config: Config) -> Graph {
        let sim = entrasnap_sim::start(config, 0)
            .await
            .expect("emulator starts");
        let base = sim.url();
        Graph {
            sim,
            http: reqwest::Client::new(),
            base,
        }
    }

    pub async fn demo() -> Graph {
        Self::start(Config::default()).await
    }

    /// `path` is relative to the host (`/v1.0/users`) or an absolute link from a response.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.base)
        };
        let token = headers
            .iter()
            .find(|(k, _)| *k == "authorization")
            .map_or("Bearer test-token".to_string(), |(_, v)| v.to_string());
        let mut req = self
            .http
            .request(method, url)
            .header("authorization", token);
        for (k, v) in headers.iter().filter(|(k, _)| *k != "authorization") {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request reaches the emulator");
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(if text.is_empty() {
            Value::Null
        } else {
            Value::String(text)
        });
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None, &[]).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.call(Method::POST, path, Some(body), &[]).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.call(Method::PATCH, path, Some(body), &[]).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.call(Method::DELETE, path, None, &[]).await
    }

    /// Follow `@odata.nextLink` to the end; returns the items and the number of pages.
    pub async fn get_all(&self, path: &str) -> (Vec<Value>, usize) {
        let mut items = Vec::new();
        let mut pages = 0;
        let mut next = Some(path.to_string());
        while let Some(url) = next {
            let r = self.get(&url).await;
            assert_eq!(r.status, 200, "GET {url}: {}", r.body);
            pages += 1;
            items.extend(r.body["value"].as_array().cloned().unwrap_or_default());
            next = r.body["@odata.nextLink"].as_str().map(str::to_string);
        }
        (items, pages)
    }

    /// One delta round to its deltaLink: (items, deltaLink).
    pub async fn delta_round(&self, url: &str) -> (Vec<Value>, String) {
        let mut items = Vec::new();
        let mut next = url.to_string();
        loop {
            let r = self.get(&next).await;
            assert_eq!(r.status, 200, "GET {next}: {}", r.body);
            items.extend(r.body["value"].as_array().cloned().unwrap_or_default());
            if let Some(n) = r.body["@odata.nextLink"].as_str() {
                next = n.to_string();
            } else {
                let link = r.body["@odata.deltaLink"]
                    .as_str()
                    .expect("a round ends with a deltaLink");
                return (items, link.to_string());
            }
        }
    }

    pub async fn stats(&self) -> Value {
        self.http
            .get(format!("{}/_sim/stats", self.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// A JWT-shaped bearer token carrying `claims` (the emulator reads, never checks, them).
    pub fn jwt(claims: Value) -> String {
        format!("Bearer {}", entrasnap_sim::audit::unsigned_jwt(&claims))
    }

    /// The id of the first object in a collection whose displayName matches.
    pub async fn id_by_name(&self, collection: &str, name: &str) -> String {
        let literal = name.replace('\'', "''").replace('+', "%2B");
        let r = self
            .get(&format!(
                "/v1.0/{collection}?$filter=displayName eq '{literal}'"
            ))
            .await;
        r.body["value"][0]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no {collection} named {name}: {}", r.body))
            .to_string()
    }
}
