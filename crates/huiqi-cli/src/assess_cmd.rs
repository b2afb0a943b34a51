//! `huiqi tasks …` (督办: every task × unit × jurisdiction for a month's period, coloured) and
//! `huiqi assess …` (the assessment of article 19 from live data, under the pack's scheme or a
//! file, with the what-if side by side). The command line speaks for the working group.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use clap::{Args, ValueEnum};
use huiqi_app::App;
use huiqi_app::accounts::Role;
use huiqi_app::assess;
use huiqi_assess::compute::{Assessment, compare};
use huiqi_assess::money::{grouped, yuan};
use huiqi_policy::Pack;
use serde::Serialize;

use crate::common::runtime;
use crate::table;

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Xlsx,
}

#[derive(Args)]
pub struct TasksArgs {
    #[command(subcommand)]
    pub cmd: Option<TasksCmd>,
    /// 月份 YYYY-MM：显示各任务包含该月的报告期（默认：上个月）
    #[arg(long)]
    pub period: Option<String>,
    /// 按哪一天判断是否逾期（默认：今天）
    #[arg(long)]
    pub at: Option<NaiveDate>,
    /// 只看一个辖区（代码或名称）
    #[arg(long)]
    pub jurisdiction: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// xlsx 的输出文件（--format xlsx 时必填）
    #[arg(long)]
    pub output: Option<PathBuf>,
}

#[derive(clap::Subcommand)]
pub enum TasksCmd {
    /// 载入督办与考核的演示数据：一年的任务报送、两则已发布的典型案例、一份督办单及答复、该年度考核（发布）、奖补入账与支出台账
    SeedDemo {
        #[arg(long, default_value_t = 2023)]
        year: i32,
        /// 以哪一天为“今天”（默认：次年 1 月 31 日，全年报告期均已到期）
        #[arg(long)]
        at: Option<NaiveDate>,
    },
}

#[derive(Args)]
pub struct AssessArgs {
    /// 考核年度
    #[arg(long)]
    pub year: i32,
    /// 考核方案文件（默认：政策包的 assess/scheme-<年度>.yaml）
    #[arg(long)]
    pub scheme: Option<PathBuf>,
    /// 另一方案文件：同一年度在两个方案下的结果并列对比（政策沙盘）
    #[arg(long)]
    pub whatif: Option<PathBuf>,
    /// 按哪一天的数据计算（默认：今天）
    #[arg(long)]
    pub at: Option<NaiveDate>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// xlsx 的输出文件（--format xlsx 时必填）
    #[arg(long)]
    pub output: Option<PathBuf>,
}

async fn open() -> Result<App> {
    let url = huiqi_store::database_url_from_env();
    App::open(&url, None)
        .await
        .with_context(|| format!("无法打开数据库 {}", huiqi_app::redact_url(&url)))
}

fn output(path: Option<&PathBuf>) -> Result<&PathBuf> {
    match path {
        Some(p) => Ok(p),
        None => bail!("--format xlsx 须用 --output 指定输出文件（.xlsx）"),
    }
}

#[derive(Serialize)]
struct TaskJson<'a> {
    task: &'a str,
    title: &'a str,
    article: u8,
    unit: &'a str,
    unit_name: &'a str,
    jurisdiction: &'a str,
    jurisdiction_name: &'a str,
    period: &'a str,
    status: Option<&'static str>,
    last_report: Option<NaiveDate>,
    due: NaiveDate,
    colour: &'static str,
    reason: &'a str,
    open_orders: &'a [i64],
}

pub fn tasks(args: TasksArgs) -> Result<ExitCode> {
    if let Some(TasksCmd::SeedDemo { year, at }) = args.cmd {
        let at = at
            .or_else(|| NaiveDate::from_ymd_opt(year + 1, 1, 31))
            .context("年度无效")?;
        return runtime()?.block_on(async {
            let app = open().await?;
            let s = assess::seed_demo(&app, year, at).await?;
            println!(
                "已载入 {year} 年督办与考核演示数据（截至 {at}）：报送 {} 份（其中典型案例/经验做法已发布 {} 则），督办单 {}，考核结果编号 {}（已发布），奖补入账 {} 笔，支出台账 {} 笔，自筹支持 {} 笔",
                s.reports,
                s.published_cases,
                s.order.map_or("无".into(), |o| format!("{o}（已答复）")),
                s.assessment,
                s.awards,
                s.ledger_entries,
                s.own_support
            );
            Ok(ExitCode::SUCCESS)
        });
    }
    let today = args.at.unwrap_or_else(assess::today);
    let month = match &args.period {
        Some(p) => p.clone(),
        None => huiqi_progress::Month::of(today).prev().to_string(),
    };
    runtime()?.block_on(async {
        let app = open().await?;
        let j = args
            .jurisdiction
            .as_deref()
            .map(|j| huiqi_app::funds::jurisdiction_id(&app.pack, j))
            .transpose()?;
        let rows = assess::tasks(&app, &Role::Admin, &month, today, j.as_deref()).await?;
        match args.format {
            Format::Json => {
                let out: Vec<TaskJson> = rows
                    .iter()
                    .map(|r| TaskJson {
                        task: &r.task,
                        title: &r.title,
                        article: r.article,
                        unit: &r.unit,
                        unit_name: &r.unit_name,
                        jurisdiction: &r.jurisdiction,
                        jurisdiction_name: &r.jurisdiction_name,
                        period: &r.period,
                        status: r.status.map(|s| s.as_str()),
                        last_report: r.last_report,
                        due: r.due,
                        colour: r.colour.as_str(),
                        reason: &r.reason,
                        open_orders: &r.open_orders,
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&out)?);
            }
            Format::Xlsx => {
                let path = output(args.output.as_ref())?;
                let title = format!("督办表（{month} 所在报告期，截至 {today}）");
                std::fs::write(path, assess::tasks_xlsx(&title, &rows)?)
                    .with_context(|| format!("无法写入 {}", path.display()))?;
                println!(
                    "已写出督办表：{}（{} 条督办线）",
                    path.display(),
                    rows.len()
                );
            }
            Format::Table => {
                let cells: Vec<Vec<String>> = rows
                    .iter()
                    .map(|r| {
                        vec![
                            r.article.to_string(),
                            r.title.clone(),
                            r.unit_name.clone(),
                            r.jurisdiction_name.clone(),
                            r.period.clone(),
                            r.status_label.clone(),
                            r.last_report.map_or("—".into(), |d| d.to_string()),
                            r.due.to_string(),
                            r.colour.label().into(),
                        ]
                    })
                    .collect();
                print!(
                    "{}",
                    table::render(
                        &[
                            "条",
                            "任务",
                            "责任单位",
                            "辖区",
                            "报告期",
                            "状态",
                            "最近报送",
                            "截止",
                            "督办"
                        ],
                        &cells
                    )
                );
                let counts = assess::colour_counts(&rows);
                println!(
                    "共 {} 条督办线（截至 {today}）：{}",
                    rows.len(),
                    counts
                        .iter()
                        .map(|(c, n)| format!("{} {n}", c.label()))
                        .collect::<Vec<_>>()
                        .join("，")
                );
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

pub fn assess_year(args: AssessArgs) -> Result<ExitCode> {
    let today = args.at.unwrap_or_else(assess::today);
    runtime()?.block_on(async {
        let app = open().await?;
        let admin = Role::Admin;
        let a = assess::assessment(&app, &admin, args.year, args.scheme.as_deref(), today).await?;
        let b = match &args.whatif {
            Some(f) => Some(assess::assessment(&app, &admin, args.year, Some(f), today).await?),
            None => None,
        };
        match args.format {
            Format::Json => match &b {
                None => println!("{}", serde_json::to_string_pretty(&a)?),
                Some(b) => println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({
                        "base": a,
                        "whatif": b,
                        "comparison": compare(&a, b),
                    }))?
                ),
            },
            Format::Xlsx => {
                let path = output(args.output.as_ref())?;
                std::fs::write(path, assess::assessment_xlsx(&app.pack, &a, b.as_ref())?)
                    .with_context(|| format!("无法写入 {}", path.display()))?;
                println!("已写出 {} 年度考核结果：{}", args.year, path.display());
            }
            Format::Table => {
                print_assessment(&app.pack, &a);
                if let Some(b) = &b {
                    println!();
                    print_comparison(&app.pack, &a, b);
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn print_assessment(pack: &Pack, a: &Assessment) {
    println!("{}（版本 {}）", a.scheme_title, a.scheme_version);
    let mut headers = vec!["排名", "辖区", "总分", "等次", "奖补（元）"];
    let names: Vec<String> = a
        .rows
        .first()
        .map(|r| r.indicators.iter().map(|i| i.name.clone()).collect())
        .unwrap_or_default();
    headers.extend(names.iter().map(String::as_str));
    let cells: Vec<Vec<String>> = a
        .rows
        .iter()
        .map(|r| {
            let mut c = vec![
                r.rank.to_string(),
                huiqi_app::jurisdiction_name(pack, &r.jurisdiction),
                grouped(r.score, 2),
                r.band.clone(),
                yuan(r.award),
            ];
            c.extend(
                r.indicators
                    .iter()
                    .map(|i| i.points.map_or("不计入".into(), |p| grouped(p, 2))),
            );
            c
        })
        .collect();
    print!("{}", table::render(&headers, &cells));
    println!(
        "奖补资金池 {} 元，已分配 {} 元，未分配 {} 元。余数规则：{}",
        yuan(a.pool),
        yuan(a.awarded_total),
        yuan(a.unallocated),
        a.remainder_rule
    );
    println!("计算过程：");
    for r in &a.rows {
        println!(
            "【{}】{}",
            huiqi_app::jurisdiction_name(pack, &r.jurisdiction),
            r.score_how
        );
        for i in &r.indicators {
            println!("  - {}：{}", i.name, i.how);
        }
        println!("  - 奖补：{}", r.award_how);
    }
}

fn print_comparison(pack: &Pack, a: &Assessment, b: &Assessment) {
    println!(
        "方案比较：版本 {} → 版本 {}",
        a.scheme_version, b.scheme_version
    );
    let cells: Vec<Vec<String>> = compare(a, b)
        .iter()
        .map(|c| {
            vec![
                huiqi_app::jurisdiction_name(pack, &c.jurisdiction),
                format!("{} → {}", grouped(c.score.0, 2), grouped(c.score.1, 2)),
                format!("{} → {}", c.rank.0, c.rank.1),
                format!("{} → {}", c.band.0, c.band.1),
                format!("{} → {}", yuan(c.award.0), yuan(c.award.1)),
            ]
        })
        .collect();
    print!(
        "{}",
        table::render(&["辖区", "总分", "排名", "等次", "奖补（元）"], &cells)
    );
}
