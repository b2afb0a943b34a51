//! The due date of a payment under the version of the regulation in force on the contract date:
//! from which day the term runs (delivery, acceptance, delayed acceptance, periodic settlement),
//! how long it is (statutory, agreed, capped), and the clauses the regulation forbids.

use chrono::{Days, NaiveDate};
use serde::Serialize;

use crate::params::{Params, Regulation};
use crate::{Error, PayerKind};

/// What the due date depends on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DueInput {
    pub payer: Option<PayerKind>,
    pub contract_date: Option<NaiveDate>,
    /// 交付日：goods, works or services delivered.
    pub delivered: Option<NaiveDate>,
    /// 验收合格日, when the contract makes acceptance the condition of payment.
    pub accepted: Option<NaiveDate>,
    /// The agreed acceptance period in days after delivery.
    pub acceptance_days: Option<u32>,
    /// The agreed payment term in days.
    pub agreed_days: Option<u32>,
    /// 定期结算：the day both parties confirmed the settlement amount.
    pub settled: Option<NaiveDate>,
    /// Payment made conditional on a third party paying the payer (背靠背).
    pub third_party_condition: bool,
}

/// A clause the regulation forbids, or a point the user must look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flag {
    /// `term_over_cap`, `back_to_back`, `large_term_over_default`.
    pub code: &'static str,
    /// Whether the regulation forbids it (otherwise a warning).
    pub forbidden: bool,
    pub text: String,
    #[serde(rename = "ref")]
    pub reference: String,
}

/// The due date, or `None` with the reason why it cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Due {
    pub due: Option<NaiveDate>,
    /// The title of the version applied.
    pub regulation: String,
    pub regulation_id: String,
    pub reason: String,
    pub flags: Vec<Flag>,
    /// The day the term starts to run.
    pub start: NaiveDate,
    /// The term applied, in days.
    pub term_days: Option<u32>,
    /// Every step, in Chinese, with its reference.
    pub trace: Vec<String>,
}

fn missing(what: &str) -> Error {
    Error::Input(format!("缺少{what}"))
}

/// Computes the due date.
pub fn due(params: &Params, input: &DueInput) -> Result<Due, Error> {
    let payer = input
        .payer
        .ok_or_else(|| Error::Input(format!("缺少付款方类型：可选 {}", PayerKind::ids())))?;
    let contract = input
        .contract_date
        .ok_or_else(|| missing("合同订立日期（contract-date）"))?;
    let delivered = input
        .delivered
        .ok_or_else(|| missing("交付日期（delivered）"))?;
    let reg = regulation(params, contract)?;
    if let Some(a) = input.accepted
        && a < delivered
    {
        return Err(Error::Input(format!(
            "验收合格日 {a} 早于交付日 {delivered}：请核对日期（验收在交付之后）"
        )));
    }
    if let Some(s) = input.settled
        && s < contract
    {
        return Err(Error::Input(format!(
            "结算金额确认日 {s} 早于合同订立日 {contract}：请核对日期"
        )));
    }
    let mut trace = vec![format!(
        "合同订立于 {contract}，适用{}（{} 起施行的合同适用此版本）",
        reg.title, reg.from
    )];

    // From which day the term runs.
    let start = if let Some(s) = input.settled {
        trace.push(format!(
            "定期结算：自双方确认结算金额之日 {s} 起算（{}）",
            reg.settlement.cite()
        ));
        s
    } else if input.accepted.is_some() || input.acceptance_days.is_some() {
        let limit = match input.acceptance_days {
            Some(n) => Some(add(delivered, n)?),
            None => None,
        };
        match (input.accepted, limit) {
            (Some(a), Some(l)) if a > l => {
                trace.push(format!(
                    "验收迟延：约定验收期限为交付后 {} 日，至 {l} 届满，实际 {a} 才验收合格，自期限届满之日 {l} 起算（{}）",
                    input.acceptance_days.unwrap_or_default(),
                    reg.acceptance.cite()
                ));
                l
            }
            (Some(a), _) => {
                trace.push(format!(
                    "自验收合格之日 {a} 起算（{}）",
                    reg.acceptance.cite()
                ));
                a
            }
            (None, Some(l)) => {
                trace.push(format!(
                    "尚未验收合格：按约定验收期限（交付后 {} 日）届满之日 {l} 起算；若在期限内验收合格，则自验收合格之日起算（{}）",
                    input.acceptance_days.unwrap_or_default(),
                    reg.acceptance.cite()
                ));
                l
            }
            (None, None) => unreachable!("one of the two is set"),
        }
    } else {
        trace.push(format!("自交付之日 {delivered} 起算"));
        delivered
    };

    let mut flags = Vec::new();
    if input.third_party_condition {
        if reg.back_to_back_banned.value == Some(true) {
            flags.push(Flag {
                code: "back_to_back",
                forbidden: true,
                text: "合同以第三方（如上级、业主）付款作为向中小企业付款的条件：条例禁止".into(),
                reference: reg.back_to_back_banned.cite(),
            });
            trace.push(format!(
                "以第三方付款为付款条件的约定无效，付款期限照常计算（{}）",
                reg.back_to_back_banned.cite()
            ));
        } else {
            trace.push(format!(
                "以第三方付款为付款条件：{}，合同订立日早于 2025-06-01 的禁止性规定（{}）",
                "本版本未明文禁止",
                reg.back_to_back_banned.cite()
            ));
        }
    }

    // How long the term is.
    let public_term = reg.public_term_days.value.unwrap_or(30);
    let cap = reg.public_max_days.value.unwrap_or(60);
    let term: Option<u32> = match payer {
        PayerKind::Government | PayerKind::PublicInstitution => match input.agreed_days {
            None => {
                trace.push(format!(
                    "{}：合同未约定付款期限，法定期限 {public_term} 日（{}）",
                    payer.label(),
                    reg.public_term_days.cite()
                ));
                Some(public_term)
            }
            Some(n) if n > cap => {
                flags.push(Flag {
                    code: "term_over_cap",
                    forbidden: true,
                    text: format!(
                        "{}约定付款期限 {n} 日，超过条例规定的最长 {cap} 日：超出部分无效",
                        payer.label()
                    ),
                    reference: reg.public_max_days.cite(),
                });
                trace.push(format!(
                    "{}：约定 {n} 日超过最长 {cap} 日，按 {cap} 日计（{}）",
                    payer.label(),
                    reg.public_max_days.cite()
                ));
                Some(cap)
            }
            Some(n) => {
                trace.push(format!(
                    "{}：按约定付款期限 {n} 日（不超过 {cap} 日，{}）",
                    payer.label(),
                    reg.public_max_days.cite()
                ));
                Some(n)
            }
        },
        PayerKind::LargeEnterprise => match (input.agreed_days, reg.large_default_days.value) {
            (Some(n), default) => {
                trace.push(format!("大型企业：按约定付款期限 {n} 日"));
                if let Some(d) = default
                    && n > d
                {
                    flags.push(Flag {
                        code: "large_term_over_default",
                        forbidden: false,
                        text: format!(
                            "大型企业约定付款期限 {n} 日，长于法定的 {d} 日：须公平合理，请核查是否利用优势地位"
                        ),
                        reference: reg.large_default_days.cite(),
                    });
                }
                Some(n)
            }
            (None, Some(d)) => {
                trace.push(format!(
                    "大型企业：合同未约定付款期限，自起算日 {d} 日内支付（{}）",
                    reg.large_default_days.cite()
                ));
                Some(d)
            }
            (None, None) => {
                trace.push(format!(
                    "大型企业：{}未规定法定付款期限，合同也未约定，无法计算到期日（{}）",
                    reg.title,
                    reg.large_default_days.cite()
                ));
                None
            }
        },
        PayerKind::Other => match input.agreed_days {
            Some(n) => {
                trace.push(format!("其他付款方：按合同约定付款期限 {n} 日"));
                Some(n)
            }
            None => {
                trace.push(
                    "其他付款方：条例未规定法定付款期限，合同也未约定，无法计算到期日".into(),
                );
                None
            }
        },
    };
    let due = match term {
        Some(n) => {
            let d = add(start, n)?;
            trace.push(format!("到期日 = {start} + {n} 日 = {d}"));
            Some(d)
        }
        None => None,
    };
    let reason = match (due, term) {
        (Some(d), Some(n)) => format!(
            "{}，自 {start} 起 {n} 日，于 {d} 到期（{}）",
            payer.label(),
            reg.title
        ),
        _ => trace.last().cloned().unwrap_or_default(),
    };
    Ok(Due {
        due,
        regulation: reg.title.clone(),
        regulation_id: reg.id.clone(),
        reason,
        flags,
        start,
        term_days: term,
        trace,
    })
}

pub(crate) fn regulation(params: &Params, contract: NaiveDate) -> Result<&Regulation, Error> {
    params.regulation_on(contract).ok_or_else(|| {
        Error::Input(format!(
            "合同订立日 {contract} 早于《保障中小企业款项支付条例》施行日 {}：本系统不计算",
            params
                .regulations
                .first()
                .map_or_else(String::new, |r| r.from.to_string())
        ))
    })
}

pub(crate) fn add(d: NaiveDate, n: u32) -> Result<NaiveDate, Error> {
    d.checked_add_days(Days::new(u64::from(n)))
        .ok_or_else(|| Error::Input(format!("{d} 加 {n} 日超出日期范围")))
}
