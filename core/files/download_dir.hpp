#pragma once
// Where received files go (issue 15): the person's download folder as
// `xdg-user-dir DOWNLOAD` names it, then "Hallway", never anywhere else.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace hallway::core::files {

// The value of XDG_DOWNLOAD_DIR in a user-dirs.dirs file (the format
// xdg-user-dirs writes: `XDG_DOWNLOAD_DIR="$HOME/Downloads"`), with $HOME
// replaced. nullopt when absent or not in that format's only two forms
// ("$HOME/..." or an absolute path), or when it names $HOME itself: the
// format's way of saying the folder is disabled.
std::optional<std::string> user_dirs_download(std::string_view file, std::string_view home);

struct DownloadEnvironment {
    std::string home;                        // $HOME
    std::string xdg_config_home;             // $XDG_CONFIG_HOME, may be empty
    std::optional<std::string> user_dirs;    // the contents of user-dirs.dirs, if readable
};
// $XDG_CONFIG_HOME/user-dirs.dirs (default ~/.config) as env.user_dirs should hold.
std::filesystem::path user_dirs_path(const DownloadEnvironment& env);
// The download folder's "Hallway" folder: from user_dirs, else ~/Downloads.
std::filesystem::path download_dir(const DownloadEnvironment& env);
// download_dir() of this process's environment (reads the file).
std::filesystem::path download_dir();

}  // namespace hallway::core::files
