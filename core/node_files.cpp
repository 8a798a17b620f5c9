// The files service's port on the node (node_files.hpp) and the Node
// commands that go to it.
#include "core/node_files.hpp"
#include "core/node_xmpp.hpp"

#include "core/files/download_dir.hpp"

#include <asio/post.hpp>

#include <malloc.h>

#include <algorithm>
#include <system_error>

namespace hallway::core {

using namespace node_detail;
namespace fs = std::filesystem;

namespace {

// Progress reaches front ends at most this often per transfer: a bar moves
// smoothly, and a fast transfer does not flood the UI queue or the control socket.
constexpr auto kProgressInterval = std::chrono::milliseconds(250);
// Ended transfers still listed (hallway files, the window) this run.
constexpr std::size_t kEndedListed = 64;
// A files lane that could not be dialed is tried again after this.
constexpr auto kLaneRedial = std::chrono::seconds(2);

bool ended(TransferState s) { return s == TransferState::done || s == TransferState::failed; }

TransferState state_of(files::TransferEvent::Kind k, TransferState was) {
    using K = files::TransferEvent::Kind;
    switch (k) {
        case K::preparing: return TransferState::preparing;
        case K::offered: return TransferState::offered;
        case K::accepted: return TransferState::active;
        case K::progress: return was == TransferState::paused || was == TransferState::offered ? TransferState::active : was;
        case K::paused: return TransferState::paused;
        case K::done: return TransferState::done;
        case K::failed: return TransferState::failed;
    }
    return was;
}

std::vector<TransferFileView> file_views(const files::Offer& offer) {
    std::vector<TransferFileView> out;
    for (auto& e : offer.entries) out.push_back({e.path, e.size, e.dir});
    return out;
}

// The name a top-level path is offered under (a trailing slash names its folder).
std::string top_name(const fs::path& p) {
    auto name = p.filename();
    if (name.empty()) name = p.parent_path().filename();
    return name.string();
}

// The entries of one path the person named: a file, or a folder and what is
// inside it (symlinks and special files inside are skipped, never followed).
bool collect(const fs::path& path, std::vector<files::Outgoing>& out, std::string& error) {
    std::error_code ec;
    const fs::path abs = fs::absolute(path, ec);
    const auto st = fs::status(abs, ec);
    const std::string name = top_name(abs);
    auto too_many = [&] {
        error = "more than " + std::to_string(files::kMaxEntries) + " files and folders: send them in parts";
        return false;
    };
    if (ec || !fs::exists(st)) {
        error = "cannot read " + path.string() + (ec ? ": " + ec.message() : "");
        return false;
    }
    if (fs::is_regular_file(st)) {
        // The person named it: a symlink they name is followed here, once
        // (the service opens sources with O_NOFOLLOW).
        out.push_back({fs::canonical(abs, ec).string(), name, false});
        return out.size() <= files::kMaxEntries || too_many();
    }
    if (!fs::is_directory(st)) {
        error = path.string() + " is neither a file nor a folder";
        return false;
    }
    out.push_back({{}, name, true});
    fs::recursive_directory_iterator it(abs, fs::directory_options::none, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
        const auto s = it->symlink_status(ec);
        if (ec) break;
        const std::string rel = name + "/" + fs::relative(it->path(), abs, ec).generic_string();
        if (fs::is_directory(s))
            out.push_back({{}, rel, true});
        else if (fs::is_regular_file(s))
            out.push_back({it->path().string(), rel, false});
        if (out.size() > files::kMaxEntries) return too_many();
    }
    if (ec) {
        error = "cannot read " + path.string() + ": " + ec.message();
        return false;
    }
    return true;
}

}  // namespace

namespace {
// A files lane joins each chunk message in a fresh 1 MiB buffer. By default
// glibc hands the freed top of its heap back to the kernel (brk) each time,
// so every buffer is faulted in and zeroed again, and each return flushes the
// TLB of the other core too: 23 % of a receiving network thread (perf during
// scripts/bench_files). Keeping up to 64 MiB of freed heap, and taking such
// buffers from the heap rather than mmap, ends that churn.
void keep_freed_heap() {
#ifdef __GLIBC__
    static const bool once = [] {
        mallopt(M_MMAP_THRESHOLD, 4 << 20);
        mallopt(M_TRIM_THRESHOLD, 64 << 20);
        return true;
    }();
    (void)once;
#endif
}
}  // namespace

Node::Impl::Files::Files(Node::Impl& n) : node(n), transfers(n.rng, *this) { keep_freed_heap(); }

Node::Impl::Files::~Files() {
    // A hash in progress finishes; what it would do next is dropped.
    hashing.stop();
    hashing.join();
    alive.reset();
}

bool Node::Impl::Files::has_session(const PeerKey& peer) const {
    return node.transport && node.transport->has_files_session(peer);
}

bool Node::Impl::Files::send(const PeerKey& peer, std::span<const std::uint8_t> message) {
    if (!node.transport) return false;
    const auto r = node.transport->send_file(peer, message);
    // A full queue means the receiver asks for more than it reads: the lane
    // starts over (both sides forget what was asked, and ask again on the next).
    if (r == transport::SendResult::backpressure) node.transport->close_files(peer, "write queue full");
    return r == transport::SendResult::sent;
}

void Node::Impl::Files::reach(const PeerKey& peer) {
    if (!node.transport || node.stopped || has_session(peer)) return;
    const auto now = std::chrono::steady_clock::now();
    auto& next = next_lane_dial[peer];
    if (now < next) {
        node.wake_maintenance();  // keep_lanes comes back for it
        return;
    }
    next = now + kLaneRedial;
    auto it = node.live.find(peer);
    if (it != node.live.end() && !it->second.addresses.empty())
        node.transport->dial(it->second.addresses.front(), peer, transport::Lane::files, node.handshake_for(peer));
    else if (auto back = dial_back.find(peer); back != dial_back.end())
        node.transport->dial(back->second, peer, transport::Lane::files, node.handshake_for(peer));
    // Else nowhere to dial: the peer dials the lane itself, as it has work too.
}

bool Node::Impl::Files::blocked(const PeerKey& peer) const {
    auto c = node.store->contact(peer);
    return c && c->trust == Trust::blocked;
}

void Node::Impl::Files::emit(const files::TransferEvent& e) {
    using K = files::TransferEvent::Kind;
    const bool fresh = !views.count(e.handle);
    TransferView& v = views[e.handle];
    const TransferState was = v.state;
    v.id = e.handle;
    v.peer = e.peer;
    v.direction = e.direction;
    if (fresh) {
        auto c = node.store->contact(e.peer);
        v.peer_nick = c ? c->nick : std::string();
    }
    if (!e.offer.entries.empty()) v.files = file_views(e.offer);
    if (!e.dir.empty()) v.folder = e.dir;
    v.state = state_of(e.kind, fresh ? TransferState::preparing : was);
    v.bytes = e.bytes;
    v.total = e.total;
    if (e.kind == K::paused || e.kind == K::failed) v.reason = e.reason;
    else if (v.state == TransferState::active) v.reason.clear();

    const auto now = std::chrono::steady_clock::now();
    if (e.kind == K::progress && !fresh && was == v.state && v.bytes < v.total) {
        auto& shown = shown_progress[e.handle];
        if (now - shown < kProgressInterval) return;
        shown = now;
    }
    node.emit(TransferChanged{v});
    if (ended(v.state)) {
        shown_progress.erase(e.handle);
        forget_ended();
    }
    if (was != v.state || fresh) node.pending_changed(e.peer);
    // Offers from a verified contact the person marked are taken at once,
    // after the service has finished with this event.
    if (e.kind == K::offered && e.direction == Direction::in) {
        auto c = node.store->contact(e.peer);
        if (c && c->trust == Trust::verified && c->auto_accept_files)
            asio::post(node.io, [this, h = e.handle, weak = std::weak_ptr<bool>(alive)] {
                if (!weak.lock()) return;
                std::string error;
                if (!accept(h, {}, error)) node.notice(Notice::Level::warning, "Could not accept files: " + error);
            });
    }
}

void Node::Impl::Files::forget_ended() {
    std::size_t n = 0;
    for (auto& [h, v] : views) n += ended(v.state);
    for (auto it = views.begin(); n > kEndedListed && it != views.end();) {
        if (ended(it->second.state)) {
            it = views.erase(it);
            --n;
        } else {
            ++it;
        }
    }
}

void Node::Impl::Files::background(std::function<void()> work, std::function<void()> then) {
    asio::post(hashing, [work = std::move(work), then = std::move(then), &io = node.io,
                         weak = std::weak_ptr<bool>(alive)]() mutable {
        work();
        asio::post(io, [then = std::move(then), weak] {
            if (weak.lock()) then();
        });
    });
}

void Node::Impl::Files::on_lane_up(const transport::SessionInfo& info) {
    // A lane only for peers met on the chat lane: they are contacts with a
    // name, and blocking them (accept_peer) covers both lanes.
    if (!node.store->contact(info.peer)) {
        node.transport->close_files(info.peer, "no chat session");
        return;
    }
    next_lane_dial.erase(info.peer);
    node.transport->set_files_liveness(info.peer, {transport::Keepalive::fast, !busy(info.peer)});
    // A simultaneous dial replaced the lane without a down: what was asked on
    // the loser may be lost, so both sides forget it and ask again.
    if (!lanes_up.insert(info.peer).second) transfers.on_session_down(info.peer);
    transfers.on_session_up(info.peer);
}

void Node::Impl::Files::on_lane_down(const PeerKey& peer) {
    lanes_up.erase(peer);
    transfers.on_session_down(peer);
    if (busy(peer)) node.wake_maintenance();
}

bool Node::Impl::Files::busy(const PeerKey& peer) const {
    if (transfers.pending(peer)) return true;
    return std::any_of(views.begin(), views.end(), [&](const auto& kv) {
        return kv.second.peer == peer && !ended(kv.second.state) && kv.second.state != TransferState::paused;
    });
}

bool Node::Impl::Files::keep_lanes(std::chrono::steady_clock::time_point now) {
    bool wanted = false;
    std::set<PeerKey> peers;
    for (auto& [h, v] : views)
        if (!ended(v.state) && v.state != TransferState::paused) peers.insert(v.peer);
    for (auto& peer : peers) {
        if (has_session(peer)) {
            node.transport->set_files_liveness(peer, {transport::Keepalive::fast, false});
            continue;
        }
        // Offline: its chat session coming back brings it (on_session_up).
        if (!node.presence->online(peer)) continue;
        wanted = true;
        if (now >= next_lane_dial[peer]) reach(peer);
    }
    return wanted;
}

std::optional<files::Handle> Node::Impl::Files::send_files(const PeerKey& peer, const std::vector<fs::path>& paths,
                                                           std::string& error) {
    auto c = node.store->contact(peer);
    if (!c) {
        error = "unknown peer";
        return std::nullopt;
    }
    if (c->trust == Trust::blocked || !node.may_send_to(peer)) {
        error = c->trust == Trust::blocked ? "the peer is blocked"
                                           : "its name is a verified contact's: verify or trust it first";
        return std::nullopt;
    }
    if (!c->files) {
        error = "\"" + c->nick + "\" cannot receive files (an older Hallway, or never met)";
        return std::nullopt;
    }
    if (paths.empty()) {
        error = "no files given";
        return std::nullopt;
    }
    std::vector<files::Outgoing> entries;
    std::set<std::string> tops;
    for (auto& p : paths) {
        const std::size_t first = entries.size();
        if (!collect(p, entries, error)) return std::nullopt;
        if (!tops.insert(entries[first].path).second) {
            error = "two of the paths are named \"" + entries[first].path + "\"";
            return std::nullopt;
        }
    }
    return transfers.offer(peer, entries, error);
}

bool Node::Impl::Files::accept(files::Handle h, fs::path dir, std::string& error) {
    if (dir.empty()) dir = node.download_dir();
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir, ec)) {
        error = "cannot make the folder " + dir.string() + (ec ? ": " + ec.message() : "");
        return false;
    }
    if (!transfers.accept(h, fs::absolute(dir).lexically_normal().string(), error)) return false;
    if (auto it = views.find(h); it != views.end()) it->second.folder = dir.string();
    return true;
}

// ---- persistence: the store's rows <-> the service's saved transfers --------

void Node::Impl::Files::save(const files::SavedIncoming& t) {
    StoredTransfer row;
    row.peer = t.peer;
    row.direction = Direction::in;
    row.id = t.id;
    row.state = t.state == files::SavedIncoming::State::offered  ? TransferRowState::offered
                : t.state == files::SavedIncoming::State::active ? TransferRowState::active
                                                                 : TransferRowState::paused;
    row.offer = t.offer;
    row.dir = t.dir;
    row.reason = t.reason;
    for (auto& f : t.files) row.files.push_back({f.target, {}, f.bitmap, f.done});
    if (node.store->save_transfer(row, node_detail::now_ms()) != StoreError::ok)
        node.notice(Notice::Level::warning, "Could not save a transfer's progress: " + node.store->last_error());
}

void Node::Impl::Files::forget(const PeerKey& peer, const files::TransferId& id) {
    node.store->forget_transfer(peer, Direction::in, id);
}

void Node::Impl::Files::save_out(const files::SavedOutgoing& t) {
    StoredTransfer row;
    row.peer = t.peer;
    row.direction = Direction::out;
    row.id = t.id;
    row.state = t.accepted ? TransferRowState::active : TransferRowState::offered;
    row.offer = t.offer;
    for (auto& source : t.sources) row.files.push_back({{}, source, {}, false});
    if (node.store->save_transfer(row, node_detail::now_ms()) != StoreError::ok)
        node.notice(Notice::Level::warning, "Could not save a transfer: " + node.store->last_error());
}

void Node::Impl::Files::forget_out(const PeerKey& peer, const files::TransferId& id) {
    node.store->forget_transfer(peer, Direction::out, id);
}

std::vector<files::SavedOutgoing> Node::Impl::Files::load_out() {
    std::vector<files::SavedOutgoing> out;
    for (auto& row : node.store->transfers()) {
        if (row.direction != Direction::out) continue;
        files::SavedOutgoing s;
        s.peer = row.peer;
        s.id = row.id;
        s.offer = std::move(row.offer);
        s.accepted = row.state != TransferRowState::offered;
        for (auto& f : row.files) s.sources.push_back(std::move(f.source));
        out.push_back(std::move(s));
    }
    return out;
}

std::vector<files::SavedIncoming> Node::Impl::Files::load() {
    std::vector<files::SavedIncoming> out;
    for (auto& row : node.store->transfers()) {
        if (row.direction != Direction::in) continue;
        files::SavedIncoming s;
        s.peer = row.peer;
        s.id = row.id;
        s.offer = std::move(row.offer);
        s.state = row.state == TransferRowState::offered  ? files::SavedIncoming::State::offered
                  : row.state == TransferRowState::active ? files::SavedIncoming::State::active
                                                          : files::SavedIncoming::State::paused;
        s.dir = std::move(row.dir);
        s.reason = std::move(row.reason);
        for (auto& f : row.files) s.files.push_back({std::move(f.target), std::move(f.bitmap), f.done});
        out.push_back(std::move(s));
    }
    return out;
}

// ---- Node commands ------------------------------------------------------------

std::optional<std::uint64_t> Node::send_files(const PeerKey& peer, const std::vector<fs::path>& paths,
                                              std::string& error) {
    if (impl_->is_link_local(peer)) {
        error = link_local_refusal(impl_->bridge->view(peer).nick, "files cannot be sent to it");
        return std::nullopt;
    }
    return impl_->files->send_files(peer, paths, error);
}
bool Node::accept_transfer(std::uint64_t id, const fs::path& dir, std::string& error) {
    return impl_->files->accept(id, dir, error);
}
bool Node::decline_transfer(std::uint64_t id, std::string& error) { return impl_->files->transfers.decline(id, error); }
bool Node::cancel_transfer(std::uint64_t id, std::string& error) { return impl_->files->transfers.cancel(id, error); }
bool Node::resume_transfer(std::uint64_t id, std::string& error) { return impl_->files->transfers.resume(id, error); }

std::vector<TransferView> Node::transfers() const {
    std::vector<TransferView> out;
    for (auto& [h, v] : impl_->files->views) out.push_back(v);
    return out;
}

bool Node::set_auto_accept_files(const PeerKey& peer, bool on, std::string& error) {
    Impl& d = *impl_;
    if (d.is_link_local(peer)) {
        error = link_local_refusal(d.bridge->view(peer).nick, "its files cannot be accepted unasked");
        return false;
    }
    auto c = d.store->contact(peer);
    if (!c) {
        error = "unknown peer";
        return false;
    }
    if (on && c->trust != Trust::verified) {
        error = "only a verified contact's files can be accepted automatically: compare safety numbers first";
        return false;
    }
    if (d.store->set_auto_accept_files(peer, on) != StoreError::ok) {
        error = "could not save: " + d.store->last_error();
        return false;
    }
    d.peer_changed(peer);
    return true;
}

fs::path Node::download_dir() const { return impl_->download_dir(); }

fs::path Node::Impl::download_dir() const {
    return options.download_dir.empty() ? files::download_dir() : options.download_dir;
}

std::string_view to_string(TransferState s) {
    switch (s) {
        case TransferState::preparing: return "preparing";
        case TransferState::offered: return "offered";
        case TransferState::active: return "active";
        case TransferState::paused: return "paused";
        case TransferState::done: return "done";
        case TransferState::failed: return "failed";
    }
    return "unknown";
}

}  // namespace hallway::core
