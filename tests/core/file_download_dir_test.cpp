#include "core/files/download_dir.hpp"

#include <doctest/doctest.h>

using namespace hallway::core::files;

TEST_CASE("download dir: user-dirs.dirs as xdg-user-dirs writes it") {
    const std::string file =
        "# This file is written by xdg-user-dirs-update\n"
        "XDG_DESKTOP_DIR=\"$HOME/Desktop\"\n"
        "XDG_DOWNLOAD_DIR=\"$HOME/Telechargements\"\n";
    CHECK(user_dirs_download(file, "/home/ana") == "/home/ana/Telechargements");
    CHECK(user_dirs_download("XDG_DOWNLOAD_DIR=\"/srv/in box\"\n", "/home/ana") == "/srv/in box");
    // The last assignment wins, as when a shell sources the file.
    CHECK(user_dirs_download("XDG_DOWNLOAD_DIR=\"/a\"\nXDG_DOWNLOAD_DIR=\"$HOME/b\"", "/h") == "/h/b");
}

TEST_CASE("download dir: what the format does not allow is not followed") {
    CHECK_FALSE(user_dirs_download("XDG_DESKTOP_DIR=\"$HOME/Desktop\"\n", "/h"));
    CHECK_FALSE(user_dirs_download("XDG_DOWNLOAD_DIR=\"relative/dir\"\n", "/h"));
    CHECK_FALSE(user_dirs_download("XDG_DOWNLOAD_DIR=$HOME/unquoted\n", "/h"));
    CHECK_FALSE(user_dirs_download("XDG_DOWNLOAD_DIR=\"$HOMEx/y\"\n", "/h"));
    CHECK_FALSE(user_dirs_download("XDG_DOWNLOAD_DIR=\"$HOME/a\\\"b\"\n", "/h"));
    // "$HOME" alone (or "$HOME/") is how the format disables a folder.
    CHECK_FALSE(user_dirs_download("XDG_DOWNLOAD_DIR=\"$HOME/\"\n", "/h"));
    CHECK_FALSE(user_dirs_download("XDG_DOWNLOAD_DIR=\"$HOME\"\n", "/h"));
}

TEST_CASE("download dir: Hallway under the download folder, else under ~/Downloads") {
    DownloadEnvironment env;
    env.home = "/home/ana";
    CHECK(user_dirs_path(env) == "/home/ana/.config/user-dirs.dirs");
    CHECK(download_dir(env) == "/home/ana/Downloads/Hallway");
    env.user_dirs = "XDG_DOWNLOAD_DIR=\"$HOME/dl\"\n";
    CHECK(download_dir(env) == "/home/ana/dl/Hallway");
    env.user_dirs = "XDG_DOWNLOAD_DIR=\"$HOME\"\n";
    CHECK(download_dir(env) == "/home/ana/Downloads/Hallway");
    env.xdg_config_home = "/etc/ana";
    CHECK(user_dirs_path(env) == "/etc/ana/user-dirs.dirs");
    // A relative XDG_CONFIG_HOME is ignored, as the base directory spec says.
    env.xdg_config_home = "rel";
    CHECK(user_dirs_path(env) == "/home/ana/.config/user-dirs.dirs");
}
