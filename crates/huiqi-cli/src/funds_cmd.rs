//! `huiqi funds …`: the incentive-fund ledger of article 19 — awards credited, spending on the
//! article's purposes only and within the balance, reversals, own-funded support, balances.
//! (Opens the store directly like the other commands; moves to huiqi-app with the core refactor.)

use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use chrono::NaiveDate;
use clap::{Subcommand, ValueEnum};
use huiqi_assess::funds::{self, Purpose};
use huiqi_assess::money::{from_fen, yuan};
use huiqi_ingest::Counties;
use huiqi_policy::Pack;
use huiqi_store::funds::{FundDetails, FundEntryRow};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::registry_cmd::{open_store, runtime};
use crate::table;

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Subcommand)]
pub enum FundsCmd {
    /// 奖补入账：某辖区某年度的激励奖补（每年度一笔；更正须先冲销）
    Award {
        #[arg(long)]
        year: i32,
        /// 辖区代码或名称（如 341502、金安区；开发区为 luan-etdz）
        #[arg(long)]
        jurisdiction: String,
        /// 金额（元，最多两位小数）
        #[arg(long)]
        amount: Decimal,
        /// 入账日期 YYYY-MM-DD
        #[arg(long)]
        date: NaiveDate,
        /// 文号
        #[arg(long)]
        document: Option<String>,
        /// 考核结果编号（奖补所依据的考核）
        #[arg(long)]
        assessment: Option<i64>,
        #[arg(long, default_value = "工作专班")]
        by: String,
    },
    /// 支出：只能用于第19条限定的用途，不得超出余额
    Spend {
        #[arg(long)]
        year: i32,
        #[arg(long)]
        jurisdiction: String,
        /// 用途：public_service_platform、startup_coaching、entrepreneur_training、zjtx_support、insurance_subsidy
        #[arg(long)]
        purpose: String,
        #[arg(long)]
        amount: Decimal,
        #[arg(long)]
        date: NaiveDate,
        /// 项目名称
        #[arg(long)]
        project: Option<String>,
        /// 文号
        #[arg(long)]
        document: Option<String>,
        /// 收款单位
        #[arg(long)]
        recipient: Option<String>,
        /// 附件（文件名）
        #[arg(long)]
        attachment: Option<String>,
        #[arg(long, default_value = "工作专班")]
        by: String,
    },
    /// 冲销一笔分录（更正的唯一方式；分录不能修改或删除）
    Reverse {
        /// 分录编号（见 huiqi funds ledger）
        #[arg(long)]
        entry: i64,
        #[arg(long)]
        date: NaiveDate,
        #[arg(long)]
        reason: String,
        #[arg(long, default_value = "工作专班")]
        by: String,
    },
    /// 自筹支持：未获激励的县区自行安排的资金（单独记录，不计入奖补余额）
    Own {
        #[arg(long)]
        year: i32,
        #[arg(long)]
        jurisdiction: String,
        #[arg(long)]
        amount: Decimal,
        #[arg(long)]
        date: NaiveDate,
        #[arg(long)]
        project: String,
        /// 用途（可选，同第19条的用途）
        #[arg(long)]
        purpose: Option<String>,
        #[arg(long)]
        document: Option<String>,
        #[arg(long, default_value = "工作专班")]
        by: String,
    },
    /// 余额：各辖区某年度奖补、已支出、余额、分用途支出与自筹支持
    Balance {
        #[arg(long)]
        year: i32,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// 资金使用报告（.xlsx）：某辖区某年度奖补的入账、分用途支出、余额、全部分录与自筹支持
    Report {
        #[arg(long)]
        year: i32,
        #[arg(long)]
        jurisdiction: String,
        /// 输出文件（.xlsx）
        #[arg(long)]
        output: std::path::PathBuf,
    },
    /// 台账：全部分录（含冲销），可按辖区筛选
    Ledger {
        #[arg(long)]
        year: Option<i32>,
        #[arg(long)]
        jurisdiction: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

fn pack() -> Result<Pack> {
    huiqi_policy::builtin::default_pack().map_err(|e| anyhow!("内置政策包无法加载：{e}"))
}

/// A jurisdiction id from an id or a Chinese name.
fn jurisdiction(pack: &Pack, given: &str) -> Result<String> {
    let counties = Counties::from_pack(pack);
    counties.resolve(given).map(str::to_string).ok_or_else(|| {
        anyhow!(
            "没有辖区“{given}”：请填写辖区代码或名称，可选：{}",
            counties.describe()
        )
    })
}

fn name(pack: &Pack, id: &str) -> String {
    pack.jurisdiction(id)
        .map_or(id.to_string(), |j| j.name.clone())
}

fn year_ok(year: i32) -> Result<i32> {
    if (2000..=2100).contains(&year) {
        Ok(year)
    } else {
        Err(anyhow!("年度 {year} 无效：请写四位年份，如 2023"))
    }
}

fn describe(pack: &Pack, e: &FundEntryRow) -> String {
    format!(
        "分录 {}：{} {} 年度第 {} 笔，{} {} 元{}，余额 {} 元",
        e.id,
        name(pack, &e.jurisdiction),
        e.year,
        e.seq,
        e.kind.label(),
        yuan(from_fen(e.amount_fen)),
        e.purpose
            .map(|p| format!("（用途：{}）", p.label()))
            .unwrap_or_default(),
        yuan(from_fen(e.balance_after_fen)),
    )
}

#[derive(Serialize)]
struct BalanceRow {
    jurisdiction: String,
    jurisdiction_name: String,
    year: i32,
    awarded: Decimal,
    spent: Decimal,
    balance: Decimal,
    /// Purpose id → amount spent on it (net of reversals).
    spent_by_purpose: std::collections::BTreeMap<&'static str, Decimal>,
    /// The same in the order of article 19, for the table.
    #[serde(skip)]
    by_purpose: [Decimal; 5],
    own_funded: Decimal,
}

#[derive(Serialize)]
struct LedgerRow<'a> {
    id: i64,
    jurisdiction: &'a str,
    year: i32,
    seq: i64,
    date: NaiveDate,
    kind: &'static str,
    amount: Decimal,
    purpose: Option<&'static str>,
    project: &'a str,
    recipient: &'a str,
    document: &'a str,
    attachment: Option<&'a str>,
    reverses: Option<i64>,
    balance_after: Decimal,
    note: &'a str,
    recorded_by: &'a str,
}

pub fn run(cmd: FundsCmd) -> Result<ExitCode> {
    let pack = pack()?;
    // Everything the rules can check without the database is checked before opening it.
    runtime()?.block_on(async {
        match cmd {
            FundsCmd::Award {
                year,
                jurisdiction: j,
                amount,
                date,
                document,
                assessment,
                by,
            } => {
                let (year, j) = (year_ok(year)?, jurisdiction(&pack, &j)?);
                let fen = funds::amount_fen(amount)?;
                let store = store().await?;
                let details = FundDetails {
                    document_no: document.unwrap_or_default(),
                    assessment_id: assessment,
                    recorded_by: by,
                    ..FundDetails::default()
                };
                let e = store.fund_award(&j, year, date, fen, &details).await?;
                println!("已入账。{}", describe(&pack, &e));
            }
            FundsCmd::Spend {
                year,
                jurisdiction: j,
                purpose,
                amount,
                date,
                project,
                document,
                recipient,
                attachment,
                by,
            } => {
                let purpose = Purpose::parse(&purpose)?;
                let (year, j) = (year_ok(year)?, jurisdiction(&pack, &j)?);
                let fen = funds::amount_fen(amount)?;
                let store = store().await?;
                let details = FundDetails {
                    project: project.unwrap_or_default(),
                    recipient: recipient.unwrap_or_default(),
                    document_no: document.unwrap_or_default(),
                    attachment,
                    recorded_by: by,
                    ..FundDetails::default()
                };
                let e = store
                    .fund_spend(&j, year, date, fen, purpose, &details)
                    .await?;
                println!("已记支出。{}", describe(&pack, &e));
            }
            FundsCmd::Reverse {
                entry,
                date,
                reason,
                by,
            } => {
                let store = store().await?;
                let e = store.fund_reverse(entry, date, &reason, &by).await?;
                println!("已冲销分录 {entry}。{}", describe(&pack, &e));
            }
            FundsCmd::Own {
                year,
                jurisdiction: j,
                amount,
                date,
                project,
                purpose,
                document,
                by,
            } => {
                let purpose = purpose.as_deref().map(Purpose::parse).transpose()?;
                let (year, j) = (year_ok(year)?, jurisdiction(&pack, &j)?);
                let fen = funds::amount_fen(amount)?;
                let store = store().await?;
                let details = FundDetails {
                    project,
                    document_no: document.unwrap_or_default(),
                    recorded_by: by,
                    ..FundDetails::default()
                };
                let r = store
                    .own_support_add(&j, year, date, fen, purpose, &details)
                    .await?;
                println!(
                    "已记录自筹支持（编号 {}）：{} {} 年度 {} 元，项目“{}”",
                    r.id,
                    name(&pack, &j),
                    year,
                    yuan(from_fen(r.amount_fen)),
                    r.project
                );
            }
            FundsCmd::Balance { year, format } => {
                let year = year_ok(year)?;
                let store = store().await?;
                let totals = store.fund_totals(year).await?;
                let own = store.own_support_totals(year).await?;
                let rows: Vec<BalanceRow> = pack
                    .jurisdictions
                    .iter()
                    .map(|j| {
                        let t = totals.get(&j.id).cloned().unwrap_or_default();
                        BalanceRow {
                            jurisdiction: j.id.clone(),
                            jurisdiction_name: j.name.clone(),
                            year,
                            awarded: from_fen(t.awarded_fen),
                            spent: from_fen(t.spent_fen),
                            balance: from_fen(t.balance_fen),
                            spent_by_purpose: Purpose::ALL
                                .iter()
                                .zip(t.spent_by_purpose_fen)
                                .map(|(p, f)| (p.id(), from_fen(f)))
                                .collect(),
                            by_purpose: t.spent_by_purpose_fen.map(from_fen),
                            own_funded: from_fen(own.get(&j.id).copied().unwrap_or(0)),
                        }
                    })
                    .collect();
                match format {
                    Format::Json => println!("{}", serde_json::to_string_pretty(&rows)?),
                    Format::Table => print_balance(year, &rows),
                }
            }
            FundsCmd::Report {
                year,
                jurisdiction: j,
                output,
            } => {
                let (year, j) = (year_ok(year)?, jurisdiction(&pack, &j)?);
                let store = store().await?;
                let entries = store.fund_entries(Some(year), Some(&j)).await?;
                let own = store.own_support(Some(year), Some(&j)).await?;
                let bytes = use_report_xlsx(&pack, &j, year, &entries, &own)?;
                std::fs::write(&output, bytes)
                    .with_context(|| format!("无法写入 {}", output.display()))?;
                println!(
                    "已写出 {} {} 年度奖补资金使用报告：{}（{} 笔分录，{} 笔自筹支持）",
                    name(&pack, &j),
                    year,
                    output.display(),
                    entries.len(),
                    own.len()
                );
            }
            FundsCmd::Ledger {
                year,
                jurisdiction: j,
                format,
            } => {
                let j = j.map(|j| jurisdiction(&pack, &j)).transpose()?;
                let store = store().await?;
                let entries = store.fund_entries(year, j.as_deref()).await?;
                let rows: Vec<LedgerRow> = entries
                    .iter()
                    .map(|e| LedgerRow {
                        id: e.id,
                        jurisdiction: &e.jurisdiction,
                        year: e.year,
                        seq: e.seq,
                        date: e.date,
                        kind: e.kind.id(),
                        amount: from_fen(e.amount_fen),
                        purpose: e.purpose.map(Purpose::id),
                        project: &e.project,
                        recipient: &e.recipient,
                        document: &e.document_no,
                        attachment: e.attachment.as_deref(),
                        reverses: e.reverses,
                        balance_after: from_fen(e.balance_after_fen),
                        note: &e.note,
                        recorded_by: &e.recorded_by,
                    })
                    .collect();
                match format {
                    Format::Json => println!("{}", serde_json::to_string_pretty(&rows)?),
                    Format::Table => {
                        let cells: Vec<Vec<String>> = entries
                            .iter()
                            .map(|e| {
                                vec![
                                    e.id.to_string(),
                                    name(&pack, &e.jurisdiction),
                                    e.year.to_string(),
                                    e.seq.to_string(),
                                    e.date.to_string(),
                                    e.kind.label().into(),
                                    yuan(from_fen(e.amount_fen)),
                                    e.purpose.map_or("", Purpose::label).into(),
                                    e.project.clone(),
                                    e.document_no.clone(),
                                    e.reverses.map_or(String::new(), |r| format!("冲销 {r}")),
                                    yuan(from_fen(e.balance_after_fen)),
                                ]
                            })
                            .collect();
                        print!(
                            "{}",
                            table::render(
                                &[
                                    "编号",
                                    "辖区",
                                    "年度",
                                    "序号",
                                    "日期",
                                    "类型",
                                    "金额（元）",
                                    "用途",
                                    "项目",
                                    "文号",
                                    "冲销",
                                    "余额（元）",
                                ],
                                &cells
                            )
                        );
                        println!("共 {} 笔分录", entries.len());
                    }
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

async fn store() -> Result<huiqi_store::Store> {
    let store = open_store().await?;
    store.migrate().await.context("数据库迁移失败")?;
    Ok(store)
}

fn print_balance(year: i32, rows: &[BalanceRow]) {
    let mut headers = vec!["辖区", "奖补（元）", "已支出（元）", "余额（元）"];
    headers.extend(Purpose::ALL.iter().map(|p| p.label()));
    headers.push("自筹支持（元）");
    let money = |d: Decimal| yuan(d);
    let mut cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut c = vec![
                r.jurisdiction_name.clone(),
                money(r.awarded),
                money(r.spent),
                money(r.balance),
            ];
            c.extend(r.by_purpose.iter().map(|d| money(*d)));
            c.push(money(r.own_funded));
            c
        })
        .collect();
    let sum = |f: &dyn Fn(&BalanceRow) -> Decimal| money(rows.iter().map(f).sum());
    let mut total = vec![
        "合计".to_string(),
        sum(&|r| r.awarded),
        sum(&|r| r.spent),
        sum(&|r| r.balance),
    ];
    total.extend((0..Purpose::ALL.len()).map(|i| sum(&|r: &BalanceRow| r.by_purpose[i])));
    total.push(sum(&|r| r.own_funded));
    cells.push(total);
    println!("{year} 年度激励奖补资金（第19条：仅限限定用途，不得挪作他用）");
    print!("{}", table::render(&headers, &cells));
}

/// The use report of one jurisdiction's award of a year, as .xlsx bytes: totals by purpose, every
/// entry (reversals included), own-funded support. Amounts are written as text with two decimals
/// and thousands separators — exact, as computed — and every total is computed exactly here.
pub fn use_report_xlsx(
    pack: &Pack,
    jurisdiction: &str,
    year: i32,
    entries: &[FundEntryRow],
    own: &[huiqi_store::funds::OwnSupportRow],
) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{ExcelDateTime, Format as XFormat, FormatAlign, Workbook};
    let jname = name(pack, jurisdiction);
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
    let own_entries: Vec<funds::OwnEntry> = own.iter().map(|o| o.entry()).collect();
    let own_total = funds::own_total(&own_entries);

    let ws = wb.add_worksheet();
    ws.set_name("使用情况")?;
    ws.set_column_width(0, 28.0)?;
    ws.set_column_width(1, 18.0)?;
    ws.write_string_with_format(0, 0, &title, &bold)?;
    ws.write_string(1, 0, funds::ARTICLE_19)?;
    let summary = [
        ("奖补入账（元）", t.awarded_fen),
        ("已支出（元）", t.spent_fen),
        ("余额（元）", t.balance_fen),
    ];
    let mut row = 3u32;
    for (label, fen) in summary {
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
        ws.write_string(r, 0, o.id.to_string())?;
        ws.write_string(r, 1, o.date.to_string())?;
        let signed = if o.reverses.is_some() {
            -o.amount_fen
        } else {
            o.amount_fen
        };
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
