#pragma once
// Private to core/node*.cpp: the files service's port on the node
// (docs/PROTOCOL.md §12). The transfers service decides; this wires it to
// the files lane of the transport, the disk, the store, a hashing thread and
// the front ends' events.
#include "core/files/posix_file_system.hpp"
#include "core/files/transfers.hpp"
#include "core/node_impl.hpp"

#include <asio/thread_pool.hpp>

#include <chrono>
#include <map>
#include <memory>

namespace hallway::core {

struct Node::Impl::Files final : files::FilesPort {
    explicit Files(Node::Impl& node);
    ~Files() override;

    Node::Impl& node;
    files::PosixFileSystem disk;
    // Hashing whole files (offers, the final check of a received file) runs
    // here, never on the network thread: one thread, so it never takes both cores.
    asio::thread_pool hashing{1};
    std::shared_ptr<bool> alive = std::make_shared<bool>(true);
    files::Transfers transfers;
    // What front ends see; ended transfers stay listed (a few) this run.
    std::map<files::Handle, TransferView> views;
    std::map<files::Handle, std::chrono::steady_clock::time_point> shown_progress;
    // Where a peer that reached us says it listens (Hello `port`): its files
    // lane is dialed there when no address of it is known otherwise.
    std::map<PeerKey, asio::ip::tcp::endpoint> dial_back;
    // Peers whose files lane is up (on_files_up again means it was replaced).
    std::set<PeerKey> lanes_up;
    // Files lanes dialed and not yet up or failed, and when a peer's may be dialed again.
    std::map<PeerKey, std::chrono::steady_clock::time_point> next_lane_dial;

    // files::FilesPort
    bool has_session(const PeerKey& peer) const override;
    bool send(const PeerKey& peer, std::span<const std::uint8_t> message) override;
    void reach(const PeerKey& peer) override;
    bool blocked(const PeerKey& peer) const override;
    void emit(const files::TransferEvent& event) override;
    files::FileSystem& fs() override { return disk; }
    void save(const files::SavedIncoming& transfer) override;
    void forget(const PeerKey& peer, const files::TransferId& id) override;
    std::vector<files::SavedIncoming> load() override;
    void save_out(const files::SavedOutgoing& transfer) override;
    void forget_out(const PeerKey& peer, const files::TransferId& id) override;
    std::vector<files::SavedOutgoing> load_out() override;
    void background(std::function<void()> work, std::function<void()> then) override;

    // The transport's files lane.
    void on_lane_up(const transport::SessionInfo& info);
    void on_lane_down(const PeerKey& peer);
    // A transfer with the peer is live: its lane is kept (and dialed on the
    // maintenance tick), and the peer watched closely.
    bool busy(const PeerKey& peer) const;
    // Dials the lanes live transfers need; true while one is still wanted.
    bool keep_lanes(std::chrono::steady_clock::time_point now);

    std::optional<files::Handle> send_files(const PeerKey& peer, const std::vector<std::filesystem::path>& paths,
                                            std::string& error);
    bool accept(files::Handle h, std::filesystem::path dir, std::string& error);
    void forget_ended();
};

}  // namespace hallway::core
