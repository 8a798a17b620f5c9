// room_forger: a malicious peer for the rooms' end-to-end tests, with the
// identity of a real profile (whose hallway process is stopped).
//
//   room_forger PROFILE_DIR HOST PORT BODY_TO_ALTER
//     relays the entry of the profile's room log whose text is BODY_TO_ALTER
//     with one bit of its body changed, keeping the author's signature: what a
//     relay that alters a message does. The receiver must refuse it as forged
//     and say so (docs/PROTOCOL.md §11.4). Exits 0 once it is sent.
//   room_forger --claim PROFILE_DIR HOST PORT ROOM_ID_HEX
//     claims membership: asks for the room's whole log (room_sync with an
//     empty have) and listens 3 s. Prints "received N entries"; exits 0.
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
    const bool claim = argc == 6 && std::string_view(argv[1]) == "--claim";
    if (claim) ++argv, --argc;
    if (argc != 5) {
        std::cerr << "usage: room_forger [--claim] PROFILE_DIR HOST PORT BODY_TO_ALTER|ROOM_ID_HEX\n";
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
    // The message to send: a claim of membership, or an altered entry of the
    // log (the text whose body is BODY_TO_ALTER).
    std::optional<transport::AppMessage> forged;
    if (claim) {
        transport::RoomSync sync;
        if (body.size() != 2 * sync.room.size()) return 2;
        for (std::size_t i = 0; i < sync.room.size(); ++i)
            sync.room[i] = static_cast<std::uint8_t>(std::stoi(body.substr(2 * i, 2), nullptr, 16));
        forged = sync;
    }
    for (auto& room : store->rooms())
        for (auto& row : store->room_entries(room.id)) {
            auto e = core::rooms::decode(row.bytes);
            if (claim || !e || e->kind != core::rooms::Kind::text || e->body != body) continue;
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
    std::size_t entries = 0;
    std::unique_ptr<transport::Transport> net;
    transport::TransportCallbacks cb;
    cb.accept_peer = [](const core::PeerKey&) { return true; };
    cb.on_session_up = [&](const transport::SessionInfo& s) {
        sent = net->send(s.peer, *forged) == transport::SendResult::sent;
        if (!claim) net->shutdown("done");
    };
    cb.on_session_down = [](const core::PeerKey&, std::string_view, transport::CloseKind) {};
    cb.on_message = [&](const core::PeerKey&, const transport::AppMessage& m) {
        entries += std::holds_alternative<transport::RoomEntry>(m);
    };
    cb.on_duplicate = [](const transport::SessionInfo&) {};
    cb.on_spoof = [&](const core::PeerKey&, const core::PeerKey&, const asio::ip::tcp::endpoint&) { io.stop(); };
    cb.on_log = [](std::string_view) {};
    cb.on_dial_failed = [&](const asio::ip::tcp::endpoint&, std::string_view why) {
        std::cerr << "room_forger: dial failed: " << why << "\n";
        io.stop();
    };
    net = std::make_unique<transport::Transport>(io, identity, config, cb);
    net->dial(asio::ip::tcp::endpoint(asio::ip::make_address(argv[2]), static_cast<std::uint16_t>(std::stoi(argv[3]))));
    io.run_for(std::chrono::seconds(claim ? 3 : 10));
    if (claim) std::cout << "received " << entries << " entries\n";
    else std::cout << (sent ? "sent a forged entry\n" : "could not send\n");
    return sent ? 0 : 1;
}
