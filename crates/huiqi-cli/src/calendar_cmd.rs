//! `huiqi calendar …`: the working-day calendar (法定节假日与调休) of `huiqi-calendar`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::Subcommand;
use huiqi_calendar::{Calendar, parse_years};

#[derive(Subcommand)]
pub enum CalendarCmd {
    /// 输出 FROM 之后第 N 个工作日（YYYY-MM-DD，一行）：“N 个工作日内”的期限
    AddWorkdays {
        /// 起算日（YYYY-MM-DD）
        #[arg(value_parser = parse_date)]
        from: NaiveDate,
        /// 工作日数
        n: u32,
        /// 在标准错误输出计算过程（跳过的周末与节假日、所依据的通知）
        #[arg(long)]
        trace: bool,
        /// 追加或更正年份的节假日文件（YAML，格式同 policies/cn/calendar.yaml）
        #[arg(long)]
        years: Option<PathBuf>,
    },
    /// 输出 DATE 是否为工作日：true 或 false
    IsWorkday {
        /// 日期（YYYY-MM-DD）
        #[arg(value_parser = parse_date)]
        date: NaiveDate,
        /// 追加或更正年份的节假日文件（YAML，格式同 policies/cn/calendar.yaml）
        #[arg(long)]
        years: Option<PathBuf>,
    },
    /// 校验节假日文件（默认：内置 policies/cn/calendar.yaml），并列出各年工作日数与依据
    Check { file: Option<PathBuf> },
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("“{s}”不是日期：请写成 YYYY-MM-DD，如 2024-02-08"))
}

/// The built-in calendar with the years of `file` added (replacing a built-in year of the same number).
fn calendar(file: Option<&Path>) -> Result<Calendar> {
    let mut cal = Calendar::builtin();
    if let Some(path) = file {
        for year in read_years(path)? {
            cal.insert_year(year)?;
        }
    }
    Ok(cal)
}

fn read_years(path: &Path) -> Result<Vec<huiqi_calendar::YearDef>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("无法读取 {}（须为 UTF-8 编码的 YAML）", path.display()))?;
    Ok(parse_years(&path.display().to_string(), &text)?)
}

pub fn run(cmd: CalendarCmd) -> Result<ExitCode> {
    match cmd {
        CalendarCmd::AddWorkdays {
            from,
            n,
            trace,
            years,
        } => {
            let cal = calendar(years.as_deref())?;
            let (end, why) = cal.explain_add_workdays(from, n)?;
            println!("{end}");
            if trace {
                eprintln!("{why}");
            }
        }
        CalendarCmd::IsWorkday { date, years } => {
            println!("{}", calendar(years.as_deref())?.is_workday(date)?);
        }
        CalendarCmd::Check { file } => {
            let cal = match &file {
                Some(path) => Calendar::from_yaml(
                    &path.display().to_string(),
                    &std::fs::read_to_string(path)
                        .with_context(|| format!("无法读取 {}", path.display()))?,
                )?,
                None => Calendar::builtin(),
            };
            println!("校验通过：");
            for y in cal.years() {
                let first = NaiveDate::from_ymd_opt(y.year, 1, 1).expect("a valid year");
                let last = NaiveDate::from_ymd_opt(y.year, 12, 31).expect("a valid year");
                let days = cal.workdays_between(first, last)? + u32::from(cal.is_workday(first)?);
                println!(
                    "  {} 年：{} 个工作日，{} 段假期，{} 个调休上班日；依据 {}",
                    y.year,
                    days,
                    y.holidays.len(),
                    y.workdays.len(),
                    y.notice
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
