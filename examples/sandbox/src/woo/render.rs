//! Seeded data in WooCommerce's `wc/v3` shapes (as in the REST docs' examples).

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::seed::{self, Order, Person, Seed, money};

/// The store's timezone offset: `date_x` fields are local (UTC+1), `date_x_gmt` are UTC.
pub const STORE_OFFSET_HOURS: i64 = 1;

/// `YYYY-MM-DDTHH:MM:SS` without offset, as `wc_rest_prepare_date_response` formats.
pub fn wc_date(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// The local (site-timezone) rendering of a UTC time.
pub fn wc_local(t: DateTime<Utc>) -> String {
    wc_date(t + Duration::hours(STORE_OFFSET_HOURS))
}

fn links(base: &str, kind: &str, id: u64) -> Value {
    json!({
        "self": [{"href": format!("{base}/wp-json/wc/v3/{kind}/{id}")}],
        "collection": [{"href": format!("{base}/wp-json/wc/v3/{kind}")}]
    })
}

fn billing(p: &Person) -> Value {
    json!({
        "first_name": p.first_name, "last_name": p.last_name, "company": "",
        "address_1": p.street, "address_2": "", "city": p.city, "state": "",
        "postcode": p.postcode, "country": p.country, "email": p.email, "phone": p.phone
    })
}

fn shipping(p: &Person) -> Value {
    json!({
        "first_name": p.first_name, "last_name": p.last_name, "company": "",
        "address_1": p.street, "address_2": "", "city": p.city, "state": "",
        "postcode": p.postcode, "country": p.country, "phone": ""
    })
}

fn line_items(seed: &Seed, o: &Order) -> Value {
    let items: Vec<Value> = o
        .lines
        .iter()
        .enumerate()
        .map(|(n, (product, qty, unit))| {
            let p = seed::product(seed, *product);
            let total = *unit * rust_decimal::Decimal::from(*qty);
            let price: f64 = unit.to_string().parse().unwrap_or(0.0);
            json!({
                "id": o.id * 100 + n as u64, "name": p.name, "product_id": p.index, "variation_id": 0,
                "quantity": qty, "tax_class": "", "subtotal": money(total, o.decimals), "subtotal_tax": money(rust_decimal::Decimal::ZERO, o.decimals),
                "total": money(total, o.decimals), "total_tax": money(rust_decimal::Decimal::ZERO, o.decimals), "taxes": [],
                "meta_data": [], "sku": p.sku, "price": price, "image": {"id": "", "src": ""}, "parent_name": null
            })
        })
        .collect();
    Value::Array(items)
}

/// A seeded order as `GET /wc/v3/orders/{id}` answers.
pub fn order(seed: &Seed, o: &Order, base: &str) -> Value {
    let dp = o.decimals;
    let zero = money(rust_decimal::Decimal::ZERO, dp);
    let paid = !matches!(o.status.as_str(), "pending" | "on-hold" | "cancelled");
    let refunds: Vec<Value> = o
        .refunds
        .iter()
        .enumerate()
        .map(|(n, r)| json!({"id": 90_000 + o.id * 10 + n as u64, "reason": "Klant retour", "total": format!("-{}", money(*r, dp))}))
        .collect();
    let completed = (o.status == "completed" || o.status == "refunded").then_some(o.modified);
    json!({
        "id": o.id, "parent_id": 0, "number": o.id.to_string(), "order_key": format!("wc_order_{:013x}", o.id * 7919),
        "created_via": "checkout", "version": "9.4.2", "status": o.status, "currency": o.currency,
        "date_created": wc_local(o.created), "date_created_gmt": wc_date(o.created),
        "date_modified": wc_local(o.modified), "date_modified_gmt": wc_date(o.modified),
        "discount_total": zero, "discount_tax": zero, "shipping_total": money(o.shipping, dp), "shipping_tax": zero,
        "cart_tax": zero, "total": money(o.total, dp), "total_tax": zero, "prices_include_tax": true,
        "customer_id": o.customer_id, "customer_ip_address": "", "customer_user_agent": "", "customer_note": "",
        "billing": billing(&o.person), "shipping": shipping(&o.person),
        "payment_method": o.payment_method, "payment_method_title": o.payment_method_title,
        "transaction_id": if paid { format!("tr_{:010x}", o.id * 104_729) } else { String::new() },
        "date_paid": paid.then(|| wc_local(o.created)), "date_paid_gmt": paid.then(|| wc_date(o.created)),
        "date_completed": completed.map(wc_local), "date_completed_gmt": completed.map(wc_date),
        "cart_hash": "", "meta_data": [{"id": o.id * 1000, "key": "_mollie_order_id", "value": format!("ord_{}", o.id)}],
        "line_items": line_items(seed, o), "tax_lines": [],
        "shipping_lines": [{"id": o.id * 100 + 99, "method_title": "PostNL", "method_id": "flat_rate", "instance_id": "1",
            "total": money(o.shipping, dp), "total_tax": zero, "taxes": [], "meta_data": []}],
        "fee_lines": [], "coupon_lines": [], "refunds": refunds,
        "payment_url": format!("{base}/checkout/order-pay/{}/", o.id), "is_editable": false,
        "needs_payment": !paid, "needs_processing": true,
        "_links": links(base, "orders", o.id)
    })
}

/// A seeded customer as `GET /wc/v3/customers/{id}` answers.
pub fn customer(seed: &Seed, index: usize, base: &str) -> Value {
    let p = seed::person(seed, index);
    let created = seed::epoch() - Duration::days(30) + Duration::hours(index as i64);
    json!({
        "id": index, "date_created": wc_local(created), "date_created_gmt": wc_date(created),
        "date_modified": wc_local(created), "date_modified_gmt": wc_date(created),
        "email": p.email.trim().to_lowercase(), "first_name": p.first_name, "last_name": p.last_name, "role": "customer",
        "username": format!("klant{index}"), "billing": billing(&p), "shipping": shipping(&p),
        "is_paying_customer": !index.is_multiple_of(3), "avatar_url": "https://secure.gravatar.com/avatar/?s=96&d=mm&r=g",
        "meta_data": [], "_links": links(base, "customers", index as u64)
    })
}

/// A seeded product as `GET /wc/v3/products/{id}` answers; every third one is variable.
pub fn product(seed: &Seed, index: usize, base: &str) -> Value {
    let p = seed::product(seed, index);
    let created = seed::epoch() - Duration::days(60) + Duration::hours(index as i64);
    let variable = index.is_multiple_of(3);
    let price = money(p.price, 2);
    let variations: Vec<u64> = if variable {
        variation_ids(index).collect()
    } else {
        Vec::new()
    };
    json!({
        "id": index, "name": p.name, "slug": format!("product-{index}"), "permalink": format!("{base}/product/product-{index}/"),
        "date_created": wc_local(created), "date_created_gmt": wc_date(created),
        "date_modified": wc_local(created), "date_modified_gmt": wc_date(created),
        "type": if variable { "variable" } else { "simple" }, "status": "publish", "featured": false, "catalog_visibility": "visible",
        "description": "", "short_description": "", "sku": p.sku, "price": price, "regular_price": price, "sale_price": "",
        "date_on_sale_from": null, "date_on_sale_from_gmt": null, "date_on_sale_to": null, "date_on_sale_to_gmt": null,
        "price_html": format!("<span class=\"woocommerce-Price-amount amount\">&euro;{price}</span>"),
        "on_sale": false, "purchasable": true, "total_sales": 0, "virtual": false, "downloadable": false, "downloads": [],
        "download_limit": -1, "download_expiry": -1, "external_url": "", "button_text": "", "tax_status": "taxable",
        "tax_class": "", "manage_stock": true, "stock_quantity": 25, "stock_status": "instock", "backorders": "no",
        "backorders_allowed": false, "backordered": false, "sold_individually": false, "weight": "0.5",
        "dimensions": {"length": "", "width": "", "height": ""}, "shipping_required": true, "shipping_taxable": true,
        "shipping_class": "", "shipping_class_id": 0, "reviews_allowed": true, "average_rating": "0.00", "rating_count": 0,
        "related_ids": [], "upsell_ids": [], "cross_sell_ids": [], "parent_id": 0, "purchase_note": "",
        "categories": [{"id": 15, "name": "Uncategorized", "slug": "uncategorized"}], "tags": [], "images": [],
        "attributes": [], "default_attributes": [], "variations": variations, "grouped_products": [], "menu_order": 0,
        "meta_data": [], "_links": links(base, "products", index as u64)
    })
}

/// Variation ids of a variable product.
pub fn variation_ids(product: usize) -> impl Iterator<Item = u64> {
    (1..=2).map(move |k| 10_000 + product as u64 * 10 + k)
}

/// A variation as `GET /wc/v3/products/{id}/variations/{vid}` answers.
pub fn variation(seed: &Seed, product: usize, id: u64, base: &str) -> Value {
    let p = seed::product(seed, product);
    let size = if id % 2 == 1 { "M" } else { "L" };
    let created = seed::epoch() - Duration::days(59);
    let price = money(p.price, 2);
    json!({
        "id": id, "date_created": wc_local(created), "date_created_gmt": wc_date(created),
        "date_modified": wc_local(created), "date_modified_gmt": wc_date(created), "description": "",
        "permalink": format!("{base}/product/product-{product}/?attribute_pa_size={size}"), "sku": format!("{}-{size}", p.sku),
        "price": price, "regular_price": price, "sale_price": "", "date_on_sale_from": null, "date_on_sale_from_gmt": null,
        "date_on_sale_to": null, "date_on_sale_to_gmt": null, "on_sale": false, "status": "publish", "purchasable": true,
        "virtual": false, "downloadable": false, "downloads": [], "download_limit": -1, "download_expiry": -1,
        "tax_status": "taxable", "tax_class": "", "manage_stock": false, "stock_quantity": null, "stock_status": "instock",
        "backorders": "no", "backorders_allowed": false, "backordered": false, "weight": "", "dimensions": {"length": "", "width": "", "height": ""},
        "shipping_class": "", "shipping_class_id": 0, "image": null, "attributes": [{"id": 6, "name": "Size", "option": size}],
        "menu_order": 0, "meta_data": [],
        "_links": {"self": [{"href": format!("{base}/wp-json/wc/v3/products/{product}/variations/{id}")}],
            "collection": [{"href": format!("{base}/wp-json/wc/v3/products/{product}/variations")}],
            "up": [{"href": format!("{base}/wp-json/wc/v3/products/{product}")}]}
    })
}

/// A seeded subscription as `GET /wc/v3/subscriptions/{id}` answers: paid by iDEAL or
/// Bancontact through Mollie, renewing monthly; ids follow the orders' ids.
pub fn subscription(seed: &Seed, n: usize, id: u64, parent: &Order, base: &str) -> Value {
    let mut v = order(seed, parent, base);
    let start = parent.created;
    let (method, title) = if n.is_multiple_of(2) {
        ("mollie_wc_gateway_ideal", "iDEAL")
    } else {
        ("mollie_wc_gateway_bancontact", "Bancontact")
    };
    let status = match n % 6 {
        0 => "on-hold",
        1 => "pending-cancel",
        _ => "active",
    };
    let obj = v.as_object_mut().expect("order object");
    for k in [
        "transaction_id",
        "refunds",
        "cart_hash",
        "payment_url",
        "is_editable",
        "needs_payment",
        "needs_processing",
    ] {
        obj.remove(k);
    }
    obj.insert("id".into(), json!(id));
    obj.insert("parent_id".into(), json!(parent.id));
    obj.insert("number".into(), json!(id.to_string()));
    obj.insert("status".into(), json!(status));
    obj.insert("payment_method".into(), json!(method));
    obj.insert("payment_method_title".into(), json!(title));
    obj.insert("billing_period".into(), json!("month"));
    obj.insert("billing_interval".into(), json!("1"));
    obj.insert("start_date_gmt".into(), json!(wc_date(start)));
    obj.insert("trial_end_date_gmt".into(), json!(""));
    obj.insert(
        "next_payment_date_gmt".into(),
        json!(wc_date(start + Duration::days(30))),
    );
    obj.insert("last_payment_date_gmt".into(), json!(wc_date(start)));
    obj.insert("cancelled_date_gmt".into(), json!(""));
    obj.insert("end_date_gmt".into(), json!(""));
    obj.insert("resubscribed_from".into(), json!(""));
    obj.insert("resubscribed_subscription".into(), json!(""));
    obj.insert("removed_line_items".into(), json!([]));
    obj.insert("_links".into(), links(base, "subscriptions", id));
    v
}
