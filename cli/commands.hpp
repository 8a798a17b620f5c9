#pragma once
// The subcommands of `hallway`. Each returns an exit code below.
#include <cstddef>
#include <string>
#include <vector>

namespace hallway::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;        // failed or refused (message on stderr)
inline constexpr int kExitUsage = 2;        // bad command line
inline constexpr int kExitNoNode = 3;       // no node running for this profile
inline constexpr int kExitNoPeer = 4;       // PEER unknown or ambiguous
inline constexpr int kExitNotDelivered = 5; // queued, not acknowledged within --timeout (it stays queued)

inline constexpr const char* kExitCodesHelp =
    "Exit codes:\n"
    "  0  success (send: the peer acknowledged; with --timeout 0: queued)\n"
    "  1  failed or refused (the reason is printed)\n"
    "  2  bad command line\n"
    "  3  no Hallway node is running for this profile (start 'hallway daemon')\n"
    "  4  PEER is unknown or ambiguous (candidates are listed)\n"
    "  5  send: not acknowledged within --timeout; the message stays queued and is delivered later";

struct Args {
    std::string profile;
    std::string nick;
    unsigned port = 0;
    std::vector<std::string> peers;
    bool no_mdns = false;
    bool json = false;
    bool confirm = false;
    std::string peer;
    std::string text;
    std::string presence;
    double timeout = 10;
    std::size_t limit = 0;  // history: the newest this many (main sets the default)
};

int cmd_id(const Args& a);
int cmd_daemon(const Args& a);
int cmd_chat(const Args& a);
int cmd_peers(const Args& a);
int cmd_send(const Args& a);
int cmd_history(const Args& a);
int cmd_verify(const Args& a);
int cmd_trust(const Args& a, const char* trust);
int cmd_status(const Args& a);

}  // namespace hallway::cli
