//! The Platform API against a wiremock Chatwoot.

mod common;

use chatwoot_client::models::AccountUserRole;
use chatwoot_client::platform::{AccountInput, AgentBotInput, UserInput};
use common::*;
use secrecy::ExposeSecret;
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn accounts_create_get_update_delete() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/platform/api/v1/accounts"))
        .and(header("api_access_token", PLATFORM_TOKEN))
        .and(body_json(json!({
            "name": "Acme Support", "locale": "de", "support_email": "help@acme.example",
            "features": {"help_center": false}, "limits": {"agents": 10}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("platform_account.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/platform/api/v1/accounts/8"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("platform_account.json")))
        .mount(&server)
        .await;
    let mut suspended = fixture("platform_account.json");
    suspended["status"] = json!("suspended");
    Mock::given(method("PATCH"))
        .and(path("/platform/api/v1/accounts/8"))
        .and(body_json(json!({"status": "suspended"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(suspended))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/platform/api/v1/accounts/8"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;

    let client = platform(&server);
    let account = client
        .accounts()
        .create(
            &AccountInput::new("Acme Support")
                .locale("de")
                .support_email("help@acme.example")
                .feature("help_center", false)
                .limit("agents", 10),
        )
        .await
        .unwrap();
    assert_eq!(account.id, 8);
    assert_eq!(account.enabled_features["inbound_emails"], true);
    assert_eq!(client.accounts().get(8).await.unwrap().limits["inboxes"], 5);
    let updated = client
        .accounts()
        .update(8, &AccountInput::default().status("suspended"))
        .await
        .unwrap();
    assert_eq!(updated.status.as_deref(), Some("suspended"));
    client.accounts().delete(8).await.unwrap();
    assert!(
        client
            .accounts()
            .create(&AccountInput::default())
            .await
            .is_err()
    );
}

#[tokio::test]
async fn users_keep_their_tokens_secret() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/platform/api/v1/users"))
        .and(body_json(json!({"name": "Grace Hopper", "email": "grace@example.com", "password": "Str0ng!pass"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("platform_user.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/platform/api/v1/users/21/login"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"url": "https://chat.example.com/app/login?email=grace@example.com&sso_auth_token=SSO-SECRET"}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/platform/api/v1/users/21/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "user-token-Z8x7w6v5u4", "expiry": null,
            "user": {"id": 21, "name": "Grace Hopper", "email": "grace@example.com"}
        })))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/platform/api/v1/users/21"))
        .and(body_json(json!({"display_name": "Admiral"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("platform_user.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/platform/api/v1/users/21"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;

    let client = platform(&server);
    let input = UserInput::new("Grace Hopper", "grace@example.com").password("Str0ng!pass");
    let user = client.users().create(&input).await.unwrap();
    assert_eq!(user.id, 21);
    assert_eq!(user.accounts[0].role, Some(AccountUserRole::Administrator));
    assert_eq!(user.custom_attributes["employee_id"], "E-17");
    // The user's own API token comes back typed, and never shows in Debug.
    assert_eq!(
        user.access_token.as_ref().unwrap().expose_secret(),
        "user-token-Z8x7w6v5u4"
    );
    let debug = format!("{user:?}");
    assert!(
        !debug.contains("user-token-Z8x7w6v5u4") && !debug.contains("pubsub-Q1w2e3r4"),
        "{debug}"
    );

    let link = client.users().login_url(21).await.unwrap();
    assert!(link.expose_secret().contains("sso_auth_token"));
    let token = client.users().access_token(21).await.unwrap();
    assert_eq!(token.expose_secret(), "user-token-Z8x7w6v5u4");
    client
        .users()
        .update(21, &UserInput::default().display_name("Admiral"))
        .await
        .unwrap();
    client.users().delete(21).await.unwrap();
}

#[tokio::test]
async fn account_users_list_create_delete() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/platform/api/v1/accounts/8/account_users"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("platform_account_users.json")),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/platform/api/v1/accounts/8/account_users"))
        .and(body_json(json!({"user_id": 22, "role": "agent"})))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"account_id": 8, "user_id": 22, "role": "agent"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    // Chatwoot deletes by user id in the body of a collection DELETE.
    Mock::given(method("DELETE"))
        .and(path("/platform/api/v1/accounts/8/account_users"))
        .and(body_json(json!({"user_id": 22})))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;

    let client = platform(&server);
    let members = client.account_users().list(8).await.unwrap();
    assert_eq!(members.len(), 2);
    assert_eq!(members[1].role, Some(AccountUserRole::Agent));
    let added = client
        .account_users()
        .create(8, 22, AccountUserRole::Agent)
        .await
        .unwrap();
    assert_eq!(added.user_id, 22);
    client.account_users().delete(8, 22).await.unwrap();
}

#[tokio::test]
async fn agent_bots_crud() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/platform/api/v1/agent_bots"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!([fixture("platform_agent_bot.json")])),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/platform/api/v1/agent_bots"))
        .and(body_json(json!({
            "name": "Order status bot", "description": "Answers where-is-my-order questions",
            "outgoing_url": "https://bots.example.com/chatwoot", "account_id": 8
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("platform_agent_bot.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/platform/api/v1/agent_bots/4"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("platform_agent_bot.json")))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/platform/api/v1/agent_bots/4"))
        .and(body_json(json!({"description": "v2"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("platform_agent_bot.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/platform/api/v1/agent_bots/4"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;

    let client = platform(&server);
    assert_eq!(client.agent_bots().list().await.unwrap()[0].id, 4);
    let bot = client
        .agent_bots()
        .create(
            &AgentBotInput::new("Order status bot", "https://bots.example.com/chatwoot")
                .description("Answers where-is-my-order questions")
                .account(8),
        )
        .await
        .unwrap();
    assert_eq!(bot.account_id, Some(8));
    assert_eq!(
        client.agent_bots().get(4).await.unwrap().name.as_deref(),
        Some("Order status bot")
    );
    let update = AgentBotInput {
        description: Some("v2".into()),
        ..Default::default()
    };
    client.agent_bots().update(4, &update).await.unwrap();
    client.agent_bots().delete(4).await.unwrap();
}
