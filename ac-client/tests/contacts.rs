//! Contacts against a wiremock ActiveCampaign.

mod common;

use ac_client::contacts::ContactQuery;
use ac_client::{ContactInput, FieldValue, ListStatus};
use chrono::NaiveDate;
use common::{TOKEN, body_json, client, fixture, fixture_json};
use futures_util::TryStreamExt;
use serde_json::json;
use wiremock::matchers::{body_json as body_is, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

#[tokio::test]
async fn sync_upserts_with_field_values_and_token_header() {
    let server = MockServer::start().await;
    // Documented 201 shape of /contact/sync (reference §4.2): ids as strings.
    Mock::given(method("POST"))
        .and(path("/api/3/contact/sync"))
        .and(header("Api-Token", TOKEN))
        .and(body_is(json!({"contact": {
            "email": "ada@example.com", "firstName": "Ada", "lastName": "Lovelace",
            "fieldValues": [{"field": "7", "value": "active"}, {"field": "8", "value": "2026-12-01"}]
        }})))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "fieldValues": [
                {"contact": "10", "field": "7", "value": "active", "id": "31"},
                {"contact": "10", "field": "8", "value": "2026-12-01", "id": "32"}
            ],
            "contact": {"email": "ada@example.com", "firstName": "Ada", "lastName": "Lovelace",
                        "cdate": "2026-11-22T02:00:00-05:00", "id": "10", "orgid": "0"}
        })))
        .expect(1)
        .mount(&server)
        .await;

    let input = ContactInput::new("ada@example.com")
        .first_name("Ada")
        .last_name("Lovelace")
        .field(7, "active")
        .field(
            8,
            FieldValue::date(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()),
        );
    let synced = client(&server).contacts().sync(&input).await.unwrap();
    assert_eq!(synced.contact.id, 10);
    assert_eq!(synced.field_values.len(), 2);
    assert_eq!(synced.field_values[1].id, Some(32));
    assert_eq!(
        synced.contact.created_at.unwrap().to_rfc3339(),
        "2026-11-22T07:00:00+00:00"
    );
    assert_eq!(synced.contact.extra["orgid"], "0");
}

#[tokio::test]
async fn sync_refuses_a_missing_email_before_sending() {
    let server = MockServer::start().await;
    let err = client(&server)
        .contacts()
        .sync(&ContactInput::without_email().first_name("x"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ac_client::Error::InvalidInput { field: "email", .. }),
        "{err}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn get_reads_the_recorded_fixture() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/3/contacts/1"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("get_contact.json")))
        .mount(&server)
        .await;
    let detail = client(&server).contacts().get(1).await.unwrap();
    let c = &detail.contact;
    assert_eq!(c.id, 1);
    assert_eq!(c.email, "contact.email@example.com");
    assert_eq!(c.first_name, "Test_FirstName");
    assert_eq!(c.phone, "123-123-1234");
    // "2021-06-30T04:12:13-05:00" read as UTC.
    assert_eq!(
        c.created_at.unwrap().to_rfc3339(),
        "2021-06-30T09:12:13+00:00"
    );
    assert_eq!(detail.contact_lists.len(), 2);
    assert_eq!(detail.contact_lists[1].list, 3);
    assert_eq!(detail.contact_lists[0].status, ListStatus::Active);
    // PHP-escaped slashes decode like any JSON string.
    assert_eq!(
        c.extra["links"]["contactTags"],
        "https://accountnamehere.api-us1.com/api/3/contacts/1/contactTags"
    );

    // Nothing the model does not name is lost in a round trip.
    let original = fixture_json("get_contact.json");
    let again = serde_json::to_value(&detail).unwrap();
    for (k, v) in original["contact"].as_object().unwrap() {
        if ["cdate", "udate"].contains(&k.as_str()) {
            continue; // rewritten in UTC, same instant (checked above)
        }
        assert_eq!(&again["contact"][k], v, "contact.{k}");
    }
    for k in ["contactAutomations", "deals", "geoIps", "accountContacts"] {
        assert_eq!(again[k], original[k], "{k}");
    }
}

#[tokio::test]
async fn get_by_email_finds_or_not() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/3/contacts"))
        .and(query_param("email", "ada@example.com"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "scoreValues": [],
            "contacts": [{"email": "Ada@Example.com", "id": "113", "firstName": "Ada"}],
            "meta": {"total": "1", "page_input": {"email": "ada@example.com"}}
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/3/contacts"))
        .and(query_param("email", "nobody@example.com"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "contacts": [], "meta": {"total": "0"}
        })))
        .mount(&server)
        .await;
    let c = client(&server);
    let found = c
        .contacts()
        .get_by_email(" ada@example.com ")
        .await
        .unwrap();
    assert_eq!(found.unwrap().id, 113);
    assert!(
        c.contacts()
            .get_by_email("nobody@example.com")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn update_sends_only_what_is_set_and_delete_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/api/3/contacts/113"))
        .and(body_is(json!({"contact": {"phone": "+4912345", "fieldValues": [{"field": "7", "value": "cancelled"}]}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "fieldValues": [{"contact": "113", "field": "7", "value": "cancelled"}],
            "contact": {"email": "ada@example.com", "phone": "+4912345", "id": "113"}
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/api/3/contacts/113"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let updated = c
        .contacts()
        .update(
            113,
            &ContactInput::without_email()
                .phone("+4912345")
                .field(7, "cancelled"),
        )
        .await
        .unwrap();
    assert_eq!(updated.contact.phone, "+4912345");
    c.contacts().delete(113).await.unwrap();
}

fn contacts_page(req: &Request) -> ResponseTemplate {
    // 230 contacts, served by offset and limit like the API, total as a string.
    let q: std::collections::HashMap<_, _> = req.url.query_pairs().into_owned().collect();
    let limit: usize = q["limit"].parse().unwrap();
    let offset: usize = q["offset"].parse().unwrap();
    assert!(limit <= 100, "asked for {limit} > 100");
    let items: Vec<_> = (offset..(offset + limit).min(230))
        .map(|i| json!({"id": (i + 1).to_string(), "email": format!("c{i}@example.test")}))
        .collect();
    ResponseTemplate::new(200).set_body_json(json!({"contacts": items, "meta": {"total": "230"}}))
}

#[tokio::test]
async fn list_pages_and_streams_everything() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/3/contacts"))
        .respond_with(contacts_page)
        .mount(&server)
        .await;
    let c = client(&server);

    let page = c
        .contacts()
        .list(&ContactQuery::new().limit(500))
        .await
        .unwrap();
    assert_eq!((page.items.len(), page.total), (100, Some(230)));
    assert_eq!(page.end, None, "more pages follow");
    let first = &server.received_requests().await.unwrap()[0];
    let q: std::collections::HashMap<_, _> = first.url.query_pairs().into_owned().collect();
    assert_eq!((q["limit"].as_str(), q["offset"].as_str()), ("100", "0"));

    let all: Vec<_> = c
        .contacts()
        .stream(ContactQuery::new().list_id(2))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 230);
    assert_eq!(all[229].id, 230);
    let offsets: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .skip(1)
        .map(|r| {
            let q: std::collections::HashMap<_, _> = r.url.query_pairs().into_owned().collect();
            assert_eq!(q["listid"], "2");
            q["offset"].clone()
        })
        .collect();
    assert_eq!(offsets, ["0", "100", "200"]);
}

#[tokio::test]
async fn create_reports_a_duplicate_email() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/3/contacts"))
        .respond_with(
            ResponseTemplate::new(422).set_body_string(fixture("error_422_duplicate.json")),
        )
        .expect(1) // a non-idempotent create refused as data is not retried
        .mount(&server)
        .await;
    let err = client(&server)
        .contacts()
        .create(&ContactInput::new("ada@example.com"))
        .await
        .unwrap_err();
    assert!(err.is_duplicate(), "{err}");
    let sent = body_json(&server.received_requests().await.unwrap()[0]);
    assert_eq!(sent["contact"]["email"], "ada@example.com");
}
