//! The bulk importer and its status endpoints.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ac_client::bulk_import::{PollOptions, chunk_contacts};
use ac_client::models::{BulkField, BulkList};
use ac_client::{ApiErrorBody, BulkContact, BulkImportRequest, BulkImportStatus, Error};
use common::{body_json, client, fixture};
use serde_json::json;
use sync_core::http::ClientError;
use sync_core::{Classify, PermanentKind, Verdict};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn contact(i: usize) -> BulkContact {
    BulkContact {
        email: format!("c{i}@example.test"),
        ..Default::default()
    }
}

#[tokio::test]
async fn import_sends_the_documented_shape() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/3/import/bulk_import"))
        .respond_with(|req: &Request| {
            assert_eq!(
                body_json(req),
                json!({"contacts": [
                    {"email": "ada@example.com", "first_name": "Ada", "tags": ["subscriber", "vip"],
                     "fields": [{"id": 7, "value": "active"}], "subscribe": [{"listid": 2}]},
                    {"email": "bob@example.com", "unsubscribe": [{"listid": 3}]}
                ], "exclude_automations": true})
            );
            ResponseTemplate::new(200).set_body_json(json!({
                "success": 1, "queued_contacts": 2, "batchId": "4b5c1f0e-77aa-4cf0-9b1e-1d0f1f1e2a3b"
            }))
        })
        .expect(1)
        .mount(&server)
        .await;
    let request = BulkImportRequest {
        contacts: vec![
            BulkContact {
                email: "ada@example.com".into(),
                first_name: Some("Ada".into()),
                tags: vec!["subscriber".into(), "vip".into()],
                fields: vec![BulkField {
                    id: 7,
                    value: "active".into(),
                }],
                subscribe: vec![BulkList { listid: 2 }],
                ..Default::default()
            },
            BulkContact {
                email: "bob@example.com".into(),
                unsubscribe: vec![BulkList { listid: 3 }],
                ..Default::default()
            },
        ],
        callback: None,
        exclude_automations: Some(true),
    };
    let accepted = client(&server)
        .bulk_import()
        .import(&request)
        .await
        .unwrap();
    assert_eq!(accepted.batch_id, "4b5c1f0e-77aa-4cf0-9b1e-1d0f1f1e2a3b");
    assert_eq!(accepted.queued_contacts, 2);
    assert_eq!(accepted.extra["success"], 1);
}

#[tokio::test]
async fn import_refuses_bad_requests_before_sending() {
    let server = MockServer::start().await;
    let c = client(&server);
    let too_many = BulkImportRequest {
        contacts: (0..251).map(contact).collect(),
        ..Default::default()
    };
    let err = c.bulk_import().import(&too_many).await.unwrap_err();
    assert!(err.to_string().contains("at most 250"), "{err}");
    let mut bad = BulkImportRequest {
        contacts: (0..5).map(contact).collect(),
        ..Default::default()
    };
    bad.contacts[3].email = "not an email".into();
    let err = c.bulk_import().import(&bad).await.unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidInput {
            field: "contacts",
            ..
        }
    ));
    assert!(err.to_string().contains("contact #3"), "{err}");
    let err = c
        .bulk_import()
        .import(&BulkImportRequest::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }));
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_refused_import_carries_its_failure_reasons_and_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/3/import/bulk_import"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "success": 0, "message": "Request validation failed",
            "failureReasons": ["contacts.1.email: must be a valid email address"]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let request = BulkImportRequest {
        contacts: (0..3).map(contact).collect(),
        ..Default::default()
    };
    let err = client(&server)
        .bulk_import()
        .import(&request)
        .await
        .unwrap_err();
    assert_eq!(err.verdict(), Verdict::Permanent(PermanentKind::Data));
    let Some(ApiErrorBody::Message {
        failure_reasons, ..
    }) = err.vendor_body()
    else {
        panic!("{err:?}")
    };
    assert_eq!(
        failure_reasons,
        &["contacts.1.email: must be a valid email address"]
    );
}

#[tokio::test]
async fn wait_polls_until_the_batch_completes() {
    let server = MockServer::start().await;
    let polls = Arc::new(AtomicUsize::new(0));
    let n = polls.clone();
    Mock::given(method("GET"))
        .and(path("/api/3/import/info"))
        .and(query_param("batchId", "b-1"))
        .respond_with(move |_: &Request| match n.fetch_add(1, Ordering::SeqCst) {
            // Within a second of the import the status is the boolean false (documented).
            0 => ResponseTemplate::new(200).set_body_json(json!({"status": false})),
            1 => ResponseTemplate::new(200).set_body_json(json!({"status": "active"})),
            _ => ResponseTemplate::new(200).set_body_string(fixture("bulk_import_info.json")),
        })
        .mount(&server)
        .await;
    let fast = PollOptions {
        initial_delay: Duration::from_millis(10),
        interval: Duration::from_millis(10),
        timeout: Duration::from_secs(5),
    };
    let info = client(&server)
        .bulk_import()
        .wait("b-1", fast)
        .await
        .unwrap();
    assert_eq!(polls.load(Ordering::SeqCst), 3);
    assert_eq!(info.status, BulkImportStatus::Completed);
    assert_eq!(info.success, vec![123, 124, 125, 126]);
    assert!(info.failed("INVALID.EMAIL@invalidDomain"));
}

#[tokio::test]
async fn wait_gives_up_with_a_retryable_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/3/import/info"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "waiting"})))
        .mount(&server)
        .await;
    let short = PollOptions {
        initial_delay: Duration::from_millis(5),
        interval: Duration::from_millis(20),
        timeout: Duration::from_millis(60),
    };
    let err = client(&server)
        .bulk_import()
        .wait("b-2", short)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ImportTimedOut { .. }), "{err:?}");
    assert!(err.verdict().is_retryable());
    assert!(err.to_string().contains("still waiting"), "{err}");
}

#[tokio::test]
async fn status_list_reads_daily_summaries() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/3/import/bulk_import"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(fixture("bulk_import_status_list.json")),
        )
        .mount(&server)
        .await;
    let list = client(&server).bulk_import().status_list().await.unwrap();
    assert_eq!(list.outstanding[0].batches, 333);
    assert_eq!(list.outstanding[0].contacts, 83_250);
    assert_eq!(list.recently_completed.len(), 2);
    assert_eq!(
        list.recently_completed[1].for_date.to_string(),
        "2021-06-02"
    );
}

#[test]
fn chunks_respect_count_and_payload_size() {
    // 300 contacts with 2 KB of field data each: the 390 KB budget, not the count, splits them.
    let big: Vec<BulkContact> = (0..300)
        .map(|i| BulkContact {
            fields: vec![BulkField {
                id: 1,
                value: "x".repeat(2_000),
            }],
            ..contact(i)
        })
        .collect();
    let chunks = chunk_contacts(big, 250);
    assert!(chunks.len() >= 2);
    for chunk in &chunks {
        let bytes = serde_json::to_vec(&BulkImportRequest {
            contacts: chunk.clone(),
            ..Default::default()
        })
        .unwrap()
        .len();
        assert!(bytes < 400_000, "{bytes}");
    }
    assert_eq!(chunks.iter().map(Vec::len).sum::<usize>(), 300);
    assert_eq!(
        chunks[1][0].email,
        format!("c{}@example.test", chunks[0].len())
    );
}
