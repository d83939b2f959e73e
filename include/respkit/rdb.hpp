#pragma once

/// \file
/// The RDB format layer: Redis 7.0's snapshot format (RDB version 10) read and written without
/// a server, and DUMP payloads. Includes only.

#include "respkit/rdb/crc64.hpp"
#include "respkit/rdb/dump_payload.hpp"
#include "respkit/rdb/encodings.hpp"
#include "respkit/rdb/format.hpp"
#include "respkit/rdb/lzf.hpp"
#include "respkit/rdb/object.hpp"
#include "respkit/rdb/reader.hpp"
#include "respkit/rdb/sink.hpp"
#include "respkit/rdb/stream.hpp"
#include "respkit/rdb/writer.hpp"
