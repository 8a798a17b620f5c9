// hallway doctor: the checks of core/doctor, as lines a person reads or JSON.
#include "cli/commands.hpp"
#include "cli/remote.hpp"
#include "core/control.hpp"
#include "core/doctor/doctor.hpp"
#include "core/doctor/reach_judge.hpp"
#include "core/profile.hpp"
#include "crypto/identity.hpp"
#include "transport/wire.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <iostream>

namespace hallway::cli {

namespace {

// A node's answer comes from its network thread at once; a node that does not answer this soon is as good as none.
constexpr std::chrono::seconds kNodeAnswer{2};

// What the node running on this profile says of itself, if one answers: its port,
// service name, and how it reaches beyond this subnet.
void ask_running_node(const Args& a, core::doctor::Context& ctx) {
    core::ControlClient client;
    std::string error;
    nlohmann::json reply;
    if (!client.connect(core::control_socket_path(a.profile), error) || !client.send({{"cmd", "id"}}, error) ||
        !client.receive(reply, kNodeAnswer, error) || !reply.value("ok", false))
        return;
    ctx.node_running = true;
    if (reply.contains("port") && reply["port"].is_number_unsigned())
        ctx.port = static_cast<std::uint16_t>(reply["port"].get<std::uint64_t>());
    if (reply.contains("service") && reply["service"].is_string()) ctx.service_name = reply["service"].get<std::string>();
    if (auto d = reply.find("domains"); d != reply.end() && d->is_array())
        for (const auto& domain : *d)
            if (domain.is_string() && ctx.browse_domains.size() < core::doctor::kMaxBrowseDomains)
                ctx.browse_domains.push_back(domain.get<std::string>());
    if (reply.contains("remembered") && reply["remembered"].is_number_unsigned())
        ctx.remembered_contacts = reply["remembered"].get<std::size_t>();
    if (reply.contains("share_addresses") && reply["share_addresses"].is_string())
        ctx.share_addresses = reply["share_addresses"].get<std::string>();
}

}  // namespace

int cmd_doctor(const Args& a) {
    namespace doctor = core::doctor;
    crypto::KeyPair keys;
    std::shared_ptr<const core::UnlockedKeys> unlocked;
    if (!profile_keys(a, keys, unlocked)) return kExitError;
    doctor::Context ctx;
    ctx.profile = a.profile;
    ctx.own_key = keys.public_key;
    ctx.own_fingerprint = crypto::fingerprint(keys.public_key);
    ctx.port = transport::wire::kDefaultPort;
    ask_running_node(a, ctx);
    std::vector<doctor::Finding> findings = doctor::check_system(ctx);
    auto peers = doctor::check_peers(ctx);
    findings.insert(findings.end(), peers.begin(), peers.end());

    if (a.json) {
        auto out = nlohmann::json::array();
        for (const auto& f : findings)
            out.push_back({{"check", f.check}, {"verdict", doctor::to_string(f.verdict)}, {"detail", f.detail},
                           {"advice", f.advice}});
        std::cout << out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    } else {
        for (const auto& f : findings) {
            std::cout << "[" << doctor::to_string(f.verdict) << "] " << f.check << ": " << f.detail << "\n";
            if (!f.advice.empty()) std::cout << "    -> " << f.advice << "\n";
        }
    }
    const bool trouble = std::any_of(findings.begin(), findings.end(),
                                     [](const doctor::Finding& f) { return f.verdict == doctor::Verdict::problem; });
    return trouble ? kExitError : kExitOk;
}

}  // namespace hallway::cli
