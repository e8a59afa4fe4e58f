//! Custom attribute definitions: list, create, delete, and create-if-missing.

use serde::Serialize;

use sync_core::http::ApiRequest;

use crate::client::{ApplicationClient, JsonBody};
use crate::error::Error;
use crate::models::{AttributeDisplayType, AttributeModel, CustomAttributeDefinition};

impl ApplicationClient {
    /// Custom attribute definitions of this account.
    pub fn custom_attributes(&self) -> CustomAttributes<'_> {
        CustomAttributes { client: self }
    }
}

/// A custom attribute definition to create.
///
/// Keys may hold letters, digits, `_`, `.` and `-`, must be unique per account and model, and
/// must not reuse a standard contact attribute (`name`, `email`, `phone_number`, `identifier`,
/// `country_code`, `city`, `company_name`, `created_at`, `last_activity_at`, `referer`,
/// `blocked`).
///
/// ```
/// use chatwoot_client::custom_attributes::NewAttributeDefinition;
/// use chatwoot_client::models::{AttributeDisplayType, AttributeModel};
/// let def = NewAttributeDefinition::new(AttributeModel::Contact, "shop_tier", "Customer tier", AttributeDisplayType::List)
///     .values(["new", "returning", "loyal", "vip"]);
/// let json = serde_json::to_value(&def).unwrap();
/// // Chatwoot takes the integer codes in requests.
/// assert_eq!(json["attribute_display_type"], 6);
/// assert_eq!(json["attribute_model"], 1);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewAttributeDefinition {
    /// The key values are stored under.
    pub attribute_key: String,
    /// The label agents see.
    pub attribute_display_name: String,
    /// How it is shown.
    #[serde(serialize_with = "as_code")]
    pub attribute_display_type: AttributeDisplayType,
    /// Contact or conversation.
    #[serde(serialize_with = "as_code")]
    pub attribute_model: AttributeModel,
    /// A description for agents.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute_description: Option<String>,
    /// The allowed values of a list attribute.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attribute_values: Vec<String>,
    /// A validation pattern.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regex_pattern: Option<String>,
}

trait Coded {
    fn code(&self) -> Option<u8>;
    fn as_str(&self) -> &str;
}
impl Coded for AttributeDisplayType {
    fn code(&self) -> Option<u8> {
        AttributeDisplayType::code(self)
    }
    fn as_str(&self) -> &str {
        AttributeDisplayType::as_str(self)
    }
}
impl Coded for AttributeModel {
    fn code(&self) -> Option<u8> {
        AttributeModel::code(self)
    }
    fn as_str(&self) -> &str {
        AttributeModel::as_str(self)
    }
}

/// Known values go as Chatwoot's integer code; unknown ones by name.
fn as_code<T: Coded, S: serde::Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    match value.code() {
        Some(code) => s.serialize_u8(code),
        None => s.serialize_str(value.as_str()),
    }
}

impl NewAttributeDefinition {
    /// A definition with its required fields.
    pub fn new(
        model: AttributeModel,
        key: impl Into<String>,
        display_name: impl Into<String>,
        display_type: AttributeDisplayType,
    ) -> Self {
        NewAttributeDefinition {
            attribute_key: key.into(),
            attribute_display_name: display_name.into(),
            attribute_display_type: display_type,
            attribute_model: model,
            attribute_description: None,
            attribute_values: Vec::new(),
            regex_pattern: None,
        }
    }

    /// Set the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.attribute_description = Some(description.into());
        self
    }

    /// Set the allowed values (list attributes).
    pub fn values<S: Into<String>>(mut self, values: impl IntoIterator<Item = S>) -> Self {
        self.attribute_values = values.into_iter().map(Into::into).collect();
        self
    }

    /// Check the key before sending it, so a bad key fails with the reason.
    pub fn validate(&self) -> Result<(), Error> {
        const RESERVED: &[&str] = &[
            "name",
            "email",
            "phone_number",
            "identifier",
            "country_code",
            "city",
            "company_name",
            "created_at",
            "last_activity_at",
            "referer",
            "blocked",
        ];
        let key = self.attribute_key.as_str();
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-'))
        {
            return Err(Error::InvalidInput {
                field: "attribute_key",
                message: format!("`{key}`: keys may only hold letters, digits, `_`, `.` and `-`"),
            });
        }
        if self.attribute_model == AttributeModel::Contact && RESERVED.contains(&key) {
            return Err(Error::InvalidInput {
                field: "attribute_key",
                message: format!("`{key}` is a standard contact attribute; pick another key"),
            });
        }
        Ok(())
    }
}

/// Custom attribute definitions. Get it from [`ApplicationClient::custom_attributes`].
#[derive(Debug, Clone, Copy)]
pub struct CustomAttributes<'a> {
    client: &'a ApplicationClient,
}

impl CustomAttributes<'_> {
    /// The definitions for one model.
    pub async fn list(
        &self,
        model: AttributeModel,
    ) -> Result<Vec<CustomAttributeDefinition>, Error> {
        let request = ApiRequest::get("custom_attributes.list", "custom_attribute_definitions");
        let request = match model.code() {
            Some(code) => request.query("attribute_model", code),
            None => request.query("attribute_model", model.as_str()),
        };
        self.client.sender.send_unwrapped(request).await
    }

    /// Create a definition (administrators only).
    pub async fn create(
        &self,
        definition: &NewAttributeDefinition,
    ) -> Result<CustomAttributeDefinition, Error> {
        definition.validate()?;
        let request = ApiRequest::post("custom_attributes.create", "custom_attribute_definitions")
            .json_body(&serde_json::json!({ "custom_attribute_definition": definition }))?;
        self.client.sender.send_unwrapped(request).await
    }

    /// Delete a definition. Values already stored on records stay.
    pub async fn delete(&self, id: u64) -> Result<(), Error> {
        let request = ApiRequest::<serde::de::IgnoredAny>::delete(
            "custom_attributes.delete",
            format!("custom_attribute_definitions/{id}"),
        );
        self.client.sender.send(request).await.map(drop)
    }

    /// Create each definition whose key does not exist yet for its model; returns the ones
    /// created. Safe to run at every start.
    pub async fn ensure(
        &self,
        definitions: &[NewAttributeDefinition],
    ) -> Result<Vec<CustomAttributeDefinition>, Error> {
        let mut created = Vec::new();
        let mut models: Vec<AttributeModel> = Vec::new();
        for def in definitions {
            def.validate()?;
            if !models.contains(&def.attribute_model) {
                models.push(def.attribute_model.clone());
            }
        }
        let mut existing: Vec<(AttributeModel, String)> = Vec::new();
        for model in models {
            for def in self.list(model.clone()).await? {
                existing.push((model.clone(), def.attribute_key));
            }
        }
        for def in definitions {
            let present = existing
                .iter()
                .any(|(m, k)| *m == def.attribute_model && *k == def.attribute_key);
            if !present {
                created.push(self.create(def).await?);
                existing.push((def.attribute_model.clone(), def.attribute_key.clone()));
            }
        }
        Ok(created)
    }
}
