#pragma once
// A small CBOR (RFC 8949) reader and writer for the application messages and
// the Hello. The reader accepts every well-formed item (§3: all major types,
// tags, simple values, half/single/double floats, definite and indefinite
// lengths) and walks nested items without recursion, refusing nesting deeper
// than it is told. It never allocates from a claimed count or length: a length
// is only believed once its bytes are there. The writer emits what Hallway
// senders send: definite lengths and shortest heads. Pure: no I/O.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hallway::transport::cbor {

enum class Major : std::uint8_t { uint = 0, nint = 1, bytes = 2, text = 3, array = 4, map = 5, tag = 6, simple = 7 };

// The head of a data item (RFC 8949 §3): major type and argument. For major 7
// the argument is the simple value or the float's bits.
struct Head {
    Major major = Major::uint;
    std::uint64_t arg = 0;
    bool indefinite = false;  // strings, arrays, maps with additional info 31
};

// Reads items front to back from a byte span. Every method returns false on
// input that is truncated or not well-formed and then leaves the position
// unspecified; callers stop at the first false.
class Reader {
public:
    explicit Reader(std::span<const std::uint8_t> in) : in_(in) {}
    // The reader views its input (strings come back as views into it): a
    // temporary buffer would be gone before the first read.
    explicit Reader(std::vector<std::uint8_t>&&) = delete;

    // One head. A break (0xff) is not a head: see take_break().
    bool head(Head& h);
    // Consumes a break (0xff) when it is the next byte.
    bool take_break();
    // Skips one whole item, nested content included, checking it is well-formed.
    // depth: containers already open around it; the item may open containers
    // down to depth wire::kMaxNesting (an array directly inside a top-level map
    // is at depth 2). Tags do not nest: a tag only prefixes the item after it.
    bool skip(std::size_t depth);
    // A text or byte string (major `want`, definite or indefinite) whose head
    // was just read as h. Definite: a view into the input, no copy. Indefinite:
    // its chunks (definite, same major) joined into scratch, which out views.
    bool string_body(const Head& h, Major want, std::string& scratch, std::string_view& out);

    bool at_end() const { return pos_ == in_.size(); }
    std::size_t offset() const { return pos_; }
    std::span<const std::uint8_t> input() const { return in_; }

private:
    bool take(std::uint64_t n, std::span<const std::uint8_t>& out);
    bool chunks(Major want, std::string* joined);

    std::span<const std::uint8_t> in_;
    std::size_t pos_ = 0;
};

// Checks that bytes hold exactly one well-formed item nesting at most
// wire::kMaxNesting containers (the item itself counts), with nothing after it.
bool well_formed(std::span<const std::uint8_t> bytes);

// Reads bytes as one map (any length form) and nothing after it, every item
// well-formed and nested at most wire::kMaxNesting deep, calling each(key,
// value) for every pair whose key is a text string (others are skipped);
// value is the bytes of one item. False on bad input or when each returns false.
using TextKeyed = std::function<bool(std::string_view key, std::span<const std::uint8_t> value)>;
bool read_text_keyed_map(std::span<const std::uint8_t> bytes, const TextKeyed& each);

// Appends heads and strings the way Hallway senders write them.
void put_head(std::vector<std::uint8_t>& out, Major major, std::uint64_t arg);
void put_text(std::vector<std::uint8_t>& out, std::string_view s);
void put_bytes(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> b);

}  // namespace hallway::transport::cbor
