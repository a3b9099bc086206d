// A thread-safe pool of reusable handles (streams, events) with RAII leases.
//
// Handles are created on demand, when a lease is asked for and none is free, and destroyed only
// with the pool: in steady state acquiring and returning a lease creates and destroys nothing.
// The pool knows nothing about CUDA; StreamPool and EventPool give it factories, and the unit
// tests give it fake ones.
#pragma once

#include <cstddef>
#include <functional>
#include <mutex>
#include <utility>
#include <vector>

namespace rill::cuda {

template <class Handle>
class HandlePool {
 public:
  using Create = std::function<Handle()>;
  using Destroy = std::function<void(Handle)>;

  //! A leased handle; returns it to the pool when destroyed. Move-only.
  class Lease {
   public:
    Lease() noexcept = default;
    Lease(Lease&& other) noexcept
        : pool_(std::exchange(other.pool_, nullptr)), handle_(other.handle_) {}
    Lease& operator=(Lease&& other) noexcept {
      std::swap(pool_, other.pool_);
      std::swap(handle_, other.handle_);
      return *this;
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() {
      if (pool_ != nullptr) pool_->give_back(handle_);
    }

    Handle get() const noexcept { return handle_; }
    explicit operator bool() const noexcept { return pool_ != nullptr; }

   private:
    friend class HandlePool;
    Lease(HandlePool* pool, Handle handle) noexcept : pool_(pool), handle_(handle) {}
    HandlePool* pool_ = nullptr;
    Handle handle_{};
  };

  HandlePool(Create create, Destroy destroy)
      : create_(std::move(create)), destroy_(std::move(destroy)) {}
  HandlePool(const HandlePool&) = delete;
  HandlePool& operator=(const HandlePool&) = delete;

  //! Destroys every handle. All leases must have been returned: a lease that outlives its pool
  //! is a lifetime bug in the caller.
  ~HandlePool() {
    for (Handle handle : free_) destroy_(handle);
  }

  //! Leases a free handle, creating one when none is free. Never blocks on other leases.
  Lease acquire() {
    {
      std::lock_guard lock(mutex_);
      if (!free_.empty()) {
        Handle handle = free_.back();
        free_.pop_back();
        return Lease(this, handle);
      }
      ++created_;  // counted before creating, so concurrent growth is bounded and visible
      // give_back() is noexcept and must never allocate: keep room for every handle.
      free_.reserve(created_);
    }
    try {
      return Lease(this, create_());
    } catch (...) {
      std::lock_guard lock(mutex_);
      --created_;
      throw;
    }
  }

  //! Makes sure at least `count` handles exist, so later leases create nothing.
  void reserve(size_t count) {
    std::vector<Lease> leases;
    leases.reserve(count);
    while (created() < count) leases.push_back(acquire());
  }

  //! Handles created so far (leased or free).
  size_t created() const {
    std::lock_guard lock(mutex_);
    return created_;
  }
  //! Handles currently free.
  size_t available() const {
    std::lock_guard lock(mutex_);
    return free_.size();
  }
  size_t in_use() const {
    std::lock_guard lock(mutex_);
    return created_ - free_.size();
  }

 private:
  void give_back(Handle handle) noexcept {
    std::lock_guard lock(mutex_);
    free_.push_back(handle);
  }

  Create create_;
  Destroy destroy_;
  mutable std::mutex mutex_;
  std::vector<Handle> free_;
  size_t created_ = 0;
};

}  // namespace rill::cuda
