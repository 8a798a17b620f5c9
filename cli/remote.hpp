#pragma once
// Asking the running node through its control socket: shared by the
// one-to-one commands (remote_commands.cpp) and the room commands.
#include "cli/commands.hpp"
#include "core/control.hpp"
#include "core/profile.hpp"
#include "core/profile_lock.hpp"
#include "crypto/noise.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <string_view>

namespace hallway::cli {

// A locked profile's keys, its passphrase asked (or read from --passphrase-fd);
// out stays null when the profile is not locked. false with the reason printed
// (wrong passphrase, damaged file, no terminal).
bool unlock_if_locked(const Args& a, std::shared_ptr<const core::UnlockedKeys>& out);

// The profile's key pair (made on first use, with its folder; unlocked when
// locked, then also in unlocked); false with the reason printed when the
// profile cannot be made, read or unlocked.
bool profile_keys(const Args& a, crypto::KeyPair& keys, std::shared_ptr<const core::UnlockedKeys>& unlocked);
// profile_keys, and the profile's settings (sealed ones opened with its key).
bool profile_keys_and_settings(const Args& a, crypto::KeyPair& keys, core::Settings& settings);

// Prints a failed reply's reason; the exit code for it.
int refused(const nlohmann::json& reply);
int connect(core::ControlClient& client, const Args& a);
// One request, one reply on a connected client. Prints the reason and returns
// the exit code on failure.
int exchange(core::ControlClient& client, const nlohmann::json& request, nlohmann::json& reply);
int ask(core::ControlClient& client, const Args& a, const nlohmann::json& request, nlohmann::json& reply);
int ask(const Args& a, const nlohmann::json& request, nlohmann::json& reply);

// A list that can outgrow one reply line comes in pages: asks again, on the same
// connection, while the reply says "more"; next_page turns a reply into the
// next request (false: enough). Each page's items go to on_item in reply order.
int ask_pages(const Args& a, nlohmann::json request, const char* list,
              const std::function<bool(const nlohmann::json& reply, nlohmann::json& request)>& next_page,
              const std::function<void(const nlohmann::json& item)>& on_item);

// kExitOk, or kExitError with the reason printed when the node would refuse
// the text anyway (empty, over the limit): said before a long text is sent.
int check_text(const std::string& text);

// A PEER argument that names a room: "#name" or "#" and a prefix of its id.
inline bool names_room(std::string_view target) { return !target.empty() && target.front() == '#'; }

}  // namespace hallway::cli
