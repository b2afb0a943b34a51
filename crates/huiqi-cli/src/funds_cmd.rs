//! `huiqi funds …`: the incentive-fund ledger of article 19 — awards credited, spending on the
//! article's purposes only and within the balance, reversals, own-funded support, balances, the
//! use report per county. The command line speaks for the working group (`huiqi_app::funds`).

use std::process::ExitCode;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::{Subcommand, ValueEnum};
use huiqi_app::App;
use huiqi_app::accounts::Role;
use huiqi_app::funds::{self, BalanceRow, Details};
use huiqi_assess::funds::Purpose;
use huiqi_assess::money::{from_fen, yuan};
use huiqi_policy::Pack;
use huiqi_store::funds::FundEntryRow;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::common::runtime;
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

fn name(pack: &Pack, id: &str) -> String {
    pack.jurisdiction(id)
        .map_or(id.to_string(), |j| j.name.clone())
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
    runtime()?.block_on(async {
        let url = huiqi_store::database_url_from_env();
        let app = App::open(&url, None)
            .await
            .with_context(|| format!("无法打开数据库 {}", huiqi_app::redact_url(&url)))?;
        let admin = Role::Admin;
        let pack = &app.pack;
        match cmd {
            FundsCmd::Award {
                year,
                jurisdiction,
                amount,
                date,
                document,
                assessment,
                by,
            } => {
                let details = Details {
                    document_no: document.unwrap_or_default(),
                    assessment_id: assessment,
                    ..Details::default()
                };
                let e = funds::award(
                    &app,
                    &admin,
                    &by,
                    &jurisdiction,
                    year,
                    date,
                    amount,
                    details,
                )
                .await?;
                println!("已入账。{}", describe(pack, &e));
            }
            FundsCmd::Spend {
                year,
                jurisdiction,
                purpose,
                amount,
                date,
                project,
                document,
                recipient,
                attachment,
                by,
            } => {
                let details = Details {
                    project: project.unwrap_or_default(),
                    recipient: recipient.unwrap_or_default(),
                    document_no: document.unwrap_or_default(),
                    attachment,
                    assessment_id: None,
                };
                let e = funds::spend(
                    &app,
                    &admin,
                    &by,
                    &jurisdiction,
                    year,
                    date,
                    amount,
                    &purpose,
                    details,
                )
                .await?;
                println!("已记支出。{}", describe(pack, &e));
            }
            FundsCmd::Reverse {
                entry,
                date,
                reason,
                by,
            } => {
                let e = funds::reverse(&app, &admin, &by, entry, date, &reason).await?;
                println!("已冲销分录 {entry}。{}", describe(pack, &e));
            }
            FundsCmd::Own {
                year,
                jurisdiction,
                amount,
                date,
                project,
                purpose,
                document,
                by,
            } => {
                let details = Details {
                    project,
                    document_no: document.unwrap_or_default(),
                    ..Details::default()
                };
                let r = funds::own_support(
                    &app,
                    &admin,
                    &by,
                    &jurisdiction,
                    year,
                    date,
                    amount,
                    purpose.as_deref(),
                    details,
                )
                .await?;
                println!(
                    "已记录自筹支持（编号 {}）：{} {} 年度 {} 元，项目“{}”",
                    r.id,
                    name(pack, &r.jurisdiction),
                    r.year,
                    yuan(from_fen(r.amount_fen)),
                    r.project
                );
            }
            FundsCmd::Balance { year, format } => {
                let rows = funds::balance(&app, &admin, year).await?;
                match format {
                    Format::Json => println!("{}", serde_json::to_string_pretty(&rows)?),
                    Format::Table => print_balance(year, &rows),
                }
            }
            FundsCmd::Report {
                year,
                jurisdiction,
                output,
            } => {
                let (title, bytes) = funds::use_report(&app, &admin, year, &jurisdiction).await?;
                std::fs::write(&output, bytes)
                    .with_context(|| format!("无法写入 {}", output.display()))?;
                println!(
                    "已写出《{}》：{}",
                    title.trim_end_matches(".xlsx"),
                    output.display()
                );
            }
            FundsCmd::Ledger {
                year,
                jurisdiction,
                format,
            } => {
                let entries = funds::ledger(&app, &admin, year, jurisdiction.as_deref()).await?;
                print_ledger(pack, &entries, format)?;
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn print_ledger(pack: &Pack, entries: &[FundEntryRow], format: Format) -> Result<()> {
    let rows: Vec<LedgerRow> = entries
        .iter()
        .map(|e| LedgerRow {
            id: e.id,
            jurisdiction: &e.jurisdiction,
            year: e.year,
            seq: e.seq,
            date: e.date,
            kind: e.kind.as_str(),
            amount: from_fen(e.amount_fen),
            purpose: e.purpose.map(Purpose::as_str),
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
                        name(pack, &e.jurisdiction),
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
    Ok(())
}

fn print_balance(year: i32, rows: &[BalanceRow]) {
    let mut headers = vec!["辖区", "奖补（元）", "已支出（元）", "余额（元）"];
    headers.extend(Purpose::ALL.iter().map(|p| p.label()));
    headers.push("自筹支持（元）");
    let money = yuan;
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
