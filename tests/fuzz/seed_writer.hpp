// What the two seed makers share: make_session_seeds (the session-level
// targets, the only ones the no-AEAD fuzz build needs, so that build compiles
// no more than crypto and transport) and make_seeds (every other target).
// Each is run as PROGRAM OUTDIR and writes OUTDIR/<target>/<name>.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hallway::fuzz {

using Bytes = std::vector<std::uint8_t>;

void write_seed(const std::string& target, const std::string& name, std::span<const std::uint8_t> bytes);
void write_seed(const std::string& target, const std::string& name, std::string_view text);
Bytes cat(std::initializer_list<std::span<const std::uint8_t>> parts);

// A seed maker's main: checks the arguments, then runs write_all with OUTDIR as the root.
int seed_main(int argc, char** argv, void (*write_all)());

}  // namespace hallway::fuzz
