#include "crypto/handshake_pattern.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace hallway::crypto::detail {

namespace {

constexpr std::string_view kPrefix = "Noise_";
constexpr std::string_view kDh = "_25519_";
constexpr std::string_view kHash = "_BLAKE2b";
constexpr std::array<std::pair<std::string_view, Cipher>, 2> kCiphers{{
    {"ChaChaPoly", Cipher::chachapoly}, {"AESGCM", Cipher::aesgcm},
}};
constexpr std::string_view kPskModifier = "psk";

struct NamedPattern {
    std::string_view name;
    // The spec's notation: "->"/"<-" start a message, "..." ends the pre-messages.
    std::string_view notation;
};

// Noise rev 34 §7.4 (one-way), §7.5 (interactive), §18 (deferred).
constexpr std::array<NamedPattern, 38> kPatterns{{
    {"N", "<- s ... -> e es"},
    {"K", "-> s <- s ... -> e es ss"},
    {"X", "<- s ... -> e es s ss"},
    {"NN", "-> e <- e ee"},
    {"NK", "<- s ... -> e es <- e ee"},
    {"NX", "-> e <- e ee s es"},
    {"KN", "-> s ... -> e <- e ee se"},
    {"KK", "-> s <- s ... -> e es ss <- e ee se"},
    {"KX", "-> s ... -> e <- e ee se s es"},
    {"XN", "-> e <- e ee -> s se"},
    {"XK", "<- s ... -> e es <- e ee -> s se"},
    {"XX", "-> e <- e ee s es -> s se"},
    {"IN", "-> e s <- e ee se"},
    {"IK", "<- s ... -> e es s ss <- e ee se"},
    {"IX", "-> e s <- e ee se s es"},
    {"NK1", "<- s ... -> e <- e ee es"},
    {"NX1", "-> e <- e ee s -> es"},
    {"X1N", "-> e <- e ee -> s <- se"},
    {"X1K", "<- s ... -> e es <- e ee -> s <- se"},
    {"XK1", "<- s ... -> e <- e ee es -> s se"},
    {"X1K1", "<- s ... -> e <- e ee es -> s <- se"},
    {"X1X", "-> e <- e ee s es -> s <- se"},
    {"XX1", "-> e <- e ee s -> es s se"},
    {"X1X1", "-> e <- e ee s -> es s <- se"},
    {"K1N", "-> s ... -> e <- e ee -> se"},
    {"K1K", "-> s <- s ... -> e es <- e ee -> se"},
    {"KK1", "-> s <- s ... -> e <- e ee se es"},
    {"K1K1", "-> s <- s ... -> e <- e ee es -> se"},
    {"K1X", "-> s ... -> e <- e ee s es -> se"},
    {"KX1", "-> s ... -> e <- e ee se s -> es"},
    {"K1X1", "-> s ... -> e <- e ee s -> se es"},
    {"I1N", "-> e s <- e ee -> se"},
    {"I1K", "<- s ... -> e es s <- e ee -> se"},
    {"IK1", "<- s ... -> e s <- e ee se es"},
    {"I1K1", "<- s ... -> e s <- e ee es -> se"},
    {"I1X", "-> e s <- e ee s es -> se"},
    {"IX1", "-> e s <- e ee se s -> es"},
    {"I1X1", "-> e s <- e ee s -> se es"},
}};

std::optional<Token> parse_token(std::string_view word) {
    constexpr std::array<std::pair<std::string_view, Token>, 6> kTokens{{
        {"e", Token::e}, {"s", Token::s}, {"ee", Token::ee}, {"es", Token::es}, {"se", Token::se}, {"ss", Token::ss},
    }};
    for (const auto& [text, token] : kTokens)
        if (word == text) return token;
    return std::nullopt;
}

// The table is ours, so a malformed notation is a programming error caught by
// the vector test; it still yields nullopt rather than a half-built pattern.
std::optional<HandshakePattern> parse_notation(std::string_view notation) {
    HandshakePattern pattern;
    while (!notation.empty()) {
        const std::size_t space = notation.find(' ');
        const std::string_view word = notation.substr(0, space);
        notation = space == std::string_view::npos ? std::string_view{} : notation.substr(space + 1);
        if (word == "->" || word == "<-") {
            pattern.messages.push_back({word == "->" ? Role::initiator : Role::responder, {}});
        } else if (word == "...") {
            for (const MessagePattern& pre : pattern.messages) {
                if (pre.tokens != std::vector<Token>{Token::s}) return std::nullopt;
                (pre.sender == Role::initiator ? pattern.initiator_static_known : pattern.responder_static_known) = true;
            }
            pattern.messages.clear();
        } else if (auto token = parse_token(word); token && !pattern.messages.empty()) {
            pattern.messages.back().tokens.push_back(*token);
        } else {
            return std::nullopt;
        }
    }
    return pattern;
}

std::optional<std::size_t> parse_psk_modifier(std::string_view modifier) {
    if (!modifier.starts_with(kPskModifier)) return std::nullopt;
    const std::string_view digits = modifier.substr(kPskModifier.size());
    std::size_t n = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
    return n;
}

// psk0 goes first in the first message, pskN last in message N (Noise §9.2).
void insert_psk(std::size_t n, HandshakePattern& pattern) {
    std::vector<Token>& tokens = pattern.messages[n == 0 ? 0 : n - 1].tokens;
    tokens.insert(n == 0 ? tokens.begin() : tokens.end(), Token::psk);
    ++pattern.psk_count;
}

}  // namespace

std::optional<HandshakePattern> parse_protocol_name(std::string_view protocol_name) {
    if (!protocol_name.starts_with(kPrefix) || !protocol_name.ends_with(kHash)) return std::nullopt;
    std::string_view name = protocol_name.substr(kPrefix.size(), protocol_name.size() - kPrefix.size() - kHash.size());
    const auto cipher = std::find_if(kCiphers.begin(), kCiphers.end(), [&](const auto& c) {
        return name.ends_with(c.first) && name.substr(0, name.size() - c.first.size()).ends_with(kDh);
    });
    if (cipher == kCiphers.end()) return std::nullopt;
    name.remove_suffix(cipher->first.size() + kDh.size());

    const std::size_t modifiers_at = std::min(name.find(kPskModifier), name.size());
    const std::string_view base = name.substr(0, modifiers_at);
    const auto named = std::find_if(kPatterns.begin(), kPatterns.end(), [&](const NamedPattern& p) { return p.name == base; });
    if (named == kPatterns.end()) return std::nullopt;
    std::optional<HandshakePattern> pattern = parse_notation(named->notation);
    if (!pattern) return std::nullopt;

    // Modifiers must ascend ("psk0+psk2") so that the caller's psks, given in
    // modifier order, are also in the order the tokens consume them.
    std::optional<std::size_t> previous;
    std::string_view modifiers = name.substr(modifiers_at);
    while (!modifiers.empty()) {
        const std::size_t plus = modifiers.find('+');
        const std::optional<std::size_t> n = parse_psk_modifier(modifiers.substr(0, plus));
        if (!n || *n > pattern->messages.size() || (previous && *n <= *previous)) return std::nullopt;
        insert_psk(*n, *pattern);
        previous = n;
        modifiers = plus == std::string_view::npos ? std::string_view{} : modifiers.substr(plus + 1);
        if (plus != std::string_view::npos && modifiers.empty()) return std::nullopt;  // trailing '+'
    }
    pattern->cipher = cipher->second;
    return pattern;
}

}  // namespace hallway::crypto::detail
