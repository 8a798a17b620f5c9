// Subcommands that ask the running node through its control socket.
#include "cli/commands.hpp"
#include "cli/format.hpp"
#include "core/control.hpp"
#include "core/profile.hpp"
#include "crypto/identity.hpp"

#include <cstdio>
#include <iostream>

namespace hallway::cli {

using nlohmann::json;

namespace {

constexpr auto kReplyTimeout = std::chrono::seconds(10);

// One request, one reply. Prints the reason and returns the exit code on failure.
int ask(core::ControlClient& client, const Args& a, const json& request, json& reply) {
    std::string error;
    if (!client.connect(core::control_socket_path(a.profile), error)) {
        std::cerr << "hallway: " << error << "\n";
        return kExitNoNode;
    }
    if (!client.send(request, error) || !client.receive(reply, kReplyTimeout, error)) {
        std::cerr << "hallway: " << error << "\n";
        return kExitError;
    }
    if (reply.value("ok", false)) return kExitOk;
    std::cerr << "hallway: " << reply.value("error", std::string("request failed")) << "\n";
    std::string code = reply.value("code", std::string());
    return code == "no_peer" || code == "ambiguous" ? kExitNoPeer : kExitError;
}

int ask(const Args& a, const json& request, json& reply) {
    core::ControlClient client;
    return ask(client, a, request, reply);
}

}  // namespace

int cmd_peers(const Args& a) {
    json reply;
    if (int rc = ask(a, {{"cmd", "peers"}}, reply)) return rc;
    if (a.json) {
        std::cout << core::dump_json(reply["peers"]) << "\n";
        return kExitOk;
    }
    if (reply["peers"].empty()) std::cout << "No buddies yet.\n";
    for (auto& p : reply["peers"]) {
        core::PeerView v;
        v.nick = p.value("nick", "");
        v.fingerprint = p.value("id", "");
        v.online = p.value("online", false);
        v.presence = p.value("presence", "");
        v.status_message = p.value("status", "");
        v.unread = p.value("unread", 0u);
        v.name_clash = p.value("name_clash", false);
        std::string t = p.value("trust", "unverified");
        v.trust = t == "verified" ? core::Trust::verified : t == "blocked" ? core::Trust::blocked : core::Trust::unverified;
        std::cout << describe_peer(v) << "\n";
    }
    return kExitOk;
}

int cmd_send(const Args& a) {
    core::ControlClient client;
    json reply;
    bool wait = a.timeout > 0;
    if (int rc = ask(client, a, {{"cmd", "send"}, {"peer", a.peer}, {"text", a.text}, {"wait", wait}}, reply))
        return rc;
    std::string nick = sanitize(reply.value("nick", a.peer));
    std::string state = reply.value("state", "queued");
    if (!wait) {
        std::cout << (state == "queued" ? "queued for " : "sent to ") << nick
                  << (reply.value("online", false) ? "" : " (offline: delivered when they are back)") << "\n";
        return kExitOk;
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<long>(a.timeout * 1000));
    std::string error;
    while (state != "delivered") {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        json ev;
        if (left.count() <= 0 || !client.receive(ev, left, error)) break;
        if (ev.value("id", "") == reply.value("id", "")) state = ev.value("state", state);
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
    json reply;
    if (int rc = ask(a, {{"cmd", "history"}, {"peer", a.peer}}, reply)) return rc;
    if (a.json) {
        std::cout << core::dump_json(reply["messages"]) << "\n";
        return kExitOk;
    }
    for (auto& m : reply["messages"]) {
        bool out = m.value("direction", "") == "out";
        std::cout << "[" << format_time(out ? m.value("sent_at", 0ll) : m.value("received_at", 0ll)) << "] "
                  << (out ? "me" : sanitize(a.peer)) << ": " << sanitize(m.value("body", ""));
        if (out) std::cout << "  (" << m.value("state", "") << ")";
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

int cmd_id(const Args& a) {
    std::string error;
    if (!core::ensure_profile_dir(a.profile, error)) {
        std::cerr << "hallway: " << error << "\n";
        return kExitError;
    }
    crypto::KeyPair keys;
    if (crypto::load_or_create_identity(a.profile, crypto::system_rng(), keys, error) != crypto::IdentityError::ok) {
        std::cerr << "hallway: " << error << "\n";
        return kExitError;
    }
    core::Settings settings;
    if (!core::load_settings(a.profile, settings, error)) {
        std::cerr << "hallway: " << error << "\n";
        return kExitError;
    }
    std::cout << (settings.nick.empty() ? "(no name yet: set one with --nick)" : sanitize(settings.nick)) << "\n"
              << crypto::format_digits(crypto::fingerprint(keys.public_key)) << "\n";
    return kExitOk;
}

}  // namespace hallway::cli
