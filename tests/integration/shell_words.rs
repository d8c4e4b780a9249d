//! Shared by the tests that check command lines written in files (action.yml, README):
//! a small shell word splitter.

/// Splits one shell command line into words: quotes removed, `$VAR` words replaced by
/// `sample`, stopping at a redirection, pipe or command separator.
pub fn words(line: &str, sample: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut has_var = false;
    let chars = line.chars();
    for c in chars {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), '$') => {
                has_var = true;
                cur.push(c);
            }
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '>' | '<' | '|' | ';' | '&' | '#') => break,
            (None, c) if c.is_whitespace() => {
                if in_word {
                    out.push(if has_var {
                        sample.to_string()
                    } else {
                        cur.clone()
                    });
                }
                cur.clear();
                in_word = false;
                has_var = false;
            }
            (None, '$') => {
                has_var = true;
                in_word = true;
                cur.push(c);
            }
            (None, c) => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        out.push(if has_var { sample.to_string() } else { cur });
    }
    out
}
