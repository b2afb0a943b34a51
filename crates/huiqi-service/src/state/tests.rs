use super::*;

const LIMITS: Limits = Limits {
    confirm_workdays: 5,
    reopen_workdays: 15,
    max_transfers: 2,
    max_extension_workdays: 15,
};

fn full_input() -> Input<'static> {
    Input {
        note: "说明",
        rating: Some(4),
        extension_workdays: Some(5),
        has_target: true,
        has_original: true,
    }
}

fn ready() -> History {
    History {
        transfers: 0,
        reopened: false,
        extended: false,
        rated: false,
        workdays_since_done: Some(5),
    }
}

/// The allowed transitions, written out by hand (not derived from `next`).
const ALLOWED: &[(State, Action, State)] = {
    use Action as A;
    use State as S;
    &[
        (S::Received, A::Dispatch, S::Dispatched),
        (S::WorkingGroup, A::Dispatch, S::Dispatched),
        (S::Dispatched, A::Accept, S::InProgress),
        (S::Dispatched, A::Transfer, S::Dispatched),
        (S::InProgress, A::Transfer, S::Dispatched),
        (S::Dispatched, A::Escalate, S::WorkingGroup),
        (S::InProgress, A::Escalate, S::WorkingGroup),
        (S::WaitingEnterprise, A::Escalate, S::WorkingGroup),
        (S::InProgress, A::AskEnterprise, S::WaitingEnterprise),
        (S::WaitingEnterprise, A::Supplement, S::InProgress),
        (S::Dispatched, A::Extend, S::Dispatched),
        (S::InProgress, A::Extend, S::InProgress),
        (S::WaitingEnterprise, A::Extend, S::WaitingEnterprise),
        (S::InProgress, A::Reply, S::Replied),
        (S::WaitingEnterprise, A::Reply, S::Replied),
        (S::InProgress, A::CloseUnresolvable, S::Unresolvable),
        (S::WaitingEnterprise, A::CloseUnresolvable, S::Unresolvable),
        (S::WorkingGroup, A::CloseUnresolvable, S::Unresolvable),
        (S::Received, A::CloseNotRemit, S::NotOurRemit),
        (S::Dispatched, A::CloseNotRemit, S::NotOurRemit),
        (S::WorkingGroup, A::CloseNotRemit, S::NotOurRemit),
        (S::Received, A::MarkDuplicate, S::Duplicate),
        (S::Dispatched, A::MarkDuplicate, S::Duplicate),
        (S::Replied, A::Confirm, S::Resolved),
        (S::Replied, A::AutoResolve, S::Resolved),
        (S::Replied, A::Reopen, S::WorkingGroup),
        (S::Resolved, A::Reopen, S::WorkingGroup),
        (S::Unresolvable, A::Reopen, S::WorkingGroup),
        (S::Resolved, A::Rate, S::Resolved),
        (S::Unresolvable, A::Rate, S::Unresolvable),
        (S::NotOurRemit, A::Rate, S::NotOurRemit),
    ]
};

/// Every state × every action × every actor: exactly the transitions of `ALLOWED`, by exactly the
/// actors of `actors`; everything else refused with a message that names the state and action.
#[test]
fn every_state_action_and_actor() {
    let mut accepted = 0;
    for from in State::ALL.iter().copied() {
        for action in Action::ALL.iter().copied() {
            let expected = ALLOWED
                .iter()
                .find(|(f, a, _)| *f == from && *a == action)
                .map(|(_, _, to)| *to);
            for actor in Actor::ALL.iter().copied() {
                let got = check(from, action, actor, &ready(), &full_input(), &LIMITS);
                match expected {
                    Some(to) if actors(action).contains(&actor) => {
                        assert_eq!(got, Ok(to), "{from:?} {action:?} {actor:?}");
                        accepted += 1;
                    }
                    Some(_) => assert_eq!(
                        got,
                        Err(StateError::Actor { action, actor }),
                        "{from:?} {action:?} {actor:?}"
                    ),
                    None => {
                        let e = got.unwrap_err();
                        assert_eq!(e, StateError::Transition { from, action });
                        let msg = e.to_string();
                        assert!(msg.contains(from.label()) && msg.contains(action.label()));
                    }
                }
            }
        }
    }
    // Every allowed pair is taken by at least one actor.
    assert!(accepted >= ALLOWED.len());
    // The final states admit only reopening and rating.
    for s in [State::Duplicate] {
        for a in Action::ALL {
            assert_eq!(next(s, *a), None, "{s:?} {a:?}");
        }
    }
}

#[test]
fn done_is_not_resolved() {
    // 办结 and 解决 are different sets: a reply is 办结 but not 解决.
    assert!(State::Replied.is_done_by_handler());
    assert_ne!(State::Replied, State::Resolved);
    assert!(State::Unresolvable.is_done_by_handler());
    assert!(!State::Duplicate.is_done_by_handler());
    let open: Vec<_> = State::ALL.iter().filter(|s| s.is_open()).collect();
    assert_eq!(open.len(), 5);
    for s in State::ALL {
        assert!(!(s.is_open() && s.is_done_by_handler()), "{s:?}");
        assert_eq!(State::parse(s.as_str()), Some(*s));
    }
    for a in Action::ALL {
        assert_eq!(Action::parse(a.as_str()), Some(*a));
        assert!(!actors(*a).is_empty());
    }
}

#[test]
fn at_most_two_transfers_then_the_working_group() {
    let input = full_input();
    for (n, ok) in [(0, true), (1, true), (2, false), (3, false)] {
        let h = History {
            transfers: n,
            ..ready()
        };
        let got = check(
            State::InProgress,
            Action::Transfer,
            Actor::Handler,
            &h,
            &input,
            &LIMITS,
        );
        if ok {
            assert_eq!(got, Ok(State::Dispatched));
        } else {
            assert_eq!(got, Err(StateError::TooManyTransfers(n)));
            assert!(got.unwrap_err().to_string().contains("工作专班"));
            // The handler can still hand it to the working group, which dispatches.
            assert_eq!(
                check(
                    State::InProgress,
                    Action::Escalate,
                    Actor::Handler,
                    &h,
                    &input,
                    &LIMITS
                ),
                Ok(State::WorkingGroup)
            );
            assert_eq!(
                check(
                    State::WorkingGroup,
                    Action::Dispatch,
                    Actor::WorkingGroup,
                    &h,
                    &input,
                    &LIMITS
                ),
                Ok(State::Dispatched)
            );
        }
    }
    let no_reason = Input {
        note: " ",
        ..full_input()
    };
    assert_eq!(
        check(
            State::InProgress,
            Action::Transfer,
            Actor::Handler,
            &ready(),
            &no_reason,
            &LIMITS
        ),
        Err(StateError::Empty("转办理由"))
    );
}

#[test]
fn reopen_once_within_fifteen_working_days() {
    let input = full_input();
    let at = |since: u32, reopened: bool| {
        check(
            State::Resolved,
            Action::Reopen,
            Actor::Enterprise,
            &History {
                reopened,
                workdays_since_done: Some(since),
                ..ready()
            },
            &input,
            &LIMITS,
        )
    };
    assert_eq!(at(0, false), Ok(State::WorkingGroup));
    assert_eq!(at(15, false), Ok(State::WorkingGroup));
    assert_eq!(
        at(16, false),
        Err(StateError::ReopenTooLate {
            since: 16,
            limit: 15
        })
    );
    assert_eq!(at(3, true), Err(StateError::AlreadyReopened));
}

#[test]
fn auto_resolve_only_after_five_working_days() {
    let at = |since: u32| {
        check(
            State::Replied,
            Action::AutoResolve,
            Actor::System,
            &History {
                workdays_since_done: Some(since),
                ..ready()
            },
            &Input::default(),
            &LIMITS,
        )
    };
    assert_eq!(
        at(4),
        Err(StateError::TooEarlyToAutoResolve { since: 4, limit: 5 })
    );
    assert_eq!(at(5), Ok(State::Resolved));
    assert_eq!(at(9), Ok(State::Resolved));
}

#[test]
fn rating_one_to_five_once() {
    let rate = |r: Option<u8>, rated: bool| {
        check(
            State::Resolved,
            Action::Rate,
            Actor::Enterprise,
            &History { rated, ..ready() },
            &Input {
                rating: r,
                ..Input::default()
            },
            &LIMITS,
        )
    };
    for r in 1..=5 {
        assert_eq!(rate(Some(r), false), Ok(State::Resolved));
    }
    assert_eq!(rate(Some(0), false), Err(StateError::BadRating(0)));
    assert_eq!(rate(Some(6), false), Err(StateError::BadRating(6)));
    assert_eq!(rate(None, false), Err(StateError::BadRating(0)));
    assert_eq!(rate(Some(5), true), Err(StateError::AlreadyRated));
}

#[test]
fn one_extension_with_reason_and_bounds() {
    let ext = |days: Option<u32>, extended: bool, note: &'static str| {
        check(
            State::InProgress,
            Action::Extend,
            Actor::WorkingGroup,
            &History {
                extended,
                ..ready()
            },
            &Input {
                note,
                extension_workdays: days,
                ..Input::default()
            },
            &LIMITS,
        )
    };
    assert_eq!(ext(Some(5), false, "需现场核查"), Ok(State::InProgress));
    assert_eq!(ext(Some(5), true, "再延"), Err(StateError::AlreadyExtended));
    assert_eq!(ext(Some(5), false, ""), Err(StateError::Empty("延期理由")));
    assert_eq!(
        ext(Some(16), false, "太久"),
        Err(StateError::BadExtension { got: 16, max: 15 })
    );
    assert_eq!(
        ext(None, false, "无天数"),
        Err(StateError::BadExtension { got: 0, max: 15 })
    );
    // Handlers ask; only the working group approves.
    assert_eq!(
        check(
            State::InProgress,
            Action::Extend,
            Actor::Handler,
            &ready(),
            &full_input(),
            &LIMITS
        ),
        Err(StateError::Actor {
            action: Action::Extend,
            actor: Actor::Handler
        })
    );
}
