// A rocksdb::FileSystem that fails every write once `full` is set, as a full disk would: for
// tests of what a write error does (store and broker).
#pragma once

#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <atomic>
#include <memory>
#include <string>

namespace accord::store::test {

// Fails every write to every file once `full` is set, as a full disk would.
class FullDiskFileSystem : public rocksdb::FileSystemWrapper {
 public:
  explicit FullDiskFileSystem(std::shared_ptr<rocksdb::FileSystem> target)
      : rocksdb::FileSystemWrapper(std::move(target)) {}
  const char* Name() const override { return "FullDiskFileSystem"; }

  std::atomic<bool> full{false};

  class File : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile> f, const std::atomic<bool>& full)
        : FSWritableFileOwnerWrapper(std::move(f)), full_(full) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                             rocksdb::IODebugContext* dbg) override {
      if (full_) return rocksdb::IOStatus::NoSpace("simulated: no space left on device");
      return FSWritableFileOwnerWrapper::Append(data, o, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                             const rocksdb::DataVerificationInfo& v,
                             rocksdb::IODebugContext* dbg) override {
      if (full_) return rocksdb::IOStatus::NoSpace("simulated: no space left on device");
      return FSWritableFileOwnerWrapper::Append(data, o, v, dbg);
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
      if (full_) return rocksdb::IOStatus::NoSpace("simulated: no space left on device");
      return FSWritableFileOwnerWrapper::Sync(o, dbg);
    }

   private:
    const std::atomic<bool>& full_;
  };

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    if (full) return rocksdb::IOStatus::NoSpace("simulated: no space left on device");
    std::unique_ptr<rocksdb::FSWritableFile> f;
    auto s = target()->NewWritableFile(name, o, &f, dbg);
    if (s.ok()) result->reset(new File(std::move(f), full));
    return s;
  }
  rocksdb::IOStatus ReopenWritableFile(const std::string& name, const rocksdb::FileOptions& o,
                                       std::unique_ptr<rocksdb::FSWritableFile>* result,
                                       rocksdb::IODebugContext* dbg) override {
    if (full) return rocksdb::IOStatus::NoSpace("simulated: no space left on device");
    std::unique_ptr<rocksdb::FSWritableFile> f;
    auto s = target()->ReopenWritableFile(name, o, &f, dbg);
    if (s.ok()) result->reset(new File(std::move(f), full));
    return s;
  }
};

}  // namespace accord::store::test
