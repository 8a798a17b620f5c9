#pragma once
// A core::Node on loopback for tests: no mDNS, no control socket, its profile
// and download folder in a temporary directory; it records what it emits.
#include "core/node.hpp"
#include "tests/core/temp_dir.hpp"

#include <asio.hpp>
#include <doctest/doctest.h>

namespace hallway::test {

struct Running {
    hallway::test::TempDir dir;
    asio::io_context& io;
    core::NodeOptions options;
    std::unique_ptr<core::Node> node;
    std::vector<core::Notice> notices;
    std::vector<core::TransferView> transfers;  // every TransferChanged, in order

    // port and default_port are NodeOptions': by default any free port, since many
    // nodes run at once; std::nullopt listens as a node started without --port.
    Running(asio::io_context& io, std::vector<std::string> manual_peers = {},
            std::size_t max_strangers = core::kMaxStrangers, std::string nick = "node",
            std::optional<std::uint16_t> port = 0, std::uint16_t default_port = transport::wire::kDefaultPort)
        : io(io) {
        core::NodeOptions& o = options;
        o.profile_dir = dir.path() / "profile";
        o.nick = std::move(nick);
        o.download_dir = dir.path() / "downloads";
        o.mdns = false;
        o.port = port;
        o.default_port = default_port;
        o.control_socket = false;
        o.manual_peers = std::move(manual_peers);
        o.max_strangers = max_strangers;
        boot();
    }
    // Stops the node and starts it again on the same profile and port (a
    // restart, a laptop that moved), with these --peer addresses.
    void restart(std::vector<std::string> manual_peers = {}) {
        options.port = node->port();
        options.manual_peers = std::move(manual_peers);
        node->stop("restart");
        io.restart();
        io.run_for(std::chrono::milliseconds(200));  // its goodbyes go out
        io.restart();
        node.reset();
        boot();
    }
    void boot() {
        std::string error;
        node = core::Node::create(io, options, error);
        INFO(error);
        REQUIRE(node);
        node->start();
        node->subscribe([this](const core::Event& e) {
            if (auto* n = std::get_if<core::Notice>(&e)) notices.push_back(*n);
            if (auto* t = std::get_if<core::TransferChanged>(&e)) transfers.push_back(t->transfer);
        });
    }
    asio::ip::tcp::endpoint endpoint() const { return {asio::ip::make_address("127.0.0.1"), node->port()}; }
    std::optional<core::PeerView> view(const transport::PeerKey& key) const {
        for (auto& p : node->peers())
            if (p.key == key) return p;
        return std::nullopt;
    }
    // False for a peer the node does not list, as for one it lists offline.
    bool online(const transport::PeerKey& key) const {
        const auto v = view(key);
        return v && v->online;
    }
};


}  // namespace hallway::test
