// SKELETON: to be written (issue 16).
#include "core/doctor/doctor.hpp"

namespace hallway::core::doctor {

std::vector<Finding> check_peers(const Context&) { return {}; }

}  // namespace hallway::core::doctor
