// SVG charts of a simulated run (simulate.h), written as plain text so that `inrarch simulate` needs
// no plotting library: a Gantt chart of what every process does over time, and the occupancy of
// the FIFOs that hold the most data.
//
// Why these two: a dataflow design is fast when its slowest process is busy all the time and the
// others wait on it, and cheap when the FIFOs that must buffer data fill up exactly to their depth.
// The Gantt chart shows the first (busy in blue, stalled on an empty FIFO in orange, on a full one
// in red); the occupancy plot the second (each FIFO's fill level over time against its depth).
#pragma once

#include <string>
#include <vector>

#include "dataflow/lower.h"
#include "dataflow/simulate.h"

namespace inrarch::dataflow {

// One row per process, in network order.
std::string gantt_svg(const Network& network, const Simulation& simulation, const std::string& title);

// The `count` FIFOs holding the most words at their peak, occupancy in beats over time, each with
// its depth as a dashed line.
std::string occupancy_svg(const Network& network, const Simulation& simulation, const std::vector<int>& depths,
                          const std::string& title, int count = 8);

}  // namespace inrarch::dataflow
