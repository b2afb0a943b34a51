//! `huiqi`: the command line. Each area of work is a subcommand module; this
//! file only parses arguments and maps errors to exit codes.
#![forbid(unsafe_code)]

mod accounts_cmd;
mod arrears_cmd;
mod assess_cmd;
mod calendar_cmd;
mod common;
mod cultivate_cmd;
mod demo_cmd;
mod funds_cmd;
mod matching_cmd;
mod policy_cmd;
mod progress_cmd;
mod registry_cmd;
mod rules_cmd;
mod service_cmd;
mod table;
mod web_cmd;
mod zh;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

/// huiqi（惠企）：六安市支持小微企业高质量发展政策的执行系统。
#[derive(Parser)]
#[command(name = "huiqi", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// 政策包：校验、查看条款与目标
    #[command(subcommand)]
    Policy(policy_cmd::PolicyCmd),
    /// 导入部门数据（市场监管、税务、人社、统计、金融或事实表）到企业库；或写出导入模板
    Import(registry_cmd::ImportArgs),
    /// 生成六安市模拟企业数据（事实表 CSV），用于演示和性能测试
    Gen(registry_cmd::GenArgs),
    /// 规则：计算一户企业（含计算过程）、运行 YAML 测试用例、查看参数
    #[command(subcommand)]
    Rules(rules_cmd::RulesCmd),
    /// 免申即享匹配：为事实表（--input）或企业库（--db）中的每户企业计算划型与各项减免
    Match(rules_cmd::MatchArgs),
    /// 匹配批次：列出、比较、审计（符合未兑现／兑现不符合）
    #[command(subcommand)]
    Runs(matching_cmd::RunsCmd),
    /// 导出：推送名单（.xlsx）
    #[command(subcommand)]
    Export(matching_cmd::ExportCmd),
    /// 政策沙盘：改动参数后重算企业库，报告成本与受益户数的变化（不改动已存结果）
    Whatif {
        /// 适用日期（默认今天）
        #[arg(long)]
        at: Option<chrono::NaiveDate>,
        /// 参数=数值[@起始日期]，可重复，如 startup.annual_limit=24000@2024-01-01
        #[arg(long = "set", required = true)]
        sets: Vec<String>,
        #[arg(long, value_enum, default_value_t = matching_cmd::Format::Table)]
        format: matching_cmd::Format,
    },
    /// 启动惠企平台（网页与 /api/v1），使用 HUIQI_DATABASE_URL 指定的数据库
    Serve(web_cmd::ServeArgs),
    /// 账号：新增或重设、列出、停用、启用、解除限速、重设密码、变更记录（别名 accounts；角色：admin 工作专班、unit 责任单位、county 县区、enterprise 企业）
    #[command(subcommand, alias = "accounts")]
    Users(accounts_cmd::UsersCmd),
    /// 演示：在新建的 SQLite 演示库上跑一遍主要工作（生成并导入企业、匹配、推送、沙盘、调度）
    Demo(demo_cmd::DemoArgs),
    /// 日常调度：各指标分辖区完成情况对照序时进度（三色）、排名、报送、目标分解
    Progress(progress_cmd::ProgressArgs),
    /// 兑现记录（导入来源 granted）：uscc, measure, amount, date
    #[command(subcommand)]
    Grants(GrantsCmd),
    /// 数据库：初始化、迁移、统计
    #[command(subcommand)]
    Db(registry_cmd::DbCmd),
    /// 工作日历：法定节假日与调休，按工作日计算期限
    #[command(subcommand)]
    Calendar(calendar_cmd::CalendarCmd),
    /// 督办：各任务 × 责任单位 × 辖区在某月所在报告期的报送情况（三色）
    Tasks(assess_cmd::TasksArgs),
    /// 考核（第19条）：各辖区得分、排名、等次、奖补及计算过程；可用另一方案文件对比
    Assess(assess_cmd::AssessArgs),
    /// 激励奖补资金台账（第19条）：入账、支出（限定用途、不超余额）、冲销、自筹支持、余额
    #[command(subcommand)]
    Funds(funds_cmd::FundsCmd),
    /// 为企服务（第17条）：问题受理、交办、答复、确认与评价，清单与办理统计，千名干部联万企
    #[command(subcommand)]
    Service(service_cmd::ServiceCmd),
    /// 梯队培育：按科技型、创新型、专精特新标准评分；列出小升规、个转企与各类认定的候选企业
    #[command(subcommand)]
    Cultivate(cultivate_cmd::CultivateCmd),
    /// 小微企业园（第6条）：台账模板与导入，按评价方案评分、定等次、排名
    #[command(subcommand)]
    Parks(cultivate_cmd::ParksCmd),
    /// 清欠（第14条）：付款到期日、逾期利息（保障中小企业款项支付条例）、用例、披露
    #[command(subcommand)]
    Arrears(arrears_cmd::ArrearsCmd),
}

#[derive(Subcommand)]
enum GrantsCmd {
    /// 导入已兑现的惠企政策记录（CSV：uscc,measure,amount,date）
    Import { file: std::path::PathBuf },
}

fn main() -> ExitCode {
    // clap's own words in Chinese (see `zh`): headings, the help and version flags, errors.
    let mut cmd = zh::localize(Cli::command(), true);
    let matches = match cmd.try_get_matches_from_mut(std::env::args_os()) {
        Ok(m) => m,
        Err(e) => return zh::exit_with(e, &mut cmd),
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => return zh::exit_with(e, &mut cmd),
    };
    // Libraries log through `tracing`; the command line shows warnings (and the server's
    // requests) on stderr. RUST_LOG overrides, e.g. RUST_LOG=debug.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,huiqi_web=info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
    let result = match cli.command {
        Command::Policy(cmd) => policy_cmd::run(cmd),
        Command::Import(args) => registry_cmd::import(args),
        Command::Gen(args) => registry_cmd::generate(args),
        Command::Db(cmd) => registry_cmd::db(cmd),
        Command::Rules(cmd) => rules_cmd::run(cmd),
        Command::Match(args) if args.db => matching_cmd::match_db(
            args.at.unwrap_or_else(|| chrono::Local::now().date_naive()),
            args.rules.as_ref(),
        ),
        Command::Match(args) => rules_cmd::run_match(args),
        Command::Runs(cmd) => matching_cmd::runs(cmd),
        Command::Export(cmd) => matching_cmd::export(cmd),
        Command::Whatif { at, sets, format } => matching_cmd::whatif(
            at.unwrap_or_else(|| chrono::Local::now().date_naive()),
            sets,
            format,
        ),
        Command::Grants(GrantsCmd::Import { file }) => matching_cmd::grants_import(file),
        Command::Progress(args) => progress_cmd::run(args),
        Command::Demo(args) => demo_cmd::run(args),
        Command::Serve(args) => web_cmd::serve(args),
        Command::Users(cmd) => accounts_cmd::run(cmd),
        Command::Calendar(cmd) => calendar_cmd::run(cmd),
        Command::Funds(cmd) => funds_cmd::run(cmd),
        Command::Tasks(args) => assess_cmd::tasks(args),
        Command::Assess(args) => assess_cmd::assess_year(args),
        Command::Service(cmd) => service_cmd::run(cmd),
        Command::Cultivate(cmd) => cultivate_cmd::run(cmd),
        Command::Parks(cmd) => cultivate_cmd::parks(cmd),
        Command::Arrears(cmd) => arrears_cmd::run(cmd),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误：{e:#}");
            ExitCode::FAILURE
        }
    }
}
