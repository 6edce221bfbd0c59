// Registry tests run on a real RocksDB store in a temp directory, reopened to prove persistence.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>

#include "broker/store/store.hpp"
#include "registry/core/registry.hpp"

namespace accord::registry::test {

class RegistryFixture : public ::testing::Test {
 protected:
  RegistryFixture() {
    std::string templ = (std::filesystem::temp_directory_path() / "accord-registry-XXXXXX").string();
    if (!mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
    dir_ = templ;
    open();
  }
  ~RegistryFixture() override {
    close();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void open(RegistryOptions options = {}) {
    store::StoreOptions o;
    o.path = (dir_ / "db").string();
    o.durability = store::Durability::Sync;
    auto r = store::open_store(o);
    ASSERT_TRUE(r.status.ok) << r.status.message;
    store_ = std::move(r.store);
    auto reg = Registry::open(*store_, std::move(options));
    ASSERT_TRUE(reg.ok()) << reg.error().message;
    registry_ = std::move(reg.value());
  }
  void close() {
    registry_.reset();
    if (store_) store_->close();
    store_.reset();
  }
  void reopen(RegistryOptions options = {}) {
    close();
    open(std::move(options));
  }

  Registry& reg() { return *registry_; }

  static SchemaInput json_schema(std::string text, std::vector<SchemaReference> refs = {}) {
    return SchemaInput{std::move(text), SchemaType::Json, std::move(refs)};
  }
  static SchemaInput proto_schema(std::string text, std::vector<SchemaReference> refs = {}) {
    return SchemaInput{std::move(text), SchemaType::Protobuf, std::move(refs)};
  }

  // Registers and expects success; returns the id.
  int must_register(const std::string& subject, const SchemaInput& in) {
    auto r = reg().register_schema(subject, in);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : -1;
  }
  // Expects failure with this error code; returns the message.
  template <class T>
  static std::string expect_error(const Result<T>& r, int code) {
    EXPECT_FALSE(r.ok());
    if (r.ok()) return {};
    EXPECT_EQ(r.error().error_code, code) << r.error().message;
    return r.error().message;
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Registry> registry_;
};

}  // namespace accord::registry::test
