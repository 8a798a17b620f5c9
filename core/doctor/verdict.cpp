#include "core/doctor/doctor.hpp"

namespace hallway::core::doctor {

std::string_view to_string(Verdict v) {
    switch (v) {
        case Verdict::ok: return "ok";
        case Verdict::info: return "info";
        case Verdict::warning: return "warning";
        case Verdict::problem: return "problem";
    }
    return "problem";
}

}  // namespace hallway::core::doctor
