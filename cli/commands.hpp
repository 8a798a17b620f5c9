#pragma once
// The subcommands of `hallway`. Each returns an exit code below.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hallway::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;        // failed or refused (message on stderr)
inline constexpr int kExitUsage = 2;        // bad command line
inline constexpr int kExitNoNode = 3;       // no node running for this profile
inline constexpr int kExitNoPeer = 4;       // PEER unknown or ambiguous
inline constexpr int kExitNotDelivered = 5; // queued, not acknowledged within --timeout (it stays queued)
inline constexpr int kExitNotAccepted = 6;  // send-file: no answer within --timeout (the offer is withdrawn)

inline constexpr const char* kExitCodesHelp =
    "Exit codes:\n"
    "  0  success (send: the peer acknowledged; with --timeout 0: queued)\n"
    "  1  failed or refused (the reason is printed)\n"
    "  2  bad command line\n"
    "  3  no Hallway node is running for this profile (start 'hallway daemon')\n"
    "  4  PEER or ROOM is unknown or ambiguous (candidates are listed)\n"
    "  5  send: not acknowledged within --timeout (to a room: not yet held by every member); the message stays\n"
    "     queued and is delivered later\n"
    "  6  send-file: the peer did not answer the offer within --timeout; the offer is withdrawn";

struct Args {
    std::string profile;
    std::string nick;
    std::optional<unsigned> port;  // unset: the default port, or any free one when it is taken
    std::vector<std::string> peers;
    bool no_mdns = false;
    bool private_mode = false;     // daemon, chat: --private
    bool no_private_mode = false;  // daemon, chat: --no-private
    bool bonjour = false;          // daemon, chat: --bonjour (the link-local XMPP bridge this run)
    bool no_bonjour = false;       // daemon, chat: --no-bonjour
    std::vector<std::string> xmpp_peers;  // daemon, chat: --xmpp-peer user@host=HOST:PORT
    bool json = false;
    bool confirm = false;
    std::string peer;
    std::string text;
    std::string presence;
    std::string share_addresses;  // share-addresses: empty prints the setting
    std::string notifications;    // notifications: empty prints the setting
    double timeout = 10;
    // Each command's seconds have their own variable: a default_val on a
    // shared one would be every command's (CLI11 applies it when declared).
    double answer_timeout = 300;  // send-file: for the peer's answer
    double listen_seconds = 2;    // rooms --open: for the peers' answers
    std::size_t limit = 0;  // history: the newest this many (main sets the default)
    std::size_t search_limit = 0;  // search: hits at most (main sets the default)
    std::string room;       // room commands: "#name", "name" or an id prefix
    std::string topic;
    bool open = false;      // rooms --open; room create --open
    std::vector<std::string> paths;  // send-file
    std::uint64_t transfer = 0;      // accept, decline, cancel, resume: a transfer's id
    std::string to;                  // accept --to
    std::string setting;             // auto-accept: "on" or "off"; read-receipts, bonjour: "on", "off" or empty (print)
    bool stop = false;               // typing --stop
    std::optional<int> passphrase_fd;  // a locked profile's passphrase (one line each) from this fd
    bool remove = false;               // lock --remove
    // dns-sd-records (port: --port, required there)
    std::string domain;
    std::string host;
    std::string address;
    std::string instance;
    std::string format = "zone";
};

int cmd_id(const Args& a);
int cmd_doctor(const Args& a);
int cmd_daemon(const Args& a);
int cmd_chat(const Args& a);
int cmd_peers(const Args& a);
int cmd_send(const Args& a);
int cmd_history(const Args& a);
int cmd_search(const Args& a);  // cli/search_command.cpp
int cmd_verify(const Args& a);
int cmd_trust(const Args& a, const char* trust);
int cmd_status(const Args& a);
int cmd_share_addresses(const Args& a);
int cmd_notifications(const Args& a);
// Rooms (cli/room_commands.cpp).
int cmd_rooms(const Args& a);
int cmd_room_create(const Args& a);
int cmd_room_invite(const Args& a);
int cmd_room_join(const Args& a);
int cmd_room_leave(const Args& a);
int cmd_room_remove(const Args& a);
int cmd_room_admin(const Args& a);
int cmd_room_members(const Args& a);
int cmd_room_send(const Args& a);     // send with a PEER that names_room()
int cmd_room_history(const Args& a);  // history with a PEER that names_room()
// Files (cli/file_commands.cpp).
int cmd_send_file(const Args& a);
int cmd_files(const Args& a);
int cmd_transfer(const Args& a, const char* cmd);  // accept, decline, cancel, resume
int cmd_auto_accept(const Args& a);
// Read receipts and typing (cli/conversation_commands.cpp).
int cmd_read(const Args& a);
int cmd_typing(const Args& a);
int cmd_read_receipts(const Args& a);
// The link-local XMPP bridge's setting (cli/conversation_commands.cpp).
int cmd_bonjour(const Args& a);
// The profile lock (cli/lock_commands.cpp).
int cmd_lock(const Args& a);    // lock, lock --remove
int cmd_passwd(const Args& a);
// Wide-area DNS-SD records for an administrator (cli/dns_sd_command.cpp).
int cmd_dns_sd_records(const Args& a);

}  // namespace hallway::cli
