//! The service, run as a process on the sandbox: signed webhooks (with duplicates, in a burst)
//! reach ActiveCampaign and the Meta audience once per order, Magento orders reach Chatwoot,
//! and SIGTERM ends it with a summary.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sandbox::Seed;
use sandbox::suite::{Suite, SuiteOptions};
use sandbox::woo::webhooks::{Fire, delivered};

const WEBHOOK_SECRET: &str = "whsec-downstream-test";

fn start_service(suite: &Suite, db: &std::path::Path) -> (Child, String) {
    let e = suite.endpoints();
    let mut child = Command::new(env!("CARGO_BIN_EXE_downstream-service"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SERVICE_DB", db)
        .env("SERVICE_LISTEN", "127.0.0.1:0")
        .env("SERVICE_POLL_SECONDS", "1")
        .env("WOO_WEBHOOK_SECRET", WEBHOOK_SECRET)
        .env("ACTIVECAMPAIGN_BASE_URL", &e.activecampaign.base_url)
        .env("ACTIVECAMPAIGN_API_TOKEN", &e.activecampaign.api_token)
        .env("META_GRAPH_URL", &e.meta.base_url)
        .env("META_GRAPH_VERSION", &e.meta.graph_version)
        .env("META_ACCESS_TOKEN", &e.meta.access_token)
        .env("META_APP_SECRET", &e.meta.app_secret)
        .env("META_AD_ACCOUNT_ID", "act_1")
        .env("META_AUDIENCE_ID", &e.meta.audience_id)
        .env("MAGENTO_BASE_URL", &e.magento.base_url)
        .env("MAGENTO_CONSUMER_KEY", &e.magento.consumer_key)
        .env("MAGENTO_CONSUMER_SECRET", &e.magento.consumer_secret)
        .env("MAGENTO_ACCESS_TOKEN", &e.magento.access_token)
        .env(
            "MAGENTO_ACCESS_TOKEN_SECRET",
            &e.magento.access_token_secret,
        )
        .env("CHATWOOT_BASE_URL", &e.chatwoot.base_url)
        .env("CHATWOOT_ACCOUNT_ID", e.chatwoot.account_id.to_string())
        .env("CHATWOOT_API_ACCESS_TOKEN", &e.chatwoot.api_access_token)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the service starts");
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    let url = loop {
        line.clear();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "the service exited before listening"
        );
        if let Some(url) = line.trim().strip_prefix("listening on ") {
            break url.to_owned();
        }
    };
    // Keep draining stderr so the service never blocks on a full pipe.
    std::thread::spawn(move || for _ in stderr.lines() {});
    (child, url)
}

async fn wait_until(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let start = Instant::now();
    while !done().await {
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "timed out waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn emails(orders: &[serde_json::Value]) -> Vec<String> {
    orders
        .iter()
        .filter_map(|o| o["billing"]["email"].as_str())
        .filter(|e| e.contains('@') && !e.contains(' '))
        .map(|e| e.trim().to_lowercase())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_and_polls_reach_every_destination_once_and_sigterm_stops_cleanly() {
    let suite = Suite::start(SuiteOptions::new(Seed::orders(12)))
        .await
        .unwrap();
    let dir = std::env::temp_dir().join(format!("downstream-service-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (child, url) = start_service(&suite, &dir.join("state.db"));

    let orders = suite.woocommerce.entities("orders");
    let ids: Vec<u64> = orders.iter().filter_map(|o| o["id"].as_u64()).collect();
    let deliveries = suite
        .woocommerce
        .fire(Fire {
            topic: "order.updated".into(),
            ids: ids.clone(),
            receiver: Some(format!("{url}/webhooks/woocommerce")),
            secret: Some(WEBHOOK_SECRET.into()),
            duplicates: 1,
            burst: true,
            ..Fire::default()
        })
        .await;
    assert_eq!(deliveries.len(), ids.len() * 2, "each delivery sent twice");
    assert!(
        deliveries.iter().all(|d| delivered(d.status)),
        "the shop got a 2xx for every delivery: {deliveries:?}"
    );

    let expected: std::collections::BTreeSet<String> = emails(&orders).into_iter().collect();
    wait_until(
        "every buyer with an email is an ActiveCampaign contact",
        async || {
            let contacts: std::collections::BTreeSet<String> = suite
                .activecampaign
                .entities("contacts")
                .iter()
                .filter_map(|c| c["email"].as_str().map(str::to_lowercase))
                .collect();
            expected.is_subset(&contacts)
        },
    )
    .await;
    let audience = format!("audience/{}", suite.endpoints().meta.audience_id);
    wait_until(
        "every buyer with an email is in the Meta audience",
        async || suite.meta.entities(&audience).len() >= expected.len(),
    )
    .await;
    wait_until("Magento's orders reached Chatwoot", async || {
        !suite.chatwoot.entities("contacts").is_empty()
    })
    .await;
    for contact in suite.activecampaign.entities("contacts") {
        let id = contact["id"].as_str().unwrap_or_default().to_owned();
        assert!(
            suite.activecampaign.writes("contacts", id.as_str()) <= 1,
            "contact {id} written once although every webhook came twice"
        );
    }

    // SIGTERM: the service stops taking requests, finishes what it holds and reports.
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let output = child.wait_with_output().unwrap();
    let summary: serde_json::Value =
        serde_json::from_slice(output.stdout.trim_ascii()).expect("a JSON summary on stdout");
    // A copy sent in another second carries another delivery id (WooCommerce's ids have
    // one-second resolution), so the inbox may keep it; the outbox's state digest still
    // enqueues its effects once (checked next).
    let processed = summary["webhooks_processed"].as_u64().unwrap();
    assert!(
        (ids.len() as u64..=2 * ids.len() as u64).contains(&processed),
        "{summary}"
    );
    let effects = summary["deliveries"].as_u64().unwrap()
        + summary["deliveries_dead_lettered"].as_u64().unwrap();
    assert_eq!(
        effects,
        2 * ids.len() as u64,
        "exactly one entry per order and destination, each delivered or dead-lettered: {summary}"
    );
    // Orders without a usable email are dead-lettered by the CRM: the exit code says so.
    let dead = summary["deliveries_dead_lettered"].as_u64().unwrap();
    assert_eq!(
        output.status.code(),
        Some(if dead > 0 { 1 } else { 0 }),
        "{summary}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
