//! [`JsonSink`]: a typed [`Sink`] behind the outbox's JSON payloads.

use std::fmt;
use std::marker::PhantomData;

use async_trait::async_trait;
use serde::de::DeserializeOwned;

use crate::error::StageError;
use crate::sink::{Ack, Sink, SinkRecord};

/// Serves a `Sink<R>` as a `Sink<serde_json::Value>`: each payload is decoded into `R`, the
/// records that decode go to the inner sink in one write, and a payload of another shape is
/// rejected with the JSON path that did not match (it would never decode on a retry).
///
/// This is how an outbox destination takes a typed sink (ActiveCampaign contacts from
/// [`OrderSummary`](crate::summary::OrderSummary)s, say) without a hand-written bridge:
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use async_trait::async_trait;
/// use sync_core::json_sink::JsonSink;
/// use sync_core::{Ack, Sink, SinkRecord, StageError};
///
/// #[derive(serde::Deserialize)]
/// struct Contact { email: String }
///
/// struct Crm;
/// #[async_trait]
/// impl Sink<Contact> for Crm {
///     async fn write(&self, batch: &[SinkRecord<'_, Contact>]) -> Result<Vec<Ack>, StageError> {
///         Ok(batch.iter().map(|r| if r.data.email.contains('@') { Ack::Delivered } else { Ack::rejected("no @") }).collect())
///     }
/// }
///
/// let sink = JsonSink::<Contact, _>::new(Crm);
/// let (good, bad) = (serde_json::json!({"email": "a@b.test"}), serde_json::json!({"mail": 1}));
/// let acks = sink
///     .write(&[SinkRecord { key: "c-1", data: &good }, SinkRecord { key: "c-2", data: &bad }])
///     .await
///     .unwrap();
/// assert_eq!(acks[0], Ack::Delivered);
/// assert!(matches!(&acks[1], Ack::Rejected { reason, .. } if reason.contains("email")));
///
/// // A value of the wrong type is not quoted in the reason.
/// let wrong = serde_json::json!({"email": 31612345678u64});
/// let acks = sink.write(&[SinkRecord { key: "c-3", data: &wrong }]).await.unwrap();
/// assert!(matches!(&acks[0], Ack::Rejected { reason, .. } if !reason.contains("31612345678")));
/// # });
/// ```
pub struct JsonSink<R, S> {
    inner: S,
    record: PhantomData<fn() -> R>,
}

impl<R, S> JsonSink<R, S> {
    /// Decode payloads into `R` for `inner`.
    pub fn new(inner: S) -> Self {
        JsonSink {
            inner,
            record: PhantomData,
        }
    }
}

impl<R, S: fmt::Debug> fmt::Debug for JsonSink<R, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonSink")
            .field("record", &std::any::type_name::<R>())
            .field("inner", &self.inner)
            .finish()
    }
}

#[async_trait]
impl<R, S> Sink<serde_json::Value> for JsonSink<R, S>
where
    R: DeserializeOwned + Send + Sync,
    S: Sink<R>,
{
    async fn write(
        &self,
        batch: &[SinkRecord<'_, serde_json::Value>],
    ) -> Result<Vec<Ack>, StageError> {
        let mut acks: Vec<Option<Ack>> = vec![None; batch.len()];
        let mut decoded = Vec::with_capacity(batch.len());
        for (i, record) in batch.iter().enumerate() {
            match serde_path_to_error::deserialize::<_, R>(record.data) {
                Ok(data) => decoded.push((i, record.key, data)),
                // The reason names the path and what was expected; serde's quotes of the value
                // (an email, a name) are cut: dead-letter reasons are read by people.
                Err(e) => {
                    acks[i] = Some(Ack::rejected(format!(
                        "payload does not match {} at `{}`: {}",
                        short_type_name::<R>(),
                        e.path(),
                        without_quoted_values(&e.inner().to_string())
                    )))
                }
            }
        }
        if !decoded.is_empty() {
            let records: Vec<SinkRecord<'_, R>> = decoded
                .iter()
                .map(|(_, key, data)| SinkRecord { key, data })
                .collect();
            let answers = self.inner.write(&records).await?;
            if answers.len() != records.len() {
                return Err(StageError::new(
                    crate::Verdict::Permanent(crate::PermanentKind::Server),
                    format!(
                        "the sink answered {} acks for {} records",
                        answers.len(),
                        records.len()
                    ),
                ));
            }
            for ((i, _, _), ack) in decoded.iter().zip(answers) {
                acks[*i] = Some(ack);
            }
        }
        Ok(acks
            .into_iter()
            .map(|a| a.expect("every record answered"))
            .collect())
    }
}

/// `text` with every quoted value cut: serde quotes strings in `"…"` (escaping quotes inside
/// with `\`) and numbers, characters and variants in backticks.
fn without_quoted_values(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    // The quote that opened the part being read, and whether that part is kept.
    let mut open: Option<(char, bool)> = None;
    while let Some(c) = chars.next() {
        match open {
            None if c == '"' || c == '`' => {
                // A backticked field name (missing field `email`) is the schema, not a value.
                let keep = c == '`' && out.trim_end().ends_with("field");
                out.push(c);
                if !keep {
                    out.push('…');
                }
                open = Some((c, keep));
            }
            None => out.push(c),
            Some((q, _)) if c == q => {
                out.push(c);
                open = None;
            }
            Some((_, false)) if c == '\\' => {
                chars.next();
            }
            Some((_, true)) => out.push(c),
            Some((_, false)) => {}
        }
    }
    out
}

/// `OrderSummary` rather than `sync_core::summary::OrderSummary`.
fn short_type_name<R>() -> &'static str {
    let full = std::any::type_name::<R>();
    full.rsplit("::").next().unwrap_or(full)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serdes_quotes_of_the_value_are_cut() {
        let message = r#"invalid type: string "ada@example.com", expected u64 at line 1"#;
        assert_eq!(
            without_quoted_values(message),
            r#"invalid type: string "…", expected u64 at line 1"#
        );
        let escaped = r#"invalid type: string "say \"hi\" to ada@example.com", expected u64"#;
        assert_eq!(
            without_quoted_values(escaped),
            r#"invalid type: string "…", expected u64"#
        );
        let field = "missing field `email`";
        assert_eq!(without_quoted_values(field), field);
        let number = "invalid type: integer `4111111111111111`, expected a string";
        assert_eq!(
            without_quoted_values(number),
            "invalid type: integer `…`, expected a string"
        );
    }
}
