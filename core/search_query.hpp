#pragma once
// What a person typed into a search box, made into an SQLite FTS5 query that
// can only ever mean "messages holding words that start with these" (Store::search).
// The text is data, never FTS5 syntax: quotes, NEAR, AND/OR/NOT, column
// filters (body:), ^ and * in it are searched for as words or dropped as
// separators. Pure.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hallway::core {

// Bounds of one search: what a person types, not a document.
inline constexpr std::size_t kMaxSearchBytes = 256;
inline constexpr std::size_t kMaxSearchTokens = 16;
// Hits one search returns when it names no limit, and at most.
inline constexpr std::size_t kDefaultSearchLimit = 50;
inline constexpr std::size_t kMaxSearchLimit = 200;

// The words of text as the index's tokenizer (unicode61) splits them, roughly:
// runs of letters, digits and marks; ASCII punctuation, whitespace, controls
// and the common Unicode punctuation and symbol blocks separate them. Case
// and accents are left as typed (the index folds both).
std::vector<std::string> search_words(std::string_view text);

// The FTS5 MATCH expression for text: each word a quoted phrase prefix
// ("word"*), all of them ANDed. nullopt and a one-line error when text is
// over kMaxSearchBytes, has more than kMaxSearchTokens words, is not UTF-8,
// or has no word at all ("nothing to search for").
std::optional<std::string> search_match_expression(std::string_view text, std::string& error);

// The first line of body that holds one of words (ASCII case ignored), else
// its first line; cut to at most max_bytes on a character boundary, "…" added
// when cut. What a one-line list of hits shows.
std::string search_snippet(std::string_view body, const std::vector<std::string>& words, std::size_t max_bytes = 120);

}  // namespace hallway::core
