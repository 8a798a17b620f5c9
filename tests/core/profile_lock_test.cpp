// The locked profile (core/profile_lock.hpp): lock, unlock, change, remove;
// that a wrong passphrase changes nothing, a damaged file is said so, and a
// locked profile holds none of its secrets in plaintext.
#include "core/node.hpp"
#include "core/profile.hpp"
#include "core/profile_lock.hpp"
#include "core/store.hpp"
#include "crypto/identity.hpp"
#include "tests/core/temp_dir.hpp"

#include <asio.hpp>
#include <doctest/doctest.h>
#include <sodium.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>

using namespace hallway;
using namespace hallway::core;
using hallway::test::TempDir;
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kPass = "tr0ub4dor&3 horse";
constexpr std::string_view kMarker = "MARKER-a7c3e9 the plans are in the blue folder";
constexpr std::string_view kContactNick = "Zebediah-Quux";
constexpr std::string_view kOurNick = "Ottoline-Vex";
constexpr std::string_view kOurStatus = "status-Wq8 back at three";

// The tests' locks use the cheapest KDF (one of them sets nothing: the real cost).
struct CheapKdf {
    CheapKdf() { ::setenv(kTestKdfEnv, "1", 1); }
    ~CheapKdf() { ::unsetenv(kTestKdfEnv); }
};

PeerKey contact_key() {
    PeerKey k{};
    for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(0xa0 + i);
    return k;
}

using Bytes = std::string;
Bytes read_all(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
void write_all(const fs::path& p, const Bytes& b) { std::ofstream(p, std::ios::binary | std::ios::trunc) << b; }

// Every file under dir, by relative path.
std::map<std::string, Bytes> snapshot(const fs::path& dir) {
    std::map<std::string, Bytes> out;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file()) out[fs::relative(e.path(), dir).string()] = read_all(e.path());
    return out;
}

std::string hex(std::span<const std::uint8_t> b) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (auto c : b) out.append({kDigits[c >> 4], kDigits[c & 0xf]});
    return out;
}
Bytes raw(std::span<const std::uint8_t> b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

std::unique_ptr<Store> open_store(const fs::path& dir, const StoreKey* key) {
    StoreError err;
    std::string message;
    auto store = Store::open(store_path(dir).string(), err, message, key);
    INFO(message);
    REQUIRE(store);
    return store;
}

// An unlocked profile in use: our identity, a contact, history both ways, settings.
crypto::KeyPair make_profile(const fs::path& dir) {
    std::string message;
    REQUIRE(ensure_profile_dir(dir, message));
    crypto::KeyPair ours;
    REQUIRE(crypto::load_or_create_identity(dir, crypto::system_rng(), ours, message) == crypto::IdentityError::ok);
    {
        auto store = open_store(dir, nullptr);
        REQUIRE(store->touch_contact(contact_key(), kContactNick, 1000) == StoreError::ok);
        StoredMessage m;
        m.id[0] = 1;
        m.peer = contact_key();
        m.body = std::string(kMarker);
        m.direction = Direction::in;
        m.state = MessageState::delivered;
        bool inserted = false;
        REQUIRE(store->add_incoming(m, inserted) == StoreError::ok);
        m.id[0] = 2;
        m.body = std::string(kMarker) + " (reply)";
        m.direction = Direction::out;
        m.state = MessageState::queued;
        REQUIRE(store->add_outgoing(m) == StoreError::ok);
    }
    REQUIRE(save_settings(dir, Settings{std::string(kOurNick), "busy", std::string(kOurStatus)}, message));
    return ours;
}

UnlockedKeys unlock_ok(const fs::path& dir, std::string_view pass) {
    UnlockedKeys keys;
    std::string message;
    const UnlockError e = unlock_profile(dir, pass, keys, message);
    INFO(message);
    REQUIRE(e == UnlockError::ok);
    return keys;
}

void check_history_and_settings(const fs::path& dir, const StoreKey* key) {
    auto store = open_store(dir, key);
    const auto history = store->history(contact_key());
    REQUIRE(history.size() == 2);
    CHECK(history[0].body == kMarker);
    REQUIRE(store->contact(contact_key()));
    CHECK(store->contact(contact_key())->nick == kContactNick);
    Settings s;
    std::string message;
    REQUIRE(load_settings(dir, s, message, key));
    CHECK(s.nick == kOurNick);
    CHECK(s.presence == "busy");
    CHECK(s.status_message == kOurStatus);
}

std::unique_ptr<Node> create_node(asio::io_context& io, const fs::path& dir,
                                  std::shared_ptr<const UnlockedKeys> unlocked, std::string& error) {
    NodeOptions o;
    o.profile_dir = dir;
    o.mdns = false;
    o.control_socket = false;
    o.port = 0;
    o.unlocked = std::move(unlocked);
    return Node::create(io, o, error);
}

}  // namespace

TEST_CASE("profile lock: lock then unlock keeps the identity, the history and the settings") {
    CheapKdf cheap;
    TempDir tmp;
    const fs::path dir = tmp / "p";
    const crypto::KeyPair ours = make_profile(dir);
    CHECK_FALSE(profile_is_locked(dir));

    std::string message;
    REQUIRE_MESSAGE(lock_profile(dir, kPass, message), message);
    CHECK(profile_is_locked(dir));
    CHECK_FALSE(lock_is_interrupted(dir));
    CHECK_FALSE(fs::exists(dir / "identity.key"));
    CHECK_FALSE(fs::exists(settings_path(dir)));
    CHECK(fs::exists(sealed_settings_path(dir)));
    CHECK(fs::file_size(locked_identity_path(dir)) == kLockedIdentityFileSize);
    CHECK((fs::status(locked_identity_path(dir)).permissions() & fs::perms::all) ==
          (fs::perms::owner_read | fs::perms::owner_write));

    const UnlockedKeys keys = unlock_ok(dir, kPass);
    CHECK(keys.identity.public_key == ours.public_key);
    CHECK(raw(keys.identity.private_key.span()) == raw(ours.private_key.span()));
    check_history_and_settings(dir, &keys.store_key);

    // Locking again is refused: it is locked already.
    CHECK_FALSE(lock_profile(dir, kPass, message));
    CHECK(message.find("already locked") != std::string::npos);
}

TEST_CASE("profile lock: without the test switch a lock costs the real defaults (once, slowly)") {
    ::unsetenv(kTestKdfEnv);
    TempDir tmp;
    const fs::path dir = tmp / "p";
    const crypto::KeyPair ours = make_profile(dir);
    std::string message;
    REQUIRE(lock_profile(dir, kPass, message));
    const Bytes file = read_all(locked_identity_path(dir));
    REQUIRE(file.size() == kLockedIdentityFileSize);
    std::uint64_t ops = 0, mem = 0;
    for (std::size_t i = 4; i-- > 0;) ops = ops << 8 | static_cast<std::uint8_t>(file[10 + i]);
    for (std::size_t i = 8; i-- > 0;) mem = mem << 8 | static_cast<std::uint8_t>(file[14 + i]);
    CHECK(ops == crypto::kDefaultKdfParams.opslimit);
    CHECK(mem == crypto::kDefaultKdfParams.memlimit);
    CHECK(unlock_ok(dir, kPass).identity.public_key == ours.public_key);
}

TEST_CASE("profile lock: the node needs the keys of a locked profile and uses them") {
    CheapKdf cheap;
    TempDir tmp;
    const fs::path dir = tmp / "p";
    const crypto::KeyPair ours = make_profile(dir);
    std::string message;
    REQUIRE(lock_profile(dir, kPass, message));

    asio::io_context io;
    std::string error;
    CHECK_FALSE(create_node(io, dir, nullptr, error));
    CHECK(error.starts_with("profile is locked: "));
    CHECK_FALSE(fs::exists(dir / "identity.key"));  // no new identity was made instead

    auto keys = std::make_shared<UnlockedKeys>(unlock_ok(dir, kPass));
    {
        auto node = create_node(io, dir, keys, error);
        INFO(error);
        REQUIRE(node);
        CHECK(node->own().fingerprint == crypto::fingerprint(ours.public_key));
        CHECK(node->own().nick == kOurNick);
        REQUIRE(node->set_nick("Renamed-Nick", error));
    }
    CHECK(snapshot(dir).count("settings") == 0);  // saved sealed, never in plaintext
    Settings s;
    REQUIRE(load_settings(dir, s, message, &keys->store_key));
    CHECK(s.nick == "Renamed-Nick");
}

TEST_CASE("profile lock: a wrong passphrase is said so and changes no byte on disk") {
    CheapKdf cheap;
    TempDir tmp;
    const fs::path dir = tmp / "p";
    make_profile(dir);
    std::string message;
    REQUIRE(lock_profile(dir, kPass, message));
    const auto before = snapshot(dir);

    UnlockedKeys keys;
    CHECK(unlock_profile(dir, "wrong", keys, message) == UnlockError::wrong_passphrase);
    CHECK(message.find("wrong passphrase") != std::string::npos);
    CHECK_FALSE(change_passphrase(dir, "wrong", "new one", message));
    CHECK(message.find("wrong passphrase") != std::string::npos);
    CHECK_FALSE(remove_lock(dir, "wrong", message));
    CHECK(message.find("wrong passphrase") != std::string::npos);
    CHECK_FALSE(lock_profile(dir, "wrong", message));
    CHECK(snapshot(dir) == before);
    CHECK(unlock_profile(dir, kPass, keys, message) == UnlockError::ok);
}

TEST_CASE("profile lock: an unlocked profile unlocks as not_locked, a damaged file as damaged") {
    CheapKdf cheap;
    TempDir tmp;
    const fs::path dir = tmp / "p";
    make_profile(dir);
    UnlockedKeys keys;
    std::string message;
    CHECK(unlock_profile(dir, kPass, keys, message) == UnlockError::not_locked);
    REQUIRE(lock_profile(dir, kPass, message));
    const Bytes good = read_all(locked_identity_path(dir));

    const auto damaged = [&](const Bytes& content) {
        write_all(locked_identity_path(dir), content);
        const UnlockError e = unlock_profile(dir, kPass, keys, message);
        INFO(message);
        CHECK(e == UnlockError::damaged);
        CHECK(message.find("damaged") != std::string::npos);
    };
    damaged("");
    damaged(good.substr(0, good.size() - 1));
    damaged(good + "x");
    damaged(good + std::string(1 << 20, 'x'));  // oversized: read no further than the bound
    for (std::size_t i : {0u, 9u, 30u, 60u, 100u, 173u}) {
        Bytes flipped = good;
        flipped[i] ^= 0x40;
        damaged(flipped);
    }
    // Parameters beyond the bounds, with a checksum that matches: refused before any work.
    Bytes huge = good;
    for (std::size_t i = 14; i < 22; ++i) huge[i] = '\xff';
    crypto_generichash(reinterpret_cast<unsigned char*>(huge.data() + 142), 32,
                       reinterpret_cast<const unsigned char*>(huge.data()), 142, nullptr, 0);
    damaged(huge);

    write_all(locked_identity_path(dir), good);
    CHECK(unlock_profile(dir, kPass, keys, message) == UnlockError::ok);
}

TEST_CASE("profile lock: change_passphrase re-wraps the same keys and leaves the store alone") {
    CheapKdf cheap;
    TempDir tmp;
    const fs::path dir = tmp / "p";
    make_profile(dir);
    std::string message;
    REQUIRE(lock_profile(dir, kPass, message));
    const UnlockedKeys before = unlock_ok(dir, kPass);
    const Bytes db = read_all(store_path(dir));
    const Bytes settings = read_all(sealed_settings_path(dir));

    CHECK_FALSE(change_passphrase(dir, kPass, "", message));  // an empty one is refused
    REQUIRE_MESSAGE(change_passphrase(dir, kPass, "a new passphrase", message), message);
    UnlockedKeys keys;
    CHECK(unlock_profile(dir, kPass, keys, message) == UnlockError::wrong_passphrase);
    const UnlockedKeys after = unlock_ok(dir, "a new passphrase");
    CHECK(after.identity.public_key == before.identity.public_key);
    CHECK(raw(after.store_key.span()) == raw(before.store_key.span()));
    CHECK(read_all(store_path(dir)) == db);
    CHECK(read_all(sealed_settings_path(dir)) == settings);
}

TEST_CASE("profile lock: remove_lock gives back the plaintext profile, identity and history") {
    CheapKdf cheap;
    TempDir tmp;
    const fs::path dir = tmp / "p";
    const crypto::KeyPair ours = make_profile(dir);
    std::string message;
    REQUIRE(lock_profile(dir, kPass, message));
    REQUIRE_MESSAGE(remove_lock(dir, kPass, message), message);
    CHECK_FALSE(profile_is_locked(dir));
    CHECK_FALSE(fs::exists(sealed_settings_path(dir)));
    crypto::KeyPair loaded;
    REQUIRE(crypto::load_or_create_identity(dir, crypto::system_rng(), loaded, message) == crypto::IdentityError::ok);
    CHECK(loaded.public_key == ours.public_key);
    check_history_and_settings(dir, nullptr);
    UnlockedKeys keys;
    CHECK(unlock_profile(dir, kPass, keys, message) == UnlockError::not_locked);
}

TEST_CASE("profile lock: a locked profile holds none of its secrets in plaintext") {
    CheapKdf cheap;
    TempDir tmp;
    const fs::path dir = tmp / "p";
    const crypto::KeyPair ours = make_profile(dir);
    const std::string fp = crypto::fingerprint(contact_key());
    const std::vector<std::pair<std::string, Bytes>> secrets = {
        {"marker message", Bytes(kMarker)},
        {"contact nick", Bytes(kContactNick)},
        {"contact key", raw(contact_key())},
        {"contact key hex", hex(contact_key())},
        {"contact fingerprint", fp},
        {"contact fingerprint, grouped", crypto::format_digits(fp).substr(0, 17)},
        {"our private key", raw(ours.private_key.span())},
        {"our private key hex", hex(ours.private_key.span())},
        {"our nick", Bytes(kOurNick)},
        {"our status", Bytes(kOurStatus)},
    };
    // The search finds them before the lock: it can fail.
    const auto present = [&](const std::map<std::string, Bytes>& files, const Bytes& needle) {
        for (const auto& [name, bytes] : files)
            if (bytes.find(needle) != Bytes::npos) return name;
        return std::string();
    };
    const auto plain = snapshot(dir);
    CHECK(!present(plain, Bytes(kMarker)).empty());
    CHECK(!present(plain, hex(ours.private_key.span())).empty());

    std::string message;
    REQUIRE(lock_profile(dir, kPass, message));
    const auto locked = snapshot(dir);
    for (const auto& entry : secrets) {
        const auto& what = entry.first;
        const auto& needle = entry.second;
        INFO(what);
        CHECK(present(locked, needle) == "");
    }
    const UnlockedKeys keys = unlock_ok(dir, kPass);
    check_history_and_settings(dir, &keys.store_key);
}

TEST_CASE("profile lock: an interrupted lock is refused by the node and finished by locking again") {
    CheapKdf cheap;
    TempDir tmp;
    const fs::path dir = tmp / "p";
    make_profile(dir);
    const Bytes plain_key = read_all(dir / "identity.key");
    std::string message;
    REQUIRE(lock_profile(dir, kPass, message));
    write_all(dir / "identity.key", plain_key);  // as if the last step had not run
    ::chmod((dir / "identity.key").c_str(), 0600);
    CHECK(lock_is_interrupted(dir));

    asio::io_context io;
    std::string error;
    CHECK_FALSE(create_node(io, dir, std::make_shared<UnlockedKeys>(unlock_ok(dir, kPass)), error));
    CHECK(error.find("interrupted") != std::string::npos);

    CHECK_FALSE(lock_profile(dir, "wrong", message));
    CHECK(fs::exists(dir / "identity.key"));
    REQUIRE_MESSAGE(lock_profile(dir, kPass, message), message);
    CHECK_FALSE(lock_is_interrupted(dir));
    CHECK_FALSE(fs::exists(dir / "identity.key"));
}

TEST_CASE("profile lock: nothing is changed while the profile is in use") {
    CheapKdf cheap;
    TempDir tmp;
    const fs::path dir = tmp / "p";
    make_profile(dir);
    std::string message;
    auto held = ProfileLock::acquire(dir, message);
    REQUIRE(held);
    CHECK_FALSE(lock_profile(dir, kPass, message));
    CHECK(message.find("in use") != std::string::npos);
    CHECK_FALSE(profile_is_locked(dir));
    CHECK(fs::exists(dir / "identity.key"));
}

TEST_CASE("profile lock: --passphrase-fd reads one line per call") {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const std::string input = "old pass\nnew pass\r\n\n" + std::string(crypto::kMaxPassphrase + 1, 'x') + "\n";
    REQUIRE(::write(fds[1], input.data(), input.size()) == static_cast<ssize_t>(input.size()));
    ::close(fds[1]);
    crypto::Passphrase p;
    std::string error;
    REQUIRE(read_passphrase_line(fds[0], p, error));
    CHECK(p.view() == "old pass");
    REQUIRE(read_passphrase_line(fds[0], p, error));
    CHECK(p.view() == "new pass");
    CHECK_FALSE(read_passphrase_line(fds[0], p, error));  // an empty line
    CHECK_FALSE(read_passphrase_line(fds[0], p, error));  // too long
    CHECK(error.find("longer") != std::string::npos);
    ::close(fds[0]);
}
