//! The Magento fake: searchCriteria, the repeated last page, store configs, admin token.

use sandbox::Seed;
use sandbox::magento::{MagentoFake, MagentoOptions, PastEnd};
use serde_json::{Value, json};

async fn admin_token(m: &MagentoFake) -> String {
    let c = m.credentials();
    let r = reqwest::Client::new()
        .post(format!("{}/V1/integration/admin/token", m.rest_url()))
        .json(&json!({"username": c.username, "password": c.password}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json::<String>().await.unwrap()
}

async fn get(m: &MagentoFake, token: &str, path_and_query: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{}{path_and_query}", m.rest_url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

const PAGE: &str = "searchCriteria[sortOrders][0][field]=entity_id&searchCriteria[sortOrders][0][direction]=ASC&searchCriteria[pageSize]=10";

#[tokio::test]
async fn paging_repeats_the_last_page_past_the_end() {
    let m = MagentoFake::start(Seed::orders(25)).await.unwrap();
    let token = admin_token(&m).await;
    let ids = |v: &Value| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["entity_id"].as_u64().unwrap())
            .collect::<Vec<_>>()
    };
    let p3: Value = get(
        &m,
        &token,
        &format!("/V1/orders?{PAGE}&searchCriteria[currentPage]=3"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(ids(&p3), (21..=25).collect::<Vec<_>>());
    assert_eq!(p3["total_count"], 25);
    let p4: Value = get(
        &m,
        &token,
        &format!("/V1/orders?{PAGE}&searchCriteria[currentPage]=4"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(ids(&p4), ids(&p3), "past the end: the last page again");
    let p0: Value = get(
        &m,
        &token,
        &format!("/V1/orders?{PAGE}&searchCriteria[currentPage]=0"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        ids(&p0),
        (1..=10).collect::<Vec<_>>(),
        "currentPage 0 reads as 1"
    );

    let empty = MagentoFake::start_with(MagentoOptions {
        seed: Seed::orders(25),
        past_end: PastEnd::Empty,
        ..MagentoOptions::default()
    })
    .await
    .unwrap();
    let token = admin_token(&empty).await;
    let p4: Value = get(
        &empty,
        &token,
        &format!("/V1/orders?{PAGE}&searchCriteria[currentPage]=4"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(ids(&p4).is_empty());
}

#[tokio::test]
async fn keyset_filter_and_store_code_in_url() {
    let m = MagentoFake::start(Seed::orders(30)).await.unwrap();
    let token = m.credentials().integration_token;
    let q = format!(
        "/nl/V1/orders?searchCriteria[filter_groups][0][filters][0][field]=entity_id&searchCriteria[filter_groups][0][filters][0][value]=27&searchCriteria[filter_groups][0][filters][0][condition_type]=gt&{PAGE}"
    );
    let r: Value = get(&m, &token, &q).await.json().await.unwrap();
    let ids: Vec<u64> = r["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["entity_id"].as_u64().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![28, 29, 30],
        "the store code does not filter; entity_id gt works numerically"
    );
    assert_eq!(
        r["search_criteria"]["filter_groups"][0]["filters"][0]["condition_type"],
        "gt"
    );
    let order = &r["items"][0];
    assert!(order["increment_id"].is_string());
    assert!(order["grand_total"].is_number(), "money is a JSON number");
    assert!(
        order["created_at"].as_str().unwrap().len() == 19
            && !order["created_at"].as_str().unwrap().contains('T')
    );
    assert!(
        order["extension_attributes"]["shipping_assignments"][0]["shipping"]["address"].is_object()
    );
    // Every top-level field of the documented order (the doc elides items, so it is not JSON:
    // read the top-level names from its two-space-indented lines).
    let doc = std::fs::read_to_string(format!(
        "{}/tests/fixtures/magento_order_docs_elided.json.txt",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut checked = 0;
    for line in doc.lines().filter(|l| l.starts_with("  \"")) {
        let name = line
            .trim_start()
            .trim_start_matches('"')
            .split('"')
            .next()
            .unwrap();
        assert!(order.get(name).is_some(), "missing documented field {name}");
        checked += 1;
    }
    assert!(checked > 50, "read the documented fields");
}

#[tokio::test]
async fn store_configs_and_auth() {
    let m = MagentoFake::start(Seed::orders(1)).await.unwrap();
    let denied = get(&m, "wrong", "/V1/store/storeConfigs").await;
    assert_eq!(denied.status(), 401);
    assert_eq!(
        denied.json::<Value>().await.unwrap()["parameters"]["resources"],
        "Magento_Backend::store"
    );
    let token = admin_token(&m).await;
    let configs: Vec<Value> = get(&m, &token, "/V1/store/storeConfigs")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(configs.len(), 2);
    let base = format!("{}/", m.base_url());
    assert_eq!(configs[0]["base_link_url"], base.as_str());
    assert_eq!(
        configs[1]["base_link_url"],
        format!("{base}nl/").as_str(),
        "a store code in the link URL"
    );
    for key in [
        "id",
        "code",
        "website_id",
        "locale",
        "base_currency_code",
        "timezone",
        "base_url",
        "secure_base_link_url",
    ] {
        assert!(configs[0].get(key).is_some(), "{key}");
    }
    let bad = reqwest::Client::new()
        .post(format!("{}/V1/integration/admin/token", m.rest_url()))
        .json(&json!({"username": "admin", "password": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);
}

/// RFC 3986 encoding, written here independently of the sandbox.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn oauth_header(
    url: &str,
    query: &[(&str, &str)],
    c: &sandbox::magento::MagentoCredentials,
    nonce: &str,
    secret_override: Option<&str>,
) -> String {
    use base64::Engine;
    use hmac::{Hmac, Mac};
    let ts = chrono::Utc::now().timestamp().to_string();
    let oauth = [
        ("oauth_consumer_key", c.consumer_key.as_str()),
        ("oauth_nonce", nonce),
        ("oauth_signature_method", "HMAC-SHA256"),
        ("oauth_timestamp", ts.as_str()),
        ("oauth_token", c.integration_token.as_str()),
        ("oauth_version", "1.0"),
    ];
    let mut all: Vec<(String, String)> = query
        .iter()
        .chain(oauth.iter())
        .map(|(k, v)| (enc(k), enc(v)))
        .collect();
    all.sort();
    let joined = all
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let base = format!("GET&{}&{}", enc(url), enc(&joined));
    let key = format!(
        "{}&{}",
        secret_override.unwrap_or(&c.consumer_secret),
        c.access_token_secret
    );
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(base.as_bytes());
    let sig = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    let mut parts: Vec<String> = oauth
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", enc(v)))
        .collect();
    parts.push(format!("oauth_signature=\"{}\"", enc(&sig)));
    format!("OAuth {}", parts.join(","))
}

#[test]
fn oauth_base_string_matches_a_hand_derived_golden_string() {
    let params: Vec<(String, String)> = [
        ("searchCriteria[pageSize]", "10"),
        ("oauth_consumer_key", "ck"),
        ("oauth_nonce", "n"),
        ("oauth_signature_method", "HMAC-SHA256"),
        ("oauth_timestamp", "1700000000"),
        ("oauth_token", "t"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let golden = "GET&http%3A%2F%2Fshop.example%2Frest%2FV1%2Forders&oauth_consumer_key%3Dck%26oauth_nonce%3Dn%26oauth_signature_method%3DHMAC-SHA256%26oauth_timestamp%3D1700000000%26oauth_token%3Dt%26searchCriteria%255BpageSize%255D%3D10";
    assert_eq!(
        sandbox::magento::oauth::base_string("GET", "http://shop.example/rest/V1/orders", &params),
        golden
    );
}

#[tokio::test]
async fn oauth_with_the_four_integration_credentials() {
    let m = MagentoFake::start(Seed::orders(5)).await.unwrap();
    let c = m.credentials();
    let url = format!("{}/V1/orders", m.rest_url());
    let query = [("searchCriteria[pageSize]", "2")];
    let client = reqwest::Client::new();
    let ok = client
        .get(&url)
        .query(&query)
        .header("authorization", oauth_header(&url, &query, &c, "n1", None))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(
        ok.json::<Value>().await.unwrap()["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let bad = client
        .get(&url)
        .query(&query)
        .header(
            "authorization",
            oauth_header(&url, &query, &c, "n2", Some("wrong")),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);
    assert_eq!(
        bad.json::<Value>().await.unwrap()["message"],
        "The signature is invalid. Verify and try again."
    );
}
