//! When a release may ship: the `release-window` input (weekly ranges in IANA time zones) and
//! the `freeze` input (on, or a date range). Pure: "now" is always a parameter, so tests and the
//! runner's clock never mix.

use crate::inputs::InputError;
use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan as _, ZonedDateTime};

/// One weekly range: `Mon-Fri 09:00-17:00 Asia/Tokyo`.
#[derive(Debug, Clone)]
struct Range {
    days: [bool; 7],
    start: Time,
    end: Time,
    tz: TimeZone,
    zone: String,
}

/// The `release-window` input: one or more ranges separated by `;`. Open when any range is.
#[derive(Debug, Clone)]
pub struct ReleaseWindow {
    ranges: Vec<Range>,
    raw: String,
}

/// The `freeze` input.
#[derive(Debug, Clone, PartialEq)]
pub enum Freeze {
    Off,
    On,
    /// Inclusive dates in `zone`.
    Dates {
        from: Date,
        to: Date,
        zone: String,
    },
}

/// Whether this moment may ship, and if not, why and when it may.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    Open,
    Closed(String),
}

fn day_index(w: Weekday) -> usize {
    w.to_monday_zero_offset() as usize
}

fn parse_day(s: &str) -> Option<usize> {
    let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let l = s.to_ascii_lowercase();
    days.iter().position(|d| l.starts_with(d) && l.len() >= 3)
}

fn parse_days(spec: &str) -> Option<[bool; 7]> {
    let mut out = [false; 7];
    for part in spec.split(',') {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (parse_day(a)?, parse_day(b)?);
                let mut d = a;
                loop {
                    out[d] = true;
                    if d == b {
                        break;
                    }
                    d = (d + 1) % 7;
                }
            }
            None => out[parse_day(part)?] = true,
        }
    }
    Some(out)
}

fn parse_time(s: &str) -> Option<Time> {
    let (h, m) = s.split_once(':')?;
    let (h, m): (i8, i8) = (h.parse().ok()?, m.parse().ok()?);
    if h == 24 && m == 0 {
        return Some(Time::MAX);
    }
    Time::new(h, m, 0, 0).ok()
}

fn zone(name: &str, input: &str) -> Result<TimeZone, InputError> {
    TimeZone::get(name).map_err(|e| {
        InputError::new(
            input,
            format!("'{name}' is not an IANA time zone (like Asia/Tokyo or UTC): {e}"),
        )
    })
}

impl ReleaseWindow {
    /// `Mon-Fri 09:00-17:00 Asia/Tokyo; Sat 10:00-12:00 Europe/Berlin`. The zone may be left out
    /// for UTC.
    pub fn parse(raw: &str) -> Result<ReleaseWindow, InputError> {
        let bad = |part: &str, why: &str| {
            InputError::new(
                "release-window",
                format!("'{part}': {why} (expected e.g. `Mon-Fri 09:00-17:00 Asia/Tokyo`, several separated by `;`)"),
            )
        };
        let mut ranges = Vec::new();
        for part in raw.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let words: Vec<&str> = part.split_whitespace().collect();
            let (days, times, zone_name) = match words.as_slice() {
                [d, t] => (*d, *t, "UTC"),
                [d, t, z] => (*d, *t, *z),
                _ => return Err(bad(part, "expected days, a time range and a time zone")),
            };
            let days = parse_days(days).ok_or_else(|| bad(part, "unknown days"))?;
            let (start, end) = times
                .split_once('-')
                .and_then(|(a, b)| Some((parse_time(a)?, parse_time(b)?)))
                .ok_or_else(|| bad(part, "the times must be HH:MM-HH:MM"))?;
            if start >= end {
                return Err(bad(
                    part,
                    "the range must end after it starts on the same day (split a range over midnight in two)",
                ));
            }
            ranges.push(Range {
                days,
                start,
                end,
                tz: zone(zone_name, "release-window")?,
                zone: zone_name.to_string(),
            });
        }
        if ranges.is_empty() {
            return Err(bad(raw, "no range"));
        }
        Ok(ReleaseWindow {
            ranges,
            raw: raw.trim().to_string(),
        })
    }

    /// Open at `now`, or the next moment it opens.
    pub fn check(&self, now: Timestamp) -> Result<(), Option<ZonedDateTime>> {
        let mut next: Option<ZonedDateTime> = None;
        for r in &self.ranges {
            let local = now.to_zoned_datetime(r.tz.clone());
            let today = local.date();
            if r.days[day_index(local.weekday())] && local.time() >= r.start && local.time() < r.end
            {
                return Ok(());
            }
            for d in 0..8i64 {
                let Ok(date) = today.checked_add(d.days()) else {
                    continue;
                };
                if !r.days[day_index(date.weekday())] {
                    continue;
                }
                let Ok(opens) = date.to_datetime(r.start).to_zoned_datetime(r.tz.clone()) else {
                    continue;
                };
                if opens.timestamp() > now
                    && next
                        .as_ref()
                        .is_none_or(|n| opens.timestamp() < n.timestamp())
                {
                    next = Some(opens);
                    break;
                }
            }
        }
        Err(next)
    }

    pub fn describe(&self) -> &str {
        &self.raw
    }

    /// Each range's zone names: for messages.
    pub fn zones(&self) -> Vec<&str> {
        self.ranges.iter().map(|r| r.zone.as_str()).collect()
    }
}

impl Freeze {
    /// `true`/`false`, or `YYYY-MM-DD..YYYY-MM-DD [Zone]` (inclusive; UTC when no zone).
    pub fn parse(raw: &str) -> Result<Freeze, InputError> {
        let t = raw.trim();
        match t.to_ascii_lowercase().as_str() {
            "" | "false" | "no" | "off" => return Ok(Freeze::Off),
            "true" | "yes" | "on" => return Ok(Freeze::On),
            _ => {}
        }
        let bad = || {
            InputError::new(
                "freeze",
                format!("expected true, false or a date range like `2026-12-24..2027-01-03 Asia/Tokyo`, got '{t}'"),
            )
        };
        let mut words = t.split_whitespace();
        let range = words.next().ok_or_else(bad)?;
        let zone_name = words.next().unwrap_or("UTC");
        if words.next().is_some() {
            return Err(bad());
        }
        let (a, b) = range.split_once("..").ok_or_else(bad)?;
        let from: Date = a.parse().map_err(|_| bad())?;
        let to: Date = b.parse().map_err(|_| bad())?;
        if to < from {
            return Err(InputError::new(
                "freeze",
                format!("'{t}' ends before it starts"),
            ));
        }
        zone(zone_name, "freeze")?;
        Ok(Freeze::Dates {
            from,
            to,
            zone: zone_name.to_string(),
        })
    }

    /// Why `now` is frozen, if it is.
    pub fn check(&self, now: Timestamp) -> Option<String> {
        match self {
            Freeze::Off => None,
            Freeze::On => Some("a release freeze is on (input `freeze: true`)".to_string()),
            Freeze::Dates { from, to, zone } => {
                let tz = TimeZone::get(zone).ok()?;
                let today = now.to_zoned_datetime(tz).date();
                (today >= *from && today <= *to).then(|| {
                    format!(
                        "a release freeze is on from {from} to {to} ({zone}); releases resume on {}",
                        to.checked_add(1.day()).unwrap_or(*to)
                    )
                })
            }
        }
    }
}

/// The decision for `now`: frozen beats the window; `force` overrides both (never the gate,
/// which is checked elsewhere).
pub fn decide(
    window: Option<&ReleaseWindow>,
    freeze: &Freeze,
    force: bool,
    now: Timestamp,
) -> Gate {
    if force {
        return Gate::Open;
    }
    if let Some(why) = freeze.check(now) {
        return Gate::Closed(format!("not released: {why}"));
    }
    match window.map(|w| (w, w.check(now))) {
        None | Some((_, Ok(()))) => Gate::Open,
        Some((w, Err(next))) => Gate::Closed(match next {
            Some(n) => format!(
                "not released: outside the window `{}` (next opens {})",
                w.describe(),
                n.strftime("%a %Y-%m-%d %H:%M %Z")
            ),
            None => format!("not released: outside the window `{}`", w.describe()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn a_tokyo_window_seen_from_utc() {
        let w = ReleaseWindow::parse("Mon-Fri 09:00-17:00 Asia/Tokyo").unwrap();
        // Monday 2026-12-07 00:30 UTC is 09:30 in Tokyo: open.
        assert_eq!(w.check(at("2026-12-07T00:30:00Z")), Ok(()));
        // Sunday 2026-12-06 23:59 UTC is Monday 08:59 in Tokyo: opens a minute later.
        let next = w.check(at("2026-12-06T23:59:00Z")).unwrap_err().unwrap();
        assert_eq!(next.timestamp(), at("2026-12-07T00:00:00Z"));
        // Friday 17:00 Tokyo (08:00 UTC) is closed until Monday 09:00 Tokyo.
        let next = w.check(at("2026-12-11T08:00:00Z")).unwrap_err().unwrap();
        assert_eq!(next.timestamp(), at("2026-12-14T00:00:00Z"));
        match decide(Some(&w), &Freeze::Off, false, at("2026-12-11T08:00:00Z")) {
            Gate::Closed(m) => assert!(
                m.contains("outside the window")
                    && m.contains("next opens Mon 2026-12-14 09:00 JST"),
                "{m}"
            ),
            Gate::Open => panic!("open"),
        }
        assert_eq!(
            decide(Some(&w), &Freeze::Off, true, at("2026-12-11T08:00:00Z")),
            Gate::Open
        );
    }

    #[test]
    fn several_ranges_and_dst() {
        let w = ReleaseWindow::parse(
            "Mon-Thu 09:00-17:00 Europe/Berlin; Fri 09:00-12:00 Europe/Berlin",
        )
        .unwrap();
        // Friday 2026-07-03 11:30 in Berlin (CEST, UTC+2) = 09:30 UTC: open.
        assert_eq!(w.check(at("2026-07-03T09:30:00Z")), Ok(()));
        // 12:30 Berlin on that Friday: closed until Monday 09:00 CEST = 07:00 UTC.
        let next = w.check(at("2026-07-03T10:30:00Z")).unwrap_err().unwrap();
        assert_eq!(next.timestamp(), at("2026-07-06T07:00:00Z"));
        // In winter (CET, UTC+1) 09:00 Berlin is 08:00 UTC.
        assert!(w.check(at("2026-12-07T07:30:00Z")).is_err());
        assert_eq!(w.check(at("2026-12-07T08:00:00Z")), Ok(()));
        assert_eq!(w.zones(), vec!["Europe/Berlin", "Europe/Berlin"]);
    }

    #[test]
    fn bad_windows_name_the_input() {
        for bad in [
            "",
            "Mon-Fri",
            "Funday 09:00-17:00 UTC",
            "Mon 17:00-09:00 UTC",
            "Mon 9am-5pm UTC",
            "Mon 09:00-17:00 Mars/Olympus",
        ] {
            let e = ReleaseWindow::parse(bad).unwrap_err();
            assert_eq!(e.input, "release-window", "{bad}");
        }
        assert!(ReleaseWindow::parse("sat,sun 10:00-24:00").is_ok());
    }

    #[test]
    fn freeze_on_and_by_dates() {
        assert_eq!(Freeze::parse("false").unwrap(), Freeze::Off);
        assert_eq!(Freeze::parse("").unwrap(), Freeze::Off);
        assert!(Freeze::parse("true")
            .unwrap()
            .check(at("2026-12-07T00:00:00Z"))
            .is_some());
        let f = Freeze::parse("2026-12-24..2027-01-03 Asia/Tokyo").unwrap();
        // 2026-12-23 15:30 UTC is already the 24th in Tokyo.
        assert!(f.check(at("2026-12-23T15:30:00Z")).is_some());
        assert!(f.check(at("2026-12-23T14:30:00Z")).is_none());
        let why = f.check(at("2027-01-03T10:00:00Z")).unwrap();
        assert!(why.contains("resume on 2027-01-04"), "{why}");
        let w = ReleaseWindow::parse("Mon-Sun 00:00-24:00 UTC").unwrap();
        match decide(Some(&w), &f, false, at("2026-12-25T00:00:00Z")) {
            Gate::Closed(m) => assert!(m.starts_with("not released: a release freeze"), "{m}"),
            Gate::Open => panic!("frozen"),
        }
        for bad in [
            "maybe",
            "2026-12-24",
            "2027-01-03..2026-12-24",
            "2026-12-24..2027-01-03 Nowhere/City",
        ] {
            assert_eq!(Freeze::parse(bad).unwrap_err().input, "freeze", "{bad}");
        }
    }
}
