//! Kubernetes resource quantities ("500m", "13Gi", "1e3") as integers, and
//! back to the short forms the panes show.
//!
//! The parser follows apimachinery's `resource.ParseQuantity` grammar:
//! `<sign><digits>[.<digits>]<suffix>`, where the suffix is a binary SI unit
//! (Ki..Ei), a decimal SI unit (n u m "" k M G T P E) or a decimal exponent
//! (`e3`, `E-2`). Like `Quantity.Value()` and `MilliValue()`, results round
//! up: a request of 0.1m CPU still takes a millicore.

use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

/// A parsed, non-negative quantity: `mantissa * 10^exp10 * 2^exp2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Parsed {
    mantissa: u128,
    exp10: i32,
    exp2: u32,
}

/// Digits beyond this cannot be held in the mantissa; no real quantity has
/// them, so such strings are rejected rather than approximated.
const MAX_DIGITS: usize = 36;

fn parse(text: &str) -> Option<Parsed> {
    let s = text.trim();
    let (negative, s) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let number_end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, suffix) = s.split_at(number_end);
    let (int_part, frac_part) = match number.split_once('.') {
        Some((i, f)) => (i, f),
        None => (number, ""),
    };
    if frac_part.contains('.') || (int_part.is_empty() && frac_part.is_empty()) {
        return None;
    }
    let frac_part = frac_part.trim_end_matches('0');
    let digits: String = format!("{int_part}{frac_part}");
    let digits = digits.trim_start_matches('0');
    if digits.len() > MAX_DIGITS {
        return None;
    }
    let mantissa: u128 = if digits.is_empty() {
        0
    } else {
        digits.parse().ok()?
    };
    if negative && mantissa != 0 {
        return None;
    }
    let frac_len = i32::try_from(frac_part.len()).ok()?;
    let (suffix_exp10, exp2) = parse_suffix(suffix)?;
    Some(Parsed {
        mantissa,
        exp10: suffix_exp10.checked_sub(frac_len)?,
        exp2,
    })
}

/// (power of ten, power of two) of a suffix.
fn parse_suffix(suffix: &str) -> Option<(i32, u32)> {
    let known = match suffix {
        "" => Some((0, 0)),
        "n" => Some((-9, 0)),
        "u" => Some((-6, 0)),
        "m" => Some((-3, 0)),
        "k" => Some((3, 0)),
        "M" => Some((6, 0)),
        "G" => Some((9, 0)),
        "T" => Some((12, 0)),
        "P" => Some((15, 0)),
        "E" => Some((18, 0)),
        "Ki" => Some((0, 10)),
        "Mi" => Some((0, 20)),
        "Gi" => Some((0, 30)),
        "Ti" => Some((0, 40)),
        "Pi" => Some((0, 50)),
        "Ei" => Some((0, 60)),
        _ => None,
    };
    if known.is_some() {
        return known;
    }
    // A decimal exponent: "e3", "E-2", "e+6".
    let exponent = suffix.strip_prefix(['e', 'E'])?;
    let digits = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
    if digits.is_empty() || digits.len() > 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((exponent.parse().ok()?, 0))
}

impl Parsed {
    /// `ceil(self * 10^scale)`, if it fits in a u64.
    fn scaled_ceil(self, scale: i32) -> Option<u64> {
        if self.mantissa == 0 {
            return Some(0);
        }
        let value = self.mantissa.checked_mul(1u128.checked_shl(self.exp2)?)?;
        let exp = self.exp10.checked_add(scale)?;
        let result = if exp >= 0 {
            value.checked_mul(10u128.checked_pow(u32::try_from(exp).ok()?)?)?
        } else {
            match 10u128.checked_pow(exp.unsigned_abs()) {
                Some(divisor) => value.div_ceil(divisor),
                // The divisor exceeds any possible value: a positive
                // fraction below one, which rounds up to one.
                None => 1,
            }
        };
        u64::try_from(result).ok()
    }
}

/// CPU in millicores: "2" → 2000, "500m" → 500, "0.5" → 500.
pub fn cpu_millis(q: &Quantity) -> Option<u64> {
    parse(&q.0)?.scaled_ceil(3)
}

/// Memory (or any byte count) in bytes: "13Gi", "512M", "1e9", "1048576".
pub fn memory_bytes(q: &Quantity) -> Option<u64> {
    parse(&q.0)?.scaled_ceil(0)
}

/// A plain count ("110" pods), rounded up like `Quantity.Value()`.
pub fn count(q: &Quantity) -> Option<u64> {
    parse(&q.0)?.scaled_ceil(0)
}

/// kubectl's form: whole cores as "2", anything else in millicores "250m".
pub fn fmt_cpu_millis(millis: u64) -> String {
    if millis.is_multiple_of(1000) {
        format!("{}", millis / 1000)
    } else {
        format!("{millis}m")
    }
}

const BINARY_UNITS: [&str; 6] = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];

/// Bytes in the largest binary unit that holds at least one, with at most
/// one decimal ("13Gi", "512Mi", "5.7Gi"); below 1Ki, plain bytes ("512").
/// Rounded to the nearest tenth, so "13Gi" can stand for 12.96Gi: the panes
/// need a readable size, not an exact one.
pub fn fmt_bytes(bytes: u64) -> String {
    if bytes < 1024 {
        return bytes.to_string();
    }
    let mut unit = 0;
    while unit + 1 < BINARY_UNITS.len() && bytes >= 1u64 << (10 * (unit + 2)) {
        unit += 1;
    }
    let divisor = 1u128 << (10 * (unit + 1));
    let mut tenths = (u128::from(bytes) * 10 + divisor / 2) / divisor;
    // 1023.96Mi rounds to 1024.0Mi: say 1Gi instead.
    if tenths >= 10240 && unit + 1 < BINARY_UNITS.len() {
        unit += 1;
        tenths = (tenths + 512) / 1024;
    }
    let name = BINARY_UNITS[unit];
    if tenths.is_multiple_of(10) {
        format!("{}{name}", tenths / 10)
    } else {
        format!("{}.{}{name}", tenths / 10, tenths % 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Quantity {
        Quantity(s.to_owned())
    }

    #[test]
    fn cpu_forms() {
        assert_eq!(cpu_millis(&q("2")), Some(2000));
        assert_eq!(cpu_millis(&q("500m")), Some(500));
        assert_eq!(cpu_millis(&q("0.5")), Some(500));
        assert_eq!(cpu_millis(&q("1.5")), Some(1500));
        assert_eq!(cpu_millis(&q(".1")), Some(100));
        assert_eq!(cpu_millis(&q("1930m")), Some(1930));
        assert_eq!(cpu_millis(&q("1k")), Some(1_000_000));
        assert_eq!(cpu_millis(&q("0")), Some(0));
        assert_eq!(cpu_millis(&q("+3")), Some(3000));
    }

    #[test]
    fn cpu_rounds_up_like_milli_value() {
        assert_eq!(cpu_millis(&q("0.0001")), Some(1));
        assert_eq!(cpu_millis(&q("100u")), Some(1));
        assert_eq!(cpu_millis(&q("1n")), Some(1));
        assert_eq!(cpu_millis(&q("1e-30")), Some(1));
        assert_eq!(cpu_millis(&q("1e-300000")), Some(1));
    }

    #[test]
    fn memory_forms() {
        assert_eq!(memory_bytes(&q("1Ki")), Some(1024));
        assert_eq!(memory_bytes(&q("512Mi")), Some(512 << 20));
        assert_eq!(memory_bytes(&q("13Gi")), Some(13 << 30));
        assert_eq!(memory_bytes(&q("1Ti")), Some(1 << 40));
        assert_eq!(memory_bytes(&q("1.5Gi")), Some(3 << 29));
        assert_eq!(memory_bytes(&q("1k")), Some(1000));
        assert_eq!(memory_bytes(&q("128M")), Some(128_000_000));
        assert_eq!(memory_bytes(&q("1G")), Some(1_000_000_000));
        assert_eq!(memory_bytes(&q("2T")), Some(2_000_000_000_000));
        assert_eq!(memory_bytes(&q("1e9")), Some(1_000_000_000));
        assert_eq!(memory_bytes(&q("1E3")), Some(1000));
        assert_eq!(memory_bytes(&q("1.5e3")), Some(1500));
        assert_eq!(memory_bytes(&q("1E")), Some(1_000_000_000_000_000_000));
        assert_eq!(memory_bytes(&q("134217728")), Some(134_217_728));
        assert_eq!(memory_bytes(&q("10879308Ki")), Some(10_879_308 * 1024));
        assert_eq!(memory_bytes(&q("0.5")), Some(1));
        assert_eq!(memory_bytes(&q("  1Mi ")), Some(1 << 20));
    }

    #[test]
    fn garbage_is_none() {
        for s in [
            "",
            " ",
            "-",
            "+",
            ".",
            "..",
            "1..2",
            "1.2.3",
            "abc",
            "1Kib",
            "1 Gi",
            "Gi",
            "-1",
            "-0.5",
            "1e",
            "1e+",
            "1ee3",
            "1e3.5",
            "1e9999999",
            "1Ei1",
            "0x10",
            "1_000",
            "½",
            "1e100",
            "99999999999999999999999999999999999999999",
            "18446744073709551616",
        ] {
            assert_eq!(memory_bytes(&q(s)), None, "{s:?}");
        }
        assert_eq!(cpu_millis(&q("18446744073709552")), None);
        assert_eq!(memory_bytes(&q("16Ei")), None);
    }

    #[test]
    fn zero_forms() {
        assert_eq!(memory_bytes(&q("-0")), Some(0));
        assert_eq!(memory_bytes(&q("0Gi")), Some(0));
        assert_eq!(memory_bytes(&q("000.000")), Some(0));
    }

    #[test]
    fn many_fraction_zeros_still_parse() {
        assert_eq!(
            cpu_millis(&q("0.5000000000000000000000000000000000000000000")),
            Some(500)
        );
    }

    #[test]
    fn cpu_format() {
        assert_eq!(fmt_cpu_millis(250), "250m");
        assert_eq!(fmt_cpu_millis(2000), "2");
        assert_eq!(fmt_cpu_millis(0), "0");
        assert_eq!(fmt_cpu_millis(1500), "1500m");
    }

    #[test]
    fn bytes_format() {
        assert_eq!(fmt_bytes(13 << 30), "13Gi");
        assert_eq!(fmt_bytes(512 << 20), "512Mi");
        assert_eq!(fmt_bytes(0), "0");
        assert_eq!(fmt_bytes(512), "512");
        assert_eq!(fmt_bytes(1024), "1Ki");
        assert_eq!(fmt_bytes(1536 << 20), "1.5Gi");
        assert_eq!(fmt_bytes(10_879_308 * 1024), "10.4Gi");
        assert_eq!(fmt_bytes((1 << 30) - 1), "1Gi");
        assert_eq!(fmt_bytes(1 << 40), "1Ti");
        assert_eq!(fmt_bytes(u64::MAX), "16Ei");
    }

    #[test]
    fn format_then_parse_round_trips_whole_units() {
        for bytes in [1u64 << 20, 3 << 30, 7 << 40] {
            assert_eq!(memory_bytes(&q(&fmt_bytes(bytes))), Some(bytes));
        }
        for millis in [1u64, 999, 1000, 64_000] {
            assert_eq!(cpu_millis(&q(&fmt_cpu_millis(millis))), Some(millis));
        }
    }
}
