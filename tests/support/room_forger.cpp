// room_forger: a malicious room member for end-to-end tests. It takes the
// identity and the room log of a real member's profile (whose hallway process
// is stopped), connects to a peer as that member, and relays one entry of the
// log with a byte of its body changed, keeping the author's signature: what a
// relay that alters a message would do. The receiver must refuse it as forged
// and say so (docs/PROTOCOL.md §11.4).
//
//   room_forger PROFILE_DIR HOST PORT BODY_TO_ALTER
//
// Exits 0 once the forged entry is sent (and the session closed), 1 otherwise.
#include "core/profile.hpp"
#include "core/rooms/entry.hpp"
#include "core/store.hpp"
#include "crypto/identity.hpp"
#include "crypto/signing.hpp"
#include "transport/transport.hpp"
#include "transport/wire.hpp"

#include <algorithm>
#include <chrono>
#include <iostream>

using namespace hallway;

int main(int argc, char** argv) {
    if (argc != 5) {
        std::cerr << "usage: room_forger PROFILE_DIR HOST PORT BODY_TO_ALTER\n";
        return 2;
    }
    const std::filesystem::path dir = argv[1];
    const std::string body = argv[4];
    crypto::KeyPair identity;
    std::string error;
    if (crypto::load_or_create_identity(dir, crypto::system_rng(), identity, error) != crypto::IdentityError::ok) {
        std::cerr << "room_forger: " << error << "\n";
        return 1;
    }
    core::StoreError serr;
    auto store = core::Store::open(core::store_path(dir).string(), serr, error);
    if (!store) {
        std::cerr << "room_forger: " << error << "\n";
        return 1;
    }
    // The entry to alter: a text of the log whose body is BODY_TO_ALTER.
    std::optional<transport::RoomEntry> forged;
    for (auto& room : store->rooms())
        for (auto& row : store->room_entries(room.id)) {
            auto e = core::rooms::decode(row.bytes);
            if (!e || e->kind != core::rooms::Kind::text || e->body != body) continue;
            auto bytes = row.bytes;
            auto at = std::search(bytes.begin(), bytes.end(), body.begin(), body.end());
            *at ^= 0x01;  // one bit of the first character
            forged = transport::RoomEntry{bytes, row.signature};
        }
    if (!forged) {
        std::cerr << "room_forger: no text \"" << body << "\" in the profile's rooms\n";
        return 1;
    }
    core::Settings settings;  // the member's own name: a bad member does not announce itself
    if (!core::load_settings(dir, settings, error)) {
        std::cerr << "room_forger: " << error << "\n";
        return 1;
    }
    asio::io_context io;
    transport::TransportConfig config;
    config.hello = transport::Hello{transport::wire::kVersion, settings.nick, {"text", "rooms"},
                                    crypto::SigningKey::derive(identity).public_key};
    bool sent = false;
    std::unique_ptr<transport::Transport> net;
    transport::TransportCallbacks cb;
    cb.accept_peer = [](const core::PeerKey&) { return true; };
    cb.on_session_up = [&](const transport::SessionInfo& s) {
        sent = net->send(s.peer, *forged) == transport::SendResult::sent;
        net->shutdown("done");
    };
    cb.on_session_down = [](const core::PeerKey&, std::string_view, transport::CloseKind) {};
    cb.on_message = [](const core::PeerKey&, const transport::AppMessage&) {};
    cb.on_duplicate = [](const transport::SessionInfo&) {};
    cb.on_spoof = [&](const core::PeerKey&, const core::PeerKey&, const asio::ip::tcp::endpoint&) { io.stop(); };
    cb.on_log = [](std::string_view) {};
    cb.on_dial_failed = [&](const asio::ip::tcp::endpoint&, std::string_view why) {
        std::cerr << "room_forger: dial failed: " << why << "\n";
        io.stop();
    };
    net = std::make_unique<transport::Transport>(io, identity, config, cb);
    net->dial(asio::ip::tcp::endpoint(asio::ip::make_address(argv[2]), static_cast<std::uint16_t>(std::stoi(argv[3]))));
    io.run_for(std::chrono::seconds(10));
    std::cout << (sent ? "sent a forged entry\n" : "could not send\n");
    return sent ? 0 : 1;
}
