#include "trace/report.h"

#include <cinttypes>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

namespace rill::trace {

namespace {

std::string basename_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string plural(uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string frame_text(const SymbolizedFrame& f) {
  std::string text = f.function.empty() ? "??" : f.function;
  if (!f.file.empty()) {
    text += "  at " + f.file;
    if (f.line > 0) text += ":" + std::to_string(f.line);
  }
  if (!f.python) {
    char offset[32];
    std::snprintf(offset, sizeof(offset), "+0x%" PRIxPTR, f.offset);
    text += "  [" + (f.module.empty() ? std::string("??") : basename_of(f.module)) + offset + "]";
  }
  return text;
}

nlohmann::ordered_json frame_json(const SymbolizedFrame& f) {
  nlohmann::ordered_json j;
  j["kind"] = f.python ? "python" : "native";
  j["function"] = f.function;
  if (!f.python) {
    j["module"] = f.module;
    char offset[32];
    std::snprintf(offset, sizeof(offset), "0x%" PRIxPTR, f.offset);
    j["offset"] = offset;
  }
  if (!f.file.empty()) j["file"] = f.file;
  if (f.line > 0) j["line"] = f.line;
  return j;
}

nlohmann::ordered_json kind_json(uint64_t total, const std::vector<ReportApi>& apis) {
  nlohmann::ordered_json by_api = nlohmann::ordered_json::array();
  for (const ReportApi& api : apis) {
    nlohmann::ordered_json sites = nlohmann::ordered_json::array();
    for (const ReportSite& site : api.sites) {
      nlohmann::ordered_json frames = nlohmann::ordered_json::array();
      for (const SymbolizedFrame& f : site.frames) frames.push_back(frame_json(f));
      sites.push_back({{"count", site.count}, {"frames", std::move(frames)}});
    }
    by_api.push_back({{"api", api.api},
                      {"count", api.count},
                      {"distinct_call_sites", api.distinct_sites},
                      {"call_sites", std::move(sites)}});
  }
  return {{"total", total}, {"by_api", std::move(by_api)}};
}

void append_totals(std::string& out, const char* title, const std::vector<ReportApi>& apis) {
  out += title;
  out += "\n";
  if (apis.empty()) out += "  (none)\n";
  for (const ReportApi& api : apis) {
    char line[256];
    std::snprintf(line, sizeof(line), "  %10" PRIu64 "  %-32s %s\n", api.count, api.api.c_str(),
                  plural(api.distinct_sites, "call site", "call sites").c_str());
    out += line;
  }
}

void append_sites(std::string& out, const char* what, const std::vector<ReportApi>& apis) {
  for (const ReportApi& api : apis) {
    out += "\n" + api.api + ": " + std::to_string(api.count) + " " + what;
    if (api.distinct_sites > api.sites.size()) {
      out += " (top " + std::to_string(api.sites.size()) + " of " +
             std::to_string(api.distinct_sites) + " call sites)";
    }
    out += "\n";
    for (const ReportSite& site : api.sites) {
      out += "  " + std::to_string(site.count) + "x from\n";
      if (site.frames.empty()) out += "      (no frames: the stack could not be unwound)\n";
      size_t native_index = 0;
      for (const SymbolizedFrame& f : site.frames) {
        out += f.python ? "      py " : "      #" + std::to_string(native_index++) + " ";
        out += frame_text(f) + "\n";
      }
    }
  }
}

}  // namespace

TraceReport build_report(const CallSiteTable& table, size_t top_n, const Symbolizer& symbolize) {
  TraceReport report;
  const std::vector<ApiSites> summary = table.summarize(top_n);

  // Symbolize every distinct frame of the kept sites in one batch.
  std::vector<RawFrame> unique;
  std::map<std::pair<uintptr_t, int32_t>, size_t> index;
  for (const ApiSites& api : summary) {
    for (const CallSiteCount& site : api.top_sites) {
      for (const RawFrame& f : site.frames) {
        if (index.emplace(std::pair{f.address, f.line}, unique.size()).second) unique.push_back(f);
      }
    }
  }
  std::vector<SymbolizedFrame> words =
      unique.empty() ? std::vector<SymbolizedFrame>{} : symbolize(unique);
  words.resize(unique.size());  // a short answer leaves the rest blank rather than crashing

  for (const ApiSites& api : summary) {
    ReportApi out{api.api, api.count, api.distinct_sites, {}};
    for (const CallSiteCount& site : api.top_sites) {
      ReportSite s{site.count, {}};
      for (const RawFrame& f : site.frames) {
        SymbolizedFrame w = words[index.at({f.address, f.line})];
        w.python = f.is_python();
        s.frames.push_back(std::move(w));
      }
      out.sites.push_back(std::move(s));
    }
    if (api.kind == SyncEventKind::kHostSync) {
      report.host_syncs += api.count;
      report.host_sync_apis.push_back(std::move(out));
    } else {
      report.default_stream_ops += api.count;
      report.default_stream_apis.push_back(std::move(out));
    }
  }
  report.dropped_sites = table.dropped_sites();
  return report;
}

std::string format_text(const TraceReport& r) {
  std::string out = "rill trace: pid " + std::to_string(r.pid);
  if (!r.command.empty()) out += ": " + r.command;
  out += "\n";
  for (const std::string& note : r.notes) out += "note: " + note + "\n";
  if (!r.tracking) return out;
  out += plural(r.host_syncs, "host sync", "host syncs") + ", " +
         plural(r.default_stream_ops, "default-stream op", "default-stream ops") + "\n\n";
  append_totals(out, "host syncs by API", r.host_sync_apis);
  out += "\n";
  append_totals(out, "default-stream ops by API", r.default_stream_apis);
  if (!r.host_sync_apis.empty() || !r.default_stream_apis.empty()) {
    out += "\ntop call sites (innermost frame first)\n";
    append_sites(out, "host syncs", r.host_sync_apis);
    append_sites(out, "default-stream ops", r.default_stream_apis);
  }
  if (r.dropped_sites > 0) {
    out += "\n" + std::to_string(r.dropped_sites) +
           " events had too many distinct call sites to keep; they count in the totals only\n";
  }
  return out;
}

std::string format_json(const TraceReport& r) {
  nlohmann::ordered_json j;
  j["rill_trace"] = 1;
  j["pid"] = r.pid;
  j["command"] = r.command;
  j["tracking"] = r.tracking;
  j["notes"] = r.notes;
  j["host_syncs"] = kind_json(r.host_syncs, r.host_sync_apis);
  j["default_stream_ops"] = kind_json(r.default_stream_ops, r.default_stream_apis);
  j["dropped_call_sites"] = r.dropped_sites;
  return j.dump(2) + "\n";
}

}  // namespace rill::trace
