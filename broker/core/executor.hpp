// How core hands work to the I/O threads without knowing about Asio. Each session belongs to
// one I/O thread at a time; cross-thread calls go through post().
#pragma once

#include <functional>

namespace accord::core {

class Executor {
 public:
  virtual ~Executor() = default;
  virtual unsigned thread_count() const = 0;
  // Runs `fn` on I/O thread `thread` (never inline).
  virtual void post(unsigned thread, std::function<void()> fn) = 0;
};

// Index of the I/O thread running the caller, or -1 off the I/O threads. Set by net.
inline thread_local int current_io_thread = -1;

}  // namespace accord::core
