#pragma once
// Reading docs/PROTOCOL.md in the tests that check it against the code: its
// bytes, its fenced example blocks, its table rows.
#include <doctest/doctest.h>

#include <cstddef>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>

namespace hallway::test_doc {

inline const std::string kProtocolDocPath = std::string(HALLWAY_SOURCE_DIR) + "/docs/PROTOCOL.md";

inline std::string read_protocol_doc() {
    std::ifstream in(kProtocolDocPath);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Fenced blocks opened by "```<lang> example-<label>": label -> [first byte, closing fence).
inline std::map<std::string, std::pair<std::size_t, std::size_t>> find_blocks(const std::string& doc) {
    std::map<std::string, std::pair<std::size_t, std::size_t>> out;
    const std::string marker = " example-";
    for (std::size_t pos = doc.find("```"); pos != std::string::npos; pos = doc.find("```", pos + 3)) {
        const std::size_t eol = doc.find('\n', pos);
        if (eol == std::string::npos) break;
        const std::string opener = doc.substr(pos, eol - pos);
        const std::size_t m = opener.find(marker);
        const std::size_t close = doc.find("```", eol);
        if (close == std::string::npos) break;
        if (m != std::string::npos) out[opener.substr(m + marker.size())] = {eol + 1, close};
        pos = close;
    }
    return out;
}

// The line of a table of doc that starts with "| name".
inline std::string table_row(const std::string& doc, const std::string& name) {
    const std::size_t at = doc.find("\n| " + name);
    INFO("row " << name);
    REQUIRE(at != std::string::npos);
    return doc.substr(at + 1, doc.find('\n', at + 1) - at - 1);
}

}  // namespace hallway::test_doc
