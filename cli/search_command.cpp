// `hallway search`: the stored texts (one-to-one and rooms) holding some words.
#include "cli/commands.hpp"
#include "cli/format.hpp"
#include "cli/remote.hpp"
#include "core/search_query.hpp"

#include <iostream>

namespace hallway::cli {

using nlohmann::json;

int cmd_search(const Args& a) {
    json request{{"cmd", "search"}, {"text", a.text}, {"limit", a.search_limit}};
    if (!a.peer.empty()) request["peer"] = a.peer;
    json reply;
    if (int rc = ask(a, request, reply)) return rc;
    const json& hits = reply["hits"];
    if (a.json) {
        std::cout << core::dump_json(json{{"hits", hits}, {"more", reply.value("more", false)}}) << "\n";
        return kExitOk;
    }
    const auto words = core::search_words(a.text);
    for (const auto& h : hits) std::cout << search_hit_line(search_hit_from_json(h), words) << "\n";
    if (hits.empty()) std::cout << "No message holds that.\n";
    else if (reply.value("more", false))
        std::cout << "(more matched: --limit " << core::kMaxSearchLimit << " shows up to " << core::kMaxSearchLimit
                  << ", or add words)\n";
    return kExitOk;
}

}  // namespace hallway::cli
