//! 清欠 (article 14, issue 15): complaints about late payment to small firms and their cases, the
//! 31 March disclosure of 机关、事业单位 payers, the payer league table, the demo data and the
//! 清欠 figure of the county assessment. The rules (due dates, interest, case states, time limits,
//! disclosure and league figures) are huiqi-arrears's; who may see and do what is decided here:
//!
//! - the working group and the units responsible for article 14 (市经信局) see and act on all;
//! - another unit sees and acts on the cases of the payers it supervises;
//! - a county its county's;
//! - an enterprise its own complaints (it registers them; it takes no case step);
//! - the public only the disclosure.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use huiqi_arrears::league::{self, DisclosureRow, GroupBy, LeagueRow, Obligation, QuarterRow};
use huiqi_arrears::money::{from_fen, to_fen, yuan};
use huiqi_arrears::workflow::{self, CaseState, Deadlines};
use huiqi_arrears::{Due, DueInput, Params, PayerKind};
use huiqi_assess::compute::Fraction;
use huiqi_calendar::Calendar;
use huiqi_domain::Uscc;
use huiqi_policy::Pack;
use huiqi_store::arrears::{
    ArrearsFilter, ComplaintRow, ContractRow, FileMeta, NewComplaint, NewContract, NewStep,
};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::accounts::Role;
use crate::{App, AppError, jurisdiction_name};

/// The article of the policy this area serves.
pub const ARTICLE: u8 = 14;

fn bad(code: &'static str, message: impl Into<String>) -> AppError {
    AppError::invalid(code, message)
}

impl From<huiqi_arrears::Error> for AppError {
    fn from(e: huiqi_arrears::Error) -> AppError {
        match e {
            huiqi_arrears::Error::Input(m) => AppError::invalid("invalid", m),
            huiqi_arrears::Error::Data(m) => AppError::invalid("bad_data_file", m),
        }
    }
}

/// The built-in parameters of the regulation.
pub fn params() -> Params {
    Params::builtin()
}

/// The units responsible for article 14 in the pack (市经信局): they see every case.
pub fn lead_units(pack: &Pack) -> Vec<String> {
    let mut out: Vec<String> = pack
        .tasks_of(ARTICLE)
        .flat_map(|t| t.units.iter().cloned())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Whether the role sees and acts on every case.
pub fn sees_all(pack: &Pack, role: &Role) -> bool {
    match role {
        Role::Admin => true,
        Role::Unit(u) => lead_units(pack).contains(u),
        _ => false,
    }
}

/// The cases a role may see, as a store filter; the public sees none.
pub fn scope(pack: &Pack, role: &Role) -> Result<ArrearsFilter, AppError> {
    Ok(match role {
        _ if sees_all(pack, role) => ArrearsFilter::default(),
        Role::Unit(u) => ArrearsFilter {
            supervising_unit: Some(u.clone()),
            ..ArrearsFilter::default()
        },
        Role::County(c) => ArrearsFilter {
            county: Some(c.clone()),
            ..ArrearsFilter::default()
        },
        Role::Enterprise(u) => ArrearsFilter {
            creditor_uscc: Some(u.as_str().to_string()),
            ..ArrearsFilter::default()
        },
        Role::Anonymous | Role::Admin => {
            return Err(AppError::Forbidden(
                "请先登录：投诉案件只对相关单位和投诉企业可见".into(),
            ));
        }
    })
}

/// A unit's name, or the id when the pack has no such unit ('' → —).
pub fn unit_name(pack: &Pack, id: &str) -> String {
    if id.is_empty() {
        "—".into()
    } else {
        pack.unit(id)
            .map_or_else(|| id.to_string(), |u| u.name.clone())
    }
}

/// A complaint as typed on the form or the command line (texts; checked by [`register`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComplaintInput {
    pub creditor_uscc: String,
    pub creditor_name: String,
    pub debtor_name: String,
    pub debtor_uscc: String,
    pub debtor_kind: String,
    /// A unit id or name ('' when none).
    pub supervising_unit: String,
    /// A jurisdiction id or name.
    pub county: String,
    pub contract_no: String,
    pub contract_date: String,
    pub amount: String,
    pub delivered: String,
    pub accepted: String,
    pub acceptance_days: String,
    pub agreed_days: String,
    pub agreed_rate: String,
    pub settled: String,
    pub third_party: bool,
    /// Payments so far: (date, amount) texts.
    pub payments: Vec<(String, String)>,
    pub outstanding: String,
    pub description: String,
    pub registered_on: String,
    /// Evidence files (name, bytes): contract, invoices, acceptance, reminders.
    pub files: Vec<(String, Vec<u8>)>,
}

/// The most evidence files given at once (at registration or with a step).
pub const MAX_EVIDENCE_FILES: usize = 5;

fn date(what: &str, s: &str) -> Result<NaiveDate, AppError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        bad(
            "bad_date",
            format!(
                "{what}“{}”不是日期：请写成 YYYY-MM-DD，如 2024-01-31",
                s.trim()
            ),
        )
    })
}

fn opt_date(what: &str, s: &str) -> Result<Option<NaiveDate>, AppError> {
    if s.trim().is_empty() {
        Ok(None)
    } else {
        date(what, s).map(Some)
    }
}

fn opt_days(what: &str, s: &str) -> Result<Option<u32>, AppError> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<u32>()
        .ok()
        .filter(|&n| n <= 3650)
        .map(Some)
        .ok_or_else(|| {
            bad(
                "bad_days",
                format!("{what}“{t}”不是天数：请填 0 到 3650 之间的整数"),
            )
        })
}

/// An amount in 元 as typed (千分位 and a trailing 元 accepted) → fen; must be positive.
pub fn amount_fen(what: &str, s: &str) -> Result<i64, AppError> {
    let t = s.trim().replace([',', '，'], "");
    let t = t.trim_end_matches('元');
    let v: Decimal = t.parse().map_err(|_| {
        bad(
            "bad_amount",
            format!("{what}“{}”不是金额：请填写元，如 1,000,000.00", s.trim()),
        )
    })?;
    if v <= Decimal::ZERO {
        return Err(bad("bad_amount", format!("{what} {v} 须大于 0")));
    }
    to_fen(v).ok_or_else(|| {
        bad(
            "bad_amount",
            format!("{what} {v} 超过两位小数或过大：金额精确到分"),
        )
    })
}

fn rate(s: &str) -> Result<Option<Decimal>, AppError> {
    let t = s.trim().trim_end_matches('%');
    if t.is_empty() {
        return Ok(None);
    }
    let v: Decimal = t.parse().map_err(|_| {
        bad(
            "bad_rate",
            format!("约定年利率“{t}”不是数字：以百分数填写，如 3.45 表示年利率 3.45%"),
        )
    })?;
    if v.is_sign_negative() || v >= Decimal::ONE_HUNDRED {
        return Err(bad(
            "bad_rate",
            format!("约定年利率 {v} 不在 0 到 100 之间"),
        ));
    }
    Ok(Some(v))
}

fn name(what: &str, s: &str) -> Result<String, AppError> {
    let t = s.trim();
    huiqi_domain::text::check_name(t).map_err(|e| bad("bad_name", format!("{what}：{e}")))?;
    Ok(t.to_string())
}

fn unit_id(pack: &Pack, given: &str) -> Result<String, AppError> {
    let t = given.trim();
    if t.is_empty() {
        return Ok(String::new());
    }
    pack.units
        .iter()
        .find(|u| u.id == t || u.name == t || u.full_name == t)
        .map(|u| u.id.clone())
        .ok_or_else(|| {
            bad(
                "bad_unit",
                format!(
                    "没有主管部门“{t}”：请填写政策包中的单位代码或名称，如 {}",
                    pack.units
                        .iter()
                        .take(4)
                        .map(|u| format!("{}（{}）", u.id, u.name))
                        .collect::<Vec<_>>()
                        .join("、")
                ),
            )
        })
}

/// The due date of a contract as entered (the rule of huiqi-arrears).
pub fn due_of(params: &Params, c: &NewContract) -> Result<Due, AppError> {
    Ok(huiqi_arrears::due(
        params,
        &DueInput {
            payer: Some(c.debtor_kind),
            contract_date: Some(c.contract_date),
            delivered: Some(c.delivered_on),
            accepted: c.accepted_on,
            acceptance_days: c.acceptance_days,
            agreed_days: c.agreed_days,
            settled: c.settled_on,
            third_party_condition: c.third_party_condition,
        },
    )?)
}

/// A checked complaint: the contract (with its due date), the payments so far (date, fen), the complaint.
pub type Checked = (NewContract, Vec<(NaiveDate, i64)>, NewComplaint);

/// Checks a complaint and everything about it; the contract with its computed due date, the
/// payments and the complaint, ready to store.
pub fn check(
    app: &App,
    role: &Role,
    input: &ComplaintInput,
    by: &str,
    today: NaiveDate,
) -> Result<Checked, AppError> {
    let creditor = Uscc::parse(input.creditor_uscc.trim())
        .map_err(|e| bad("bad_uscc", format!("债权企业统一社会信用代码：{e}")))?;
    let debtor = Uscc::parse(input.debtor_uscc.trim())
        .map_err(|e| bad("bad_uscc", format!("付款方统一社会信用代码：{e}")))?;
    let kind = PayerKind::parse_or_explain(&input.debtor_kind)?;
    let county = crate::funds::jurisdiction_id(&app.pack, &input.county)?;
    let unit = unit_id(&app.pack, &input.supervising_unit)?;
    let contract_no = input.contract_no.trim();
    if contract_no.is_empty() || contract_no.chars().count() > 100 {
        return Err(bad("bad_contract_no", "请填写合同编号（不超过 100 字）"));
    }
    let mut c = NewContract {
        creditor_uscc: creditor.as_str().to_string(),
        creditor_name: name("债权企业名称", &input.creditor_name)?,
        debtor_name: name("付款方名称", &input.debtor_name)?,
        debtor_uscc: debtor.as_str().to_string(),
        debtor_kind: kind,
        supervising_unit: unit,
        county,
        contract_no: contract_no.to_string(),
        contract_date: date("合同订立日期", &input.contract_date)?,
        amount_fen: amount_fen("合同金额", &input.amount)?,
        delivered_on: date("交付日期", &input.delivered)?,
        accepted_on: opt_date("验收合格日期", &input.accepted)?,
        acceptance_days: opt_days("约定验收期限", &input.acceptance_days)?,
        agreed_days: opt_days("约定付款期限", &input.agreed_days)?,
        agreed_rate: rate(&input.agreed_rate)?,
        settled_on: opt_date("结算金额确认日期", &input.settled)?,
        third_party_condition: input.third_party,
        regulation: String::new(),
        start_on: NaiveDate::MIN,
        due_on: None,
        created_by: by.to_string(),
    };
    if c.delivered_on > today {
        return Err(bad(
            "bad_date",
            format!(
                "交付日期 {} 晚于今天 {today}：尚未交付的合同不能投诉",
                c.delivered_on
            ),
        ));
    }
    let due = due_of(&params(), &c)?;
    c.regulation = due.regulation_id.clone();
    c.start_on = due.start;
    c.due_on = due.due;
    // Payments so far.
    let mut payments = Vec::new();
    for (i, (d, a)) in input.payments.iter().enumerate() {
        if d.trim().is_empty() && a.trim().is_empty() {
            continue;
        }
        let on = date(&format!("第 {} 笔付款日期", i + 1), d)?;
        if on < c.delivered_on {
            return Err(bad(
                "paid_before_delivery",
                format!(
                    "第 {} 笔付款日 {on} 早于交付日 {}：请核对付款日期（预付款不计入本合同的付款）",
                    i + 1,
                    c.delivered_on
                ),
            ));
        }
        if on > today {
            return Err(bad(
                "bad_date",
                format!("第 {} 笔付款日 {on} 晚于今天", i + 1),
            ));
        }
        payments.push((on, amount_fen(&format!("第 {} 笔付款金额", i + 1), a)?));
    }
    let paid: i64 = payments.iter().map(|p| p.1).sum();
    if paid >= c.amount_fen {
        return Err(bad(
            "nothing_owed",
            format!(
                "已付 {} 元不少于合同金额 {} 元：没有欠款可投诉",
                yuan(from_fen(paid)),
                yuan(from_fen(c.amount_fen))
            ),
        ));
    }
    let outstanding = if input.outstanding.trim().is_empty() {
        c.amount_fen - paid
    } else {
        amount_fen("欠款金额", &input.outstanding)?
    };
    if outstanding > c.amount_fen - paid {
        return Err(bad(
            "bad_amount",
            format!(
                "欠款 {} 元超过合同金额减已付（{} 元）",
                yuan(from_fen(outstanding)),
                yuan(from_fen(c.amount_fen - paid))
            ),
        ));
    }
    let registered_on = if input.registered_on.trim().is_empty() {
        today
    } else {
        date("投诉日期", &input.registered_on)?
    };
    if registered_on > today || registered_on < c.delivered_on {
        return Err(bad(
            "bad_date",
            format!(
                "投诉日期 {registered_on} 须在交付日 {} 与今天之间",
                c.delivered_on
            ),
        ));
    }
    // Who registers for whom.
    let on_behalf = match role {
        Role::Enterprise(u) if u.as_str() == c.creditor_uscc => false,
        Role::Enterprise(_) => {
            return Err(AppError::Forbidden(
                "企业只能以自己的名义投诉：债权企业须为本企业".into(),
            ));
        }
        Role::Anonymous => return Err(AppError::Forbidden("请先登录再登记投诉".into())),
        _ => {
            let s = scope(&app.pack, role)?;
            if s.county.as_ref().is_some_and(|x| *x != c.county) {
                return Err(AppError::Forbidden(
                    "县区只能代本辖区的付款方登记投诉".into(),
                ));
            }
            if s.supervising_unit
                .as_ref()
                .is_some_and(|x| *x != c.supervising_unit)
            {
                return Err(AppError::Forbidden(
                    "主管部门只能代其主管的付款方登记投诉".into(),
                ));
            }
            true
        }
    };
    let description = input.description.trim().to_string();
    if description.chars().count() > 2000 {
        return Err(bad("too_long", "投诉说明不能超过 2000 字"));
    }
    let complaint = NewComplaint {
        outstanding_fen: outstanding,
        description,
        on_behalf,
        registered_on,
        registered_by: by.to_string(),
        unit: if on_behalf {
            role_unit(app, role)
        } else {
            c.creditor_name.clone()
        },
        files: crate::files::check("证据材料", &input.files, MAX_EVIDENCE_FILES)?,
    };
    Ok((c, payments, complaint))
}

/// The unit a staff role acts as (its name), for the steps it records.
pub fn role_unit(app: &App, role: &Role) -> String {
    match role {
        Role::Admin => "工作专班".into(),
        Role::Unit(u) => unit_name(&app.pack, u),
        Role::County(c) => jurisdiction_name(&app.pack, c),
        Role::Enterprise(u) => u.as_str().to_string(),
        Role::Anonymous => String::new(),
    }
}

/// Registers a complaint (with its contract and payments so far); returns the complaint's id.
pub async fn register(
    app: &App,
    role: &Role,
    input: &ComplaintInput,
    by: &str,
    today: NaiveDate,
) -> Result<i64, AppError> {
    let (c, payments, complaint) = check(app, role, input, by, today)?;
    let (_, id) = app
        .store
        .register_complaint(&c, &payments, &complaint)
        .await?;
    Ok(id)
}

/// A step as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepInput {
    pub to: String,
    pub on: String,
    pub note: String,
    pub undisputed: String,
    pub disputed: String,
    /// Evidence files given with the step (name, bytes).
    pub files: Vec<(String, Vec<u8>)>,
}

/// Records a step of a case: staff within scope only (the creditor takes no step).
pub async fn step(
    app: &App,
    role: &Role,
    complaint_id: i64,
    input: &StepInput,
    by: &str,
    today: NaiveDate,
) -> Result<CaseState, AppError> {
    if matches!(role, Role::Enterprise(_) | Role::Anonymous) {
        return Err(AppError::Forbidden(
            "案件办理步骤由经信局、主管部门或县区登记".into(),
        ));
    }
    let k = complaint(app, role, complaint_id).await?;
    let to = CaseState::parse_any(&input.to).ok_or_else(|| {
        bad(
            "bad_state",
            format!("没有步骤“{}”：可选 {}", input.to.trim(), CaseState::ids()),
        )
    })?;
    let on = if input.on.trim().is_empty() {
        today
    } else {
        date("办理日期", &input.on)?
    };
    if on > today {
        return Err(bad("bad_date", format!("办理日期 {on} 晚于今天 {today}")));
    }
    let (undisputed_fen, disputed_fen) = if to == CaseState::Verified {
        let u = if input.undisputed.trim().is_empty() {
            k.outstanding_fen
        } else {
            fen_or_zero("无争议金额", &input.undisputed)?
        };
        let d = if input.disputed.trim().is_empty() {
            k.outstanding_fen - u
        } else {
            fen_or_zero("有争议金额", &input.disputed)?
        };
        if u + d != k.outstanding_fen {
            return Err(bad(
                "bad_amount",
                format!(
                    "无争议 {} 元 + 有争议 {} 元 须等于投诉欠款 {} 元",
                    yuan(from_fen(u)),
                    yuan(from_fen(d)),
                    yuan(from_fen(k.outstanding_fen))
                ),
            ));
        }
        (Some(u), Some(d))
    } else {
        (None, None)
    };
    Ok(app
        .store
        .case_step(
            complaint_id,
            &NewStep {
                to,
                on,
                unit: role_unit(app, role),
                note: input.note.trim().to_string(),
                undisputed_fen,
                disputed_fen,
                payment_fen: (to == CaseState::Paid)
                    .then(|| owed_fen(&k.contract))
                    .filter(|f| *f > 0),
                by: by.to_string(),
                files: crate::files::check("证据材料", &input.files, MAX_EVIDENCE_FILES)?,
            },
        )
        .await?)
}

/// What is still owed on a contract (amount − payments), in fen.
pub fn owed_fen(c: &ContractRow) -> i64 {
    (c.c.amount_fen - c.payments.iter().map(|p| p.1).sum::<i64>()).max(0)
}

fn fen_or_zero(what: &str, s: &str) -> Result<i64, AppError> {
    let t = s.trim().replace([',', '，'], "");
    if t.trim_end_matches('元')
        .parse::<Decimal>()
        .is_ok_and(|v| v.is_zero())
    {
        Ok(0)
    } else {
        amount_fen(what, &t)
    }
}

/// One complaint as a role may see it.
pub async fn complaint(app: &App, role: &Role, id: i64) -> Result<ComplaintRow, AppError> {
    let mut f = scope(&app.pack, role)?;
    f.complaint_id = Some(id);
    app.store
        .arrears_complaints(&f)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| {
            AppError::not_found("not_found", format!("没有编号为 {id} 的投诉，或无权查看"))
        })
}

/// A case with what is computed about it.
#[derive(Debug, Clone, Serialize)]
pub struct CaseView {
    pub id: i64,
    pub state: CaseState,
    pub creditor_name: String,
    pub creditor_uscc: String,
    pub debtor_name: String,
    pub debtor_kind: PayerKind,
    pub supervising_unit: String,
    pub county: String,
    pub contract_no: String,
    pub amount: Decimal,
    pub outstanding: Decimal,
    pub paid: Decimal,
    pub registered_on: NaiveDate,
    pub on_behalf: bool,
    pub due: Due,
    /// Interest owed on the as-of date on what is late (or was paid late).
    pub interest: Decimal,
    pub overdue_days: i64,
    pub deadlines: Option<Deadlines>,
    /// Why the case is overdue (then escalated to the working group).
    pub escalated: Option<String>,
    pub next: Vec<CaseState>,
    pub steps: Vec<StepView>,
    pub description: String,
    /// The evidence files with the number of the step each came with (filled by [`case`];
    /// download: [`evidence`]).
    #[serde(skip)]
    pub files: Vec<(FileMeta, i64)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepView {
    pub state: CaseState,
    pub on: NaiveDate,
    pub unit: String,
    pub note: String,
    pub undisputed: Option<Decimal>,
    pub disputed: Option<Decimal>,
}

pub fn obligation(c: &ContractRow) -> Obligation {
    Obligation {
        contract_id: c.id,
        payer_name: c.c.debtor_name.clone(),
        payer_uscc: c.c.debtor_uscc.clone(),
        payer_kind: c.c.debtor_kind,
        supervising_unit: c.c.supervising_unit.clone(),
        county: c.c.county.clone(),
        contract_date: c.c.contract_date,
        amount: from_fen(c.c.amount_fen),
        start: c.c.start_on,
        due: c.c.due_on,
        agreed_rate: c.c.agreed_rate,
        payments: c.payments.iter().map(|&(d, f)| (d, from_fen(f))).collect(),
    }
}

/// What is computed about a complaint on `today`.
pub fn view(
    app: &App,
    params: &Params,
    calendar: &Calendar,
    k: &ComplaintRow,
    today: NaiveDate,
) -> Result<CaseView, AppError> {
    let c = &k.contract;
    let due = due_of(params, &c.c)?;
    let status = league::status(params, &obligation(c), today);
    let handed = k
        .steps
        .iter()
        .find(|s| s.state == CaseState::HandedOn)
        .map(|s| s.on);
    let deadlines = workflow::deadlines(params, calendar, k.registered_on, handed).ok();
    let escalated = deadlines
        .as_ref()
        .and_then(|d| workflow::overdue(k.state, d, today));
    Ok(CaseView {
        id: k.id,
        state: k.state,
        creditor_name: c.c.creditor_name.clone(),
        creditor_uscc: c.c.creditor_uscc.clone(),
        debtor_name: c.c.debtor_name.clone(),
        debtor_kind: c.c.debtor_kind,
        supervising_unit: unit_name(&app.pack, &c.c.supervising_unit),
        county: jurisdiction_name(&app.pack, &c.c.county),
        contract_no: c.c.contract_no.clone(),
        amount: from_fen(c.c.amount_fen),
        outstanding: from_fen(k.outstanding_fen),
        paid: status.paid,
        registered_on: k.registered_on,
        on_behalf: k.on_behalf,
        due,
        interest: status.interest,
        overdue_days: status.overdue_days_now,
        deadlines,
        escalated,
        next: k.state.next().to_vec(),
        steps: k
            .steps
            .iter()
            .map(|s| StepView {
                state: s.state,
                on: s.on,
                unit: s.unit.clone(),
                note: s.note.clone(),
                undisputed: s.undisputed_fen.map(from_fen),
                disputed: s.disputed_fen.map(from_fen),
            })
            .collect(),
        description: k.description.clone(),
        files: Vec::new(),
    })
}

/// The cases a role sees, newest first, with their computed figures.
pub async fn cases(app: &App, role: &Role, today: NaiveDate) -> Result<Vec<CaseView>, AppError> {
    let f = scope(&app.pack, role)?;
    let params = params();
    let calendar = Calendar::builtin();
    app.store
        .arrears_complaints(&f)
        .await?
        .iter()
        .map(|k| view(app, &params, &calendar, k, today))
        .collect()
}

/// One case as a role sees it.
pub async fn case(app: &App, role: &Role, id: i64, today: NaiveDate) -> Result<CaseView, AppError> {
    let k = complaint(app, role, id).await?;
    let mut v = view(app, &params(), &Calendar::builtin(), &k, today)?;
    v.files = app.store.arrears_files(id).await?;
    Ok(v)
}

/// An evidence file of a case, for a role that may see the case.
pub async fn evidence(
    app: &App,
    role: &Role,
    complaint_id: i64,
    file_id: i64,
) -> Result<crate::files::Download, AppError> {
    complaint(app, role, complaint_id).await?;
    match app.store.arrears_file(file_id).await? {
        Some(f) if f.0.owner_id == complaint_id => Ok(crate::files::Download::of(f)),
        _ => Err(AppError::not_found(
            "no_file",
            format!("投诉 {complaint_id} 没有编号为 {file_id} 的证据材料"),
        )),
    }
}

/// The disclosure of a year: every 机关、事业单位 payer's overdue payments (public).
#[derive(Debug, Clone, Serialize)]
pub struct Disclosure {
    pub year: i32,
    /// 31 March of the next year.
    pub publish_by: NaiveDate,
    pub basis: String,
    pub rows: Vec<DisclosureLine>,
    pub total_count: u32,
    pub total_amount: Decimal,
    pub total_unpaid: Decimal,
}

#[derive(Debug, Clone, Serialize)]
pub struct DisclosureLine {
    #[serde(flatten)]
    pub row: DisclosureRow,
    pub kind_label: &'static str,
    pub supervising_unit_name: String,
    pub county_name: String,
}

/// The disclosure of `year` from every contract on record.
pub async fn disclosure(app: &App, year: i32) -> Result<Disclosure, AppError> {
    let y = crate::funds::year(year)?;
    let contracts = app
        .store
        .arrears_contracts(&ArrearsFilter::default())
        .await?;
    let obs: Vec<Obligation> = contracts.iter().map(obligation).collect();
    let rows = league::disclosure(&params(), &obs, y);
    let lines: Vec<DisclosureLine> = rows
        .into_iter()
        .map(|row| DisclosureLine {
            kind_label: row.payer_kind.label(),
            supervising_unit_name: unit_name(&app.pack, &row.supervising_unit),
            county_name: jurisdiction_name(&app.pack, &row.county),
            row,
        })
        .collect();
    Ok(Disclosure {
        year: y,
        publish_by: NaiveDate::from_ymd_opt(y + 1, 3, 31).expect("a date"),
        basis: "《保障中小企业款项支付条例》：机关、事业单位应当于每年3月31日前将上一年度逾期未支付中小企业款项的合同数量、金额等信息向社会公开；六安市支持小微企业高质量发展若干政策 第十四条（建立拖欠账款定期披露制度）".into(),
        total_count: lines.iter().map(|l| l.row.overdue_count).sum(),
        total_amount: lines.iter().map(|l| l.row.overdue_amount).sum(),
        total_unpaid: lines.iter().map(|l| l.row.unpaid_at_year_end).sum(),
        rows: lines,
    })
}

/// The disclosure as .xlsx (the shared [`crate::sheet`] layout): counts and amounts as numbers.
pub fn disclosure_xlsx(d: &Disclosure, as_of: NaiveDate) -> Result<Vec<u8>, AppError> {
    use crate::sheet::{Cell, Sheet, workbook};
    let title = format!("{} 年度机关、事业单位逾期未支付中小企业款项情况", d.year);
    let mut s = Sheet::new(
        "披露",
        &title,
        &format!(
            "数据截至 {as_of}；公开期限：{} 前；依据：{}",
            d.publish_by, d.basis
        ),
        &[
            ("付款方", 30.0),
            ("类型", 10.0),
            ("主管部门", 16.0),
            ("县区", 12.0),
            ("逾期合同数（笔）", 16.0),
            ("逾期金额（元）", 18.0),
            ("至年末仍未支付（元）", 20.0),
        ],
    );
    s.rows = d
        .rows
        .iter()
        .map(|l| {
            vec![
                Cell::text(&l.row.payer_name),
                Cell::text(l.kind_label),
                Cell::text(&l.supervising_unit_name),
                Cell::text(&l.county_name),
                Cell::Count(i64::from(l.row.overdue_count)),
                Cell::Money(l.row.overdue_amount),
                Cell::Money(l.row.unpaid_at_year_end),
            ]
        })
        .collect();
    s.total = Some(vec![
        Cell::text("合计"),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Count(i64::from(d.total_count)),
        Cell::Money(d.total_amount),
        Cell::Money(d.total_unpaid),
    ]);
    workbook(&title, &[s])
}

/// Cases as .xlsx: `what` says which (the filter), `as_of` the date of the figures.
pub fn cases_xlsx(cases: &[&CaseView], what: &str, as_of: NaiveDate) -> Result<Vec<u8>, AppError> {
    use crate::sheet::{Cell, Sheet, workbook};
    let title = format!("拖欠中小企业账款投诉案件（{what}）");
    let mut s = Sheet::new(
        "投诉案件",
        &title,
        &format!("数据截至 {as_of}；逾期利息计至当日"),
        &[
            ("编号", 8.0),
            ("债权企业", 28.0),
            ("付款方", 28.0),
            ("类型", 10.0),
            ("县区", 12.0),
            ("合同编号", 14.0),
            ("合同金额（元）", 16.0),
            ("投诉欠款（元）", 16.0),
            ("付款到期日", 12.0),
            ("逾期天数", 10.0),
            ("逾期利息（元）", 16.0),
            ("状态", 10.0),
            ("登记日期", 12.0),
            ("逾期上报", 30.0),
        ],
    );
    s.rows = cases
        .iter()
        .map(|c| {
            vec![
                Cell::Count(c.id),
                Cell::text(&c.creditor_name),
                Cell::text(&c.debtor_name),
                Cell::text(c.debtor_kind.label()),
                Cell::text(&c.county),
                Cell::text(&c.contract_no),
                Cell::Money(c.amount),
                Cell::Money(c.outstanding),
                c.due.due.map_or(Cell::text("无法计算"), Cell::Date),
                Cell::Count(c.overdue_days),
                Cell::Money(c.interest),
                Cell::text(c.state.label()),
                Cell::Date(c.registered_on),
                Cell::text(c.escalated.clone().unwrap_or_default()),
            ]
        })
        .collect();
    let mut total = vec![
        Cell::text("合计"),
        Cell::text(format!("{} 件", cases.len())),
    ];
    total.extend(std::iter::repeat_n(Cell::Empty, 4));
    total.push(Cell::Money(cases.iter().map(|c| c.amount).sum()));
    total.push(Cell::Money(cases.iter().map(|c| c.outstanding).sum()));
    total.push(Cell::Empty);
    total.push(Cell::Empty);
    total.push(Cell::Money(cases.iter().map(|c| c.interest).sum()));
    s.total = Some(total);
    workbook(&title, &[s])
}

/// The league table and its trend as .xlsx (shares as numbers formatted as percentages).
pub fn league_xlsx(l: &League) -> Result<Vec<u8>, AppError> {
    use crate::sheet::{Cell, Sheet, workbook};
    let pct = |d: Decimal| Cell::Share(d / Decimal::ONE_HUNDRED);
    let title = format!("付款方排行（按{}）", l.by.label());
    let as_of = format!("数据截至 {}", l.as_of);
    let mut columns = vec![
        (l.by.label().to_string(), 30.0),
        ("合同数".into(), 10.0),
        ("平均付款天数".into(), 12.0),
    ];
    for b in &l.buckets {
        columns.push((format!("{b}（笔数占比）"), 14.0));
        columns.push((format!("{b}（金额占比）"), 14.0));
    }
    columns.push(("逾期付款占比".into(), 12.0));
    columns.push(("当前逾期（元）".into(), 16.0));
    columns.push(("逾期利息（元）".into(), 16.0));
    let mut s = Sheet::new("付款方排行", &title, &as_of, &[]);
    s.columns = columns;
    s.rows = l
        .rows
        .iter()
        .map(|r| {
            let mut row = vec![
                Cell::text(&r.name),
                Cell::Count(i64::from(r.row.contracts)),
                r.row.average_days.map_or(Cell::text("—"), Cell::Number),
            ];
            for b in 0..4 {
                row.push(pct(r.row.bucket_share_count[b]));
                row.push(pct(r.row.bucket_share_value[b]));
            }
            row.push(pct(r.row.late_share_count));
            row.push(Cell::Money(r.row.overdue_now));
            row.push(Cell::Money(r.row.interest));
            row
        })
        .collect();
    let mut total = vec![
        Cell::text("合计"),
        Cell::Count(l.rows.iter().map(|r| i64::from(r.row.contracts)).sum()),
    ];
    total.extend(std::iter::repeat_n(Cell::Empty, 10));
    total.push(Cell::Money(l.rows.iter().map(|r| r.row.overdue_now).sum()));
    total.push(Cell::Money(l.rows.iter().map(|r| r.row.interest).sum()));
    s.total = Some(total);
    let mut t = Sheet::new(
        "季度趋势",
        "按全额付款季度的付款天数趋势",
        &as_of,
        &[
            ("季度", 12.0),
            ("全额付款笔数", 14.0),
            ("平均付款天数", 14.0),
            ("30 天内付款占比", 16.0),
            ("逾期付款占比", 14.0),
        ],
    );
    t.rows = l
        .trend
        .iter()
        .map(|q| {
            vec![
                Cell::text(q.quarter.replace("-Q", " 年第 ") + " 季度"),
                Cell::Count(i64::from(q.paid_count)),
                q.average_days.map_or(Cell::text("—"), Cell::Number),
                pct(q.within_30),
                pct(q.late_share),
            ]
        })
        .collect();
    workbook(&title, &[s, t])
}

/// The league table and the trend by quarter.
#[derive(Debug, Clone, Serialize)]
pub struct League {
    pub by: GroupBy,
    pub as_of: NaiveDate,
    pub rows: Vec<LeagueLine>,
    pub trend: Vec<QuarterRow>,
    pub buckets: Vec<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LeagueLine {
    #[serde(flatten)]
    pub row: LeagueRow,
    pub name: String,
}

/// The league table a staff role sees (its scope's contracts), grouped as asked.
pub async fn league_table(
    app: &App,
    role: &Role,
    by: GroupBy,
    as_of: NaiveDate,
) -> Result<League, AppError> {
    if matches!(role, Role::Enterprise(_) | Role::Anonymous) {
        return Err(AppError::Forbidden(
            "付款方排行只对工作专班、经信局、主管部门和县区开放".into(),
        ));
    }
    let f = scope(&app.pack, role)?;
    let contracts = app.store.arrears_contracts(&f).await?;
    let obs: Vec<Obligation> = contracts.iter().map(obligation).collect();
    let p = params();
    let rows = league::league(&p, &obs, by, as_of)
        .into_iter()
        .map(|row| LeagueLine {
            name: match by {
                GroupBy::Payer => row.key.clone(),
                GroupBy::SupervisingUnit => unit_name(&app.pack, &row.key),
                GroupBy::County => jurisdiction_name(&app.pack, &row.key),
            },
            row,
        })
        .collect();
    Ok(League {
        by,
        as_of,
        rows,
        trend: league::trend(&p, &obs, as_of),
        buckets: league::BUCKETS.iter().map(|b| b.0).collect(),
    })
}

/// The 清欠 figure of the county assessment for `year`: of the complaints accepted (受理) in the
/// year in each county, the share paid (清偿 or 销号) by `as_of`. `None` when no complaint was
/// accepted anywhere in the year (no data yet); a county without one gets 0/0 (no cases).
pub async fn resolution(
    app: &App,
    year: i32,
    as_of: NaiveDate,
) -> Result<Option<BTreeMap<String, Fraction>>, AppError> {
    let all = app
        .store
        .arrears_complaints(&ArrearsFilter::default())
        .await?;
    let mut out: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    let mut any = false;
    for k in &all {
        let accepted = k
            .steps
            .iter()
            .find(|s| s.state == CaseState::Accepted && s.on.year() == year && s.on <= as_of);
        if accepted.is_none() {
            continue;
        }
        any = true;
        let paid = k
            .steps
            .iter()
            .any(|s| matches!(s.state, CaseState::Paid | CaseState::Closed) && s.on <= as_of);
        let e = out.entry(k.contract.c.county.clone()).or_default();
        e.1 += 1;
        e.0 += u32::from(paid);
    }
    if !any {
        return Ok(None);
    }
    Ok(Some(
        app.pack
            .jurisdictions
            .iter()
            .map(|j| {
                let (p, w) = out.get(&j.id).copied().unwrap_or_default();
                (j.id.clone(), Fraction::new(p, w))
            })
            .collect(),
    ))
}

/// What [`seed_demo`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DemoCounts {
    pub contracts: usize,
    pub payments: usize,
    pub complaints: usize,
    pub closed: usize,
}

/// The demo payers: name, kind, supervising unit, jurisdiction, how slowly they pay (the share of
/// the term, in percent, their typical payment takes).
const DEMO_PAYERS: [(&str, PayerKind, &str, &str, u32); 13] = [
    (
        "六安市住房和城乡建设局",
        PayerKind::Government,
        "housing_construction",
        "341502",
        140,
    ),
    (
        "六安市数据资源管理局",
        PayerKind::Government,
        "data_resources",
        "341502",
        70,
    ),
    ("金安区交通运输局", PayerKind::Government, "", "341502", 180),
    ("裕安区城市管理局", PayerKind::Government, "", "341503", 120),
    (
        "霍邱县第一人民医院",
        PayerKind::PublicInstitution,
        "",
        "341522",
        210,
    ),
    ("舒城县教育体育局", PayerKind::Government, "", "341523", 90),
    (
        "金寨县职业学校",
        PayerKind::PublicInstitution,
        "",
        "341524",
        110,
    ),
    (
        "霍山县自然资源和规划局",
        PayerKind::Government,
        "natural_resources",
        "341525",
        60,
    ),
    (
        "叶集区公共资源交易中心",
        PayerKind::PublicInstitution,
        "development_reform",
        "341504",
        100,
    ),
    (
        "六安经济技术开发区管理委员会",
        PayerKind::Government,
        "",
        "luan-etdz",
        150,
    ),
    (
        "六安市城市建设投资有限公司",
        PayerKind::LargeEnterprise,
        "finance",
        "341502",
        160,
    ),
    (
        "安徽皖西建工集团有限公司",
        PayerKind::LargeEnterprise,
        "housing_construction",
        "341503",
        130,
    ),
    (
        "六安市交通投资集团有限公司",
        PayerKind::LargeEnterprise,
        "finance",
        "341522",
        95,
    ),
];

/// A small deterministic generator (the demo means the same data on every machine).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n.max(1)
    }
}

fn demo_payer_uscc(i: usize, kind: PayerKind) -> Result<Uscc, AppError> {
    let prefix = match kind {
        PayerKind::Government => "11",
        PayerKind::PublicInstitution => "12",
        _ => "91",
    };
    let body = format!("{:08}", 3_000_100 + i * 37);
    Uscc::from_parts(prefix, "341500", &body).map_err(|e| bad("bad_uscc", e.to_string()))
}

/// Believable contracts, payments and complaints for the league table, the disclosure and the
/// case pages: about 260 contracts from 2023 to `today`'s year with 13 payers of different
/// habits, creditors taken from the registry (the first 120 enterprises), and 24 complaints at
/// every stage of their cases. Deterministic; refuses to run twice (contracts are unique).
pub async fn seed_demo(app: &App, today: NaiveDate) -> Result<DemoCounts, AppError> {
    let creditors = app
        .store
        .search_enterprises(&huiqi_store::search::EnterpriseFilter::default(), 120)
        .await?;
    if creditors.is_empty() {
        return Err(AppError::not_found(
            "empty_registry",
            "企业库为空：请先导入企业（清欠演示的债权企业取自企业库）",
        ));
    }
    let p = params();
    let mut rng = Lcg(20_240_331);
    let first = NaiveDate::from_ymd_opt(2023, 1, 1).expect("a date");
    let span = (today - first).num_days().max(1) as u64;
    let mut batch: Vec<(NewContract, Vec<(NaiveDate, i64)>)> = Vec::new();
    let mut late: Vec<usize> = Vec::new();
    for i in 0..260usize {
        let (pname, kind, unit, county, slowness) = DEMO_PAYERS[i % DEMO_PAYERS.len()];
        let cred = &creditors[(i * 7) % creditors.len()];
        let contract_date = first + chrono::Days::new(rng.next(span.saturating_sub(120).max(1)));
        let delivered = contract_date + chrono::Days::new(5 + rng.next(40));
        let acceptance = (rng.next(3) == 0).then(|| 10 + rng.next(3) as u32 * 5);
        let accepted =
            acceptance.map(|d| delivered + chrono::Days::new(rng.next(u64::from(d) + 20)));
        let agreed = match kind {
            PayerKind::LargeEnterprise => Some([30, 45, 60, 90][rng.next(4) as usize]),
            _ => [None, Some(30), Some(45), Some(60)][rng.next(4) as usize],
        };
        let amount_fen = (5 + rng.next(295)) as i64 * 1_000_000 + rng.next(100) as i64 * 10_000;
        let mut c = NewContract {
            creditor_uscc: cred.uscc.clone(),
            creditor_name: cred.name.clone(),
            debtor_name: pname.to_string(),
            debtor_uscc: demo_payer_uscc(i % DEMO_PAYERS.len(), kind)?
                .as_str()
                .to_string(),
            debtor_kind: kind,
            supervising_unit: unit.to_string(),
            county: county.to_string(),
            contract_no: format!("LA-{}-{:04}", contract_date.year(), i + 1),
            contract_date,
            amount_fen,
            delivered_on: delivered,
            accepted_on: accepted.filter(|a| *a <= today),
            acceptance_days: acceptance,
            agreed_days: agreed,
            agreed_rate: (rng.next(5) == 0).then(|| Decimal::new(300 + rng.next(300) as i64, 2)),
            settled_on: None,
            third_party_condition: kind == PayerKind::LargeEnterprise && rng.next(6) == 0,
            regulation: String::new(),
            start_on: delivered,
            due_on: None,
            created_by: "演示数据".into(),
        };
        let due = due_of(&p, &c)?;
        c.regulation = due.regulation_id;
        c.start_on = due.start;
        c.due_on = due.due;
        let term = i64::from(due.term_days.unwrap_or(60));
        // Days to pay: the payer's habit ± noise.
        let days = (term * i64::from(slowness) / 100 + rng.next(41) as i64 - 20).max(3);
        let pay_on = c.start_on + chrono::Days::new(days as u64);
        let mut payments = Vec::new();
        if rng.next(10) < 2 {
            // Paid in part (on time), the rest still owed.
            let part = amount_fen / 100 * (30 + rng.next(40) as i64);
            let on = c.start_on + chrono::Days::new((term / 2).max(1) as u64);
            if on <= today {
                payments.push((on, part));
            }
        } else if pay_on <= today {
            payments.push((pay_on, amount_fen));
        }
        if c.due_on
            .is_some_and(|d| d < today && payments.iter().all(|(on, f)| *on > d || *f < amount_fen))
        {
            late.push(batch.len());
        }
        batch.push((c, payments));
    }
    // Complaints: 24 of the late contracts, at every stage.
    let chosen: Vec<usize> = late
        .iter()
        .copied()
        .step_by((late.len() / 24).max(1))
        .take(24)
        .collect();
    let complained: std::collections::HashSet<usize> = chosen.iter().copied().collect();
    let plain: Vec<(NewContract, Vec<(NaiveDate, i64)>)> = batch
        .iter()
        .enumerate()
        .filter(|(i, _)| !complained.contains(i))
        .map(|(_, x)| x.clone())
        .collect();
    // A complaint is made before the payer pays: only payments on or before the due date stay
    // (the rest is paid at the case's 清偿 step).
    for &i in &chosen {
        let due = batch[i].0.due_on;
        batch[i].1.retain(|(on, _)| due.is_some_and(|d| *on <= d));
    }
    let payments: usize = batch.iter().map(|b| b.1.len()).sum();
    app.store.add_contracts(&plain).await?;
    let stages = [
        CaseState::Complained,
        CaseState::Verified,
        CaseState::Accepted,
        CaseState::HandedOn,
        CaseState::Advised,
        CaseState::Interviewed,
        CaseState::Enforced,
        CaseState::Paid,
        CaseState::Closed,
        CaseState::Closed,
        CaseState::Closed,
        CaseState::Rejected,
    ];
    let path = [
        CaseState::Verified,
        CaseState::Accepted,
        CaseState::HandedOn,
        CaseState::Advised,
        CaseState::Interviewed,
        CaseState::Enforced,
        CaseState::Paid,
        CaseState::Closed,
    ];
    let mut closed = 0;
    for (n, &i) in chosen.iter().enumerate() {
        let (c, pays) = &batch[i];
        let paid: i64 = pays.iter().map(|p| p.1).sum();
        let due = c.due_on.unwrap_or(c.start_on);
        let registered_on = (due + chrono::Days::new(20 + rng.next(60))).min(today);
        let complaint = NewComplaint {
            outstanding_fen: c.amount_fen - paid,
            description: format!("合同 {} 的货款到期后未付，多次催告无果", c.contract_no),
            on_behalf: n % 3 == 0,
            registered_on,
            registered_by: "演示数据".into(),
            unit: c.creditor_name.clone(),
            files: Vec::new(),
        };
        let (_, kid) = app.store.register_complaint(c, pays, &complaint).await?;
        let target = stages[n % stages.len()];
        let mut on = registered_on;
        let steps: Vec<CaseState> = if target == CaseState::Rejected {
            vec![CaseState::Verified, CaseState::Rejected]
        } else {
            path.iter().copied().take_while(|s| *s <= target).collect()
        };
        for s in steps {
            let gap = if s == CaseState::HandedOn {
                2 + rng.next(8)
            } else {
                3 + rng.next(12)
            };
            let next = on + chrono::Days::new(gap);
            if next > today {
                break;
            }
            on = next;
            let unit = match s {
                CaseState::Verified
                | CaseState::Accepted
                | CaseState::HandedOn
                | CaseState::Closed
                | CaseState::Rejected => "市经信局".to_string(),
                _ if !c.supervising_unit.is_empty() => unit_name(&app.pack, &c.supervising_unit),
                _ => jurisdiction_name(&app.pack, &c.county),
            };
            let note = match s {
                CaseState::Verified => "经核实，欠款事实清楚，金额无争议".to_string(),
                CaseState::Rejected => "经核实，付款条件尚未成就，不予受理".to_string(),
                CaseState::Closed => "欠款及逾期利息已付清，企业确认，销号".to_string(),
                CaseState::HandedOn => format!(
                    "交{}办理",
                    if c.supervising_unit.is_empty() {
                        jurisdiction_name(&app.pack, &c.county)
                    } else {
                        unit_name(&app.pack, &c.supervising_unit)
                    }
                ),
                other => format!("{}：已督促付款方制定还款计划", other.label()),
            };
            app.store
                .case_step(
                    kid,
                    &NewStep {
                        to: s,
                        on,
                        unit,
                        note,
                        undisputed_fen: (s == CaseState::Verified).then_some(c.amount_fen - paid),
                        disputed_fen: (s == CaseState::Verified).then_some(0),
                        payment_fen: (s == CaseState::Paid).then_some(c.amount_fen - paid),
                        by: "演示数据".into(),
                        files: Vec::new(),
                    },
                )
                .await?;
            if s == CaseState::Closed {
                closed += 1;
            }
        }
    }
    Ok(DemoCounts {
        contracts: batch.len(),
        payments,
        complaints: chosen.len(),
        closed,
    })
}
