//! 为企服务 (article 17: 为企服务平台、千名干部联万企, problems solved 表格化、清单式; article 5:
//! 前台综合受理、后台分类审批、统一窗口出件), pure:
//!
//! - [`config`]: categories, time limits, default handlers, routing (category × county → unit or
//!   the county as 兜底) and the rule parameters, as data (`policies/<pack>/service/service.yaml`);
//! - [`state`]: the problem state machine (every state × action decided once; 办结 kept apart from
//!   解决; reopen once within 15 working days; rating 1–5; 视为解决 after 5 working days; at most two
//!   transfers, then the working group decides);
//! - [`limits`]: deadlines, reminders and overdue colours in working days (huiqi-calendar);
//! - [`dup`]: duplicate detection (same enterprise + category + similar text within 30 days);
//! - [`rates`]: 办结率, 解决率, on-time, average working days, reopen rate, satisfaction.
//!
//! Architecture invariant: no IO, no SQL, no terminal; the data file comes in as text.
#![forbid(unsafe_code)]

pub mod config;
pub mod dup;
pub mod limits;
pub mod rates;
pub mod state;

pub use config::{Category, Handler, Route, ServiceConfig};
pub use state::{Action, Actor, State};

/// The one error type of this crate. Messages are Chinese and say what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The service data file failed its checks (file, line, id).
    #[error(transparent)]
    Data(#[from] huiqi_policy::PackErrors),
    /// An action its state, its actor or the problem's history does not allow.
    #[error(transparent)]
    State(#[from] state::StateError),
    /// A deadline in a year without calendar data.
    #[error(transparent)]
    Calendar(#[from] huiqi_calendar::CalendarError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_service_data_is_valid_and_routes() {
        let pack = huiqi_policy::builtin::default_pack().unwrap();
        let cfg = ServiceConfig::builtin(&pack).unwrap();
        let names: Vec<&str> = cfg.categories.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "政策咨询",
                "融资",
                "用工",
                "用地与厂房",
                "审批办事",
                "拖欠账款",
                "市场拓展",
                "其他"
            ]
        );
        assert_eq!(cfg.category("policy_consult").unwrap().limit_workdays, 1);
        assert_eq!(cfg.rules.max_transfers, 2);
        assert_eq!(
            cfg.route("financing", "341502", &[]),
            Handler::Unit("local_finance".into())
        );
        // 兜底: no clear owner → the county.
        assert_eq!(
            cfg.route("other", "341503", &[]),
            Handler::County("341503".into())
        );
        assert_eq!(
            cfg.route("nonexistent", "341503", &[]),
            Handler::County("341503".into())
        );
        // The file's override, then the working group's.
        assert_eq!(
            cfg.route("approval", "luan-etdz", &[]),
            Handler::County("luan-etdz".into())
        );
        let extra = [Route {
            category: "approval".into(),
            county: "luan-etdz".into(),
            handler: "data_resources".into(),
        }];
        assert_eq!(
            cfg.route("approval", "luan-etdz", &extra),
            Handler::Unit("data_resources".into())
        );
        assert!(cfg.check_route(&extra[0], &pack).is_ok());
        let bad = Route {
            handler: "nobody".into(),
            ..extra[0].clone()
        };
        assert!(cfg.check_route(&bad, &pack).is_err());
        for h in [
            Handler::Unit("tax".into()),
            Handler::County("341502".into()),
        ] {
            assert_eq!(Handler::from_stored(&h.to_stored()), Some(h));
        }
    }

    #[test]
    fn bad_service_data_is_refused_with_file_line_and_id() {
        let pack = huiqi_policy::builtin::default_pack().unwrap();
        let text = "basis:\n  - article: 99\n    note: x\nrules:\n  confirm_workdays: 5\n  reopen_workdays: 15\n  max_transfers: 2\n  duplicate_days: 30\n  duplicate_similarity: \"1.5\"\n  remind_workdays_before: 1\n  max_extension_workdays: 15\ncategories:\n  - id: a\n    name: 甲\n    limit_workdays: 0\n    limit_basis: x\n    handler: nobody\n";
        let e = ServiceConfig::load("t.yaml", text, &pack).unwrap_err();
        let msg = e.to_string();
        assert_eq!(e.0.len(), 4, "{msg}");
        assert!(msg.contains("第99条") && msg.contains("nobody") && msg.contains("相似度"));
        assert!(e.0.iter().any(|x| x.line == Some(13)));
        let unknown = text.replace("  max_transfers: 2\n", "  max_transfers: 2\n  extra: 1\n");
        assert!(ServiceConfig::load("t.yaml", &unknown, &pack).is_err());
    }
}
