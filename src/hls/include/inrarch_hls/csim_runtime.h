// The threaded C-simulation runtime (software only, never synthesized): every dataflow process
// runs in its own thread, every stream is a FIFO bounded by the depth the hardware FIFO gets, and a
// watchdog notices when all live processes are blocked on stream reads or writes. That state is a
// deadlock of the hardware too (a blocked FIFO access can only be released by another process's
// access, and none is running), so the watchdog prints the wait-for cycle
// (process -> stream -> process, with depths and element counts) and exits with status 3 instead
// of hanging. Vitis HLS's own C-simulation models streams as unbounded FIFOs run one process after
// the other, so it cannot see these deadlocks.
//
// Soundness of the check: every successful FIFO access bumps one global progress counter while
// holding its stream's lock. The watchdog reads the counter, confirms that every live process is
// inside a blocking wait whose condition still holds (reader: FIFO empty; writer: FIFO full),
// and reads the counter again. If it did not move, no access happened in between, so all those
// conditions held at once with nobody left to change them: a true deadlock, never a slow process.
#pragma once

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

namespace inrarch_hls {
namespace csim {

enum ExitCode { kExitDeadlock = 3, kExitLeftoverData = 4, kExitProcessFailed = 5 };

class StreamBase;

enum class State { Running, Blocked, Done };
enum class Access { None, Read, Write };

// One dataflow process: its name, the streams passed to it, and what it is waiting for.
struct ProcessRecord {
  std::string name;
  size_t index = 0;  // launch order
  std::vector<StreamBase*> streams;
  std::atomic<State> state{State::Running};
  std::atomic<StreamBase*> waiting_on{nullptr};
  std::atomic<Access> access{Access::None};
};

inline std::atomic<uint64_t>& progress_counter() {
  static std::atomic<uint64_t> counter{0};
  return counter;
}

// The process the calling thread runs (null on the testbench's own thread).
inline ProcessRecord*& current_process() {
  static thread_local ProcessRecord* process = nullptr;
  return process;
}

// Items of a stream are single elements unless specialised (Block<T, B> carries B elements).
template <typename T>
struct ElementsPerItem {
  static const int value = 1;
};

// INRARCH_CSIM_DEPTH=N overrides every FIFO depth (testing: "force all depths to 2").
inline int depth_override() {
  const char* text = std::getenv("INRARCH_CSIM_DEPTH");
  return text && *text ? std::atoi(text) : 0;
}

class StreamBase {
 public:
  StreamBase(const char* name, int depth, int elements_per_item) : name_(name), elements_per_item_(elements_per_item) {
    const int forced = depth_override();
    depth_ = std::max(1, forced > 0 ? forced : depth);
  }
  StreamBase(const StreamBase&) = delete;
  StreamBase& operator=(const StreamBase&) = delete;
  virtual ~StreamBase() = default;

  const std::string& name() const { return name_; }
  int depth() const { return depth_; }
  int elements_per_item() const { return elements_per_item_; }
  uint64_t items_written() const { return items_written_.load(); }
  uint64_t items_read() const { return items_read_.load(); }
  void attach(ProcessRecord* process) { endpoints_.push_back(process); }
  // The other process connected to this stream, seen from `process` (null if none).
  ProcessRecord* peer(const ProcessRecord* process) const {
    for (ProcessRecord* endpoint : endpoints_) {
      if (endpoint != process) return endpoint;
    }
    return nullptr;
  }
  size_t size() {
    std::lock_guard<std::mutex> lock(mutex_);
    return size_locked();
  }
  // True while a process blocked in `access` on this stream must stay blocked.
  bool blocks(Access access) {
    std::lock_guard<std::mutex> lock(mutex_);
    return access == Access::Read ? size_locked() == 0 : size_locked() >= static_cast<size_t>(depth_);
  }

 protected:
  virtual size_t size_locked() const = 0;
  void count_access(Access access) {  // caller holds mutex_
    ++(access == Access::Read ? items_read_ : items_written_);
    ++progress_counter();
  }
  // Marks the calling process as blocked on this stream for the lifetime of the guard.
  class BlockedGuard {
   public:
    BlockedGuard(StreamBase* stream, Access access) : process_(current_process()) {
      if (!process_) return;
      process_->waiting_on.store(stream);
      process_->access.store(access);
      process_->state.store(State::Blocked);
    }
    ~BlockedGuard() {
      if (!process_) return;
      process_->state.store(State::Running);
      process_->access.store(Access::None);
      process_->waiting_on.store(nullptr);
    }

   private:
    ProcessRecord* process_;
  };

  std::mutex mutex_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;

 private:
  std::string name_;
  int depth_;
  int elements_per_item_;
  std::atomic<uint64_t> items_written_{0};
  std::atomic<uint64_t> items_read_{0};
  std::vector<ProcessRecord*> endpoints_;
};

// A region of concurrently running processes (what #pragma HLS DATAFLOW makes of a function body).
class Dataflow {
 public:
  Dataflow() = default;
  Dataflow(const Dataflow&) = delete;
  Dataflow& operator=(const Dataflow&) = delete;
  ~Dataflow() { join(); }

  template <typename Function, typename... Args>
  void process(const char* name, Function function, Args&... args) {
    processes_.emplace_back(new ProcessRecord());
    ProcessRecord* record = processes_.back().get();
    record->name = name;
    record->index = processes_.size() - 1;
    int unused[] = {0, (attach(record, args), 0)...};
    (void)unused;
    auto body = [record, function, &args...]() {
      current_process() = record;
      try {
        function(args...);
      } catch (const std::exception& error) {
        std::fprintf(stderr, "csim: process %s failed: %s\n", record->name.c_str(), error.what());
        std::fflush(stderr);
        std::_Exit(kExitProcessFailed);
      }
      record->state.store(State::Done);
    };
    start_thread(std::function<void()>(body));
  }

  // Waits for every process, watching for deadlock; then checks that no FIFO kept data.
  void join() {
    if (joined_) return;
    joined_ = true;
    int idle_polls = 0;
    while (!all_done()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(idle_polls < 20 ? 1 : 10));
      ++idle_polls;
      if (deadlocked()) {
        report_deadlock();
        std::fflush(stderr);
        std::_Exit(kExitDeadlock);
      }
    }
    for (pthread_t thread : threads_) pthread_join(thread, nullptr);
    check_drained();
  }

 private:
  static void attach(ProcessRecord* record, StreamBase& stream) {
    record->streams.push_back(&stream);
    stream.attach(record);
  }
  template <typename Arg>
  static typename std::enable_if<!std::is_base_of<StreamBase, Arg>::value>::type attach(ProcessRecord*, Arg&) {}

  // Tile buffers live on the process's stack, as local arrays do in the hardware description, so
  // threads get a large (lazily committed) stack: INRARCH_CSIM_STACK_MB, 256 MiB by default.
  void start_thread(std::function<void()> body) {
    const char* text = std::getenv("INRARCH_CSIM_STACK_MB");
    const size_t megabytes = text && *text ? static_cast<size_t>(std::atoi(text)) : 256;
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setstacksize(&attributes, megabytes << 20);
    auto* heap_body = new std::function<void()>(std::move(body));
    pthread_t thread;
    const int status = pthread_create(&thread, &attributes, &run_body, heap_body);
    pthread_attr_destroy(&attributes);
    if (status != 0) {
      std::fprintf(stderr, "csim: cannot start a thread for process %s (error %d)\n", processes_.back()->name.c_str(),
                   status);
      std::_Exit(kExitProcessFailed);
    }
    threads_.push_back(thread);
  }
  static void* run_body(void* argument) {
    std::unique_ptr<std::function<void()>> body(static_cast<std::function<void()>*>(argument));
    (*body)();
    return nullptr;
  }

  bool all_done() const {
    for (const auto& process : processes_) {
      if (process->state.load() != State::Done) return false;
    }
    return true;
  }

  bool deadlocked() const {
    const uint64_t before = progress_counter().load();
    bool any_blocked = false;
    for (const auto& process : processes_) {
      const State state = process->state.load();
      if (state == State::Running) return false;
      if (state == State::Done) continue;
      StreamBase* stream = process->waiting_on.load();
      const Access access = process->access.load();
      if (!stream || access == Access::None || !stream->blocks(access)) return false;
      any_blocked = true;
    }
    return any_blocked && progress_counter().load() == before;
  }

  static std::string describe(StreamBase* stream) {
    const size_t held = stream->size();
    const int per_item = stream->elements_per_item();
    const auto elements = [per_item](uint64_t items) {
      return static_cast<unsigned long long>(items * static_cast<uint64_t>(per_item));
    };
    char text[256];
    std::snprintf(text, sizeof text,
                  "depth %d x %d elements, holds %zu (%zu elements); %llu elements written, %llu read so far",
                  stream->depth(), per_item, held, held * static_cast<size_t>(per_item),
                  elements(stream->items_written()), elements(stream->items_read()));
    return text;
  }

  void report_deadlock() const {
    std::vector<ProcessRecord*> live;
    for (const auto& process : processes_) {
      if (process->state.load() != State::Done) live.push_back(process.get());
    }
    std::fprintf(stderr,
                 "csim: DEADLOCK: all %zu live processes are blocked on streams; the hardware would hang here\n",
                 live.size());
    // Each blocked process waits for exactly one other: the peer on the stream it is blocked on.
    // Following those edges from the first live process must end in a cycle or at a finished
    // (or missing) peer, which starves it.
    std::vector<ProcessRecord*> path;
    ProcessRecord* at = live.front();
    while (at && at->state.load() != State::Done && std::find(path.begin(), path.end(), at) == path.end()) {
      path.push_back(at);
      at = at->waiting_on.load()->peer(at);
    }
    std::vector<ProcessRecord*> cycle;
    if (at && at->state.load() != State::Done) {
      cycle.assign(std::find(path.begin(), path.end(), at), path.end());
      // Start the cycle at its earliest-launched process so that reports are reproducible.
      std::rotate(cycle.begin(),
                  std::min_element(cycle.begin(), cycle.end(),
                                   [](const ProcessRecord* a, const ProcessRecord* b) { return a->index < b->index; }),
                  cycle.end());
      std::string line;
      for (ProcessRecord* process : cycle) line += process->name + " -> " + process->waiting_on.load()->name() + " -> ";
      line += cycle.front()->name;
      std::fprintf(stderr, "csim: wait-for cycle: %s\n", line.c_str());
    } else {
      std::string line;
      for (ProcessRecord* process : path) line += process->name + " -> " + process->waiting_on.load()->name() + " -> ";
      line += at ? at->name + " (finished)" : std::string("(no process)");
      std::fprintf(stderr, "csim: wait-for chain ending at a finished producer/consumer: %s\n", line.c_str());
    }
    for (ProcessRecord* process : cycle.empty() ? path : cycle) print_wait(process);
    std::fprintf(stderr, "csim: all blocked processes:\n");
    for (ProcessRecord* process : live) print_wait(process);
  }

  static void print_wait(ProcessRecord* process) {
    StreamBase* stream = process->waiting_on.load();
    const bool reading = process->access.load() == Access::Read;
    const ProcessRecord* peer = stream->peer(process);
    std::fprintf(stderr, "  %s waits to %s %s (%s: %s), %s by %s\n", process->name.c_str(), reading ? "read" : "write",
                 stream->name().c_str(), reading ? "empty" : "full", describe(stream).c_str(),
                 reading ? "written" : "read", peer ? peer->name.c_str() : "nobody");
  }

  // After a run every FIFO must be empty: leftover data means producer and consumer disagree on
  // the amount of data, which would corrupt the next invocation of the hardware.
  void check_drained() const {
    bool clean = true;
    for (const auto& process : processes_) {
      for (StreamBase* stream : process->streams) {
        if (stream->peer(process.get()) && stream->peer(process.get())->index < process->index) continue;
        if (const size_t held = stream->size()) {
          std::fprintf(stderr, "csim: error: stream %s still holds %zu items after all processes finished\n",
                       stream->name().c_str(), held);
          clean = false;
        }
      }
    }
    if (!clean) {
      std::fflush(stderr);
      std::_Exit(kExitLeftoverData);
    }
  }

  std::vector<std::unique_ptr<ProcessRecord>> processes_;
  std::vector<pthread_t> threads_;
  bool joined_ = false;
};

}  // namespace csim
}  // namespace inrarch_hls
