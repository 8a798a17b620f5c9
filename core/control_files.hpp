#pragma once
// The control socket's file transfer commands (docs/CONTROL.md "Files"),
// apart from the chat ones in control.cpp.
#include "core/events.hpp"
#include "core/files/manifest.hpp"

#include <nlohmann/json.hpp>

#include <climits>
#include <cstddef>
#include <optional>
#include <string>

namespace hallway::core {

class Node;

// What one send_files request may name: each path is at least one entry of
// the offer, and a path the kernel would take (PATH_MAX, NUL included).
inline constexpr std::size_t kMaxSendPaths = files::kMaxEntries;
inline constexpr std::size_t kMaxSendPathBytes = PATH_MAX - 1;
// A transfer's file list in a reply or event line stops at this many bytes of
// JSON ("files_more" says so; "file_count" has them all): an offer's 1,024
// paths of up to 1 KiB, escaped, would not fit the line.
inline constexpr std::size_t kMaxListedFilesJson = 64 * 1024;

// A transfer as the socket shows it (docs/CONTROL.md "Files").
nlohmann::json transfer_json(const TransferView& t);

// The reply to a files request; nullopt when cmd is not one.
std::optional<nlohmann::json> files_request(Node& node, const nlohmann::json& request, const std::string& cmd);

}  // namespace hallway::core
