//! `huiqi demo`: the main job on a fresh embedded SQLite database with believable data —
//! a generated Lu'an population imported into the registry with a year's 认定名单 and 企业家培训台账,
//! a 免申即享 matching run, a push list, a what-if, a year of 日常调度 reports (the 调度表 then
//! computes the certification and training targets from the registry), and 督办与考核: a year of
//! task reports, one 督办单, the 2023 assessment with its awards and a spending ledger;
//! 为企服务: a year of problems up to today, 千名干部联万企 and the 清单; 清欠: contracts,
//! payments and complaints, the 2024 disclosure and the payer league table. Each step runs the same
//! `huiqi` command a user would, so the demo shows exactly what the commands do.

use std::path::PathBuf;
use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};
use clap::Args;

#[derive(Args)]
pub struct DemoArgs {
    /// 模拟企业户数（默认 50 万：六安市经营主体的量级，见 README）
    #[arg(long, default_value_t = 500_000)]
    pub count: u64,
    /// 演示数据目录（其中的演示数据库每次重建）
    #[arg(long, default_value = "data/demo")]
    pub data: PathBuf,
    /// 惠企平台的监听地址（演示最后一步：建演示账号并启动平台）
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// 只跑命令行演示，不启动平台
    #[arg(long)]
    pub no_serve: bool,
}

pub fn run(args: DemoArgs) -> Result<ExitCode> {
    std::fs::create_dir_all(&args.data)
        .with_context(|| format!("无法创建目录 {}", args.data.display()))?;
    let db = args.data.join("huiqi.sqlite");
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let p = PathBuf::from(format!("{}{suffix}", db.display()));
        if p.exists() {
            std::fs::remove_file(&p)
                .with_context(|| format!("无法删除旧的演示数据库 {}", p.display()))?;
        }
    }
    let url = format!("sqlite:{}", db.display());
    let exe = std::env::current_exe().context("找不到 huiqi 程序本身")?;
    let pop = args.data.join("population-2024.csv");
    let market = args.data.join("市场监管登记-2024.csv");
    let certs = args.data.join("认定名单-2023.csv");
    let trainings = args.data.join("企业家培训台账-2023.csv");
    let push = args.data.join("推送名单-六税两费-金安区.xlsx");
    let schedule = args.data.join("调度表-2023-09.xlsx");
    let board = args.data.join("督办表-2023-Q4.xlsx");
    let assessment = args.data.join("考核结果-2023.xlsx");
    let use_report = args.data.join("金安区2023年度奖补资金使用报告.xlsx");
    let service_list = args.data.join("为企服务问题清单.xlsx");
    let parks = args.data.join("小微企业园台账-2024.csv");
    // 梯队培育's 科技局/知识产权 files: (year, file, the gen step's title, the import step's title).
    let tech = [
        (2024, "（科技人员、知识产权、主营业务收入等）", ""),
        (2023, "", "（主营业务收入增长率用）"),
        (2022, "", ""),
    ]
    .map(|(y, gen_note, import_note)| {
        (
            y.to_string(),
            args.data.join(format!("科技局知识产权数据-{y}.csv")),
            format!("梯队培育：生成 {y} 年度科技局/知识产权数据{gen_note}"),
            format!("梯队培育：导入 {y} 年度科技局/知识产权数据{import_note}"),
        )
    });
    let candidates = args.data.join("小升规候选名单-2024.xlsx");
    let disclosure = args.data.join("清欠披露-2024.xlsx");
    let count = args.count.to_string();
    let mut steps: Vec<(&str, Vec<&str>)> = vec![
        (
            "生成六安市模拟企业（2024 年度）及 2023 年认定名单、企业家培训台账",
            vec![
                "gen",
                "--count",
                &count,
                "--year",
                "2024",
                "--output",
                pop.to_str().unwrap_or_default(),
                "--market",
                market.to_str().unwrap_or_default(),
                "--certifications",
                certs.to_str().unwrap_or_default(),
                "--trainings",
                trainings.to_str().unwrap_or_default(),
                "--lists-year",
                "2023",
            ],
        ),
        (
            "导入企业库（事实表）",
            vec![
                "import",
                "--source",
                "facts",
                "--year",
                "2024",
                pop.to_str().unwrap_or_default(),
            ],
        ),
        (
            "导入市场监管登记表（补充联系人、联系电话；改动留有历史）",
            vec![
                "import",
                "--source",
                "market",
                market.to_str().unwrap_or_default(),
            ],
        ),
        (
            "导入认定名单（科技型、创新型、省级专精特新）",
            vec![
                "import",
                "--source",
                "certifications",
                certs.to_str().unwrap_or_default(),
            ],
        ),
        (
            "导入企业家培训台账",
            vec![
                "import",
                "--source",
                "trainings",
                trainings.to_str().unwrap_or_default(),
            ],
        ),
        ("企业库统计", vec!["db", "stats", "--year", "2024"]),
        (
            "免申即享：全量匹配",
            vec!["match", "--db", "--at", "2024-12-31"],
        ),
        (
            "推送名单：金安区 六税两费",
            vec![
                "export",
                "push",
                "--measure",
                "six_taxes_relief",
                "--county",
                "341502",
                push.to_str().unwrap_or_default(),
            ],
        ),
        (
            "政策沙盘：创业扣减限额上浮 20%",
            vec![
                "whatif",
                "--at",
                "2024-12-31",
                "--set",
                "startup.annual_limit=24000",
            ],
        ),
        (
            "日常调度：载入 2023 年全年报送",
            vec!["progress", "seed-demo", "--year", "2023", "--upto", "12"],
        ),
        (
            "日常调度：调度表（Excel）",
            vec![
                "progress",
                "--period",
                "2023-09",
                "--format",
                "xlsx",
                "--output",
                schedule.to_str().unwrap_or_default(),
            ],
        ),
        (
            "日常调度：2023 年 9 月末",
            vec!["progress", "--period", "2023-09"],
        ),
        (
            "督办与考核：一年的任务报送、典型案例、督办单，2023 年度考核（发布）与奖补资金台账",
            vec!["tasks", "seed-demo", "--year", "2023"],
        ),
        (
            "督办：金寨县 2023 年 12 月所在报告期（截至 2024-01-31）",
            vec![
                "tasks",
                "--period",
                "2023-12",
                "--at",
                "2024-01-31",
                "--jurisdiction",
                "金寨县",
            ],
        ),
        (
            "督办表：全市（Excel）",
            vec![
                "tasks",
                "--period",
                "2023-12",
                "--at",
                "2024-01-31",
                "--format",
                "xlsx",
                "--output",
                board.to_str().unwrap_or_default(),
            ],
        ),
        (
            "考核：2023 年度结果与计算过程（Excel）",
            vec![
                "assess",
                "--year",
                "2023",
                "--at",
                "2024-01-31",
                "--format",
                "xlsx",
                "--output",
                assessment.to_str().unwrap_or_default(),
            ],
        ),
        (
            "奖补资金：2023 年度各县区余额与分用途支出",
            vec!["funds", "balance", "--year", "2023"],
        ),
        (
            "奖补资金：金安区使用报告（Excel）",
            vec![
                "funds",
                "report",
                "--year",
                "2023",
                "--jurisdiction",
                "金安区",
                "--output",
                use_report.to_str().unwrap_or_default(),
            ],
        ),
        (
            "为企服务：截至今天一年的企业问题（部分公开）、联企干部与走访、12345 热线的接口密钥",
            vec!["service", "seed-demo"],
        ),
        (
            "为企服务：按承办单位的办理统计（办结率、解决率、按时办结率、满意率）",
            vec!["service", "stats", "--by", "unit"],
        ),
        (
            "为企服务：问题清单（Excel）",
            vec![
                "service",
                "list",
                "--format",
                "xlsx",
                "--output",
                service_list.to_str().unwrap_or_default(),
            ],
        ),
    ];
    // 梯队培育: the 科技局/知识产权 files of the three years (the two earlier ones give 主营业务收入's
    // growth), generated and then imported.
    for (year, file, gen_title, _) in &tech {
        let file = file.to_str().unwrap_or_default();
        let argv = [
            "gen",
            "--count",
            &count,
            "--year",
            "2024",
            "--tech-year",
            year,
            "--tech",
            file,
        ];
        steps.push((gen_title, argv.to_vec()));
    }
    for (year, file, _, import_title) in &tech {
        let file = file.to_str().unwrap_or_default();
        steps.push((
            import_title,
            vec!["import", "--source", "tech", "--year", year, file],
        ));
    }
    steps.extend(vec![
        (
            "梯队培育：小升规候选名单（金安区，列前 20 户）",
            vec![
                "cultivate",
                "candidates",
                "--kind",
                "above_scale",
                "--year",
                "2024",
                "--county",
                "341502",
                "--top",
                "20",
            ],
        ),
        (
            "梯队培育：小升规候选名单（全市，Excel）",
            vec![
                "cultivate",
                "candidates",
                "--kind",
                "above_scale",
                "--year",
                "2024",
                "--format",
                "xlsx",
                "--output",
                candidates.to_str().unwrap_or_default(),
            ],
        ),
        (
            "梯队培育：科技型中小企业候选名单（金安区，按科技局/知识产权数据评分，列前 20 户）",
            vec![
                "cultivate",
                "candidates",
                "--kind",
                "tech_sme",
                "--year",
                "2024",
                "--county",
                "341502",
                "--top",
                "20",
            ],
        ),
        (
            "小微企业园：写出演示台账（每个辖区两个园区）",
            vec![
                "parks",
                "template",
                "--demo",
                "2024",
                "--output",
                parks.to_str().unwrap_or_default(),
            ],
        ),
        (
            "小微企业园：导入 2024 年台账",
            vec![
                "parks",
                "import",
                "--year",
                "2024",
                parks.to_str().unwrap_or_default(),
            ],
        ),
        (
            "小微企业园：2024 年绩效评价",
            vec!["parks", "grade", "--year", "2024"],
        ),
        (
            "清欠：载入合同、付款与投诉（截至 2025-06-30）",
            vec!["arrears", "seed-demo", "--at", "2025-06-30"],
        ),
        (
            "清欠：2024 年度机关、事业单位逾期付款披露（Excel）",
            vec![
                "arrears",
                "disclosure",
                "--year",
                "2024",
                "--format",
                "xlsx",
                "--output",
                disclosure.to_str().unwrap_or_default(),
            ],
        ),
        (
            "清欠：付款方排行（按主管部门，截至 2025-06-30）",
            vec!["arrears", "league", "--by", "unit", "--at", "2025-06-30"],
        ),
    ]);
    println!("演示数据库：{url}\n");
    for (title, argv) in steps {
        println!("━━ {title}：huiqi {}", argv.join(" "));
        let status = Command::new(&exe)
            .args(&argv)
            .env("HUIQI_DATABASE_URL", &url)
            .status()
            .with_context(|| format!("无法运行 huiqi {}", argv.join(" ")))?;
        if !status.success() {
            bail!("演示步骤“{title}”失败（退出码 {:?}）", status.code());
        }
        println!();
    }
    println!(
        "完成。数据在 {}；用 HUIQI_DATABASE_URL={url} 继续运行其他 huiqi 命令。",
        args.data.display()
    );
    if !args.no_serve {
        println!(
            "\n━━ 惠企平台：建演示账号并启动 huiqi serve --addr {}",
            args.addr
        );
        let at = chrono::NaiveDate::from_ymd_opt(2024, 12, 31).expect("valid date");
        crate::web_cmd::demo_serve(&url, &args.addr, at)?;
    }
    Ok(ExitCode::SUCCESS)
}
