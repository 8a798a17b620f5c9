// Subcommands that run a node in this process: daemon and chat.
#include "cli/chat.hpp"
#include "cli/commands.hpp"
#include "cli/format.hpp"
#include "cli/remote.hpp"
#include "core/node.hpp"

#include <csignal>
#include <iostream>

namespace hallway::cli {

namespace {

namespace wire = transport::wire;

// Close frames and the mDNS goodbye need a moment on the wire after stop().
constexpr auto kShutdownGrace = std::chrono::milliseconds(300);

core::NodeOptions node_options(const Args& a) {
    core::NodeOptions o;
    o.profile_dir = a.profile;
    o.nick = a.nick;
    if (a.port) o.port = static_cast<std::uint16_t>(*a.port);
    o.manual_peers = a.peers;
    o.mdns = !a.no_mdns;
    if (a.private_mode) o.private_mode = true;
    if (a.no_private_mode) o.private_mode = false;
    if (a.bonjour) o.bonjour = true;
    if (a.no_bonjour) o.bonjour = false;
    o.link_local_peers = a.xmpp_peers;
    return o;
}

}  // namespace

std::unique_ptr<core::Node> open_node(asio::io_context& io, const Args& a) {
    if (a.port && *a.port > 65535) {
        std::cerr << "hallway: --port must be at most 65535\n";
        return nullptr;
    }
    core::NodeOptions options = node_options(a);
    if (!unlock_if_locked(a, options.unlocked)) return nullptr;
    std::string error;
    auto node = core::Node::create(io, std::move(options), error);
    if (!node) {
        std::cerr << "hallway: " << error << "\n";
        return nullptr;
    }
    try {
        node->start();
    } catch (const std::system_error& e) {
        std::cerr << "hallway: cannot listen on port " << a.port.value_or(wire::kDefaultPort) << ": " << e.what()
                  << "\n";
        return nullptr;
    }
    return node;
}

void stop_on_signals(asio::io_context& io, asio::signal_set& signals, core::Node& node) {
    signals.async_wait([&io, &node](std::error_code ec, int) {
        if (ec) return;
        node.stop("shutting down");
        auto timer = std::make_shared<asio::steady_timer>(io, kShutdownGrace);
        timer->async_wait([&io, timer](std::error_code) { io.stop(); });
    });
}

int cmd_daemon(const Args& a) {
    asio::io_context io;
    auto node = open_node(io, a);
    if (!node) return kExitError;
    EventPrinter printer;
    node->subscribe([&printer](const core::Event& e) {
        if (auto line = printer.line(e); !line.empty()) std::cout << line << std::endl;
    });
    asio::signal_set signals(io, SIGINT, SIGTERM);
    stop_on_signals(io, signals, *node);
    io.run();
    return kExitOk;
}

int cmd_chat(const Args& a) {
    asio::io_context io;
    auto node = open_node(io, a);
    if (!node) return kExitError;
    return run_chat(io, *node);
}

}  // namespace hallway::cli
