// WebEngine: requests to the engine worker through web/attnviz.js (attnvizGlue.engineRun / engineCancel), one in
// flight and the newest queued (latest wins); a newer request also flags the one in flight to stop at its next layer
// boundary (a SharedArrayBuffer the worker reads, when the page is cross-origin isolated).
#include "web_engine.h"

#include <emscripten.h>

namespace attnviz {
namespace {

EM_JS(void, js_engine_run, (double id, const char* request), { attnvizGlue.engineRun(id, UTF8ToString(request)); });
EM_JS(void, js_engine_cancel, (double newest), { attnvizGlue.engineCancel(newest); });

}  // namespace

void WebEngine::load(std::map<std::string, std::string>, const std::string& name, bool) {
  EngineEvent ev;
  ev.kind = EngineEvent::Kind::LoadFailed;
  ev.error = name + ": the page loads models through its worker (attnviz.js loadFileMap)";
  events_.push_back(std::move(ev));
}

void WebEngine::load_compare(std::map<std::string, std::string>, const std::string& name, bool) {
  EngineEvent ev;
  ev.kind = EngineEvent::Kind::CompareFailed;
  ev.error = name + ": the page loads compare models through its worker (attnviz.js loadCompareFileMap)";
  events_.push_back(std::move(ev));
}

void WebEngine::submit(RunRequest request) {
  counters_.submitted++;
  if (queued_) counters_.dropped++;
  if (in_flight_ != 0 || !started_) {
    if (in_flight_ != 0) js_engine_cancel(static_cast<double>(request.id));  // the pass in flight is outdated
    queued_ = std::move(request);
    return;
  }
  send(request);
}

void WebEngine::send(const RunRequest& r) {
  in_flight_ = r.id;
  js_engine_run(static_cast<double>(r.id), request_to_json(r).c_str());
}

void WebEngine::cancel() {
  if (queued_) counters_.dropped++;
  queued_.reset();
  if (in_flight_ != 0) js_engine_cancel(0);
}

bool WebEngine::poll(EngineEvent* out) {
  if (events_.empty()) return false;
  *out = std::move(events_.front());
  events_.pop_front();
  return true;
}

std::string WebEngine::threads_label() const {
  if (isolated_) return "threads: " + std::to_string(threads_);
  return "single-threaded (page not cross-origin isolated)";
}

void WebEngine::set_threads(int threads, bool isolated) {
  threads_ = threads < 1 ? 1 : threads;
  isolated_ = isolated;
  started_ = true;
  if (in_flight_ == 0 && queued_) {
    RunRequest r = std::move(*queued_);
    queued_.reset();
    send(r);
  }
}

void WebEngine::push(EngineEvent ev) { events_.push_back(std::move(ev)); }

void WebEngine::run_finished(uint64_t id, bool started, bool abandoned) {
  if (started) counters_.started++;
  if (abandoned) counters_.abandoned++;
  if (id == in_flight_) in_flight_ = 0;
  if (in_flight_ == 0 && queued_) {
    RunRequest r = std::move(*queued_);
    queued_.reset();
    send(r);
  }
}

}  // namespace attnviz
