#pragma once
// Running the firewall tools for `hallway doctor`: no shell, stdin from
// /dev/null, C locale (their words are parsed), bounded output and time.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hallway::core::doctor {

struct ToolRun {
    bool ran = false;        // started (false: could not even fork/exec)
    int status = -1;         // exit status; -1 when killed or not run
    bool timed_out = false;
    bool truncated = false;  // printed more than we read
    std::string out, err;
};

// The program in the usual sbin and bin directories (sbin is often not on a user's PATH).
std::optional<std::filesystem::path> find_program(std::string_view name);
ToolRun run_tool(const std::filesystem::path& program, const std::vector<std::string>& args,
                 std::chrono::milliseconds timeout);

}  // namespace hallway::core::doctor
