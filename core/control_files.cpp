#include "core/control_files.hpp"

#include "core/control.hpp"
#include "core/control_json.hpp"
#include "core/node.hpp"
#include "crypto/identity.hpp"

#include <algorithm>
#include <filesystem>

namespace hallway::core {

using nlohmann::json;
using namespace control_json;

namespace {

// A local path the node is to read or write: absolute (the node's working
// directory is not the client's), within the kernel's bound, no NUL.
bool local_path(const std::string& p, std::string& error) {
    if (p.empty() || p.front() != '/') error = "a path must be absolute";
    else if (p.size() > kMaxSendPathBytes) error = "a path is over " + std::to_string(kMaxSendPathBytes) + " bytes";
    else if (p.find('\0') != std::string::npos) error = "a path contains a NUL byte";
    else return true;
    return false;
}

std::optional<TransferView> find_transfer(const Node& node, std::uint64_t id) {
    for (auto& t : node.transfers())
        if (t.id == id) return t;
    return std::nullopt;
}

// The request's "id", naming a transfer the node has; else the error reply.
std::optional<json> transfer_field(const Node& node, const json& req, std::uint64_t& id) {
    if (!req.contains("id")) return error_json("bad_request", "missing \"id\"");
    auto n = uint_field(req, "id", 0);
    if (!n) return error_json("bad_request", "id must be a non-negative integer (a transfer's id)");
    if (!find_transfer(node, *n)) return error_json("no_transfer", "no transfer " + std::to_string(*n));
    id = *n;
    return std::nullopt;
}

json send_files(Node& node, const json& req) {
    auto it = req.find("paths");
    if (it == req.end() || !it->is_array() || it->empty())
        return error_json("bad_request", "\"paths\" must be a non-empty array of absolute paths");
    if (it->size() > kMaxSendPaths)
        return error_json("bad_request", "at most " + std::to_string(kMaxSendPaths) + " paths in one offer");
    std::vector<std::filesystem::path> paths;
    std::string error;
    for (auto& p : *it) {
        if (!p.is_string()) return error_json("bad_request", "\"paths\" must be a non-empty array of absolute paths");
        if (!local_path(p.get<std::string>(), error)) return error_json("bad_request", error);
        paths.emplace_back(p.get<std::string>());
    }
    PeerKey key{};
    if (auto e = peer_field(node, req, key)) return *e;
    auto id = node.send_files(key, paths, error);
    if (!id) return error_json("refused", error);
    json reply{{"ok", true}, {"id", *id}};
    if (auto t = find_transfer(node, *id)) reply["transfer"] = transfer_json(*t);
    return reply;
}

}  // namespace

json transfer_json(const TransferView& t) {
    json files = json::array();
    std::size_t listed_bytes = 0;
    for (auto& f : t.files) {
        json j{{"path", f.path}, {"size", f.size}, {"dir", f.dir}};
        listed_bytes += dump_json(j).size() + 1;
        if (listed_bytes > kMaxListedFilesJson) break;
        files.push_back(std::move(j));
    }
    const bool more = files.size() < t.files.size();
    json j{{"id", t.id},
           {"peer", crypto::fingerprint(t.peer)},
           {"nick", t.peer_nick},
           {"direction", std::string(to_string(t.direction))},
           {"state", std::string(to_string(t.state))},
           {"files", std::move(files)},
           {"file_count", t.files.size()},
           {"bytes", t.bytes},
           {"total", t.total},
           {"reason", t.reason},
           {"folder", t.folder}};
    if (more) j["files_more"] = true;
    return j;
}

std::optional<json> files_request(Node& node, const json& req, const std::string& cmd) {
    static const char* const kCommands[] = {"send_files", "transfers", "accept",     "decline",
                                            "cancel",     "resume",    "auto_accept"};
    if (std::find(std::begin(kCommands), std::end(kCommands), cmd) == std::end(kCommands)) return std::nullopt;
    if (cmd == "send_files") return send_files(node, req);
    if (cmd == "transfers") {
        auto offset = uint_field(req, "offset", 0);
        if (!offset) return error_json("bad_request", "offset must be a non-negative integer");
        const auto all = node.transfers();
        // Each fits a line (its file list is cut); the cut is a formality.
        return offset_page("transfers", all.size(), *offset, [&](std::size_t i) { return transfer_json(all[i]); },
                           {"folder"});
    }
    std::string error;
    if (cmd == "auto_accept") {
        PeerKey key{};
        if (auto e = peer_field(node, req, key)) return *e;
        auto on = req.find("on");
        if (on == req.end() || !on->is_boolean()) return error_json("bad_request", "\"on\" must be true or false");
        if (!node.set_auto_accept_files(key, on->get<bool>(), error)) return error_json("refused", error);
        return json{{"ok", true}};
    }
    std::uint64_t id = 0;
    if (auto e = transfer_field(node, req, id)) return *e;
    if (cmd == "accept") {
        std::string to = string_field(req, "to");
        if (req.contains("to") && !local_path(to, error)) return error_json("bad_request", "\"to\": " + error);
        if (!node.accept_transfer(id, to, error)) return error_json("refused", error);
        auto t = find_transfer(node, id);
        return json{{"ok", true}, {"folder", t ? t->folder : std::string()}};
    }
    const bool ok = cmd == "decline" ? node.decline_transfer(id, error)
                    : cmd == "cancel" ? node.cancel_transfer(id, error)
                                      : node.resume_transfer(id, error);
    if (!ok) return error_json("refused", error);
    return json{{"ok", true}};
}

}  // namespace hallway::core
