#include "seed_writer.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>

namespace hallway::fuzz {
namespace {
std::filesystem::path out_root;
}

void write_seed(const std::string& target, const std::string& name, std::span<const std::uint8_t> bytes) {
    const auto dir = out_root / target;
    std::filesystem::create_directories(dir);
    std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

void write_seed(const std::string& target, const std::string& name, std::string_view text) {
    write_seed(target, name, std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

Bytes cat(std::initializer_list<std::span<const std::uint8_t>> parts) {
    Bytes out;
    for (auto p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

int seed_main(int argc, char** argv, void (*write_all)()) {
    if (argc != 2) {
        std::cerr << "usage: " << argv[0] << " OUTDIR\n";
        return 2;
    }
    out_root = argv[1];
    write_all();
    return 0;
}

}  // namespace hallway::fuzz
