// The identity file (create, reload, refuse corrupt files untouched) and the
// digit strings derived from public keys.
#include "crypto/identity.hpp"
#include "tests/crypto/noise_test_support.hpp"

#include <doctest/doctest.h>
#include <sodium.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace hallway::crypto {
namespace {

namespace fs = std::filesystem;
using test::counting_rng;

// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "hallway-identity-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const fs::path& path, std::string_view text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

PublicKey key_of_bytes(std::uint8_t first) {
    PublicKey key;
    for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(first + i);
    return key;
}

// The derivation of PROTOCOL.md written out again: BLAKE2b-512 of the parts,
// 5-byte big-endian chunks mod 100000, zero-padded to 5 digits.
std::string expected_digits(std::initializer_list<std::span<const std::uint8_t>> parts, std::size_t chunks) {
    std::array<std::uint8_t, 64> h{};
    crypto_generichash_state state;
    crypto_generichash_init(&state, nullptr, 0, h.size());
    for (auto part : parts) crypto_generichash_update(&state, part.data(), part.size());
    crypto_generichash_final(&state, h.data(), h.size());
    std::string out;
    for (std::size_t c = 0; c < chunks; ++c) {
        unsigned long long v = 0;
        for (std::size_t i = 0; i < 5; ++i) v = v * 256 + h[c * 5 + i];
        char buf[8];
        std::snprintf(buf, sizeof buf, "%05llu", v % 100000);
        out += buf;
    }
    return out;
}

std::span<const std::uint8_t> ascii(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

TEST_CASE("an identity is created with mode 0600 and reloads to the same key") {
    TempDir dir;
    KeyPair created;
    std::string message;
    REQUIRE(load_or_create_identity(dir.path(), counting_rng(9), created, message) == IdentityError::ok);
    CHECK(message.find("created") != std::string::npos);

    const fs::path file = dir.path() / "identity.key";
    struct stat st {};
    REQUIRE(::stat(file.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    const std::string text = read_file(file);
    CHECK(text.starts_with("hallway-identity v1\n"));
    CHECK(text.size() == 20 + 65 + 65);
    CHECK(text.find(test::to_hex(created.public_key) + "\n") == 20 + 65);

    // The key is the one the rng gave, with its matching public key.
    std::array<std::uint8_t, kDhLen> expected_private;
    counting_rng(9)(expected_private);
    CHECK(std::equal(expected_private.begin(), expected_private.end(), created.private_key.data()));
    CHECK(created.public_key == KeyPair::from_private(expected_private).public_key);

    KeyPair loaded;
    REQUIRE(load_or_create_identity(dir.path(), counting_rng(77), loaded, message) == IdentityError::ok);
    CHECK(message.find("loaded") != std::string::npos);
    CHECK(loaded.public_key == created.public_key);
    CHECK(std::equal(loaded.private_key.data(), loaded.private_key.data() + kDhLen, created.private_key.data()));
    CHECK(read_file(file) == text);
    // No temp files left behind.
    CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);
}

TEST_CASE("a missing directory is created") {
    TempDir dir;
    KeyPair pair;
    std::string message;
    CHECK(load_or_create_identity(dir.path() / "a" / "b", counting_rng(1), pair, message) == IdentityError::ok);
    CHECK(fs::exists(dir.path() / "a" / "b" / "identity.key"));
}

TEST_CASE("corrupt identity files are errors and are left byte for byte unchanged") {
    TempDir dir;
    KeyPair pair;
    std::string message;
    REQUIRE(load_or_create_identity(dir.path(), counting_rng(9), pair, message) == IdentityError::ok);
    const fs::path file = dir.path() / "identity.key";
    const std::string good = read_file(file);

    std::string wrong_public = good;
    wrong_public.replace(20 + 65, 64, test::to_hex(key_of_bytes(1)));
    std::string upper = good;
    for (std::size_t i = 20; i < 20 + 64; ++i) upper[i] = static_cast<char>(std::toupper(upper[i]));
    REQUIRE(upper != good);

    const std::vector<std::pair<std::string_view, std::string>> cases{
        {"truncated", good.substr(0, good.size() - 10)},
        {"no trailing newline", good.substr(0, good.size() - 1)},
        {"empty", ""},
        {"wrong public key", wrong_public},
        {"uppercase hex", upper},
        {"trailing garbage", good + "x"},
        {"other header", "hallway-identity v2\n" + good.substr(20)},
    };
    for (const auto& entry : cases) {
        const auto& what = entry.first;
        const auto& text = entry.second;
        CAPTURE(what);
        write_file(file, text);
        KeyPair out;
        message.clear();
        CHECK(load_or_create_identity(dir.path(), counting_rng(1), out, message) == IdentityError::corrupt);
        CHECK(message.find(file.string()) != std::string::npos);
        CHECK(message.find("corrupt") != std::string::npos);
        CHECK(read_file(file) == text);
    }
}

TEST_CASE("an unreadable identity path and an unwritable directory are reported") {
    TempDir dir;
    KeyPair pair;
    std::string message;
    fs::create_directory(dir.path() / "identity.key");  // a directory cannot be read as a file
    CHECK(load_or_create_identity(dir.path(), counting_rng(1), pair, message) == IdentityError::unreadable);
    CHECK(!message.empty());

    write_file(dir.path() / "plain", "x");  // a file cannot hold a directory
    CHECK(load_or_create_identity(dir.path() / "plain" / "sub", counting_rng(1), pair, message) ==
          IdentityError::cannot_write);
    CHECK(!message.empty());
}

TEST_CASE("fingerprint follows the normative derivation") {
    const PublicKey key = key_of_bytes(0);
    const std::string fp = fingerprint(key);
    CHECK(fp.size() == kFingerprintDigits);
    CHECK(fp == expected_digits({ascii("Hallway fingerprint v1"), key}, 8));
    // Golden value computed outside C++ (Python hashlib.blake2b) so the format stays fixed.
    CHECK(fp == "9574932812989692690524390998940925232596");
    CHECK(fingerprint(key) == fp);
    CHECK(fingerprint(key_of_bytes(1)) != fp);
}

TEST_CASE("safety number is order independent and differs per pair") {
    const PublicKey a = key_of_bytes(0);
    const PublicKey b = key_of_bytes(32);
    const PublicKey c = key_of_bytes(64);
    const std::string ab = safety_number(a, b);
    CHECK(ab.size() == kSafetyNumberDigits);
    CHECK(ab == safety_number(b, a));
    CHECK(ab == expected_digits({ascii("Hallway safety number v1"), a, b}, 12));
    CHECK(ab == "434690588335333176365917244146412374957874741440687293526186");
    CHECK(safety_number(a, c) != ab);
    CHECK(safety_number(c, b) != ab);
}

TEST_CASE("format_digits groups by five") {
    CHECK(format_digits("1234567890123") == "12345 67890 123");
    CHECK(format_digits("12345") == "12345");
    CHECK(format_digits("") == "");
}

TEST_CASE("fingerprint_matches accepts the fingerprint or a prefix, spaces ignored") {
    const PublicKey key = key_of_bytes(0);
    const std::string fp = fingerprint(key);
    CHECK(fingerprint_matches(fp, key));
    CHECK(fingerprint_matches(format_digits(fp), key));
    CHECK(fingerprint_matches(fp.substr(0, 1), key));
    CHECK(fingerprint_matches(" " + format_digits(fp.substr(0, 12)) + " ", key));
    CHECK_FALSE(fingerprint_matches("", key));
    CHECK_FALSE(fingerprint_matches("   ", key));
    CHECK_FALSE(fingerprint_matches(fp + "0", key));
    CHECK_FALSE(fingerprint_matches(fp.substr(0, 10) + "x", key));
    std::string wrong = fp.substr(0, 6);
    wrong[5] = wrong[5] == '9' ? '0' : static_cast<char>(wrong[5] + 1);
    CHECK_FALSE(fingerprint_matches(wrong, key));
    CHECK_FALSE(fingerprint_matches(fp, key_of_bytes(1)));
}

}  // namespace
}  // namespace hallway::crypto
