#pragma once
// One sealed page of a locked store (docs/SECURITY.md "At rest"): a 4096-byte
// SQLite page whose last 40 bytes SQLite leaves unused (reserve bytes) carry
// the seal. Layout on disk:
//   [0, 4056)     XChaCha20-Poly1305 ciphertext of the page's first 4056 bytes
//   [4056, 4080)  24-byte random nonce, fresh on every write
//   [4080, 4096)  16-byte Poly1305 tag
// Associated data: "hallway-store-v1", one byte naming the file (1 main db,
// 2 WAL), the page number (big-endian u32): a page cannot be moved to another
// page number or between the database and its WAL unnoticed.
#include "crypto/secret.hpp"

#include <cstddef>
#include <cstdint>

namespace hallway::core::sealed {

inline constexpr std::size_t kPageSize = 4096;
inline constexpr std::size_t kNonceBytes = 24;
inline constexpr std::size_t kTagBytes = 16;
inline constexpr std::size_t kReserve = kNonceBytes + kTagBytes;
inline constexpr std::size_t kSealedBytes = kPageSize - kReserve;

enum class PageFile : std::uint8_t { db = 1, wal = 2 };

// Seals plain's first kSealedBytes into out (kPageSize bytes); plain's reserve
// bytes are ignored.
void seal_page(const crypto::Secret<32>& key, PageFile file, std::uint32_t pgno, const std::uint8_t* plain,
               std::uint8_t* out);
// Opens a sealed page into out (kPageSize bytes, the reserve as zeros, which
// is what SQLite wrote there and checksummed). false, out all zeros, when the
// tag does not match: wrong key, damaged or moved page.
bool open_page(const crypto::Secret<32>& key, PageFile file, std::uint32_t pgno, const std::uint8_t* sealed,
               std::uint8_t* out);

}  // namespace hallway::core::sealed
