//! Synthetic lists for the demo (`huiqi gen --certifications/--trainings`): a year's 认定名单 over
//! the generated population and a year's 企业家培训台账. Deterministic like the population (SplitMix64
//! per seed, index and stream). Assumptions, at the scale of the city's yearly targets
//! (科技型中小企业 100, 创新型中小企业 50, 省级专精特新 30; 20 trainings, 2,000 trainees):
//!
//! * certifications go to enterprises (not 个体工商户) of manufacturing (C), information (I) and
//!   research (M) industries registered before the date: about 135 / 65 / 40 drawn in the list's
//!   year (fewer pass the registration-date check) and a quarter as many again in the year before
//!   (so the previous year is visible and must not count). 科技型中小企业 are entered in monthly
//!   batches March–November, 创新型 in April, July and October, 专精特新 in June, September and
//!   December. The numbers do not shrink with the population: with far fewer than 50,000
//!   enterprises most eligible ones are certified;
//! * 1–3 training sessions a month (about 2), in a jurisdiction drawn by its share of the
//!   population, 30–150 attendees each.

use std::io::{self, Write};

use chrono::{Datelike, NaiveDate};
use huiqi_domain::EntityKind;
use huiqi_domain::lists::{CERTIFICATION_COLUMNS, CertKind, TRAINING_COLUMNS};

use crate::{COUNTIES, Rng, enterprise};

/// Per kind: certifications in the list's year (the year before gets a quarter as many), the
/// months of its batches, and the certificate-number prefix.
const KINDS: [(CertKind, u64, &[u32], &str); 3] = [
    (CertKind::TechSme, 125, &[3, 4, 5, 6, 7, 8, 9, 10, 11], "KJ"),
    (CertKind::InnovativeSme, 65, &[4, 7, 10], "CX"),
    (CertKind::ProvincialZjtx, 40, &[6, 9, 12], "ZJTX"),
];

const TITLES: [&str; 6] = [
    "企业家分类短训：财税政策专题",
    "新徽商培训：小微企业经营管理",
    "专精特新企业高管研修班",
    "企业家分类短训：数字化转型",
    "新徽商培训：企业家素质提升",
    "企业高管融资对接与风险防控培训",
];

fn eligible(index: u64, population_year: i32, seed: u64) -> Option<(String, NaiveDate)> {
    let e = enterprise(index, population_year, seed);
    let section = e.industry.as_bytes()[0];
    (e.kind == EntityKind::Enterprise && matches!(section, b'C' | b'I' | b'M'))
        .then(|| (e.uscc.to_string(), e.registered_on))
}

/// Writes the certifications of `year` (and fewer of `year − 1`) for the first `count` enterprises
/// of the population of `seed` and `population_year`, as the `certifications` CSV (Chinese
/// headers and kinds). Returns the number of rows.
pub fn write_certifications_csv<W: Write>(
    out: W,
    count: u64,
    population_year: i32,
    year: i32,
    seed: u64,
) -> io::Result<u64> {
    let candidates: Vec<(u64, String, NaiveDate)> = (0..count)
        .filter_map(|i| eligible(i, population_year, seed).map(|(u, d)| (i, u, d)))
        .collect();
    let n = candidates.len().max(1) as u64;
    // (date, kind, uscc), written in date order and numbered per kind and year.
    let mut drawn: Vec<(NaiveDate, usize, &str)> = Vec::new();
    for (k, (_, per_year, months, _)) in KINDS.iter().enumerate() {
        for (i, uscc, registered_on) in &candidates {
            let mut r = Rng::new(seed, *i, 100 + k as u64);
            // Expected: per_year in the year, per_year / 4 in the year before, out of n candidates.
            let x = r.below(4 * n);
            let cert_year = if x < 4 * per_year {
                year
            } else if x < 5 * per_year {
                year - 1
            } else {
                continue;
            };
            let month = months[r.below(months.len() as u64) as usize];
            let day = 1 + r.below(28) as u32;
            match NaiveDate::from_ymd_opt(cert_year, month, day) {
                Some(on) if *registered_on < on => drawn.push((on, k, uscc)),
                _ => {}
            }
        }
    }
    drawn.sort_unstable();
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CERTIFICATION_COLUMNS.iter().map(|c| c.zh))?;
    let mut seq: std::collections::HashMap<(usize, i32), u32> = Default::default();
    for (on, k, uscc) in &drawn {
        let (kind, _, _, prefix) = KINDS[*k];
        let n = seq.entry((*k, on.year())).or_default();
        *n += 1;
        w.write_record([
            *uscc,
            kind.label(),
            &on.to_string(),
            &format!("{prefix}{}{n:05}", on.year()),
        ])?;
    }
    w.flush()?;
    Ok(drawn.len() as u64)
}

/// Writes the training sessions of `year` as the `trainings` CSV (Chinese headers). Returns the
/// number of rows.
pub fn write_trainings_csv<W: Write>(out: W, year: i32, seed: u64) -> io::Result<u64> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(TRAINING_COLUMNS.iter().map(|c| c.zh))?;
    let mut seq = 0u32;
    for month in 1..=12u32 {
        let mut r = Rng::new(seed, u64::from(month), 200 + year.unsigned_abs() as u64);
        for _ in 0..1 + r.below(3) {
            let (id, _, place, _, _) = COUNTIES[r.pick(&COUNTIES, |c| c.3)];
            // Counties by name, the development zone (no GB/T 2260 code) by its id.
            let county = if id == "luan-etdz" { id } else { place };
            let day = 1 + r.below(28) as u32;
            let Some(on) = NaiveDate::from_ymd_opt(year, month, day) else {
                continue;
            };
            seq += 1;
            let title = TITLES[r.below(TITLES.len() as u64) as usize];
            let organiser = match r.below(4) {
                0 => "市经信局".to_owned(),
                1 => String::new(),
                _ => format!("{place}人社局"),
            };
            let attendees = 30 + r.below(121);
            w.write_record([
                format!("PX{year}{seq:03}"),
                on.to_string(),
                county.to_owned(),
                title.to_owned(),
                organiser,
                attendees.to_string(),
            ])?;
        }
    }
    w.flush()?;
    Ok(u64::from(seq))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn certs(count: u64, seed: u64) -> (String, u64) {
        let mut out = Vec::new();
        let n = write_certifications_csv(&mut out, count, 2024, 2023, seed).unwrap();
        (String::from_utf8(out).unwrap(), n)
    }

    #[test]
    fn certifications_are_deterministic_and_at_the_targets_scale() {
        let (a, n) = certs(50_000, 2023);
        assert_eq!(a, certs(50_000, 2023).0);
        assert_ne!(a, certs(50_000, 7).0);
        let in_year = |kind: CertKind| {
            a.lines()
                .filter(|l| l.contains(kind.label()) && l.contains(",2023-"))
                .count()
        };
        // Around the yearly targets (100 / 50 / 30), within a believable spread.
        for (kind, lo, hi) in [
            (CertKind::TechSme, 85, 150),
            (CertKind::InnovativeSme, 40, 85),
            (CertKind::ProvincialZjtx, 22, 55),
        ] {
            let c = in_year(kind);
            assert!((lo..=hi).contains(&c), "{kind:?}: {c}");
        }
        assert!(a.contains(",2022-"), "some in the year before");
        assert!((180..=400).contains(&n), "{n} rows");
        // Every jurisdiction has some.
        let pop: Vec<_> = (0..50_000).map(|i| enterprise(i, 2024, 2023)).collect();
        for (id, ..) in COUNTIES {
            let prefix: Vec<_> = pop
                .iter()
                .filter(|e| e.county == id)
                .map(|e| e.uscc.to_string())
                .collect();
            assert!(prefix.iter().any(|u| a.contains(u.as_str())), "{id}");
        }
    }

    #[test]
    fn trainings_are_about_two_a_month() {
        let mut out = Vec::new();
        let n = write_trainings_csv(&mut out, 2023, 2023).unwrap();
        assert!((16..=32).contains(&n), "{n}");
        let text = String::from_utf8(out).unwrap();
        let attendees: Vec<u64> = text
            .lines()
            .skip(1)
            .map(|l| l.rsplit(',').next().unwrap().parse().unwrap())
            .collect();
        assert!(attendees.iter().all(|a| (30..=150).contains(a)));
        let mut again = Vec::new();
        write_trainings_csv(&mut again, 2023, 2023).unwrap();
        assert_eq!(text.as_bytes(), again.as_slice());
    }
}
