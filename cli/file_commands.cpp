// File transfer subcommands (docs/CONTROL.md "Files"), asked of the running node.
#include "cli/commands.hpp"
#include "cli/format.hpp"
#include "cli/remote.hpp"
#include "core/control.hpp"

#include <chrono>
#include <filesystem>
#include <iostream>
#include <unistd.h>

namespace hallway::cli {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

// The node's working directory is not ours: it is given absolute paths.
std::string absolute_path(const std::string& p) {
    fs::path abs = fs::absolute(p).lexically_normal();
    if (!abs.has_filename() && abs.has_parent_path() && abs != abs.root_path()) abs = abs.parent_path();  // "dir/"
    return abs.string();
}

// Shows one transfer's events: on a terminal an updating progress line with
// the other events above it, else EventPrinter's few lines, or JSON lines.
class TransferWatch {
public:
    explicit TransferWatch(bool json)
        : json_(json), tty_(!json && ::isatty(STDOUT_FILENO)), printer_("hallway ", !tty_) {}

    void show(const json& transfer) {
        if (json_) {
            std::cout << core::dump_json(transfer) << std::endl;
            return;
        }
        const core::TransferView t = transfer_view(transfer);
        rate_.add(std::chrono::duration<double>(Clock::now() - start_).count(), t.bytes);
        const std::string said = printer_.line(core::TransferChanged{t});
        if (!tty_) {
            if (!said.empty()) std::cout << said << std::endl;
            return;
        }
        // A line (the start, a pause) takes the bar's place until the next event
        // draws it again; at the end the bar stays, the line goes below it.
        const bool ended = t.state == core::TransferState::done || t.state == core::TransferState::failed;
        if (t.state == core::TransferState::active || t.state == core::TransferState::done) {
            std::cout << "\r\x1b[K"
                      << progress_line(transfer_name(t.files, transfer.value("file_count", t.files.size())), t.bytes,
                                       t.total, rate_.rate());
            bar_shown_ = true;
        }
        if (ended && bar_shown_) std::cout << "\n";
        if (!said.empty()) {
            std::cout << "\r\x1b[K" << said << "\n";
            bar_shown_ = false;
        }
        std::cout << std::flush;
    }

private:
    bool json_;
    bool tty_;
    EventPrinter printer_;
    RateMeter rate_;
    bool bar_shown_ = false;  // the cursor is on the bar's line
    Clock::time_point start_ = Clock::now();
};

// Withdraws an unanswered offer on this connection (transfer events may come first).
void withdraw(core::ControlClient& client, std::uint64_t id) {
    std::string error;
    if (!client.send({{"cmd", "cancel"}, {"id", id}}, error)) return;
    json reply;
    while (client.receive(reply, std::chrono::seconds(10), error) && !reply.contains("ok")) {
    }
}

}  // namespace

int cmd_send_file(const Args& a) {
    json paths = json::array();
    for (auto& p : a.paths) paths.push_back(absolute_path(p));
    core::ControlClient client;
    json reply;
    if (int rc = ask(client, a, {{"cmd", "send_files"}, {"peer", a.peer}, {"paths", paths}, {"watch", true}}, reply))
        return rc;
    const std::uint64_t id = reply.value("id", std::uint64_t{0});
    TransferWatch watch(a.json);
    json transfer = reply.contains("transfer") ? reply["transfer"] : json{{"id", id}, {"state", "preparing"}};
    // The wait for an answer starts when the offer leaves (hashing a large file takes a while).
    std::optional<Clock::time_point> answer_by;
    const auto timeout = std::chrono::milliseconds(static_cast<std::int64_t>(a.answer_timeout * 1000));
    for (;;) {
        watch.show(transfer);
        const std::string state = transfer.value("state", std::string());
        if (state == "done") return kExitOk;
        if (state == "failed") {
            const std::string reason = transfer.value("reason", std::string());
            std::cerr << "hallway: transfer " << id << " failed: " << (reason.empty() ? "no reason given" : sanitize(reason))
                      << "\n";
            return kExitError;
        }
        if (state == "offered" && a.answer_timeout > 0 && !answer_by) answer_by = Clock::now() + timeout;
        if (state != "offered") answer_by.reset();
        json event;
        for (;;) {
            const auto wait = answer_by ? std::chrono::ceil<std::chrono::milliseconds>(*answer_by - Clock::now())
                                        : std::chrono::milliseconds(std::chrono::hours(1));
            if (wait.count() <= 0) {
                withdraw(client, id);
                std::cerr << "hallway: no answer within " << a.answer_timeout << " s; the offer is withdrawn\n";
                return kExitNotAccepted;
            }
            std::string error;
            const auto asked = Clock::now();
            if (client.receive(event, wait, error)) break;
            if (Clock::now() - asked >= wait) continue;  // the answer's deadline, or a long transfer: look again
            std::cerr << "hallway: " << error << " (transfer " << id << " goes on: 'hallway files')\n";
            return kExitError;
        }
        if (event.value("event", std::string()) == "transfer" && event.contains("transfer") &&
            event["transfer"].value("id", std::uint64_t{0}) == id)
            transfer = event["transfer"];
    }
}

int cmd_files(const Args& a) {
    json transfers = json::array();
    int rc = ask_pages(
        a, {{"cmd", "transfers"}}, "transfers",
        [](const json& reply, json& request) {
            request["offset"] = reply.value("next", std::uint64_t{0});
            return true;
        },
        [&](const json& t) { transfers.push_back(t); });
    if (rc) return rc;
    if (a.json) std::cout << core::dump_json(transfers) << "\n";
    else if (transfers.empty()) std::cout << "No transfers yet.\n";
    else std::cout << transfers_table(transfers);
    return kExitOk;
}

int cmd_transfer(const Args& a, const char* cmd) {
    json request{{"cmd", cmd}, {"id", a.transfer}};
    if (!a.to.empty()) request["to"] = absolute_path(a.to);
    json reply;
    if (int rc = ask(a, request, reply)) return rc;
    const std::string what = cmd;
    if (what == "accept") std::cout << "accepted; the files go to " << sanitize(reply.value("folder", std::string())) << "\n";
    else std::cout << (what == "decline" ? "declined" : what == "cancel" ? "cancelled" : "resumed") << "\n";
    return kExitOk;
}

int cmd_auto_accept(const Args& a) {
    const bool on = a.setting == "on";
    json reply;
    if (int rc = ask(a, {{"cmd", "auto_accept"}, {"peer", a.peer}, {"on", on}}, reply)) return rc;
    std::cout << (on ? "files from it are accepted without asking\n" : "its offers wait for your answer again\n");
    return kExitOk;
}

}  // namespace hallway::cli
