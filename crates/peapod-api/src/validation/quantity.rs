//! Resource quantities (`resource.Quantity`): parsing, comparison and the canonical text
//! Kubernetes prints (`500m`, `1Gi`, `128974848`, `129e6`).

use serde_json::Value;
use std::fmt;

/// The quantity regular expression upstream reports when a value does not parse.
pub(crate) const FORMAT_ERROR: &str =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

const NANO: i128 = 1_000_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    DecimalSi,
    BinarySi,
    DecimalExponent,
}

/// A quantity held exactly in units of 10^-9 (values below a nano are rounded up, as upstream).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Quantity {
    nanos: i128,
    format: Format,
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        self.nanos == other.nanos
    }
}

impl Eq for Quantity {}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Quantity {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.nanos.cmp(&other.nanos)
    }
}

fn pow(base: i128, exp: u32) -> Option<i128> {
    base.checked_pow(exp)
}

/// `num * mul / div`, rounded away from zero, or None on overflow.
fn scale(num: i128, mul: i128, div: i128) -> Option<i128> {
    let p = num.checked_mul(mul)?;
    let q = p / div;
    Some(if p % div != 0 { q + p.signum() } else { q })
}

impl Quantity {
    pub(crate) fn zero() -> Self {
        Quantity {
            nanos: 0,
            format: Format::DecimalSi,
        }
    }

    /// Parses `1.5Gi`, `100m`, `1e3`, `-2`; None when the text is not a quantity.
    pub(crate) fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let (neg, rest) = match s.as_bytes().first()? {
            b'-' => (true, &s[1..]),
            b'+' => (false, &s[1..]),
            _ => (false, s),
        };
        let num_len = rest
            .bytes()
            .take_while(|c| c.is_ascii_digit() || *c == b'.')
            .count();
        let (number, suffix) = rest.split_at(num_len);
        let (int_part, frac_part) = number.split_once('.').unwrap_or((number, ""));
        if (int_part.is_empty() && frac_part.is_empty()) || frac_part.contains('.') {
            return None;
        }
        let digits = format!("{int_part}{frac_part}");
        let digits = digits.trim_start_matches('0');
        if digits.len() > 36 {
            return None;
        }
        let mantissa: i128 = if digits.is_empty() {
            0
        } else {
            digits.parse().ok()?
        };
        let frac = pow(10, u32::try_from(frac_part.len()).ok()?)?;
        let (nanos, format) = match suffix {
            "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei" => {
                let k = "KMGTPE".find(&suffix[..1])? as u32 + 1;
                (
                    scale(mantissa, pow(1024, k)?.checked_mul(NANO)?, frac)?,
                    Format::BinarySi,
                )
            }
            _ => {
                let (exp, format) = match suffix {
                    "" => (0, Format::DecimalSi),
                    "n" => (-9, Format::DecimalSi),
                    "u" => (-6, Format::DecimalSi),
                    "m" => (-3, Format::DecimalSi),
                    "k" => (3, Format::DecimalSi),
                    "M" => (6, Format::DecimalSi),
                    "G" => (9, Format::DecimalSi),
                    "T" => (12, Format::DecimalSi),
                    "P" => (15, Format::DecimalSi),
                    "E" => (18, Format::DecimalSi),
                    _ => {
                        let e = suffix.strip_prefix(['e', 'E'])?;
                        let ok = !e.is_empty()
                            && e.trim_start_matches(['+', '-'])
                                .bytes()
                                .all(|c| c.is_ascii_digit());
                        (
                            if ok {
                                e.parse::<i32>().ok()?
                            } else {
                                return None;
                            },
                            Format::DecimalExponent,
                        )
                    }
                };
                let shift = exp + 9;
                if !(-40..=40).contains(&shift) {
                    return None;
                }
                let nanos = if shift >= 0 {
                    scale(mantissa, pow(10, shift as u32)?, frac)?
                } else {
                    scale(mantissa, 1, frac.checked_mul(pow(10, (-shift) as u32)?)?)?
                };
                (nanos, format)
            }
        };
        Some(Quantity {
            nanos: if neg { -nanos } else { nanos },
            format,
        })
    }

    /// A quantity from its JSON form: a string, or a bare number.
    pub(crate) fn from_json(v: &Value) -> Option<Self> {
        match v {
            Value::String(s) => Self::parse(s),
            Value::Number(n) => Self::parse(&n.to_string()),
            _ => None,
        }
    }

    pub(crate) fn is_negative(&self) -> bool {
        self.nanos < 0
    }

    pub(crate) fn is_integer(&self) -> bool {
        self.nanos % NANO == 0
    }

    pub(crate) fn add(self, other: Self) -> Self {
        Quantity {
            nanos: self.nanos.saturating_add(other.nanos),
            format: self.format,
        }
    }
}

impl fmt::Display for Quantity {
    /// `Quantity.String()`: the canonical form in the quantity's own format.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.nanos == 0 {
            return f.write_str("0");
        }
        let sign = if self.nanos < 0 { "-" } else { "" };
        let abs = self.nanos.unsigned_abs();
        let nano = NANO as u128;
        // Binary formatting only for whole values of at least 1024; otherwise decimal.
        if self.format == Format::BinarySi && abs >= 1024 * nano && abs.is_multiple_of(nano) {
            let mut v = abs / nano;
            let mut k = 0;
            while k < 6 && v.is_multiple_of(1024) {
                v /= 1024;
                k += 1;
            }
            let suffix = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][k];
            return write!(f, "{sign}{v}{suffix}");
        }
        let mut m = abs;
        let mut exp: i32 = -9;
        while exp < 18 && m.is_multiple_of(1000) {
            m /= 1000;
            exp += 3;
        }
        if self.format == Format::DecimalExponent {
            return match exp {
                0 => write!(f, "{sign}{m}"),
                e => write!(f, "{sign}{m}e{e}"),
            };
        }
        let suffix = match exp {
            -9 => "n",
            -6 => "u",
            -3 => "m",
            3 => "k",
            6 => "M",
            9 => "G",
            12 => "T",
            15 => "P",
            18 => "E",
            _ => "",
        };
        write!(f, "{sign}{m}{suffix}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        Quantity::parse(s)
            .map(|q| q.to_string())
            .unwrap_or_else(|| "<invalid>".into())
    }

    #[test]
    fn canonical_forms() {
        for (input, want) in [
            ("0.5", "500m"),
            ("1000m", "1"),
            ("1500m", "1500m"),
            ("1000", "1k"),
            ("1024Mi", "1Gi"),
            ("1536Mi", "1536Mi"),
            ("512", "512"),
            ("0.5Gi", "512Mi"),
            ("1e3", "1e3"),
            ("129e6", "129e6"),
            ("128974848", "128974848"),
            ("-2", "-2"),
            ("100Ki", "100Ki"),
            ("0", "0"),
            ("abc", "<invalid>"),
            ("1.2.3", "<invalid>"),
            ("5Qi", "<invalid>"),
        ] {
            assert_eq!(canon(input), want, "{input}");
        }
    }

    #[test]
    fn ordering_ignores_format() {
        let a = Quantity::parse("1Gi").unwrap();
        let b = Quantity::parse("1073741824").unwrap();
        assert_eq!(a, b);
        assert!(Quantity::parse("256Mi").unwrap() > Quantity::parse("128Mi").unwrap());
        assert!(Quantity::parse("0.1").unwrap() == Quantity::parse("100m").unwrap());
    }
}
