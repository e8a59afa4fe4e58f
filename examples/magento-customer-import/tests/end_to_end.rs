//! End to end on the sandbox: every order becomes exactly one customer row per (website,
//! email) with the right first and last purchase; a returning customer is updated, not
//! refused; orders without an email are recorded and listed; the watermark ends at the last
//! order of each store.

mod common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_order_becomes_one_customer_per_website_and_email() {
    let magento = magento(240).await;
    let dir = temp_dir("e2e");
    let db = dir.join("customers.db");
    let config = config(&dir, &magento, "batch_size = 25");

    let output = run(importer(&magento, &config, &db)).await;
    assert_eq!(output.status.code(), Some(0), "{}", both(&output));
    let summary = summary(&output);

    let orders = magento.entities("orders");
    assert_eq!(orders.len(), 240);
    let (want_customers, want_without) = expected(&orders);
    let pool = open(&db).await;
    let got = customers(&pool).await;
    assert_eq!(got.len(), want_customers.len());
    assert_eq!(
        got, want_customers,
        "customer rows differ from the ideal import"
    );
    // The sandbox seeds returning customers, untidy emails and missing ones: all exercised.
    assert!(want_customers.iter().any(|c| c.orders > 1));
    assert!(
        orders
            .iter()
            .any(|o| o["customer_email"].as_str().is_some_and(|e| e.trim() != e))
    );
    assert_eq!(without_email(&pool).await, want_without);
    assert!(!want_without.is_empty());

    // Every order is accounted for exactly once: a customer's order or an order without email.
    let imported = imported_orders(&pool).await;
    assert_eq!(imported.len() + want_without.len(), orders.len());
    assert!(imported.is_disjoint(&want_without));

    // The summary counts and lists them, and shows the store each website matched.
    for (name, store) in [("main", 1u32), ("nl", 2u32)] {
        let w = website(&summary, name);
        assert_eq!(w["status"], "completed", "{w:#}");
        assert_eq!(w["store"]["id"], store);
        let listed: std::collections::BTreeSet<(String, i64)> = w["without_email"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| (name.to_string(), o["order_id"].as_i64().unwrap()))
            .collect();
        let want: std::collections::BTreeSet<_> = want_without
            .iter()
            .filter(|(site, _)| site == name)
            .cloned()
            .collect();
        assert_eq!(
            listed, want,
            "website {name} lists its orders without email"
        );
        let created = w["customers_created"].as_u64().unwrap();
        let rows = want_customers.iter().filter(|c| c.website == name).count() as u64;
        assert_eq!(created, rows);
        assert!(w["customers_updated"].as_u64().unwrap() > 0);
        assert_eq!(w["dead_lettered"].as_array().unwrap().len(), 0);
        let last = orders
            .iter()
            .filter(|o| website_of(o) == name)
            .filter_map(|o| o["entity_id"].as_u64())
            .max()
            .unwrap();
        assert_eq!(watermark(&pool, name, store).await, Some(last.to_string()));
    }
    assert_eq!(
        website(&summary, "nl")["store"]["found_by"],
        format!("matched {}/nl/", magento.base_url())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_returning_customer_is_updated_rather_than_refused() {
    let magento = magento(120).await;
    let dir = temp_dir("returning");
    let db = dir.join("customers.db");
    let config = config(&dir, &magento, "batch_size = 40");

    let first = run(importer(&magento, &config, &db)).await;
    assert_eq!(first.status.code(), Some(0), "{}", both(&first));

    // The shop takes 80 more orders, many from customers who bought before.
    let before = magento.entities("orders");
    grow(&magento, 120, 200).await;
    assert_eq!(
        magento.entities("orders")[..120],
        before[..],
        "old orders unchanged"
    );
    let second = run(importer(&magento, &config, &db)).await;
    assert_eq!(second.status.code(), Some(0), "{}", both(&second));
    let summary = summary(&second);

    let orders = magento.entities("orders");
    let (want_customers, want_without) = expected(&orders);
    let pool = open(&db).await;
    assert_eq!(customers(&pool).await, want_customers);
    assert_eq!(without_email(&pool).await, want_without);

    let seen: u64 = ["main", "nl"]
        .iter()
        .map(|w| website(&summary, w)["orders_seen"].as_u64().unwrap())
        .sum();
    assert_eq!(seen, 80, "the second run reads only the new orders");
    let updated: u64 = ["main", "nl"]
        .iter()
        .map(|w| website(&summary, w)["customers_updated"].as_u64().unwrap())
        .sum();
    assert!(updated > 0, "returning customers are updated: {summary:#}");
    // A returning customer keeps the first purchase of the first run.
    let returning = want_customers
        .iter()
        .find(|c| c.first.1 <= 120 && c.last.1 > 120)
        .expect("a customer who bought in both runs");
    assert!(customers(&pool).await.contains(returning));
    for w in ["main", "nl"] {
        assert_eq!(
            website(&summary, w)["dead_lettered"]
                .as_array()
                .unwrap()
                .len(),
            0
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_table_summary_and_the_postgres_refusal_are_clear() {
    let magento = magento(30).await;
    let dir = temp_dir("table");
    let db = dir.join("customers.db");
    let config = config(&dir, &magento, "");

    let table = importer_with(&magento, &config, &format!("sqlite://{}", db.display()));
    let output = run(table).await;
    assert_eq!(output.status.code(), Some(0), "{}", both(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("website main — store 1 (default), pinned store_id"),
        "{text}"
    );
    assert!(text.contains("orders without email:"), "{text}");

    let pg = importer_with(
        &magento,
        &config,
        "postgres://importer:s3cret@db.internal/shop",
    );
    let refused = run(pg).await;
    assert_eq!(refused.status.code(), Some(2), "{}", both(&refused));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("PostgreSQL is not supported yet"), "{err}");
    assert!(!err.contains("s3cret"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ambiguous_domain_is_refused_with_the_candidates() {
    let magento = magento(10).await;
    let dir = temp_dir("ambiguous");
    let db = dir.join("customers.db");
    // Both sandbox store views serve the bare host; only the Dutch one has a store code.
    let config = dir.join("ambiguous.toml");
    std::fs::write(
        &config,
        format!(
            "[[website]]\nname = \"shop\"\ndomain = \"{}\"\n",
            magento.base_url()
        ),
    )
    .unwrap();
    let output = run(importer(&magento, &config, &db)).await;
    assert_eq!(output.status.code(), Some(2), "{}", both(&output));
    let summary = summary(&output);
    let shop = website(&summary, "shop");
    assert_eq!(shop["status"], "failed");
    let error = shop["error"].as_str().unwrap();
    assert!(
        error.contains("several Magento store views serve"),
        "{error}"
    );
    assert!(
        error.contains("store id 1 (code \"default\"") && error.contains("store id 2 (code \"nl\""),
        "{error}"
    );
    assert!(error.contains("set `store_id = <id>`"), "{error}");
    // Nothing was imported and no watermark was written for a store nobody chose.
    let pool = open(&db).await;
    assert!(customers(&pool).await.is_empty());
}
