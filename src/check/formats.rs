//! String formats the Kubernetes API server validates: resource quantities, DNS names,
//! label keys and values, IANA service names, and container image references.

/// Checks a resource quantity (`500m`, `1Gi`, `2`, `1e3`); returns what is wrong.
///
/// Grammar (k8s.io/apimachinery `resource.ParseQuantity`): an optional sign, a decimal
/// number (digits with at most one `.`, at least one digit), then either nothing, a
/// binary suffix (`Ki Mi Gi Ti Pi Ei`), a decimal suffix (`n u m k M G T P E`) or a
/// decimal exponent (`e3`, `E-2`). No spaces.
pub fn quantity_error(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let num_start = i;
    let mut digits = 0;
    let mut dots = 0;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
        if b[i] == b'.' {
            dots += 1;
        } else {
            digits += 1;
        }
        i += 1;
    }
    if digits == 0 || dots > 1 {
        return Some(format!(
            "{s:?} is not a quantity: it must start with a number (e.g. 500m, 1Gi, 2)"
        ));
    }
    let _ = num_start;
    let suffix = &s[i..];
    let ok = match suffix {
        "" | "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei" | "n" | "u" | "m" | "k" | "M" | "G" | "T"
        | "P" | "E" => true,
        _ => {
            let sb = suffix.as_bytes();
            if sb[0] == b'e' || sb[0] == b'E' {
                let rest = &suffix[1..];
                let rest = rest.strip_prefix(['+', '-']).unwrap_or(rest);
                !rest.is_empty() && rest.bytes().all(|c| c.is_ascii_digit())
            } else {
                false
            }
        }
    };
    if ok {
        None
    } else {
        Some(format!(
            "{s:?} is not a quantity: unknown suffix {suffix:?} (use one of m, k, M, G, T, \
             Ki, Mi, Gi, Ti, or an exponent such as e3; no spaces)"
        ))
    }
}

fn is_label_char(c: u8) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-'
}

/// Checks an RFC 1123 DNS label (at most 63 lowercase alphanumerics or `-`, starting and
/// ending with an alphanumeric); returns what is wrong.
pub fn dns_label_error(s: &str) -> Option<String> {
    if s.is_empty() {
        return Some("must not be empty".into());
    }
    if s.len() > 63 {
        return Some(format!("{s:?} is longer than 63 characters"));
    }
    let b = s.as_bytes();
    if !b.iter().all(|&c| is_label_char(c)) {
        return Some(format!(
            "{s:?} is not a DNS-1123 label: use only lowercase letters, digits and '-'"
        ));
    }
    if b[0] == b'-' || b[b.len() - 1] == b'-' {
        return Some(format!(
            "{s:?} is not a DNS-1123 label: it must start and end with a letter or digit"
        ));
    }
    None
}

/// Checks an RFC 1035 DNS label (a DNS-1123 label that starts with a letter), as Service
/// names must be; returns what is wrong.
pub fn dns1035_label_error(s: &str) -> Option<String> {
    if let Some(e) = dns_label_error(s) {
        return Some(e.replace("DNS-1123 label", "DNS-1035 label"));
    }
    if !s.as_bytes()[0].is_ascii_lowercase() {
        return Some(format!(
            "{s:?} is not a DNS-1035 label: it must start with a lowercase letter"
        ));
    }
    None
}

/// Checks an RFC 1123 DNS subdomain (at most 253 characters, dot-separated DNS labels);
/// returns what is wrong.
pub fn dns_subdomain_error(s: &str) -> Option<String> {
    if s.is_empty() {
        return Some("must not be empty".into());
    }
    if s.len() > 253 {
        return Some(format!("{s:?} is longer than 253 characters"));
    }
    let b = s.as_bytes();
    if !b.iter().all(|&c| is_label_char(c) || c == b'.') {
        return Some(format!(
            "{s:?} is not a DNS-1123 subdomain: use only lowercase letters, digits, '-' and '.'"
        ));
    }
    if !b[0].is_ascii_alphanumeric() || !b[b.len() - 1].is_ascii_alphanumeric() {
        return Some(format!(
            "{s:?} is not a DNS-1123 subdomain: it must start and end with a letter or digit"
        ));
    }
    None
}

/// Checks a path-segment name (RBAC objects): not `.` or `..`, no `/` or `%`.
pub fn path_segment_error(s: &str) -> Option<String> {
    if s.is_empty() {
        return Some("must not be empty".into());
    }
    if s == "." || s == ".." {
        return Some(format!("{s:?} is not a valid name"));
    }
    if s.contains('/') || s.contains('%') {
        return Some(format!("{s:?} must not contain '/' or '%'"));
    }
    None
}

fn qualified_name_part_ok(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_' || c == b'.')
}

/// Checks a label or annotation key (`[prefix/]name`: a DNS subdomain prefix and a name of
/// at most 63 alphanumerics, `-`, `_`, `.`); returns what is wrong.
pub fn qualified_name_error(s: &str) -> Option<String> {
    let (prefix, name) = match s.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, s),
    };
    if let Some(p) = prefix {
        if let Some(e) = dns_subdomain_error(p) {
            return Some(format!("key {s:?}: prefix {e}"));
        }
    }
    if !qualified_name_part_ok(name) {
        return Some(format!(
            "key {s:?} is not a qualified name: the name part must be 1-63 letters, digits, \
             '-', '_' or '.', starting and ending with a letter or digit"
        ));
    }
    None
}

/// Checks a label value (empty, or at most 63 alphanumerics, `-`, `_`, `.`, starting and
/// ending with an alphanumeric); returns what is wrong.
pub fn label_value_error(s: &str) -> Option<String> {
    if s.is_empty() || qualified_name_part_ok(s) {
        None
    } else {
        Some(format!(
            "label value {s:?} is invalid: at most 63 letters, digits, '-', '_' or '.', \
             starting and ending with a letter or digit"
        ))
    }
}

/// Checks an IANA service name (named container ports): at most 15 lowercase
/// alphanumerics or `-`, at least one letter, no leading, trailing or doubled `-`.
pub fn iana_svc_name_error(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let ok = !b.is_empty()
        && b.len() <= 15
        && b.iter().all(|&c| is_label_char(c))
        && b.iter().any(|c| c.is_ascii_lowercase())
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
        && !s.contains("--");
    if ok {
        None
    } else {
        Some(format!(
            "{s:?} is not a valid port name: 1-15 lowercase letters, digits and '-', with at \
             least one letter"
        ))
    }
}

/// Whether `s` is standard base64 with padding (line breaks allowed), as the API server
/// decodes `[]byte` fields such as Secret `data`.
pub fn is_base64(s: &str) -> bool {
    let mut n = 0;
    let mut pad = 0;
    for c in s.bytes() {
        match c {
            b'\r' | b'\n' => continue,
            b'=' => pad += 1,
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'+' | b'/' if pad == 0 => {}
            _ => return false,
        }
        n += 1;
    }
    n % 4 == 0 && pad <= 2
}

/// How an image reference pins its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImagePin {
    /// `name@sha256:...`.
    Digest,
    /// `name:tag` with a tag other than `latest`.
    Tag(String),
    /// `name:latest`.
    Latest,
    /// No tag and no digest (Kubernetes pulls `latest`).
    Untagged,
}

/// Classifies an image reference by how it is pinned.
pub fn image_pin(image: &str) -> ImagePin {
    if image.contains('@') {
        return ImagePin::Digest;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.rsplit_once(':') {
        Some((_, "latest")) => ImagePin::Latest,
        Some((_, tag)) if !tag.is_empty() => ImagePin::Tag(tag.to_string()),
        _ => ImagePin::Untagged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        for ok in [
            "500m", "1Gi", "2", "0.5", "1e3", "1E-2", "+1", "-1", ".5", "100Mi", "1k",
        ] {
            assert_eq!(quantity_error(ok), None, "{ok}");
        }
        for bad in [
            "2 cores", "", "1GB", "Gi", "1..2", "1e", "1 Gi", "1gi", "abc",
        ] {
            assert!(quantity_error(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn names() {
        assert_eq!(dns_label_error("kagent-0"), None);
        assert!(dns_label_error("Kagent").is_some());
        assert!(dns_label_error("-a").is_some());
        assert!(dns_label_error(&"a".repeat(64)).is_some());
        assert_eq!(dns_subdomain_error("kagent-config-742d79c4gt"), None);
        assert_eq!(dns_subdomain_error("a.b.c"), None);
        assert!(dns_subdomain_error("a_b").is_some());
        assert!(dns1035_label_error("1abc").is_some());
        assert!(dns1035_label_error("myService").is_some_and(|e| e.contains("DNS-1035")));
        assert_eq!(qualified_name_error("app.kubernetes.io/name"), None);
        assert!(qualified_name_error("app.kubernetes.io/").is_some());
        assert!(qualified_name_error("Bad_Prefix/x").is_some());
        assert_eq!(label_value_error(""), None);
        assert!(label_value_error("has space").is_some());
        assert_eq!(iana_svc_name_error("a2a"), None);
        assert!(iana_svc_name_error("8080").is_some());
        assert!(iana_svc_name_error("a-very-long-port-name").is_some());
    }

    #[test]
    fn base64() {
        for ok in ["", "Y2hhbmdlLW1l", "YQ==", "YWI=", "YWJj\nZGVm"] {
            assert!(is_base64(ok), "{ok}");
        }
        for bad in ["change-me", "YQ", "Y=Q=", "YQ===", "a b c d"] {
            assert!(!is_base64(bad), "{bad}");
        }
    }

    #[test]
    fn images() {
        assert_eq!(
            image_pin("ghcr.io/vapora/kagent:0.4.2"),
            ImagePin::Tag("0.4.2".into())
        );
        assert_eq!(image_pin("ghcr.io/vapora/kagent:latest"), ImagePin::Latest);
        assert_eq!(image_pin("ghcr.io/vapora/kagent"), ImagePin::Untagged);
        assert_eq!(image_pin("localhost:5000/kagent"), ImagePin::Untagged);
        assert_eq!(image_pin("kagent@sha256:abcd"), ImagePin::Digest);
    }
}
