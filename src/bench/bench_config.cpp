#include "bench/bench_config.h"

#include <sstream>
#include <string>

#include "rill/error.h"

namespace rill::bench {

std::string_view stream_mode_name(StreamMode mode) noexcept {
  switch (mode) {
    case StreamMode::kNaive:
      return "naive";
    case StreamMode::kDefault:
      return "default";
    case StreamMode::kExplicit:
      return "explicit";
    case StreamMode::kDedicated:
      return "dedicated";
  }
  return "?";
}

StreamMode parse_stream_mode(std::string_view name) {
  for (StreamMode mode :
       {StreamMode::kNaive, StreamMode::kDefault, StreamMode::kExplicit, StreamMode::kDedicated}) {
    if (name == stream_mode_name(mode)) return mode;
  }
  throw Error(ErrorKind::kInvalidArgument,
              "unknown stream mode; expected naive, default, explicit or dedicated",
              {{"stream", std::string(name)}});
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

int BenchConfig::effective_streams() const {
  if (stream_mode == StreamMode::kNaive || stream_mode == StreamMode::kDefault) return threads;
  return streams > threads ? streams : threads;
}

void BenchConfig::validate() const {
  auto fail = [](const char* message, const std::string& value) {
    throw Error(ErrorKind::kInvalidArgument, message, {{"value", value}});
  };
  if (threads < 1) fail("threads must be at least 1", std::to_string(threads));
  if (streams < 0) fail("streams must not be negative", std::to_string(streams));
  if (iterations == 0 && !(duration_s > 0)) {
    fail("give a positive iteration count or duration", std::to_string(duration_s));
  }
  if (iterations != 0 && iterations < static_cast<uint64_t>(threads)) {
    fail("iterations must be at least the thread count", std::to_string(iterations));
  }
  if (buffer_sets < 1) fail("buffer_sets must be at least 1", std::to_string(buffer_sets));
  if (max_in_flight < 0) fail("max_in_flight must not be negative", std::to_string(max_in_flight));
  if (batch < 0) fail("batch must not be negative", std::to_string(batch));
}

std::string BenchConfig::describe() const {
  const bool graphs = cuda_graph && stream_mode != StreamMode::kNaive;
  const int lanes = effective_streams();
  std::string text = std::string(stream_mode_name(stream_mode)) + " stream";
  text += graphs ? ", CUDA graphs on" : ", CUDA graphs off";
  if (sync_each || stream_mode == StreamMode::kNaive) text += ", sync after each call";
  if (include_transfers) text += ", with H2D/D2H copies";
  text += ", " + std::to_string(threads) + (threads == 1 ? " thread x " : " threads x ") +
          std::to_string(lanes) + (lanes == 1 ? " stream" : " streams");
  return text;
}

}  // namespace rill::bench
