// ThreadEngine: the engine on a std::thread (the desktop viewer; the tests). One slot for the newest request (a newer
// submit replaces it: dropped), one pass in flight (abandoned between layers when a newer request arrives), events
// queued for the UI thread's poll.
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include "engine.h"
#include "folder.h"
#include "parallel.h"

namespace attnviz {
namespace {

class ThreadEngine : public Engine {
 public:
  explicit ThreadEngine(int threads) : threads_(threads < 1 ? 1 : threads) {
    thread_ = std::thread([this] { loop(); });
  }
  ~ThreadEngine() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      newest_ = kNone;
    }
    cv_.notify_all();
    thread_.join();
  }

  void load(std::map<std::string, std::string> files, const std::string& name, bool user) override {
    std::lock_guard<std::mutex> lock(mu_);
    load_ = LoadJob{std::move(files), name, user};
    if (request_) counters_.dropped++;
    request_.reset();
    newest_ = kNone;  // a pass of the old model is useless now
    cv_.notify_all();
  }

  void load_compare(std::map<std::string, std::string> files, const std::string& name, bool user) override {
    std::lock_guard<std::mutex> lock(mu_);
    compare_load_ = LoadJob{std::move(files), name, user};
    cv_.notify_all();
  }

  void submit(RunRequest request) override {
    std::lock_guard<std::mutex> lock(mu_);
    counters_.submitted++;
    if (request_) counters_.dropped++;
    newest_ = request.id;
    request_ = std::move(request);
    cv_.notify_all();
  }

  void cancel() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (request_) counters_.dropped++;
    request_.reset();
    newest_ = kNone;
  }

  bool poll(EngineEvent* out) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (events_.empty()) return false;
    *out = std::move(events_.front());
    events_.pop_front();
    return true;
  }

  EngineCounters counters() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return counters_;
  }
  std::string threads_label() const override { return "threads: " + std::to_string(threads_); }
  int threads() const override { return threads_; }

 private:
  static constexpr uint64_t kNone = ~uint64_t(0);
  struct LoadJob {
    std::map<std::string, std::string> files;
    std::string name;
    bool user = false;
  };

  void loop() {
    parallel_set_threads(threads_);  // the pool belongs to this thread's passes
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return stop_ || load_ || compare_load_ || request_; });
      if (stop_) break;
      if (compare_load_ && !load_) {  // a compare model: after a pending main load, before the next run
        LoadJob job = std::move(*compare_load_);
        compare_load_.reset();
        lock.unlock();
        FileMap fm;
        FileOwners owners;  // as for the main model: float32 weights used in place
        share_files(std::move(job.files), &fm, &owners);
        EngineEvent ev;
        Status st = core_.load_compare(fm, job.name, job.user, &ev.info, &owners);
        ev.kind = st ? EngineEvent::Kind::CompareLoaded : EngineEvent::Kind::CompareFailed;
        if (!st) ev.error = st.message;
        lock.lock();
        events_.push_back(std::move(ev));
        continue;
      }
      if (load_) {
        LoadJob job = std::move(*load_);
        load_.reset();
        lock.unlock();
        FileMap fm;
        FileOwners owners;  // the model keeps the weight files and uses their float32 tensors in place
        share_files(std::move(job.files), &fm, &owners);
        EngineEvent ev;
        Status st = core_.load(fm, job.name, job.user, &ev.info, &owners);
        if (st) last_ = RunResult{};  // the old model's run: nothing to summarise any more
        if (st) {
          ev.kind = EngineEvent::Kind::Loaded;
        } else {
          ev.kind = EngineEvent::Kind::LoadFailed;
          ev.error = st.message;
        }
        lock.lock();
        events_.push_back(std::move(ev));
        continue;
      }
      RunRequest req = std::move(*request_);
      request_.reset();
      lock.unlock();
      auto run = std::make_unique<RunResult>();
      const uint64_t id = req.id;
      // A view asked for the summaries of the last run: from the cache, no pass.
      const ModelConfig& cfg = core_.config();
      if (req.summaries_of != 0 && EngineCore::summarize(req, cfg.n_layers, cfg.n_heads, &last_, run.get())) {
        lock.lock();
        counters_.cached++;
        EngineEvent ev;
        ev.request_id = id;
        ev.kind = EngineEvent::Kind::Result;
        ev.run = std::move(run);
        events_.push_back(std::move(ev));
        continue;
      }
      if (req.summaries_of != 0) {  // not the last run any more: run it in full, with its summaries
        req.summaries_of = 0;
        req.want_summaries = true;
      }
      lock.lock();
      counters_.started++;
      lock.unlock();
      Status st = core_.run(req, [this, id] {
        std::lock_guard<std::mutex> l(mu_);
        return stop_ || newest_ != id;
      }, run.get());
      if (st) keep_last(*run);
      lock.lock();
      EngineEvent ev;
      ev.request_id = id;
      if (st) {
        counters_.completed++;
        ev.kind = EngineEvent::Kind::Result;
        ev.run = std::move(run);
      } else if (st.message == kCancelled) {
        counters_.abandoned++;
        ev.kind = EngineEvent::Kind::Cancelled;
      } else {
        ev.kind = EngineEvent::Kind::RunFailed;
        ev.error = st.message;
      }
      events_.push_back(std::move(ev));
    }
    lock.unlock();
    parallel_set_threads(1);
  }

  // What summarize needs of the last completed run (its attentions are copied: the result itself goes to the app).
  void keep_last(const RunResult& r) {
    last_.valid = r.valid;
    last_.request_id = r.request_id;
    last_.act.T = r.act.T;
    last_.act.attentions = r.act.attentions;
    last_.is_cls = r.is_cls;
    last_.is_sep = r.is_sep;
    last_.rollout = r.rollout;
    last_.head_mean = r.head_mean;
    last_.stats = r.stats;
  }

  const int threads_;
  EngineCore core_;
  RunResult last_;  // engine thread only
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::optional<LoadJob> load_;
  std::optional<LoadJob> compare_load_;
  std::optional<RunRequest> request_;
  uint64_t newest_ = kNone;  // id of the newest request: a pass for any other id is abandoned
  std::deque<EngineEvent> events_;
  EngineCounters counters_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace

std::unique_ptr<Engine> make_thread_engine(int threads) { return std::make_unique<ThreadEngine>(threads); }

}  // namespace attnviz
