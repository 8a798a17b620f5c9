#pragma once
// Names a peer gives to the files it sends, made safe to create under the
// download folder (docs/FILES-DESIGN.md, "Names"). Pure: the file system is
// only asked through the predicate the caller passes.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace hallway::core::files {

// Bounds on a relative path as sent in an offer (bytes of UTF-8).
// One component: NAME_MAX of Linux, macOS and Windows (NTFS counts UTF-16
// units, which never exceed the UTF-8 bytes).
inline constexpr std::size_t kMaxComponent = 255;
// A whole relative path and its depth: a real folder tree fits, and the
// receiver's own download folder prefix still leaves room under PATH_MAX.
inline constexpr std::size_t kMaxRelativePath = 1024;
inline constexpr std::size_t kMaxDepth = 32;
// What a file is called while its bytes arrive; it gets its final name only
// once whole and verified.
inline constexpr std::string_view kPartSuffix = ".part";

// A peer's relative path ('/'-separated UTF-8) as a safe relative path under
// any root, or nullopt when it cannot be one:
//  - refused: empty, absolute ("/x"), a trailing '/', an empty, "." or ".."
//    component, a backslash (a separator on Windows), a NUL, more than
//    kMaxDepth components, more than kMaxRelativePath bytes in all or
//    kMaxComponent in one (as sent, and again after rewriting);
//  - rewritten, per component: invalid UTF-8 replaced (U+FFFD); control
//    characters (C0, DEL, C1), the bidirectional overrides that disguise an
//    extension, the characters Windows refuses (< > : " | ? *) and a trailing
//    '.' or ' ' become '_'; a Windows device name (CON, NUL, COM1, LPT1.txt...)
//    gets a leading '_'.
// The result never holds "..", never starts with '/', and names no symlink by
// itself: the caller still opens each component with O_NOFOLLOW.
std::optional<std::string> safe_relative_path(std::string_view peer_path);

// A name for a new entry next to others: name itself when exists(name) is
// false, else "stem (1).ext", "stem (2).ext"... (the extension is what follows
// the last '.', not a leading one: ".bashrc" -> ".bashrc (1)"). The stem is cut
// at a character boundary so that the name plus kPartSuffix fits kMaxComponent.
// nullopt when the first 9999 numbers are all taken.
std::optional<std::string> unique_name(std::string_view name, const std::function<bool(std::string_view)>& exists);

}  // namespace hallway::core::files
