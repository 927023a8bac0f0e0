// WebEngine: the page's Engine (engine.h) — the model runs in a Web Worker (web/engine_worker.js with the core's own
// wasm build); this side posts requests through the page's JS and queues what the worker answers. Emscripten only.
#pragma once
#include <deque>
#include <optional>
#include <string>

#include "engine.h"

namespace attnviz {

class WebEngine : public Engine {
 public:
  // Models load through the page's JS (web/attnviz.js loadFileMap): the files go straight to the worker, never
  // through this heap. This entry point reports that as an error event.
  void load(std::map<std::string, std::string> files, const std::string& name, bool user) override;
  void load_compare(std::map<std::string, std::string> files, const std::string& name, bool user) override;
  void submit(RunRequest request) override;
  void cancel() override;
  bool poll(EngineEvent* out) override;
  EngineCounters counters() const override { return counters_; }
  std::string threads_label() const override;
  int threads() const override { return threads_; }

  // From the page's JS (web_main.cpp exports): the worker started, answered a load, a run, or dropped one.
  void set_threads(int threads, bool isolated);
  void push(EngineEvent ev);
  void run_finished(uint64_t id, bool started, bool abandoned);  // the worker is free: send the queued request
  EngineCounters& counters_ref() { return counters_; }

 private:
  void send(const RunRequest& r);
  std::optional<RunRequest> queued_;  // the newest request not yet sent (one in flight at a time)
  uint64_t in_flight_ = 0;            // id the worker is running (0 = idle)
  std::deque<EngineEvent> events_;
  EngineCounters counters_;
  int threads_ = 1;
  bool isolated_ = false;
  bool started_ = false;  // the worker said it is ready
};

}  // namespace attnviz
