//! `huiqi service …`: 为企服务 (article 17) — take a problem in, act on it as the working group, a
//! unit, a county or the enterprise, list queues, the 清单's rates, the 通报, the routing table,
//! API keys of the channels, 千名干部联万企 (assignments from a CSV, visits, coverage), and the
//! demo data. The command line speaks for the working group unless `--as` says otherwise.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use chrono::{NaiveDate, Utc};
use clap::{Args, Subcommand, ValueEnum};
use huiqi_app::App;
use huiqi_app::accounts::Role;
use huiqi_app::service::{self, ActionInput, Channel, Intake, Origin, QueueQuery};
use huiqi_domain::Uscc;
use huiqi_service::Action;

use crate::common::runtime;
use crate::table;

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Xlsx,
}

#[derive(Subcommand)]
pub enum ServiceCmd {
    /// 问题类别、办理时限（工作日）及依据、默认承办单位
    Categories,
    /// 交办表（类别 × 县区 → 承办单位）；--set 类别 县区 单位（单位写 county 表示县区兜底）
    Routes {
        #[arg(long, num_args = 3, value_names = ["类别", "县区", "单位"])]
        set: Option<Vec<String>>,
    },
    /// 登记一个问题（前台受理、12345 热线或干部走访）
    Add(AddArgs),
    /// 办理一个问题：ACTION 为 dispatch、accept、transfer、escalate、ask_enterprise、supplement、extend、reply、close_unresolvable、close_not_remit、mark_duplicate、confirm、reopen、rate
    Act(ActArgs),
    /// 一个问题的详情和全部办理记录
    Show {
        id: i64,
        #[arg(long = "as", default_value = "admin")]
        who: String,
        #[arg(long)]
        at: Option<NaiveDate>,
    },
    /// 问题清单（默认：全部在办问题，按期限排序）
    List(ListArgs),
    /// 办理统计：办结率、解决率、按时办结率、平均办理工作日、重办率、满意率
    Stats(StatsArgs),
    /// 答复后满 5 个工作日企业未确认的问题视为解决
    Sweep {
        #[arg(long)]
        at: Option<NaiveDate>,
    },
    /// 本周通报：逾期最多、满意率最低的承办单位
    Bulletin {
        #[arg(long)]
        at: Option<NaiveDate>,
    },
    /// 为一个渠道（如 12345 热线）创建 Open311 接口密钥（只显示一次）
    Key { channel: String, name: String },
    /// 千名干部联万企：从 .xlsx/.xls/.csv 批量安排联企干部（列：干部、职务、县区、统一社会信用代码；任何一行有误则不安排）
    Assign { file: PathBuf },
    /// 登记一次走访；--category/--title/--description 同时登记企业反映的问题（渠道：干部走访）
    Visit(VisitArgs),
    /// 本季度联企覆盖率（已走访 / 联系企业）
    Coverage {
        #[arg(long)]
        at: Option<NaiveDate>,
    },
    /// 性能测试（scripts/bench-service.sh）：向空库写入 N 个模拟问题，计时“一个单位的清单”和“全市统计”
    #[command(hide = true)]
    Bench {
        #[arg(default_value_t = 1_000_000)]
        count: u64,
    },
    /// 载入为企服务演示数据：截至今天一年的问题（部分公开）、联企干部与走访、12345 热线的接口密钥
    SeedDemo {
        #[arg(long, default_value_t = 1200)]
        count: usize,
        #[arg(long)]
        at: Option<NaiveDate>,
    },
}

#[derive(Args)]
pub struct AddArgs {
    #[arg(long)]
    uscc: String,
    /// 类别（编号或名称，如 financing 或 融资）
    #[arg(long)]
    category: String,
    #[arg(long)]
    title: String,
    #[arg(long)]
    description: String,
    /// 渠道：front_desk（前台受理）、hotline（12345热线）、visit（干部走访）
    #[arg(long, default_value = "front_desk")]
    channel: String,
    /// 不在企业库中的企业：名称
    #[arg(long, default_value = "")]
    name: String,
    /// 不在企业库中的企业：县区代码
    #[arg(long, default_value = "")]
    county: String,
    #[arg(long, default_value = "")]
    contact_name: String,
    #[arg(long, default_value = "")]
    contact_phone: String,
    /// 公开（Open311 公开查询可见，不含联系人和电话）
    #[arg(long)]
    public: bool,
    /// 渠道的记录编号（如 12345 工单号）
    #[arg(long, default_value = "")]
    source_ref: String,
    /// 附件（pdf、jpg、png、docx、xlsx，每个不超过 10 MB，最多 5 个）
    #[arg(long)]
    attach: Vec<PathBuf>,
    /// 受理日期（默认今天）
    #[arg(long)]
    at: Option<NaiveDate>,
}

#[derive(Args)]
pub struct ActArgs {
    id: i64,
    action: String,
    /// 以谁的身份：admin（工作专班，默认）、unit:ID、county:ID、enterprise:USCC
    #[arg(long = "as", default_value = "admin")]
    who: String,
    #[arg(long, default_value = "")]
    note: String,
    /// 交办/转办到：责任单位 id，或 county（县区兜底）
    #[arg(long, default_value = "")]
    target: String,
    #[arg(long)]
    rating: Option<u8>,
    /// 延期工作日数
    #[arg(long)]
    days: Option<u32>,
    /// 并入的原问题编号
    #[arg(long)]
    original: Option<i64>,
    #[arg(long)]
    at: Option<NaiveDate>,
}

#[derive(Args)]
pub struct ListArgs {
    /// 包括已办结的问题
    #[arg(long)]
    all: bool,
    #[arg(long = "as", default_value = "admin")]
    who: String,
    #[arg(long)]
    county: Option<String>,
    #[arg(long, default_value_t = 1)]
    page: i64,
    #[arg(long, default_value_t = 100)]
    per_page: i64,
    #[arg(long)]
    at: Option<NaiveDate>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    #[arg(long)]
    output: Option<PathBuf>,
}

#[derive(Args)]
pub struct StatsArgs {
    /// 维度：unit、county、category、month
    #[arg(long, default_value = "unit")]
    by: String,
    #[arg(long)]
    year: Option<i32>,
    #[arg(long = "as", default_value = "admin")]
    who: String,
    #[arg(long)]
    at: Option<NaiveDate>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    #[arg(long)]
    output: Option<PathBuf>,
}

#[derive(Args)]
pub struct VisitArgs {
    #[arg(long)]
    official: String,
    #[arg(long)]
    uscc: String,
    #[arg(long)]
    on: NaiveDate,
    #[arg(long)]
    discussed: String,
    #[arg(long)]
    category: Option<String>,
    #[arg(long, default_value = "")]
    title: String,
    #[arg(long, default_value = "")]
    description: String,
    #[arg(long)]
    public: bool,
}

async fn open() -> Result<App> {
    let url = huiqi_store::database_url_from_env();
    App::open(&url, None)
        .await
        .with_context(|| format!("无法打开数据库 {}", huiqi_app::redact_url(&url)))
}

fn role(who: &str) -> Result<Role> {
    let (kind, scope) = who.split_once(':').unwrap_or((who, ""));
    Ok(match kind {
        "admin" => Role::Admin,
        "unit" => Role::Unit(scope.to_string()),
        "county" => Role::County(scope.to_string()),
        "enterprise" => Role::Enterprise(
            Uscc::parse(scope)
                .with_context(|| format!("--as enterprise:USCC 中的代码“{scope}”无效"))?,
        ),
        _ => bail!("--as 须为 admin、unit:ID、county:ID 或 enterprise:USCC（写了“{who}”）"),
    })
}

fn user_of(who: &str) -> String {
    format!("命令行({who})")
}

pub fn run(cmd: ServiceCmd) -> Result<ExitCode> {
    runtime()?.block_on(async move {
        let app = open().await?;
        let today = huiqi_app::assess::today();
        match cmd {
            ServiceCmd::Categories => {
                let cfg = service::config(&app)?;
                let rows: Vec<Vec<String>> = cfg
                    .categories
                    .iter()
                    .map(|c| {
                        vec![
                            c.id.clone(),
                            c.name.clone(),
                            format!("{} 个工作日", c.limit_workdays),
                            huiqi_service::Handler::Unit(c.handler.clone())
                                .name(&app.pack)
                                .replace("county", "所在县区（兜底）"),
                            c.limit_basis.clone(),
                        ]
                    })
                    .collect();
                print!("{}", table::render(&["编号", "类别", "时限", "默认承办", "时限依据"], &rows));
                let basis: Vec<String> = cfg.basis.iter().map(|b| format!("第{}条（{}）", b.article, b.note)).collect();
                println!("依据：六安市实施意见 {}", basis.join("；"));
            }
            ServiceCmd::Routes { set } => {
                if let Some(v) = set {
                    service::set_route(&app, &Role::Admin, "命令行", &v[0], &v[1], &v[2], Utc::now()).await?;
                    println!("已调整交办：{} × {} → {}", v[0], v[1], v[2]);
                }
                let rows: Vec<Vec<String>> = service::routing_table(&app)
                    .await?
                    .into_iter()
                    .map(|(a, b, c, d)| vec![a, b, c, d])
                    .collect();
                print!("{}", table::render(&["类别", "县区", "承办单位", "来源"], &rows));
            }
            ServiceCmd::Add(a) => {
                let channel = Channel::parse_any(&a.channel)
                    .with_context(|| format!("渠道“{}”无效：可选 {}", a.channel, Channel::ids()))?;
                let mut attachments = Vec::new();
                for p in &a.attach {
                    let bytes = std::fs::read(p).with_context(|| format!("无法读取附件 {}", p.display()))?;
                    let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                    attachments.push((name, bytes));
                }
                let input = Intake {
                    uscc: a.uscc,
                    enterprise_name: a.name,
                    county: a.county,
                    category: a.category,
                    title: a.title,
                    description: a.description,
                    contact_name: a.contact_name,
                    contact_phone: a.contact_phone,
                    public: a.public,
                    attachments,
                    source_ref: a.source_ref,
                };
                let day = a.at.unwrap_or(today);
                let out = service::intake(&app, &Origin::Viewer(Role::Admin, channel), "命令行", &input, day, Utc::now()).await?;
                match out.duplicate_of {
                    Some((orig, s)) => println!("问题 {} 已受理，与在办问题 {orig} 相似（相似度 {s}），并入该问题，不重复计数", out.id),
                    None => println!(
                        "问题 {} 已受理（{}），承办：{}，办理期限 {}（{}）{}",
                        out.id,
                        out.state.label(),
                        out.handler_name,
                        out.deadline,
                        out.limit_basis,
                        if out.registered { "" } else { "；企业不在企业库中，已标记待核实" }
                    ),
                }
            }
            ServiceCmd::Act(a) => {
                let action = Action::parse_any(&a.action)
                    .with_context(|| format!("操作“{}”无效：可选 {}", a.action, Action::ids()))?;
                let r = role(&a.who)?;
                let input = ActionInput {
                    note: a.note,
                    rating: a.rating,
                    extension_workdays: a.days,
                    target: a.target,
                    original: a.original,
                };
                let to = service::act(&app, &r, &user_of(&a.who), a.id, action, &input, a.at.unwrap_or(today), Utc::now()).await?;
                println!("问题 {}：{} → {}", a.id, action.label(), to.label());
            }
            ServiceCmd::Show { id, who, at } => {
                let d = service::problem(&app, &role(&who)?, id, at.unwrap_or(today)).await?;
                let p = &d.problem;
                println!("问题 {}：{}（{}）", p.id, p.title, p.state_label);
                println!("企业：{} {}{}　县区：{}", p.enterprise_name, p.uscc, if p.registered { "" } else { "（不在企业库，待核实）" }, p.county_name);
                println!("类别：{}　渠道：{}　承办：{}　转办 {} 次", p.category_name, p.channel_label, p.handler_name, p.transfers);
                println!("受理 {}，期限 {}（{} 个工作日{}；{}）{}", p.received_on, p.deadline, p.limit_workdays,
                    if p.extension_workdays > 0 { format!("，延期 {} 个工作日", p.extension_workdays) } else { String::new() },
                    d.limit_basis, p.due.map_or(String::new(), |x| format!("　{}", x.label())));
                println!("描述：{}", p.description);
                if !p.reply.is_empty() {
                    println!("答复：{}", p.reply);
                }
                if let Some(r) = p.rating {
                    println!("评价：{r} 分");
                }
                let rows: Vec<Vec<String>> = d.events.iter().map(|e| vec![
                    e.on_day.to_string(), e.action_label.clone(), format!("{} → {}", e.from_label, e.to_label),
                    e.handler_change.clone(), e.by.clone(), e.note.clone()]).collect();
                print!("{}", table::render(&["日期", "操作", "状态", "承办变化", "操作人", "说明"], &rows));
                if !d.actions.is_empty() {
                    println!("当前可以：{}", d.actions.iter().map(|a| format!("{}（{}）", a.label(), a.as_str())).collect::<Vec<_>>().join("、"));
                }
            }
            ServiceCmd::List(a) => {
                let r = role(&a.who)?;
                let day = a.at.unwrap_or(today);
                let q = QueueQuery { open_only: !a.all, county: a.county, page: a.page, per_page: a.per_page, ..Default::default() };
                let list = service::queue(&app, &r, &q, day).await?;
                match a.format {
                    Format::Json => println!("{}", serde_json::to_string_pretty(&list)?),
                    Format::Xlsx => {
                        let path = a.output.context("--format xlsx 须用 --output 指定输出文件")?;
                        let rates = service::rates(&app, &r, huiqi_store::service::GroupBy::Handler, day.format("%Y").to_string().parse().unwrap_or(2026), day).await.unwrap_or_default();
                        std::fs::write(&path, service::xlsx("为企服务问题清单", day, &list.rows, &rates)?)
                            .with_context(|| format!("无法写入 {}", path.display()))?;
                        println!("已写出问题清单：{}（{} 个问题）", path.display(), list.rows.len());
                    }
                    Format::Table => {
                        let rows: Vec<Vec<String>> = list.rows.iter().map(|p| vec![
                            p.id.to_string(), p.enterprise_name.clone(), p.category_name.clone(), p.title.clone(),
                            p.handler_name.clone(), p.received_on.to_string(), p.deadline.to_string(),
                            p.state_label.clone(), p.due.map_or("—".into(), |d| d.label().to_string())]).collect();
                        print!("{}", table::render(&["编号", "企业", "类别", "问题", "承办", "受理", "期限", "状态", "时限"], &rows));
                        println!("共 {} 个（第 {} 页，每页 {}）；本页逾期 {}，临期 {}", list.total, list.page, list.per_page, list.red, list.yellow);
                    }
                }
            }
            ServiceCmd::Stats(a) => {
                let r = role(&a.who)?;
                let day = a.at.unwrap_or(today);
                let year = a.year.unwrap_or_else(|| chrono::Datelike::year(&day));
                let by = service::group_by(&a.by)?;
                let rows = service::rates(&app, &r, by, year, day).await?;
                match a.format {
                    Format::Json => println!("{}", serde_json::to_string_pretty(&rows)?),
                    Format::Xlsx => {
                        let path = a.output.context("--format xlsx 须用 --output 指定输出文件")?;
                        std::fs::write(&path, service::xlsx(&format!("{year} 年为企服务办理统计"), day, &[], &rows)?)
                            .with_context(|| format!("无法写入 {}", path.display()))?;
                        println!("已写出办理统计：{}", path.display());
                    }
                    Format::Table => {
                        let cells: Vec<Vec<String>> = rows.iter().map(|r| vec![
                            r.name.clone(), r.counts.received.to_string(), r.rates.done.percent(), r.rates.resolved.percent(),
                            r.rates.on_time.percent(), r.rates.avg_workdays.map_or("—".into(), |d| d.to_string()),
                            r.rates.reopened.percent(), r.rates.satisfied.percent(), r.counts.open.to_string(), r.counts.overdue.to_string()]).collect();
                        print!("{}", table::render(&["", "受理", "办结率", "解决率", "按时办结率", "平均工作日", "重办率", "满意率", "在办", "逾期"], &cells));
                        println!("口径：办结率 = 办结数 ÷ 受理数；解决率 = 解决数（企业确认或 5 个工作日未确认）÷ 受理数；按时办结率 = 期限内办结 ÷ 办结；满意率 = 评 4–5 分 ÷ 评价数；重复件不计");
                    }
                }
            }
            ServiceCmd::Sweep { at } => {
                let n = service::auto_resolve(&app, at.unwrap_or(today), Utc::now()).await?;
                println!("视为解决 {n} 个问题（答复后满 5 个工作日企业未确认）");
            }
            ServiceCmd::Bulletin { at } => {
                let b = service::bulletin(&app, &Role::Admin, at.unwrap_or(today)).await?;
                println!("为企服务通报（{} 当周）", b.week_of);
                println!("逾期最多：");
                for r in &b.most_overdue {
                    println!("  {}：逾期 {} 个，在办 {} 个", r.name, r.counts.overdue, r.counts.open);
                }
                println!("满意率最低：");
                for r in &b.least_satisfied {
                    println!("  {}：满意率 {}（{} 个评价，平均 {} 分）", r.name, r.rates.satisfied.percent(), r.counts.rated, r.rates.avg_rating.map_or("—".into(), |d| d.to_string()));
                }
            }
            ServiceCmd::Key { channel, name } => {
                let key = service::create_api_key(&app, &Role::Admin, "命令行", &channel, &name, Utc::now()).await?;
                println!("渠道“{channel}”的接口密钥（只显示这一次，请妥善保存）：{key}");
            }
            ServiceCmd::Assign { file } => {
                let input = huiqi_app::imports::open_file(&file)?;
                let n = service::assign_file(&app, &Role::Admin, "命令行", &input, today).await?;
                println!("已安排联企关系 {n} 条");
            }
            ServiceCmd::Visit(v) => {
                let problems = match v.category {
                    Some(c) => vec![Intake { category: c, title: v.title, description: v.description, public: v.public, ..Default::default() }],
                    None => vec![],
                };
                let (id, outs) = service::log_visit(&app, &Role::Admin, "命令行", &v.official, &v.uscc, v.on, &v.discussed, &problems, today, Utc::now()).await?;
                println!("已登记走访 {id}");
                for o in outs {
                    println!("企业反映的问题已受理：编号 {}，承办 {}，期限 {}", o.id, o.handler_name, o.deadline);
                }
            }
            ServiceCmd::Coverage { at } => {
                let (from, to, rows) = service::coverage(&app, &Role::Admin, at.unwrap_or(today)).await?;
                let cells: Vec<Vec<String>> = rows.iter().map(|c| vec![
                    c.official.clone(), app.jurisdiction_name(&c.county), c.assigned.to_string(), c.visited.to_string(),
                    if c.assigned > 0 { format!("{:.1}%", c.visited as f64 * 100.0 / c.assigned as f64) } else { "—".into() }]).collect();
                print!("{}", table::render(&["干部", "县区", "联系企业", "本季度已走访", "覆盖率"], &cells));
                println!("统计期：{from} 至 {to}");
            }
            ServiceCmd::Bench { count } => bench(&app, count).await?,
            ServiceCmd::SeedDemo { count, at } => {
                let s = service::seed_demo(&app, at.unwrap_or(today), count).await?;
                println!(
                    "已载入为企服务演示数据：问题 {} 个（公开 {}，重复件 {}，在办 {}），联企关系 {} 条，走访 {} 次；12345 热线接口密钥：{}",
                    s.problems, s.public, s.duplicates, s.open, s.assignments, s.visits, s.api_key
                );
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// Best, median and worst of 7 runs, in ms.
async fn time<T, F, Fut>(label: &str, f: F) -> Result<T>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<T, huiqi_app::AppError>>,
{
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..7 {
        let t = std::time::Instant::now();
        last = Some(f().await?);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    println!(
        "{label}：最快 {:.1} ms，中位 {:.1} ms，最慢 {:.1} ms",
        times[0], times[3], times[6]
    );
    last.context("no run")
}

async fn bench(app: &App, count: u64) -> Result<()> {
    let t = std::time::Instant::now();
    let n = app.store.service_bench_fill(count).await?;
    println!("写入 {n} 个模拟问题：{:.1} s", t.elapsed().as_secs_f64());
    let today: NaiveDate = "2025-12-31".parse()?;
    let unit = Role::Unit("economy_it".into());
    let q = QueueQuery {
        open_only: true,
        per_page: 50,
        ..Default::default()
    };
    let list = time(
        "一个单位的清单（市经信局在办问题，按期限，50 行 + 总数）",
        || service::queue(app, &unit, &q, today),
    )
    .await?;
    println!("  → {} 行，共 {} 个", list.rows.len(), list.total);
    for (label, by) in [
        ("全市统计：按承办单位", service::GroupBy::Handler),
        ("全市统计：按县区", service::GroupBy::County),
        ("全市统计：按类别", service::GroupBy::Category),
        ("全市统计：按月份", service::GroupBy::Month),
    ] {
        let rows = time(label, || service::rates(app, &Role::Admin, by, 2025, today)).await?;
        let total = rows.last().map_or(0, |r| r.counts.received);
        println!("  → {} 行，合计受理 {total}", rows.len());
    }
    let county = Role::County("341502".into());
    let rows = time("一个县区的统计：按承办单位", || {
        service::rates(app, &county, service::GroupBy::Handler, 2025, today)
    })
    .await?;
    println!("  → {} 行", rows.len());
    let b = time(
        "每周通报（逾期最多、满意率最低的单位）",
        || service::bulletin(app, &Role::Admin, today),
    )
    .await?;
    println!(
        "  → 逾期 {} 个单位，满意率 {} 个单位",
        b.most_overdue.len(),
        b.least_satisfied.len()
    );
    let inputs = time(
        "考核输入（各县区按时办结率与满意率）",
        || service::assess_inputs(app, 2025, today),
    )
    .await?;
    println!("  → {} 个县区", inputs.len());
    // The counts table against a scan of every problem: the same figures, and what the scan costs.
    let table = app
        .store
        .service_counts(
            service::GroupBy::Handler,
            "2025-01",
            "2025-12",
            None,
            None,
            today,
        )
        .await?;
    let t = std::time::Instant::now();
    let scan = app
        .store
        .service_counts_scan(
            service::GroupBy::Handler,
            "2025-01",
            "2025-12",
            None,
            None,
            today,
        )
        .await?;
    println!(
        "对照：扫描全部问题按承办单位统计 {:.3} s，与统计表{}",
        t.elapsed().as_secs_f64(),
        if table == scan { "一致" } else { "不一致" }
    );
    anyhow::ensure!(table == scan, "统计表与逐条扫描的结果不一致");
    Ok(())
}
