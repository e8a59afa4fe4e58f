//! `POST /api/v1/accounts/{id}/contacts/filter`: Chatwoot's contact filter, as its
//! `Contacts::FilterService` evaluates it: conditions applied left to right, each joined to the
//! next by its `query_operator` (`AND`/`OR`); text compared case-insensitively; standard keys
//! (`name`, `email`, `phone_number`, `identifier`) or custom attribute keys; 15 per page.

use serde_json::{Value, json};

/// Whether `contact` passes one condition.
fn passes(contact: &Value, condition: &Value) -> bool {
    let key = condition["attribute_key"].as_str().unwrap_or_default();
    let actual = match key {
        "name" | "email" | "phone_number" | "identifier" => contact[key].clone(),
        other => contact["custom_attributes"][other].clone(),
    };
    let actual_text = match &actual {
        Value::Null => None,
        Value::String(s) => Some(s.to_lowercase()),
        other => Some(other.to_string().to_lowercase()),
    };
    let values: Vec<String> = condition["values"]
        .as_array()
        .map(|vs| {
            vs.iter()
                .map(|v| match v {
                    Value::String(s) => s.to_lowercase(),
                    other => other.to_string().to_lowercase(),
                })
                .collect()
        })
        .unwrap_or_default();
    match condition["filter_operator"].as_str().unwrap_or_default() {
        "equal_to" => actual_text.is_some_and(|a| values.contains(&a)),
        "not_equal_to" => actual_text.is_none_or(|a| !values.contains(&a)),
        "contains" => actual_text.is_some_and(|a| values.iter().any(|v| a.contains(v.as_str()))),
        "does_not_contain" => {
            actual_text.is_none_or(|a| !values.iter().any(|v| a.contains(v.as_str())))
        }
        "is_present" => actual_text.is_some_and(|a| !a.is_empty()),
        "is_not_present" => actual_text.is_none_or(|a| a.is_empty()),
        "starts_with" => {
            actual_text.is_some_and(|a| values.iter().any(|v| a.starts_with(v.as_str())))
        }
        _ => false,
    }
}

/// Whether `contact` passes the whole filter body (`{"payload": [conditions]}`).
pub fn matches(contact: &Value, body: &Value) -> bool {
    let Some(conditions) = body["payload"].as_array().filter(|c| !c.is_empty()) else {
        return false;
    };
    let mut result = passes(contact, &conditions[0]);
    for pair in conditions.windows(2) {
        let next = passes(contact, &pair[1]);
        result = match pair[0]["query_operator"].as_str() {
            Some(op) if op.eq_ignore_ascii_case("or") => result || next,
            _ => result && next,
        };
    }
    result
}

/// The answer for one page of matches.
pub fn page(contacts: Vec<Value>, body: &Value, page: usize) -> Value {
    let matching: Vec<Value> = contacts.into_iter().filter(|c| matches(c, body)).collect();
    let count = matching.len();
    let payload: Vec<Value> = matching
        .into_iter()
        .skip((page - 1) * 15)
        .take(15)
        .collect();
    json!({"meta": {"count": count, "current_page": page}, "payload": payload})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_to_ignores_case_and_or_joins_left_to_right() {
        let contact = json!({"email": "jan@example.nl", "identifier": null, "custom_attributes": {"tier": "gold"}});
        let by_email = json!({"payload": [{"attribute_key": "email", "filter_operator": "equal_to", "values": ["JAN@example.nl"], "query_operator": null}]});
        assert!(matches(&contact, &by_email));
        let either = json!({"payload": [
            {"attribute_key": "identifier", "filter_operator": "equal_to", "values": ["woo:1"], "query_operator": "OR"},
            {"attribute_key": "tier", "filter_operator": "equal_to", "values": ["gold"], "query_operator": null}
        ]});
        assert!(matches(&contact, &either));
        let both = json!({"payload": [
            {"attribute_key": "identifier", "filter_operator": "equal_to", "values": ["woo:1"], "query_operator": "AND"},
            {"attribute_key": "tier", "filter_operator": "equal_to", "values": ["gold"], "query_operator": null}
        ]});
        assert!(!matches(&contact, &both));
    }
}
