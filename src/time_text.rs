//! Every time the cockpit writes as text, in one place: ages as kubectl
//! writes them, elapsed times of operations and connections, and timestamps.
//! Plain functions of a time and "now" (which the core passes in), so views,
//! rows and the diagnosis agree on every duration they print.
//!
//! The texts of a time and "now" (`format_age`, `elapsed_since`) also say
//! when they will next read differently (ages in minutes or coarser: at the
//! turn of the clock's minute from then, so they move together), to whoever
//! draws inside [`next_change_within`]: idle, the clock's tick is the only
//! message, and a tick before that is not drawn (at classroom scale a draw
//! walks thousands of pods to find nothing changed). The texts report
//! it themselves, so a view that shows a new time text is covered without a
//! list of them kept anywhere else.

use std::cell::Cell;

use chrono::{DateTime, Duration, SecondsFormat, Utc};

/// kubectl's AGE column ("45s", "5m", "3h", "2d"), `<unknown>` without a
/// creation time.
pub fn format_age(created: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match created {
        Some(t) => {
            let age = now - t;
            note_change_in(age_redrawn_in(age, now));
            human_duration(age)
        }
        None => "<unknown>".into(),
    }
}

/// [`elapsed`] from `since` to `now`, as a connection's or an operation's
/// running time.
pub fn elapsed_since(since: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let running = now - since;
    let seconds = running.num_seconds().max(0);
    note_change(running, if seconds < 3600 { 1 } else { 60 - seconds % 60 });
    elapsed(seconds)
}

/// How long until an age text is worth a new frame: a text in seconds
/// when it next reads differently, one in minutes or coarser at the first
/// turn of the clock's minute from then. Idle on a namespace whose ages show
/// minutes, the screen then changes once a minute, every row that turned in
/// one frame, instead of a frame for each row at its own second (forty rows
/// made over a few minutes had the loop drawing most seconds, a trickle of
/// bytes a slow link pays for). Such a text is at most a minute behind
/// between frames; any frame drawn for another reason shows every age as it
/// is.
fn age_redrawn_in(age: Duration, now: DateTime<Utc>) -> Duration {
    let changes_in = human_duration_changes_in(age);
    if age < Duration::minutes(10) {
        return changes_in;
    }
    let at = now + changes_in;
    let into_minute = Duration::seconds(at.timestamp().rem_euclid(60))
        + Duration::nanoseconds(i64::from(at.timestamp_subsec_nanos()));
    if into_minute.is_zero() {
        changes_in
    } else {
        changes_in + Duration::minutes(1) - into_minute
    }
}

/// How long until [`human_duration`] of `age` next reads differently: its
/// smallest unit shown, up to the next turn of that unit. Never later than
/// the real change; past eight years it may be earlier (a day's turn where
/// the text shows only years), which costs only a frame that changes
/// nothing.
fn human_duration_changes_in(age: Duration) -> Duration {
    const MINUTE: i64 = 60;
    const HOUR: i64 = 3600;
    const DAY: i64 = 86_400;
    if age < Duration::zero() {
        // Ahead of the clock: "<invalid>" while two seconds or more ahead,
        // then "0s" until a second old.
        return if age <= Duration::seconds(-2) {
            Duration::seconds(-2) - age + Duration::milliseconds(1)
        } else {
            Duration::seconds(1) - age
        };
    }
    let whole = age.num_seconds();
    let unit = match whole {
        s if s < 10 * MINUTE => 1,
        s if s < 8 * HOUR => MINUTE,
        s if s < 8 * DAY => HOUR,
        _ => DAY,
    };
    Duration::seconds(unit - whole % unit) - (age - Duration::seconds(whole))
}

/// A text of the duration `shown` (not negative) reads differently once
/// `whole_seconds` more whole seconds have turned: that is sooner by the
/// part of a second `shown` already has beyond its whole seconds.
fn note_change(shown: Duration, whole_seconds: i64) {
    let shown = shown.max(Duration::zero());
    let beyond = shown - Duration::seconds(shown.num_seconds());
    note_change_in(Duration::seconds(whole_seconds) - beyond);
}

thread_local! {
    /// The soonest change noted by the texts made inside
    /// [`next_change_within`] on this thread, from their "now"; None outside
    /// it (headless output notes nothing).
    static SOONEST_CHANGE: Cell<Option<Option<Duration>>> = const { Cell::new(None) };
}

/// Notes the next turn of a whole second counted from `since`: a spinner
/// that moves every second.
pub fn note_next_second(since: DateTime<Utc>, now: DateTime<Utc>) {
    note_change(now - since, 1);
}

/// Notes that a text made now reads differently in `after`.
pub fn note_change_in(after: Duration) {
    let after = after.max(Duration::milliseconds(1));
    SOONEST_CHANGE.with(|soonest| {
        if let Some(current) = soonest.get() {
            soonest.set(Some(Some(current.map_or(after, |c| c.min(after)))));
        }
    });
}

/// Notes that a text made at `now` reads differently at `at` (a grace
/// period that ends, say); nothing when `at` is not after `now`.
pub fn note_change_at(at: DateTime<Utc>, now: DateTime<Utc>) {
    if at > now {
        note_change_in(at - now);
    }
}

/// Runs `draw` and says how soon (from the "now" it drew with) the first
/// of the time texts it made reads differently; None when it made none
/// that will ever change.
pub fn next_change_within<R>(draw: impl FnOnce() -> R) -> (R, Option<Duration>) {
    let outer = SOONEST_CHANGE.with(|s| s.replace(Some(None)));
    let out = draw();
    let noted = SOONEST_CHANGE.with(|s| s.replace(outer)).flatten();
    // A draw inside another one's window counts for the outer one too.
    if let Some(after) = noted {
        note_change_in(after);
    }
    (out, noted)
}

/// apimachinery's `duration.HumanDuration`, which kubectl uses for ages:
/// two significant units while they matter ("5m30s" under ten minutes,
/// "3h20m" under eight hours, "2d5h" under eight days), one unit after.
pub fn human_duration(d: Duration) -> String {
    let seconds = d.num_seconds();
    // Clocks of client and server differ by a second or so: "0s", not
    // "<invalid>", for a pod created a moment "in the future".
    if seconds < -1 {
        return "<invalid>".into();
    } else if seconds < 0 {
        return "0s".into();
    } else if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    } else if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = minutes / 60;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    } else if hours < 48 {
        return format!("{hours}h");
    } else if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    } else if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    } else if hours < 24 * 365 * 8 {
        let days = (hours / 24) % 365;
        return if days == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{days}d", hours / 24 / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}

/// `45s`, `1m20s`, `1h02m`: precise enough to tell it is moving.
pub fn elapsed(seconds: i64) -> String {
    match seconds {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m{:02}s", s / 60, s % 60),
        s => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn ages_like_kubectl() {
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap();
        let ago = |s: i64| Some(now - Duration::seconds(s));
        assert_eq!(format_age(None, now), "<unknown>");
        assert_eq!(format_age(ago(45), now), "45s");
        assert_eq!(format_age(ago(119), now), "119s");
        assert_eq!(format_age(ago(300), now), "5m");
        assert_eq!(format_age(ago(330), now), "5m30s");
        assert_eq!(format_age(ago(45 * 60), now), "45m");
        assert_eq!(format_age(ago(3 * 3600), now), "3h");
        assert_eq!(format_age(ago(3 * 3600 + 20 * 60), now), "3h20m");
        assert_eq!(format_age(ago(20 * 3600), now), "20h");
        assert_eq!(format_age(ago(48 * 3600), now), "2d");
        assert_eq!(format_age(ago(53 * 3600), now), "2d5h");
        assert_eq!(format_age(ago(30 * 86400), now), "30d");
        assert_eq!(format_age(ago(800 * 86400), now), "2y70d");
        assert_eq!(format_age(ago(3000 * 86400), now), "8y");
        assert_eq!(format_age(ago(-1), now), "0s");
        assert_eq!(format_age(ago(-5), now), "<invalid>");
    }

    /// The change an age in seconds reports is the real one: the text reads
    /// the same up to it and differently from it (ahead of the clock too, as
    /// with a server's clock a little fast). One in minutes or coarser
    /// reports the first turn of the clock's minute at which it reads
    /// differently: at the minute before that it still read the same
    /// (exactly, below eight years). Checked from a "now" on a whole minute
    /// and from one within a minute.
    #[test]
    fn an_age_reports_when_it_next_reads_differently() {
        let edges = [
            -3, -2, 0, 119, 120, 599, 600, 10_799, 10_800, 28_799, 28_800,
        ];
        let more = [172_799, 172_800, 691_199, 691_200, 63_071_999, 63_072_000];
        let whole = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap();
        for now in [whole, whole + Duration::milliseconds(17_300)] {
            let samples = (0..700_000).step_by(997).chain(edges).chain(more);
            for age in samples {
                for part in [0, 250, 999] {
                    let created = Some(now - Duration::seconds(age) - Duration::milliseconds(part));
                    let what = format!("age {age}s+{part}ms at {now}");
                    let (text, next) = next_change_within(|| format_age(created, now));
                    let next = next.expect("an age always changes");
                    assert!(next > Duration::zero(), "{what}");
                    let at = now + next;
                    assert_ne!(format_age(created, at), text, "{what}");
                    if age < 600 {
                        let before = at - Duration::milliseconds(1);
                        assert_eq!(format_age(created, before), text, "{what}");
                    } else {
                        assert_eq!(at.timestamp_subsec_nanos(), 0, "{what}");
                        assert_eq!(at.timestamp() % 60, 0, "{what}");
                        let minute_before = (at - Duration::minutes(1)).max(now);
                        assert_eq!(format_age(created, minute_before), text, "{what}");
                    }
                }
            }
        }
    }

    #[test]
    fn elapsed_reports_its_next_second_or_minute() {
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap();
        for secs in [0, 59, 3599, 3600, 3659, 7200] {
            let since = now - Duration::seconds(secs) - Duration::milliseconds(400);
            let (text, next) = next_change_within(|| elapsed_since(since, now));
            let next = next.unwrap();
            assert_eq!(
                elapsed_since(since, now + next - Duration::milliseconds(1)),
                text
            );
            assert_ne!(elapsed_since(since, now + next), text, "{secs}s");
        }
        // Outside a draw nothing is noted, and a draw inside another counts
        // for both.
        note_change_in(Duration::seconds(1));
        let ((_, inner), outer) = next_change_within(|| {
            next_change_within(|| format_age(Some(now - Duration::seconds(30)), now))
        });
        assert_eq!(inner, Some(Duration::seconds(1)));
        assert_eq!(outer, inner);
    }

    #[test]
    fn elapsed_and_timestamps() {
        assert_eq!(elapsed(45), "45s");
        assert_eq!(elapsed(80), "1m20s");
        assert_eq!(elapsed(3720), "1h02m");
        let t = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap();
        assert_eq!(rfc3339(t), "2026-06-01T12:00:00Z");
    }
}
