//! A typed `searchCriteria` builder, serialized to Magento's exact query syntax.
//!
//! Magento's `*Repository::getList` endpoints read their criteria from the query string:
//!
//! ```text
//! searchCriteria[filter_groups][i][filters][j][field]=<attribute>
//! searchCriteria[filter_groups][i][filters][j][value]=<value>
//! searchCriteria[filter_groups][i][filters][j][condition_type]=<operator>
//! searchCriteria[sortOrders][k][field]=<attribute>
//! searchCriteria[sortOrders][k][direction]=ASC|DESC
//! searchCriteria[pageSize]=N
//! searchCriteria[currentPage]=P
//! ```
//!
//! Filters inside one group are OR-ed; groups are AND-ed. `(A AND B) OR (X AND Y)` cannot be
//! expressed. Two things the documentation leaves to chance are never left to chance here:
//! `pageSize` is always sent (without it Magento returns *every* match in one response), and
//! the stream helpers always add an explicit sort.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::error::Error;

/// The page size sent when none is set: under Magento's 300 maximum (2.4.3+ input limits).
pub const DEFAULT_PAGE_SIZE: u32 = 100;

/// Magento's maximum page size when its web API input limits are enabled.
pub const MAGENTO_MAX_PAGE_SIZE_WITH_INPUT_LIMITS: u32 = 300;

/// A filter operator (`condition_type`). Every operator Magento documents is here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConditionType {
    /// Equals.
    Eq,
    /// The value is in a comma-separated set column (`FIND_IN_SET`).
    Finset,
    /// Start of a range; must be paired with [`ConditionType::To`] on the same field.
    From,
    /// Greater than.
    Gt,
    /// Greater than or equal.
    Gteq,
    /// In a comma-separated list.
    In,
    /// SQL `LIKE` (`%` and `_` wildcards; they are percent-encoded on the wire for you).
    Like,
    /// Less than.
    Lt,
    /// Less than or equal.
    Lteq,
    /// More or equal.
    Moreq,
    /// Not equal.
    Neq,
    /// Not in a comma-separated set column.
    Nfinset,
    /// Not in a comma-separated list.
    Nin,
    /// SQL `NOT LIKE`.
    Nlike,
    /// `IS NOT NULL`.
    Notnull,
    /// `IS NULL`.
    Null,
    /// End of a range; must be paired with [`ConditionType::From`] on the same field.
    To,
}

impl ConditionType {
    /// Every operator, in Magento's documentation order.
    pub const ALL: [ConditionType; 17] = [
        ConditionType::Eq,
        ConditionType::Finset,
        ConditionType::From,
        ConditionType::Gt,
        ConditionType::Gteq,
        ConditionType::In,
        ConditionType::Like,
        ConditionType::Lt,
        ConditionType::Lteq,
        ConditionType::Moreq,
        ConditionType::Neq,
        ConditionType::Nfinset,
        ConditionType::Nin,
        ConditionType::Nlike,
        ConditionType::Notnull,
        ConditionType::Null,
        ConditionType::To,
    ];

    /// The wire name (`gteq`).
    pub fn as_str(self) -> &'static str {
        match self {
            ConditionType::Eq => "eq",
            ConditionType::Finset => "finset",
            ConditionType::From => "from",
            ConditionType::Gt => "gt",
            ConditionType::Gteq => "gteq",
            ConditionType::In => "in",
            ConditionType::Like => "like",
            ConditionType::Lt => "lt",
            ConditionType::Lteq => "lteq",
            ConditionType::Moreq => "moreq",
            ConditionType::Neq => "neq",
            ConditionType::Nfinset => "nfinset",
            ConditionType::Nin => "nin",
            ConditionType::Nlike => "nlike",
            ConditionType::Notnull => "notnull",
            ConditionType::Null => "null",
            ConditionType::To => "to",
        }
    }
}

impl fmt::Display for ConditionType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ConditionType {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        ConditionType::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| Error::InvalidSearchCriteria(format!("unknown condition_type {s:?}")))
    }
}

/// A filter value as Magento expects it on the wire.
///
/// Times become UTC `"YYYY-MM-DD HH:MM:SS"`, decimals their exact text; lists for `in`/`nin`
/// are joined with commas by [`Filter::in_list`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FilterValue(String);

impl FilterValue {
    /// The text sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for FilterValue {
    fn from(v: &str) -> Self {
        FilterValue(v.to_string())
    }
}
impl From<String> for FilterValue {
    fn from(v: String) -> Self {
        FilterValue(v)
    }
}
impl From<&String> for FilterValue {
    fn from(v: &String) -> Self {
        FilterValue(v.clone())
    }
}
impl From<Decimal> for FilterValue {
    fn from(v: Decimal) -> Self {
        FilterValue(v.to_string())
    }
}
impl From<DateTime<Utc>> for FilterValue {
    fn from(v: DateTime<Utc>) -> Self {
        FilterValue(crate::time::format_magento_time(v))
    }
}
macro_rules! int_filter_value {
    ($($t:ty),*) => {$(
        impl From<$t> for FilterValue {
            fn from(v: $t) -> Self { FilterValue(v.to_string()) }
        }
    )*};
}
int_filter_value!(u8, u16, u32, u64, i32, i64, usize);

/// One condition on one field.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Filter {
    field: String,
    value: String,
    condition: ConditionType,
}

macro_rules! filter_ctor {
    ($($(#[$doc:meta])* $name:ident => $cond:ident;)*) => {$(
        $(#[$doc])*
        pub fn $name(field: impl Into<String>, value: impl Into<FilterValue>) -> Filter {
            Filter::new(field, ConditionType::$cond, value)
        }
    )*};
}

impl Filter {
    /// A filter with any operator.
    pub fn new(
        field: impl Into<String>,
        condition: ConditionType,
        value: impl Into<FilterValue>,
    ) -> Filter {
        Filter {
            field: field.into(),
            value: value.into().0,
            condition,
        }
    }

    filter_ctor! {
        /// `field = value`.
        eq => Eq;
        /// `field != value`.
        neq => Neq;
        /// `field > value`.
        gt => Gt;
        /// `field >= value`.
        gteq => Gteq;
        /// `field < value`.
        lt => Lt;
        /// `field <= value`.
        lteq => Lteq;
        /// `field >= value` (`moreq`).
        moreq => Moreq;
        /// `field LIKE value` (use `%` wildcards as they are; the wire encoding is handled).
        like => Like;
        /// `field NOT LIKE value`.
        nlike => Nlike;
        /// `FIND_IN_SET(value, field)`.
        finset => Finset;
        /// `NOT FIND_IN_SET(value, field)`.
        nfinset => Nfinset;
        /// Magento's `from` (range start); pair it with [`Filter::range_to`] on the same field
        /// in another group, or use [`SearchCriteria::between`].
        range_from => From;
        /// Magento's `to` (range end); pair it with [`Filter::range_from`].
        range_to => To;
    }

    /// `field IN (v1, v2, …)`.
    pub fn in_list<I, V>(field: impl Into<String>, values: I) -> Filter
    where
        I: IntoIterator<Item = V>,
        V: Into<FilterValue>,
    {
        Filter::new(field, ConditionType::In, join(values))
    }

    /// `field NOT IN (v1, v2, …)`.
    pub fn not_in_list<I, V>(field: impl Into<String>, values: I) -> Filter
    where
        I: IntoIterator<Item = V>,
        V: Into<FilterValue>,
    {
        Filter::new(field, ConditionType::Nin, join(values))
    }

    /// `field IS NULL`.
    pub fn null(field: impl Into<String>) -> Filter {
        // Magento ignores the value for null/notnull but its request parser wants one.
        Filter::new(field, ConditionType::Null, "1")
    }

    /// `field IS NOT NULL`.
    pub fn not_null(field: impl Into<String>) -> Filter {
        Filter::new(field, ConditionType::Notnull, "1")
    }

    /// The attribute.
    pub fn field(&self) -> &str {
        &self.field
    }
    /// The value as sent.
    pub fn value(&self) -> &str {
        &self.value
    }
    /// The operator.
    pub fn condition(&self) -> ConditionType {
        self.condition
    }
}

fn join<I, V>(values: I) -> String
where
    I: IntoIterator<Item = V>,
    V: Into<FilterValue>,
{
    values
        .into_iter()
        .map(|v| v.into().0)
        .collect::<Vec<_>>()
        .join(",")
}

/// Filters combined with OR.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct FilterGroup {
    filters: Vec<Filter>,
}

impl FilterGroup {
    /// An empty group.
    pub fn new() -> Self {
        Self::default()
    }
    /// Add a filter (OR-ed with the others in this group).
    pub fn or(mut self, filter: Filter) -> Self {
        self.filters.push(filter);
        self
    }
    /// The filters.
    pub fn filters(&self) -> &[Filter] {
        &self.filters
    }
}

impl FromIterator<Filter> for FilterGroup {
    fn from_iter<T: IntoIterator<Item = Filter>>(iter: T) -> Self {
        FilterGroup {
            filters: iter.into_iter().collect(),
        }
    }
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortDirection {
    /// Ascending.
    Asc,
    /// Descending.
    Desc,
}

impl SortDirection {
    /// `ASC` or `DESC`.
    pub fn as_str(self) -> &'static str {
        match self {
            SortDirection::Asc => "ASC",
            SortDirection::Desc => "DESC",
        }
    }
}

/// One sort key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SortOrder {
    /// The attribute.
    pub field: String,
    /// The direction.
    pub direction: SortDirection,
}

/// Search criteria for a Magento `getList` endpoint.
///
/// ```
/// use magento_client::{Filter, SearchCriteria, SortDirection};
///
/// let criteria = SearchCriteria::new()
///     .filter(Filter::eq("store_id", 1u32))
///     .any_of([Filter::eq("status", "pending"), Filter::eq("status", "processing")])
///     .sort("entity_id", SortDirection::Asc)
///     .page_size(50);
/// let query = criteria.to_query_pairs();
/// assert_eq!(query[0], (
///     "searchCriteria[filter_groups][0][filters][0][field]".to_string(),
///     "store_id".to_string(),
/// ));
/// assert!(query.contains(&("searchCriteria[pageSize]".into(), "50".into())));
/// // Parsing the query back gives the same criteria.
/// assert_eq!(SearchCriteria::from_query_pairs(&query).unwrap(), criteria);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SearchCriteria {
    groups: Vec<FilterGroup>,
    sort: Vec<SortOrder>,
    page_size: Option<u32>,
    /// 1-based; Magento reads 0 as 1, so it is stored as 1.
    current_page: u32,
}

impl Default for SearchCriteria {
    fn default() -> Self {
        SearchCriteria {
            groups: Vec::new(),
            sort: Vec::new(),
            page_size: None,
            current_page: 1,
        }
    }
}

impl SearchCriteria {
    /// No filters, no sort, default page size, page 1.
    pub fn new() -> Self {
        Self::default()
    }

    /// AND a single filter (a group of its own).
    pub fn filter(mut self, filter: Filter) -> Self {
        self.groups.push(FilterGroup {
            filters: vec![filter],
        });
        self
    }

    /// AND a group of filters that are OR-ed together.
    pub fn any_of(mut self, filters: impl IntoIterator<Item = Filter>) -> Self {
        let group: FilterGroup = filters.into_iter().collect();
        if !group.filters.is_empty() {
            self.groups.push(group);
        }
        self
    }

    /// AND a prepared group.
    pub fn group(mut self, group: FilterGroup) -> Self {
        if !group.filters.is_empty() {
            self.groups.push(group);
        }
        self
    }

    /// `from <= field <= to` (Magento's `from` and `to`, in two groups as its docs do).
    pub fn between(
        self,
        field: impl Into<String>,
        from: impl Into<FilterValue>,
        to: impl Into<FilterValue>,
    ) -> Self {
        let field = field.into();
        self.filter(Filter::range_from(field.clone(), from))
            .filter(Filter::range_to(field, to))
    }

    /// Add a sort key (later keys break ties of earlier ones).
    pub fn sort(mut self, field: impl Into<String>, direction: SortDirection) -> Self {
        self.sort.push(SortOrder {
            field: field.into(),
            direction,
        });
        self
    }

    /// Items per page (always sent; [`DEFAULT_PAGE_SIZE`] when not set).
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = Some(size);
        self
    }

    /// The 1-based page number. Magento treats 0 as 1, so 0 is sent as 1.
    pub fn current_page(mut self, page: u32) -> Self {
        self.current_page = page.max(1);
        self
    }

    /// The filter groups.
    pub fn filter_groups(&self) -> &[FilterGroup] {
        &self.groups
    }
    /// The sort keys.
    pub fn sort_orders(&self) -> &[SortOrder] {
        &self.sort
    }
    /// The page size that will be sent.
    pub fn effective_page_size(&self) -> u32 {
        self.page_size.unwrap_or(DEFAULT_PAGE_SIZE)
    }
    /// The page that will be requested (1 when not set).
    pub fn effective_current_page(&self) -> u32 {
        self.current_page
    }
    /// Whether a page size was set explicitly.
    pub fn has_page_size(&self) -> bool {
        self.page_size.is_some()
    }
    /// Whether any sort key sorts on `field`.
    pub fn sorts_on(&self, field: &str) -> bool {
        self.sort.iter().any(|s| s.field == field)
    }

    /// The same filters without sort orders, page size or current page.
    pub(crate) fn without_paging_and_sort(mut self) -> Self {
        self.sort.clear();
        self.page_size = None;
        self.current_page = 1;
        self
    }

    /// Check what Magento would reject or misread: an empty field name, a page size of 0, a
    /// `from` without a `to` on the same field (or the reverse).
    pub fn validate(&self) -> Result<(), Error> {
        if self.page_size == Some(0) {
            return Err(Error::InvalidSearchCriteria(
                "pageSize 0 would make Magento return every match in one response; use 1..=300"
                    .into(),
            ));
        }
        let all = self.groups.iter().flat_map(|g| g.filters.iter());
        for f in all.clone() {
            if f.field.trim().is_empty() {
                return Err(Error::InvalidSearchCriteria(format!(
                    "a {} filter has an empty field name",
                    f.condition
                )));
            }
        }
        for (cond, other) in [
            (ConditionType::From, ConditionType::To),
            (ConditionType::To, ConditionType::From),
        ] {
            for f in all.clone().filter(|f| f.condition == cond) {
                if !all
                    .clone()
                    .any(|g| g.condition == other && g.field == f.field)
                {
                    return Err(Error::InvalidSearchCriteria(format!(
                        "`{cond}` on field {:?} needs a matching `{other}` (Magento ranges take \
                         both; use SearchCriteria::between, or gteq/lteq for an open range)",
                        f.field
                    )));
                }
            }
        }
        for s in &self.sort {
            if s.field.trim().is_empty() {
                return Err(Error::InvalidSearchCriteria(
                    "a sort order has an empty field name".into(),
                ));
            }
        }
        Ok(())
    }

    /// The query parameters, decoded (keys with brackets, values as typed), in a stable order.
    /// `pageSize` and `currentPage` are always present.
    pub fn to_query_pairs(&self) -> Vec<(String, String)> {
        let mut pairs = Vec::new();
        for (i, group) in self.groups.iter().enumerate() {
            for (j, f) in group.filters.iter().enumerate() {
                let prefix = format!("searchCriteria[filter_groups][{i}][filters][{j}]");
                pairs.push((format!("{prefix}[field]"), f.field.clone()));
                pairs.push((format!("{prefix}[value]"), f.value.clone()));
                pairs.push((
                    format!("{prefix}[condition_type]"),
                    f.condition.as_str().to_string(),
                ));
            }
        }
        for (k, s) in self.sort.iter().enumerate() {
            pairs.push((
                format!("searchCriteria[sortOrders][{k}][field]"),
                s.field.clone(),
            ));
            pairs.push((
                format!("searchCriteria[sortOrders][{k}][direction]"),
                s.direction.as_str().to_string(),
            ));
        }
        pairs.push((
            "searchCriteria[pageSize]".to_string(),
            self.effective_page_size().to_string(),
        ));
        pairs.push((
            "searchCriteria[currentPage]".to_string(),
            self.effective_current_page().to_string(),
        ));
        pairs
    }

    /// The query string exactly as the client sends it (`application/x-www-form-urlencoded`:
    /// brackets as `%5B`/`%5D`, `%` wildcards as `%25`, spaces as `%20`, a `+` as `%2B`).
    ///
    /// ```
    /// use magento_client::{Filter, SearchCriteria};
    /// let q = SearchCriteria::new().filter(Filter::like("name", "%Tee%")).page_size(10).to_query_string();
    /// assert_eq!(
    ///     q,
    ///     "searchCriteria%5Bfilter_groups%5D%5B0%5D%5Bfilters%5D%5B0%5D%5Bfield%5D=name&\
    ///      searchCriteria%5Bfilter_groups%5D%5B0%5D%5Bfilters%5D%5B0%5D%5Bvalue%5D=%25Tee%25&\
    ///      searchCriteria%5Bfilter_groups%5D%5B0%5D%5Bfilters%5D%5B0%5D%5Bcondition_type%5D=like&\
    ///      searchCriteria%5BpageSize%5D=10&searchCriteria%5BcurrentPage%5D=1"
    /// );
    /// ```
    pub fn to_query_string(&self) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in self.to_query_pairs() {
            out.append_pair(&k, &v);
        }
        // Spaces as `%20`, not `+`: Magento's OAuth verifier keeps a `+` (rawurldecode) where
        // its request parser reads a space, so a `+` would break OAuth 1.0a signatures.
        out.finish().replace('+', "%20")
    }

    /// Read criteria back from decoded query pairs. Both Magento spellings are accepted
    /// (`filter_groups`/`filterGroups`, `condition_type`/`conditionType`, `sort_orders`/
    /// `sortOrders`, `page_size`/`pageSize`, `current_page`/`currentPage`); a missing
    /// `condition_type` means `eq`, as in Magento. Pairs outside `searchCriteria` are ignored.
    pub fn from_query_pairs<K, V>(pairs: &[(K, V)]) -> Result<SearchCriteria, Error>
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        use std::collections::BTreeMap;
        #[derive(Default)]
        struct RawFilter {
            field: Option<String>,
            value: Option<String>,
            condition: Option<String>,
        }
        let mut groups: BTreeMap<usize, BTreeMap<usize, RawFilter>> = BTreeMap::new();
        let mut sorts: BTreeMap<usize, (Option<String>, Option<String>)> = BTreeMap::new();
        let mut criteria = SearchCriteria::new();
        let bad = |k: &str| Error::InvalidSearchCriteria(format!("unreadable query key {k:?}"));
        for (key, value) in pairs {
            let (key, value) = (key.as_ref(), value.as_ref());
            let Some(rest) = key.strip_prefix("searchCriteria") else {
                continue;
            };
            let parts = bracket_parts(rest).ok_or_else(|| bad(key))?;
            let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
            match parts.as_slice() {
                [g, i, f, j, attr] if is_groups(g) && *f == "filters" => {
                    let i: usize = i.parse().map_err(|_| bad(key))?;
                    let j: usize = j.parse().map_err(|_| bad(key))?;
                    let raw = groups.entry(i).or_default().entry(j).or_default();
                    match *attr {
                        "field" => raw.field = Some(value.to_string()),
                        "value" => raw.value = Some(value.to_string()),
                        "condition_type" | "conditionType" => {
                            raw.condition = Some(value.to_string())
                        }
                        _ => return Err(bad(key)),
                    }
                }
                [s, k, attr] if *s == "sortOrders" || *s == "sort_orders" => {
                    let k: usize = k.parse().map_err(|_| bad(key))?;
                    let entry = sorts.entry(k).or_default();
                    match *attr {
                        "field" => entry.0 = Some(value.to_string()),
                        "direction" => entry.1 = Some(value.to_string()),
                        _ => return Err(bad(key)),
                    }
                }
                [p] if *p == "pageSize" || *p == "page_size" => {
                    criteria.page_size = Some(value.parse().map_err(|_| bad(key))?);
                }
                [p] if *p == "currentPage" || *p == "current_page" => {
                    let page: u32 = value.parse().map_err(|_| bad(key))?;
                    criteria.current_page = page.max(1);
                }
                _ => return Err(bad(key)),
            }
        }
        for (_, filters) in groups {
            let mut group = FilterGroup::new();
            for (_, raw) in filters {
                let field = raw
                    .field
                    .ok_or_else(|| Error::InvalidSearchCriteria("a filter has no field".into()))?;
                let condition = match raw.condition.as_deref() {
                    None | Some("") => ConditionType::Eq,
                    Some(c) => c.parse()?,
                };
                group.filters.push(Filter {
                    field,
                    value: raw.value.unwrap_or_default(),
                    condition,
                });
            }
            criteria.groups.push(group);
        }
        for (_, (field, direction)) in sorts {
            let field = field
                .ok_or_else(|| Error::InvalidSearchCriteria("a sort order has no field".into()))?;
            let direction = match direction.as_deref().map(str::to_ascii_uppercase).as_deref() {
                Some("ASC") => SortDirection::Asc,
                // Magento's documented default is descending.
                None | Some("DESC") | Some("") => SortDirection::Desc,
                Some(other) => {
                    return Err(Error::InvalidSearchCriteria(format!(
                        "unknown sort direction {other:?}"
                    )));
                }
            };
            criteria.sort.push(SortOrder { field, direction });
        }
        Ok(criteria)
    }
}

fn is_groups(s: &str) -> bool {
    s == "filter_groups" || s == "filterGroups"
}

/// `[a][b][c]` → `["a", "b", "c"]`.
fn bracket_parts(mut s: &str) -> Option<Vec<String>> {
    let mut parts = Vec::new();
    while !s.is_empty() {
        let inner = s.strip_prefix('[')?;
        let end = inner.find(']')?;
        parts.push(inner[..end].to_string());
        s = &inner[end + 1..];
    }
    Some(parts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn every_condition_type_round_trips() {
        let mut c = SearchCriteria::new();
        for cond in ConditionType::ALL {
            c = c.filter(Filter::new("f", cond, "v"));
        }
        let c = c
            .sort("entity_id", SortDirection::Asc)
            .page_size(25)
            .current_page(3);
        let pairs = c.to_query_pairs();
        assert_eq!(SearchCriteria::from_query_pairs(&pairs).unwrap(), c);
        for cond in ConditionType::ALL {
            assert_eq!(cond.as_str().parse::<ConditionType>().unwrap(), cond);
        }
    }

    #[test]
    fn camel_case_and_default_eq_are_read() {
        let pairs = [
            (
                "searchCriteria[filterGroups][0][filters][0][field]",
                "store_id",
            ),
            ("searchCriteria[filterGroups][0][filters][0][value]", "1,2"),
            (
                "searchCriteria[filterGroups][0][filters][0][conditionType]",
                "in",
            ),
            (
                "searchCriteria[filterGroups][1][filters][0][field]",
                "status",
            ),
            (
                "searchCriteria[filterGroups][1][filters][0][value]",
                "pending",
            ),
            ("searchCriteria[sortOrders][0][field]", "increment_id"),
            ("fields", "items[entity_id]"),
        ];
        let c = SearchCriteria::from_query_pairs(&pairs).unwrap();
        assert_eq!(
            c,
            SearchCriteria::new()
                .filter(Filter::in_list("store_id", [1u32, 2]))
                .filter(Filter::eq("status", "pending"))
                .sort("increment_id", SortDirection::Desc)
        );
    }

    #[test]
    fn values_are_formatted_for_magento() {
        let t = Utc.with_ymd_and_hms(2016, 7, 1, 0, 0, 0).unwrap();
        let f = Filter::gt("created_at", t);
        assert_eq!(f.value(), "2016-07-01 00:00:00");
        let q = SearchCriteria::new().filter(f).to_query_string();
        assert!(q.contains("value%5D=2016-07-01%2000%3A00%3A00"), "{q}");
        let d: Decimal = "49.99".parse().unwrap();
        assert_eq!(Filter::lteq("price", d).value(), "49.99");
    }

    #[test]
    fn validation() {
        assert!(SearchCriteria::new().page_size(0).validate().is_err());
        let open = SearchCriteria::new().filter(Filter::range_from("price", 40u32));
        let err = open.validate().unwrap_err().to_string();
        assert!(err.contains("needs a matching `to`"), "{err}");
        assert!(
            SearchCriteria::new()
                .between("price", 40u32, 50u32)
                .validate()
                .is_ok()
        );
        assert!(SearchCriteria::from_query_pairs(&[("searchCriteria[oops", "1")]).is_err());
    }
}
