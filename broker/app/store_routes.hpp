// Admin API routes of the durable store (docs/durability.md, "Operations"):
//   GET  /v1/store             counts per kind of record, bytes on disk, write counters
//   POST /v1/store/checkpoint  {"directory": "/abs/path"}: a consistent online copy (RocksDB
//                              checkpoint) in a directory that must not exist yet
#pragma once

#include <functional>

#include "broker/core/config.hpp"
#include "broker/store/store.hpp"
#include "registry/http/router.hpp"

namespace accord {

// `store` returns the open store, or nullptr while the broker is still starting.
void add_store_routes(http::Router& router, std::function<store::Store*()> store,
                      const Config& config);

}  // namespace accord
