// The identity key file loader on arbitrary file contents: it loads (only a key
// whose public half matches) or reports corrupt, and never changes the file.
#include "crypto/identity.hpp"
#include "fuzz_support.hpp"

#include <cstdlib>
#include <fstream>

using namespace hallway;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto dir = fuzz::scratch_dir() / "identity";
    std::filesystem::create_directories(dir);
    const auto file = dir / crypto::kIdentityFileName;
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    {
        std::ofstream out(file, std::ios::binary | std::ios::trunc);
        out << bytes;
    }
    std::filesystem::permissions(file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    crypto::KeyPair key;
    std::string message;
    const auto err = crypto::load_or_create_identity(dir, fuzz::counter_rng(), key, message);
    if (fuzz::read_file(file) != bytes) std::abort();  // never rewritten, whatever it holds
    if (err == crypto::IdentityError::ok) {
        // Accepted only when the stored public key is the private key's.
        if (crypto::KeyPair::from_private(key.private_key.span()).public_key != key.public_key) std::abort();
    } else if (err != crypto::IdentityError::corrupt && err != crypto::IdentityError::unreadable) {
        std::abort();
    }
    return 0;
}
