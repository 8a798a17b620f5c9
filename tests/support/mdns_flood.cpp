// mdns_flood: an attacker's mDNS on a virtual-LAN host. Publishes COUNT
// _hallway._tcp instances with random fingerprints and malformed TXT records
// (oversized values, no '=', invalid UTF-8, wrong version, bad fingerprints),
// withdraws and re-publishes them every FLAP_MS (names flapping), and stops by
// itself after SECONDS. Only ever run inside a test's network namespace.
//
//   mdns_flood COUNT FLAP_MS SECONDS PORT
#include <avahi-client/client.h>
#include <avahi-client/publish.h>
#include <avahi-common/error.h>
#include <avahi-common/simple-watch.h>
#include <avahi-common/strlst.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

namespace {

struct Flood {
    AvahiSimplePoll* poll = nullptr;
    AvahiClient* client = nullptr;
    std::vector<AvahiEntryGroup*> groups;
    int count = 0;
    int port = 0;
    int round = 0;
    std::mt19937 rng{4242};  // fixed: the same garbage on every run
};

AvahiStringList* garbage_txt(Flood& f, int i) {
    std::string fp;
    for (int d = 0; d < 40; ++d) fp += static_cast<char>('0' + f.rng() % 10);
    switch (i % 6) {
    case 0: return avahi_string_list_new("v=1", ("fp=" + fp).c_str(), "nick=alice", nullptr);  // a name to impersonate
    case 1: return avahi_string_list_new("v=1", ("fp=" + fp.substr(0, 12)).c_str(), nullptr);    // short fingerprint
    case 2: return avahi_string_list_new("v=999", ("fp=" + fp).c_str(), "nick", nullptr);        // other version, no '='
    case 3: return avahi_string_list_new("v=1", ("fp=" + fp).c_str(), ("nick=" + std::string(240, 'A')).c_str(), nullptr);
    case 4: return avahi_string_list_new("v=1", ("fp=" + fp).c_str(), "nick=\xff\xfe\xc3\x28 \x1b[31mred", nullptr);
    default: return avahi_string_list_new("v=abc", "fp=not-digits", "x=y", nullptr);
    }
}

void publish_all(Flood& f) {
    for (int i = 0; i < f.count; ++i) {
        AvahiEntryGroup* g = f.groups[i];
        avahi_entry_group_reset(g);
        AvahiStringList* txt = garbage_txt(f, i);
        std::string name = "flood " + std::to_string(i) + " r" + std::to_string(f.round);
        avahi_entry_group_add_service_strlst(g, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, AvahiPublishFlags(0), name.c_str(),
                                             "_hallway._tcp", nullptr, nullptr, static_cast<uint16_t>(f.port), txt);
        avahi_string_list_free(txt);
        avahi_entry_group_commit(g);
    }
    ++f.round;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 5) {
        std::fprintf(stderr, "usage: %s COUNT FLAP_MS SECONDS PORT\n", argv[0]);
        return 2;
    }
    Flood f;
    f.count = std::atoi(argv[1]);
    const int flap_ms = std::atoi(argv[2]);
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(std::atoi(argv[3]));
    f.port = std::atoi(argv[4]);
    f.poll = avahi_simple_poll_new();
    int error = 0;
    f.client = avahi_client_new(avahi_simple_poll_get(f.poll), AvahiClientFlags(0), nullptr, nullptr, &error);
    if (!f.client) {
        std::fprintf(stderr, "avahi: %s\n", avahi_strerror(error));
        return 1;
    }
    for (int i = 0; i < f.count; ++i) {
        AvahiEntryGroup* g = avahi_entry_group_new(f.client, nullptr, nullptr);
        if (!g) {
            std::fprintf(stderr, "entry group %d: %s\n", i, avahi_strerror(avahi_client_errno(f.client)));
            return 1;
        }
        f.groups.push_back(g);
    }
    publish_all(f);
    std::printf("published %d\n", f.count);
    std::fflush(stdout);
    auto next_flap = std::chrono::steady_clock::now() + std::chrono::milliseconds(flap_ms);
    while (std::chrono::steady_clock::now() < end) {
        if (avahi_simple_poll_iterate(f.poll, 100) != 0) break;
        if (std::chrono::steady_clock::now() >= next_flap) {
            publish_all(f);
            next_flap += std::chrono::milliseconds(flap_ms);
        }
    }
    avahi_client_free(f.client);
    avahi_simple_poll_free(f.poll);
    return 0;
}
