#pragma once
// STAND-IN for branch lock-store's sealing API (reverted before merging it):
// it seals nothing, so the lock's no-plaintext tests fail until the real one lands.
#include "core/store.hpp"

#include <filesystem>
#include <string>

namespace hallway::core {
inline bool store_is_sealed(const std::filesystem::path&) { return false; }
inline bool seal_store(const std::filesystem::path&, const StoreKey&, std::string&) { return true; }
inline bool unseal_store(const std::filesystem::path&, const StoreKey&, std::string&) { return true; }
}  // namespace hallway::core
