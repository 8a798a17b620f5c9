// `hallway chat`: the network thread runs the node; this thread owns the
// terminal. Events arrive through the one EventQueue; a pipe wakes poll().
// With a terminal, GNU readline's callback mode keeps the line being typed
// intact while messages are printed above it.
#include "cli/chat.hpp"
#include "cli/format.hpp"
#include "core/control_files.hpp"
#include "core/search_query.hpp"
#include "crypto/identity.hpp"

#include <readline/history.h>
#include <readline/readline.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <future>
#include <iomanip>
#include <iostream>
#include <map>
#include <poll.h>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace hallway::cli {

using nlohmann::json;

namespace {

constexpr const char* kHelp =
    "Commands:\n"
    "  /msg NAME [TEXT]   talk to NAME (a display name or fingerprint prefix); TEXT sends at once\n"
    "  /msg #ROOM [TEXT]  talk in a room (its name or id prefix)\n"
    "  /rooms             list your rooms and invitations; /rooms open lists open rooms on the LAN\n"
    "  /join ROOM         accept an invitation or join an open room\n"
    "  /leave ROOM        leave a room or decline an invitation\n"
    "  /peers             list buddies\n"
    "  /history [NAME]    show the conversation\n"
    "  /search TEXT       find stored messages holding every word of TEXT (newest first)\n"
    "  /verify NAME       show the safety number; /verify NAME confirm marks NAME verified\n"
    "  /block NAME        refuse NAME from now on\n"
    "  /nick NAME         change your display name\n"
    "  /status available|away|busy [MESSAGE]\n"
    "  /send-file PATH... send files or folders to the current peer (\"quote\" paths with spaces)\n"
    "  /files             list file transfers\n"
    "  /accept ID [DIR]   accept a file offer (into DIR, else the download folder's Hallway/)\n"
    "  /decline ID        decline a file offer; /cancel ID stops a transfer; /resume ID after a full disk\n"
    "  /quit              leave (peers see you go at once)\n"
    "Your peer sees when you type and which of its texts you saw (read receipts: 'hallway read-receipts off'\n"
    "stops them both ways); \"(seen)\" says a peer saw yours.\n"
    "Buddies marked [unencrypted \u00b7 not verified] are link-local XMPP (Pidgin/Adium Bonjour, 'hallway bonjour'):\n"
    "anyone on the network can read that conversation and use that name.\n"
    "Anything else is sent to the current conversation.";

// Runs f on the network thread and waits for its result.
template <class F>
auto on_net(asio::io_context& io, F f) -> decltype(f()) {
    auto task = std::make_shared<std::packaged_task<decltype(f())()>>(std::move(f));
    auto result = task->get_future();
    asio::post(io, [task] { (*task)(); });
    return result.get();
}

class Chat {
public:
    Chat(asio::io_context& io, core::Node& node) : io_(io), node_(node) {}

    int run();

private:
    void print(const std::string& text);
    void on_line(const std::string& line);
    void send(const std::string& text);
    void command(const std::string& cmd, std::istringstream& rest);
    void send_files(std::istringstream& rest);
    void transfer_command(const std::string& cmd, const std::string& id, const std::string& dir);
    std::optional<core::PeerKey> resolve(const std::string& name);
    std::optional<core::RoomId> resolve_room(const std::string& name);
    // What the peer is: a link-local XMPP buddy is unencrypted (docs/PROTOCOL.md §15).
    core::PeerKind kind_of(const core::PeerKey& key);
    void drain_events();
    // Read receipts and typing (docs/PROTOCOL.md §14).
    void shown(const core::PeerKey& peer);
    void input_edited();
    void update_prompt();

    static Chat* current_;  // readline's C callback has no user pointer
    asio::io_context& io_;
    core::Node& node_;
    core::EventQueue events_;
    EventPrinter printer_{"/"};
    int wake_[2] = {-1, -1};
    bool tty_ = false;
    bool quit_ = false;
    bool in_handler_ = false;
    std::string target_name_;
    std::optional<core::PeerKey> target_;
    std::optional<core::RoomId> room_;  // the conversation is this room (target_ is then empty)
    std::string pending_input_;
    // What readline's buffer held after the last keystroke, and for whom.
    std::string last_input_;
    // Peers typing to us now: the prompt says so.
    std::vector<core::PeerKey> typing_;
    // Our recent texts by id, to say which one a peer saw.
    std::map<core::MessageId, std::string> sent_;
    static constexpr std::size_t kMaxRemembered = 256;
};

Chat* Chat::current_ = nullptr;

void Chat::print(const std::string& text) {
    // Inside the line handler readline is on a fresh line and shows its prompt
    // again when the handler returns: nothing to save or restore.
    if (!tty_ || in_handler_) {
        std::cout << text << std::endl;
        return;
    }
    // Save what is being typed, print above it, put it back.
    int point = rl_point;
    char* saved = rl_copy_text(0, rl_end);
    rl_save_prompt();
    rl_replace_line("", 0);
    rl_redisplay();
    std::printf("\r%s\n", text.c_str());
    rl_restore_prompt();
    rl_replace_line(saved, 0);
    rl_point = point;
    rl_redisplay();
    std::free(saved);
}

std::optional<core::RoomId> Chat::resolve_room(const std::string& name) {
    if (name.empty()) {
        print("! which room? (/rooms lists them)");
        return std::nullopt;
    }
    std::string error;
    auto id = on_net(io_, [&] { return node_.resolve_room(name, error); });
    if (!id) print("! " + sanitize(error));
    return id;
}

std::optional<core::PeerKey> Chat::resolve(const std::string& name) {
    std::string error;
    auto key = on_net(io_, [&] { return node_.resolve(name, error); });
    if (!key) print("! " + sanitize(error));
    return key;
}

core::PeerKind Chat::kind_of(const core::PeerKey& key) {
    return on_net(io_, [&] {
        for (auto& p : node_.peers())
            if (p.key == key) return p.encrypted ? p.kind : core::PeerKind::xmpp_link_local;
        return core::PeerKind::hallway;
    });
}

void Chat::send(const std::string& text) {
    if (room_) {
        std::string error;
        auto id = on_net(io_, [&] { return node_.send_room_text(*room_, text, error); });
        if (!id) print("! not sent: " + sanitize(error));
        else print("[" + format_time(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count()) +
                   "] #" + target_name_ + " <me> " + sanitize(text));
        return;
    }
    if (!target_) {
        print("! no conversation yet: /msg NAME first (/peers lists who is here)");
        return;
    }
    std::string error;
    bool online = false;
    bool plain = false;
    auto id = on_net(io_, [&] {
        for (auto& p : node_.peers())
            if (p.key == *target_) online = p.online, plain = !p.encrypted || p.kind != core::PeerKind::hallway;
        return node_.send_text(*target_, text, error);
    });
    if (id) {
        if (sent_.size() >= kMaxRemembered) sent_.erase(sent_.begin());
        sent_[*id] = text;
    }
    if (!id) print("! not sent: " + sanitize(error));
    else print("[" + format_time(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count()) +
               "] <me -> " + target_name_ + "> " + (plain ? std::string("[") + kUnencryptedBadge + "] " : std::string()) +
               sanitize(text) + (online ? "" : "  (queued: offline)"));
}

void Chat::send_files(std::istringstream& rest) {
    if (!target_) return print("! files go to one peer: /msg NAME first");
    std::vector<std::filesystem::path> paths;
    for (std::string p; rest >> std::quoted(p);) paths.push_back(std::filesystem::absolute(p).lexically_normal());
    if (paths.empty()) return print("! usage: /send-file PATH...");
    std::string error;
    auto id = on_net(io_, [&] { return node_.send_files(*target_, paths, error); });
    if (!id) return print("! not sent: " + sanitize(error));
    print("* " + std::to_string(*id) + ": preparing the offer to " + target_name_ + " (/cancel " + std::to_string(*id) + " stops it)");
}

void Chat::transfer_command(const std::string& cmd, const std::string& arg, const std::string& dir) {
    std::uint64_t id = 0;
    auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), id);
    if (arg.empty() || ec != std::errc() || end != arg.data() + arg.size())
        return print("! usage: " + cmd + " ID (/files lists them)");
    std::string error;
    const bool ok = on_net(io_, [&] {
        if (cmd == "/accept")
            return node_.accept_transfer(id, dir.empty() ? dir : std::filesystem::absolute(dir).string(), error);
        return cmd == "/decline" ? node_.decline_transfer(id, error)
               : cmd == "/cancel" ? node_.cancel_transfer(id, error)
                                  : node_.resume_transfer(id, error);
    });
    if (!ok) print("! " + sanitize(error));
}

void Chat::command(const std::string& cmd, std::istringstream& rest) {
    if (cmd == "/send-file") return send_files(rest);
    std::string arg;
    rest >> arg;
    std::string tail;
    std::getline(rest >> std::ws, tail);
    if (cmd == "/quit" || cmd == "/exit") {
        quit_ = true;
    } else if (cmd == "/help") {
        print(kHelp);
    } else if (cmd == "/peers") {
        auto peers = on_net(io_, [&] { return node_.peers(); });
        if (peers.empty()) print("No buddies yet.");
        for (auto& p : peers) print(describe_peer(p));
    } else if (cmd == "/msg" && !arg.empty() && arg.front() == '#') {
        auto room = resolve_room(arg);
        if (!room) return;
        room_ = room;
        target_.reset();
        target_name_ = printer_.room_name(*room);
        on_net(io_, [&] { node_.set_focus(std::nullopt); return true; });
        if (!tail.empty()) send(tail);
        else print("* talking in #" + target_name_);
    } else if (cmd == "/rooms") {
        if (arg == "open") {
            on_net(io_, [&] { node_.query_open_rooms(); return true; });
            print("* asking the peers here; open rooms are listed as they answer (/rooms open again to see them)");
            for (auto& r : on_net(io_, [&] { return node_.open_rooms(); }))
                print("#" + sanitize(r.name) + "  " + r.id_hex.substr(0, 8) + "  " + std::to_string(r.members) +
                      " members" + (r.joined ? "  (joined)" : "") + (r.topic.empty() ? "" : "  \"" + sanitize(r.topic) + "\""));
            return;
        }
        auto rooms = on_net(io_, [&] { return node_.rooms(); });
        if (rooms.empty()) print("No rooms yet.");
        for (auto& r : rooms)
            print("#" + sanitize(r.name) + "  " + r.id_hex.substr(0, 8) + "  " +
                  (r.membership == core::RoomMembership::invited
                       ? "invited by " + sanitize(r.invited_by_nick) + " (/join " + r.id_hex.substr(0, 8) + ")"
                   : r.membership == core::RoomMembership::left ? std::string("(left)")
                                                                 : std::to_string(r.members.size()) + " members") +
                  (r.unread ? "  " + std::to_string(r.unread) + " unread" : ""));
    } else if (cmd == "/join" || cmd == "/leave") {
        auto room = resolve_room(arg);
        if (!room) return;
        std::string error;
        bool ok = on_net(io_, [&] { return cmd == "/join" ? node_.join_room(*room, error) : node_.leave_room(*room, error); });
        if (!ok) return print("! " + sanitize(error));
        if (cmd == "/join") {
            // The inviter sends the room's log: a line typed before it arrives could not be sent.
            for (int i = 0; i < 50; ++i) {
                auto v = on_net(io_, [&] { return node_.room(*room); });
                if (v && !v->members.empty()) break;
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
            room_ = room;
            target_.reset();
            target_name_ = printer_.room_name(*room);
            print("* joined; talking in #" + target_name_);
        } else {
            if (room_ == room) room_.reset();
            print("* left");
        }
    } else if (cmd == "/msg") {
        if (arg.empty()) return print("! usage: /msg NAME [TEXT]");
        auto key = resolve(arg);
        if (!key) return;
        target_ = key;
        room_.reset();
        target_name_ = printer_.nick(*key);
        on_net(io_, [&] { node_.set_focus(*key); return true; });  // the conversation in the foreground
        shown(*key);  // its texts were printed as they came: opening it reads them
        // Said whenever the conversation is picked: it is not a Hallway session.
        if (kind_of(*key) != core::PeerKind::hallway)
            print("* " + target_name_ + " is a link-local XMPP (Bonjour) buddy [" + kUnencryptedBadge +
                  "]: anyone on the network can read this conversation and write as this name; texts are \"sent, "
                  "unconfirmed\" (no receipts), no files or rooms");
        if (!tail.empty()) send(tail);
        else print("* talking to " + target_name_);
    } else if (cmd == "/history") {
        auto key = arg.empty() ? target_ : resolve(arg);
        if (!key) return print("! usage: /history NAME");
        auto msgs = on_net(io_, [&] { return node_.history(*key, 50); });
        const core::PeerKind kind = kind_of(*key);
        const std::string badge =
            kind == core::PeerKind::hallway ? std::string() : std::string("[") + kUnencryptedBadge + "] ";
        for (auto& m : msgs)
            print("[" + format_time(m.received_at_ms) + "] " +
                  (m.direction == core::Direction::out ? "me" : printer_.nick(*key)) + ": " + badge + sanitize(m.body) +
                  (m.direction == core::Direction::out ? "  (" + delivery_word(m.state, kind, m.read_at_ms > 0) + ")" : ""));
        shown(*key);
    } else if (cmd == "/search") {
        const std::string text = tail.empty() ? arg : arg + " " + tail;
        std::string error;
        auto done = on_net(io_, [&] { return node_.search(text, std::nullopt, 20, error); });
        if (!done) return print("! " + sanitize(error));
        const auto words = core::search_words(text);
        for (auto it = done->hits.rbegin(); it != done->hits.rend(); ++it) print(search_hit_line(*it, words));
        print(done->hits.empty() ? std::string("* no message holds that")
                                 : "* " + std::to_string(done->hits.size()) + (done->more ? " newest hits" : " hits") +
                                       " (newest last)");
    } else if (cmd == "/verify") {
        auto key = resolve(arg);
        if (!key) return;
        if (kind_of(*key) != core::PeerKind::hallway)
            return print("! " + printer_.nick(*key) + " is a link-local XMPP (Bonjour) buddy: it has no key to verify [" +
                         kUnencryptedBadge + "]");
        if (tail == "confirm") on_net(io_, [&] { node_.set_trust(*key, core::Trust::verified); });
        auto number = on_net(io_, [&] { return node_.safety_number(*key); });
        print("Safety number with " + printer_.nick(*key) + " (compare it with theirs):");
        for (std::size_t row = 0; row < number.size(); row += 20)
            print("    " + crypto::format_digits(number.substr(row, 20)));
        print(tail == "confirm" ? "* marked as verified" : "* if it matches: /verify " + arg + " confirm");
    } else if (cmd == "/block") {
        auto key = resolve(arg);
        if (!key) return;
        on_net(io_, [&] { node_.set_trust(*key, core::Trust::blocked); });
        print("* blocked " + printer_.nick(*key));
    } else if (cmd == "/nick") {
        if (arg.empty()) return print("! usage: /nick NAME");
        std::string nick = tail.empty() ? arg : arg + " " + tail;
        std::string error;
        if (!on_net(io_, [&] { return node_.set_nick(nick, error); })) print("! name not changed: " + sanitize(error));
    } else if (cmd == "/files") {
        json list = json::array();
        for (auto& t : on_net(io_, [&] { return node_.transfers(); })) list.push_back(core::transfer_json(t));
        std::string table = transfers_table(list);
        table.pop_back();  // print ends the line
        print(list.empty() ? std::string("No transfers yet.") : table);
    } else if (cmd == "/accept" || cmd == "/decline" || cmd == "/cancel" || cmd == "/resume") {
        transfer_command(cmd, arg, tail);
    } else if (cmd == "/status") {
        if (arg != "available" && arg != "away" && arg != "busy")
            return print("! usage: /status available|away|busy [MESSAGE]");
        std::string error;
        if (!on_net(io_, [&] { return node_.set_presence(arg, tail, error); }))
            return print("! status not changed: " + sanitize(error));
        print("* status: " + arg + (tail.empty() ? "" : " \"" + sanitize(tail) + "\""));
    } else {
        print("! unknown command " + sanitize(cmd) + " (/help lists them)");
    }
}

void Chat::on_line(const std::string& line) {
    if (line.empty()) return;
    if (tty_) add_history(line.c_str());
    if (line[0] == '/') {
        std::istringstream in(line);
        std::string cmd;
        in >> cmd;
        command(cmd, in);
    } else {
        send(line);
    }
}

void Chat::shown(const core::PeerKey& peer) {
    asio::post(io_, [this, peer] { node_.mark_read(peer); });
}

// Called after every keystroke: the node hears each change of the buffer
// (it rate-limits what goes on the wire), for the one-to-one conversation only.
void Chat::input_edited() {
    const std::string now(rl_line_buffer ? rl_line_buffer : "", static_cast<std::size_t>(std::max(rl_end, 0)));
    if (now == last_input_) return;
    last_input_ = now;
    if (!target_ || room_ || (!now.empty() && now.front() == '/')) return;  // a command is not a text
    asio::post(io_, [this, peer = *target_, typing = !now.empty()] { node_.set_typing(peer, typing); });
}

// The prompt is the status line: "(ana is typing…) > " while a peer types.
void Chat::update_prompt() {
    std::string prompt;
    for (std::size_t i = 0; i < typing_.size(); ++i) prompt += (i ? ", " : "(") + printer_.nick(typing_[i]);
    if (!prompt.empty()) prompt += typing_.size() == 1 ? " is typing\u2026) " : " are typing\u2026) ";
    prompt += "> ";
    if (!tty_) return;
    rl_set_prompt(prompt.c_str());
    if (!in_handler_) rl_redisplay();
}

void Chat::drain_events() {
    char buf[256];
    while (::read(wake_[0], buf, sizeof buf) > 0) {
    }
    for (auto& e : events_.drain()) {
        if (auto line = printer_.line(e); !line.empty()) print(line);
        if (auto* m = std::get_if<core::MessageAdded>(&e);
            m && m->message.direction == core::Direction::in && target_ && m->message.peer == *target_ && !room_)
            shown(m->message.peer);  // printed in the conversation on screen: read
        if (auto* t = std::get_if<core::TypingChanged>(&e)) {
            const bool was = std::find(typing_.begin(), typing_.end(), t->peer) != typing_.end();
            if (t->typing == was) continue;
            if (t->typing) typing_.push_back(t->peer);
            else std::erase(typing_, t->peer);
            if (!tty_ && t->typing) print("* " + printer_.nick(t->peer) + " is typing\u2026");
            update_prompt();
        }
        if (auto* s = std::get_if<core::MessageStateChanged>(&e); s && s->read_at_ms > 0) {
            auto it = sent_.find(s->id);
            print("(seen) " + printer_.nick(s->peer) + " saw " +
                  (it == sent_.end() ? std::string("your message") : "\"" + sanitize(it->second) + "\""));
        }
    }
}

int Chat::run() {
    if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) {
        std::cerr << "hallway: cannot create a pipe\n";
        return kExitError;
    }
    int wake_write = wake_[1];
    events_.set_waker([wake_write] {
        char c = 1;
        [[maybe_unused]] auto n = ::write(wake_write, &c, 1);
    });
    node_.subscribe([this](const core::Event& e) { events_.push(e); });

    std::atomic<bool> interrupted{false};
    asio::signal_set signals(io_, SIGINT, SIGTERM);
    signals.async_wait([&](std::error_code ec, int) {
        if (ec) return;
        interrupted = true;
        char c = 1;
        [[maybe_unused]] auto n = ::write(wake_write, &c, 1);
    });
    auto guard = asio::make_work_guard(io_);
    std::thread net([this] { io_.run(); });

    tty_ = ::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO);
    std::cout << "Hallway chat. /help for commands, /quit to leave." << std::endl;
    if (tty_) {
        current_ = this;
        rl_callback_handler_install("> ", [](char* line) {
            if (!line) {
                current_->quit_ = true;
                return;
            }
            std::string l(line);
            std::free(line);
            current_->in_handler_ = true;
            current_->on_line(l);
            current_->in_handler_ = false;
        });
    }
    drain_events();
    while (!quit_ && !interrupted) {
        pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {wake_[0], POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (fds[1].revents) drain_events();
        if (fds[0].revents & (POLLIN | POLLHUP)) {
            if (tty_) {
                rl_callback_read_char();
                input_edited();
                continue;
            }
            char buf[4096];
            ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
            if (n <= 0) break;  // end of input: leave like /quit
            pending_input_.append(buf, static_cast<std::size_t>(n));
            for (auto nl = pending_input_.find('\n'); nl != std::string::npos && !quit_;
                 nl = pending_input_.find('\n')) {
                std::string line = pending_input_.substr(0, nl);
                pending_input_.erase(0, nl + 1);
                on_line(line);
            }
        }
    }
    if (tty_) {
        rl_callback_handler_remove();
        std::cout << std::endl;
    }
    on_net(io_, [&] { node_.stop("left the chat"); });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // let close frames leave
    drain_events();
    io_.stop();
    net.join();
    ::close(wake_[0]);
    ::close(wake_[1]);
    return kExitOk;
}

}  // namespace

int run_chat(asio::io_context& io, core::Node& node) {
    Chat chat(io, node);
    return chat.run();
}

}  // namespace hallway::cli
