//! The incentive-fund ledger of article 19 (issue 16): awards credited per jurisdiction and year,
//! spending only on the article's purposes and within the balance, reversals, own-funded support,
//! balances and the use report per county (.xlsx). Who may write what is decided here: the
//! working group any jurisdiction; a county its own ledger (spending, reversals of its own
//! entries, own-funded support), never an award.

use chrono::NaiveDate;
use huiqi_assess::funds::{self, Purpose};
use huiqi_assess::money::{from_fen, yuan};
use huiqi_ingest::Counties;
use huiqi_policy::Pack;
use huiqi_store::funds::{FundDetails, FundEntryRow, OwnSupportRow};
use rust_decimal::Decimal;
use rust_xlsxwriter::{ExcelDateTime, Format as XFormat, FormatAlign, Workbook};
use serde::Serialize;

use crate::accounts::Role;
use crate::{App, AppError, jurisdiction_name};

/// A jurisdiction id from an id or a Chinese name (`341502`, `金安区`, `luan-etdz`).
pub fn jurisdiction_id(pack: &Pack, given: &str) -> Result<String, AppError> {
    let counties = Counties::from_pack(pack);
    counties.resolve(given).map(str::to_string).ok_or_else(|| {
        AppError::invalid(
            "bad_jurisdiction",
            format!(
                "没有辖区“{}”：请填写辖区代码或名称，可选：{}",
                given.trim(),
                counties.describe()
            ),
        )
    })
}

/// A four-digit year of the policy's time.
pub fn year(y: i32) -> Result<i32, AppError> {
    if (2000..=2100).contains(&y) {
        Ok(y)
    } else {
        Err(AppError::invalid(
            "bad_year",
            format!("年度 {y} 无效：请写四位年份，如 2023"),
        ))
    }
}

fn forbidden(what: &str) -> AppError {
    AppError::Forbidden(format!("无权{what}"))
}

/// Whether `role` may see and keep the ledger of `jurisdiction`.
pub fn may_keep(role: &Role, jurisdiction: &str) -> bool {
    match role {
        Role::Admin => true,
        Role::County(c) => c == jurisdiction,
        _ => false,
    }
}

/// Who records, where it went.
#[derive(Debug, Clone, Default)]
pub struct Details {
    pub project: String,
    pub recipient: String,
    pub document_no: String,
    pub attachment: Option<String>,
    pub assessment_id: Option<i64>,
}

impl Details {
    /// Project, recipient and document number are names (at most 100 characters, one line, no
    /// control characters); the attachment a file name.
    fn check(&self) -> Result<(), AppError> {
        use huiqi_domain::limits::{ATTACHMENT_NAME_MAX_CHARS, check_name_field, check_text};
        check_name_field("项目名称", self.project.trim())
            .map_err(AppError::limit("bad_project"))?;
        check_name_field("收款单位", self.recipient.trim())
            .map_err(AppError::limit("bad_recipient"))?;
        check_name_field("文号", self.document_no.trim())
            .map_err(AppError::limit("bad_document"))?;
        if let Some(a) = &self.attachment {
            check_text("附件名称", a.trim(), ATTACHMENT_NAME_MAX_CHARS)
                .map_err(AppError::limit("bad_attachment"))?;
        }
        Ok(())
    }

    fn checked_with(self, by: &str) -> Result<FundDetails, AppError> {
        self.check()?;
        Ok(self.with(by))
    }

    fn with(self, by: &str) -> FundDetails {
        FundDetails {
            project: self.project.trim().to_string(),
            recipient: self.recipient.trim().to_string(),
            document_no: self.document_no.trim().to_string(),
            attachment: self.attachment.filter(|a| !a.trim().is_empty()),
            note: String::new(),
            assessment_id: self.assessment_id,
            recorded_by: by.to_string(),
        }
    }
}

/// Credits an award (the working group only).
#[allow(clippy::too_many_arguments)]
pub async fn award(
    app: &App,
    role: &Role,
    by: &str,
    jurisdiction: &str,
    y: i32,
    date: NaiveDate,
    amount: Decimal,
    details: Details,
) -> Result<FundEntryRow, AppError> {
    if *role != Role::Admin {
        return Err(forbidden("记录奖补入账（只有工作专班可以）"));
    }
    let j = jurisdiction_id(&app.pack, jurisdiction)?;
    let fen = funds::amount_fen(amount).map_err(refused)?;
    Ok(app
        .store
        .fund_award(&j, year(y)?, date, fen, &details.checked_with(by)?)
        .await?)
}

/// Records a spend on one of article 19's purposes (`purpose`: id or the article's words).
#[allow(clippy::too_many_arguments)]
pub async fn spend(
    app: &App,
    role: &Role,
    by: &str,
    jurisdiction: &str,
    y: i32,
    date: NaiveDate,
    amount: Decimal,
    purpose: &str,
    details: Details,
) -> Result<FundEntryRow, AppError> {
    let purpose = Purpose::checked(purpose).map_err(refused)?;
    let j = jurisdiction_id(&app.pack, jurisdiction)?;
    if !may_keep(role, &j) {
        return Err(forbidden("记录其他辖区的支出"));
    }
    let fen = funds::amount_fen(amount).map_err(refused)?;
    Ok(app
        .store
        .fund_spend(&j, year(y)?, date, fen, purpose, &details.checked_with(by)?)
        .await?)
}

/// Reverses a ledger entry (the only correction).
pub async fn reverse(
    app: &App,
    role: &Role,
    by: &str,
    entry: i64,
    date: NaiveDate,
    reason: &str,
) -> Result<FundEntryRow, AppError> {
    huiqi_domain::limits::check_note("冲销原因", reason.trim())
        .map_err(AppError::limit("bad_reason"))?;
    let Some(e) = app.store.fund_entry(entry).await? else {
        return Err(refused(funds::FundsError::NoSuchEntry(entry)));
    };
    if !may_keep(role, &e.jurisdiction)
        || (e.kind == funds::EntryKind::Award && *role != Role::Admin)
    {
        return Err(forbidden("冲销这笔分录"));
    }
    Ok(app.store.fund_reverse(entry, date, reason, by).await?)
}

/// Records own-funded support (kept apart from the balance).
#[allow(clippy::too_many_arguments)]
pub async fn own_support(
    app: &App,
    role: &Role,
    by: &str,
    jurisdiction: &str,
    y: i32,
    date: NaiveDate,
    amount: Decimal,
    purpose: Option<&str>,
    details: Details,
) -> Result<OwnSupportRow, AppError> {
    let purpose = purpose
        .filter(|p| !p.trim().is_empty())
        .map(Purpose::checked)
        .transpose()
        .map_err(refused)?;
    let j = jurisdiction_id(&app.pack, jurisdiction)?;
    if !may_keep(role, &j) {
        return Err(forbidden("记录其他辖区的自筹支持"));
    }
    let fen = funds::amount_fen(amount).map_err(refused)?;
    Ok(app
        .store
        .own_support_add(&j, year(y)?, date, fen, purpose, &details.checked_with(by)?)
        .await?)
}

fn refused(e: funds::FundsError) -> AppError {
    AppError::Store(e.into())
}

/// One jurisdiction's account for a year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BalanceRow {
    pub jurisdiction: String,
    pub jurisdiction_name: String,
    pub year: i32,
    pub awarded: Decimal,
    pub spent: Decimal,
    pub balance: Decimal,
    /// Purpose id → spent on it (net of reversals).
    pub spent_by_purpose: std::collections::BTreeMap<&'static str, Decimal>,
    /// The same in the order of article 19.
    #[serde(skip)]
    pub by_purpose: Vec<Decimal>,
    pub own_funded: Decimal,
}

/// Every jurisdiction's account for a year (a county: its own), in the pack's order.
pub async fn balance(app: &App, role: &Role, y: i32) -> Result<Vec<BalanceRow>, AppError> {
    let y = year(y)?;
    let totals = app.store.fund_totals(y).await?;
    let own = app.store.own_support_totals(y).await?;
    Ok(app
        .pack
        .jurisdictions
        .iter()
        .filter(|j| may_keep(role, &j.id))
        .map(|j| {
            let t = totals.get(&j.id).cloned().unwrap_or_default();
            BalanceRow {
                jurisdiction: j.id.clone(),
                jurisdiction_name: j.name.clone(),
                year: y,
                awarded: from_fen(t.awarded_fen),
                spent: from_fen(t.spent_fen),
                balance: from_fen(t.balance_fen),
                spent_by_purpose: Purpose::ALL
                    .iter()
                    .zip(t.spent_by_purpose_fen)
                    .map(|(p, f)| (p.as_str(), from_fen(f)))
                    .collect(),
                by_purpose: t
                    .spent_by_purpose_fen
                    .iter()
                    .map(|f| from_fen(*f))
                    .collect(),
                own_funded: from_fen(own.get(&j.id).copied().unwrap_or(0)),
            }
        })
        .collect())
}

/// Ledger entries of a year and jurisdiction (either optional; a county sees only its own).
pub async fn ledger(
    app: &App,
    role: &Role,
    y: Option<i32>,
    jurisdiction: Option<&str>,
) -> Result<Vec<FundEntryRow>, AppError> {
    let j = jurisdiction
        .map(|j| jurisdiction_id(&app.pack, j))
        .transpose()?;
    let j = match (role, j) {
        (Role::Admin, j) => j,
        (Role::County(c), None) => Some(c.clone()),
        (Role::County(c), Some(j)) if *c == j => Some(j),
        _ => return Err(forbidden("查看这个辖区的奖补资金台账")),
    };
    let y = y.map(year).transpose()?;
    Ok(app.store.fund_entries(y, j.as_deref()).await?)
}

/// The use report of one jurisdiction's award of a year, as .xlsx bytes: totals by purpose, every
/// entry (reversals included), own-funded support. Amounts are text with two decimals and
/// thousands separators — exact, as computed — and every total is computed exactly here.
pub async fn use_report(
    app: &App,
    role: &Role,
    y: i32,
    jurisdiction: &str,
) -> Result<(String, Vec<u8>), AppError> {
    if !matches!(role, Role::Admin | Role::County(_)) {
        return Err(forbidden("导出资金使用报告（只有工作专班和县区可以）"));
    }
    let j = jurisdiction_id(&app.pack, jurisdiction)?;
    if !may_keep(role, &j) {
        return Err(forbidden("导出这个辖区的资金使用报告"));
    }
    let y = year(y)?;
    let entries = app.store.fund_entries(Some(y), Some(&j)).await?;
    let own = app.store.own_support(Some(y), Some(&j)).await?;
    let name = jurisdiction_name(&app.pack, &j);
    let bytes = use_report_xlsx(&name, y, &entries, &own)?;
    Ok((format!("{name}{y}年度奖补资金使用报告.xlsx"), bytes))
}

fn use_report_xlsx(
    jname: &str,
    year: i32,
    entries: &[FundEntryRow],
    own: &[OwnSupportRow],
) -> Result<Vec<u8>, AppError> {
    let title = format!("{jname} {year} 年度激励奖补资金使用报告");
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_ymd(2023, 1, 1)?;
    wb.set_properties(
        &rust_xlsxwriter::DocProperties::new()
            .set_creation_datetime(&created)
            .set_title(&title),
    );
    let bold = XFormat::new().set_bold();
    let money = XFormat::new().set_align(FormatAlign::Right);
    let money_bold = XFormat::new().set_bold().set_align(FormatAlign::Right);
    let book: Vec<funds::Entry> = entries.iter().map(FundEntryRow::entry).collect();
    let t = funds::totals(&book);
    let own_entries: Vec<funds::OwnEntry> = own.iter().map(OwnSupportRow::entry).collect();
    let own_total = funds::own_total(&own_entries);

    let ws = wb.add_worksheet();
    ws.set_name("使用情况")?;
    ws.set_column_width(0, 28.0)?;
    ws.set_column_width(1, 18.0)?;
    ws.write_string_with_format(0, 0, &title, &bold)?;
    ws.write_string(1, 0, funds::ARTICLE_19)?;
    let mut row = 3u32;
    for (label, fen) in [
        ("奖补入账（元）", t.awarded_fen),
        ("已支出（元）", t.spent_fen),
        ("余额（元）", t.balance_fen),
    ] {
        ws.write_string_with_format(row, 0, label, &bold)?;
        ws.write_string_with_format(row, 1, yuan(from_fen(fen)), &money_bold)?;
        row += 1;
    }
    row += 1;
    ws.write_string_with_format(row, 0, "分用途支出（第19条限定用途）", &bold)?;
    ws.write_string_with_format(row, 1, "金额（元）", &bold)?;
    row += 1;
    for (p, fen) in Purpose::ALL.iter().zip(t.spent_by_purpose_fen) {
        ws.write_string(row, 0, p.label())?;
        ws.write_string_with_format(row, 1, yuan(from_fen(fen)), &money)?;
        row += 1;
    }
    ws.write_string_with_format(row, 0, "合计", &bold)?;
    ws.write_string_with_format(row, 1, yuan(from_fen(t.spent_fen)), &money_bold)?;
    row += 2;
    ws.write_string_with_format(row, 0, "自筹支持（不计入奖补余额）（元）", &bold)?;
    ws.write_string_with_format(row, 1, yuan(from_fen(own_total)), &money_bold)?;

    let ws = wb.add_worksheet();
    ws.set_name("分录")?;
    let headers = [
        ("序号", 6.0),
        ("日期", 12.0),
        ("类型", 10.0),
        ("金额（元）", 16.0),
        ("用途", 22.0),
        ("项目", 36.0),
        ("收款单位", 28.0),
        ("文号", 20.0),
        ("附件", 20.0),
        ("冲销分录", 10.0),
        ("余额（元）", 16.0),
        ("说明", 30.0),
        ("记账人", 14.0),
    ];
    for (c, (h, w)) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
        ws.set_column_width(c as u16, *w)?;
    }
    let seq_of = |id: i64| {
        entries
            .iter()
            .find(|e| e.id == id)
            .map_or(String::new(), |e| format!("第 {} 笔", e.seq))
    };
    for (i, e) in entries.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, e.seq.to_string())?;
        ws.write_string(r, 1, e.date.to_string())?;
        ws.write_string(r, 2, e.kind.label())?;
        ws.write_string_with_format(r, 3, yuan(from_fen(e.amount_fen)), &money)?;
        ws.write_string(r, 4, e.purpose.map_or("", Purpose::label))?;
        ws.write_string(r, 5, &e.project)?;
        ws.write_string(r, 6, &e.recipient)?;
        ws.write_string(r, 7, &e.document_no)?;
        ws.write_string(r, 8, e.attachment.as_deref().unwrap_or(""))?;
        ws.write_string(r, 9, e.reverses.map(seq_of).unwrap_or_default())?;
        ws.write_string_with_format(r, 10, yuan(from_fen(e.balance_after_fen)), &money)?;
        ws.write_string(r, 11, &e.note)?;
        ws.write_string(r, 12, &e.recorded_by)?;
    }
    ws.set_freeze_panes(1, 0)?;

    let ws = wb.add_worksheet();
    ws.set_name("自筹支持")?;
    for (c, (h, w)) in [
        ("编号", 8.0),
        ("日期", 12.0),
        ("金额（元）", 16.0),
        ("用途", 22.0),
        ("项目", 36.0),
        ("文号", 20.0),
        ("冲销", 10.0),
        ("说明", 30.0),
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
        ws.set_column_width(c as u16, *w)?;
    }
    for (i, o) in own.iter().enumerate() {
        let r = i as u32 + 1;
        let signed = if o.reverses.is_some() {
            -o.amount_fen
        } else {
            o.amount_fen
        };
        ws.write_string(r, 0, o.id.to_string())?;
        ws.write_string(r, 1, o.date.to_string())?;
        ws.write_string_with_format(r, 2, yuan(from_fen(signed)), &money)?;
        ws.write_string(r, 3, o.purpose.map_or("", Purpose::label))?;
        ws.write_string(r, 4, &o.project)?;
        ws.write_string(r, 5, &o.document_no)?;
        ws.write_string(
            r,
            6,
            o.reverses.map_or(String::new(), |id| format!("冲销 {id}")),
        )?;
        ws.write_string(r, 7, &o.note)?;
    }
    Ok(wb.save_to_buffer()?)
}
