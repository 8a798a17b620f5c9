// The control socket's request handling: one JSON line as the socket reads it,
// parsed and dispatched to ControlServer::handle on a real Node (temporary
// profile, no mDNS, no control socket, never started) that knows one contact,
// "carol". handle must answer every request without throwing, in one line
// the client accepts.
#include "core/control.hpp"
#include "core/node.hpp"
#include "core/profile.hpp"
#include "core/store.hpp"
#include "fuzz_support.hpp"

#include <cstdlib>

using namespace hallway;

namespace {

struct World {
    asio::io_context io;
    std::unique_ptr<core::Node> node;
    std::unique_ptr<core::ControlServer> server;

    World() {
        const auto dir = fuzz::scratch_dir() / "control";
        std::filesystem::create_directories(dir);
        {
            core::StoreError err{};
            std::string message;
            auto store = core::Store::open(core::store_path(dir).string(), err, message);
            if (!store) std::abort();
            const auto carol = fuzz::fixed_key(7).public_key;
            store->touch_contact(carol, "carol", 1);
        }
        core::NodeOptions options;
        options.profile_dir = dir;
        options.nick = "fuzz";
        options.mdns = false;
        options.port = 0;  // any free port, not the default: many nodes run at once
        options.control_socket = false;
        std::string error;
        node = core::Node::create(io, options, error);
        if (!node) std::abort();
        server = std::make_unique<core::ControlServer>(io, *node, dir / "unused.sock");
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static World world;
    const std::string line(reinterpret_cast<const char*>(data), size);
    const auto request = nlohmann::json::parse(line, nullptr, false);
    if (!request.is_object()) return 0;
    const auto response = world.server->handle(request, 1);
    if (!response.is_object()) std::abort();
    // What the socket would write: within the line the client accepts.
    if (core::dump_json(response).size() > core::kMaxControlLine) std::abort();
    world.io.poll();
    return 0;
}
