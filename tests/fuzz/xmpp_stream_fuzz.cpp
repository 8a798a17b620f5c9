// The link-local XMPP stream reader on bytes a stranger on the LAN sends
// (xmpp/xml_stream). The first input byte picks a chunk size; the rest is the
// stream. Asserts: feeding it whole and in chunks gives the same events (unless
// the memory budget, which depends on expat's buffering, cut one off; or but
// for an error one of them has not met yet, see same_events); nothing
// follows an error; the stream opens first; every stanza within the limits
// survives serialize -> parse unchanged.
#include "xmpp/limits.hpp"
#include "xmpp/xml_stream.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

using namespace hallway::xmpp;

namespace {

std::vector<StreamEvent> feed_chunks(std::span<const std::uint8_t> input, std::size_t chunk) {
    XmlStream stream;
    std::vector<StreamEvent> all;
    for (std::size_t at = 0; at < input.size(); at += chunk) {
        for (auto& e : stream.feed(input.subspan(at, std::min(chunk, input.size() - at)))) all.push_back(std::move(e));
        if (stream.memory_in_use() > kMaxParserMemory) std::abort();
    }
    // Nothing after an error, even when fed more.
    if (stream.failed() && !stream.feed(input.first(std::min<std::size_t>(input.size(), 4))).empty()) std::abort();
    return all;
}

bool budget_hit(const std::vector<StreamEvent>& events) {
    return !events.empty() && std::holds_alternative<StreamError>(events.back()) &&
           std::get<StreamError>(events.back()).detail == "memory budget exceeded";
}

void check_shape(const std::vector<StreamEvent>& events) {
    for (std::size_t i = 0; i < events.size(); ++i) {
        const bool error = std::holds_alternative<StreamError>(events[i]);
        if (error && i + 1 != events.size()) std::abort();  // an error is last
        if (std::holds_alternative<StreamOpened>(events[i]) != (i == 0 && !error) && !error) std::abort();
    }
}

void check_round_trip(const Element& e) {
    const std::string header =
        "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";
    const std::string wire = serialize(e, kClientNamespace);
    if (wire.size() > kMaxStanzaBytes) return;
    XmlStream again;
    auto events = again.feed({reinterpret_cast<const std::uint8_t*>(header.data()), header.size()});
    const auto more = again.feed({reinterpret_cast<const std::uint8_t*>(wire.data()), wire.size()});
    if (budget_hit(more)) return;
    if (more.size() != 1 || !std::holds_alternative<Stanza>(more[0])) std::abort();
    if (!(std::get<Stanza>(more[0]).element == e)) std::abort();
}

// Whole and split runs give the same events, but for an error that only one
// of them has met yet: expat holds an unfinished token until more bytes come,
// so "0\0r" fed at once waits while fed byte by byte it already fails at the
// NUL. Nothing may differ before that error, and nothing follows it.
bool same_events(const std::vector<StreamEvent>& a, const std::vector<StreamEvent>& b) {
    if (a == b) return true;
    const auto& longer = a.size() > b.size() ? a : b;
    const auto& shorter = a.size() > b.size() ? b : a;
    return longer.size() == shorter.size() + 1 && std::holds_alternative<StreamError>(longer.back()) &&
           std::equal(shorter.begin(), shorter.end(), longer.begin());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::size_t chunk = std::size_t{data[0]} + 1;
    const std::span<const std::uint8_t> input(data + 1, size - 1);
    const auto whole = feed_chunks(input, input.size() + 1);
    const auto split = feed_chunks(input, chunk);
    check_shape(whole);
    check_shape(split);
    if (!budget_hit(whole) && !budget_hit(split) && !same_events(whole, split)) std::abort();
    for (const auto& e : whole)
        if (const auto* s = std::get_if<Stanza>(&e)) check_round_trip(s->element);
    return 0;
}
