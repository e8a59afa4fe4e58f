//! Customer context derivation: decimals, currencies, statuses, tiers, attributes.

use chatwoot_client::context::{
    ATTRIBUTE_KEYS, ContextRules, CustomerContext, CustomerTier, Money, OrderStatus, OrderSummary,
    format_money, minor_unit_digits,
};
use chrono::{Duration, TimeZone, Utc};
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::json;

fn order(
    id: &str,
    days_after_start: i64,
    total: Decimal,
    currency: &str,
    status: OrderStatus,
) -> OrderSummary {
    OrderSummary {
        id: id.into(),
        placed_at: Utc.with_ymd_and_hms(2024, 1, 1, 9, 30, 0).unwrap()
            + Duration::days(days_after_start),
        total,
        currency: currency.into(),
        status,
    }
}

#[test]
fn totals_are_summed_at_the_minor_unit_not_in_floating_point() {
    // 0.1 + 0.2 in binary floating point is 0.30000000000000004; in decimals it is 0.30.
    let orders = [
        order("a", 0, dec!(0.1), "EUR", OrderStatus::Completed),
        order("b", 1, dec!(0.2), "EUR", OrderStatus::Completed),
        // A gateway's 84.939999 is the 84.94 the customer paid.
        order("c", 2, dec!(84.939999), "EUR", OrderStatus::Processing),
    ];
    let ctx = CustomerContext::derive(&orders, &ContextRules::default());
    let total = ctx.total_spent.clone().unwrap();
    assert_eq!(total.amount, dec!(85.24));
    assert_eq!(total.amount.scale(), 2);
    assert_eq!(format_money(&total), "€85.24");
    // 85.24 / 3 = 28.4133… → 28.41
    assert_eq!(ctx.average_order_value.clone().unwrap().amount, dec!(28.41));
    assert_eq!(ctx.average_days_between_orders, Some(dec!(1.0)));
    assert_eq!(ctx.tier, CustomerTier::Returning);
}

#[test]
fn average_rounds_half_away_from_zero() {
    let orders = [
        order("a", 0, dec!(10.00), "USD", OrderStatus::Completed),
        order("b", 10, dec!(10.01), "USD", OrderStatus::Completed),
    ];
    // 20.01 / 2 = 10.005 → 10.01
    let ctx = CustomerContext::derive(&orders, &ContextRules::default());
    assert_eq!(format_money(&ctx.average_order_value.unwrap()), "$10.01");
}

#[test]
fn only_paid_orders_in_the_context_currency_count() {
    let orders = [
        order("1", 0, dec!(50), "EUR", OrderStatus::Completed),
        order("2", 5, dec!(70), "EUR", OrderStatus::Refunded),
        order("3", 6, dec!(30), "EUR", OrderStatus::Cancelled),
        order("4", 7, dec!(20), "EUR", OrderStatus::Pending),
        order("5", 8, dec!(99), "USD", OrderStatus::Completed),
        order(
            "6",
            40,
            dec!(25.5),
            "eur",
            OrderStatus::from_vendor("wc-processing"),
        ),
    ];
    let ctx = CustomerContext::derive(&orders, &ContextRules::default().currency("EUR"));
    assert_eq!(ctx.order_count, 2);
    assert_eq!(ctx.excluded_orders, 3);
    assert_eq!(ctx.other_currency_orders, 1);
    assert_eq!(ctx.total_spent.unwrap().amount, dec!(75.50));
    assert_eq!(ctx.first_order_at, Some(orders[0].placed_at));
    assert_eq!(ctx.last_order_at, Some(orders[5].placed_at));
    assert_eq!(ctx.average_days_between_orders, Some(dec!(40.0)));
    assert_eq!(ctx.tier, CustomerTier::Returning);
}

#[test]
fn without_a_configured_currency_the_latest_purchase_decides() {
    let orders = [
        order("1", 0, dec!(1000), "JPY", OrderStatus::Completed),
        order("2", 3, dec!(12.5), "GBP", OrderStatus::Completed),
    ];
    let ctx = CustomerContext::derive(&orders, &ContextRules::default());
    let total = ctx.total_spent.unwrap();
    assert_eq!(total.currency, "GBP");
    assert_eq!(format_money(&total), "£12.50");
    assert_eq!(ctx.other_currency_orders, 1);
}

#[test]
fn zero_decimal_currencies_keep_no_fraction() {
    let orders = [
        order("1", 0, dec!(1200.4), "JPY", OrderStatus::Completed),
        order("2", 1, dec!(1300.5), "JPY", OrderStatus::Completed),
    ];
    let ctx = CustomerContext::derive(&orders, &ContextRules::default().currency("JPY"));
    assert_eq!(minor_unit_digits("JPY"), 0);
    // 1200 + 1301 (each order rounded to whole yen first)
    assert_eq!(format_money(&ctx.total_spent.clone().unwrap()), "¥2,501");
    assert_eq!(ctx.total_spent.unwrap().to_json_number(), json!(2501));
    // 2501 / 2 = 1250.5 → 1251
    assert_eq!(ctx.average_order_value.unwrap().amount, dec!(1251));
}

#[test]
fn tiers_follow_the_rules() {
    let rules = ContextRules::default();
    let many = |n: usize, each: Decimal| -> Vec<OrderSummary> {
        (0..n)
            .map(|i| {
                order(
                    &i.to_string(),
                    i as i64 * 30,
                    each,
                    "EUR",
                    OrderStatus::Completed,
                )
            })
            .collect()
    };
    assert_eq!(
        CustomerContext::derive(&[], &rules).tier,
        CustomerTier::Prospect
    );
    assert_eq!(
        CustomerContext::derive(&many(1, dec!(20)), &rules).tier,
        CustomerTier::New
    );
    assert_eq!(
        CustomerContext::derive(&many(3, dec!(20)), &rules).tier,
        CustomerTier::Returning
    );
    assert_eq!(
        CustomerContext::derive(&many(4, dec!(20)), &rules).tier,
        CustomerTier::Loyal
    );
    assert_eq!(
        CustomerContext::derive(&many(10, dec!(20)), &rules).tier,
        CustomerTier::Vip
    );
    // Spending reaches VIP on its own: exactly 1000.00 counts.
    assert_eq!(
        CustomerContext::derive(&many(2, dec!(500)), &rules).tier,
        CustomerTier::Vip
    );
    assert_eq!(
        CustomerContext::derive(&many(2, dec!(499.995)), &rules).tier,
        CustomerTier::Vip
    );
    assert_eq!(
        CustomerContext::derive(&many(2, dec!(499.994)), &rules).tier,
        CustomerTier::Returning
    );
    let no_spend_rule = ContextRules {
        vip_min_spent: None,
        ..ContextRules::default()
    };
    assert_eq!(
        CustomerContext::derive(&many(2, dec!(5000)), &no_spend_rule).tier,
        CustomerTier::Returning
    );
}

#[test]
fn attributes_carry_numbers_display_text_dates_and_nulls() {
    let orders = [
        order("1", 0, dec!(1234.5), "EUR", OrderStatus::Completed),
        order("2", 15, dec!(65.5), "EUR", OrderStatus::Completed),
    ];
    let attrs = CustomerContext::derive(&orders, &ContextRules::default()).to_attributes("shop_");
    assert_eq!(attrs.len(), ATTRIBUTE_KEYS.len());
    assert_eq!(attrs["shop_order_count"], json!(2));
    // Numbers are JSON numbers (no trailing zeros); the display strings carry the minor unit.
    assert_eq!(attrs["shop_total_spent"], json!(1300));
    assert_eq!(attrs["shop_total_spent_display"], "€1,300.00");
    assert_eq!(attrs["shop_average_order_value"], json!(650));
    assert_eq!(attrs["shop_average_order_value_display"], "€650.00");
    assert_eq!(attrs["shop_currency"], "EUR");
    assert_eq!(attrs["shop_first_order_at"], "2024-01-01T09:30:00Z");
    assert_eq!(attrs["shop_last_order_at"], "2024-01-16T09:30:00Z");
    assert_eq!(attrs["shop_purchase_frequency_days"].to_string(), "15.0");
    assert_eq!(attrs["shop_purchase_frequency"], "every 15.0 days");
    assert_eq!(attrs["shop_customer_tier"], "vip");

    // All orders refunded: the same keys, cleared, so stale values do not linger.
    let refunded: Vec<_> = orders
        .iter()
        .cloned()
        .map(|mut o| {
            o.status = OrderStatus::Refunded;
            o
        })
        .collect();
    let attrs = CustomerContext::derive(&refunded, &ContextRules::default()).to_attributes("shop_");
    assert_eq!(attrs.len(), ATTRIBUTE_KEYS.len());
    assert_eq!(attrs["shop_order_count"], json!(0));
    assert!(attrs["shop_total_spent"].is_null() && attrs["shop_last_order_at"].is_null());
    assert_eq!(attrs["shop_customer_tier"], "prospect");
    assert_eq!(attrs["shop_purchase_frequency"], "no orders yet");
    // A configured currency shows a zero total instead of nothing.
    let attrs = CustomerContext::derive(&refunded, &ContextRules::default().currency("EUR"))
        .to_attributes("shop_");
    assert_eq!(attrs["shop_total_spent_display"], "€0.00");
}

#[test]
fn order_summaries_serialize_money_as_exact_strings() {
    let o = order("1042", 0, dec!(84.94), "EUR", OrderStatus::Completed);
    let v = serde_json::to_value(&o).unwrap();
    assert_eq!(v["total"], "84.94");
    assert_eq!(v["status"], "completed");
    let back: OrderSummary = serde_json::from_value(v).unwrap();
    assert_eq!(back, o);
}

proptest! {
    #[test]
    fn derived_totals_are_exact_sums_of_rounded_orders(
        cents in proptest::collection::vec((0i64..10_000_000, 0u32..4, 0usize..4), 0..40)
    ) {
        let statuses = [OrderStatus::Completed, OrderStatus::Processing, OrderStatus::Refunded, OrderStatus::Pending];
        let orders: Vec<OrderSummary> = cents
            .iter()
            .enumerate()
            .map(|(i, (amount, extra_digits, status))| {
                // Amounts with up to four more digits than the currency has.
                let total = Decimal::new(*amount, 2 + extra_digits);
                order(&i.to_string(), i as i64, total, "EUR", statuses[*status].clone())
            })
            .collect();
        let ctx = CustomerContext::derive(&orders, &ContextRules::default().currency("EUR"));
        let counted: Vec<&OrderSummary> = orders.iter().filter(|o| o.status.counts_as_purchase()).collect();
        let expected: Decimal = counted.iter().map(|o| Money::new(o.total, "EUR").rounded().amount).sum();
        prop_assert_eq!(ctx.order_count as usize, counted.len());
        prop_assert_eq!(ctx.excluded_orders as usize + counted.len(), orders.len());
        prop_assert_eq!(ctx.total_spent.clone().unwrap().amount, expected);
        prop_assert_eq!(ctx.total_spent.clone().unwrap().amount.scale(), 2);
        if let Some(avg) = ctx.average_order_value {
            // The average times the count is within half a cent per order of the total.
            let diff = (avg.amount * Decimal::from(ctx.order_count) - expected).abs();
            prop_assert!(diff <= dec!(0.005) * Decimal::from(ctx.order_count));
        } else {
            prop_assert_eq!(ctx.order_count, 0);
        }
    }
}
