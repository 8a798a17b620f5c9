#include "discovery/link_local_sightings.hpp"

#include "discovery/txt_record.hpp"

#include <algorithm>
#include <tuple>

namespace hallway::discovery {

std::vector<std::string> bounded_link_local_txt(std::vector<std::string> txt) {
    std::erase_if(txt, [](const std::string& s) { return s.size() > kMaxTxtEntryBytes; });
    if (txt.size() > kMaxLinkLocalTxtStrings) txt.resize(kMaxLinkLocalTxtStrings);
    return txt;
}

bool LinkLocalSightings::browsed(const std::string& instance, Source source) {
    if (instances_.count(instance) == 0 && instances_.size() >= kMaxLinkLocalInstances) return false;
    auto& sources = instances_[instance].sources;
    if (std::find(sources.begin(), sources.end(), source) == sources.end()) sources.push_back(source);
    return true;
}

std::optional<LinkLocalSighting> LinkLocalSightings::resolved(const std::string& instance, Source source,
                                                              LinkLocalResolution resolution) {
    const auto it = instances_.find(instance);
    // Only what the browser reports is tracked (a late answer after REMOVE is not).
    if (it == instances_.end() ||
        std::find(it->second.sources.begin(), it->second.sources.end(), source) == it->second.sources.end())
        return std::nullopt;
    Instance& i = it->second;
    resolution.txt = bounded_link_local_txt(std::move(resolution.txt));
    i.txt = resolution.txt;
    i.resolved[source] = std::move(resolution);
    LinkLocalSighting now = merged(instance, i);
    if (i.reported == now) return std::nullopt;
    i.reported = now;
    return now;
}

LinkLocalSightings::Removal LinkLocalSightings::removed(const std::string& instance, Source source) {
    Removal out;
    const auto it = instances_.find(instance);
    if (it == instances_.end()) return out;
    Instance& i = it->second;
    std::erase(i.sources, source);
    i.resolved.erase(source);
    if (i.sources.empty()) {
        out.lost = i.reported.has_value();
        instances_.erase(it);
        return out;
    }
    if (!i.reported) return out;
    LinkLocalSighting now = merged(instance, i);
    if (now != *i.reported) {
        i.reported = now;
        out.change = std::move(now);
    }
    return out;
}

std::vector<std::string> LinkLocalSightings::clear() {
    std::vector<std::string> out;
    for (const auto& [name, i] : instances_)
        if (i.reported) out.push_back(name);
    instances_.clear();
    return out;
}

LinkLocalSighting LinkLocalSightings::merged(const std::string& instance, const Instance& i) {
    LinkLocalSighting s;
    s.instance = instance;
    s.txt = i.txt;
    for (const auto& entry : i.resolved) {
        s.endpoints.push_back(entry.second.endpoint);
        if (!entry.second.interface_name.empty()) s.interfaces.push_back(entry.second.interface_name);
    }
    // IPv4 first (reachable from anywhere on the subnet), then IPv6; stable within each.
    std::sort(s.endpoints.begin(), s.endpoints.end(), [](const auto& a, const auto& b) {
        return std::make_tuple(a.address().is_v6(), a.address(), a.port()) <
               std::make_tuple(b.address().is_v6(), b.address(), b.port());
    });
    s.endpoints.erase(std::unique(s.endpoints.begin(), s.endpoints.end()), s.endpoints.end());
    std::sort(s.interfaces.begin(), s.interfaces.end());
    s.interfaces.erase(std::unique(s.interfaces.begin(), s.interfaces.end()), s.interfaces.end());
    return s;
}

}  // namespace hallway::discovery
