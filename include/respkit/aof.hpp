#pragma once

/// \file
/// The append-only file as Redis 7.0 writes it: the manifest and file names, the command stream
/// reader, the loader of a directory (or an old single file) and the incremental file's writer
/// with its fsync policies (POSIX).

#include "respkit/aof/append_writer.hpp"
#include "respkit/aof/command_stream.hpp"
#include "respkit/aof/loader.hpp"
#include "respkit/aof/manifest.hpp"
