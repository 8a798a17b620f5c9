#pragma once
#include "cli/commands.hpp"
#include "core/node.hpp"

#include <asio.hpp>
#include <memory>

namespace hallway::cli {

// Opens the profile and starts a node; prints why and returns nullptr when it cannot.
std::unique_ptr<core::Node> open_node(asio::io_context& io, const Args& a);
// SIGINT/SIGTERM: graceful stop, then the io_context ends.
void stop_on_signals(asio::io_context& io, asio::signal_set& signals, core::Node& node);

// The interactive chat: the node runs on a network thread, the terminal on
// this one. Returns the exit code.
int run_chat(asio::io_context& io, core::Node& node);

}  // namespace hallway::cli
