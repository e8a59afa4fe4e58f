//! Deterministic, realistic customer rows for the benchmarks: EMAIL, PHONE, FN, LN, CT,
//! COUNTRY, with a country mix, non-ASCII names and cities, national-format phone numbers in
//! the local styles, and some noise (spaces, capitals, missing values, broken emails).
//!
//! Shared by `benches/normalize.rs` and `examples/bench_rows.rs` through `#[path]`.

#![allow(dead_code)]

/// The schema of the generated rows.
pub const HEADER: [&str; 6] = ["EMAIL", "PHONE", "FN", "LN", "CT", "COUNTRY"];

struct Locale {
    weight: u32,
    country: &'static [&'static str],
    first: &'static [&'static str],
    last: &'static [&'static str],
    cities: &'static [&'static str],
    phone: fn(&mut fastrand::Rng) -> String,
}

fn d(rng: &mut fastrand::Rng, n: usize) -> String {
    (0..n).map(|_| char::from(b'0' + rng.u8(0..10))).collect()
}

fn d1(rng: &mut fastrand::Rng, lo: u8, hi: u8) -> char {
    char::from(b'0' + rng.u8(lo..=hi))
}

const LOCALES: &[Locale] = &[
    Locale {
        weight: 44,
        country: &[
            "US",
            "United States",
            "USA",
            "us",
            "United States of America",
        ],
        first: &[
            "Mary", "James", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "David", "Zoë",
            "José", "Nguyễn", "Renée",
        ],
        last: &[
            "Smith",
            "Johnson",
            "Williams",
            "Brown",
            "Jones",
            "García",
            "Miller",
            "O'Neil",
            "Davis",
            "Rodríguez",
            "Lee-Park",
        ],
        cities: &[
            "New York",
            "Los Angeles",
            "Chicago",
            "Houston",
            "Phoenix",
            "San José",
            "Menlo Park",
            "St. Louis",
        ],
        phone: |r| {
            let area = format!("{}{}", d1(r, 2, 9), d(r, 2));
            let exch = format!("{}{}", d1(r, 2, 9), d(r, 2));
            let line = d(r, 4);
            match r.u8(0..5) {
                0 => format!("({area}) {exch}-{line}"),
                1 => format!("{area}-{exch}-{line}"),
                2 => format!("+1 {area} {exch} {line}"),
                3 => format!("1-{area}-{exch}-{line}"),
                _ => format!("{area}.{exch}.{line}"),
            }
        },
    },
    Locale {
        weight: 10,
        country: &["GB", "United Kingdom", "UK", "Great Britain"],
        first: &["Oliver", "Amelia", "Harry", "Isla", "Siân", "Niamh", "Eóin"],
        last: &[
            "Taylor",
            "Evans",
            "Thomas",
            "Roberts",
            "O'Brien",
            "Smith-Jones",
        ],
        cities: &["London", "Manchester", "Birmingham", "Glasgow", "Cardiff"],
        phone: |r| match r.u8(0..3) {
            0 => format!("020 7{} {}", d(r, 3), d(r, 4)),
            1 => format!("07{}{} {}", d1(r, 4, 9), d(r, 2), d(r, 6)),
            _ => format!("+44 (0)161 {} {}", d(r, 3), d(r, 4)),
        },
    },
    Locale {
        weight: 8,
        country: &["DE", "Germany", "Deutschland"],
        first: &["Jürgen", "Lena", "Lukas", "Müge", "Björn", "Anna-Lena"],
        last: &["Müller", "Schmidt", "Schäfer", "Weiß", "Groß", "Köhler"],
        cities: &[
            "Berlin",
            "München",
            "Köln",
            "Düsseldorf",
            "Frankfurt am Main",
        ],
        phone: |r| match r.u8(0..2) {
            0 => format!("030 {}", d(r, 7)),
            _ => format!("0151 {}", d(r, 8)),
        },
    },
    Locale {
        weight: 6,
        country: &["FR", "France"],
        first: &["Valéry", "Hélène", "François", "Chloé", "Gaëlle"],
        last: &["Lefèvre", "Dubois", "Moreau", "Bérenger", "Garçon"],
        cities: &["Paris", "Lyon", "Besançon", "Orléans", "Nîmes"],
        phone: |r| format!("06 {} {} {} {}", d(r, 2), d(r, 2), d(r, 2), d(r, 2)),
    },
    Locale {
        weight: 6,
        country: &["BR", "Brazil", "Brasil"],
        first: &["João", "Conceição", "Luíza", "André"],
        last: &["Silva", "Gonçalves", "Araújo", "Magalhães"],
        cities: &["São Paulo", "Rio de Janeiro", "Brasília", "Belém"],
        phone: |r| format!("(11) 9{}-{}", d(r, 4), d(r, 4)),
    },
    Locale {
        weight: 6,
        country: &["IN", "India"],
        first: &["Priya", "Rahul", "प्रिया", "Ananya", "Arjun"],
        last: &["Sharma", "Patel", "शर्मा", "Iyer"],
        cities: &["Mumbai", "Delhi", "Bengaluru", "मुंबई"],
        phone: |r| format!("{}{} {}", d1(r, 6, 9), d(r, 4), d(r, 5)),
    },
    Locale {
        weight: 4,
        country: &["KR", "South Korea", "Korea, Republic of"],
        first: &["정", "민준", "서연", "Ji-woo"],
        last: &["김", "이", "박", "Choi"],
        cities: &["서울", "Seoul", "부산", "Incheon"],
        phone: |r| format!("010-{}-{}", d(r, 4), d(r, 4)),
    },
    Locale {
        weight: 3,
        country: &["JP", "Japan"],
        first: &["さくら", "Haruto", "陽菜", "Yūki"],
        last: &["佐藤", "Suzuki", "高橋", "Tanaka"],
        cities: &["東京", "Tokyo", "大阪", "Kyōto"],
        phone: |r| match r.u8(0..2) {
            0 => format!("03-{}-{}", d(r, 4), d(r, 4)),
            _ => format!("090-{}-{}", d(r, 4), d(r, 4)),
        },
    },
    Locale {
        weight: 3,
        country: &["ES", "Spain", "España"],
        first: &["José", "María", "Íñigo", "Núria"],
        last: &["Núñez", "García", "Muñoz", "Peña"],
        cities: &["Madrid", "Barcelona", "Málaga", "A Coruña"],
        phone: |r| format!("6{} {} {} {}", d(r, 2), d(r, 2), d(r, 2), d(r, 2)),
    },
    Locale {
        weight: 4,
        country: &["MX", "Mexico", "México"],
        first: &["Ximena", "Santiago", "Sofía"],
        last: &["Hernández", "López", "Martínez"],
        cities: &["Ciudad de México", "Guadalajara", "Querétaro"],
        phone: |r| format!("55 {} {}", d(r, 4), d(r, 4)),
    },
    Locale {
        weight: 3,
        country: &["IT", "Italy", "Italia"],
        first: &["Giulia", "Niccolò", "Lucía"],
        last: &["Rossi", "De Luca", "Esposito"],
        cities: &["Roma", "Milano", "Forlì"],
        phone: |r| match r.u8(0..2) {
            0 => format!("06 {} {}", d(r, 4), d(r, 4)),
            _ => format!("3{}{} {} {}", d1(r, 2, 4), d(r, 1), d(r, 3), d(r, 4)),
        },
    },
    Locale {
        weight: 3,
        country: &["RU", "Russia", "Russian Federation"],
        first: &["Дмитрий", "Анна", "Sergei"],
        last: &["Иванов", "Смирнова", "Kuznetsov"],
        cities: &["Москва", "Санкт-Петербург", "Kazan"],
        phone: |r| format!("8 (9{}) {}-{}-{}", d(r, 2), d(r, 3), d(r, 2), d(r, 2)),
    },
];

const DOMAINS: &[&str] = &[
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "example.com",
    "web.de",
    "orange.fr",
    "naver.com",
    "mail.ru",
];

fn ascii_fold(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_lowercase()
}

/// `n` rows from `seed`; the same arguments always give the same rows.
pub fn generate(n: usize, seed: u64) -> Vec<[String; 6]> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let total: u32 = LOCALES.iter().map(|l| l.weight).sum();
    (0..n)
        .map(|i| {
            let mut pick = rng.u32(0..total);
            let loc = LOCALES
                .iter()
                .find(|l| {
                    if pick < l.weight {
                        true
                    } else {
                        pick -= l.weight;
                        false
                    }
                })
                .unwrap_or(&LOCALES[0]);
            let first = loc.first[rng.usize(0..loc.first.len())];
            let last = loc.last[rng.usize(0..loc.last.len())];
            let mut local = format!("{}.{}{}", ascii_fold(first), ascii_fold(last), i % 977);
            if local.starts_with('.') {
                local.insert_str(0, "user");
            }
            let domain = DOMAINS[rng.usize(0..DOMAINS.len())];
            let email = match rng.u8(0..20) {
                0 => String::new(),
                1 => format!("{local}.{domain}"), // broken: no @
                2 => format!("  {}@{}  ", local.to_uppercase(), domain),
                3 => format!("{}@{}", capitalize(&local), domain.to_uppercase()),
                _ => format!("{local}@{domain}"),
            };
            let phone = if rng.u8(0..10) == 0 {
                String::new()
            } else {
                (loc.phone)(&mut rng)
            };
            let first = match rng.u8(0..6) {
                0 => first.to_uppercase(),
                1 => format!(" {first} "),
                _ => first.to_string(),
            };
            let city = loc.cities[rng.usize(0..loc.cities.len())].to_string();
            let country = loc.country[rng.usize(0..loc.country.len())].to_string();
            [email, phone, first, last.to_string(), city, country]
        })
        .collect()
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
