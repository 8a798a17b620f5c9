#include "core/files/file_name.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>

using namespace hallway::core::files;

namespace {
std::optional<std::string> safe(std::string_view p) { return safe_relative_path(p); }
}  // namespace

TEST_CASE("file names: ordinary relative paths are kept as sent") {
    CHECK(safe("a.txt") == "a.txt");
    CHECK(safe("photos/2024/IMG 001.jpg") == "photos/2024/IMG 001.jpg");
    CHECK(safe(".bashrc") == ".bashrc");
    CHECK(safe("caf\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac.txt") == "caf\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac.txt");
    CHECK(safe("..hidden") == "..hidden");  // only a whole ".." component climbs
}

TEST_CASE("file names: paths that leave the folder or are not relative are refused") {
    for (std::string_view bad : {"", "/", "/etc/passwd", "..", "../a", "a/../../b", "a/..", ".", "./a", "a/./b",
                                 "a//b", "a/", "//host/share", "a\\..\\b", "..\\evil"}) {
        CAPTURE(bad);
        CHECK(!safe(bad));
    }
    CHECK(!safe(std::string_view("a\0b", 3)));
    CHECK(!safe(std::string_view("a/\0/b", 5)));
}

TEST_CASE("file names: depth, component and total length are bounded") {
    std::string deep;
    for (std::size_t i = 0; i < kMaxDepth; ++i) deep += (i ? "/d" : "d");
    CHECK(safe(deep));
    CHECK(!safe(deep + "/d"));
    CHECK(safe(std::string(kMaxComponent, 'x')));
    CHECK(!safe(std::string(kMaxComponent + 1, 'x')));
    std::string lengthy;
    while (lengthy.size() + 101 <= kMaxRelativePath) lengthy += std::string(100, 'y') + "/";
    lengthy += std::string(kMaxRelativePath - lengthy.size(), 'z');
    REQUIRE(lengthy.size() == kMaxRelativePath);
    CHECK(safe(lengthy));
    CHECK(!safe(lengthy + "z"));
    // Repairing invalid UTF-8 must not grow a component past the bound: each
    // lone byte becomes three.
    CHECK(!safe(std::string(100, '\xff')));
}

TEST_CASE("file names: characters that fool a terminal, a reader or Windows are rewritten") {
    CHECK(safe("a\nb.txt") == "a_b.txt");
    CHECK(safe("\x1b[31mred") == "_[31mred");
    CHECK(safe("del\x7f") == "del_");
    CHECK(safe("c1\xc2\x9b") == "c1_");
    // "invoice<RLO>fdp.exe" shows as "invoiceexe.pdf".
    CHECK(safe("invoice\xe2\x80\xae" "fdp.exe") == "invoice_fdp.exe");
    CHECK(safe("x\xe2\x81\xa6y") == "x_y");
    CHECK(safe("a:b|c?d*e\"f<g>h") == "a_b_c_d_e_f_g_h");
    CHECK(safe("trailing.") == "trailing_");
    CHECK(safe("dir /file") == "dir_/file");
    CHECK(safe("bad\xff.txt") == "bad\xef\xbf\xbd.txt");
}

TEST_CASE("file names: Windows device names get a leading underscore, in any case and with any extension") {
    for (std::string_view dev : {"CON", "con", "Nul", "PRN", "aux", "COM1", "com9", "LPT1", "lpt0", "NUL.txt",
                                 "con.tar.gz", "CONIN$", "conout$"}) {
        CAPTURE(dev);
        CHECK(safe(dev) == "_" + std::string(dev));
    }
    CHECK(safe("dir/nul") == "dir/_nul");
    CHECK(safe("nul/file") == "_nul/file");
    CHECK(safe("CON .txt") == "_CON .txt");
    for (std::string_view ok : {"CONSOLE", "COM10", "LPT", "icon", "nul_", "auxiliary.txt"}) {
        CAPTURE(ok);
        CHECK(safe(ok) == std::string(ok));
    }
}

TEST_CASE("file names: rewriting twice changes nothing more") {
    for (std::string_view p : {"a\nb/CON/x.", "bad\xff", "q?/r:"}) {
        const auto once = safe(p);
        REQUIRE(once);
        CHECK(safe(*once) == once);
    }
}

TEST_CASE("file names: a taken name gets the next free number before its extension") {
    std::set<std::string> taken;
    const auto exists = [&](std::string_view n) { return taken.count(std::string(n)) != 0; };
    CHECK(unique_name("a.txt", exists) == "a.txt");
    taken = {"a.txt"};
    CHECK(unique_name("a.txt", exists) == "a (1).txt");
    taken = {"a.txt", "a (1).txt", "a (2).txt"};
    CHECK(unique_name("a.txt", exists) == "a (3).txt");
    taken = {"README"};
    CHECK(unique_name("README", exists) == "README (1)");
    taken = {".bashrc"};
    CHECK(unique_name(".bashrc", exists) == ".bashrc (1)");
    taken = {"photos"};
    CHECK(unique_name("photos", exists) == "photos (1)");
    taken = {"archive.tar.gz"};
    CHECK(unique_name("archive.tar.gz", exists) == "archive.tar (1).gz");
}

TEST_CASE("file names: a numbered name still fits with its .part suffix, cut at a character boundary") {
    const std::string stem(240, 'x');
    std::string utf8;
    while (utf8.size() < 300) utf8 += "\xc3\xa9";  // two bytes each
    for (const std::string& name : {stem + ".jpeg", utf8 + ".txt", utf8, std::string(250, 'n') + "." + std::string(4, 'e')}) {
        std::set<std::string> taken;
        const auto exists = [&](std::string_view n) { return taken.count(std::string(n)) != 0; };
        for (int i = 0; i < 12; ++i) {
            const auto got = unique_name(name, exists);
            REQUIRE(got);
            CHECK(got->size() + kPartSuffix.size() <= kMaxComponent);
            CHECK(safe(*got) == *got);  // valid UTF-8: no character was split
            CHECK(taken.insert(*got).second);
        }
    }
    const auto got = unique_name(stem + ".jpeg", [&](std::string_view n) { return n.find('(') == std::string_view::npos; });
    REQUIRE(got);
    CHECK(got->ends_with(" (1).jpeg"));
}

TEST_CASE("file names: when every number is taken there is no name") {
    CHECK(!unique_name("a.txt", [](std::string_view) { return true; }));
}
