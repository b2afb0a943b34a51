//! The problem state machine: every state × action is decided here, once (`next`), and the
//! guards that depend on the problem's history (transfers, the one reopening, the confirmation and
//! reopening windows in working days, the one extension, the one rating) in [`check`].
//!
//! 办结 (the handler replied or closed the problem) is kept apart from 解决 (the enterprise
//! confirmed, or did not answer within the confirmation window): `Replied` is 办结 but not 解决;
//! only `Resolved` is 解决.

use serde::Serialize;

huiqi_domain::vocabulary! {
    /// Where a problem stands.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
    #[serde(rename_all = "snake_case")]
    pub enum State {
        /// Taken in (前台综合受理), not yet dispatched.
        Received = ("received", "已受理"),
        /// Dispatched to a unit or county, not yet signed for.
        Dispatched = ("dispatched", "已交办"),
        InProgress = ("in_progress", "办理中"),
        /// The handler asked the enterprise for more; the clock keeps running.
        WaitingEnterprise = ("waiting_enterprise", "待企业补充"),
        /// The handler replied (办结); awaiting the enterprise's confirmation.
        Replied = ("replied", "已答复待确认"),
        /// With the working group: reopened, unsatisfied, too many transfers, or escalated.
        WorkingGroup = ("working_group", "专班协调"),
        /// 解决: confirmed by the enterprise, or not answered within the confirmation window.
        Resolved = ("resolved", "已解决"),
        /// Closed as not solvable, with the reason given to the enterprise (办结, not 解决).
        Unresolvable = ("unresolvable", "无法解决"),
        /// The same problem as an open one, linked to it (not counted twice).
        Duplicate = ("duplicate", "重复件"),
        /// Not a matter for the government (with the reason).
        NotOurRemit = ("not_our_remit", "不属受理范围"),
    }
}

impl State {
    /// Still with the government (counts in a queue, has a deadline).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            State::Received
                | State::Dispatched
                | State::InProgress
                | State::WaitingEnterprise
                | State::WorkingGroup
        )
    }

    /// 办结: the handler has finished (replied or closed with a reason).
    pub fn is_done_by_handler(self) -> bool {
        matches!(
            self,
            State::Replied | State::Resolved | State::Unresolvable | State::NotOurRemit
        )
    }
}

huiqi_domain::vocabulary! {
    /// What can be done to a problem.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Action {
        /// 交办 to a unit or county (front desk or working group).
        Dispatch = ("dispatch", "交办"),
        /// 签收 by the handler.
        Accept = ("accept", "签收"),
        /// 转办 to another handler, with a reason the enterprise sees.
        Transfer = ("transfer", "转办"),
        /// 提请工作专班协调.
        Escalate = ("escalate", "提请专班协调"),
        /// 请企业补充材料.
        AskEnterprise = ("ask_enterprise", "请企业补充"),
        /// The enterprise adds what was asked.
        Supplement = ("supplement", "企业补充"),
        /// 延期 once, with reason, approved by the working group.
        Extend = ("extend", "延期"),
        /// 答复（办结）.
        Reply = ("reply", "答复办结"),
        /// Closed as not solvable, with the reason.
        CloseUnresolvable = ("close_unresolvable", "无法解决办结"),
        /// Closed as not a government matter, with the reason.
        CloseNotRemit = ("close_not_remit", "不属受理范围"),
        /// Linked to an open problem as its duplicate.
        MarkDuplicate = ("mark_duplicate", "并入重复件"),
        /// The enterprise confirms the problem is solved.
        Confirm = ("confirm", "确认解决"),
        /// No answer within the confirmation window: 视为解决 (the system).
        AutoResolve = ("auto_resolve", "逾期未确认视为解决"),
        /// The enterprise is not satisfied and reopens (once, within the window).
        Reopen = ("reopen", "不满意重办"),
        /// The enterprise rates the handling 1–5 (once).
        Rate = ("rate", "评价"),
    }
}

huiqi_domain::vocabulary! {
    /// Who takes an action.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Actor {
        Enterprise = ("enterprise", "企业"),
        /// The unit or county the problem is dispatched to.
        Handler = ("handler", "承办单位"),
        /// The working group, also the front desk (前台综合受理).
        WorkingGroup = ("working_group", "工作专班"),
        /// The platform itself (the confirmation window).
        System = ("system", "系统"),
    }
}

/// Who may take an action.
pub fn actors(action: Action) -> &'static [Actor] {
    use Action as A;
    use Actor as W;
    match action {
        A::Dispatch | A::Extend | A::MarkDuplicate => &[W::WorkingGroup],
        A::Accept | A::AskEnterprise | A::Reply => &[W::Handler],
        A::Transfer | A::Escalate => &[W::Handler, W::WorkingGroup],
        A::CloseUnresolvable | A::CloseNotRemit => &[W::Handler, W::WorkingGroup],
        A::Supplement | A::Confirm | A::Reopen | A::Rate => &[W::Enterprise],
        A::AutoResolve => &[W::System],
    }
}

/// The state an action leads to from `from`, if the pair is allowed at all (before the guards of
/// [`check`]). This is the whole transition table.
pub fn next(from: State, action: Action) -> Option<State> {
    use Action as A;
    use State as S;
    match (from, action) {
        (S::Received | S::WorkingGroup, A::Dispatch) => Some(S::Dispatched),
        (S::Dispatched, A::Accept) => Some(S::InProgress),
        (S::Dispatched | S::InProgress, A::Transfer) => Some(S::Dispatched),
        (S::Dispatched | S::InProgress | S::WaitingEnterprise, A::Escalate) => {
            Some(S::WorkingGroup)
        }
        (S::InProgress, A::AskEnterprise) => Some(S::WaitingEnterprise),
        (S::WaitingEnterprise, A::Supplement) => Some(S::InProgress),
        (s @ (S::Dispatched | S::InProgress | S::WaitingEnterprise), A::Extend) => Some(s),
        (S::InProgress | S::WaitingEnterprise, A::Reply) => Some(S::Replied),
        (S::InProgress | S::WaitingEnterprise | S::WorkingGroup, A::CloseUnresolvable) => {
            Some(S::Unresolvable)
        }
        (S::Received | S::Dispatched | S::WorkingGroup, A::CloseNotRemit) => Some(S::NotOurRemit),
        (S::Received | S::Dispatched, A::MarkDuplicate) => Some(S::Duplicate),
        (S::Replied, A::Confirm | A::AutoResolve) => Some(S::Resolved),
        (S::Replied | S::Resolved | S::Unresolvable, A::Reopen) => Some(S::WorkingGroup),
        (s @ (S::Resolved | S::Unresolvable | S::NotOurRemit), A::Rate) => Some(s),
        _ => None,
    }
}

/// What a problem's history says, for the guards of [`check`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct History {
    /// Transfers so far.
    pub transfers: u32,
    pub reopened: bool,
    pub extended: bool,
    pub rated: bool,
    /// Working days from the latest 办结 (reply or closure) to the day of the action.
    pub workdays_since_done: Option<u32>,
}

/// What the action carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Input<'a> {
    pub note: &'a str,
    pub rating: Option<u8>,
    pub extension_workdays: Option<u32>,
    /// The handler a dispatch or transfer goes to (already resolved to a unit or county).
    pub has_target: bool,
    /// The open problem a duplicate is linked to.
    pub has_original: bool,
}

/// Parameters of the guards (from the service data).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub confirm_workdays: u32,
    pub reopen_workdays: u32,
    pub max_transfers: u32,
    pub max_extension_workdays: u32,
}

impl From<&crate::config::Rules> for Limits {
    fn from(r: &crate::config::Rules) -> Self {
        Limits {
            confirm_workdays: r.confirm_workdays,
            reopen_workdays: r.reopen_workdays,
            max_transfers: r.max_transfers,
            max_extension_workdays: r.max_extension_workdays,
        }
    }
}

/// A refused action. Messages are Chinese and say what is possible instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    #[error("问题当前为“{}”，不能“{}”{}", from.label(), action.label(), allowed(*from))]
    Transition { from: State, action: Action },
    #[error("“{}”只能由{}操作，不能由{}操作", action.label(), actor_list(*action), actor.label())]
    Actor { action: Action, actor: Actor },
    #[error("{0}不能为空")]
    Empty(&'static str),
    #[error("已转办 {0} 次，不能再转办：请提请工作专班协调，由专班决定承办单位")]
    TooManyTransfers(u32),
    #[error("每个问题只能不满意重办一次，已重办过：如仍有意见，请联系工作专班")]
    AlreadyReopened,
    #[error("办结已满 {limit} 个工作日（已过 {since} 个），不能再重办")]
    ReopenTooLate { since: u32, limit: u32 },
    #[error("答复后满 {limit} 个工作日企业未确认才视为解决（现为第 {since} 个工作日）")]
    TooEarlyToAutoResolve { since: u32, limit: u32 },
    #[error("每个问题只能延期一次，已延期过")]
    AlreadyExtended,
    #[error("延期须为 1 到 {max} 个工作日（填写了 {got}）")]
    BadExtension { got: u32, max: u32 },
    #[error("已评价过，每个问题只评价一次")]
    AlreadyRated,
    #[error("评价须是 1 到 5 分（填写了 {0}）")]
    BadRating(u8),
}

fn allowed(from: State) -> String {
    let ok: Vec<&str> = Action::ALL
        .iter()
        .copied()
        .filter(|a| next(from, *a).is_some())
        .map(Action::label)
        .collect();
    if ok.is_empty() {
        "（已结束，不能再操作）".into()
    } else {
        format!("（当前可以：{}）", ok.join("、"))
    }
}

fn actor_list(action: Action) -> String {
    actors(action)
        .iter()
        .map(|a| a.label())
        .collect::<Vec<_>>()
        .join("或")
}

/// Checks an action by `actor` on a problem in state `from` with its `history`; returns the new
/// state. Every illegal transition is refused, and so is every guard that fails.
pub fn check(
    from: State,
    action: Action,
    actor: Actor,
    history: &History,
    input: &Input<'_>,
    limits: &Limits,
) -> Result<State, StateError> {
    let to = next(from, action).ok_or(StateError::Transition { from, action })?;
    if !actors(action).contains(&actor) {
        return Err(StateError::Actor { action, actor });
    }
    let need = |what: &'static str| {
        if input.note.trim().is_empty() {
            Err(StateError::Empty(what))
        } else {
            Ok(())
        }
    };
    match action {
        Action::Dispatch if !input.has_target => return Err(StateError::Empty("承办单位")),
        Action::Transfer => {
            if history.transfers >= limits.max_transfers {
                return Err(StateError::TooManyTransfers(history.transfers));
            }
            need("转办理由")?;
            if !input.has_target {
                return Err(StateError::Empty("转往的单位"));
            }
        }
        Action::Escalate => need("提请协调的理由")?,
        Action::AskEnterprise => need("需要企业补充的内容")?,
        Action::Supplement => need("补充内容")?,
        Action::Reply => need("答复内容")?,
        Action::CloseUnresolvable => need("无法解决的理由")?,
        Action::CloseNotRemit => need("不属受理范围的理由")?,
        Action::MarkDuplicate if !input.has_original => {
            return Err(StateError::Empty("并入的原问题"));
        }
        Action::Extend => {
            if history.extended {
                return Err(StateError::AlreadyExtended);
            }
            need("延期理由")?;
            match input.extension_workdays {
                Some(n) if n >= 1 && n <= limits.max_extension_workdays => {}
                got => {
                    return Err(StateError::BadExtension {
                        got: got.unwrap_or(0),
                        max: limits.max_extension_workdays,
                    });
                }
            }
        }
        Action::AutoResolve => {
            let since = history.workdays_since_done.unwrap_or(0);
            if since < limits.confirm_workdays {
                return Err(StateError::TooEarlyToAutoResolve {
                    since,
                    limit: limits.confirm_workdays,
                });
            }
        }
        Action::Reopen => {
            if history.reopened {
                return Err(StateError::AlreadyReopened);
            }
            let since = history.workdays_since_done.unwrap_or(0);
            if since > limits.reopen_workdays {
                return Err(StateError::ReopenTooLate {
                    since,
                    limit: limits.reopen_workdays,
                });
            }
            need("不满意的理由")?;
        }
        Action::Rate => {
            if history.rated {
                return Err(StateError::AlreadyRated);
            }
            match input.rating {
                Some(r @ 1..=5) => {
                    let _ = r;
                }
                got => return Err(StateError::BadRating(got.unwrap_or(0))),
            }
        }
        _ => {}
    }
    Ok(to)
}

#[cfg(test)]
mod tests;
