// hallway: the messenger from a terminal. A table of subcommands (see
// commands.hpp); each returns one of the documented exit codes.
#include "cli/commands.hpp"
#include "core/control.hpp"
#include "core/profile.hpp"
#include "core/search_query.hpp"
#include "transport/wire.hpp"

#include <hallway/version.hpp>

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
const std::string kPortHelp = "TCP port to listen on (default: " + std::to_string(wire::kDefaultPort) +
                              ", or any free port when that one is taken; 0: any free port). "
                              "Peers learn it from the mDNS announcement";
const std::string kPrivateHelp =
    "Private mode for this run: the mDNS record names nothing (a random name, no nick, no fingerprint) and only "
    "contacts are answered. The cost: strangers cannot find you or reach you; someone must first exchange keys "
    "with you (once, in normal mode) to see you. The setting (the window's switch) makes it last";
const std::string kBonjourHelp =
    "Link-local XMPP for this run (XEP-0174: Pidgin's, Adium's and other clients' \"Bonjour\" accounts on the LAN "
    "see you and can chat with you). UNENCRYPTED and UNAUTHENTICATED: anyone on the network can read those messages "
    "and use any name; such buddies are marked 'unencrypted \u00b7 not verified'. Off in private mode. "
    "'hallway bonjour on' makes it last";
const std::string kXmppPeerHelp =
    "USER@HOST=HOST:PORT of a link-local XMPP buddy to reach without mDNS (repeatable; with the bridge on). "
    "Its side may still refuse us: Pidgin accepts only a peer whose mDNS record it resolved";
// --xmpp-peer: "user@host=HOST:PORT" in shape (the node says what else is wrong with it).
std::string check_xmpp_peer(const std::string& value) {
    const auto eq = value.find('=');
    const auto at = value.find('@');
    const auto colon = value.rfind(':');
    if (eq == std::string::npos || at == std::string::npos || at == 0 || at + 1 >= eq || colon == std::string::npos ||
        colon < eq + 2 || colon + 1 == value.size())
        return "expected USER@HOST=HOST:PORT, e.g. carol@laptop=192.168.1.20:5298";
    return {};
}
const std::string kStatusHelp = "Status message, one line of at most " + std::to_string(wire::kMaxStatusMessage) +
                                " bytes (shown to peers only inside sessions)";

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Hallway: serverless, end-to-end encrypted chat on your local network.", "hallway"};
    app.footer(cli::kExitCodesHelp);
    app.set_version_flag("--version", kVersion, "Print the version and exit");
    app.require_subcommand(1);
    cli::Args args;
    app.add_option("--profile", args.profile, "Profile directory (default $HALLWAY_PROFILE or $XDG_DATA_HOME/hallway)");

    auto* id = app.add_subcommand("id", "Print our display name and fingerprint");

    auto* doctor = app.add_subcommand(
        "doctor",
        "Check why peers may not be seen, one line per check with what to do: avahi-daemon (installed, running, "
        "on D-Bus), the name our running node is published under, mDNS interfaces, nss-mdns, the firewall's rules "
        "for our TCP port and UDP 5353 (nftables, iptables, ufw, firewalld; read only: run with sudo to read them), "
        "each announced peer. Exit 1 when a problem is found");
    doctor->add_flag("--json", args.json, "Machine-readable output");

    auto* daemon = app.add_subcommand(
        "daemon", "Run a node in the foreground until SIGINT/SIGTERM (--private: only contacts can find you; "
                  "strangers cannot, until you have met them once in normal mode)");
    auto* chat = app.add_subcommand("chat", "Interactive terminal chat (runs a node)");
    for (auto* sc : {daemon, chat}) {
        sc->add_option("--nick", args.nick, kNickHelp);
        sc->add_option("--port", args.port, kPortHelp);
        sc->add_option("--peer", args.peers, "HOST:PORT of a peer to reach without mDNS (repeatable)");
        sc->add_flag("--no-mdns", args.no_mdns, "Do not use mDNS/DNS-SD (only --peer and incoming connections)");
        sc->add_flag("--private", args.private_mode, kPrivateHelp)
            ->excludes(sc->add_flag("--no-private", args.no_private_mode,
                                    "Normal mode for this run, even if the window's switch saved private mode"));
        sc->add_flag("--bonjour", args.bonjour, kBonjourHelp)
            ->excludes(sc->add_flag("--no-bonjour", args.no_bonjour,
                                    "No link-local XMPP this run, even if 'hallway bonjour on' saved it"));
        sc->add_option("--xmpp-peer", args.xmpp_peers, kXmppPeerHelp)->check(check_xmpp_peer);
    }

    auto* dns_sd = app.add_subcommand(
        "dns-sd-records",
        "Print the DNS-SD records (PTR, SRV, TXT; A or AAAA with --address) an administrator publishes in a "
        "unicast DNS domain so that this node is found there by nodes on other subnets (docs/WIDE-AREA.md). "
        "Hallway never registers itself in DNS: the records go into a zone file, to nsupdate (each zone line "
        "after 'update add'), or into dnsmasq's configuration");
    dns_sd->add_option("DOMAIN", args.domain, "The wide-area DNS-SD domain, e.g. office.example")->required();
    dns_sd->add_option("--host", args.host,
                       "The SRV target: a name that resolves to this machine by unicast DNS (default: this "
                       "machine's host name in DOMAIN; a name without a dot is taken in DOMAIN)");
    dns_sd->add_option("--address", args.address,
                       "This machine's IPv4 or IPv6 address: adds the host's A or AAAA record");
    dns_sd->add_option("--port", args.port,
                       "The TCP port the node listens on; start it with the same --port (a node without one "
                       "may move to another port when its default is taken)")
        ->required();
    dns_sd->add_option("--instance", args.instance,
                       "The DNS-SD instance name (default: our display name, as mDNS announces it)");
    dns_sd->add_option("--format", args.format,
                       "zone: RFC 1035 master-file lines (bind9, nsd, knot, nsupdate); dnsmasq: its "
                       "ptr-record=, srv-host=, txt-record=, host-record= lines")
        ->default_val("zone")
        ->check(CLI::IsMember({"zone", "dnsmasq"}));

    const std::string fd_help =
        "Read a locked profile's passphrase from descriptor N (one line) instead of asking at the terminal";
    for (auto* sc : {id, doctor, daemon, chat, dns_sd}) sc->add_option("--passphrase-fd", args.passphrase_fd, fd_help);

    auto* lock = app.add_subcommand(
        "lock", "Lock the profile with a passphrase: the private key, history and settings are sealed on disk, and "
                "every command that needs them asks for it (the node must not be running)");
    lock->add_flag("--remove", args.remove, "Take the lock off: the files become plaintext again (asks the passphrase)");
    lock->add_option("--passphrase-fd", args.passphrase_fd,
                     "Read the passphrase from descriptor N (one line; asked once, not twice)");
    auto* passwd = app.add_subcommand("passwd", "Change a locked profile's passphrase (the node must not be running)");
    passwd->add_option("--passphrase-fd", args.passphrase_fd,
                       "Read the current and the new passphrase from descriptor N (one line each)");

    auto* peers = app.add_subcommand("peers", "List buddies (asks the running node)");
    peers->add_flag("--json", args.json, "Machine-readable output");

    auto* send = app.add_subcommand("send", "Send a message; exits 0 once the peer (every member of a room) has it");
    send->add_option("PEER", args.peer, "Display name or fingerprint prefix, or #ROOM (a room's name or id prefix)")
        ->required();
    send->add_option("TEXT", args.text, kTextHelp)->required();
    send->add_option("--timeout", args.timeout, "Seconds to wait for delivery (0: return once queued)")
        ->default_val(10)
        ->check(CLI::NonNegativeNumber);

    auto* history = app.add_subcommand("history", "Show the conversation with a peer or in a room");
    history->add_option("PEER", args.peer, "Display name or fingerprint prefix, or #ROOM")->required();
    history->add_flag("--json", args.json, "Machine-readable output");
    history->add_option("--limit", args.limit, "Show the newest N messages")
        ->default_val(core::kDefaultHistoryLimit)
        ->check(CLI::PositiveNumber);

    auto* read = app.add_subcommand(
        "read", "Mark the conversation with a peer read, as opening it in the window does: its unread count clears "
                "and, with read receipts on, the peer is told which of its texts you saw");
    read->add_option("PEER", args.peer, "Display name or fingerprint prefix")->required();
    auto* typing = app.add_subcommand(
        "typing", "Tell a peer you are typing to it (shown there for 7 s, or until --stop or a text); sent only on a "
                  "session that is up, at most once per 4 s");
    typing->add_option("PEER", args.peer, "Display name or fingerprint prefix")->required();
    typing->add_flag("--stop", args.stop, "Say you stopped typing (the input was emptied)");
    auto* read_receipts = app.add_subcommand(
        "read-receipts", "Print or set whether you send read receipts (\"seen\"); off: you send none and are sent none");
    read_receipts->add_option("SETTING", args.setting, "on (default) or off")->check(CLI::IsMember({"on", "off"}));
    auto* bonjour = app.add_subcommand(
        "bonjour", "Print or set whether link-local XMPP runs (Pidgin/Adium \"Bonjour\" users on the LAN can chat with "
                   "you): UNENCRYPTED and UNAUTHENTICATED, anyone on the network can read it and use any name; "
                   "never in private mode");
    bonjour->add_option("SETTING", args.setting, "on or off (default)")->check(CLI::IsMember({"on", "off"}));
    auto* search = app.add_subcommand(
        "search", "Find stored messages (one-to-one and rooms) holding every word of TEXT, newest first");
    search->add_option("TEXT", args.text,
                       "Words to find: each matches the start of a word, case and accents ignored (\"cafe\" finds "
                       "\"Café\"); punctuation only separates words")
        ->required();
    search->add_option("--peer", args.peer, "Only the conversation with this peer (name or fingerprint prefix)");
    search->add_option("--limit", args.search_limit, "Show the newest N hits (1 to 200)")
        ->default_val(core::kDefaultSearchLimit)
        ->check(CLI::Range(std::size_t{1}, core::kMaxSearchLimit));
    search->add_flag("--json", args.json, "Machine-readable output");

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

    auto* share = app.add_subcommand(
        "share-addresses", "Print or set who may ask where your contacts are (docs/PROTOCOL.md §13)");
    share->add_option("WHO", args.share_addresses,
                      "verified (default): verified contacts; contacts: any contact; off: nobody, and we do not ask")
        ->check(CLI::IsMember({"verified", "contacts", "off"}));

    auto* notifications = app.add_subcommand(
        "notifications", "Print or set what the window's desktop notifications say of a message");
    notifications->add_option("WHAT", args.notifications,
                              "full (default): the sender's name and the first line; hidden: only \"New message\"; "
                              "off: none")
        ->check(CLI::IsMember({"full", "hidden", "off"}));

    auto* rooms = app.add_subcommand("rooms", "List our rooms and invitations; --open lists open rooms on the LAN");
    rooms->add_flag("--open", args.open, "Ask the peers here which open rooms they are in (anyone may join those)");
    rooms->add_flag("--json", args.json, "Machine-readable output");
    rooms->add_option("--wait", args.listen_seconds, "With --open: seconds to listen for answers")->default_val(2)->check(CLI::NonNegativeNumber);
    auto* room = app.add_subcommand("room", "Create, join, leave and manage rooms (group conversations)");
    room->require_subcommand(1);
    auto* room_create = room->add_subcommand("create", "Create a room (private: members invite others; --open: anyone may join)");
    room_create->add_option("NAME", args.room, "The room's name: one line, at most 64 bytes")->required();
    room_create->add_flag("--open", args.open, "List it to everyone on the LAN and let anyone join");
    room_create->add_option("--topic", args.topic, "What the room is about (at most 256 bytes)");
    auto* room_invite = room->add_subcommand("invite", "Invite a peer (it sees who invited it and decides)");
    auto* room_join = room->add_subcommand("join", "Accept an invitation, or join an open room");
    auto* room_leave = room->add_subcommand("leave", "Leave a room, or decline an invitation");
    auto* room_remove = room->add_subcommand("remove", "Remove a member (the creator and admins only)");
    auto* room_admin = room->add_subcommand("admin", "Make a member an admin (the creator only)");
    auto* room_members = room->add_subcommand("members", "List a room's members with presence and trust");
    for (auto* sc : {room_invite, room_join, room_leave, room_remove, room_admin, room_members})
        sc->add_option("ROOM", args.room, "#NAME, NAME or a prefix of the room's id")->required();
    for (auto* sc : {room_invite, room_remove, room_admin})
        sc->add_option("PEER", args.peer, "Display name or fingerprint prefix")->required();
    room_members->add_flag("--json", args.json, "Machine-readable output");

    auto* send_file = app.add_subcommand(
        "send-file", "Send files and folders; shows progress and exits 0 once the peer has them all, verified");
    send_file->add_option("PEER", args.peer, "Display name or fingerprint prefix")->required();
    send_file->add_option("PATH", args.paths, "Files and folders (folders whole, relative paths kept; symlinks skipped)")
        ->required();
    send_file->add_option("--timeout", args.answer_timeout,
                          "Seconds the peer has to accept or decline the offer before it is withdrawn (0: no limit); "
                          "once accepted, the transfer is watched to its end")
        ->default_val(300)
        ->check(CLI::NonNegativeNumber);
    send_file->add_flag("--json", args.json, "Each change of the transfer as a JSON line (docs/CONTROL.md \"Files\")");
    send_file->footer("Interrupting send-file stops the watching only: 'hallway cancel ID' stops the transfer.");
    auto* files = app.add_subcommand("files", "List incoming and outgoing file transfers of this run");
    files->add_flag("--json", args.json, "Machine-readable output");
    auto* accept = app.add_subcommand("accept", "Accept a file offer (ID from 'hallway files')");
    accept->add_option("--to", args.to, "The folder to put the files in (default: the download folder's Hallway/)");
    auto* decline = app.add_subcommand("decline", "Decline a file offer");
    auto* cancel = app.add_subcommand("cancel", "Stop a transfer either way (partial files are removed)");
    auto* resume = app.add_subcommand("resume", "Resume a transfer paused by a full disk, once there is room");
    auto* auto_accept = app.add_subcommand(
        "auto-accept", "on: a verified contact's files are accepted into the download folder without asking; off: ask");
    auto_accept->add_option("PEER", args.peer, "Display name or fingerprint prefix")->required();
    auto_accept->add_option("SETTING", args.setting, "on or off")->required()->check(CLI::IsMember({"on", "off"}));
    for (auto* sc : {accept, decline, cancel, resume})
        sc->add_option("ID", args.transfer, "The transfer's number, as 'hallway files' lists it")->required();

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int rc = app.exit(e);
        return e.get_exit_code() == 0 ? 0 : (rc == 0 ? 0 : cli::kExitUsage);
    }
    if (args.profile.empty()) args.profile = core::default_profile_dir().string();

    if (*id) return cli::cmd_id(args);
    if (*dns_sd) return cli::cmd_dns_sd_records(args);
    if (*doctor) return cli::cmd_doctor(args);
    if (*daemon) return cli::cmd_daemon(args);
    if (*chat) return cli::cmd_chat(args);
    if (*lock) return cli::cmd_lock(args);
    if (*passwd) return cli::cmd_passwd(args);
    if (*peers) return cli::cmd_peers(args);
    if (*send) return cli::cmd_send(args);
    if (*history) return cli::cmd_history(args);
    if (*read) return cli::cmd_read(args);
    if (*typing) return cli::cmd_typing(args);
    if (*read_receipts) return cli::cmd_read_receipts(args);
    if (*bonjour) return cli::cmd_bonjour(args);
    if (*search) return cli::cmd_search(args);
    if (*verify) return cli::cmd_verify(args);
    if (*block) return cli::cmd_trust(args, "blocked");
    if (*unblock) return cli::cmd_trust(args, "unverified");
    if (*status) return cli::cmd_status(args);
    if (*share) return cli::cmd_share_addresses(args);
    if (*notifications) return cli::cmd_notifications(args);
    if (*rooms) return cli::cmd_rooms(args);
    if (*room_create) return cli::cmd_room_create(args);
    if (*room_invite) return cli::cmd_room_invite(args);
    if (*room_join) return cli::cmd_room_join(args);
    if (*room_leave) return cli::cmd_room_leave(args);
    if (*room_remove) return cli::cmd_room_remove(args);
    if (*room_admin) return cli::cmd_room_admin(args);
    if (*room_members) return cli::cmd_room_members(args);
    if (*send_file) return cli::cmd_send_file(args);
    if (*files) return cli::cmd_files(args);
    if (*accept) return cli::cmd_transfer(args, "accept");
    if (*decline) return cli::cmd_transfer(args, "decline");
    if (*cancel) return cli::cmd_transfer(args, "cancel");
    if (*resume) return cli::cmd_transfer(args, "resume");
    if (*auto_accept) return cli::cmd_auto_accept(args);
    return cli::kExitUsage;
}
