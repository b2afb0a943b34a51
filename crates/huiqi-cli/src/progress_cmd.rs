//! `huiqi progress …`: the 调度表 (table, JSON, Excel), reports, allocations, late reports
//! and the demo year.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use chrono::Utc;
use clap::{Args, Subcommand, ValueEnum};
use huiqi_app::accounts::Role;
use huiqi_app::jurisdiction_name as jname;
use huiqi_app::progress::{self as app, ReportInput, pct};
use huiqi_progress::{Month, Settings, rank_overall};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::common::{migrated_store, pack, runtime};
use crate::table;

#[derive(Args)]
pub struct ProgressArgs {
    #[command(subcommand)]
    pub cmd: Option<ProgressCmd>,
    /// 调度月份 YYYY-MM（默认：上个月）
    #[arg(long)]
    pub period: Option<String>,
    #[arg(long, value_enum, default_value_t = OutFormat::Table)]
    pub format: OutFormat,
    /// xlsx 的输出文件（--format xlsx 时必填）
    #[arg(long)]
    pub output: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum OutFormat {
    Table,
    Json,
    Xlsx,
}

#[derive(Subcommand)]
pub enum ProgressCmd {
    /// 报送某辖区某指标某月的完成值（每年目标报年初至月末累计，累计目标报起算以来累计，比例目标报当前水平）
    Report {
        #[arg(long)]
        target: String,
        #[arg(long)]
        jurisdiction: String,
        #[arg(long)]
        period: String,
        #[arg(long)]
        value: Decimal,
        #[arg(long, default_value = "")]
        note: String,
        #[arg(long)]
        attachment: Option<String>,
        #[arg(long, default_value = "工作专班")]
        reporter: String,
    },
    /// 设定某辖区承担的目标值（分解），保留修改历史
    Allocate {
        #[arg(long)]
        target: String,
        #[arg(long)]
        jurisdiction: String,
        #[arg(long)]
        value: Decimal,
        #[arg(long, default_value = "工作专班")]
        by: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// 列出某月未报送和逾期报送的辖区与指标
    Late {
        #[arg(long)]
        period: String,
    },
    /// 载入演示用的一年月度报送数据（8 个辖区、全部指标）
    SeedDemo {
        #[arg(long, default_value_t = 2023)]
        year: i32,
        /// 报送到几月
        #[arg(long, default_value_t = 12)]
        upto: u32,
    },
}

#[derive(Serialize)]
struct JsonRow<'a> {
    target: &'a str,
    indicator: &'a str,
    article: u8,
    units: String,
    jurisdiction: &'a str,
    jurisdiction_name: String,
    actual: Option<Decimal>,
    target_value: Decimal,
    completion: Option<Decimal>,
    time_progress: Option<Decimal>,
    status: huiqi_progress::Status,
    reason: &'a str,
}

pub fn run(args: ProgressArgs) -> Result<ExitCode> {
    let pack = pack()?;
    let settings = Settings::default();
    runtime()?.block_on(async {
        let store = migrated_store().await?;
        match args.cmd {
            Some(ProgressCmd::Report {
                target,
                jurisdiction,
                period,
                value,
                note,
                attachment,
                reporter,
            }) => {
                let input = ReportInput {
                    target,
                    jurisdiction,
                    period,
                    value: value.to_string(),
                    note,
                    attachment: attachment.unwrap_or_default(),
                };
                let report = app::check_report(&pack, &Role::Admin, &reporter, &input)?;
                let at = report.period.clone();
                app::save_report(&store, report).await?;
                println!("已报送 {at} 的完成值 {value}");
            }
            Some(ProgressCmd::Allocate {
                target,
                jurisdiction,
                value,
                by,
                note,
            }) => {
                app::allocate(&store, &pack, &target, &jurisdiction, value, &by, &note).await?;
                println!("已设定目标分解（历史保留）：{value}");
            }
            Some(ProgressCmd::Late { period }) => {
                let at = Month::parse(&period)?;
                let (deadline, late) = app::late(&store, &pack, at, &settings).await?;
                let rows: Vec<Vec<String>> = late
                    .into_iter()
                    .map(|l| match l.reported_on {
                        None => vec![l.jurisdiction, l.indicator, "未报送".into(), String::new()],
                        Some(d) => vec![
                            l.jurisdiction,
                            l.indicator,
                            "逾期报送".into(),
                            d.to_string(),
                        ],
                    })
                    .collect();
                println!(
                    "{at} 的报送截止日为 {deadline}；未报送或逾期 {} 项：",
                    rows.len()
                );
                print!(
                    "{}",
                    table::render(&["辖区", "指标", "情况", "报送日期"], &rows)
                );
            }
            Some(ProgressCmd::SeedDemo { year, upto }) => {
                let n = app::seed_demo(&store, &pack, year, upto)
                    .await
                    .context("载入演示报送数据失败")?;
                println!("已载入 {year} 年 1—{upto} 月演示报送数据 {n} 条");
            }
            None => {
                let at = match &args.period {
                    Some(p) => Month::parse(p)?,
                    None => Month::of(Utc::now().date_naive()).prev(),
                };
                let rows = app::table_now(&store, &pack, at, &settings).await?;
                match args.format {
                    OutFormat::Json => {
                        let out: Vec<JsonRow> = rows
                            .iter()
                            .map(|r| {
                                let t = pack.target(&r.target)?;
                                Some(JsonRow {
                                    target: &r.target,
                                    indicator: &t.indicator,
                                    article: t.article(),
                                    units: pack.unit_names(&t.units),
                                    jurisdiction: &r.jurisdiction,
                                    jurisdiction_name: jname(&pack, &r.jurisdiction),
                                    actual: r.actual,
                                    target_value: r.target_value,
                                    completion: r.completion.map(huiqi_progress::r4),
                                    time_progress: r.time_progress.map(huiqi_progress::r4),
                                    status: r.status,
                                    reason: &r.reason,
                                })
                            })
                            .collect::<Option<Vec<_>>>()
                            .context("调度表的指标不在政策包中")?;
                        println!("{}", serde_json::to_string_pretty(&out)?);
                    }
                    OutFormat::Xlsx => {
                        let Some(path) = &args.output else {
                            bail!("--format xlsx 需要 --output 文件名")
                        };
                        let all: Vec<&huiqi_progress::ProgressRow> =
                            app::downloadable_rows(&pack, &Role::Admin, &rows);
                        let ranking = rank_overall(&rows, &settings);
                        let ranks: Vec<&huiqi_progress::Rank> = ranking.iter().collect();
                        let bytes = app::xlsx(&pack, at, "全市", &all, &ranks)?;
                        std::fs::write(path, bytes)
                            .with_context(|| format!("无法写入 {}", path.display()))?;
                        println!("调度表已写入 {}", path.display());
                    }
                    OutFormat::Table => {
                        let cells: Vec<Vec<String>> = rows
                            .iter()
                            .filter_map(|r| {
                                let t = pack.target(&r.target)?;
                                Some(vec![
                                    t.indicator.clone(),
                                    jname(&pack, &r.jurisdiction),
                                    format!("{}{}", r.target_value, t.unit().symbol()),
                                    r.actual.map_or("未报送".into(), |a| a.to_string()),
                                    pct(r.completion),
                                    pct(r.time_progress),
                                    r.status.label().into(),
                                ])
                            })
                            .collect();
                        println!("调度表（{at} 月末）");
                        print!(
                            "{}",
                            table::render(
                                &[
                                    "指标",
                                    "辖区",
                                    "目标值",
                                    "完成值",
                                    "完成率",
                                    "序时进度",
                                    "状态"
                                ],
                                &cells
                            )
                        );
                        let of = pack.jurisdictions.len();
                        let ranks: Vec<Vec<String>> = rank_overall(&rows, &settings)
                            .into_iter()
                            .map(|r| {
                                vec![
                                    app::rank_text(r.rank, of),
                                    jname(&pack, &r.jurisdiction),
                                    pct(Some(r.score)),
                                ]
                            })
                            .collect();
                        println!(
                            "\n县区综合排名：{}（{}）",
                            app::RANKING_FIGURE,
                            app::RANKING_HOW
                        );
                        print!(
                            "{}",
                            table::render(&["名次", "辖区", app::RANKING_FIGURE], &ranks)
                        );
                    }
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
