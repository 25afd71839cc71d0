//! How long the merge takes: 100,000 periods from 50 calendars, the same at 10k and 1M
//! to show O(n log n), and combining 5 attendees into a group.
//!
//! The data is pseudo-random but fixed (a seeded xorshift), so runs are comparable: each
//! calendar holds periods of 15 minutes to 4 hours at random starts, about 5.5 per
//! calendar per day (the span grows with n so the density stays the same), 70% busy,
//! 20% tentative, 5% unknown, 5% free. Results are in BENCHMARKS.md.

use std::hint::black_box;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use freebusy_core::{Availability, GroupAvailability, Period, Status};

const CALENDARS: usize = 50;

/// xorshift64*: enough randomness for benchmark data, no dependency.
struct Xorshift(u64);

impl Xorshift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

/// `count` periods spread over `calendars` calendars (calendar-major order, as if
/// fetched one calendar after another).
fn periods(count: usize, calendars: usize, seed: u64) -> Vec<Period> {
    let mut random = Xorshift(seed);
    // 100,000 periods from 50 calendars span a year: ~5.5 per calendar per day.
    let span_minutes =
        (365 * 24 * 60 * count as u64 / 100_000 * CALENDARS as u64 / calendars as u64).max(60);
    let mut periods = Vec::with_capacity(count);
    for _calendar in 0..calendars {
        for _ in 0..count / calendars {
            let start = base() + TimeDelta::minutes(random.below(span_minutes) as i64);
            let end = start + TimeDelta::minutes(15 * (1 + random.below(16)) as i64);
            let status = match random.below(20) {
                0..14 => Status::Busy,
                14..18 => Status::Tentative,
                18 => Status::Unknown,
                _ => Status::Free,
            };
            periods.push(Period::new(start, end, status).unwrap());
        }
    }
    periods
}

fn merge_100k_from_50_calendars(c: &mut Criterion) {
    let input = periods(100_000, CALENDARS, 0x5EED);
    let mut group = c.benchmark_group("merge");
    group.throughput(Throughput::Elements(input.len() as u64));
    group.bench_function("100k periods, 50 calendars", |b| {
        b.iter(|| Availability::merge(black_box(&input).iter().copied()))
    });
    group.finish();
}

fn merge_scaling(c: &mut Criterion) {
    let mut group = c.benchmark_group("merge scaling");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(8));
    for count in [10_000, 100_000, 1_000_000] {
        let input = periods(count, CALENDARS, 0x5EED);
        group.throughput(Throughput::Elements(count as u64));
        group.bench_with_input(BenchmarkId::from_parameter(count), &input, |b, input| {
            b.iter(|| Availability::merge(black_box(input).iter().copied()))
        });
    }
    group.finish();
}

fn combine_5_attendees(c: &mut Criterion) {
    // Five people with 10 calendars and 20,000 periods each, merged beforehand.
    let attendees: Vec<Availability> = (0..5)
        .map(|seed| Availability::merge(periods(20_000, 10, 0xA77E_0000 + seed)))
        .collect();
    let mut group = c.benchmark_group("group");
    group.bench_function("combine 5 attendees (20k periods each)", |b| {
        b.iter(|| GroupAvailability::combine(black_box(&attendees)))
    });
    group.finish();
}

criterion_group!(
    benches,
    merge_100k_from_50_calendars,
    merge_scaling,
    combine_5_attendees
);
criterion_main!(benches);
