// Subcommands that ask the running node through its control socket.
#include "cli/commands.hpp"
#include "cli/remote.hpp"
#include "cli/format.hpp"
#include "core/control.hpp"
#include "core/node.hpp"
#include "core/profile.hpp"
#include "crypto/identity.hpp"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <iostream>
#include <set>
#include <vector>

namespace hallway::cli {

using nlohmann::json;

namespace {
constexpr auto kReplyTimeout = std::chrono::seconds(10);
}  // namespace

int refused(const json& reply) {
    std::cerr << "hallway: " << reply.value("error", std::string("request failed")) << "\n";
    std::string code = reply.value("code", std::string());
    return code == "no_peer" || code == "no_room" || code == "ambiguous" ? kExitNoPeer : kExitError;
}

int connect(core::ControlClient& client, const Args& a) {
    std::string error;
    if (client.connect(core::control_socket_path(a.profile), error)) return kExitOk;
    std::cerr << "hallway: " << error << "\n";
    return kExitNoNode;
}

int exchange(core::ControlClient& client, const json& request, json& reply) {
    std::string error;
    if (!client.send(request, error) || !client.receive(reply, kReplyTimeout, error)) {
        std::cerr << "hallway: " << error << "\n";
        return kExitError;
    }
    return reply.value("ok", false) ? kExitOk : refused(reply);
}

int ask(core::ControlClient& client, const Args& a, const json& request, json& reply) {
    if (int rc = connect(client, a)) return rc;
    return exchange(client, request, reply);
}

int ask(const Args& a, const json& request, json& reply) {
    core::ControlClient client;
    return ask(client, a, request, reply);
}

int check_text(const std::string& text) {
    std::string error;
    if (core::outgoing_text(text, error)) return kExitOk;
    std::cerr << "hallway: " << error << "\n";
    return kExitError;
}

int ask_pages(const Args& a, json request, const char* list,
              const std::function<bool(const json& reply, json& request)>& next_page,
              const std::function<void(const json& item)>& on_item) {
    core::ControlClient client;
    if (int rc = connect(client, a)) return rc;
    for (;;) {
        json reply;
        if (int rc = exchange(client, request, reply)) return rc;
        const json& items = reply[list];
        if (!items.is_array()) return refused(json{{"error", "the node sent a reply without \"" + std::string(list) + "\""}});
        for (auto& item : items) on_item(item);
        // An empty page cannot advance: stop rather than ask forever.
        if (!reply.value("more", false) || items.empty() || !next_page(reply, request)) return kExitOk;
    }
}

int cmd_peers(const Args& a) {
    json peers = json::array();
    std::set<std::string> seen;  // the list can shift between pages: a peer may come twice
    int rc = ask_pages(
        a, {{"cmd", "peers"}}, "peers",
        [](const json& reply, json& request) {
            request["offset"] = reply.value("next", std::uint64_t{0});
            return true;
        },
        [&](const json& p) {
            if (seen.insert(peer_identity(p)).second) peers.push_back(p);
        });
    if (rc) return rc;
    if (a.json) {
        std::cout << core::dump_json(peers) << "\n";
        return kExitOk;
    }
    if (peers.empty()) std::cout << "No buddies yet.\n";
    for (auto& p : peers) {
        const core::PeerView v = peer_from_json(p);
        std::cout << describe_peer(v) << "\n";
    }
    return kExitOk;
}

int cmd_send(const Args& a) {
    if (names_room(a.peer)) return cmd_room_send(a);
    if (int rc = check_text(a.text)) return rc;
    std::string error;
    core::ControlClient client;
    json reply;
    bool wait = a.timeout > 0;
    if (int rc = ask(client, a, {{"cmd", "send"}, {"peer", a.peer}, {"text", a.text}, {"wait", wait}}, reply))
        return rc;
    std::string nick = sanitize(reply.value("nick", a.peer));
    std::string state = reply.value("state", "queued");
    // A link-local XMPP buddy never confirms (XEP-0174 has no receipts): sent is all there is.
    const bool unconfirmed = reply.value("kind", "hallway") != "hallway";
    if (unconfirmed && state == "sent") {
        std::cout << "sent, unconfirmed, to " << nick << " [" << kUnencryptedBadge << "]\n";
        return kExitOk;
    }
    if (!wait) {
        std::cout << (state == "queued" ? "queued for " : "sent to ") << nick
                  << (reply.value("online", false) ? "" : " (offline: delivered when they are back)") << "\n";
        return kExitOk;
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<long>(a.timeout * 1000));
    while (state != "delivered" && !(unconfirmed && state == "sent")) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        json ev;
        if (left.count() <= 0 || !client.receive(ev, left, error)) break;
        if (ev.value("id", "") == reply.value("id", "")) state = ev.value("state", state);
    }
    if (unconfirmed && state == "sent") {
        std::cout << "sent, unconfirmed, to " << nick << " [" << kUnencryptedBadge << "]\n";
        return kExitOk;
    }
    if (state == "delivered") {
        std::cout << "delivered to " << nick << "\n";
        return kExitOk;
    }
    std::cerr << "hallway: not yet delivered to " << nick
              << (reply.value("online", false) ? "" : " (offline)")
              << "; it stays queued and is delivered when they are back\n";
    return kExitNotDelivered;
}

int cmd_history(const Args& a) {
    if (names_room(a.peer)) return cmd_room_history(a);
    // Pages come newest first, each oldest first inside.
    std::vector<json> pages(1, json::array());
    std::size_t count = 0;
    json request{{"cmd", "history"}, {"peer", a.peer}, {"limit", a.limit}};
    int rc = ask_pages(
        a, request, "messages",
        [&](const json& reply, json& next) {
            if (count >= a.limit) return false;
            next["limit"] = a.limit - count;
            next["before"] = reply.value("before", std::uint64_t{0});
            pages.emplace_back(json::array());
            return true;
        },
        [&](const json& m) {
            pages.back().push_back(m);
            ++count;
        });
    if (rc) return rc;
    json messages = json::array();
    for (auto page = pages.rbegin(); page != pages.rend(); ++page)
        for (auto& m : *page) messages.push_back(std::move(m));
    if (a.json) {
        std::cout << core::dump_json(messages) << "\n";
        return kExitOk;
    }
    // To a link-local XMPP buddy "sent" is "sent, unconfirmed": the reply says
    // the peer's kind; asked once more only when a text of ours is at "sent".
    core::PeerKind kind = core::PeerKind::hallway;
    if (std::any_of(messages.begin(), messages.end(), [](const json& m) { return m.value("state", "") == "sent"; })) {
        json reply;
        if (ask(a, {{"cmd", "history"}, {"peer", a.peer}, {"limit", 1}}, reply) == kExitOk &&
            reply.value("kind", "hallway") != "hallway")
            kind = core::PeerKind::xmpp_link_local;
    }
    for (auto& m : messages) {
        bool out = m.value("direction", "") == "out";
        std::cout << "[" << format_time(out ? m.value("sent_at", 0ll) : m.value("received_at", 0ll)) << "] "
                  << (out ? "me" : sanitize(a.peer)) << ": " << sanitize(m.value("body", ""));
        if (m.value("truncated", false)) std::cout << " [cut: too long to show whole]";
        // "seen": the peer showed it (docs/PROTOCOL.md §14); else the delivery state.
        if (out) {
            const std::string state = m.value("state", "");
            std::cout << "  ("
                      << (m.value("read_at", 0ll) > 0 ? std::string("seen")
                          : state == "sent"           ? delivery_word(core::MessageState::sent, kind)
                                                      : state)
                      << ")";
        }
        std::cout << "\n";
    }
    return kExitOk;
}

int cmd_verify(const Args& a) {
    json reply;
    if (int rc = ask(a, {{"cmd", "verify"}, {"peer", a.peer}, {"confirm", a.confirm}}, reply)) return rc;
    std::string number = reply.value("safety_number", "");
    std::cout << "Safety number with " << sanitize(reply.value("nick", "")) << ":\n";
    for (std::size_t row = 0; row < number.size(); row += 20)
        std::cout << "    " << crypto::format_digits(number.substr(row, 20)) << "\n";
    std::cout << "Their fingerprint: " << crypto::format_digits(reply.value("id", "")) << "\n";
    if (a.confirm) std::cout << "Marked as verified.\n";
    else if (reply.value("trust", "") == "verified") std::cout << "Already verified.\n";
    else std::cout << "Compare it with theirs in person or by phone, then run: hallway verify PEER --confirm\n";
    return kExitOk;
}

int cmd_trust(const Args& a, const char* trust) {
    json reply;
    if (int rc = ask(a, {{"cmd", "trust"}, {"peer", a.peer}, {"trust", trust}}, reply)) return rc;
    std::cout << a.peer << ": " << trust << "\n";
    return kExitOk;
}

int cmd_status(const Args& a) {
    json reply;
    return ask(a, {{"cmd", "status"}, {"presence", a.presence}, {"message", a.text}}, reply);
}

int cmd_share_addresses(const Args& a) {
    json request{{"cmd", "share_addresses"}};
    if (!a.share_addresses.empty()) request["value"] = a.share_addresses;
    json reply;
    if (int rc = ask(a, request, reply)) return rc;
    std::cout << reply.value("share_addresses", "") << "\n";
    return kExitOk;
}

int cmd_notifications(const Args& a) {
    json request{{"cmd", "notifications"}};
    if (!a.notifications.empty()) request["value"] = a.notifications;
    json reply;
    if (int rc = ask(a, request, reply)) return rc;
    std::cout << reply.value("notifications", "") << "\n";
    return kExitOk;
}

bool profile_keys(const Args& a, crypto::KeyPair& keys, std::shared_ptr<const core::UnlockedKeys>& unlocked) {
    if (!unlock_if_locked(a, unlocked)) return false;
    if (unlocked) {
        keys = unlocked->identity;
        return true;
    }
    std::string error;
    if (!core::ensure_profile_dir(a.profile, error) ||
        crypto::load_or_create_identity(a.profile, crypto::system_rng(), keys, error) != crypto::IdentityError::ok) {
        std::cerr << "hallway: " << error << "\n";
        return false;
    }
    return true;
}

bool profile_keys_and_settings(const Args& a, crypto::KeyPair& keys, core::Settings& settings) {
    std::shared_ptr<const core::UnlockedKeys> unlocked;
    if (!profile_keys(a, keys, unlocked)) return false;
    std::string error;
    if (!core::load_settings(a.profile, settings, error, unlocked ? &unlocked->store_key : nullptr)) {
        std::cerr << "hallway: " << error << "\n";
        return false;
    }
    return true;
}

int cmd_id(const Args& a) {
    crypto::KeyPair keys;
    core::Settings settings;
    if (!profile_keys_and_settings(a, keys, settings)) return kExitError;
    std::cout << (settings.nick.empty() ? "(no name yet: set one with --nick)" : sanitize(settings.nick)) << "\n"
              << crypto::format_digits(crypto::fingerprint(keys.public_key)) << "\n";
    return kExitOk;
}

}  // namespace hallway::cli
