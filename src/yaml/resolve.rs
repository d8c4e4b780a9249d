//! go-yaml v2's `resolve`, as the emitter needs it: would a text written as a plain
//! scalar read back as a string, or as null, a bool, a number or a timestamp (and so must
//! be quoted)? Kept apart from the emitter, which only asks [`resolves_as_string`].

/// Returns false when go-yaml v2 would resolve `s`, written as a plain scalar, to null, a
/// bool, an int, a float or a timestamp (so it must be quoted to stay a string).
pub(crate) fn resolves_as_string(s: &str) -> bool {
    let Some(&first) = s.as_bytes().first() else {
        return false; // "" is null
    };
    match first {
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~' => {
            !is_yaml11_keyword(s)
        }
        b'.' => !(is_yaml11_keyword(s) || dot_float(s)),
        b'+' | b'-' => !(is_yaml11_keyword(s) || number_like(s)),
        b'0'..=b'9' => !number_like(s),
        _ => true,
    }
}

fn is_yaml11_keyword(s: &str) -> bool {
    matches!(
        s,
        "y" | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "true"
            | "True"
            | "TRUE"
            | "on"
            | "On"
            | "ON"
            | "n"
            | "N"
            | "no"
            | "No"
            | "NO"
            | "false"
            | "False"
            | "FALSE"
            | "off"
            | "Off"
            | "OFF"
            | "~"
            | "null"
            | "Null"
            | "NULL"
            | ".nan"
            | ".NaN"
            | ".NAN"
            | ".inf"
            | ".Inf"
            | ".INF"
            | "+.inf"
            | "+.Inf"
            | "+.INF"
            | "-.inf"
            | "-.Inf"
            | "-.INF"
    )
}

/// `strconv.ParseFloat` success for text starting with `.` (underscores allowed only
/// between digits, as Go's `underscoreOK` demands).
fn dot_float(s: &str) -> bool {
    if s.contains('_') {
        if !underscores_ok(s) {
            return false;
        }
        let plain: String = s.chars().filter(|&c| c != '_').collect();
        return yaml_style_float(&plain) && finite_float(&plain);
    }
    yaml_style_float(s) && finite_float(s)
}

/// Go's `underscoreOK` for decimal text: every `_` sits between two digits.
fn underscores_ok(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let mut saw = b'^';
    for &b in s.as_bytes() {
        if b.is_ascii_digit() {
            saw = b'0';
        } else if b == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
    }
    saw != b'_'
}

fn finite_float(s: &str) -> bool {
    s.parse::<f64>().is_ok_and(f64::is_finite)
}

/// The int / float / timestamp branch of go-yaml v2's `resolve` (text starting with a
/// digit or a sign).
fn number_like(s: &str) -> bool {
    if parse_timestamp(s) {
        return true;
    }
    let plain: std::borrow::Cow<'_, str> = if s.contains('_') {
        s.replace('_', "").into()
    } else {
        s.into()
    };
    let plain = plain.as_ref();
    if go_parse_int_base0(plain) {
        return true;
    }
    if yaml_style_float(plain) && finite_float(plain) {
        return true;
    }
    if let Some(rest) = plain.strip_prefix("0b") {
        return go_parse_int_radix(rest, 2, true) || go_parse_int_radix(rest, 2, false);
    }
    if let Some(rest) = plain.strip_prefix("-0b") {
        return !rest.starts_with(['+', '-']) && go_parse_int_radix(rest, 2, false);
    }
    false
}

/// Parses unsigned digits in `radix` (Go `ParseUint` digit rules); `None` on a syntax
/// error or overflow of u64.
fn parse_u64_digits(s: &str, radix: u32) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for b in s.bytes() {
        let d = match b {
            b'0'..=b'9' => u32::from(b - b'0'),
            b'a'..=b'z' => u32::from(b - b'a') + 10,
            b'A'..=b'Z' => u32::from(b - b'A') + 10,
            _ => return None,
        };
        if d >= radix {
            return None;
        }
        n = n.checked_mul(u64::from(radix))?.checked_add(u64::from(d))?;
    }
    Some(n)
}

/// `strconv.ParseInt(s, 0, 64)` or `strconv.ParseUint(s, 0, 64)` succeeds.
fn go_parse_int_base0(s: &str) -> bool {
    let (sign, body) = match s.as_bytes().first() {
        Some(b'+') => (Some(false), &s[1..]),
        Some(b'-') => (Some(true), &s[1..]),
        _ => (None, s),
    };
    let Some(v) = parse_base0(body) else {
        return false;
    };
    match sign {
        Some(true) => v <= 1 << 63,
        Some(false) => v < 1 << 63,
        None => true, // ParseInt, or else ParseUint, accepts it
    }
}

/// The magnitude of `s` with Go's base-0 prefixes (`0b`, `0o`, `0x`, leading `0`).
fn parse_base0(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.is_empty() {
        return None;
    }
    if b[0] == b'0' {
        if b.len() >= 3 {
            match b[1] {
                b'b' | b'B' => return parse_u64_digits(&s[2..], 2),
                b'o' | b'O' => return parse_u64_digits(&s[2..], 8),
                b'x' | b'X' => return parse_u64_digits(&s[2..], 16),
                _ => {}
            }
        }
        if b.len() == 1 {
            return Some(0);
        }
        return parse_u64_digits(&s[1..], 8);
    }
    parse_u64_digits(s, 10)
}

/// `strconv.ParseInt(s, radix, 64)` (`signed`) or `ParseUint(s, radix, 64)` succeeds.
fn go_parse_int_radix(s: &str, radix: u32, signed: bool) -> bool {
    if !signed {
        return parse_u64_digits(s, radix).is_some();
    }
    let (neg, body) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    match parse_u64_digits(body, radix) {
        Some(v) if neg => v <= 1 << 63,
        Some(v) => v < 1 << 63,
        None => false,
    }
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// go-yaml v2's `isBase60Float`:
/// `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`.
pub(crate) fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    if !s.contains(':') {
        return false;
    }
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    if i >= b.len() || !b[i].is_ascii_digit() {
        return false;
    }
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while i < b.len() && b[i] == b':' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        match i - start {
            1 => {}
            2 if b[start] <= b'5' => {}
            _ => return false,
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// go-yaml v2's `parseTimestamp`: Go's `time.Parse` with the layouts
/// `2006-1-2T15:4:5.999999999Z07:00` (also with `t`), `2006-1-2 15:4:5.999999999` and
/// `2006-1-2`.
pub(crate) fn parse_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let year = b[..4]
        .iter()
        .fold(0i32, |a, &d| a * 10 + i32::from(d - b'0'));
    let mut i = 5;
    let Some(month) = getnum(b, &mut i) else {
        return false;
    };
    if !(1..=12).contains(&month) || b.get(i) != Some(&b'-') {
        return false;
    }
    i += 1;
    let Some(day) = getnum(b, &mut i) else {
        return false;
    };
    if day < 1 || day > days_in(month, year) {
        return false;
    }
    if i == b.len() {
        return true; // 2006-1-2
    }
    let zoned = match b[i] {
        b'T' | b't' => {
            i += 1;
            true
        }
        b' ' => {
            while i < b.len() && b[i] == b' ' {
                i += 1;
            }
            false
        }
        _ => return false,
    };
    let Some(hour) = getnum(b, &mut i) else {
        return false;
    };
    if hour >= 24 || b.get(i) != Some(&b':') {
        return false;
    }
    i += 1;
    let Some(min) = getnum(b, &mut i) else {
        return false;
    };
    if min >= 60 || b.get(i) != Some(&b':') {
        return false;
    }
    i += 1;
    let Some(sec) = getnum(b, &mut i) else {
        return false;
    };
    if sec >= 60 {
        return false;
    }
    // Optional fraction: `.` or `,` and any number of digits.
    if i + 1 < b.len() && (b[i] == b'.' || b[i] == b',') && b[i + 1].is_ascii_digit() {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
    }
    if !zoned {
        return i == b.len();
    }
    // Z07:00
    if b.get(i) == Some(&b'Z') {
        return i + 1 == b.len();
    }
    let z = &b[i..];
    if z.len() != 6 || z[3] != b':' || !(z[0] == b'+' || z[0] == b'-') {
        return false;
    }
    let two = |x: &[u8]| {
        (x[0].is_ascii_digit() && x[1].is_ascii_digit())
            .then(|| i32::from(x[0] - b'0') * 10 + i32::from(x[1] - b'0'))
    };
    matches!((two(&z[1..3]), two(&z[4..6])), (Some(h), Some(m)) if h <= 24 && m <= 60)
}

/// Go's `getnum(s, false)`: one or two digits.
fn getnum(b: &[u8], i: &mut usize) -> Option<i32> {
    let d0 = *b.get(*i).filter(|c| c.is_ascii_digit())?;
    *i += 1;
    let mut v = i32::from(d0 - b'0');
    if let Some(&d1) = b.get(*i).filter(|c| c.is_ascii_digit()) {
        *i += 1;
        v = v * 10 + i32::from(d1 - b'0');
    }
    Some(v)
}

fn days_in(month: i32, year: i32) -> i32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}
