#include "core/files/transfers.hpp"

#include "core/files/file_name.hpp"

#include <algorithm>
#include <type_traits>

namespace hallway::core::files {

using Bytes = std::vector<std::uint8_t>;
using State = SavedIncoming::State;
using Kind = TransferEvent::Kind;

struct Transfers::In {
    struct File {
        std::string target;              // under dir
        std::optional<ReceiveState> rs;  // files only
        std::shared_ptr<PartFile> part;  // open while the file arrives
        Bytes bitmap;                    // rs->save() at the last save
        std::size_t unsaved = 0;         // chunks written since the last save
        // The bytes written since the last write-back: [dirty_from, dirty_to).
        std::uint64_t dirty_from = UINT64_MAX, dirty_to = 0;
        bool verifying = false;          // complete; synced (and hashed again) in background
        // Chunks of it were written by an earlier run: its saves may name
        // chunks a power loss took, so the whole file is hashed again.
        bool restored = false;
        bool done = false;
    };
    Handle handle = 0;
    PeerKey peer{};
    Offer offer;
    Bytes offer_bytes;
    State state = State::offered;
    std::string dir, reason;
    std::vector<File> files;
    std::size_t current = 0;  // files are pulled one after the other

    // Under dir, as FileSystem takes it.
    std::string part(std::size_t i) const { return files[i].target + std::string(kPartSuffix); }
    // For people: errors name the whole path.
    std::string shown(std::string_view rel) const { return dir + "/" + std::string(rel); }
    FileSpec spec(std::size_t i) const {
        const OfferEntry& e = offer.entries[i];
        return {e.size, offer.chunk_size, e.root};
    }
    std::uint64_t received() const {
        std::uint64_t n = 0;
        for (std::size_t i = 0; i < files.size(); ++i)
            if (files[i].rs) n += files[i].done ? offer.entries[i].size : files[i].rs->committed_bytes();
        return n;
    }
};

struct Transfers::Out {
    Handle handle = 0;
    PeerKey peer{};
    Offer offer;
    std::vector<std::string> sources;
    std::vector<std::optional<Tree>> trees;        // files only
    std::vector<std::optional<SendState>> states;  // files only, once ready
    bool sent_offer = false;  // false while offer() hashes: the peer knows nothing yet
    bool ready = false;       // trees built (hashing again after a restart)
    bool accepted = false;
    std::vector<FileGet> held;  // while not ready, at most kMaxHeldGets
    std::uint64_t sent = 0;
};

namespace {

std::uint64_t total_size(const Offer& o) {
    std::uint64_t n = 0;
    for (const auto& e : o.entries) n += e.size;
    return n;
}

// The root of what a file holds now, read chunk by chunk; nullopt when it
// cannot be read whole (shorter than size, gone).
std::optional<Hash> hash_file(ReadFile& f, std::uint64_t size, std::uint32_t chunk_size, std::vector<Hash>* leaves) {
    TreeHasher t;
    Bytes buf;
    for (std::uint64_t i = 0; i < chunk_count(size, chunk_size); ++i) {
        buf.resize(chunk_length(size, chunk_size, i));
        if (!f.read(i * chunk_size, buf)) return std::nullopt;
        t.add(buf);
        if (leaves) leaves->push_back(leaf_hash(buf));
    }
    return t.root();
}

// Makes the folders of rel under dir, one component at a time.
bool make_dirs(FileSystem& fs, const std::string& dir, const std::string& rel, bool last_too) {
    for (std::size_t slash = rel.find('/'); slash != std::string::npos; slash = rel.find('/', slash + 1))
        if (!fs.make_dir(dir, rel.substr(0, slash))) return false;
    return !last_too || fs.make_dir(dir, rel);
}

// A name for leaf in the folder `prefix` ("" or "a/b/") under dir that neither
// it nor its .part takes.
std::optional<std::string> free_name(FileSystem& fs, const std::string& dir, const std::string& prefix,
                                     std::string_view leaf) {
    return unique_name(leaf, [&](std::string_view n) {
        const std::string p = prefix + std::string(n);
        return fs.exists(dir, p) || fs.exists(dir, p + std::string(kPartSuffix));
    });
}

// What hashing the sources found, off the network thread.
struct Hashed {
    std::vector<std::optional<Tree>> trees;  // per entry, files only
    std::vector<std::uint64_t> sizes;
    std::optional<std::size_t> bad;  // the entry that could not be read whole
};

}  // namespace

Transfers::Transfers(crypto::Rng rng, FilesPort& port) : rng_(std::move(rng)), port_(port) {}
Transfers::~Transfers() = default;

Transfers::In* Transfers::find_in(const PeerKey& peer, const TransferId& id) {
    for (auto& [h, t] : in_)
        if (t->peer == peer && t->offer.id == id) return t.get();
    return nullptr;
}

Transfers::Out* Transfers::find_out(const PeerKey& peer, const TransferId& id) {
    for (auto& [h, t] : out_)
        if (t->peer == peer && t->offer.id == id) return t.get();
    return nullptr;
}

void Transfers::emit(Kind kind, Handle h, const PeerKey& peer, Direction d, std::string reason) {
    TransferEvent e;
    e.kind = kind;
    e.handle = h;
    e.peer = peer;
    e.direction = d;
    e.reason = std::move(reason);
    if (d == Direction::in) {
        const In& t = *in_.at(h);
        // What a front end needs to show it: at the offer, and when load() brings it back.
        if (kind == Kind::offered || kind == Kind::accepted || kind == Kind::paused) e.offer = t.offer;
        e.dir = t.dir;
        e.bytes = t.received();
        e.total = total_size(t.offer);
    } else {
        const Out& t = *out_.at(h);
        if (kind == Kind::preparing || kind == Kind::offered) e.offer = t.offer;
        e.total = total_size(t.offer);
        e.bytes = std::min(t.sent, e.total);
    }
    port_.emit(e);
}

void Transfers::deliver(const PeerKey& peer, const FileMessage& m) {
    Bytes bytes = encode_file_message(m);
    if (bytes.empty()) return;
    auto& queue = queued_[peer];
    if (queue.empty() && port_.has_session(peer) && port_.send(peer, bytes)) {
        queued_.erase(peer);
        return;
    }
    if (queue.size() < kMaxQueuedPerPeer) queue.push_back(std::move(bytes));
    port_.reach(peer);
}

void Transfers::persist(const In& t) {
    SavedIncoming s;
    s.peer = t.peer;
    s.id = t.offer.id;
    s.offer = t.offer_bytes;
    s.state = t.state;
    s.dir = t.dir;
    s.reason = t.reason;
    for (const auto& f : t.files) s.files.push_back({f.target, f.bitmap, f.done});
    port_.save(s);
}

void Transfers::persist(const Out& t) { port_.save_out({t.peer, t.offer.id, encode_offer(t.offer), t.sources, t.accepted}); }

// --- Loading

void Transfers::load() {
    for (SavedIncoming& s : port_.load()) {
        auto offer = decode_offer(s.offer);
        if (!offer || (s.state != State::offered && s.files.size() != offer->entries.size())) {
            if (offer) port_.forget(s.peer, offer->id);
            continue;
        }
        auto t = std::make_unique<In>();
        t->handle = next_++;
        t->peer = s.peer;
        t->offer = std::move(*offer);
        t->offer_bytes = std::move(s.offer);
        t->state = s.state;
        t->dir = std::move(s.dir);
        t->reason = std::move(s.reason);
        In& in = *t;
        in_[in.handle] = std::move(t);
        if (in.state == State::offered) {
            emit(Kind::offered, in.handle, in.peer, Direction::in);
            continue;
        }
        for (std::size_t i = 0; i < s.files.size(); ++i) {
            In::File f;
            f.target = std::move(s.files[i].target);
            f.done = s.files[i].done;
            in.files.push_back(std::move(f));
            if (in.offer.entries[i].dir) continue;
            In::File& file = in.files.back();
            if (!s.files[i].bitmap.empty()) file.rs = ReceiveState::restore(in.spec(i), s.files[i].bitmap);
            if (file.rs) {
                file.bitmap = std::move(s.files[i].bitmap);
                file.restored = true;
            }
            if (file.done) continue;
            file.part = port_.fs().open_part(in.dir, in.part(i), false);
            // The .part is gone or the state unreadable: the file starts over.
            if (!file.part) file.part = port_.fs().open_part(in.dir, in.part(i), true);
            if (!file.part || !file.rs) {
                file.rs.emplace(in.spec(i));
                file.bitmap.clear();
            }
        }
        if (in.state == State::paused) {
            emit(Kind::paused, in.handle, in.peer, Direction::in, in.reason);
        } else {
            emit(Kind::accepted, in.handle, in.peer, Direction::in);
            pull(in);
        }
    }
    for (SavedOutgoing& s : port_.load_out()) {
        auto offer = decode_offer(s.offer);
        if (!offer || s.sources.size() != offer->entries.size()) {
            if (offer) port_.forget_out(s.peer, offer->id);
            continue;
        }
        auto t = std::make_unique<Out>();
        t->handle = next_++;
        t->peer = s.peer;
        t->offer = std::move(*offer);
        t->sources = std::move(s.sources);
        t->trees.resize(t->sources.size());
        t->states.resize(t->sources.size());
        t->sent_offer = true;
        t->accepted = s.accepted;
        Out& out = *t;
        out_[out.handle] = std::move(t);
        emit(Kind::preparing, out.handle, out.peer, Direction::out);
        hash_out(out);
    }
}

// --- Sending

std::optional<Handle> Transfers::offer(const PeerKey& peer, const std::vector<Outgoing>& entries, std::string& error) {
    if (entries.empty() || entries.size() > kMaxEntries) {
        error = "an offer holds 1 to " + std::to_string(kMaxEntries) + " entries";
        return std::nullopt;
    }
    auto t = std::make_unique<Out>();
    std::uint64_t largest = 0;
    for (const Outgoing& e : entries) {
        if (safe_relative_path(e.path) != e.path) {
            error = "not a path the receiver keeps as is: " + e.path;
            return std::nullopt;
        }
        OfferEntry entry{e.path, e.dir, 0, {}};
        if (!e.dir) {
            // Opened now for the errors a person should see at once; hashed later.
            const auto f = port_.fs().open_read(e.source);
            if (!f) {
                error = "cannot read " + e.source;
                return std::nullopt;
            }
            entry.size = f->size();
            largest = std::max(largest, entry.size);
        }
        t->offer.entries.push_back(std::move(entry));
        t->sources.push_back(e.dir ? std::string() : e.source);
    }
    const auto chunk = chunk_size_for(largest);
    if (!chunk) {
        error = "a file is over the 512 GiB limit";
        return std::nullopt;
    }
    t->offer.chunk_size = *chunk;
    t->trees.resize(entries.size());
    t->states.resize(entries.size());
    rng_(t->offer.id);
    // The roots are not known yet; their 32 bytes each do not change the verdict.
    if (encode_offer(t->offer).empty()) {
        error = "the offer is refused: a repeated path, an entry inside a file, or over the 1 MiB message";
        return std::nullopt;
    }
    t->handle = next_++;
    t->peer = peer;
    const Handle h = t->handle;
    Out& out = *t;
    out_[h] = std::move(t);
    emit(Kind::preparing, h, peer, Direction::out);
    hash_out(out);
    return h;
}

void Transfers::hash_out(Out& t) {
    auto result = std::make_shared<Hashed>();
    std::vector<bool> dirs;
    for (const auto& e : t.offer.entries) dirs.push_back(e.dir);
    port_.background(
        [result, dirs, sources = t.sources, chunk = t.offer.chunk_size, fs = &port_.fs()] {
            for (std::size_t i = 0; i < sources.size(); ++i) {
                result->trees.emplace_back();
                result->sizes.push_back(0);
                if (dirs[i]) continue;
                const auto f = fs->open_read(sources[i]);
                std::vector<Hash> leaves;
                // Grown past what its chunk size can carry: unreadable as offered.
                if (!f || f->size() > std::uint64_t{chunk} * kMaxChunks ||
                    !hash_file(*f, f->size(), chunk, &leaves)) {
                    result->bad = i;
                    return;
                }
                result->sizes.back() = f->size();
                result->trees.back().emplace(std::move(leaves));
            }
        },
        [this, alive = std::weak_ptr<const bool>(alive_), h = t.handle, result] {
            if (alive.expired()) return;
            const auto it = out_.find(h);
            if (it == out_.end()) return;  // cancelled meanwhile
            Out& t = *it->second;
            Hashed& r = *result;
            const auto changed = [&](std::size_t i) {
                deliver(t.peer, FileCancel{t.offer.id, "file changed"});
                end_out(h, Kind::failed, "file changed: " + t.sources[i]);
            };
            if (r.bad && !t.sent_offer) return end_out(h, Kind::failed, "cannot read " + t.sources[*r.bad]);
            if (r.bad) return changed(*r.bad);
            for (std::size_t i = 0; i < r.trees.size(); ++i) {
                if (!r.trees[i]) continue;
                OfferEntry& e = t.offer.entries[i];
                if (t.sent_offer && (e.size != r.sizes[i] || e.root != r.trees[i]->root())) return changed(i);
                e.size = r.sizes[i];
                e.root = r.trees[i]->root();
                t.trees[i] = std::move(r.trees[i]);
                t.states[i].emplace(e.size, t.offer.chunk_size);
            }
            t.ready = true;
            if (!t.sent_offer) {
                if (encode_offer(t.offer).empty())  // a file grew past a bound meanwhile
                    return end_out(h, Kind::failed, "the offer is refused: over a bound");
                t.sent_offer = true;
                persist(t);
                deliver(t.peer, t.offer);
                return emit(Kind::offered, h, t.peer, Direction::out);
            }
            emit(t.accepted ? Kind::accepted : Kind::offered, h, t.peer, Direction::out);
            const auto held = std::move(t.held);
            for (const FileGet& g : held)
                if (out_.count(h)) on_get(t.peer, g);
        });
}

void Transfers::on_accept(const PeerKey& from, const FileAccept& m) {
    Out* t = find_out(from, m.id);
    if (!t || t->accepted || !t->sent_offer) return;
    t->accepted = true;
    persist(*t);
    emit(Kind::accepted, t->handle, t->peer, Direction::out);
}

void Transfers::on_decline(const PeerKey& from, const FileDecline& m) {
    Out* t = find_out(from, m.id);
    if (t && !t->accepted) end_out(t->handle, Kind::failed, "declined");
}

void Transfers::on_get(const PeerKey& from, const FileGet& m) {
    Out* t = find_out(from, m.id);
    if (!t) {
        // Not ours (forgotten, or never): tell it so, without holding anything.
        const Bytes b = encode_file_message(FileCancel{m.id, "unknown transfer"});
        if (port_.has_session(from)) port_.send(from, b);
        return;
    }
    const auto refuse = [&](std::string_view reason) {
        deliver(from, FileCancel{m.id, std::string(reason)});
        end_out(t->handle, Kind::failed, "the receiver broke the protocol: " + std::string(reason));
    };
    if (!t->accepted) return refuse("not accepted");
    if (!t->ready) {
        // Hashed again after a restart: answered once ready.
        if (t->held.size() < kMaxHeldGets) t->held.push_back(m);
        return;
    }
    if (m.file >= t->offer.entries.size() || !t->states[m.file]) return refuse("no such file");
    SendState& s = *t->states[m.file];
    std::vector<ChunkRead> reads;
    if (const auto v = s.get(m.ranges, reads); v != SendState::Verdict::ok) return refuse(to_string(v));
    auto file = port_.fs().open_read(t->sources[m.file]);
    const OfferEntry& entry = t->offer.entries[m.file];
    for (const ChunkRead& r : reads) {
        // Read straight into the message: the chunk is not copied on its way.
        const Bytes c = encode_file_chunk(m.id, m.file, r.index, r.length, t->trees[m.file]->proof(r.index),
                                          [&](std::span<std::uint8_t> data) {
                                              return file && file->size() == entry.size && file->read(r.offset, data);
                                          });
        if (c.empty()) {
            deliver(from, FileCancel{m.id, "file changed"});
            return end_out(t->handle, Kind::failed, "file changed: " + t->sources[m.file]);
        }
        if (!port_.send(from, c)) {
            s.lost();  // the receiver asks again on the next lane
            break;
        }
        s.sent(r.index);
        t->sent += r.length;
    }
    emit(Kind::progress, t->handle, t->peer, Direction::out);
}

void Transfers::on_done(const PeerKey& from, const FileDone& m) {
    if (Out* t = find_out(from, m.id); t && t->accepted) end_out(t->handle, Kind::done, "");
}

void Transfers::on_pause(const PeerKey& from, const FilePause& m) {
    if (Out* t = find_out(from, m.id); t && t->accepted)
        emit(Kind::paused, t->handle, t->peer, Direction::out, "the receiver paused: " + m.reason);
}

void Transfers::end_out(Handle h, Kind kind, std::string reason) {
    const Out& t = *out_.at(h);
    port_.forget_out(t.peer, t.offer.id);
    emit(kind, h, t.peer, Direction::out, std::move(reason));
    out_.erase(h);
}

// --- Receiving

void Transfers::on_offer(const PeerKey& from, Offer offer, std::span<const std::uint8_t> bytes) {
    if (port_.blocked(from) || find_in(from, offer.id)) return;
    std::size_t all = 0, theirs = 0;
    for (const auto& [h, t] : in_)
        if (t->state == State::offered) {
            ++all;
            theirs += t->peer == from;
        }
    if (all >= kMaxPending || theirs >= kMaxPendingPerPeer) return deliver(from, FileDecline{offer.id});
    auto t = std::make_unique<In>();
    t->handle = next_++;
    t->peer = from;
    t->offer = std::move(offer);
    t->offer_bytes.assign(bytes.begin(), bytes.end());
    In& in = *t;
    in_[in.handle] = std::move(t);
    persist(in);
    emit(Kind::offered, in.handle, in.peer, Direction::in);
}

Transfers::In* Transfers::find_in(Handle h, State state, std::string& error) {
    auto it = in_.find(h);
    if (it != in_.end() && it->second->state == state) return it->second.get();
    error = state == State::offered ? "no such offer" : "no such transfer in that state";
    return nullptr;
}

bool Transfers::accept(Handle h, const std::string& dir, std::string& error) {
    In* found = find_in(h, State::offered, error);
    if (!found) return false;
    In& t = *found;
    const auto active = std::count_if(in_.begin(), in_.end(),
                                      [&](const auto& p) { return p.second->peer == t.peer && p.second->state != State::offered; });
    if (static_cast<std::size_t>(active) >= kMaxActivePerPeer) {
        error = "already receiving " + std::to_string(kMaxActivePerPeer) + " transfers from this peer";
        return false;
    }
    FileSystem& fs = port_.fs();
    t.dir = dir;
    // Each top-level entry gets a free name once; its contents keep their
    // paths below it. Folders and .part files are made now, so that the names
    // stay ours until the files are renamed.
    std::map<std::string, std::string> tops;
    const auto fail = [&](std::string why) {
        for (std::size_t i = 0; i < t.files.size(); ++i)
            if (t.files[i].part) fs.remove(dir, t.part(i));
        t.files.clear();
        error = std::move(why);
        return false;
    };
    for (const OfferEntry& e : t.offer.entries) {
        const std::size_t slash = e.path.find('/');
        const std::string top = e.path.substr(0, slash);
        auto named = tops.find(top);
        if (named == tops.end()) {
            const auto name = free_name(fs, dir, "", top);
            if (!name) return fail("no free name for " + top);
            named = tops.emplace(top, *name).first;
        }
        In::File f;
        f.target = named->second + (slash == std::string::npos ? "" : e.path.substr(slash));
        t.files.push_back(std::move(f));
        const std::size_t i = t.files.size() - 1;
        if (!make_dirs(fs, dir, t.files[i].target, e.dir)) return fail("cannot make a folder in " + dir);
        if (e.dir) {
            t.files[i].done = true;
            continue;
        }
        t.files[i].rs.emplace(t.spec(i));
        t.files[i].part = fs.open_part(dir, t.part(i), true);
        if (!t.files[i].part) return fail("cannot create " + t.shown(t.part(i)));
    }
    t.state = State::active;
    persist(t);
    deliver(t.peer, FileAccept{t.offer.id});
    pull(t);
    return true;
}

bool Transfers::decline(Handle h, std::string& error) {
    In* t = find_in(h, State::offered, error);
    if (!t) return false;
    deliver(t->peer, FileDecline{t->offer.id});
    end_in(h, Kind::failed, "declined");
    return true;
}

bool Transfers::cancel(Handle h, std::string& error) {
    const std::string reason = "cancelled";
    if (auto it = in_.find(h); it != in_.end()) {
        deliver(it->second->peer, FileCancel{it->second->offer.id, reason});
        end_in(h, Kind::failed, reason);
        return true;
    }
    if (auto it = out_.find(h); it != out_.end()) {
        if (it->second->sent_offer) deliver(it->second->peer, FileCancel{it->second->offer.id, reason});
        end_out(h, Kind::failed, reason);
        return true;
    }
    error = "no such transfer";
    return false;
}

bool Transfers::resume(Handle h, std::string& error) {
    In* found = find_in(h, State::paused, error);
    if (!found) return false;
    In& t = *found;
    t.state = State::active;
    t.reason.clear();
    persist(t);
    pull(t);
    return true;
}

void Transfers::pull(In& t) {
    if (t.state != State::active) return;
    while (t.current < t.files.size()) {
        In::File& f = t.files[t.current];
        if (f.done) {
            ++t.current;
            continue;
        }
        if (f.verifying) return;
        if (f.rs->complete()) return verify(t, t.current);
        if (!port_.has_session(t.peer)) return port_.reach(t.peer);
        const auto ranges = f.rs->request();
        if (!ranges.empty()) deliver(t.peer, FileGet{t.offer.id, static_cast<std::uint32_t>(t.current), ranges});
        return;
    }
    deliver(t.peer, FileDone{t.offer.id});
    end_in(t.handle, Kind::done, "");
}

// Progress is saved after every window: its bytes are in the kernel's page
// cache by then, which a killed process does not lose, so a restart fetches
// at most the window in flight and the one being written again. Nothing is
// fdatasync'ed on the way, only each file before its final name (verify):
// a sync forces a journal commit that every fsync of the message store then
// waits behind (texts during a transfer: p99 47-91 ms with a sync every
// 64 MiB, 16-17 ms without, scripts/bench_files). The window is written
// back in background instead, which commits nothing: otherwise a 1 GiB file
// is still all in the page cache at its final sync, and the texts committed
// during that sync wait for all of it. A power loss may leave saved chunks
// unwritten: a restored file is hashed whole before its rename, and what is
// wrong is fetched again.
void Transfers::checkpoint(In& t) {
    for (auto& f : t.files) {
        if (!f.part || f.unsaved == 0) continue;
        f.unsaved = 0;
        f.bitmap = f.rs->save();
        if (f.dirty_to > f.dirty_from)
            port_.background([part = f.part, from = f.dirty_from,
                              to = f.dirty_to] { part->write_back(from, to - from); },
                             [] {});
        f.dirty_from = UINT64_MAX;
        f.dirty_to = 0;
    }
    persist(t);
    emit(Kind::progress, t.handle, t.peer, Direction::in);
}

void Transfers::verify(In& t, std::size_t i) {
    struct Result {
        bool synced = true;
        std::optional<Hash> root;
    };
    In::File& f = t.files[i];
    f.verifying = true;
    auto result = std::make_shared<Result>();
    // Written whole: the work syncs and closes it (a 4 GiB re-hash would stall
    // every session on the network thread). Every chunk this run wrote was
    // checked on arrival and is synced now: only a restored file is hashed again.
    std::shared_ptr<PartFile> part = std::move(f.part);
    const OfferEntry& e = t.offer.entries[i];
    port_.background(
        [result, part, fs = &port_.fs(), dir = t.dir, rel = t.part(i), size = e.size, root = e.root,
         rehash = f.restored, chunk = t.offer.chunk_size]() mutable {
            if (!part || !part->sync()) {
                result->synced = false;
                return;
            }
            part.reset();
            if (!rehash)
                result->root = root;
            else if (const auto back = fs->open_read_at(dir, rel))
                result->root = hash_file(*back, size, chunk, nullptr);
        },
        [this, alive = std::weak_ptr<const bool>(alive_), h = t.handle, i, result] {
            if (alive.expired()) return;
            const auto it = in_.find(h);
            if (it == in_.end()) return;  // cancelled meanwhile: end_in removed the .part
            In& t = *it->second;
            t.files[i].verifying = false;
            if (t.state == State::active && finish_file(t, i, result->synced, result->root)) pull(t);
        });
}

bool Transfers::finish_file(In& t, std::size_t i, bool synced, const std::optional<Hash>& root) {
    FileSystem& fs = port_.fs();
    In::File& f = t.files[i];
    if (!synced) {
        // Its .part went with the failed sync: opened again, so that the
        // resume syncs it before the rename.
        f.part = fs.open_part(t.dir, t.part(i), false);
        pause(t, "cannot write to " + t.dir);
        return false;
    }
    if (!f.rs->finish(root.value_or(Hash{}))) {
        // A write was lost (a crash, the disk): every chunk is fetched again.
        f.part = fs.open_part(t.dir, t.part(i), false);
        if (!f.part) f.part = fs.open_part(t.dir, t.part(i), true);
        f.bitmap = f.rs->save();
        if (!f.part) {
            pause(t, "cannot write to " + t.dir);
            return false;
        }
        persist(t);
        return true;
    }
    if (!fs.rename_noreplace(t.dir, t.part(i), f.target)) {
        // The name was taken meanwhile: never replaced, the next free one.
        const std::size_t slash = f.target.rfind('/');
        const std::size_t cut = slash == std::string::npos ? 0 : slash + 1;
        const std::string folder = f.target.substr(0, cut), part = t.part(i);
        const auto name = free_name(fs, t.dir, folder, std::string_view(f.target).substr(cut));
        if (name) f.target = folder + *name;
        if (!name || !fs.rename_noreplace(t.dir, part, f.target)) {
            deliver(t.peer, FileCancel{t.offer.id, "the receiver could not name the file"});
            end_in(t.handle, Kind::failed, "cannot rename " + t.shown(part));
            return false;
        }
    }
    f.done = true;
    f.bitmap = f.rs->save();
    persist(t);
    return true;
}

void Transfers::pause(In& t, std::string reason) {
    for (auto& f : t.files)
        if (f.rs) f.rs->lost();
    t.state = State::paused;
    t.reason = reason;
    persist(t);  // the bitmaps of the last sync: what was written since is fetched again
    deliver(t.peer, FilePause{t.offer.id, reason});
    emit(Kind::paused, t.handle, t.peer, Direction::in, std::move(reason));
}

void Transfers::on_chunk(const PeerKey& from, const ChunkView& m) {
    In* t = find_in(from, m.id);
    if (!t || t->state != State::active || m.file >= t->files.size()) return;
    In::File& f = t->files[m.file];
    if (f.done || !f.rs || !f.part) return;
    switch (f.rs->feed(m.index, m.data, m.proof)) {
    case ReceiveState::Fed::unexpected: return;
    case ReceiveState::Fed::corrupt: {
        std::uint64_t corrupt = 0;
        for (const auto& g : t->files) corrupt += g.rs ? g.rs->corrupt() : 0;
        if (corrupt >= kMaxCorrupt) {
            deliver(from, FileCancel{m.id, "too many corrupt chunks"});
            return end_in(t->handle, Kind::failed, "the sender sent too many corrupt chunks");
        }
        return pull(*t);
    }
    case ReceiveState::Fed::verified: break;
    }
    switch (f.part->write(m.index * t->offer.chunk_size, m.data)) {
    case WriteResult::ok: break;
    case WriteResult::no_space:
        f.rs->release(m.index);
        return pause(*t, "disk full in " + t->dir);
    case WriteResult::failed:
        f.rs->release(m.index);
        return pause(*t, "cannot write to " + t->dir);
    }
    f.rs->commit(m.index);
    f.dirty_from = std::min(f.dirty_from, m.index * t->offer.chunk_size);
    f.dirty_to = std::max(f.dirty_to, m.index * t->offer.chunk_size + m.data.size());
    if (++f.unsaved >= kDefaultWindow || f.rs->complete()) {
        checkpoint(*t);
        if (t->state != State::active) return;
    }
    pull(*t);
}

void Transfers::end_in(Handle h, Kind kind, std::string reason) {
    In& t = *in_.at(h);
    // What did not arrive whole leaves no .part behind; finished files stay.
    for (std::size_t i = 0; i < t.files.size(); ++i)
        if (t.files[i].rs && !t.files[i].done) {
            t.files[i].part.reset();
            port_.fs().remove(t.dir, t.part(i));
        }
    port_.forget(t.peer, t.offer.id);
    emit(kind, h, t.peer, Direction::in, std::move(reason));
    in_.erase(h);
}

// --- Both

void Transfers::on_cancel(const PeerKey& from, const FileCancel& m) {
    if (In* t = find_in(from, m.id)) end_in(t->handle, Kind::failed, "cancelled by the peer: " + m.reason);
    if (Out* t = find_out(from, m.id)) end_out(t->handle, Kind::failed, "cancelled by the peer: " + m.reason);
}

void Transfers::handle(const PeerKey& from, std::span<const std::uint8_t> message) {
    // Nearly every message is a chunk: read where it lies, not copied.
    if (const auto chunk = decode_chunk_view(message)) return on_chunk(from, *chunk);
    auto m = decode_file_message(message);
    if (!m) return;
    std::visit(
        [&](auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, Offer>) on_offer(from, std::move(v), message);
            if constexpr (std::is_same_v<T, FileAccept>) on_accept(from, v);
            if constexpr (std::is_same_v<T, FileDecline>) on_decline(from, v);
            if constexpr (std::is_same_v<T, FileGet>) on_get(from, v);
            if constexpr (std::is_same_v<T, FileChunk>) on_chunk(from, ChunkView{v.id, v.file, v.index, v.data, v.proof});
            if constexpr (std::is_same_v<T, FileCancel>) on_cancel(from, v);
            if constexpr (std::is_same_v<T, FileDone>) on_done(from, v);
            if constexpr (std::is_same_v<T, FilePause>) on_pause(from, v);
        },
        *m);
}

void Transfers::on_session_up(const PeerKey& peer) {
    if (auto q = queued_.find(peer); q != queued_.end()) {
        auto waiting = std::move(q->second);
        queued_.erase(q);
        for (std::size_t i = 0; i < waiting.size(); ++i)
            if (!port_.send(peer, waiting[i])) {
                queued_[peer].assign(waiting.begin() + static_cast<std::ptrdiff_t>(i), waiting.end());
                return;
            }
    }
    // What was asked for on the last lane was forgotten when it went down.
    std::vector<Handle> resume;
    for (auto& [h, t] : in_)
        if (t->peer == peer && t->state == State::active) resume.push_back(h);
    for (Handle h : resume)
        if (auto it = in_.find(h); it != in_.end()) pull(*it->second);
}

void Transfers::on_session_down(const PeerKey& peer) {
    for (auto& [h, t] : in_)
        if (t->peer == peer)
            for (auto& f : t->files)
                if (f.rs) f.rs->lost();
    for (auto& [h, t] : out_)
        if (t->peer == peer) {
            t->held.clear();  // asked on the lane that went down: asked again on the next
            for (auto& s : t->states)
                if (s) s->lost();
        }
}

bool Transfers::pending(const PeerKey& peer) const {
    if (queued_.count(peer)) return true;
    return std::any_of(in_.begin(), in_.end(),
                       [&](const auto& p) { return p.second->peer == peer && p.second->state == State::active; });
}

std::size_t Transfers::live() const { return in_.size() + out_.size(); }

}  // namespace hallway::core::files
