// Store::open on a database file holding arbitrary bytes (a damaged or planted
// hallway.db): it opens (and then reads without crashing) or refuses; a refused
// file is never modified, not even through a WAL left next to it.
#include "core/store.hpp"
#include "fuzz_support.hpp"

#include <cstdlib>
#include <fstream>

using namespace hallway;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto dir = fuzz::scratch_dir() / "store";
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    std::filesystem::create_directories(dir);
    const auto file = dir / "hallway.db";
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    {
        std::ofstream out(file, std::ios::binary | std::ios::trunc);
        out << bytes;
    }
    core::StoreError err{};
    std::string message;
    auto store = core::Store::open(file.string(), err, message);
    if (!store) {
        if (err == core::StoreError::ok) std::abort();
        if (fuzz::read_file(file) != bytes) std::abort();
        // Nor changed by proxy: a WAL left behind with frames would be applied at the next open.
        std::error_code size_ec;
        const auto wal = std::filesystem::file_size(dir / "hallway.db-wal", size_ec);
        if (!size_ec && wal != 0) std::abort();
        return 0;
    }
    for (const auto& c : store->contacts()) store->history(c.key, 50);
    return 0;
}
