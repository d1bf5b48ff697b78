//! What message search matches on: a message's text as a set of normalized
//! words (its *terms*), and a query as terms of the same kind.
//!
//! Words are found by Unicode word segmentation (UAX #29, which also keeps
//! `don't` and `3.14` whole), then folded: compatibility-decomposed (NFKD),
//! combining marks dropped (so `café` matches `cafe`, `Ｆｕｌｌ` matches
//! `full`), lowercased. A message's terms are distinct and bounded (a
//! 4,000-character message cannot put more than [`MAX_TERMS`] entries in
//! the index); a query's last term also matches as a prefix, so results
//! come while the user is still typing.
//!
//! The trade-offs: no stemming or stop words (`run` does not find
//! `running`, which a prefix query `run` does); scripts written without
//! spaces (Chinese, Japanese, Thai) segment into single characters or
//! whole runs, so they match character by character at best.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;
use unicode_segmentation::UnicodeSegmentation;

use crate::error::{AppError, AppResult};

/// The most distinct terms stored for one message.
pub const MAX_TERMS: usize = 300;
/// Longer words are cut to this many characters (a URL, a hash).
pub const MAX_TERM_CHARS: usize = 40;
/// The longest query, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// The most words a query may have.
pub const MAX_QUERY_TERMS: usize = 8;

/// One word folded as search compares it.
pub fn fold(word: &str) -> String {
    word.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .take(MAX_TERM_CHARS)
        .collect()
}

/// A text's distinct terms, in order of first appearance.
pub fn terms(text: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for word in text.unicode_words() {
        let term = fold(word);
        if !term.is_empty() && !terms.contains(&term) {
            terms.push(term);
            if terms.len() == MAX_TERMS {
                break;
            }
        }
    }
    terms
}

/// A parsed search query: every term must appear in a message, the last
/// one as a prefix of a word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchQuery {
    /// Whole words.
    pub exact: Vec<String>,
    /// The last word, matched as a prefix.
    pub prefix: String,
}

impl SearchQuery {
    pub fn parse(raw: &str) -> AppResult<Self> {
        if raw.chars().count() > MAX_QUERY_CHARS {
            return Err(AppError::bad_input(
                "query",
                format!("at most {MAX_QUERY_CHARS} characters"),
            ));
        }
        let mut words: Vec<String> = Vec::new();
        for word in raw.unicode_words().map(fold) {
            if !word.is_empty() && !words.contains(&word) {
                words.push(word);
            }
        }
        if words.len() > MAX_QUERY_TERMS {
            return Err(AppError::bad_input(
                "query",
                format!("at most {MAX_QUERY_TERMS} words"),
            ));
        }
        let prefix = words
            .pop()
            .ok_or_else(|| AppError::bad_input("query", "needs at least one word"))?;
        Ok(Self {
            exact: words,
            prefix,
        })
    }

    /// Whether a folded word of a text matches one of the query's terms.
    pub fn matches(&self, term: &str) -> bool {
        term.starts_with(&self.prefix) || self.exact.iter().any(|t| t == term)
    }
}

/// A part of a text worth showing for a search hit, and where in it the
/// matching words are (UTF-16 offsets, as JavaScript strings count).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snippet {
    pub text: String,
    /// `(start, length)` of each matching word in `text`.
    pub highlights: Vec<(usize, usize)>,
}

/// About this many characters of context before the first match.
const SNIPPET_BEFORE: usize = 40;
/// The longest snippet, in characters (ellipses aside).
const SNIPPET_CHARS: usize = 160;

/// The snippet of `text` around its first word matching `query`.
pub fn snippet(text: &str, query: &SearchQuery) -> Snippet {
    let words: Vec<(usize, &str)> = text.unicode_word_indices().collect();
    let first = words
        .iter()
        .find(|(_, w)| query.matches(&fold(w)))
        .map_or(0, |(at, _)| *at);
    // From the start when the match is near it, else a little before the
    // match, on a word boundary.
    let start = if text[..first].chars().count() <= SNIPPET_BEFORE {
        0
    } else {
        words
            .iter()
            .map(|(at, _)| *at)
            .filter(|at| *at <= first && text[*at..first].chars().count() <= SNIPPET_BEFORE)
            .min()
            .unwrap_or(first)
    };
    let end = text[start..]
        .char_indices()
        .nth(SNIPPET_CHARS)
        .map_or(text.len(), |(i, _)| start + i);
    let mut out = String::new();
    let mut utf16 = 0;
    if start > 0 {
        out.push('…');
        utf16 += 1;
    }
    let mut highlights = Vec::new();
    let mut copied = start;
    for (at, word) in words
        .iter()
        .filter(|(at, w)| *at >= start && at + w.len() <= end)
    {
        if !query.matches(&fold(word)) {
            continue;
        }
        utf16 += text[copied..*at].encode_utf16().count();
        let length = word.encode_utf16().count();
        highlights.push((utf16, length));
        utf16 += length;
        copied = at + word.len();
    }
    out.push_str(text[start..end].trim_end());
    if end < text.len() {
        out.push('…');
    }
    Snippet {
        text: out,
        highlights,
    }
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    #[test]
    fn terms__fold_case_diacritics_and_width_and_keep_words_whole() {
        assert_eq!(
            terms("Café au LAIT, café! Ｆｕｌｌ don't 3.14 naïve"),
            ["cafe", "au", "lait", "full", "don't", "3.14", "naive"]
        );
        assert!(terms("  ,,, !!! ").is_empty());
    }

    #[test]
    fn terms__are_bounded() {
        let long = "x".repeat(500);
        assert_eq!(terms(&long)[0].chars().count(), MAX_TERM_CHARS);
        let many: String = (0..1000).map(|i| format!("w{i} ")).collect();
        assert_eq!(terms(&many).len(), MAX_TERMS);
    }

    #[test]
    fn query__last_word_is_a_prefix() {
        let q = SearchQuery::parse("Crème  BRU").unwrap();
        assert_eq!(q.exact, ["creme"]);
        assert_eq!(q.prefix, "bru");
        assert!(q.matches("brulee") && q.matches("creme") && !q.matches("cream"));
        assert!(SearchQuery::parse(" ?! ").is_err());
        assert!(
            SearchQuery::parse(&"a ".repeat(9)).is_ok(),
            "repeats count once"
        );
        assert!(SearchQuery::parse("a b c d e f g h i").is_err());
        assert!(SearchQuery::parse(&"a".repeat(201)).is_err());
    }

    #[test]
    fn snippet__marks_matches_in_utf16_offsets() {
        let q = SearchQuery::parse("cafe").unwrap();
        let s = snippet("😀 Un café, s'il vous plaît", &q);
        assert_eq!(s.text, "😀 Un café, s'il vous plaît");
        // The emoji counts two UTF-16 units.
        assert_eq!(s.highlights, [(6, 4)]);
    }

    #[test]
    fn snippet__cuts_long_texts_around_the_first_match() {
        let text = format!("{} needle {}", "hay ".repeat(100), "straw ".repeat(100));
        let q = SearchQuery::parse("needle").unwrap();
        let s = snippet(&text, &q);
        assert!(s.text.starts_with('…') && s.text.ends_with('…'));
        let (at, len) = s.highlights[0];
        let shown: Vec<u16> = s.text.encode_utf16().collect();
        assert_eq!(String::from_utf16(&shown[at..at + len]).unwrap(), "needle");
        assert!(s.text.chars().count() <= SNIPPET_CHARS + 2);
    }
}
