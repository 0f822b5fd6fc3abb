//! Every time the cockpit writes as text, in one place: ages as kubectl
//! writes them, elapsed times of operations and connections, and timestamps.
//! Plain functions of a time and "now" (which the core passes in), so views,
//! rows and the diagnosis agree on every duration they print.

use chrono::{DateTime, Duration, SecondsFormat, Utc};

/// kubectl's AGE column ("45s", "5m", "3h", "2d"), `<unknown>` without a
/// creation time.
pub fn format_age(created: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match created {
        Some(t) => human_duration(now - t),
        None => "<unknown>".into(),
    }
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

    #[test]
    fn elapsed_and_timestamps() {
        assert_eq!(elapsed(45), "45s");
        assert_eq!(elapsed(80), "1m20s");
        assert_eq!(elapsed(3720), "1h02m");
        let t = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap();
        assert_eq!(rfc3339(t), "2026-06-01T12:00:00Z");
    }
}
