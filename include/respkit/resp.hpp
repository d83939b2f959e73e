#pragma once

/// \file
/// The codec umbrella: parser, request parser, writers, owning values, typed serialization.
/// Standard library only.

#include "respkit/error.hpp"
#include "respkit/resp/cli_format.hpp"
#include "respkit/resp/command_writer.hpp"
#include "respkit/resp/input_buffer.hpp"
#include "respkit/resp/limits.hpp"
#include "respkit/resp/parser.hpp"
#include "respkit/resp/request_parser.hpp"
#include "respkit/resp/serializer.hpp"
#include "respkit/resp/sink.hpp"
#include "respkit/resp/traffic_reader.hpp"
#include "respkit/resp/typed_read.hpp"
#include "respkit/resp/typed_write.hpp"
#include "respkit/resp/types.hpp"
#include "respkit/resp/value.hpp"
#include "respkit/resp/value_builder.hpp"
#include "respkit/resp/value_writer.hpp"
#include "respkit/resp/writer.hpp"
