// `pcapscope follow FILE FLOW`: one flow's client and server bytes in order (Follow TCP/UDP Stream).
#pragma once

#include <string>
#include <vector>

namespace pcapscope::cli {

/// Usage lines of the follow command.
extern const char* const follow_usage;

/// Runs `pcapscope follow` with the arguments after the command name; returns the exit status.
int cmd_follow(const std::vector<std::string>& args);

}  // namespace pcapscope::cli
