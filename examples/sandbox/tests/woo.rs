//! The WooCommerce fake answers in wc/v3's shapes and checks auth the way WooCommerce does.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sandbox::php::parse_str;
use sandbox::woo::auth::{AuthSettings, base_string, base_uri};
use sandbox::woo::webhooks::Fire;
use sandbox::woo::{WooFake, WooOptions};
use sandbox::{Faults, Seed};
use serde_json::Value;

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("fixture json")
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().expect("object").keys().cloned().collect()
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

/// [`signed_url_at`] with the current time.
fn signed_url(
    method: &str,
    url: &str,
    extra: &[(&str, &str)],
    creds: (&str, &str),
    nonce: &str,
    algo: &str,
) -> String {
    signed_url_at(
        method,
        url,
        extra,
        creds,
        nonce,
        algo,
        chrono::Utc::now().timestamp(),
    )
}

/// Signs a request with simple (non-array) parameters as an OAuth 1.0a client would, and
/// returns the full URL with the oauth parameters in the query.
fn signed_url_at(
    method: &str,
    url: &str,
    extra: &[(&str, &str)],
    creds: (&str, &str),
    nonce: &str,
    algo: &str,
    ts: i64,
) -> String {
    let ts = ts.to_string();
    let mut params: Vec<(String, String)> = extra
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    params.push(("oauth_consumer_key".into(), creds.0.into()));
    params.push(("oauth_nonce".into(), nonce.into()));
    params.push(("oauth_signature_method".into(), algo.into()));
    params.push(("oauth_timestamp".into(), ts));
    params.sort();
    let joined = params
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&");
    let base = format!("{method}&{}&{}", enc(url), enc(&joined));
    let key = format!("{}&", creds.1);
    let sig = if algo == "HMAC-SHA1" {
        let mut m = Hmac::<sha1::Sha1>::new_from_slice(key.as_bytes()).unwrap();
        m.update(base.as_bytes());
        STANDARD.encode(m.finalize().into_bytes())
    } else {
        let mut m = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).unwrap();
        m.update(base.as_bytes());
        STANDARD.encode(m.finalize().into_bytes())
    };
    format!("{url}?{joined}&oauth_signature={}", enc(&sig))
}

async fn oauth_get(
    woo: &WooFake,
    path: &str,
    extra: &[(&str, &str)],
    nonce: &str,
) -> reqwest::Response {
    let c = woo.credentials();
    let url = signed_url(
        "GET",
        &format!("{}{path}", woo.api_url()),
        extra,
        (&c.consumer_key, &c.consumer_secret),
        nonce,
        "HMAC-SHA256",
    );
    reqwest::get(url).await.expect("request")
}

#[test]
fn base_string_matches_a_hand_derived_golden_string() {
    // parse_str: `a[]` → a[0]; `b.c` → b_c; `order=asc` lost to `order[x]=y`.
    let params = parse_str(
        "a[]=1&b.c=2&order=asc&order[x]=y&oauth_consumer_key=ck&oauth_nonce=n1&oauth_signature_method=HMAC-SHA256&oauth_timestamp=1700000000&oauth_signature=zzz",
    );
    let settings = AuthSettings {
        home_url: "http://Shop.example:8080".into(),
        is_ssl: false,
    };
    let uri = base_uri(&settings, "/wp-json/wc/v3/orders");
    assert_eq!(uri, "http://Shop.example:8080/wp-json/wc/v3/orders");
    let golden = "GET&http%3A%2F%2FShop.example%3A8080%2Fwp-json%2Fwc%2Fv3%2Forders&a%255B0%255D%3D1%26b_c%3D2%26oauth_consumer_key%3Dck%26oauth_nonce%3Dn1%26oauth_signature_method%3DHMAC-SHA256%26oauth_timestamp%3D1700000000%26order%255Bx%255D%3Dy";
    assert_eq!(base_string("GET", &uri, params), golden);
    // is_ssl() switches the scheme of the configured home URL.
    let https = AuthSettings {
        is_ssl: true,
        ..settings
    };
    assert_eq!(
        base_uri(&https, "/wp-json/wc/v3/orders"),
        "https://Shop.example:8080/wp-json/wc/v3/orders"
    );
}

#[tokio::test]
async fn oauth_signatures_are_checked_like_woocommerce() {
    let woo = WooFake::start(Seed::orders(3)).await.unwrap();
    let ok = oauth_get(&woo, "/orders", &[("per_page", "2")], "nonce-1").await;
    assert_eq!(ok.status(), 200);

    // The same nonce again is a replay.
    let replay = oauth_get(&woo, "/orders", &[("per_page", "2")], "nonce-1").await;
    assert_eq!(replay.status(), 401);
    let body: Value = replay.json().await.unwrap();
    assert_eq!(body["code"], "woocommerce_rest_authentication_error");
    assert_eq!(
        body["message"],
        "Invalid nonce - nonce has already been used."
    );

    // SHA-1 is accepted too.
    let c = woo.credentials();
    let sha1 = signed_url(
        "GET",
        &format!("{}/orders", woo.api_url()),
        &[],
        (&c.consumer_key, &c.consumer_secret),
        "nonce-2",
        "HMAC-SHA1",
    );
    assert_eq!(reqwest::get(sha1).await.unwrap().status(), 200);

    // Wrong secret: refused with WooCommerce's code.
    let bad = signed_url(
        "GET",
        &format!("{}/orders", woo.api_url()),
        &[],
        (&c.consumer_key, "cs_wrong"),
        "nonce-3",
        "HMAC-SHA256",
    );
    let r = reqwest::get(bad).await.unwrap();
    assert_eq!(r.status(), 401);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "woocommerce_rest_authentication_error");
    assert_eq!(
        body["message"],
        "Invalid signature - provided signature does not match."
    );

    // Signed against another host than the home URL: refused.
    let other = signed_url(
        "GET",
        "http://localhost:1/wp-json/wc/v3/orders",
        &[],
        (&c.consumer_key, &c.consumer_secret),
        "nonce-4",
        "HMAC-SHA256",
    );
    let query = other.split_once('?').unwrap().1;
    let r = reqwest::get(format!("{}/orders?{query}", woo.api_url()))
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // A partial set of OAuth parameters names what is missing.
    let r = reqwest::get(format!(
        "{}/orders?oauth_consumer_key={}",
        woo.api_url(),
        c.consumer_key
    ))
    .await
    .unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body["code"],
        "woocommerce_rest_authentication_missing_parameter"
    );
    assert_eq!(
        body["message"],
        "Missing OAuth parameters oauth_timestamp, oauth_nonce, oauth_signature, oauth_signature_method"
    );
}

#[tokio::test]
async fn basic_auth_only_counts_over_https() {
    let plain = WooFake::start(Seed::orders(2)).await.unwrap();
    let c = plain.credentials();
    let r = reqwest::Client::new()
        .get(format!("{}/orders", plain.api_url()))
        .basic_auth(&c.consumer_key, Some(&c.consumer_secret))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.json::<Value>().await.unwrap()["code"],
        "woocommerce_rest_cannot_view"
    );

    let tls = WooFake::start_with(WooOptions {
        seed: Seed::orders(2),
        is_ssl: true,
        ..WooOptions::default()
    })
    .await
    .unwrap();
    let c = tls.credentials();
    let client = reqwest::Client::new();
    let r = client
        .get(format!("{}/orders", tls.api_url()))
        .basic_auth(&c.consumer_key, Some(&c.consumer_secret))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = client
        .get(format!("{}/orders", tls.api_url()))
        .basic_auth(&c.consumer_key, Some("cs_wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(
        r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Basic realm=\"WooCommerce API.")
    );
    assert_eq!(
        r.json::<Value>().await.unwrap()["message"],
        "Consumer secret is invalid."
    );
}

#[tokio::test]
async fn resources_have_the_documented_shapes() {
    let woo = WooFake::start(Seed::orders(5)).await.unwrap();
    let order: Value = oauth_get(&woo, "/orders/1", &[], "s1")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        keys(&fixture("order.json")).is_subset(&keys(&order)),
        "order keys"
    );
    let list: Value = oauth_get(&woo, "/orders", &[], "s2")
        .await
        .json()
        .await
        .unwrap();
    assert!(keys(&fixture("orders_list.json")[0]).is_subset(&keys(&list[0])));
    let customer: Value = oauth_get(&woo, "/customers/1", &[], "s3")
        .await
        .json()
        .await
        .unwrap();
    assert!(keys(&fixture("customer.json")).is_subset(&keys(&customer)));
    let product: Value = oauth_get(&woo, "/products/1", &[], "s4")
        .await
        .json()
        .await
        .unwrap();
    assert!(keys(&fixture("product.json")).is_subset(&keys(&product)));
    let variations: Value = oauth_get(&woo, "/products/3/variations", &[], "s5")
        .await
        .json()
        .await
        .unwrap();
    let fixture_variation = keys(&fixture("product_variation.json"));
    assert!(
        fixture_variation.is_subset(&keys(&variations[0])),
        "{:?}",
        fixture_variation
            .difference(&keys(&variations[0]))
            .collect::<Vec<_>>()
    );
    let subs: Value = oauth_get(&woo, "/subscriptions", &[], "s6")
        .await
        .json()
        .await
        .unwrap();
    assert!(keys(&fixture("subscription.json")).is_subset(&keys(&subs[0])));
    assert!(keys(&fixture("subscriptions_list.json")[0]).is_subset(&keys(&subs[0])));
    let statuses: Value = oauth_get(&woo, "/subscriptions/statuses", &[], "s7")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(statuses, fixture("subscription_statuses.json"));
    let missing = oauth_get(&woo, "/nothing", &[], "s8").await;
    assert_eq!(missing.status(), 404);
    assert_eq!(
        missing.json::<Value>().await.unwrap(),
        fixture("error_rest_no_route.json")
    );
    // Errors carry WordPress's {code, message, data:{status}} shape.
    let missing_order = oauth_get(&woo, "/orders/999", &[], "s10").await;
    assert_eq!(missing_order.status(), 404);
    assert_eq!(
        keys(&missing_order.json::<Value>().await.unwrap()),
        keys(&fixture("error_woocommerce_rest.json"))
    );
    // Bodies are PHP json_encode output: escaped slashes.
    let raw = oauth_get(&woo, "/orders/1", &[], "s9")
        .await
        .text()
        .await
        .unwrap();
    assert!(raw.contains(r"\/wp-json\/wc\/v3\/orders\/1"));
}

#[tokio::test]
async fn paging_headers_and_limits() {
    let woo = WooFake::start(Seed::orders(25)).await.unwrap();
    let r = oauth_get(
        &woo,
        "/orders",
        &[
            ("per_page", "10"),
            ("page", "3"),
            ("orderby", "id"),
            ("order", "asc"),
        ],
        "p1",
    )
    .await;
    assert_eq!(r.headers()["x-wp-total"], "25");
    assert_eq!(r.headers()["x-wp-totalpages"], "3");
    assert!(
        r.headers()["link"]
            .to_str()
            .unwrap()
            .contains("rel=\"prev\"")
    );
    let page: Vec<Value> = r.json().await.unwrap();
    assert_eq!(
        page.iter()
            .map(|o| o["id"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        vec![21, 22, 23, 24, 25]
    );
    let past: Vec<Value> = oauth_get(&woo, "/orders", &[("per_page", "10"), ("page", "4")], "p2")
        .await
        .json()
        .await
        .unwrap();
    assert!(past.is_empty());
    let too_big = oauth_get(&woo, "/orders", &[("per_page", "101")], "p3").await;
    assert_eq!(too_big.status(), 400);
    assert_eq!(
        too_big.json::<Value>().await.unwrap()["code"],
        "rest_invalid_param"
    );
    // Customers ignore modified_after: every customer comes back.
    let all: Vec<Value> = oauth_get(
        &woo,
        "/customers",
        &[
            ("modified_after", "2099-01-01T00:00:00"),
            ("per_page", "100"),
        ],
        "p4",
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(all.len(), woo.entities("customers").len());
}

#[tokio::test]
async fn seeded_data_is_deterministic_and_awkward() {
    let a = WooFake::start(Seed::orders(200)).await.unwrap();
    let b = WooFake::start(Seed::orders(200)).await.unwrap();
    let strip = |v: Vec<Value>| {
        v.into_iter()
            .map(|mut o| {
                o["_links"] = Value::Null;
                o["payment_url"] = Value::Null;
                o
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(a.entities("orders")), strip(b.entities("orders")));
    let orders = a.entities("orders");
    let text = serde_json::to_string(&orders).unwrap();
    for needle in [
        "Müller",
        "رضایی",
        "김",
        "de Vries",
        "mollie_wc_gateway_ideal",
        "mollie_wc_gateway_bancontact",
        "\"JPY\"",
        "\"refunded\"",
        "84.94",
    ] {
        assert!(text.contains(needle), "seed lacks {needle}");
    }
    assert!(
        orders.iter().any(|o| o["billing"]["email"] == ""),
        "an order without email"
    );
    assert!(
        orders
            .iter()
            .any(|o| o["billing"]["email"].as_str().unwrap().contains("@@")
                || o["billing"]["email"].as_str().unwrap().contains(" at "))
    );
    let jpy = orders.iter().find(|o| o["currency"] == "JPY").unwrap();
    assert!(
        !jpy["total"].as_str().unwrap().contains('.'),
        "JPY has no decimals"
    );
    let subs = a.entities("subscriptions");
    assert!(
        subs.iter()
            .any(|s| s["payment_method"] == "mollie_wc_gateway_bancontact")
    );
}

#[tokio::test]
async fn subscription_dates_are_validated_and_writes_counted() {
    let woo = WooFake::start(Seed::orders(5)).await.unwrap();
    let sub = woo.entities("subscriptions")[0].clone();
    let id = sub["id"].as_u64().unwrap();
    let c = woo.credentials();
    let client = reqwest::Client::new();
    let put = |next: &'static str, nonce: &'static str| {
        let url = signed_url(
            "PUT",
            &format!("{}/subscriptions/{id}", woo.api_url()),
            &[],
            (&c.consumer_key, &c.consumer_secret),
            nonce,
            "HMAC-SHA256",
        );
        client
            .put(url)
            .json(&serde_json::json!({"next_payment_date": next}))
            .send()
    };
    let early = put("2020-01-01 00:00:00", "w1").await.unwrap();
    assert_eq!(early.status(), 400);
    assert_eq!(
        early.json::<Value>().await.unwrap()["code"],
        "woocommerce_rest_invalid_payment_data"
    );
    assert_eq!(woo.writes("subscriptions", id), 0);
    let ok = put("2027-03-01 10:00:00", "w2").await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(
        ok.json::<Value>().await.unwrap()["next_payment_date_gmt"],
        "2027-03-01T10:00:00"
    );
    assert_eq!(woo.writes("subscriptions", id), 1);
}

type Seen = Arc<Mutex<Vec<(axum::http::HeaderMap, String)>>>;

async fn receiver(status: u16) -> (sandbox::server::Running, Seen) {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let s = s.clone();
            async move {
                s.lock().unwrap().push((headers, body));
                axum::http::StatusCode::from_u16(status).unwrap()
            }
        }),
    );
    (sandbox::server::Running::start(app).await.unwrap(), seen)
}

#[tokio::test]
async fn webhooks_are_signed_pinged_duplicated_and_never_retried() {
    let woo = WooFake::start(Seed::orders(3)).await.unwrap();
    let (rx, seen) = receiver(200).await;
    let c = woo.credentials();
    let url = signed_url(
        "POST",
        &format!("{}/webhooks", woo.api_url()),
        &[],
        (&c.consumer_key, &c.consumer_secret),
        "h1",
        "HMAC-SHA256",
    );
    let created = reqwest::Client::new()
        .post(url)
        .json(&serde_json::json!({"name": "t", "topic": "order.updated", "delivery_url": format!("{}/hook", rx.base_url()), "secret": "whsec123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    assert!(keys(&fixture("webhook_resource.json")).is_subset(&keys(&created)));
    assert!(
        created.get("secret").is_none(),
        "the secret stays server-side"
    );
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen[0].1, "webhook_id=1", "creation ping");
        assert!(
            seen[0].0.get("x-wc-webhook-signature").is_none(),
            "the ping is unsigned"
        );
    }
    let deliveries = woo
        .fire(Fire {
            topic: "order.updated".into(),
            ids: vec![2],
            duplicates: 1,
            out_of_order: true,
            ..Fire::default()
        })
        .await;
    assert_eq!(deliveries.len(), 4, "two states × (1 + 1 duplicate)");
    {
        let seen = seen.lock().unwrap();
        let deliveries_seen = &seen[1..];
        assert_eq!(deliveries_seen.len(), 4);
        for (headers, body) in deliveries_seen {
            let mut m = Hmac::<sha2::Sha256>::new_from_slice(b"whsec123").unwrap();
            m.update(body.as_bytes());
            assert_eq!(
                headers["x-wc-webhook-signature"].to_str().unwrap(),
                STANDARD.encode(m.finalize().into_bytes())
            );
            assert_eq!(headers["x-wc-webhook-topic"], "order.updated");
            assert_eq!(headers["x-wc-webhook-resource"], "order");
            assert_eq!(headers["x-wc-webhook-event"], "updated");
            assert_eq!(headers["x-wc-webhook-id"], "1");
            assert!(headers.contains_key("x-wc-webhook-delivery-id"));
        }
        let modified = |b: &str| {
            serde_json::from_str::<Value>(b).unwrap()["date_modified_gmt"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        assert!(
            modified(&deliveries_seen[0].1) > modified(&deliveries_seen[2].1),
            "newer state first"
        );
    }

    // A failing receiver gets each delivery once: no retries.
    let (bad, bad_seen) = receiver(500).await;
    let out = woo
        .fire(Fire {
            topic: "order.updated".into(),
            ids: vec![1, 3],
            receiver: Some(format!("{}/hook", bad.base_url())),
            secret: Some("s".into()),
            burst: true,
            ..Fire::default()
        })
        .await;
    assert_eq!(out.len(), 2);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(bad_seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn faults_throttle_drop_and_echo_credentials() {
    let woo = WooFake::start(Seed::orders(2)).await.unwrap();
    woo.set_faults(Faults::throttle_burst(2));
    let r = oauth_get(&woo, "/orders", &[], "f1").await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    assert_eq!(oauth_get(&woo, "/orders", &[], "f2").await.status(), 429);
    assert_eq!(oauth_get(&woo, "/orders", &[], "f3").await.status(), 200);

    woo.set_faults(Faults::drop_next(1));
    let c = woo.credentials();
    let url = signed_url(
        "GET",
        &format!("{}/orders", woo.api_url()),
        &[],
        (&c.consumer_key, &c.consumer_secret),
        "f4",
        "HMAC-SHA256",
    );
    let dropped = match reqwest::get(url).await {
        Ok(r) => r.bytes().await.is_err(),
        Err(_) => true,
    };
    assert!(dropped, "the connection was dropped");

    woo.set_faults(Faults {
        echo_request: true,
        error_next: 1,
        ..Faults::default()
    });
    let r = reqwest::Client::new()
        .get(format!(
            "{}/orders?consumer_key={}&consumer_secret={}",
            woo.api_url(),
            c.consumer_key,
            c.consumer_secret
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 500);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains(&c.consumer_secret),
        "the echo carries the credential"
    );
    let log = woo.received();
    assert_eq!(
        log.iter()
            .filter(|r| r.fault.as_deref() == Some("throttle"))
            .count(),
        2
    );
    assert_eq!(log.last().unwrap().status, Some(500));
}

#[tokio::test]
async fn nonces_are_stored_by_timestamp_as_woocommerce_does() {
    // WooCommerce keeps `$used_nonces[$timestamp] = $nonce`: a second nonce with the same
    // timestamp replaces the first, which can then be replayed. The fake reproduces that.
    let woo = WooFake::start(Seed::orders(1)).await.unwrap();
    let c = woo.credentials();
    let url = format!("{}/orders", woo.api_url());
    let ts = chrono::Utc::now().timestamp();
    let get = |nonce: &str| {
        reqwest::get(signed_url_at(
            "GET",
            &url,
            &[],
            (&c.consumer_key, &c.consumer_secret),
            nonce,
            "HMAC-SHA256",
            ts,
        ))
    };
    assert_eq!(get("first").await.unwrap().status(), 200);
    assert_eq!(
        get("first").await.unwrap().status(),
        401,
        "a plain replay is refused"
    );
    assert_eq!(get("second").await.unwrap().status(), 200);
    assert_eq!(
        get("first").await.unwrap().status(),
        200,
        "the first nonce was overwritten"
    );
    // A timestamp outside ±15 minutes is refused.
    let old = signed_url_at(
        "GET",
        &url,
        &[],
        (&c.consumer_key, &c.consumer_secret),
        "old",
        "HMAC-SHA256",
        ts - 16 * 60,
    );
    let r = reqwest::get(old).await.unwrap();
    assert_eq!(
        r.json::<Value>().await.unwrap()["message"],
        "Invalid timestamp."
    );
}

#[tokio::test]
async fn date_filters_use_site_time_unless_dates_are_gmt() {
    let woo = WooFake::start(Seed::orders(10)).await.unwrap();
    let order: Value = woo.entity("orders", 5).unwrap();
    // The limit is order 5's GMT modification time; the site runs at UTC+1.
    let gmt = order["date_modified_gmt"].as_str().unwrap().to_owned();
    let with_gmt: Vec<Value> = oauth_get(
        &woo,
        "/orders",
        &[
            ("modified_after", &gmt),
            ("dates_are_gmt", "true"),
            ("per_page", "100"),
        ],
        "d1",
    )
    .await
    .json()
    .await
    .unwrap();
    let site_time: Vec<Value> = oauth_get(
        &woo,
        "/orders",
        &[("modified_after", &gmt), ("per_page", "100")],
        "d2",
    )
    .await
    .json()
    .await
    .unwrap();
    let has5 = |v: &[Value]| v.iter().any(|o| o["id"] == 5);
    assert!(!has5(&with_gmt), "after is exclusive");
    assert!(
        has5(&site_time),
        "a UTC limit compared with local time lets order 5 back in"
    );
}

#[tokio::test]
async fn paging_by_id_returns_every_order_exactly_once() {
    let woo = WooFake::start(Seed::orders(2000)).await.unwrap();
    let mut seen = Vec::new();
    let mut page = 1;
    loop {
        let p = page.to_string();
        let r = oauth_get(
            &woo,
            "/orders",
            &[
                ("per_page", "100"),
                ("page", &p),
                ("orderby", "id"),
                ("order", "asc"),
            ],
            &format!("pg{page}"),
        )
        .await;
        let total_pages: usize = r.headers()["x-wp-totalpages"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let items: Vec<Value> = r.json().await.unwrap();
        seen.extend(items.iter().map(|o| o["id"].as_u64().unwrap()));
        if page >= total_pages {
            break;
        }
        page += 1;
    }
    assert_eq!(seen, (1..=2000).collect::<Vec<_>>());
}

#[tokio::test]
async fn oauth_parameters_in_the_authorization_header_and_a_form_body_are_signed() {
    let woo = WooFake::start(Seed::orders(2)).await.unwrap();
    let c = woo.credentials();
    let url = format!("{}/orders/1", woo.api_url());
    // Sign with the form field included (it is part of $_POST), then move the oauth_* pairs
    // into the header and send the form field as the body.
    let signed = signed_url(
        "PUT",
        &url,
        &[("customer_note", "Bel aan, a.u.b.")],
        (&c.consumer_key, &c.consumer_secret),
        "hdr1",
        "HMAC-SHA256",
    );
    let query = signed.split_once('?').unwrap().1;
    let header = query
        .split('&')
        .filter(|p| p.starts_with("oauth_"))
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap();
            format!("{k}=\"{v}\"")
        })
        .collect::<Vec<_>>()
        .join(", ");
    let r = reqwest::Client::new()
        .put(&url)
        .header("authorization", format!("OAuth {header}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("customer_note={}", enc("Bel aan, a.u.b.")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<Value>().await.unwrap()["customer_note"],
        "Bel aan, a.u.b."
    );
    assert_eq!(woo.writes("orders", 1), 1);
}
