#pragma once
// The FileSystem of core/files/transfers.hpp on Linux (docs/FILES-DESIGN.md,
// "Names"). Under the download folder nothing is followed: the folder is
// opened as the person named it, then every component of the relative path
// with openat(O_NOFOLLOW | O_DIRECTORY) and the last with O_NOFOLLOW, so a
// symlink planted anywhere below it (by another local user, or an earlier
// transfer) is refused, never followed or created. Stateless, so safe to use
// from any thread.
#include "core/files/transfers.hpp"

namespace hallway::core::files {

// What a failed write's errno means for the transfer: ENOSPC and EDQUOT pause
// it until the person frees space; anything else is a failed write.
WriteResult write_result_for(int error);

class PosixFileSystem final : public FileSystem {
public:
    std::unique_ptr<ReadFile> open_read(const std::string& path) override;
    std::unique_ptr<ReadFile> open_read_at(const std::string& dir, const std::string& rel) override;
    std::unique_ptr<PartFile> open_part(const std::string& dir, const std::string& rel, bool create) override;
    bool make_dir(const std::string& dir, const std::string& rel) override;
    bool rename_noreplace(const std::string& dir, const std::string& from, const std::string& to) override;
    bool exists(const std::string& dir, const std::string& rel) override;
    void remove(const std::string& dir, const std::string& rel) override;
};

}  // namespace hallway::core::files
