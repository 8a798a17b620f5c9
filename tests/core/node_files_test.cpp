// Two real nodes on loopback sending files to each other through the files
// lane, the disk and the store (docs/PROTOCOL.md §12).
#include "core/node.hpp"
#include "loopback.hpp"
#include "tests/core/running_node.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <random>

using namespace hallway;
using hallway::test::Running;
using transport::test::run_until;
namespace fs = std::filesystem;

namespace {

std::string random_bytes(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    return s;
}

void write_file(const fs::path& p, const std::string& bytes) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << bytes;
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

// Alice dialed bob by hand; both see each other with the files capability.
struct Pair {
    asio::io_context io;
    Running bob{io, {}, core::kMaxStrangers, "bob"};
    Running alice{io, {"127.0.0.1:" + std::to_string(bob.node->port())}, core::kMaxStrangers, "alice"};
    core::PeerKey bob_key{}, alice_key{};

    Pair() {
        REQUIRE(run_until(io, [&] {
            auto a = alice.node->peers(), b = bob.node->peers();
            return a.size() == 1 && a[0].session && a[0].files && b.size() == 1 && b[0].session && b[0].files;
        }));
        bob_key = alice.node->peers()[0].key;
        alice_key = bob.node->peers()[0].key;
    }
    std::optional<core::TransferView> last(Running& r, std::uint64_t id) {
        for (auto it = r.transfers.rbegin(); it != r.transfers.rend(); ++it)
            if (it->id == id) return *it;
        return std::nullopt;
    }
    // The first transfer r was offered.
    static std::optional<core::TransferView> offer_to(const Running& r) {
        for (auto& t : r.transfers)
            if (t.direction == core::Direction::in && t.state == core::TransferState::offered) return t;
        return std::nullopt;
    }
    std::optional<core::TransferView> offer_to_bob() { return offer_to(bob); }
    bool ended(Running& r, std::uint64_t id, core::TransferState s) {
        auto t = last(r, id);
        return t && t->state == s;
    }
};

}  // namespace

TEST_CASE("node files: a folder and a file arrive whole under the download folder, named as sent") {
    Pair p;
    hallway::test::TempDir src;
    const std::string big = random_bytes(3 * 1024 * 1024 + 17, 1), small = random_bytes(1000, 2);
    write_file(src / "report.bin", big);
    write_file(src / "photos" / "a.jpg", small);
    write_file(src / "photos" / "deep" / "b.jpg", big.substr(0, 70000));
    fs::create_directories(src / "photos" / "empty");
    fs::create_symlink("/etc/passwd", src / "photos" / "link");  // skipped, never followed

    std::string error;
    auto id = p.alice.node->send_files(p.bob_key, {src / "report.bin", src / "photos"}, error);
    INFO(error);
    REQUIRE(id);
    REQUIRE(run_until(p.io, [&] { return p.offer_to_bob().has_value(); }));
    auto offer = *p.offer_to_bob();
    CHECK(offer.peer == p.alice_key);
    CHECK(offer.peer_nick == "alice");
    CHECK(offer.total == big.size() + small.size() + 70000);
    std::vector<std::string> names;
    for (auto& f : offer.files) names.push_back(f.path);
    CHECK(std::count(names.begin(), names.end(), "photos/link") == 0);
    CHECK(std::count(names.begin(), names.end(), "photos/empty") == 1);
    // Nothing is written before the person accepts.
    CHECK_FALSE(fs::exists(p.bob.dir / "downloads"));

    REQUIRE(p.bob.node->accept_transfer(offer.id, {}, error));
    REQUIRE(run_until(p.io, [&] {
        return p.ended(p.bob, offer.id, core::TransferState::done) && p.ended(p.alice, *id, core::TransferState::done);
    }));
    const fs::path got = p.bob.dir / "downloads";
    CHECK(read_file(got / "report.bin") == big);
    CHECK(read_file(got / "photos" / "a.jpg") == small);
    CHECK(read_file(got / "photos" / "deep" / "b.jpg") == big.substr(0, 70000));
    CHECK(fs::is_directory(got / "photos" / "empty"));
    CHECK_FALSE(fs::exists(got / "photos" / "link"));
    CHECK_FALSE(fs::exists(got / "report.bin.part"));

    // The same again: nothing is overwritten, the copies get numbered names.
    auto again = p.alice.node->send_files(p.bob_key, {src / "report.bin"}, error);
    REQUIRE(again);
    REQUIRE(run_until(p.io, [&] {
        auto t = p.last(p.bob, offer.id + 1);
        return t && t->state == core::TransferState::offered;
    }));
    REQUIRE(p.bob.node->accept_transfer(offer.id + 1, {}, error));
    REQUIRE(run_until(p.io, [&] { return p.ended(p.alice, *again, core::TransferState::done); }));
    CHECK(read_file(got / "report (1).bin") == big);
    CHECK(read_file(got / "report.bin") == big);
}

TEST_CASE("node files: the side that was only reached sends too: its lane is dialed back at the Hello's port") {
    Pair p;
    hallway::test::TempDir src;
    write_file(src / "back.txt", "from bob");
    std::string error;
    auto id = p.bob.node->send_files(p.alice_key, {src / "back.txt"}, error);
    INFO(error);
    REQUIRE(id);
    REQUIRE(run_until(p.io, [&] { return Pair::offer_to(p.alice).has_value(); }));
    REQUIRE(p.alice.node->accept_transfer(Pair::offer_to(p.alice)->id, {}, error));
    REQUIRE(run_until(p.io, [&] { return p.ended(p.bob, *id, core::TransferState::done); }));
    CHECK(read_file(p.alice.dir / "downloads" / "back.txt") == "from bob");
}

TEST_CASE("node files: a declined offer writes nothing and ends on both sides") {
    Pair p;
    hallway::test::TempDir src;
    write_file(src / "x.txt", "hello");
    std::string error;
    auto id = p.alice.node->send_files(p.bob_key, {src / "x.txt"}, error);
    REQUIRE(id);
    REQUIRE(run_until(p.io, [&] { return p.offer_to_bob().has_value(); }));
    REQUIRE(p.bob.node->decline_transfer(p.offer_to_bob()->id, error));
    REQUIRE(run_until(p.io, [&] { return p.ended(p.alice, *id, core::TransferState::failed); }));
    CHECK(p.last(p.bob, p.offer_to_bob()->id)->state == core::TransferState::failed);
    CHECK_FALSE(fs::exists(p.bob.dir / "downloads" / "x.txt"));
    // Ended transfers are still listed, and refuse further commands.
    CHECK(p.alice.node->transfers().size() == 1);
    CHECK_FALSE(p.alice.node->cancel_transfer(*id, error));
}

TEST_CASE("node files: offers are refused for an unknown peer, a missing path, and a peer that cannot receive files") {
    Pair p;
    hallway::test::TempDir src;
    write_file(src / "x.txt", "hello");
    std::string error;
    core::PeerKey nobody{};
    nobody[0] = 1;
    CHECK_FALSE(p.alice.node->send_files(nobody, {src / "x.txt"}, error));
    CHECK(error == "unknown peer");
    CHECK_FALSE(p.alice.node->send_files(p.bob_key, {src / "missing"}, error));
    CHECK(error.find("cannot read") != std::string::npos);
    CHECK_FALSE(p.alice.node->send_files(p.bob_key, {}, error));

    // A bare transport peer's Hello lists no "files".
    transport::test::Node old(p.io, 7, "old");
    old.transport->dial(p.alice.endpoint());
    REQUIRE(run_until(p.io, [&] { return !old.ups.empty(); }));
    CHECK_FALSE(p.alice.node->send_files(old.key.public_key, {src / "x.txt"}, error));
    CHECK(error.find("cannot receive files") != std::string::npos);
}

TEST_CASE("node files: a verified contact marked so is accepted without asking, others are not") {
    Pair p;
    hallway::test::TempDir src;
    write_file(src / "x.txt", "hello");
    std::string error;
    CHECK_FALSE(p.bob.node->set_auto_accept_files(p.alice_key, true, error));  // not verified yet
    p.bob.node->set_trust(p.alice_key, core::Trust::verified);
    REQUIRE(p.bob.node->set_auto_accept_files(p.alice_key, true, error));
    CHECK(p.bob.view(p.alice_key)->auto_accept_files);
    auto id = p.alice.node->send_files(p.bob_key, {src / "x.txt"}, error);
    REQUIRE(id);
    REQUIRE(run_until(p.io, [&] { return p.ended(p.alice, *id, core::TransferState::done); }));
    CHECK(read_file(p.bob.dir / "downloads" / "x.txt") == "hello");
}
