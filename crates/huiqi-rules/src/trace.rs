//! Explanations. Every formula reports what it reads, tests, uses and computes to a
//! [`Tracer`]. [`NoTrace`] does nothing and is inlined away, so evaluation without a
//! trace costs nothing; [`Trace`] records the steps for people and for JSON.

use std::fmt;

use serde::Serialize;

use crate::MeasureId;
use crate::params::{Param, Scale};
use crate::rules::MeasureBasis;

/// A figure in an explanation, exact (an intermediate product is not rounded) and with 千分位:
/// `1,234,567.8912`, `3,000,000`. Formatted only when written: the `format_args!` of a
/// [`NoTrace`] evaluation is never written, so a matching run without traces formats nothing.
pub fn figure(d: rust_decimal::Decimal) -> Figure {
    Figure(d)
}

/// An amount of a fact or a result: to the fen, 千分位 and 元 (`112,096.28 元`); formatted only
/// when written, like [`figure`].
pub fn yuan(d: rust_decimal::Decimal) -> Yuan {
    Yuan(d)
}

/// See [`figure`].
#[derive(Debug, Clone, Copy)]
pub struct Figure(pub rust_decimal::Decimal);

impl fmt::Display for Figure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.normalize();
        f.pad(&huiqi_domain::numbers::fixed(n, n.scale()))
    }
}

/// See [`yuan`].
#[derive(Debug, Clone, Copy)]
pub struct Yuan(pub rust_decimal::Decimal);

impl fmt::Display for Yuan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&huiqi_domain::numbers::yuan(self.0))
    }
}

pub trait Tracer {
    /// Whether anything is recorded: formulas skip building descriptions when it is not.
    const ON: bool = false;
    fn begin(&mut self, _id: MeasureId, _basis: &MeasureBasis) {}
    fn fact(&mut self, _name: &'static str, _value: fmt::Arguments) {}
    fn param(&mut self, _p: &Param) {}
    fn scale(&mut self, _s: &Scale) {}
    fn cond(&mut self, _text: fmt::Arguments, _holds: bool) {}
    fn calc(&mut self, _text: fmt::Arguments) {}
    fn note(&mut self, _text: fmt::Arguments) {}
    fn end(&mut self, _result: fmt::Arguments) {}
}

/// The tracer that records nothing.
pub struct NoTrace;

impl Tracer for NoTrace {}

/// One step of an explanation.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Step {
    /// A fact read from the enterprise's record.
    Fact {
        name: &'static str,
        value: String,
    },
    /// A parameter used, with the date its value started and its legal reference.
    Param {
        id: String,
        title: String,
        value: String,
        from: String,
        reference: String,
        unverified: bool,
    },
    /// A condition tested and whether it held.
    Condition {
        text: String,
        holds: bool,
    },
    /// A piece of arithmetic.
    Calc {
        text: String,
    },
    Note {
        text: String,
    },
}

/// The explanation of one measure.
#[derive(Debug, Clone, Serialize)]
pub struct MeasureTrace {
    pub measure: String,
    pub title: String,
    /// 六安政策条款
    pub city_article: u8,
    /// 国家依据
    pub basis: String,
    pub steps: Vec<Step>,
    pub result: String,
}

/// The explanation of a whole evaluation.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Trace {
    pub measures: Vec<MeasureTrace>,
}

impl Trace {
    fn current(&mut self) -> &mut MeasureTrace {
        self.measures
            .last_mut()
            .expect("begin() opens a measure before its steps")
    }

    fn push(&mut self, step: Step) {
        self.current().steps.push(step);
    }

    pub fn measure(&self, id: &str) -> Option<&MeasureTrace> {
        self.measures.iter().find(|m| m.measure == id)
    }

    /// The explanation as text a policy officer can follow.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for m in &self.measures {
            out.push_str(&format!(
                "【{}】{}（六安政策第{}条；依据：{}）\n",
                m.measure, m.title, m.city_article, m.basis
            ));
            for s in &m.steps {
                let line = match s {
                    Step::Fact { name, value } => format!("  · 事实 {name} = {value}"),
                    Step::Param {
                        id,
                        title,
                        value,
                        from,
                        reference,
                        unverified,
                    } => format!(
                        "  · 参数 {title}（{id}）= {value}，自 {from} 起，依据 {reference}{}",
                        if *unverified { "【待核实】" } else { "" }
                    ),
                    Step::Condition { text, holds } => {
                        format!("  · 条件 {text}：{}", if *holds { "是" } else { "否" })
                    }
                    Step::Calc { text } => format!("  · 计算 {text}"),
                    Step::Note { text } => format!("  · 说明 {text}"),
                };
                out.push_str(&line);
                out.push('\n');
            }
            out.push_str(&format!("  ⇒ 结果：{}\n\n", m.result));
        }
        out
    }
}

impl Tracer for Trace {
    const ON: bool = true;
    fn begin(&mut self, id: MeasureId, m: &MeasureBasis) {
        self.measures.push(MeasureTrace {
            measure: id.as_str().to_string(),
            title: id.title().to_string(),
            city_article: m.city_article,
            basis: m.basis.clone(),
            steps: Vec::new(),
            result: String::new(),
        });
    }
    fn fact(&mut self, name: &'static str, value: fmt::Arguments) {
        self.push(Step::Fact {
            name,
            value: value.to_string(),
        });
    }
    fn param(&mut self, p: &Param) {
        self.push(Step::Param {
            id: p.id.clone(),
            title: p.title.clone(),
            value: p.shown().to_string(),
            from: p.from.to_string(),
            reference: p.reference.clone(),
            unverified: p.unverified,
        });
    }
    fn scale(&mut self, s: &Scale) {
        let brackets: Vec<String> = s
            .brackets
            .iter()
            .map(|b| match b.up_to {
                Some(u) => format!(
                    "≤ {} 元：{}%（速算扣除 {} 元）",
                    figure(u),
                    figure(b.rate * rust_decimal::Decimal::ONE_HUNDRED),
                    figure(b.quick_deduction)
                ),
                None => format!(
                    "以上：{}%（速算扣除 {} 元）",
                    figure(b.rate * rust_decimal::Decimal::ONE_HUNDRED),
                    figure(b.quick_deduction)
                ),
            })
            .collect();
        self.push(Step::Param {
            id: s.id.clone(),
            title: s.title.clone(),
            value: brackets.join("；"),
            from: s.from.to_string(),
            reference: s.reference.clone(),
            unverified: false,
        });
    }
    fn cond(&mut self, text: fmt::Arguments, holds: bool) {
        self.push(Step::Condition {
            text: text.to_string(),
            holds,
        });
    }
    fn calc(&mut self, text: fmt::Arguments) {
        self.push(Step::Calc {
            text: text.to_string(),
        });
    }
    fn note(&mut self, text: fmt::Arguments) {
        self.push(Step::Note {
            text: text.to_string(),
        });
    }
    fn end(&mut self, result: fmt::Arguments) {
        self.current().result = result.to_string();
    }
}
