//! Seeded, deterministic shop data at any size: the same seed gives the same shop.
//!
//! People have Dutch, German, Persian and Korean names; some orders have no email or a
//! malformed one; subscriptions are paid by iDEAL and Bancontact through Mollie; some orders
//! are refunded; amounts are in several currencies and chosen so that binary floats get the
//! cents wrong (84.94, 0.1 + 0.2, 19.99 × 3) and JPY/KRW have no decimals.

use chrono::{DateTime, Duration, TimeZone, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// How much data a fake starts with, and the generator seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Seed {
    /// Orders (WooCommerce, Magento).
    pub orders: usize,
    /// Customers (WooCommerce) / contacts (ActiveCampaign, Chatwoot).
    pub customers: usize,
    /// Products.
    pub products: usize,
    /// WooCommerce subscriptions.
    pub subscriptions: usize,
    /// The generator seed: the same seed gives the same data.
    pub seed: u64,
}

impl Default for Seed {
    fn default() -> Self {
        Self::orders(20)
    }
}

impl Seed {
    /// `n` orders, with customers, products and subscriptions in proportion.
    pub fn orders(n: usize) -> Self {
        Self {
            orders: n,
            customers: (n / 4).max(5),
            products: 12,
            subscriptions: (n / 10).max(3),
            seed: 42,
        }
    }

    /// Nothing at all.
    pub fn empty() -> Self {
        Self {
            orders: 0,
            customers: 0,
            products: 0,
            subscriptions: 0,
            seed: 42,
        }
    }

    /// The same sizes with another generator seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// A generator for this seed, salted per use so vendors don't share one stream.
    pub fn rng(&self, salt: u64) -> fastrand::Rng {
        fastrand::Rng::with_seed(self.seed ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }
}

/// Where a person comes from: decides names, address, phone and currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Locale {
    /// Netherlands (EUR, iDEAL).
    Dutch,
    /// Germany (EUR).
    German,
    /// Persian names (living in Germany or Belgium, EUR).
    Persian,
    /// Korea (KRW) or Japan shipping (JPY).
    Korean,
}

/// How a person's email is broken, if at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum EmailKind {
    /// A valid address.
    Valid,
    /// No email at all (`""`).
    Missing,
    /// Not an address (`jan@@example`, `sanne at example.nl`).
    Malformed,
    /// Valid after trimming and lowercasing (` Jan.DeVries@Example.NL `).
    Untidy,
}

/// One generated person.
#[derive(Debug, Clone, Serialize)]
pub struct Person {
    /// First name in the person's script.
    pub first_name: String,
    /// Last name in the person's script.
    pub last_name: String,
    /// The email as the shop holds it (maybe empty or malformed).
    pub email: String,
    /// What is wrong with the email.
    pub email_kind: EmailKind,
    /// Phone as typed.
    pub phone: String,
    /// Street and number.
    pub street: String,
    /// City.
    pub city: String,
    /// Postcode.
    pub postcode: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// Origin.
    pub locale: Locale,
}

const DUTCH: (&[&str], &[&str]) = (
    &[
        "Jan", "Sanne", "Daan", "Femke", "Bram", "Lotte", "Sem", "Eva",
    ],
    &[
        "de Vries",
        "Bakker",
        "van den Berg",
        "Jansen",
        "Visser",
        "van Dijk",
        "Smit",
        "de Jong",
    ],
);
const GERMAN: (&[&str], &[&str]) = (
    &[
        "Jürgen",
        "Mia",
        "Lukas",
        "Hannah",
        "Jörg",
        "Sophie",
        "Maximilian",
        "Käthe",
    ],
    &[
        "Müller",
        "Schmidt",
        "Schröder",
        "Weiß",
        "Groß",
        "Becker",
        "Hoffmann",
        "Köhler",
    ],
);
const PERSIAN: (&[&str], &[&str]) = (
    &[
        "محمد",
        "زهرا",
        "علی",
        "فاطمه",
        "رضا",
        "مریم",
        "حسین",
        "نگار",
    ],
    &[
        "رضایی",
        "احمدی",
        "محمدی",
        "حسینی",
        "کریمی",
        "موسوی",
        "جعفری",
        "صادقی",
    ],
);
const KOREAN: (&[&str], &[&str]) = (
    &[
        "민준", "서연", "도윤", "지우", "하준", "서윤", "시우", "지아",
    ],
    &["김", "이", "박", "최", "정", "강", "조", "윤"],
);

/// The `i`-th person of a seeded population (stable: the same `i` gives the same person).
pub fn person(seed: &Seed, i: usize) -> Person {
    let mut rng = seed.rng(0x5EED_0000 + i as u64);
    let locale = match i % 4 {
        0 => Locale::Dutch,
        1 => Locale::German,
        2 => Locale::Persian,
        _ => Locale::Korean,
    };
    let (firsts, lasts) = match locale {
        Locale::Dutch => DUTCH,
        Locale::German => GERMAN,
        Locale::Persian => PERSIAN,
        Locale::Korean => KOREAN,
    };
    let first_name = firsts[rng.usize(..firsts.len())].to_owned();
    let last_name = lasts[rng.usize(..lasts.len())].to_owned();
    let (street, city, postcode, country, phone) = match locale {
        Locale::Dutch => (
            "Keizersgracht 12",
            "Amsterdam",
            "1015 CJ",
            "NL",
            "+31 6 12345678",
        ),
        Locale::German => ("Hauptstraße 5", "München", "80331", "DE", "0049 89 1234567"),
        Locale::Persian if i % 8 == 2 => {
            ("Rue Neuve 3", "Bruxelles", "1000", "BE", "+32 2 555 01 23")
        }
        Locale::Persian => (
            "Königsallee 40",
            "Düsseldorf",
            "40212",
            "DE",
            "+49 (0)211 555-0100",
        ),
        Locale::Korean => ("테헤란로 152", "서울", "06236", "KR", "+82 10-1234-5678"),
    };
    let local = ascii_local_part(locale, i);
    let email_kind = match rng.u32(..20) {
        0 | 1 => EmailKind::Missing,
        2 => EmailKind::Malformed,
        3 => EmailKind::Untidy,
        _ => EmailKind::Valid,
    };
    let domain = match country {
        "NL" => "example.nl",
        "DE" => "beispiel.de",
        "BE" => "example.be",
        _ => "example.kr",
    };
    let email = match email_kind {
        EmailKind::Valid => format!("{local}@{domain}"),
        EmailKind::Missing => String::new(),
        EmailKind::Malformed => {
            if i.is_multiple_of(2) {
                format!("{local}@@{domain}")
            } else {
                format!("{local} at {domain}")
            }
        }
        EmailKind::Untidy => format!(" {}@{} ", capitalize(&local), domain.to_uppercase()),
    };
    Person {
        first_name,
        last_name,
        email,
        email_kind,
        phone: phone.to_owned(),
        street: street.to_owned(),
        city: city.to_owned(),
        postcode: postcode.to_owned(),
        country: country.to_owned(),
        locale,
    }
}

fn ascii_local_part(locale: Locale, i: usize) -> String {
    let stem = match locale {
        Locale::Dutch => "klant",
        Locale::German => "kunde",
        Locale::Persian => "moshtari",
        Locale::Korean => "gogaek",
    };
    format!("{stem}{i}")
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// A product of the seeded catalogue.
#[derive(Debug, Clone, Serialize)]
pub struct Product {
    /// 1-based index.
    pub index: usize,
    /// Name.
    pub name: String,
    /// SKU.
    pub sku: String,
    /// Unit price in EUR.
    pub price: Decimal,
}

const PRODUCT_NAMES: &[&str] = &[
    "Stroopwafel doos",
    "Kaffeebohnen 1 kg",
    "زعفران ۵ گرم",
    "김치 세트",
    "Drop assortiment",
    "Lebkuchen Herzen",
    "Theepot Delfts blauw",
    "Räuchermännchen",
];

/// Prices chosen because floats get them wrong: 84.94, 0.1 + 0.2, 19.99, 1.15, 4.35, 0.07.
const PRICES: &[&str] = &[
    "84.94", "0.10", "0.20", "19.99", "1.15", "4.35", "0.07", "33.33", "9.95", "12.50",
];

/// The `i`-th product (1-based).
pub fn product(seed: &Seed, index: usize) -> Product {
    let mut rng = seed.rng(0x9800_0000 + index as u64);
    let name = PRODUCT_NAMES[(index - 1) % PRODUCT_NAMES.len()];
    let price: Decimal = PRICES[rng.usize(..PRICES.len())]
        .parse()
        .expect("price literal");
    Product {
        index,
        name: format!("{name} #{index}"),
        sku: format!("SKU-{index:04}"),
        price,
    }
}

/// Currency of an order and its minor-unit digits.
pub fn currency_for(locale: Locale, i: usize) -> (&'static str, u32) {
    match locale {
        Locale::Korean if i.is_multiple_of(2) => ("KRW", 0),
        Locale::Korean => ("JPY", 0),
        Locale::Dutch if i.is_multiple_of(5) => ("USD", 2),
        Locale::German if i.is_multiple_of(7) => ("GBP", 2),
        _ => ("EUR", 2),
    }
}

/// EUR → other currency rates, exact decimals.
pub fn rate(currency: &str) -> Decimal {
    match currency {
        "USD" => Decimal::new(108, 2),
        "GBP" => Decimal::new(86, 2),
        "JPY" => Decimal::new(162, 0),
        "KRW" => Decimal::new(1450, 0),
        _ => Decimal::ONE,
    }
}

/// One seeded order, vendor-neutral; each fake renders it in its own shape.
#[derive(Debug, Clone, Serialize)]
pub struct Order {
    /// 1-based id.
    pub id: u64,
    /// The buyer.
    pub person: Person,
    /// Customer id (0 = guest).
    pub customer_id: u64,
    /// ISO 4217.
    pub currency: String,
    /// Minor-unit digits (0 for JPY/KRW).
    pub decimals: u32,
    /// `(product index, quantity, unit price in currency)`.
    pub lines: Vec<(usize, u32, Decimal)>,
    /// Shipping in currency.
    pub shipping: Decimal,
    /// Sum of lines + shipping.
    pub total: Decimal,
    /// Refunded amounts (positive).
    pub refunds: Vec<Decimal>,
    /// WooCommerce-style status.
    pub status: String,
    /// Gateway id.
    pub payment_method: String,
    /// Gateway title.
    pub payment_method_title: String,
    /// Created (UTC).
    pub created: DateTime<Utc>,
    /// Last modified (UTC).
    pub modified: DateTime<Utc>,
}

/// The start of seeded time: all seeded dates follow it.
pub fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 1, 8, 0, 0)
        .single()
        .expect("valid date")
}

/// The `id`-th order (1-based).
pub fn order(seed: &Seed, id: u64) -> Order {
    let i = id as usize;
    let mut rng = seed.rng(0x0DE2_0000 + id);
    let customers = seed.customers.max(1);
    let person_index = rng.usize(..customers) + 1;
    let person = person(seed, person_index);
    let (currency, decimals) = currency_for(person.locale, i);
    let products = seed.products.max(1);
    let mut lines = Vec::new();
    for _ in 0..rng.usize(1..=3) {
        let p = product(seed, rng.usize(..products) + 1);
        let qty = rng.u32(1..=3);
        let unit = (p.price * rate(currency)).round_dp(decimals);
        lines.push((p.index, qty, unit));
    }
    let shipping = (Decimal::new(495, 2) * rate(currency)).round_dp(decimals);
    let total: Decimal = lines
        .iter()
        .map(|(_, q, u)| *u * Decimal::from(*q))
        .sum::<Decimal>()
        + shipping;
    let (payment_method, payment_method_title) = match (person.country.as_str(), i % 3) {
        ("NL", _) => ("mollie_wc_gateway_ideal", "iDEAL"),
        ("BE", _) => ("mollie_wc_gateway_bancontact", "Bancontact"),
        (_, 0) => ("mollie_wc_gateway_creditcard", "Credit card"),
        (_, 1) => ("bacs", "Direct bank transfer"),
        _ => ("paypal", "PayPal"),
    };
    let mut refunds = Vec::new();
    let status = match rng.u32(..12) {
        0 => {
            refunds.push(total);
            "refunded"
        }
        1 => {
            refunds.push((total / Decimal::from(3)).round_dp(decimals));
            "completed"
        }
        2 => "pending",
        3 => "on-hold",
        4 => "cancelled",
        5 | 6 => "processing",
        _ => "completed",
    };
    let created = epoch() + Duration::minutes(37 * id as i64);
    let modified = created + Duration::minutes(rng.i64(1..600));
    Order {
        id,
        customer_id: if rng.u32(..4) == 0 {
            0
        } else {
            person_index as u64
        },
        person,
        currency: currency.to_owned(),
        decimals,
        lines,
        shipping,
        total,
        refunds,
        status: status.to_owned(),
        payment_method: payment_method.to_owned(),
        payment_method_title: payment_method_title.to_owned(),
        created,
        modified,
    }
}

/// Formats a decimal with exactly `dp` decimals (`"84.94"`, `"1200"`).
pub fn money(amount: Decimal, dp: u32) -> String {
    let mut a = amount.round_dp(dp);
    a.rescale(dp);
    a.to_string()
}
