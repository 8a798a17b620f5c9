// hallway: the messenger from a terminal. A table of subcommands (see
// commands.hpp); each returns one of the documented exit codes.
#include "cli/commands.hpp"
#include "core/control.hpp"
#include "core/profile.hpp"
#include "transport/wire.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>

using namespace hallway;

namespace {

namespace wire = transport::wire;
// The limits, said where each value is given; the node enforces the same ones.
const std::string kNickHelp = "Display name (remembered): at most " + std::to_string(wire::kMaxNick) +
                              " bytes of UTF-8, one line, no control characters";
const std::string kTextHelp = "The message: at most " + std::to_string(wire::kMaxTextBody) + " bytes (64 KiB) of UTF-8";
const std::string kStatusHelp = "Status message, one line of at most " + std::to_string(wire::kMaxStatusMessage) +
                                " bytes (shown to peers only inside sessions)";

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Hallway: serverless, end-to-end encrypted chat on your local network.", "hallway"};
    app.footer(cli::kExitCodesHelp);
    app.require_subcommand(1);
    cli::Args args;
    app.add_option("--profile", args.profile, "Profile directory (default $HALLWAY_PROFILE or $XDG_DATA_HOME/hallway)");

    auto* id = app.add_subcommand("id", "Print our display name and fingerprint");

    auto* daemon = app.add_subcommand("daemon", "Run a node in the foreground until SIGINT/SIGTERM");
    auto* chat = app.add_subcommand("chat", "Interactive terminal chat (runs a node)");
    for (auto* sc : {daemon, chat}) {
        sc->add_option("--nick", args.nick, kNickHelp);
        sc->add_option("--port", args.port, "TCP port to listen on (default: any free port)");
        sc->add_option("--peer", args.peers, "HOST:PORT of a peer to reach without mDNS (repeatable)");
        sc->add_flag("--no-mdns", args.no_mdns, "Do not use mDNS/DNS-SD (only --peer and incoming connections)");
    }

    auto* peers = app.add_subcommand("peers", "List buddies (asks the running node)");
    peers->add_flag("--json", args.json, "Machine-readable output");

    auto* send = app.add_subcommand("send", "Send a message; exits 0 once the peer acknowledged it");
    send->add_option("PEER", args.peer, "Display name or fingerprint prefix")->required();
    send->add_option("TEXT", args.text, kTextHelp)->required();
    send->add_option("--timeout", args.timeout, "Seconds to wait for delivery (0: return once queued)")
        ->default_val(10)
        ->check(CLI::NonNegativeNumber);

    auto* history = app.add_subcommand("history", "Show the conversation with a peer");
    history->add_option("PEER", args.peer, "Display name or fingerprint prefix")->required();
    history->add_flag("--json", args.json, "Machine-readable output");
    history->add_option("--limit", args.limit, "Show the newest N messages")
        ->default_val(core::kDefaultHistoryLimit)
        ->check(CLI::PositiveNumber);

    auto* verify = app.add_subcommand("verify", "Show the safety number shared with a peer; --confirm marks it verified");
    verify->add_option("PEER", args.peer, "Display name or fingerprint prefix")->required();
    verify->add_flag("--confirm", args.confirm, "Mark as verified after comparing the number with the person");

    auto* block = app.add_subcommand("block", "Refuse all sessions and messages from a peer");
    block->add_option("PEER", args.peer, "Display name or fingerprint prefix")->required();
    auto* unblock = app.add_subcommand("unblock", "Undo block (the peer becomes unverified)");
    unblock->add_option("PEER", args.peer, "Display name or fingerprint prefix")->required();

    auto* status = app.add_subcommand("status", "Set presence (available, away, busy) and a status message");
    status->add_option("PRESENCE", args.presence, "available, away or busy")
        ->required()
        ->check(CLI::IsMember({"available", "away", "busy"}));
    status->add_option("MESSAGE", args.text, kStatusHelp);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int rc = app.exit(e);
        return e.get_exit_code() == 0 ? 0 : (rc == 0 ? 0 : cli::kExitUsage);
    }
    if (args.profile.empty()) args.profile = core::default_profile_dir().string();

    if (*id) return cli::cmd_id(args);
    if (*daemon) return cli::cmd_daemon(args);
    if (*chat) return cli::cmd_chat(args);
    if (*peers) return cli::cmd_peers(args);
    if (*send) return cli::cmd_send(args);
    if (*history) return cli::cmd_history(args);
    if (*verify) return cli::cmd_verify(args);
    if (*block) return cli::cmd_trust(args, "blocked");
    if (*unblock) return cli::cmd_trust(args, "unverified");
    if (*status) return cli::cmd_status(args);
    return cli::kExitUsage;
}
