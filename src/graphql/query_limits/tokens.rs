//! Counting a document's lexical tokens without parsing it, so an oversized
//! document is refused before the parser spends anything on it.
//!
//! Follows the GraphQL spec's lexical grammar: whitespace, line terminators,
//! commas, the byte order mark and comments are ignored; punctuators, names,
//! numbers and strings (block strings included) are one token each. Anything
//! else counts as one token per character and is left to the parser to
//! reject.

/// The number of tokens in `source`.
pub fn count_tokens(source: &str) -> usize {
    let bytes = source.as_bytes();
    let mut at = 0;
    let mut tokens = 0;
    while let Some(&byte) = bytes.get(at) {
        match byte {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => at += 1,
            b'#' => {
                while bytes.get(at).is_some_and(|b| !matches!(b, b'\n' | b'\r')) {
                    at += 1;
                }
            }
            _ if bytes[at..].starts_with("\u{FEFF}".as_bytes()) => at += 3,
            b'"' => {
                tokens += 1;
                at = string_end(bytes, at);
            }
            b'.' if bytes[at..].starts_with(b"...") => {
                tokens += 1;
                at += 3;
            }
            b'_' | b'a'..=b'z' | b'A'..=b'Z' => {
                tokens += 1;
                at += 1;
                while bytes
                    .get(at)
                    .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
                {
                    at += 1;
                }
            }
            b'-' | b'0'..=b'9' => {
                tokens += 1;
                at += 1;
                while bytes
                    .get(at)
                    .is_some_and(|b| matches!(b, b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-'))
                {
                    at += 1;
                }
            }
            _ => {
                tokens += 1;
                at += 1;
                // The rest of a multi-byte character is not another token.
                while bytes.get(at).is_some_and(|b| b & 0xC0 == 0x80) {
                    at += 1;
                }
            }
        }
    }
    tokens
}

/// Where the string starting at `start` (on its opening quote) ends. An
/// unterminated string runs to the end of its line (or, for a block string,
/// of the document); the parser reports it.
fn string_end(bytes: &[u8], start: usize) -> usize {
    if bytes[start..].starts_with(b"\"\"\"") {
        let mut at = start + 3;
        while at < bytes.len() {
            if bytes[at..].starts_with(b"\\\"\"\"") {
                at += 4;
            } else if bytes[at..].starts_with(b"\"\"\"") {
                return at + 3;
            } else {
                at += 1;
            }
        }
        return bytes.len();
    }
    let mut at = start + 1;
    while let Some(&byte) = bytes.get(at) {
        match byte {
            b'\\' => at += 2,
            b'"' => return at + 1,
            b'\n' | b'\r' => return at,
            _ => at += 1,
        }
    }
    bytes.len()
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    #[test]
    fn count_tokens__counts_what_the_parser_sees() {
        assert_eq!(count_tokens(""), 0);
        assert_eq!(count_tokens("{ me { id } }"), 6);
        // query, (, $, n, :, Int, !, =, 5, ), {, a, :, f, (, x, :, -1.5e3, ), @, skip, (, if, :, true, ), }
        assert_eq!(
            count_tokens("query($n: Int! = 5) { a: f(x: -1.5e3) @skip(if: true) }"),
            27
        );
        assert_eq!(
            count_tokens("{ ...F } fragment F on Query { __typename }"),
            11
        );
    }

    #[test]
    fn count_tokens__ignores_commas_comments_and_the_bom() {
        assert_eq!(count_tokens("\u{FEFF}{ a, b,,, c } # { d e f }\n"), 5);
    }

    #[test]
    fn count_tokens__a_string_is_one_token_whatever_it_holds() {
        assert_eq!(count_tokens(r#"f(s: "a { b } \" c")"#), 6);
        assert_eq!(count_tokens("f(s: \"\"\"a \\\"\"\" { b }\n c\"\"\")"), 6);
        assert_eq!(count_tokens("f(s: \"é ü { }\")"), 6);
    }

    #[test]
    fn count_tokens__unterminated_strings_and_odd_characters_still_end() {
        assert_eq!(count_tokens("\"abc"), 1);
        assert_eq!(count_tokens("\"\"\"abc"), 1);
        assert_eq!(count_tokens("\"abc\n d"), 2);
        assert_eq!(count_tokens("é ü"), 2);
    }
}
