#include "transport/cbor.hpp"

#include "transport/wire.hpp"

#include <array>
#include <cstring>

namespace hallway::transport::cbor {

namespace {
constexpr std::uint8_t kBreak = 0xff;
constexpr std::uint8_t kIndefinite = 31;
}  // namespace

bool Reader::take(std::uint64_t n, std::span<const std::uint8_t>& out) {
    if (n > in_.size() - pos_) return false;  // believed only once the bytes are there
    out = in_.subspan(pos_, static_cast<std::size_t>(n));
    pos_ += static_cast<std::size_t>(n);
    return true;
}

bool Reader::head(Head& h) {
    std::span<const std::uint8_t> b;
    if (!take(1, b)) return false;
    h.major = static_cast<Major>(b[0] >> 5);
    const std::uint8_t info = b[0] & 0x1f;
    h.arg = info;
    h.indefinite = false;
    if (info >= 24 && info <= 27) {
        std::span<const std::uint8_t> arg;
        if (!take(std::size_t{1} << (info - 24), arg)) return false;
        h.arg = 0;
        for (const std::uint8_t x : arg) h.arg = (h.arg << 8) | x;
    } else if (info == kIndefinite) {
        // Only strings, arrays and maps have an indefinite form; 0xff is a break, not a head.
        if (h.major != Major::bytes && h.major != Major::text && h.major != Major::array && h.major != Major::map)
            return false;
        h.indefinite = true;
    } else if (info > 27) {
        return false;  // 28..30 are reserved
    }
    // Simple values below 32 have a one-byte head only (RFC 8949 §3.3).
    return !(h.major == Major::simple && info == 24 && h.arg < 32);
}

bool Reader::take_break() {
    if (pos_ == in_.size() || in_[pos_] != kBreak) return false;
    ++pos_;
    return true;
}

bool Reader::chunks(Major want, std::string* joined) {
    // Each chunk consumes at least one byte: the loop is bounded by the input.
    while (!take_break()) {
        Head c;
        std::span<const std::uint8_t> body;
        if (!head(c) || c.major != want || c.indefinite || !take(c.arg, body)) return false;
        if (joined) joined->append(reinterpret_cast<const char*>(body.data()), body.size());
    }
    return true;
}

bool Reader::string_body(const Head& h, Major want, std::string& scratch, std::string_view& out) {
    if (h.major != want) return false;
    if (h.indefinite) {
        scratch.clear();
        if (!chunks(want, &scratch)) return false;
        out = scratch;
        return true;
    }
    std::span<const std::uint8_t> body;
    if (!take(h.arg, body)) return false;
    out = {reinterpret_cast<const char*>(body.data()), body.size()};
    return true;
}

bool Reader::skip(std::size_t depth) {
    // The containers this item has opened and not yet closed: items still due
    // (definite) or items read so far (indefinite, to check a map's are pairs).
    struct Open {
        std::uint64_t count;
        bool indefinite;
        bool map;
    };
    std::array<Open, wire::kMaxNesting> open;
    std::size_t n = 0;
    bool tagged = false;  // a tag was read: an item must follow, not a break
    // Every turn consumes at least one byte: the loop is bounded by the input.
    for (;;) {
        bool done = true;  // an item (or a container) has just been completed
        if (!tagged && n > 0 && open[n - 1].indefinite && take_break()) {
            if (open[n - 1].map && open[n - 1].count % 2 != 0) return false;
            --n;
        } else {
            Head h;
            std::span<const std::uint8_t> body;
            if (!head(h)) return false;
            tagged = h.major == Major::tag;
            switch (h.major) {
                case Major::bytes:
                case Major::text:
                    if (h.indefinite ? !chunks(h.major, nullptr) : !take(h.arg, body)) return false;
                    break;
                case Major::array:
                case Major::map: {
                    if (depth + n + 1 > wire::kMaxNesting) return false;
                    const bool map = h.major == Major::map;
                    if (h.indefinite) {
                        open[n++] = {0, true, map};
                        done = false;
                    } else if (h.arg > 0) {
                        // Each item takes a byte at least: a count the input cannot hold is refused now.
                        const std::uint64_t left = in_.size() - pos_;
                        if (h.arg > left || (map && h.arg > left / 2)) return false;
                        open[n++] = {map ? 2 * h.arg : h.arg, false, map};
                        done = false;
                    }
                    break;
                }
                case Major::tag:
                    done = false;  // the tagged item follows
                    break;
                default:
                    break;  // integers, simple values and floats are their head
            }
        }
        if (!done) continue;
        // Count the completed item in its container; a filled definite one is complete in turn.
        for (;;) {
            if (n == 0) return true;
            Open& o = open[n - 1];
            if (o.indefinite) {
                ++o.count;
                break;
            }
            if (--o.count > 0) break;
            --n;
        }
    }
}

bool well_formed(std::span<const std::uint8_t> bytes) {
    Reader r(bytes);
    return r.skip(0) && r.at_end();
}

bool read_text_keyed_map(std::span<const std::uint8_t> bytes, const TextKeyed& each) {
    Reader r(bytes);
    Head h;
    if (!r.head(h) || h.major != Major::map) return false;
    std::string scratch;
    // Each pair takes two bytes at least: the loop is bounded by the input.
    for (std::uint64_t i = 0; h.indefinite ? !r.take_break() : i < h.arg; ++i) {
        const std::size_t key_at = r.offset();
        if (!r.skip(1)) return false;
        const std::size_t value_at = r.offset();
        if (!r.skip(1)) return false;
        Reader key(bytes.subspan(key_at, value_at - key_at));
        Head kh;
        std::string_view name;
        if (!key.head(kh) || !key.string_body(kh, Major::text, scratch, name)) continue;
        if (!each(name, bytes.subspan(value_at, r.offset() - value_at))) return false;
    }
    return r.at_end();
}

void put_head(std::vector<std::uint8_t>& out, Major major, std::uint64_t arg) {
    const auto m = static_cast<std::uint8_t>(static_cast<std::uint8_t>(major) << 5);
    if (arg < 24) {
        out.push_back(static_cast<std::uint8_t>(m | arg));
        return;
    }
    int bytes = 8;
    std::uint8_t info = 27;
    if (arg <= 0xff) {
        bytes = 1;
        info = 24;
    } else if (arg <= 0xffff) {
        bytes = 2;
        info = 25;
    } else if (arg <= 0xffffffffULL) {
        bytes = 4;
        info = 26;
    }
    out.push_back(m | info);
    for (int k = bytes - 1; k >= 0; --k) out.push_back(static_cast<std::uint8_t>(arg >> (8 * k)));
}

void put_text(std::vector<std::uint8_t>& out, std::string_view s) {
    put_head(out, Major::text, s.size());
    const std::size_t at = out.size();
    out.resize(at + s.size());  // memcpy: inserting chars into bytes would copy one by one
    if (!s.empty()) std::memcpy(out.data() + at, s.data(), s.size());
}

void put_bytes(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> b) {
    put_head(out, Major::bytes, b.size());
    out.insert(out.end(), b.begin(), b.end());
}

}  // namespace hallway::transport::cbor
