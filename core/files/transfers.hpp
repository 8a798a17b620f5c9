#pragma once
// The file transfers of a node (docs/FILES-DESIGN.md, "The transfers
// service"): offers out and in, the receiver's pull loop, chunk checks,
// writing, the final rename, pause and resume. It owns the transfers' state;
// it reaches the network, the disk, the store and the UI only through
// FilesPort, so it is tested without sockets or files. Runs on the network
// thread.
#include "core/files/messages.hpp"
#include "core/files/receive_state.hpp"
#include "core/files/send_state.hpp"
#include "core/store.hpp"
#include "crypto/rng.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hallway::core::files {

// Offers waiting for their person's answer (docs/FILES-DESIGN.md, Limits):
// more are declined at once, unseen.
inline constexpr std::size_t kMaxPendingPerPeer = 4;
inline constexpr std::size_t kMaxPending = 16;
// Transfers accepted and not finished, per peer: accept() refuses more.
inline constexpr std::size_t kMaxActivePerPeer = 4;
// Chunks that fail their hash before the receiver gives up on the sender.
inline constexpr std::uint64_t kMaxCorrupt = 8;
// Small messages (accept, decline, cancel, pause, done) held per peer while
// its files lane is down.
inline constexpr std::size_t kMaxQueuedPerPeer = 64;
// file_gets held per outgoing transfer while its files are hashed again after
// a restart: a receiver has one in flight (files come one after the other),
// a few more cover lanes cut meanwhile. More are dropped.
inline constexpr std::size_t kMaxHeldGets = 4;

// A file opened for reading (the sender's source, the receiver's .part when
// it hashes it again).
class ReadFile {
public:
    virtual ~ReadFile() = default;
    virtual std::uint64_t size() const = 0;
    // Exactly out.size() bytes at offset; false when fewer (the file changed).
    virtual bool read(std::uint64_t offset, std::span<std::uint8_t> out) = 0;
};

enum class WriteResult { ok, no_space, failed };

// A .part file opened for writing at any offset.
class PartFile {
public:
    virtual ~PartFile() = default;
    virtual WriteResult write(std::uint64_t offset, std::span<const std::uint8_t> data) = 0;
    // Writes the range's pages to the disk now and waits for them
    // (sync_file_range): no metadata, no cache flush, so nothing durable; it
    // keeps the dirty data small so that sync() has little left to write.
    // Errors are left for sync() to report.
    virtual void write_back(std::uint64_t offset, std::uint64_t length) = 0;
    virtual bool sync() = 0;  // fdatasync
};

// The disk as the service sees it. Must be thread-safe (no shared mutable
// state): hashing runs off the network thread (FilesPort::background).
//
// Every write-side call takes the download folder `dir` the person chose
// (followed as usual) and a relative path `rel` below it that
// safe_relative_path or unique_name made: rel is opened component by
// component and no symlink under dir is ever followed or created
// (core/files/posix_file_system.hpp).
class FileSystem {
public:
    virtual ~FileSystem() = default;
    // A source the person chose to send (a regular file; a symlink as the
    // last component is refused).
    virtual std::unique_ptr<ReadFile> open_read(const std::string& path) = 0;
    // A file under dir, read back (the receiver's .part before its rename).
    virtual std::unique_ptr<ReadFile> open_read_at(const std::string& dir, const std::string& rel) = 0;
    // create: O_CREAT | O_EXCL (nullptr when the name is taken); else the
    // existing file (a resume).
    virtual std::unique_ptr<PartFile> open_part(const std::string& dir, const std::string& rel, bool create) = 0;
    // Makes the folder; true when it is one now (not a symlink to one).
    virtual bool make_dir(const std::string& dir, const std::string& rel) = 0;
    // RENAME_NOREPLACE: false, and nothing changes, when `to` exists.
    virtual bool rename_noreplace(const std::string& dir, const std::string& from, const std::string& to) = 0;
    // Anything by that name (a symlink too).
    virtual bool exists(const std::string& dir, const std::string& rel) = 0;
    virtual void remove(const std::string& dir, const std::string& rel) = 0;
};

// A transfer in this process (events and commands name it; not on the wire).
using Handle = std::uint64_t;

struct TransferEvent {
    enum class Kind {
        preparing,  // out: offer() took it; its files are being hashed (a restart: hashed again)
        offered,    // in: a peer offers files; accept or decline. out: the offer is sent (or,
                    // after a restart, ready again and not yet accepted). offer holds them.
        accepted,   // out: the peer said yes (after a restart: ready again, accepted before);
                    // in: pulling again after a restart
        progress,  // bytes of total verified (in) or sent (out, at most total)
        paused,    // reason says why (in: our disk; out: the receiver's)
        done,      // every file arrived verified under its final name
        failed,    // declined, cancelled by either side, or an error: reason
    };
    Kind kind = Kind::progress;
    Handle handle = 0;
    PeerKey peer{};
    Direction direction = Direction::in;
    Offer offer;  // offered (and out: preparing, roots not known yet)
    std::uint64_t bytes = 0, total = 0;
    std::string dir;  // in: the folder its files go to, once accepted
    std::string reason;
};

// What persists of a transfer we receive (the store's migration 4 later).
struct SavedIncoming {
    enum class State { offered, active, paused };
    struct File {
        std::string target;                // final path under dir (its name chosen on accept)
        std::vector<std::uint8_t> bitmap;  // ReceiveState::save() after a sync; empty: nothing yet
        bool done = false;                 // renamed to target (folders: made)
    };
    PeerKey peer{};
    TransferId id{};  // the offer's: the key a save replaces, without decoding the offer
    std::vector<std::uint8_t> offer;  // the file_offer as received
    State state = State::offered;
    std::string dir;
    std::string reason;       // why paused
    std::vector<File> files;  // one per offer entry once accepted
};

// What persists of a transfer we send: enough to rebuild each file's Tree
// after a restart (the store's migration 4 later).
struct SavedOutgoing {
    PeerKey peer{};
    TransferId id{};
    std::vector<std::uint8_t> offer;   // the file_offer as sent
    std::vector<std::string> sources;  // one per offer entry: the local path read (empty for a folder)
    bool accepted = false;
};

// What the transfers need from the node.
class FilesPort {
public:
    virtual ~FilesPort() = default;
    // The files lane with the peer is up.
    virtual bool has_session(const PeerKey& peer) const = 0;
    // Sends one encoded file_* message on the files lane; false when not queued.
    virtual bool send(const PeerKey& peer, std::span<const std::uint8_t> message) = 0;
    // Open a files lane to the peer (it has work for us or we for it).
    virtual void reach(const PeerKey& peer) = 0;
    // A blocked peer's offers are dropped unseen.
    virtual bool blocked(const PeerKey& peer) const = 0;
    virtual void emit(const TransferEvent& event) = 0;
    virtual FileSystem& fs() = 0;
    // Resume state of incoming transfers, keyed by (peer, offer id).
    virtual void save(const SavedIncoming& transfer) = 0;
    virtual void forget(const PeerKey& peer, const TransferId& id) = 0;
    virtual std::vector<SavedIncoming> load() = 0;
    // Transfers we send, keyed by (peer, offer id) likewise.
    virtual void save_out(const SavedOutgoing& transfer) = 0;
    virtual void forget_out(const PeerKey& peer, const TransferId& id) = 0;
    virtual std::vector<SavedOutgoing> load_out() = 0;
    // Runs work on another thread, then `then` back on the network thread.
    // work touches only what it captured and fs(). `then` may run after the
    // transfer it was for has ended (it checks); it is harmless after the
    // Transfers is gone, but the node may as well drop it then.
    virtual void background(std::function<void()> work, std::function<void()> then) = 0;
};

// One file or folder to offer.
struct Outgoing {
    std::string source;  // local path, read through FileSystem (unused for a folder)
    std::string path;    // relative path the receiver sees
    bool dir = false;
};

class Transfers {
public:
    Transfers(crypto::Rng rng, FilesPort& port);
    ~Transfers();

    // Transfers saved by an earlier run. In: offers shown again, the accepted
    // ones resumed when their lane comes up. Out: each file hashed again in
    // background (a file_get meanwhile is held, then answered); a source whose
    // size or root changed cancels the transfer ("file changed").
    void load();

    // Commands: nullopt / false and a one-line error when refused.
    // Checks the entries and opens every file now (errors at once), returns
    // at once (event preparing), hashes the files in background, then sends
    // the offer (event offered); a file that cannot be read whole then fails
    // the transfer (event failed).
    std::optional<Handle> offer(const PeerKey& peer, const std::vector<Outgoing>& entries, std::string& error);
    // Reserves every name under dir (unique_name, .part files made with
    // O_EXCL), answers file_accept and starts pulling.
    bool accept(Handle h, const std::string& dir, std::string& error);
    bool decline(Handle h, std::string& error);
    bool cancel(Handle h, std::string& error);
    // A transfer paused by a full disk pulls again.
    bool resume(Handle h, std::string& error);

    // The network: one file_* message (undecoded) from a peer.
    void handle(const PeerKey& from, std::span<const std::uint8_t> message);
    void on_session_up(const PeerKey& peer);
    void on_session_down(const PeerKey& peer);

    // Transfers with this peer that want its files lane (queued messages,
    // offers to send, pulls to make).
    bool pending(const PeerKey& peer) const;
    std::size_t live() const;

    struct In;
    struct Out;

private:
    In* find_in(const PeerKey& peer, const TransferId& id);
    // A transfer in that state, for a command; else the error.
    In* find_in(Handle h, SavedIncoming::State state, std::string& error);
    Out* find_out(const PeerKey& peer, const TransferId& id);

    void on_offer(const PeerKey& from, Offer offer, std::span<const std::uint8_t> bytes);
    void on_accept(const PeerKey& from, const FileAccept& m);
    void on_decline(const PeerKey& from, const FileDecline& m);
    void on_get(const PeerKey& from, const FileGet& m);
    void on_chunk(const PeerKey& from, const ChunkView& m);
    void on_cancel(const PeerKey& from, const FileCancel& m);
    void on_done(const PeerKey& from, const FileDone& m);
    void on_pause(const PeerKey& from, const FilePause& m);

    // Sends now, or holds it (bounded) until the lane is up and reaches.
    void deliver(const PeerKey& peer, const FileMessage& m);
    void pull(In& t);
    bool write_chunk(In& t, const FileChunk& m);
    void checkpoint(In& t);
    // Syncs and hashes a complete .part again in background, then finish_file.
    void verify(In& t, std::size_t index);
    bool finish_file(In& t, std::size_t index, bool synced, const std::optional<Hash>& root);
    // Hashes the sources in background; then sends the offer (the first
    // time) or checks them against it (after a restart) and answers the held gets.
    void hash_out(Out& t);
    void persist(const Out& t);
    void pause(In& t, std::string reason);
    void persist(const In& t);
    void end_in(Handle h, TransferEvent::Kind kind, std::string reason);
    void end_out(Handle h, TransferEvent::Kind kind, std::string reason);
    void emit(TransferEvent::Kind kind, Handle h, const PeerKey& peer, Direction d, std::string reason = {});

    crypto::Rng rng_;
    FilesPort& port_;
    Handle next_ = 1;
    std::map<Handle, std::unique_ptr<In>> in_;
    std::map<Handle, std::unique_ptr<Out>> out_;
    std::map<PeerKey, std::vector<std::vector<std::uint8_t>>> queued_;
    // Background work's `then` does nothing once this is gone.
    std::shared_ptr<const bool> alive_ = std::make_shared<const bool>(true);
};

}  // namespace hallway::core::files
