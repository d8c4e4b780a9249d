//! YAML timestamps and binary values as Kustomize prints them: go-yaml v3 decodes a plain
//! scalar such as `2024-01-01` into a Go `time.Time`, which reaches the output through
//! JSON as RFC 3339 text (`"2024-01-01T00:00:00Z"`); `!!binary` values are decoded.

/// The RFC 3339 text Go prints for a timestamp go-yaml v3 accepts, or `None` when `s` is
/// not one (then it stays a string as written).
///
/// Accepted, as go-yaml's layouts `2006-1-2T15:4:5.999999999Z07:00` (also with `t`),
/// `2006-1-2 15:4:5.999999999` and `2006-1-2`: a four-digit year, one- or two-digit month,
/// day, hour, minute and second, an optional fraction, and a zone (`Z` or `±hh:mm`) only
/// after `T`/`t`.
pub(crate) fn normalize(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if b.len() < 8 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return None;
    }
    let mut p = Cursor { b, at: 5 };
    let year: u32 = s[..4].parse().ok()?;
    let month = p.num12()?;
    p.eat(b'-')?;
    let day = p.num12()?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in(year, month) {
        return None;
    }
    let date = format!("{year:04}-{month:02}-{day:02}");
    if p.done() {
        return Some(format!("{date}T00:00:00Z"));
    }
    let sep = p.next()?;
    if !matches!(sep, b'T' | b't' | b' ') {
        return None;
    }
    let hour = p.num12()?;
    p.eat(b':')?;
    let minute = p.num12()?;
    p.eat(b':')?;
    let second = p.num12()?;
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut frac = String::new();
    if p.peek() == Some(b'.') {
        p.at += 1;
        let start = p.at;
        while p.peek().is_some_and(|c| c.is_ascii_digit()) {
            p.at += 1;
        }
        if p.at == start {
            return None;
        }
        // Go keeps nanoseconds: nine digits at most, trailing zeros dropped.
        let digits = &s[start..p.at];
        let digits = &digits[..digits.len().min(9)];
        let trimmed = digits.trim_end_matches('0');
        if !trimmed.is_empty() {
            frac = format!(".{trimmed}");
        }
    }
    let zone = if p.done() {
        if sep == b' ' {
            "Z".to_string()
        } else {
            // `2006-1-2T15:4:5` without a zone matches no layout.
            return None;
        }
    } else {
        if sep == b' ' {
            return None;
        }
        match p.next()? {
            b'Z' if p.done() => "Z".to_string(),
            sign @ (b'+' | b'-') => {
                let rest = &s[p.at..];
                let rb = rest.as_bytes();
                if rb.len() != 5 || rb[2] != b':' {
                    return None;
                }
                let hh: u32 = rest[..2].parse().ok()?;
                let mm: u32 = rest[3..].parse().ok()?;
                if !rest[..2].bytes().all(|c| c.is_ascii_digit())
                    || !rest[3..].bytes().all(|c| c.is_ascii_digit())
                    || hh > 23
                    || mm > 59
                {
                    return None;
                }
                if hh == 0 && mm == 0 {
                    "Z".to_string()
                } else {
                    format!("{}{hh:02}:{mm:02}", sign as char)
                }
            }
            _ => return None,
        }
    };
    Some(format!(
        "{date}T{hour:02}:{minute:02}:{second:02}{frac}{zone}"
    ))
}

struct Cursor<'a> {
    b: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.at).copied()
    }
    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.at += 1;
        Some(c)
    }
    fn done(&self) -> bool {
        self.at == self.b.len()
    }
    fn eat(&mut self, c: u8) -> Option<()> {
        (self.next()? == c).then_some(())
    }
    /// One or two digits.
    fn num12(&mut self) -> Option<u32> {
        let start = self.at;
        while self.at - start < 2 && self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.at += 1;
        }
        if self.at == start {
            return None;
        }
        std::str::from_utf8(&self.b[start..self.at])
            .ok()?
            .parse()
            .ok()
    }
}

fn days_in(year: u32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        _ => 31,
    }
}

/// The text of a `!!binary` value, decoded as go-yaml does, when it is UTF-8.
pub(crate) fn decode_binary(s: &str) -> Option<String> {
    use base64::Engine as _;
    let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .ok()?;
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_print_as_go_prints_time_values() {
        assert_eq!(
            normalize("2024-01-01").as_deref(),
            Some("2024-01-01T00:00:00Z")
        );
        assert_eq!(
            normalize("2024-1-1").as_deref(),
            Some("2024-01-01T00:00:00Z")
        );
        assert_eq!(
            normalize("2024-01-01 10:00:00").as_deref(),
            Some("2024-01-01T10:00:00Z")
        );
        assert_eq!(
            normalize("2024-01-01t10:00:00.5Z").as_deref(),
            Some("2024-01-01T10:00:00.5Z")
        );
        assert_eq!(
            normalize("2024-01-01T10:00:00.123456789-05:00").as_deref(),
            Some("2024-01-01T10:00:00.123456789-05:00")
        );
        assert_eq!(
            normalize("2024-01-01T10:00:00+00:00").as_deref(),
            Some("2024-01-01T10:00:00Z")
        );
        for not in [
            "2024-13-01",
            "2024-02-30",
            "2001-12-14 21:59:43.10 -5",
            "2024-01-01T10:00:00",
            "2024-01-01x",
            "20240-01-01",
            "2024-01-01T25:00:00Z",
        ] {
            assert_eq!(normalize(not), None, "{not}");
        }
    }

    #[test]
    fn binary_values_are_decoded_when_they_are_text() {
        assert_eq!(decode_binary("aGVs\n bG8=").as_deref(), Some("hello"));
        assert_eq!(decode_binary("/w=="), None);
        assert_eq!(decode_binary("not base64!"), None);
    }
}
