#include "core/files/download_dir.hpp"

#include <cstdlib>
#include <fstream>

namespace hallway::core::files {

namespace {

constexpr std::string_view kKey = "XDG_DOWNLOAD_DIR=";
constexpr std::string_view kHomePrefix = "$HOME";
// user-dirs.dirs is a few lines; a bigger file is not one.
constexpr std::size_t kMaxUserDirsFile = 64 * 1024;

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

}  // namespace

std::optional<std::string> user_dirs_download(std::string_view file, std::string_view home) {
    std::optional<std::string> found;
    while (!file.empty()) {
        const auto nl = file.find('\n');
        std::string_view line = trim(file.substr(0, nl));
        file = nl == std::string_view::npos ? std::string_view{} : file.substr(nl + 1);
        if (!line.starts_with(kKey)) continue;
        line.remove_prefix(kKey.size());
        // The value is one double-quoted string without escapes (xdg-user-dirs
        // writes no others); the last assignment wins, as in a shell.
        if (line.size() < 2 || line.front() != '"' || line.back() != '"') {
            found.reset();
            continue;
        }
        std::string_view v = line.substr(1, line.size() - 2);
        if (v.find('"') != std::string_view::npos || v.find('\\') != std::string_view::npos) {
            found.reset();
        } else if (v.starts_with(kHomePrefix) && (v.size() == kHomePrefix.size() || v[kHomePrefix.size()] == '/')) {
            const std::string_view rest = v.substr(kHomePrefix.size());
            found = rest.find_first_not_of('/') == std::string_view::npos ? std::nullopt
                                                                           : std::optional(std::string(home) + std::string(rest));
        } else if (v.starts_with('/')) {
            found = std::string(v);
        } else {
            found.reset();
        }
    }
    return found;
}

std::filesystem::path user_dirs_path(const DownloadEnvironment& env) {
    const std::filesystem::path config =
        env.xdg_config_home.starts_with('/') ? std::filesystem::path(env.xdg_config_home)
                                              : std::filesystem::path(env.home) / ".config";
    return config / "user-dirs.dirs";
}

std::filesystem::path download_dir(const DownloadEnvironment& env) {
    std::optional<std::string> dir;
    if (env.user_dirs) dir = user_dirs_download(*env.user_dirs, env.home);
    return (dir ? std::filesystem::path(*dir) : std::filesystem::path(env.home) / "Downloads") / "Hallway";
}

std::filesystem::path download_dir() {
    DownloadEnvironment env;
    if (const char* h = std::getenv("HOME")) env.home = h;
    if (const char* c = std::getenv("XDG_CONFIG_HOME")) env.xdg_config_home = c;
    std::ifstream in(user_dirs_path(env), std::ios::binary);
    if (in) {
        std::string content(kMaxUserDirsFile + 1, '\0');
        in.read(content.data(), static_cast<std::streamsize>(content.size()));
        content.resize(static_cast<std::size_t>(in.gcount()));
        if (content.size() <= kMaxUserDirsFile) env.user_dirs = std::move(content);
    }
    return download_dir(env);
}

}  // namespace hallway::core::files
