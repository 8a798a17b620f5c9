#pragma once
// A labelled hex block of a document under docs/ as bytes: the digits between
// "```hex LABEL" and the closing fence, so a worked example in the docs is
// checked against what the code writes, byte for byte.
#include <doctest/doctest.h>

#include <cctype>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

inline std::vector<std::uint8_t> doc_block(const std::string& doc_name, const std::string& label) {
    std::ifstream in(std::string(HALLWAY_SOURCE_DIR) + "/docs/" + doc_name);
    std::stringstream all;
    all << in.rdbuf();
    const std::string doc = all.str(), fence = "```hex " + label + "\n";
    const auto start = doc.find(fence);
    REQUIRE_MESSAGE(start != std::string::npos, "no block " << label << " in " << doc_name);
    const auto end = doc.find("```", start + fence.size());
    std::string digits;
    for (char c : doc.substr(start + fence.size(), end - start - fence.size()))
        if (std::isxdigit(static_cast<unsigned char>(c))) digits += c;
    std::vector<std::uint8_t> out(digits.size() / 2);
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(std::stoi(digits.substr(2 * i, 2), nullptr, 16));
    return out;
}
