// The whole-file check of a configuration for `secor consume`, shared by
// `secor check` and the start-up of `secor consume` (before it joins its
// group): every problem at once, one line each, rather than one per run.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"

namespace secor {

// Every problem of config for secor consume, one line each naming the key:
// missing required keys, values that are not of their key's type or outside
// its range, keys of the Java Secor this version cannot honour, and what
// the consumer's own builders refuse (unknown parser, format or codec
// classes, bad patterns, a store that is not supported, a staging or output
// directory that cannot be created). Nothing is contacted; empty when the
// configuration would start.
std::vector<std::string> ValidateConsumeConfig(const Config& config);

// Why path cannot be used as a local directory secor creates and writes: it
// is not a directory, or the nearest existing ancestor is not a writable
// directory. OK when it can.
Status CheckLocalDirectory(const std::string& path);

}  // namespace secor
