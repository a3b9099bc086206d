// The rill trace report: what the injection library writes at exit, as text or JSON. Pure: it
// takes the call-site table and a symbolizer, so that tests can feed it fake frames.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "trace/call_sites.h"

namespace rill::trace {

//! A frame in words.
struct SymbolizedFrame {
  bool python = false;
  std::string function;  //!< demangled C++ name or Python qualified name; "??" when unknown
  std::string module;    //!< native: path of the executable or shared object
  uintptr_t offset = 0;  //!< native: return address minus the module's load address
  std::string file;      //!< source file, when known (always for Python)
  int line = 0;          //!< source line, when known; 0 otherwise
};

//! Turns raw frames into words, all at once (so that a symbolizer can batch its look-ups). Returns
//! one entry per input frame, in order.
using Symbolizer = std::function<std::vector<SymbolizedFrame>(const std::vector<RawFrame>&)>;

struct ReportSite {
  uint64_t count = 0;
  std::vector<SymbolizedFrame> frames;  //!< Python frames first (innermost first), then native
};

struct ReportApi {
  std::string api;
  uint64_t count = 0;
  size_t distinct_sites = 0;
  std::vector<ReportSite> sites;  //!< busiest first
};

struct TraceReport {
  int pid = 0;
  std::string command;
  //! False when CUPTI could not be used: then every count is zero and `notes` says why.
  bool tracking = true;
  uint64_t host_syncs = 0;
  uint64_t default_stream_ops = 0;
  std::vector<ReportApi> host_sync_apis;       //!< largest first
  std::vector<ReportApi> default_stream_apis;  //!< largest first
  uint64_t dropped_sites = 0;                  //!< events counted without a call site (table full)
  std::vector<std::string> notes;
};

//! Builds the report from the table: totals by API, and each API's `top_n` busiest call sites
//! symbolized.
TraceReport build_report(const CallSiteTable& table, size_t top_n, const Symbolizer& symbolize);

//! The report for people.
std::string format_text(const TraceReport& report);
//! The report for programs (schema in docs/TRACE.md).
std::string format_json(const TraceReport& report);

}  // namespace rill::trace
