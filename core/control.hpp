#pragma once
// The local control socket of a running node: a Unix stream socket (mode 0600)
// in the profile directory speaking JSON lines (docs/CONTROL.md). The server
// runs on the node's network thread; the client is blocking, for the CLI.
#include "core/events.hpp"
#include "core/store.hpp"

#include <nlohmann/json.hpp>

#include <asio.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>

namespace hallway::core {

class Node;

// A line longer than this (without its newline) is refused: a request by the
// node, a reply by ControlClient. The largest request is a text of
// wire::kMaxTextBody bytes escaped as JSON (at most 6 bytes per byte); the
// replies that grow with what is stored (history, peers) come in pages cut to fit.
inline constexpr std::size_t kMaxControlLine = 1024 * 1024;
// Messages a history request returns when it names no limit.
inline constexpr std::size_t kDefaultHistoryLimit = 1000;
// Addresses listed per peer in a peers reply (a flapping peer collects many).
inline constexpr std::size_t kMaxListedAddresses = 16;
// How a peer was found (PeerView::found_by): a node lists a few; a client reads no more.
inline constexpr std::size_t kMaxListedFoundBy = 16;

// Serialises JSON for peers' text safely: invalid UTF-8 is replaced, never thrown on.
std::string dump_json(const nlohmann::json& j);

class ControlServer {
public:
    ControlServer(asio::io_context& io, Node& node, std::filesystem::path socket_path);
    ~ControlServer();
    // Binds (replacing a stale socket file: the caller holds the profile lock).
    bool start(std::string& error);
    void stop();

    // Answers one request; the connection is told of later delivery when asked
    // to wait. Exposed for tests and fuzzing: no socket needed.
    nlohmann::json handle(const nlohmann::json& request, std::uint64_t connection_id);

private:
    struct Connection;
    void accept();
    void on_state(const PeerKey& peer, const MessageId& id, const std::string& state);
    void on_read(const PeerKey& peer, const MessageId& id, std::int64_t read_at_ms);
    void on_room_delivery(const RoomDeliveryChanged& d);
    void on_transfer(const TransferView& t);
    void connection_closed(std::uint64_t id);

    Node& node_;
    std::filesystem::path path_;
    asio::local::stream_protocol::acceptor acceptor_;
    std::map<std::uint64_t, std::shared_ptr<Connection>> connections_;
    // Our message (to peer, id: ids are unique per sender) -> connections waiting for its delivery.
    std::map<std::pair<PeerKey, MessageId>, std::set<std::uint64_t>> waiting_;
    // Our message (to peer, id) -> connections that sent it with "wait": told
    // when the peer reads it (docs/PROTOCOL.md §14); forgotten with the connection.
    std::map<std::pair<PeerKey, MessageId>, std::set<std::uint64_t>> read_waiting_;
    // Our room text (entry id) -> connections waiting to hear how many members hold it.
    std::map<MessageId, std::set<std::uint64_t>> room_waiting_;
    // A transfer we offered (its id) -> connections that follow it to its end.
    std::map<std::uint64_t, std::set<std::uint64_t>> transfer_waiting_;
    std::uint64_t next_id_ = 1;
    std::uint64_t focus_owner_ = 0;  // the connection whose focus request stands (0: none)
    bool subscribed_ = false;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// Blocking client used by `hallway peers/send/history`.
class ControlClient {
public:
    ~ControlClient();
    // false + error when no node serves this profile.
    bool connect(const std::filesystem::path& socket_path, std::string& error);
    bool send(const nlohmann::json& request, std::string& error);
    // Reads the next JSON line; false on timeout, EOF or a bad line.
    bool receive(nlohmann::json& out, std::chrono::milliseconds timeout, std::string& error);

private:
    int fd_ = -1;
    std::string buffer_;
};

}  // namespace hallway::core
