//! `huiqi arrears …` (清欠, article 14): the due date and late interest of a payment under the
//! payment regulation (pinned by issue 15: other tools call them), the YAML cases, and the
//! disclosure of 机关、事业单位 payers from the registry of complaints.

use std::process::ExitCode;
use std::str::FromStr;

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use clap::{Subcommand, ValueEnum};
use huiqi_app::App;
use huiqi_app::accounts::Role;
use huiqi_app::arrears;
use huiqi_arrears::league::GroupBy;
use huiqi_arrears::{DueInput, InterestInput, Params, PayerKind, cases, money::yuan};

use crate::common::runtime;
use crate::table;
use rust_decimal::Decimal;

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Subcommand)]
pub enum ArrearsCmd {
    /// 付款到期日：按合同订立日适用的条例版本、付款方类型、交付／验收／结算日与约定期限
    Due {
        /// 付款方类型：government 机关、public_institution 事业单位、large_enterprise 大型企业、other 其他
        #[arg(long)]
        payer: String,
        /// 合同订立日期 YYYY-MM-DD（决定适用第728号或第802号令）
        #[arg(long = "contract-date", value_parser = date)]
        contract_date: NaiveDate,
        /// 交付日期 YYYY-MM-DD
        #[arg(long, value_parser = date)]
        delivered: NaiveDate,
        /// 验收合格日期 YYYY-MM-DD（合同以验收合格为付款条件时）
        #[arg(long, value_parser = date)]
        accepted: Option<NaiveDate>,
        /// 约定验收期限（交付后天数）：迟延验收的，自期限届满之日起算
        #[arg(long = "acceptance-days", value_parser = days)]
        acceptance_days: Option<u32>,
        /// 约定付款期限（天）
        #[arg(long = "agreed-days", value_parser = days)]
        agreed_days: Option<u32>,
        /// 定期结算：双方确认结算金额的日期 YYYY-MM-DD
        #[arg(long, value_parser = date)]
        settled: Option<NaiveDate>,
        /// 合同以第三方付款作为付款条件（背靠背）
        #[arg(long = "third-party-condition")]
        third_party_condition: bool,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// 逾期利息：逾期天数 × 日利率（约定年利率 ÷ 365，不低于订立时 1 年期 LPR；未约定的万分之五）
    Interest {
        /// 逾期未付金额（元，最多两位小数）
        #[arg(long, allow_hyphen_values = true)]
        amount: String,
        /// 到期日 YYYY-MM-DD
        #[arg(long, value_parser = date)]
        due: NaiveDate,
        /// 付款日（未付的，填计算截止日）YYYY-MM-DD
        #[arg(long, value_parser = date)]
        paid: NaiveDate,
        /// 约定的逾期利息年利率（百分数，3.45 即年利率 3.45%）；不填按每日万分之五
        #[arg(long = "agreed-rate", allow_hyphen_values = true)]
        agreed_rate: Option<String>,
        /// 合同订立日期 YYYY-MM-DD（决定条例版本与 LPR）
        #[arg(long = "contract-date", value_parser = date)]
        contract_date: NaiveDate,
        /// 交付日期 YYYY-MM-DD（填写时，早于交付日的付款日报错）
        #[arg(long, value_parser = date)]
        delivered: Option<NaiveDate>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// 运行清欠 YAML 用例（默认：内置 policies/cn/arrears/cases.yaml）
    Test { file: Option<std::path::PathBuf> },
    /// 年度披露：各机关、事业单位上一年度逾期未支付中小企业款项的合同数量与金额（3月31日前公开）
    Disclosure {
        /// 披露的年度（如 2024：于 2025 年 3 月 31 日前公开）
        #[arg(long)]
        year: i32,
        #[arg(long, value_enum, default_value_t = TableFormat::Table)]
        format: TableFormat,
        /// xlsx 的输出文件（默认：当前目录下 清欠披露-<年度>.xlsx）
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// 付款方排行：付款天数分档（30日内、31–60、61–90、90日以上，按笔数与金额）、平均付款天数、逾期利息
    League {
        /// 分组：payer 付款方、unit 主管部门、county 县区
        #[arg(long, default_value = "payer")]
        by: String,
        /// 计算截止日（默认：今天）
        #[arg(long, value_parser = date)]
        at: Option<NaiveDate>,
        #[arg(long, value_enum, default_value_t = TableFormat::Table)]
        format: TableFormat,
    },
    /// 投诉案件：状态、期限、是否逾期上报工作专班
    Cases {
        /// 计算截止日（默认：今天）
        #[arg(long, value_parser = date)]
        at: Option<NaiveDate>,
        #[arg(long, value_enum, default_value_t = TableFormat::Table)]
        format: TableFormat,
    },
    /// 载入清欠演示数据：约 260 份合同与付款、24 件处于各环节的投诉（债权企业取自企业库）
    SeedDemo {
        /// 以哪一天为“今天”（默认：今天）
        #[arg(long, value_parser = date)]
        at: Option<NaiveDate>,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableFormat {
    Table,
    Json,
    Xlsx,
}

async fn open() -> Result<App> {
    let url = huiqi_store::database_url_from_env();
    App::open(&url, None)
        .await
        .with_context(|| format!("无法打开数据库 {}", huiqi_app::redact_url(&url)))
}

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

fn date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("“{s}”不是日期：请写成 YYYY-MM-DD，如 2024-01-31"))
}

fn days(s: &str) -> Result<u32, String> {
    s.trim()
        .parse::<u32>()
        .ok()
        .filter(|&n| n <= 3650)
        .ok_or_else(|| format!("“{s}”不是天数：请填 0 到 3650 之间的整数"))
}

/// An amount or rate as typed: thousands separators and a trailing 元 or % are accepted.
fn decimal(what: &str, s: &str) -> Result<Decimal> {
    let t = s.trim().replace([',', '，'], "");
    let t = t.trim_end_matches(['元', '%']);
    match Decimal::from_str(t) {
        Ok(v) => Ok(v),
        Err(_) => bail!("{what}“{s}”不是数字：请填写如 1000000 或 1,000,000.00"),
    }
}

pub fn run(cmd: ArrearsCmd) -> Result<ExitCode> {
    let params = Params::builtin();
    match cmd {
        ArrearsCmd::Due {
            payer,
            contract_date,
            delivered,
            accepted,
            acceptance_days,
            agreed_days,
            settled,
            third_party_condition,
            format,
        } => {
            let payer = PayerKind::parse_or_explain(&payer)?;
            let r = huiqi_arrears::due(
                &params,
                &DueInput {
                    payer: Some(payer),
                    contract_date: Some(contract_date),
                    delivered: Some(delivered),
                    accepted,
                    acceptance_days,
                    agreed_days,
                    settled,
                    third_party_condition,
                },
            )?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&r)?),
                Format::Text => {
                    match r.due {
                        Some(d) => println!("到期日：{d}"),
                        None => println!("到期日：无法计算"),
                    }
                    println!("适用：{}", r.regulation);
                    println!("说明：{}", r.reason);
                    for f in &r.flags {
                        let kind = if f.forbidden {
                            "禁止条款"
                        } else {
                            "提示"
                        };
                        println!("{kind}：{}（{}）", f.text, f.reference);
                    }
                    println!("计算过程：");
                    for t in &r.trace {
                        println!("  {t}");
                    }
                }
            }
        }
        ArrearsCmd::Interest {
            amount,
            due,
            paid,
            agreed_rate,
            contract_date,
            delivered,
            format,
        } => {
            let amount = decimal("金额", &amount)?;
            let agreed_rate = match agreed_rate {
                Some(r) => Some(decimal("约定年利率", &r)?),
                None => None,
            };
            let r = huiqi_arrears::interest(
                &params,
                &InterestInput {
                    amount,
                    due,
                    paid,
                    agreed_rate,
                    contract_date,
                    delivered,
                },
            )?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&r)?),
                Format::Text => {
                    println!("逾期天数：{} 日", r.overdue_days);
                    println!("日利率：{}", r.daily_rate);
                    println!("逾期利息：{} 元", yuan(r.interest));
                    println!("说明：{}", r.reason);
                    println!("计算过程：");
                    for t in &r.trace {
                        println!("  {t}");
                    }
                }
            }
        }
        ArrearsCmd::Test { file } => {
            let (label, text) = match &file {
                Some(p) => (
                    p.display().to_string(),
                    std::fs::read_to_string(p).map_err(|e| {
                        anyhow::anyhow!("无法读取 {}：{e}（须为 UTF-8 编码的 YAML）", p.display())
                    })?,
                ),
                None => (
                    "内置:cn/arrears/cases.yaml".to_string(),
                    cases::BUILTIN_YAML.to_string(),
                ),
            };
            let all = cases::parse(&label, &text)?;
            let failures = cases::run_all(&params, &all);
            for (name, why) in &failures {
                println!("不通过：{name}：{why}");
            }
            println!(
                "{label}：{} 个用例，通过 {}，不通过 {}",
                all.len(),
                all.len() - failures.len(),
                failures.len()
            );
            if !failures.is_empty() {
                return Ok(ExitCode::FAILURE);
            }
        }
        ArrearsCmd::Disclosure {
            year,
            format,
            output,
        } => {
            let d = runtime()?.block_on(async {
                let app = open().await?;
                anyhow::Ok(arrears::disclosure(&app, year).await?)
            })?;
            match format {
                TableFormat::Json => println!("{}", serde_json::to_string_pretty(&d)?),
                TableFormat::Xlsx => {
                    let path =
                        output.unwrap_or_else(|| PathBuf::from(format!("清欠披露-{year}.xlsx")));
                    std::fs::write(&path, arrears::disclosure_xlsx(&d, today())?)
                        .with_context(|| format!("无法写入 {}", path.display()))?;
                    println!(
                        "已写出 {}：{} 个付款方，逾期合同 {} 笔，逾期金额 {} 元",
                        path.display(),
                        d.rows.len(),
                        d.total_count,
                        yuan(d.total_amount)
                    );
                }
                TableFormat::Table => {
                    println!(
                        "{} 年度机关、事业单位逾期未支付中小企业款项（{} 前公开）",
                        d.year, d.publish_by
                    );
                    let rows: Vec<Vec<String>> = d
                        .rows
                        .iter()
                        .map(|l| {
                            vec![
                                l.row.payer_name.clone(),
                                l.kind_label.to_string(),
                                l.supervising_unit_name.clone(),
                                l.county_name.clone(),
                                l.row.overdue_count.to_string(),
                                yuan(l.row.overdue_amount),
                                yuan(l.row.unpaid_at_year_end),
                            ]
                        })
                        .chain(std::iter::once(vec![
                            "合计".into(),
                            String::new(),
                            String::new(),
                            String::new(),
                            d.total_count.to_string(),
                            yuan(d.total_amount),
                            yuan(d.total_unpaid),
                        ]))
                        .collect();
                    print!(
                        "{}",
                        table::render(
                            &[
                                "付款方",
                                "类型",
                                "主管部门",
                                "县区",
                                "逾期笔数",
                                "逾期金额（元）",
                                "年末仍欠（元）"
                            ],
                            &rows
                        )
                    );
                    println!("依据：{}", d.basis);
                }
            }
        }
        ArrearsCmd::League { by, at, format } => {
            let Some(by) = GroupBy::parse_any(&by) else {
                bail!("分组“{by}”无法识别：可选 {}", GroupBy::ids());
            };
            let at = at.unwrap_or_else(today);
            let l = runtime()?.block_on(async {
                let app = open().await?;
                anyhow::Ok(arrears::league_table(&app, &Role::Admin, by, at).await?)
            })?;
            match format {
                TableFormat::Json => println!("{}", serde_json::to_string_pretty(&l)?),
                TableFormat::Xlsx => bail!("排行暂不支持 xlsx：请用 --format table 或 json"),
                TableFormat::Table => {
                    println!(
                        "付款方排行（按{}，截至 {at}；付款天数自交付、验收或结算确认日起算）",
                        by.label()
                    );
                    let rows: Vec<Vec<String>> = l
                        .rows
                        .iter()
                        .map(|r| {
                            let mut v = vec![
                                r.name.clone(),
                                r.row.contracts.to_string(),
                                r.row.average_days.map_or("—".into(), |d| d.to_string()),
                            ];
                            for b in 0..4 {
                                v.push(format!(
                                    "{}%／{}%",
                                    r.row.bucket_share_count[b], r.row.bucket_share_value[b]
                                ));
                            }
                            v.push(yuan(r.row.overdue_now));
                            v.push(yuan(r.row.interest));
                            v
                        })
                        .collect();
                    print!(
                        "{}",
                        table::render(
                            &[
                                "名称",
                                "合同数",
                                "平均付款天数",
                                "30日内(笔/额)",
                                "31–60日",
                                "61–90日",
                                "90日以上",
                                "逾期未付（元）",
                                "逾期利息（元）"
                            ],
                            &rows
                        )
                    );
                }
            }
        }
        ArrearsCmd::Cases { at, format } => {
            let at = at.unwrap_or_else(today);
            let cases = runtime()?.block_on(async {
                let app = open().await?;
                anyhow::Ok(arrears::cases(&app, &Role::Admin, at).await?)
            })?;
            match format {
                TableFormat::Json => println!("{}", serde_json::to_string_pretty(&cases)?),
                TableFormat::Xlsx => bail!("案件列表暂不支持 xlsx：请用 --format table 或 json"),
                TableFormat::Table => {
                    let rows: Vec<Vec<String>> = cases
                        .iter()
                        .map(|c| {
                            vec![
                                c.id.to_string(),
                                c.creditor_name.clone(),
                                c.debtor_name.clone(),
                                c.state.label().to_string(),
                                yuan(c.outstanding),
                                yuan(c.interest),
                                c.escalated.clone().unwrap_or_default(),
                            ]
                        })
                        .collect();
                    print!(
                        "{}",
                        table::render(
                            &[
                                "编号",
                                "债权企业",
                                "付款方",
                                "状态",
                                "欠款（元）",
                                "逾期利息（元）",
                                "逾期上报"
                            ],
                            &rows
                        )
                    );
                    println!("共 {} 件", cases.len());
                }
            }
        }
        ArrearsCmd::SeedDemo { at } => {
            let at = at.unwrap_or_else(today);
            let n = runtime()?.block_on(async {
                let app = open().await?;
                anyhow::Ok(arrears::seed_demo(&app, at).await?)
            })?;
            println!(
                "清欠演示数据：合同 {} 份、付款 {} 笔、投诉 {} 件（已销号 {} 件）",
                n.contracts, n.payments, n.complaints, n.closed
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
