// The settings-file parser (core/profile) on arbitrary file contents. A readable
// file always loads (over-long values cut, bad ones ignored); what loads always
// saves (the same checks), and loads back identical.
#include "core/profile.hpp"
#include "fuzz_support.hpp"

#include <cstdlib>
#include <fstream>

using namespace hallway;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto dir = fuzz::scratch_dir() / "settings";
    std::filesystem::create_directories(dir);
    {
        std::ofstream out(core::settings_path(dir), std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    }
    core::Settings loaded;
    std::string message;
    if (!core::load_settings(dir, loaded, message)) std::abort();
    if (!core::save_settings(dir, loaded, message)) std::abort();
    core::Settings again;
    if (!core::load_settings(dir, again, message)) std::abort();
    if (again.nick != loaded.nick || again.presence != loaded.presence ||
        again.status_message != loaded.status_message || again.private_mode != loaded.private_mode)
        std::abort();
    return 0;
}
