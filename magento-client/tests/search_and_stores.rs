//! searchCriteria on the wire, and the store endpoints with domain matching.

mod common;

use chrono::{TimeZone, Utc};
use common::*;
use magento_client::store_match::{StoreMatchError, match_store};
use magento_client::sync_core::{Classify, PermanentKind, Verdict};
use magento_client::{
    ConditionType, Error, Filter, FilterGroup, SearchCriteria, SortDirection, StoreConfig,
};
use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn search_criteria_round_trip_through_the_wire() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rest/V1/orders"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"items": [], "total_count": 0})),
        )
        .mount(&server)
        .await;
    let criteria = SearchCriteria::new()
        .group(
            FilterGroup::new()
                .or(Filter::eq("status", "pending"))
                .or(Filter::eq("status", "processing")),
        )
        .filter(Filter::in_list("store_id", [1u32, 2]))
        .filter(Filter::like("customer_email", "%@example.com"))
        .between(
            "created_at",
            Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2026, 1, 31, 23, 59, 59).unwrap(),
        )
        .filter(Filter::not_null("customer_id"))
        .sort("created_at", SortDirection::Desc)
        .sort("entity_id", SortDirection::Asc)
        .page_size(50)
        .current_page(2);
    bearer_client(&server.uri())
        .orders()
        .search(&criteria)
        .await
        .unwrap();

    let request = &server.received_requests().await.unwrap()[0];
    let raw = request.url.query().unwrap();
    // The exact encoding: brackets, `%` of LIKE as %25, `@` and `:` encoded, spaces as `%20`.
    assert!(
        raw.contains(
            "searchCriteria%5Bfilter_groups%5D%5B0%5D%5Bfilters%5D%5B1%5D%5Bvalue%5D=processing"
        ),
        "{raw}"
    );
    assert!(raw.contains("%5Bvalue%5D=%25%40example.com"), "{raw}");
    assert!(
        raw.contains("%5Bvalue%5D=2026-01-01%2000%3A00%3A00"),
        "{raw}"
    );
    assert!(raw.contains("%5Bvalue%5D=1%2C2"), "{raw}");
    assert!(
        raw.ends_with("searchCriteria%5BpageSize%5D=50&searchCriteria%5BcurrentPage%5D=2"),
        "{raw}"
    );
    assert_eq!(raw, criteria.to_query_string());

    // Decoded, the keys are Magento's documented syntax.
    let pairs: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
    let expect = |k: &str, v: &str| {
        assert!(
            pairs.contains(&(k.to_string(), v.to_string())),
            "missing {k}={v} in {pairs:?}"
        )
    };
    expect(
        "searchCriteria[filter_groups][0][filters][0][field]",
        "status",
    );
    expect(
        "searchCriteria[filter_groups][0][filters][0][condition_type]",
        "eq",
    );
    expect(
        "searchCriteria[filter_groups][3][filters][0][condition_type]",
        "from",
    );
    expect(
        "searchCriteria[filter_groups][4][filters][0][condition_type]",
        "to",
    );
    expect(
        "searchCriteria[filter_groups][4][filters][0][value]",
        "2026-01-31 23:59:59",
    );
    expect("searchCriteria[sortOrders][0][direction]", "DESC");
    expect("searchCriteria[sortOrders][1][field]", "entity_id");
    // And they parse back into the same criteria.
    assert_eq!(SearchCriteria::from_query_pairs(&pairs).unwrap(), criteria);
}

#[tokio::test]
async fn page_size_is_always_sent_and_bad_criteria_never_leave() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(query_param("searchCriteria[pageSize]", "100"))
        .and(query_param("searchCriteria[currentPage]", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"items": []})))
        .expect(1)
        .mount(&server)
        .await;
    let client = bearer_client(&server.uri());
    let page = client
        .orders()
        .search(&SearchCriteria::new())
        .await
        .unwrap();
    assert_eq!(page.total_count, None);
    assert_eq!(page.page_size, 100);

    let err = client
        .orders()
        .search(&SearchCriteria::new().filter(Filter::new("created_at", ConditionType::To, "x")))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidSearchCriteria(_)), "{err:?}");
    assert_eq!(err.verdict(), Verdict::Permanent(PermanentKind::Config));
}

fn configs() -> Vec<StoreConfig> {
    serde_json::from_str(&fixture("store_configs.json")).unwrap()
}

#[test]
fn store_matching_edge_cases() {
    let configs = configs();
    let id = |domain: &str| match_store(&configs, domain).map(|c| c.id);
    // Scheme, `www.`, case, trailing dot and slash do not matter.
    assert_eq!(id("shop.example.com"), Ok(1));
    assert_eq!(id("https://www.shop.example.com/"), Ok(1));
    assert_eq!(id("HTTP://Shop.Example.COM."), Ok(1));
    // The path picks the store view among those on one host; deeper paths still belong to it.
    assert_eq!(id("https://shop.example.com/de/"), Ok(2));
    assert_eq!(id("shop.example.com/de/checkout/cart"), Ok(2));
    assert_eq!(id("shop.example.com/deals"), Ok(1), "/deals is not /de/");
    // Port ignored; the store's `www.` on its secure URL ignored too.
    assert_eq!(id("outlet.example.net"), Ok(3));
    assert_eq!(id("http://outlet.example.net:8080"), Ok(3));
    assert_eq!(id("https://outlet.example.net:443/"), Ok(3));
    // Other subdomains are other hosts.
    match id("api.shop.example.com") {
        Err(StoreMatchError::NoMatch { known, .. }) => {
            assert!(known.contains(&"shop.example.com".to_string()));
            assert!(known.contains(&"outlet.example.net".to_string()));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        id("  "),
        Err(StoreMatchError::InvalidDomain { .. })
    ));

    // Two store views on the same URL: ambiguous, with both named.
    let mut twins = configs.clone();
    let mut copy = twins[0].clone();
    copy.id = 9;
    copy.code = "default_b2b".into();
    twins.push(copy);
    match match_store(&twins, "shop.example.com") {
        Err(e @ StoreMatchError::Ambiguous { .. }) => {
            let text = e.to_string();
            assert!(
                text.contains("default_b2b") && text.contains("\"default\""),
                "{text}"
            );
        }
        other => panic!("{other:?}"),
    }
    // The admin store never matches.
    let mut admin = configs[0].clone();
    admin.id = 0;
    admin.code = "admin".into();
    assert!(match_store(&[admin], "shop.example.com").is_err());
}

#[tokio::test]
async fn store_endpoints_decode_and_find_by_domain() {
    let server = MockServer::start().await;
    for (route, file) in [
        ("storeViews", "store_views.json"),
        ("storeGroups", "store_groups.json"),
        ("websites", "websites.json"),
        ("storeConfigs", "store_configs.json"),
    ] {
        Mock::given(method("GET"))
            .and(path(format!("/rest/V1/store/{route}")))
            .respond_with(ResponseTemplate::new(200).set_body_string(fixture(file)))
            .mount(&server)
            .await;
    }
    let stores = bearer_client(&server.uri()).stores();
    let views = stores.store_views().await.unwrap();
    assert_eq!(views[2].code, "de");
    assert_eq!(views[3].is_active, Some(false));
    assert_eq!(
        stores.store_groups().await.unwrap()[1].root_category_id,
        Some(2)
    );
    assert_eq!(stores.websites().await.unwrap()[1].code, "base");
    let configs = stores.store_configs(&[]).await.unwrap();
    assert_eq!(configs[1].timezone.as_deref(), Some("Europe/Berlin"));
    assert_eq!(
        configs[0].extra["extension_attributes"],
        json!([]),
        "unknown fields kept"
    );

    let de = stores
        .find_by_domain("https://www.shop.example.com/de")
        .await
        .unwrap();
    assert_eq!((de.id, de.code.as_str()), (2, "de"));
    let err = stores.find_by_domain("nowhere.example").await.unwrap_err();
    assert!(matches!(
        err,
        Error::StoreMatch(StoreMatchError::NoMatch { .. })
    ));
    assert_eq!(err.verdict(), Verdict::Permanent(PermanentKind::Config));
}

#[tokio::test]
async fn store_configs_for_codes_and_the_wrapped_shape() {
    let server = MockServer::start().await;
    let wrapped = json!({"storeConfigs": [configs()[1]]});
    Mock::given(method("GET"))
        .and(path("/rest/V1/store/storeConfigs"))
        .and(query_param("storeCodes[0]", "de"))
        .respond_with(ResponseTemplate::new(200).set_body_json(wrapped))
        .expect(1)
        .mount(&server)
        .await;
    let got = bearer_client(&server.uri())
        .stores()
        .store_configs(&["de"])
        .await
        .unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].locale.as_deref(), Some("de_DE"));
}

/// "Add Store Code to URLs" on: the code is only in the link URLs, `base_url` is shared.
#[test]
fn store_code_in_urls_is_matched_by_the_link_url() {
    let configs: Vec<StoreConfig> =
        serde_json::from_str(&fixture("store_configs_store_code_in_url.json")).unwrap();
    let id = |domain: &str| match_store(&configs, domain).map(|c| c.id);
    assert_eq!(id("https://shop.test/nl/"), Ok(2));
    assert_eq!(id("shop.test/nl/checkout"), Ok(2));
    assert_eq!(id("https://www.shop.test/default"), Ok(1));
    // `index.php` in a link URL names no store.
    assert_eq!(id("https://shop.test/be_fr/"), Ok(3));
    assert_eq!(id("https://shop.test/index.php/be_fr/"), Ok(3));

    // The bare host is served by all three: the error lists each with its id, code and link
    // URL, and says how to pin one.
    let err = match_store(&configs, "https://shop.test/").unwrap_err();
    let text = err.to_string();
    for expected in [
        "store id 1 (code \"default\", https://shop.test/default/)",
        "store id 2 (code \"nl\", https://shop.test/nl/)",
        "store id 3 (code \"be_fr\", https://shop.test/index.php/be_fr/)",
        ".store(<id>)",
    ] {
        assert!(text.contains(expected), "{expected} not in {text}");
    }
    match err {
        StoreMatchError::Ambiguous { candidates, .. } => {
            assert_eq!(
                candidates.iter().map(|c| c.id).collect::<Vec<_>>(),
                [1, 2, 3]
            )
        }
        other => panic!("{other:?}"),
    }
}
