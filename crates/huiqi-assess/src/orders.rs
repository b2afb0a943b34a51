//! The 督办单 (supervision order) of the working group: sent for one supervision line with a due
//! date and a required reply; the unit or county replies; the working group closes it or returns
//! it for more work with a new due date; an order sent by mistake is withdrawn. Every change is an
//! event (who, when, from, to, note) kept by the store; the state is replayed from them.

use chrono::NaiveDate;
use serde::Serialize;

huiqi_domain::vocabulary! {
    /// Where an order stands.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
    #[serde(rename_all = "snake_case")]
    pub enum OrderState {
        /// Sent, awaiting the reply.
        Issued = ("issued", "待答复"),
        /// The reply is in, the working group has not decided.
        Replied = ("replied", "已答复"),
        /// The working group wants more; awaiting a new reply by the new due date.
        Returned = ("returned", "退回重办"),
        Closed = ("closed", "已办结"),
        Withdrawn = ("withdrawn", "已撤回"),
    }
}

impl OrderState {
    /// Awaiting a reply from the line (counts on the board, can be overdue).
    pub fn awaiting_reply(self) -> bool {
        matches!(self, OrderState::Issued | OrderState::Returned)
    }
}

huiqi_domain::vocabulary! {
    /// What can be done to an order.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
    #[serde(rename_all = "snake_case")]
    pub enum OrderAction {
        /// The unit or county answers (by the line's reporter).
        Reply = ("reply", "答复"),
        /// The working group accepts the reply.
        Close = ("close", "办结"),
        /// The working group asks for more, with a new due date.
        Return = ("return", "退回重办"),
        /// The working group withdraws an order sent by mistake.
        Withdraw = ("withdraw", "撤回"),
    }
}

impl OrderAction {
    /// Whether the working group (rather than the line) takes this action.
    pub fn by_working_group(self) -> bool {
        !matches!(self, OrderAction::Reply)
    }
}

/// A refused 督办单 action.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    #[error("督办单当前为“{}”，不能“{}”{}", from.label(), action.label(), allowed(*from))]
    Transition {
        from: OrderState,
        action: OrderAction,
    },
    #[error("{0}不能为空")]
    Empty(&'static str),
    #[error("答复期限 {due} 须晚于 {on}")]
    DueTooEarly { due: NaiveDate, on: NaiveDate },
}

fn allowed(from: OrderState) -> String {
    let ok: Vec<&str> = OrderAction::ALL
        .iter()
        .copied()
        .filter(|a| next(from, *a).is_some())
        .map(OrderAction::label)
        .collect();
    if ok.is_empty() {
        "（已结束，不能再操作）".into()
    } else {
        format!("（当前可以：{}）", ok.join("、"))
    }
}

/// The state an action leads to, if the action is allowed in `from`.
pub fn next(from: OrderState, action: OrderAction) -> Option<OrderState> {
    use OrderAction as A;
    use OrderState as S;
    match (from, action) {
        (S::Issued | S::Returned, A::Reply) => Some(S::Replied),
        (S::Replied, A::Close) => Some(S::Closed),
        (S::Replied, A::Return) => Some(S::Returned),
        (S::Issued | S::Returned, A::Withdraw) => Some(S::Withdrawn),
        _ => None,
    }
}

/// Checks a new order: a requirement, and a due date after the day it is sent.
pub fn check_issue(on: NaiveDate, due: NaiveDate, requirement: &str) -> Result<(), OrderError> {
    if requirement.trim().is_empty() {
        return Err(OrderError::Empty("督办要求"));
    }
    if due <= on {
        return Err(OrderError::DueTooEarly { due, on });
    }
    Ok(())
}

/// Checks an action on an order in state `from` on day `on` (a reply needs text; a return needs a
/// note and a new due date after `on`); returns the new state.
pub fn check_action(
    from: OrderState,
    action: OrderAction,
    on: NaiveDate,
    note: &str,
    new_due: Option<NaiveDate>,
) -> Result<OrderState, OrderError> {
    let to = next(from, action).ok_or(OrderError::Transition { from, action })?;
    match action {
        OrderAction::Reply if note.trim().is_empty() => Err(OrderError::Empty("答复内容")),
        OrderAction::Return if note.trim().is_empty() => Err(OrderError::Empty("退回原因")),
        OrderAction::Return => match new_due {
            None => Err(OrderError::Empty("新的答复期限")),
            Some(due) if due <= on => Err(OrderError::DueTooEarly { due, on }),
            Some(_) => Ok(to),
        },
        _ => Ok(to),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// Every state × every action: exactly the four allowed transitions, the rest refused with a
    /// message that says what is possible.
    #[test]
    fn every_state_and_action() {
        use OrderAction as A;
        use OrderState as S;
        let allowed = [
            (S::Issued, A::Reply, S::Replied),
            (S::Returned, A::Reply, S::Replied),
            (S::Replied, A::Close, S::Closed),
            (S::Replied, A::Return, S::Returned),
            (S::Issued, A::Withdraw, S::Withdrawn),
            (S::Returned, A::Withdraw, S::Withdrawn),
        ];
        let on = day("2023-11-01");
        for from in OrderState::ALL.iter().copied() {
            for action in OrderAction::ALL.iter().copied() {
                let got = check_action(from, action, on, "说明", Some(day("2023-11-10")));
                match allowed.iter().find(|(f, a, _)| *f == from && *a == action) {
                    Some((_, _, to)) => assert_eq!(got, Ok(*to), "{from:?} {action:?}"),
                    None => {
                        let e = got.unwrap_err();
                        assert_eq!(e, OrderError::Transition { from, action });
                        let msg = e.to_string();
                        assert!(msg.contains(from.label()) && msg.contains(action.label()));
                        if matches!(from, S::Closed | S::Withdrawn) {
                            assert!(msg.contains("已结束"), "{msg}");
                        } else {
                            assert!(msg.contains("当前可以"), "{msg}");
                        }
                    }
                }
            }
        }
        assert_eq!(
            OrderState::ALL
                .iter()
                .filter(|s| s.awaiting_reply())
                .count(),
            2
        );
    }

    #[test]
    fn replies_returns_and_new_orders_need_their_content() {
        let on = day("2023-11-01");
        assert_eq!(
            check_action(OrderState::Issued, OrderAction::Reply, on, " ", None),
            Err(OrderError::Empty("答复内容"))
        );
        assert_eq!(
            check_action(
                OrderState::Replied,
                OrderAction::Return,
                on,
                "不够具体",
                None
            ),
            Err(OrderError::Empty("新的答复期限"))
        );
        assert_eq!(
            check_action(
                OrderState::Replied,
                OrderAction::Return,
                on,
                "不够具体",
                Some(on)
            ),
            Err(OrderError::DueTooEarly { due: on, on })
        );
        assert_eq!(
            check_action(
                OrderState::Replied,
                OrderAction::Return,
                on,
                "",
                Some(day("2023-12-01"))
            ),
            Err(OrderError::Empty("退回原因"))
        );
        assert!(check_issue(on, day("2023-11-08"), "请说明第三季度挂牌进展").is_ok());
        assert!(check_issue(on, on, "x").is_err());
        assert!(check_issue(on, day("2023-11-08"), "").is_err());
        for s in OrderState::ALL.iter().copied() {
            assert_eq!(OrderState::parse(s.as_str()), Some(s));
        }
        for a in OrderAction::ALL.iter().copied() {
            assert_eq!(OrderAction::parse(a.as_str()), Some(a));
        }
    }
}
