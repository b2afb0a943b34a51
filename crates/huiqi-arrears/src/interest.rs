//! Late interest: overdue days × the daily rate × the amount, rounded half-up to the fen once.
//! With an agreed annual rate the daily rate is that rate ÷ 365, never below the 1-year LPR at
//! signing; without one it is 0.05% a day.

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use crate::params::Params;
use crate::{Error, due::regulation, money::yuan};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterestInput {
    /// The overdue amount in 元 (not negative, at most two decimals).
    pub amount: Decimal,
    pub due: NaiveDate,
    /// The payment date, or the as-of date of an amount still unpaid.
    pub paid: NaiveDate,
    /// The agreed annual rate in percent (3.45 = 3.45% a year).
    pub agreed_rate: Option<Decimal>,
    pub contract_date: NaiveDate,
    /// The delivery date, when known: a payment dated before it is refused.
    pub delivered: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Interest {
    pub overdue_days: i64,
    /// The daily rate as a decimal fraction (12 decimals at most for an annual rate ÷ 365).
    pub daily_rate: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub interest: Decimal,
    pub reason: String,
    pub regulation: String,
    /// The annual rate applied (percent) when a rate was agreed; the LPR when the floor applied.
    pub annual_rate: Option<String>,
    pub lpr_floor_applied: bool,
    pub trace: Vec<String>,
}

/// Decimals of a daily rate derived from an annual one, as shown (the interest itself is computed
/// without this rounding: amount × annual rate × days ÷ 365, then rounded to the fen).
const DAILY_DP: u32 = 12;

pub fn interest(params: &Params, input: &InterestInput) -> Result<Interest, Error> {
    let a = input.amount;
    if a.is_sign_negative() && !a.is_zero() {
        return Err(Error::Input(format!(
            "金额 {a} 为负数：请填写逾期未付的金额（元，不小于 0）"
        )));
    }
    if a.round_dp(2) != a {
        return Err(Error::Input(format!(
            "金额 {a} 超过两位小数：金额以元为单位，精确到分"
        )));
    }
    if let Some(d) = input.delivered
        && input.paid < d
    {
        return Err(Error::Input(format!(
            "付款日 {} 早于交付日 {d}：请核对付款日期（交付前的付款是预付款，不产生逾期利息）",
            input.paid
        )));
    }
    if input.paid < input.contract_date {
        return Err(Error::Input(format!(
            "付款日 {} 早于合同订立日 {}：请核对日期",
            input.paid, input.contract_date
        )));
    }
    if let Some(r) = input.agreed_rate
        && (r.is_sign_negative() || r >= Decimal::ONE_HUNDRED)
    {
        return Err(Error::Input(format!(
            "约定年利率 {r} 不在 0 到 100 之间：请以百分数填写，如 3.45 表示年利率 3.45%"
        )));
    }
    let reg = regulation(params, input.contract_date)?;
    let days = (input.paid - input.due).num_days().max(0);
    let mut trace = vec![format!(
        "合同订立于 {}，适用{}",
        input.contract_date, reg.title
    )];
    trace.push(if days > 0 {
        format!("逾期天数 = {} − {} = {days} 日", input.paid, input.due)
    } else {
        format!("付款日 {} 不晚于到期日 {}：未逾期", input.paid, input.due)
    });
    let days_dec = Decimal::from(days);
    let (raw, daily, annual, floor, why) = match input.agreed_rate {
        None => {
            let d = params.interest.default_daily_rate.value.unwrap_or_default();
            trace.push(format!(
                "未约定逾期利率：日利率 {}（万分之五，{}）",
                d.normalize(),
                reg.interest.cite()
            ));
            (
                a * d * days_dec,
                d.normalize().to_string(),
                None,
                false,
                format!("未约定利率，按日利率万分之五（{}）", reg.interest.cite()),
            )
        }
        Some(agreed) => {
            let lpr = params.lpr_on(input.contract_date).ok_or_else(|| {
                Error::Input(format!(
                    "合同订立日 {} 早于 LPR 表的第一项：请在参数文件中补充该日前的 1 年期 LPR",
                    input.contract_date
                ))
            })?;
            let year = Decimal::from(params.interest.days_per_year.value.unwrap_or(365));
            let floor = agreed < lpr.rate;
            let rate = if floor { lpr.rate } else { agreed };
            if floor {
                trace.push(format!(
                    "约定年利率 {}% 低于合同订立时 1 年期 LPR {}%（{} 公布）：按 LPR 计（{}）",
                    agreed.normalize(),
                    lpr.rate.normalize(),
                    lpr.date,
                    reg.interest.cite()
                ));
            } else {
                trace.push(format!(
                    "约定年利率 {}%，不低于合同订立时 1 年期 LPR {}%（{} 公布）",
                    agreed.normalize(),
                    lpr.rate.normalize(),
                    lpr.date
                ));
            }
            let daily = (rate / Decimal::ONE_HUNDRED / year)
                .round_dp_with_strategy(DAILY_DP, RoundingStrategy::MidpointAwayFromZero)
                .normalize();
            trace.push(format!(
                "日利率 = {}% ÷ {year} ≈ {daily}（利息按 金额 × 年利率 × 天数 ÷ {year} 计算，不先舍入日利率）",
                rate.normalize()
            ));
            (
                a * rate * days_dec / Decimal::ONE_HUNDRED / year,
                daily.to_string(),
                Some(rate.normalize().to_string()),
                floor,
                if floor {
                    format!(
                        "约定年利率低于合同订立时 1 年期 LPR，按 LPR {}% ÷ {year} 计",
                        rate.normalize()
                    )
                } else {
                    format!("按约定年利率 {}% ÷ {year} 计", rate.normalize())
                },
            )
        }
    };
    let mut interest = raw
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
        .max(Decimal::ZERO);
    interest.rescale(2);
    trace.push(format!(
        "利息 = {} 元 × {days} 日 × 日利率 = {} 元（四舍五入到分）",
        yuan(a),
        yuan(interest)
    ));
    let reason = format!(
        "{} 元逾期 {days} 日，{why}，利息 {} 元（{}）",
        yuan(a),
        yuan(interest),
        reg.title
    );
    Ok(Interest {
        overdue_days: days,
        daily_rate: daily,
        interest,
        reason,
        regulation: reg.title.clone(),
        annual_rate: annual,
        lpr_floor_applied: floor,
        trace,
    })
}
