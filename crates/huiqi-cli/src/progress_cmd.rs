//! `huiqi progress …`: the 调度表 (table, JSON, Excel), reports, allocations, late reports
//! and the demo year.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use chrono::{NaiveDate, Utc};
use clap::{Args, Subcommand, ValueEnum};
use huiqi_policy::Pack;
use huiqi_progress::{Month, ProgressRow, Settings, rank_overall};
use huiqi_store::Store;
use huiqi_store::progress::{AllocationRow, ReportRow};
use rust_decimal::Decimal;
use rust_xlsxwriter::{Format as XFormat, Workbook};
use serde::Serialize;

use crate::registry_cmd::{open_store, runtime};
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

fn pack() -> Result<Pack> {
    huiqi_policy::builtin::default_pack().map_err(|e| anyhow::anyhow!("内置政策包无法加载：{e}"))
}

fn month(s: &str) -> Result<Month> {
    Month::parse(s).map_err(anyhow::Error::msg)
}

fn check_ids(pack: &Pack, target: &str, jurisdiction: &str) -> Result<()> {
    if pack.target(target).is_none() {
        bail!(
            "没有 id 为 {target} 的目标；可选：{}",
            pack.targets
                .iter()
                .map(|t| t.id.as_str())
                .collect::<Vec<_>>()
                .join("、")
        );
    }
    if pack.jurisdiction(jurisdiction).is_none() {
        bail!(
            "没有 id 为 {jurisdiction} 的辖区；可选：{}",
            pack.jurisdictions
                .iter()
                .map(|j| format!("{}（{}）", j.id, j.name))
                .collect::<Vec<_>>()
                .join("、")
        );
    }
    Ok(())
}

/// The 调度表 for a month, as the web dashboard builds it (`huiqi_web::progress_rows`).
pub async fn progress_table(
    store: &Store,
    pack: &Pack,
    at: Month,
    settings: &Settings,
) -> Result<Vec<ProgressRow>> {
    let shares = store.allocations().await?;
    Ok(huiqi_web::progress_rows(store, pack, at, &shares, settings).await?)
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

fn jname(pack: &Pack, id: &str) -> String {
    if id == "city" {
        "全市".into()
    } else {
        pack.jurisdiction(id)
            .map_or(id.to_string(), |j| j.name.clone())
    }
}

fn pct(d: Option<Decimal>) -> String {
    d.map_or("—".into(), |d| {
        format!("{}%", (d * Decimal::ONE_HUNDRED).round_dp(1))
    })
}

fn write_xlsx(pack: &Pack, at: Month, rows: &[ProgressRow], path: &std::path::Path) -> Result<()> {
    let mut wb = Workbook::new();
    let bold = XFormat::new().set_bold();
    let colours = [
        (
            huiqi_progress::Status::Green,
            XFormat::new().set_background_color(0xC6EFCE),
        ),
        (
            huiqi_progress::Status::Yellow,
            XFormat::new().set_background_color(0xFFEB9C),
        ),
        (
            huiqi_progress::Status::Red,
            XFormat::new().set_background_color(0xFFC7CE),
        ),
    ];
    let sections = [
        (huiqi_policy::Section::MainGoals, "主要目标"),
        (huiqi_policy::Section::KeyTasks, "重点任务"),
        (huiqi_policy::Section::Safeguards, "工作保障"),
    ];
    for (section, name) in sections {
        let targets: Vec<_> = pack
            .targets
            .iter()
            .filter(|t| {
                pack.article(t.article())
                    .is_some_and(|a| a.section == section)
            })
            .collect();
        if targets.is_empty() {
            continue;
        }
        let ws = wb.add_worksheet();
        ws.set_name(name)?;
        ws.write_string_with_format(
            0,
            0,
            format!("《{}》调度表（{} 月末）", pack.manifest.title, at),
            &bold,
        )?;
        let headers = [
            "条",
            "指标",
            "责任单位",
            "辖区",
            "目标值",
            "完成值",
            "完成率",
            "序时进度",
            "状态",
            "说明",
        ];
        let widths = [5.0, 36.0, 30.0, 16.0, 12.0, 12.0, 10.0, 10.0, 6.0, 60.0];
        for (c, (h, w)) in headers.iter().zip(widths).enumerate() {
            ws.write_string_with_format(1, c as u16, *h, &bold)?;
            ws.set_column_width(c as u16, w)?;
        }
        let mut row = 2u32;
        for t in targets {
            for r in rows.iter().filter(|r| r.target == t.id) {
                let cells = [
                    t.article().to_string(),
                    t.indicator.clone(),
                    pack.unit_names(&t.units),
                    jname(pack, &r.jurisdiction),
                    format!("{}{}", r.target_value, t.unit().symbol()),
                    r.actual
                        .map_or("未报送".into(), |a| format!("{a}{}", t.unit().symbol())),
                    pct(r.completion),
                    pct(r.time_progress),
                ];
                for (c, v) in cells.iter().enumerate() {
                    ws.write_string(row, c as u16, v)?;
                }
                let fmt = &colours
                    .iter()
                    .find(|(s, _)| *s == r.status)
                    .expect("every status has a colour")
                    .1;
                ws.write_string_with_format(row, 8, r.status.label(), fmt)?;
                ws.write_string(row, 9, &r.reason)?;
                row += 1;
            }
        }
        ws.set_freeze_panes(2, 0)?;
    }
    wb.save(path)?;
    Ok(())
}

pub fn run(args: ProgressArgs) -> Result<ExitCode> {
    let pack = pack()?;
    let settings = Settings::default();
    runtime()?.block_on(async {
        let store = open_store().await?;
        store.migrate().await?;
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
                check_ids(&pack, &target, &jurisdiction)?;
                let at = month(&period)?;
                if value.is_sign_negative() {
                    bail!("完成值不能为负：{value}");
                }
                store
                    .add_reports(&[ReportRow {
                        target,
                        jurisdiction,
                        period: at.to_string(),
                        value,
                        note,
                        attachment,
                        reporter,
                        reported_at: Utc::now(),
                    }])
                    .await?;
                println!("已报送 {at} 的完成值 {value}");
            }
            Some(ProgressCmd::Allocate {
                target,
                jurisdiction,
                value,
                by,
                note,
            }) => {
                check_ids(&pack, &target, &jurisdiction)?;
                store
                    .add_allocation(&AllocationRow {
                        target,
                        jurisdiction,
                        value,
                        changed_at: Utc::now(),
                        changed_by: by,
                        note,
                    })
                    .await?;
                println!("已设定目标分解（历史保留）：{value}");
            }
            Some(ProgressCmd::Late { period }) => {
                let at = month(&period)?;
                let reports = store.reports_for(&at.to_string()).await?;
                let next = at.next();
                let deadline =
                    NaiveDate::from_ymd_opt(next.year, next.month, settings.deadline_day)
                        .expect("valid deadline");
                let mut rows = Vec::new();
                for t in &pack.targets {
                    for j in &pack.jurisdictions {
                        match reports.get(&(t.id.clone(), j.id.clone())) {
                            None => rows.push(vec![
                                j.name.clone(),
                                t.indicator.clone(),
                                "未报送".into(),
                                String::new(),
                            ]),
                            Some(r) if r.reported_at.date_naive() > deadline => rows.push(vec![
                                j.name.clone(),
                                t.indicator.clone(),
                                "逾期报送".into(),
                                r.reported_at.date_naive().to_string(),
                            ]),
                            Some(_) => {}
                        }
                    }
                }
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
                let reports: Vec<ReportRow> =
                    huiqi_progress::demo::reports(&pack, year, upto.clamp(1, 12))
                        .into_iter()
                        .map(|r| ReportRow {
                            target: r.target,
                            jurisdiction: r.jurisdiction,
                            period: r.month.to_string(),
                            value: r.value,
                            note: r.note,
                            attachment: r.attachment,
                            reporter: r.reporter,
                            reported_at: r.reported_at,
                        })
                        .collect();
                store
                    .add_reports(&reports)
                    .await
                    .context("载入演示报送数据失败")?;
                println!(
                    "已载入 {year} 年 1—{upto} 月演示报送数据 {} 条",
                    reports.len()
                );
            }
            None => {
                let at = match &args.period {
                    Some(p) => month(p)?,
                    None => Month::of(Utc::now().date_naive())
                        .first_day()
                        .pred_opt()
                        .map(Month::of)
                        .expect("a previous month"),
                };
                let rows = progress_table(&store, &pack, at, &settings).await?;
                match args.format {
                    OutFormat::Json => {
                        let out: Vec<JsonRow> = rows
                            .iter()
                            .map(|r| {
                                let t = pack.target(&r.target).expect("rows come from the pack");
                                JsonRow {
                                    target: &r.target,
                                    indicator: &t.indicator,
                                    article: t.article(),
                                    units: pack.unit_names(&t.units),
                                    jurisdiction: &r.jurisdiction,
                                    jurisdiction_name: jname(&pack, &r.jurisdiction),
                                    actual: r.actual,
                                    target_value: r.target_value,
                                    completion: r.completion,
                                    time_progress: r.time_progress,
                                    status: r.status,
                                    reason: &r.reason,
                                }
                            })
                            .collect();
                        println!("{}", serde_json::to_string_pretty(&out)?);
                    }
                    OutFormat::Xlsx => {
                        let Some(path) = &args.output else {
                            bail!("--format xlsx 需要 --output 文件名")
                        };
                        write_xlsx(&pack, at, &rows, path)?;
                        println!("调度表已写入 {}", path.display());
                    }
                    OutFormat::Table => {
                        let cells: Vec<Vec<String>> = rows
                            .iter()
                            .map(|r| {
                                let t = pack.target(&r.target).expect("rows come from the pack");
                                vec![
                                    t.indicator.clone(),
                                    jname(&pack, &r.jurisdiction),
                                    format!("{}{}", r.target_value, t.unit().symbol()),
                                    r.actual.map_or("未报送".into(), |a| a.to_string()),
                                    pct(r.completion),
                                    pct(r.time_progress),
                                    r.status.label().into(),
                                ]
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
                        let ranks: Vec<Vec<String>> = rank_overall(&rows, &settings)
                            .into_iter()
                            .map(|r| {
                                vec![
                                    r.rank.to_string(),
                                    jname(&pack, &r.jurisdiction),
                                    pct(Some(r.score)),
                                ]
                            })
                            .collect();
                        println!("\n综合排名（各指标完成率加权平均，单项最高计 120%）");
                        print!("{}", table::render(&["名次", "辖区", "综合完成率"], &ranks));
                    }
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
