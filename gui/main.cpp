// hallway-gui: the desktop window. Two threads: the network thread runs the
// io_context that owns the Node; this (UI) thread waits in glfwWaitEvents,
// drains the EventQueue into the Model once per frame and posts Commands back
// with asio::post. Nothing else is shared. A locked profile without
// --passphrase-fd first gets the unlock screen (unlock_in_window); the node is
// made only once its keys are open.
#include "core/events.hpp"
#include "core/node.hpp"
#include "core/profile.hpp"
#include "gui/desktop_notifier.hpp"
#include "gui/fonts.hpp"
#include "gui/input_queue.hpp"
#include "gui/links.hpp"
#include "gui/model.hpp"
#include "gui/notification_policy.hpp"
#include "gui/panels.hpp"
#include "gui/screenshot.hpp"
#include "gui/unlock_screen.hpp"
#include "transport/wire.hpp"
#include <hallway/version.hpp>

#include <CLI/CLI.hpp>
#include <GLFW/glfw3.h>
#include <asio.hpp>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>

#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <future>
#include <optional>
#include <string>
#include <utility>
#include <thread>
#include <utility>

namespace hg = hallway::gui;
namespace core = hallway::core;

namespace {

// ImGui settles hover, popups, tab selection and scrolling over a few frames
// after an input; render this many after every wake, then sleep again.
constexpr int kSettleFrames = 3;
// The only timed wake: day separators ("Today") must roll over at midnight.
constexpr double kTickSeconds = 60.0;
// After Node::stop the goodbyes need a moment on the wire before the loop ends.
constexpr auto kStopGrace = std::chrono::milliseconds(300);
// The first screenshot waits this many frames after the state replay.
constexpr int kScreenshotDelayFrames = 3;
// While a transfer moves, wake at least this often: "stalled" shows when its
// progress events stop, which no event announces.
constexpr double kTransferTickSeconds = 1.0;
// Files taken from one drop: as many entries as one offer may hold
// (core/files/manifest.hpp kMaxEntries); a folder counts as one here.
constexpr std::size_t kMaxDroppedPaths = 1024;
// xdg-open children not yet reaped; more Open folder / Open link clicks wait for them.
constexpr std::size_t kMaxOpeners = 8;

struct Options {
    std::string profile;
    std::string nick;
    std::optional<std::uint16_t> port;  // unset: the default port, or any free one when it is taken
    std::vector<std::string> peers;
    bool no_mdns = false;
    bool private_mode = false;
    bool bonjour = false;     // --bonjour: the link-local XMPP bridge this run
    bool no_bonjour = false;  // --no-bonjour
    std::vector<std::string> xmpp_peers;  // --xmpp-peer user@host=HOST:PORT
    std::string screenshot;
    std::optional<int> passphrase_fd;  // a locked profile's passphrase, one line
};

std::string glfw_error;  // last message from GLFW's error callback (UI thread)

// A display server is needed before anything else: say so in one line.
bool have_display(std::string& why) {
    const char* x = std::getenv("DISPLAY");
    const char* wl = std::getenv("WAYLAND_DISPLAY");
    if ((!x || !*x) && (!wl || !*wl)) {
        why = "no display found (DISPLAY is not set)";
        return false;
    }
    glfwSetErrorCallback([](int, const char* description) { glfw_error = description ? description : "?"; });
    if (!glfwInit()) {
        why = "no display found (" + (glfw_error.empty() ? std::string("glfwInit failed") : glfw_error) + ")";
        return false;
    }
    return true;
}

// Everything the UI thread keeps between frames.
struct App {
    hg::Model model;
    hg::IdentityPanelState identity;
    hg::SettingsDialogState settings;
    hg::BuddyListState buddies;
    hg::ConversationsState conversations;
    hg::VerifyDialogState verify;
    hg::NoticesState notices;
    hg::RoomsState rooms;
    hg::TransfersState transfers;
    hg::SearchPanelState search;
    std::vector<pid_t> openers;  // xdg-open children, reaped once they exit
    // The one synchronous question to the node (safety number), answered via a future.
    std::optional<std::future<std::string>> safety;
    core::PeerKey safety_peer{};
    // create_room's answer: the new room's id (nullopt: refused, the Notice says why).
    std::optional<std::future<std::optional<core::RoomId>>> created;
};

// Runs a node call that may refuse on the network thread; a refusal (false,
// with its one-line error) comes back as a Notice starting with what.
template <class Call>
void post_refusable(asio::io_context& io, core::EventQueue& queue, std::string what, Call call) {
    asio::post(io, [&queue, what = std::move(what), call = std::move(call)]() mutable {
        std::string error;
        if (!call(error)) queue.push(core::Notice{core::Notice::Level::warning, what + ": " + error});
    });
}

// Hands arg to xdg-open with an argv (never a shell: it is data), not waited
// for; the frame loop reaps it. false, with why, when it did not start.
bool spawn_xdg_open(const std::string& arg, App& app, std::string& why) {
    if (app.openers.size() >= kMaxOpeners) {
        why = "the desktop has not answered the last requests yet";
        return false;
    }
    std::string arg0 = "xdg-open", arg1 = arg;
    char* argv[] = {arg0.data(), arg1.data(), nullptr};
    pid_t pid = 0;
    if (const int rc = posix_spawnp(&pid, "xdg-open", nullptr, nullptr, argv, environ); rc != 0) {
        why = std::string("cannot run xdg-open: ") + std::strerror(rc);
        return false;
    }
    app.openers.push_back(pid);
    return true;
}

// Shows dir in the file manager.
void open_folder(const std::string& dir, App& app, core::EventQueue& queue) {
    std::string why;
    // The node gives absolute folders; anything else (say "-x") could read as an option.
    if (dir.empty() || dir.front() != '/') why = "not an absolute path";
    if (why.empty() && spawn_xdg_open(dir, app, why)) return;
    queue.push(core::Notice{core::Notice::Level::warning, "Folder not opened: " + why});
}

// Opens a link the person clicked in a message in the browser. Peer text:
// only a whole http(s) link goes to xdg-open (it starts with the scheme, so
// it cannot read as an option, and no other scheme's handler is reached).
void open_link(const std::string& url, App& app, core::EventQueue& queue) {
    std::string why;
    if (!hg::openable_link(url)) why = "not a web link";
    if (why.empty() && spawn_xdg_open(url, app, why)) return;
    queue.push(core::Notice{core::Notice::Level::warning, "Link not opened: " + why});
}

// Posts one command to the network thread.
void dispatch(hg::Command cmd, asio::io_context& io, core::Node& node, core::EventQueue& queue, App& app) {
    std::visit(
        [&](auto&& c) {
            using T = std::decay_t<decltype(c)>;
            if constexpr (std::is_same_v<T, hg::OpenConversation>) {
                asio::post(io, [&node, p = c.peer] {
                    node.request_history(p);
                    node.set_focus(p);  // the selected chat is the one watched closely
                });
            } else if constexpr (std::is_same_v<T, hg::MarkRead>) {
                asio::post(io, [&node, p = c.peer] { node.mark_read(p); });
            } else if constexpr (std::is_same_v<T, hg::SendText>) {
                post_refusable(io, queue, "Message not sent",
                               [&node, c](std::string& e) { return node.send_text(c.peer, c.body, e).has_value(); });
            } else if constexpr (std::is_same_v<T, hg::SetTyping>) {
                asio::post(io, [&node, p = c.peer, t = c.typing] { node.set_typing(p, t); });
            } else if constexpr (std::is_same_v<T, hg::SetReadReceipts>) {
                post_refusable(io, queue, "Read receipts not changed",
                               [&node, c](std::string& e) { return node.set_read_receipts(c.on, e); });
            } else if constexpr (std::is_same_v<T, hg::SetBonjour>) {
                post_refusable(io, queue, "Link-local XMPP not changed",
                               [&node, c](std::string& e) { return node.set_bonjour(c.on, e); });
            } else if constexpr (std::is_same_v<T, hg::SetNick>) {
                post_refusable(io, queue, "Name not changed", [&node, c](std::string& e) { return node.set_nick(c.nick, e); });
            } else if constexpr (std::is_same_v<T, hg::SetPresence>) {
                post_refusable(io, queue, "Status not changed",
                               [&node, c](std::string& e) { return node.set_presence(c.presence, c.message, e); });
            } else if constexpr (std::is_same_v<T, hg::SetPrivateMode>) {
                post_refusable(io, queue, "Private mode not changed",
                               [&node, c](std::string& e) { return node.set_private_mode(c.on, e); });
            } else if constexpr (std::is_same_v<T, hg::SetShareAddresses>) {
                post_refusable(io, queue, "Address sharing not changed",
                               [&node, c](std::string& e) { return node.set_share_addresses(c.who, e); });
            } else if constexpr (std::is_same_v<T, hg::SetNotifications>) {
                post_refusable(io, queue, "Notifications not changed",
                               [&node, c](std::string& e) { return node.set_notifications(c.what, e); });
            } else if constexpr (std::is_same_v<T, hg::CreateRoom>) {
                // The id comes back so the new room can be shown, as a joined one is.
                auto promise = std::make_shared<std::promise<std::optional<core::RoomId>>>();
                app.created = promise->get_future();
                asio::post(io, [&node, &queue, promise, c] {
                    std::string error;
                    auto id = node.create_room(c.name, c.open, c.topic, error);
                    if (!id) queue.push(core::Notice{core::Notice::Level::warning, "Room not created: " + error});
                    promise->set_value(id);
                    glfwPostEmptyEvent();
                });
            } else if constexpr (std::is_same_v<T, hg::OpenRoomConversation>) {
                asio::post(io, [&node, r = c.room] { node.request_room_history(r); });
            } else if constexpr (std::is_same_v<T, hg::MarkRoomRead>) {
                asio::post(io, [&node, r = c.room] { node.mark_room_read(r); });
            } else if constexpr (std::is_same_v<T, hg::SendRoomText>) {
                post_refusable(io, queue, "Message not sent",
                               [&node, c](std::string& e) { return node.send_room_text(c.room, c.body, e).has_value(); });
            } else if constexpr (std::is_same_v<T, hg::Invite>) {
                post_refusable(io, queue, "Not invited", [&node, c](std::string& e) { return node.invite(c.room, c.peer, e); });
            } else if constexpr (std::is_same_v<T, hg::JoinRoom>) {
                post_refusable(io, queue, "Room not joined", [&node, c](std::string& e) { return node.join_room(c.room, e); });
            } else if constexpr (std::is_same_v<T, hg::LeaveRoom>) {
                post_refusable(io, queue, "Room not left", [&node, c](std::string& e) { return node.leave_room(c.room, e); });
            } else if constexpr (std::is_same_v<T, hg::RemoveMember>) {
                post_refusable(io, queue, "Member not removed",
                               [&node, c](std::string& e) { return node.remove_member(c.room, c.peer, e); });
            } else if constexpr (std::is_same_v<T, hg::MakeAdmin>) {
                post_refusable(io, queue, "Not made an admin",
                               [&node, c](std::string& e) { return node.make_admin(c.room, c.peer, e); });
            } else if constexpr (std::is_same_v<T, hg::SetRoom>) {
                post_refusable(io, queue, "Room not changed",
                               [&node, c](std::string& e) { return node.set_room(c.room, c.name, c.topic, c.open, e); });
            } else if constexpr (std::is_same_v<T, hg::QueryOpenRooms>) {
                asio::post(io, [&node] { node.query_open_rooms(); });
            } else if constexpr (std::is_same_v<T, hg::SendFiles>) {
                post_refusable(io, queue, "Files not sent", [&node, c](std::string& e) {
                    const std::vector<std::filesystem::path> paths(c.paths.begin(), c.paths.end());
                    return node.send_files(c.peer, paths, e).has_value();
                });
            } else if constexpr (std::is_same_v<T, hg::AcceptTransfer>) {
                post_refusable(io, queue, "Transfer not accepted",
                               [&node, c](std::string& e) { return node.accept_transfer(c.id, c.dir, e); });
            } else if constexpr (std::is_same_v<T, hg::DeclineTransfer>) {
                post_refusable(io, queue, "Transfer not declined", [&node, c](std::string& e) { return node.decline_transfer(c.id, e); });
            } else if constexpr (std::is_same_v<T, hg::CancelTransfer>) {
                post_refusable(io, queue, "Transfer not cancelled", [&node, c](std::string& e) { return node.cancel_transfer(c.id, e); });
            } else if constexpr (std::is_same_v<T, hg::ResumeTransfer>) {
                post_refusable(io, queue, "Transfer not resumed", [&node, c](std::string& e) { return node.resume_transfer(c.id, e); });
            } else if constexpr (std::is_same_v<T, hg::SetAutoAcceptFiles>) {
                post_refusable(io, queue, "Setting not changed",
                               [&node, c](std::string& e) { return node.set_auto_accept_files(c.peer, c.on, e); });
            } else if constexpr (std::is_same_v<T, hg::SearchMessages>) {
                asio::post(io, [&node, text = c.text] { node.request_search(text); });
            } else if constexpr (std::is_same_v<T, hg::OpenFolder>) {
                open_folder(c.path, app, queue);
            } else if constexpr (std::is_same_v<T, hg::OpenLink>) {
                open_link(c.url, app, queue);
            } else if constexpr (std::is_same_v<T, hg::SetTrust>) {
                asio::post(io, [&node, p = c.peer, t = c.trust] { node.set_trust(p, t); });
            } else if constexpr (std::is_same_v<T, hg::RequestSafetyNumber>) {
                auto promise = std::make_shared<std::promise<std::string>>();
                app.safety = promise->get_future();
                app.safety_peer = c.peer;
                asio::post(io, [&node, promise, p = c.peer] {
                    promise->set_value(node.safety_number(p));
                    glfwPostEmptyEvent();  // any thread may call it
                });
            }
        },
        cmd);
}

void draw(App& app, std::int64_t now_ms, hg::Commands& out) {
    const ImGuiViewport* vp = ImGui::GetMainViewport();
    ImGui::SetNextWindowPos(vp->WorkPos);
    ImGui::SetNextWindowSize(vp->WorkSize);
    ImGui::Begin("Hallway", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                     ImGuiWindowFlags_NoBringToFrontOnFocus);
    const float left_w = std::max(ImGui::GetFontSize() * 17.0f, ImGui::GetContentRegionAvail().x * 0.28f);
    ImGui::BeginChild("left", ImVec2(left_w, 0), true);
    hg::draw_identity_panel(app.model, app.identity, app.settings, out);
    ImGui::Separator();
    hg::draw_room_list(app.model, app.rooms, out);
    ImGui::Separator();
    hg::draw_buddy_list(app.model, app.buddies, app.conversations, app.verify, hg::transfers_button_height(app.model), out);
    hg::draw_transfers_button(app.model, app.transfers);
    // A buddy picked: its conversation replaces the room on the right.
    if (app.conversations.select) app.rooms.active.reset();
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("right", ImVec2(0, 0), false);
    hg::draw_notices(app.model, app.notices);
    if (app.rooms.active)
        hg::draw_room(app.model, app.rooms, now_ms, out);
    else
        hg::draw_conversations(app.model, app.conversations, app.verify, app.transfers, now_ms, out);
    ImGui::EndChild();
    hg::draw_verify_dialog(app.model, app.verify, out);
    hg::draw_settings_dialog(app.model, app.settings, out);
    hg::draw_room_dialogs(app.model, app.rooms, out);
    hg::draw_open_rooms(app.model, app.rooms, out);
    hg::draw_transfer_dialogs(app.model, app.transfers, out);
    ImGui::End();
    hg::draw_transfers_window(app.model, app.transfers, now_ms, out);
    // Ctrl+F or the Search button on the Rooms row (GLFW key codes: ImGui 1.86).
    if (std::exchange(app.rooms.search_requested, false) ||
        (ImGui::GetIO().KeyCtrl && ImGui::IsKeyPressed(GLFW_KEY_F, false)))
        hg::open_search(app.search);
    hg::draw_search_panel(app.model, app.search, app.conversations, app.rooms, now_ms, out);
}

// The person clicked a desktop notification: the window comes to front with
// that conversation (or room) shown.
void open_notified(GLFWwindow* window, App& app, const hg::ConversationRef& conversation, hg::Commands& out) {
    if (glfwGetWindowAttrib(window, GLFW_ICONIFIED)) glfwRestoreWindow(window);
    glfwShowWindow(window);
    glfwFocusWindow(window);
    if (const auto* peer = std::get_if<core::PeerKey>(&conversation)) {
        hg::open_conversation(app.conversations, *peer, out);  // draw() then hides a room on screen
    } else if (const auto* room = std::get_if<core::RoomId>(&conversation); room && app.model.rooms.contains(*room)) {
        hg::open_room(app.rooms, *room, out);
    }
}

// A desktop notification for a new message, when the policy wants one.
void notify_of(const core::Event& e, const hg::Model& model, bool focused, hg::DesktopNotifier& notifier) {
    std::optional<hg::Notification> n;
    if (const auto* added = std::get_if<core::MessageAdded>(&e))
        n = hg::notification_for(model, {focused}, added->message);
    else if (const auto* room_added = std::get_if<core::RoomMessageAdded>(&e))
        n = hg::notification_for(model, {focused}, room_added->message);
    if (n) notifier.show(std::move(*n));
}

// Paths dropped on the window since the last frame.
struct Dropped {
    std::vector<std::string> paths;
    bool too_many = false;  // over kMaxDroppedPaths: the whole drop is refused
};

// What the GLFW callbacks reach through the window's user pointer.
struct WindowHooks {
    hg::Fonts* fonts = nullptr;
    std::deque<hg::InputEvent>* input = nullptr;
    Dropped* dropped = nullptr;
};

WindowHooks& hooks(GLFWwindow* w) { return *static_cast<WindowHooks*>(glfwGetWindowUserPointer(w)); }

// ImGui's GLFW callbacks, except keys and characters, which are queued and
// trickled in per frame (see input_queue.hpp).
void install_callbacks(GLFWwindow* window) {
    glfwSetWindowFocusCallback(window, ImGui_ImplGlfw_WindowFocusCallback);
    glfwSetCursorEnterCallback(window, ImGui_ImplGlfw_CursorEnterCallback);
    glfwSetMouseButtonCallback(window, ImGui_ImplGlfw_MouseButtonCallback);
    glfwSetScrollCallback(window, ImGui_ImplGlfw_ScrollCallback);
    glfwSetMonitorCallback(ImGui_ImplGlfw_MonitorCallback);
    glfwSetKeyCallback(window, [](GLFWwindow* w, int key, int scancode, int action, int mods) {
        hooks(w).input->push_back(hg::KeyEvent{key, scancode, action, mods});
    });
    glfwSetCharCallback(window, [](GLFWwindow* w, unsigned int c) { hooks(w).input->push_back(hg::CharEvent{c}); });
    // Inside glfwPollEvents: only note the paths; the frame sends them.
    glfwSetDropCallback(window, [](GLFWwindow* w, int count, const char** paths) {
        Dropped& d = *hooks(w).dropped;
        if (count < 0 || d.too_many) return;
        if (d.paths.size() + static_cast<std::size_t>(count) > kMaxDroppedPaths) {
            d.too_many = true;
            d.paths.clear();
            return;
        }
        for (int i = 0; i < count; ++i)
            if (paths[i]) d.paths.emplace_back(paths[i]);
    });
    glfwSetWindowContentScaleCallback(window, [](GLFWwindow* w, float, float y) {
        hooks(w).fonts->content_scale = y;
        hooks(w).fonts->dirty = true;
    });
}

// Dropped files become an offer to the conversation on screen, or a notice
// saying why they cannot.
void take_drop(Dropped& dropped, App& app, hg::Commands& out) {
    if (dropped.paths.empty() && !dropped.too_many) return;
    const hg::DropTarget target = hg::drop_target(app.model, app.conversations.active, app.rooms.active.has_value());
    std::string why = target.why;
    if (dropped.too_many)
        why = "Too many files dropped at once (at most " + std::to_string(kMaxDroppedPaths) + "): drop their folder instead.";
    if (why.empty())
        out.push_back(hg::SendFiles{*target.peer, std::move(dropped.paths)});
    else
        hg::apply(app.model, core::Notice{core::Notice::Level::warning, why});
    dropped = Dropped{};
}

// A transfer is moving: the window wakes for its "stalled" even without events.
bool transfer_moving(const hg::Model& model) {
    return std::any_of(model.transfers.begin(), model.transfers.end(),
                       [](const auto& t) { return t.second.view.state == core::TransferState::active; });
}

// Feeds ImGui this frame's share of the queued keyboard input; false when
// there was none.
bool feed_input(GLFWwindow* window, std::deque<hg::InputEvent>& input) {
    const std::size_t share = hg::frame_share(input);
    for (std::size_t n = share; n > 0; --n) {
        std::visit(
            [window](const auto& e) {
                if constexpr (std::is_same_v<std::decay_t<decltype(e)>, hg::KeyEvent>)
                    ImGui_ImplGlfw_KeyCallback(window, e.key, e.scancode, e.action, e.mods);
                else
                    ImGui_ImplGlfw_CharCallback(window, e.codepoint);
            },
            input.front());
        input.pop_front();
    }
    return share > 0;
}

std::int64_t wall_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// What every frame loop (the unlock screen's, then the messenger's) shares.
struct Window {
    GLFWwindow* glfw;
    hg::Fonts& fonts;
    const ImGuiStyle& base_style;
    std::deque<hg::InputEvent>& input;
    hg::Screenshot& shot;
    std::atomic<bool>& quit;            // SIGINT/SIGTERM
    std::atomic<bool>& shot_requested;  // SIGUSR1
};

// Sleeps until there is something to draw (an event, a wake, the timeout),
// unless frames are still settling, a screenshot is due or typed input waits;
// then takes a requested screenshot and a text size change.
void wait_for_frame(Window& w, int& frames_left, double timeout) {
    if (frames_left > 0 || w.shot.pending() || !w.input.empty()) {
        glfwPollEvents();
    } else {
        glfwWaitEventsTimeout(timeout);
        frames_left = kSettleFrames;
    }
    if (w.shot_requested.exchange(false)) w.shot.request(1);
    // Ctrl +/- scale the text; the atlas is rebuilt between frames.
    if (w.fonts.dirty) hg::rebuild_fonts(w.fonts, w.base_style);
}

void begin_frame() {
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGui::NewFrame();
}

// Renders the frame, takes a due screenshot of it and shows it.
void present(Window& w) {
    ImGui::Render();
    int fb_w = 0, fb_h = 0;
    glfwGetFramebufferSize(w.glfw, &fb_w, &fb_h);
    glViewport(0, 0, fb_w, fb_h);
    glClearColor(0.08f, 0.08f, 0.09f, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    w.shot.after_render(fb_w, fb_h);
    glfwSwapBuffers(w.glfw);
}

// A locked profile and no passphrase given: the window asks for it before
// any node exists. true with keys once unlocked; false when the person quits.
bool unlock_in_window(Window& w, const std::filesystem::path& dir, std::shared_ptr<const core::UnlockedKeys>& keys) {
    hg::UnlockScreen screen;
    // The title says it: people (and the e2e test) see which screen is up.
    glfwSetWindowTitle(w.glfw, "Hallway (locked)");
    const auto wake = [] { glfwPostEmptyEvent(); };  // any thread may call it
    int frames_left = kSettleFrames;
    while (!glfwWindowShouldClose(w.glfw) && !w.quit) {
        wait_for_frame(w, frames_left, kTickSeconds);
        if (hg::poll_unlock(screen)) frames_left = kSettleFrames;
        if (screen.phase == hg::UnlockScreen::Phase::unlocked) {
            keys = std::move(screen.keys);
            glfwSetWindowTitle(w.glfw, "Hallway");
            return true;
        }
        if (screen.phase == hg::UnlockScreen::Phase::quit) break;
        // While a try runs there is no field: keys typed meanwhile wait until
        // it is back and has asked for the keyboard (focus is then false).
        if (screen.phase == hg::UnlockScreen::Phase::typing && !screen.focus && feed_input(w.glfw, w.input))
            frames_left = kSettleFrames;
        if (!w.shot.started()) w.shot.request(kScreenshotDelayFrames);
        begin_frame();
        hg::draw_unlock_screen(screen, dir, wake);
        present(w);
        if (frames_left > 0) --frames_left;
    }
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    Options opt;
    CLI::App cli{"Hallway: end-to-end encrypted chat on the local network (desktop window)", "hallway-gui"};
    // Parsed before any display is looked for, so it works on a headless machine.
    cli.set_version_flag("--version", hallway::kVersion, "Print the version and exit");
    cli.add_option("--profile", opt.profile, "Profile directory (default: $HALLWAY_PROFILE or ~/.local/share/hallway)");
    cli.add_option("--nick", opt.nick, "Display name (default: the remembered one, else your user name)");
    cli.add_option("--port", opt.port,
                   "TCP port to listen on (default: " + std::to_string(hallway::transport::wire::kDefaultPort) +
                       "; when that one is taken, any free port, and a notice says so; 0: any free port)");
    cli.add_option("--peer", opt.peers, "HOST:PORT of a peer to dial without mDNS (repeatable)");
    cli.add_flag("--no-mdns", opt.no_mdns, "Do not announce or browse with mDNS");
    cli.add_flag("--private", opt.private_mode,
                 "Private mode for this run: the mDNS record names nothing and only contacts are answered; "
                 "strangers cannot find you (someone must first exchange keys with you, once, in normal mode)");
    cli.add_flag("--bonjour", opt.bonjour,
                 "Link-local XMPP for this run: Pidgin/Adium \"Bonjour\" users on the LAN see you and can chat with you. "
                 "UNENCRYPTED and UNAUTHENTICATED (such buddies are marked so); off in private mode. The Settings "
                 "switch makes it last")
        ->excludes(cli.add_flag("--no-bonjour", opt.no_bonjour, "No link-local XMPP this run, whatever the setting"));
    cli.add_option("--xmpp-peer", opt.xmpp_peers,
                   "USER@HOST=HOST:PORT of a link-local XMPP buddy to reach without mDNS (repeatable)");
    cli.add_option("--screenshot", opt.screenshot,
                   "Write a PNG of the window to FILE once it is up, and again on each SIGUSR1");
    cli.add_option("--passphrase-fd", opt.passphrase_fd,
                   "Read a locked profile's passphrase from descriptor N (one line)");
    CLI11_PARSE(cli, argc, argv);

    std::string why;
    if (!have_display(why)) {
        std::fprintf(stderr, "hallway-gui: %s; use 'hallway chat' in a terminal\n", why.c_str());
        return 1;
    }

    core::NodeOptions node_options;
    node_options.profile_dir = opt.profile.empty() ? core::default_profile_dir() : std::filesystem::path(opt.profile);
    if (node_options.profile_dir.empty()) {
        std::fprintf(stderr, "hallway-gui: no profile directory known (HOME is not set); pass --profile DIR\n");
        glfwTerminate();
        return 1;
    }
    node_options.nick = opt.nick;
    node_options.port = opt.port;
    node_options.manual_peers = opt.peers;
    node_options.mdns = !opt.no_mdns;
    if (opt.private_mode) node_options.private_mode = true;
    if (opt.bonjour) node_options.bonjour = true;
    if (opt.no_bonjour) node_options.bonjour = false;
    node_options.link_local_peers = opt.xmpp_peers;
    if (opt.passphrase_fd && core::profile_is_locked(node_options.profile_dir)) {
        hallway::crypto::Passphrase pass;
        auto keys = std::make_shared<core::UnlockedKeys>();
        if (!core::read_passphrase_line(*opt.passphrase_fd, pass, why) ||
            core::unlock_profile(node_options.profile_dir, pass.view(), *keys, why) != core::UnlockError::ok) {
            std::fprintf(stderr, "hallway-gui: %s\n", why.c_str());
            glfwTerminate();
            return 1;
        }
        node_options.unlocked = std::move(keys);
    }

    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
    GLFWwindow* window = glfwCreateWindow(1000, 680, "Hallway", nullptr, nullptr);
    if (!window) {
        std::fprintf(stderr, "hallway-gui: cannot open a window with OpenGL 3 (%s)\n", glfw_error.c_str());
        glfwTerminate();
        return 1;
    }
    glfwMakeContextCurrent(window);
    glfwSwapInterval(1);

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;  // the layout is fixed; nothing to remember
    // A blinking caret would wake the loop twice a second forever; idle means idle.
    io.ConfigInputTextCursorBlink = false;
    ImGui::StyleColorsDark();
    const ImGuiStyle base_style = ImGui::GetStyle();
    ImGui_ImplGlfw_InitForOpenGL(window, false);
    ImGui_ImplOpenGL3_Init("#version 130");
    // The one way out once the window exists: every exit path tears it down alike.
    auto close_window = [window] {
        ImGui_ImplOpenGL3_Shutdown();
        ImGui_ImplGlfw_Shutdown();
        ImGui::DestroyContext();
        glfwDestroyWindow(window);
        glfwTerminate();
    };

    hg::Fonts fonts;
    float xscale = 1.0f, yscale = 1.0f;
    glfwGetWindowContentScale(window, &xscale, &yscale);
    fonts.content_scale = yscale;
    hg::rebuild_fonts(fonts, base_style);
    std::deque<hg::InputEvent> input;
    Dropped dropped;
    WindowHooks window_hooks{&fonts, &input, &dropped};
    glfwSetWindowUserPointer(window, &window_hooks);
    install_callbacks(window);

    App app;
    core::EventQueue queue;
    queue.set_waker([] { glfwPostEmptyEvent(); });

    // The network thread runs from here on, before any node: it carries the
    // signals while the unlock screen is up.
    asio::io_context net;
    // Signals reach the UI through the network thread: asio turns them into
    // handlers (its own self-pipe), which set a flag and wake the UI loop.
    std::atomic<bool> quit{false};
    std::atomic<bool> shot_requested{false};
    asio::signal_set quit_signals(net, SIGINT, SIGTERM);
    quit_signals.async_wait([&](const std::error_code& ec, int) {
        if (ec) return;
        quit = true;
        glfwPostEmptyEvent();
    });
    asio::signal_set shot_signal(net, SIGUSR1);
    std::function<void(const std::error_code&, int)> on_usr1 = [&](const std::error_code& ec, int) {
        if (ec) return;
        shot_requested = true;
        glfwPostEmptyEvent();
        shot_signal.async_wait(on_usr1);
    };
    if (!opt.screenshot.empty()) shot_signal.async_wait(on_usr1);

    auto work = asio::make_work_guard(net);
    std::thread network([&net] { net.run(); });
    // An exit before the node runs: the network thread has nothing to finish.
    auto stop_network = [&] {
        work.reset();
        net.stop();
        network.join();
    };

    hg::Screenshot shot(opt.screenshot);
    Window w{window, fonts, base_style, input, shot, quit, shot_requested};
    if (!node_options.unlocked && core::profile_is_locked(node_options.profile_dir) &&
        !unlock_in_window(w, node_options.profile_dir, node_options.unlocked)) {
        stop_network();
        close_window();
        return 0;
    }

    // The node is made and started on the network thread, which owns it.
    std::unique_ptr<core::Node> node;
    std::promise<std::string> made;  // why not; empty when it runs
    asio::post(net, [&] {
        std::string error;
        node = core::Node::create(net, node_options, error);
        if (node) {
            node->subscribe([&queue](const core::Event& e) { queue.push(e); });
            try {
                node->start();
            } catch (const std::system_error& e) {
                error = std::string("cannot listen: ") + e.what();
                node.reset();
            }
        }
        made.set_value(error);
    });
    if (const std::string error = made.get_future().get(); !error.empty()) {
        std::fprintf(stderr, "hallway-gui: %s\n", error.c_str());
        stop_network();
        close_window();
        return 1;
    }
    if (!fonts.dejavu_found())
        queue.push(core::Notice{core::Notice::Level::info, "DejaVu Sans not found (fonts-dejavu-core): using the built-in font, "
                                                           "which shows Latin text only."});

    // Its own thread and D-Bus connection: a slow notification server never stalls a frame.
    // Ended before glfwTerminate: its thread wakes the window with glfwPostEmptyEvent.
    auto notifier = std::make_unique<hg::DesktopNotifier>([] { glfwPostEmptyEvent(); });

    int frames_left = kSettleFrames;
    std::uint64_t incoming_seen = 0;
    std::string title = "Hallway";
    while (!glfwWindowShouldClose(window) && !quit) {
        wait_for_frame(w, frames_left, transfer_moving(app.model) ? kTransferTickSeconds : kTickSeconds);

        // Before draining: the new room's RoomChanged, pushed before the
        // promise was kept, is then in this frame's drain.
        if (app.created && app.created->wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
            if (auto id = app.created->get()) app.rooms.pending = *id;
            app.created.reset();
        }
        bool drained_any = false;
        const std::int64_t now_ms = wall_ms();
        const bool focused = glfwGetWindowAttrib(window, GLFW_FOCUSED) == GLFW_TRUE;
        for (auto& e : queue.drain()) {
            hg::apply(app.model, e, now_ms);
            notify_of(e, app.model, focused, *notifier);
            drained_any = true;
        }
        if (drained_any) frames_left = kSettleFrames;
        if (!drained_any && app.model.own && !shot.started()) shot.request(kScreenshotDelayFrames);
        if (app.safety && app.safety->wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
            std::string sn = app.safety->get();
            if (app.verify.peer && *app.verify.peer == app.safety_peer) app.verify.safety_number = std::move(sn);
            app.safety.reset();
        }

        if (app.model.incoming_count != incoming_seen) {
            if (!focused) glfwRequestWindowAttention(window);
            incoming_seen = app.model.incoming_count;
        }

        if (feed_input(window, input)) frames_left = kSettleFrames;
        begin_frame();
        hg::Commands commands;
        for (const auto& clicked : notifier->take_clicked()) open_notified(window, app, clicked, commands);
        app.conversations.window_focused = focused;
        draw(app, now_ms, commands);
        take_drop(dropped, app, commands);
        if (app.transfers.forget) hg::forget_transfer(app.model, *std::exchange(app.transfers.forget, std::nullopt));
        std::erase_if(app.openers, [](pid_t pid) { return waitpid(pid, nullptr, WNOHANG) != 0; });
        hg::handle_zoom_keys(fonts);
        // The conversation in front is being read: clear its unread count.
        if (focused && app.conversations.active && !app.rooms.active) {
            auto peer = app.model.peers.find(*app.conversations.active);
            auto conv = app.model.conversations.find(*app.conversations.active);
            if (peer != app.model.peers.end() && peer->second.unread > 0 && conv != app.model.conversations.end() &&
                conv->second.loaded) {
                hg::clear_unread(app.model, peer->first);
                commands.push_back(hg::MarkRead{peer->first});
            }
        }
        // Likewise the room on screen.
        if (focused && app.rooms.active) {
            auto room = app.model.rooms.find(*app.rooms.active);
            auto conv = app.model.room_conversations.find(*app.rooms.active);
            if (room != app.model.rooms.end() && room->second.unread > 0 && conv != app.model.room_conversations.end() &&
                conv->second.loaded) {
                hg::clear_room_unread(app.model, room->first);
                commands.push_back(hg::MarkRoomRead{room->first});
            }
        }
        present(w);

        for (auto& c : commands) dispatch(std::move(c), net, *node, queue, app);
        if (!commands.empty()) frames_left = kSettleFrames;
        const std::string new_title = hg::window_title(hg::total_unread(app.model));
        if (new_title != title) {
            title = new_title;
            glfwSetWindowTitle(window, title.c_str());
        }
        if (frames_left > 0) --frames_left;
    }

    notifier.reset();
    // Stop on the network thread; give the goodbyes a moment, then end the loop.
    asio::steady_timer grace(net);
    asio::post(net, [&] {
        node->stop();
        quit_signals.cancel();
        shot_signal.cancel();
        grace.expires_after(kStopGrace);
        grace.async_wait([&net](const std::error_code&) { net.stop(); });
    });
    work.reset();
    network.join();
    node.reset();

    close_window();
    return 0;
}
