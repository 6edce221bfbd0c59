#include "broker/app/store_routes.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <filesystem>

namespace accord {
namespace {

namespace fs = std::filesystem;


http::Response unavailable() {
  return http::error_response(503, 50301, "the store is not open yet (the broker is starting)");
}

}  // namespace

void add_store_routes(http::Router& router, std::function<store::Store*()> store,
                      const Config& config) {
  router.add("GET", "/v1/store", [store, &config](const http::Request&) {
    store::Store* s = store();
    if (!s) return unavailable();
    const store::Stats st = s->stats();
    boost::json::object body;
    body["data_dir"] = config.data_dir;
    body["durability"] = store::to_string(s->durability());
    body["retained"] = st.retained;
    body["sessions"] = st.sessions;
    body["queue_entries"] = st.queue_entries;
    body["messages"] = st.messages;
    body["inbound_qos2"] = st.inbound_qos2;
    body["registry_schemas"] = st.registry_schemas;
    body["registry_versions"] = st.registry_versions;
    body["bytes_on_disk"] = st.bytes_on_disk;
    body["batches"] = st.batches;
    body["writes"] = st.writes;
    body["failed_writes"] = st.failed_writes;
    return http::Response{200, boost::json::serialize(body)};
  });

  router.add("POST", "/v1/store/checkpoint", [store](const http::Request& request) {
    boost::system::error_code ec;
    const boost::json::value parsed = boost::json::parse(request.body, ec);
    const boost::json::object* obj = ec ? nullptr : parsed.if_object();
    const boost::json::value* dir = obj ? obj->if_contains("directory") : nullptr;
    if (!dir || !dir->is_string() || dir->as_string().empty())
      return http::error_response(400, 40001,
                                  "expected a JSON body {\"directory\": \"/absolute/path\"}");
    const std::string directory(dir->as_string());
    // Relative to what? The broker's working directory is rarely what the caller means.
    if (!fs::path(directory).is_absolute())
      return http::error_response(400, 40002, "directory must be an absolute path: " + directory);
    if (fs::exists(directory, ec))
      return http::error_response(409, 40901, "directory already exists: " + directory);
    store::Store* s = store();
    if (!s) return unavailable();
    if (s->durability() == store::Durability::Memory)
      return http::error_response(
          409, 40902, "store.durability is memory: there is nothing on disk to back up");
    const auto started = std::chrono::steady_clock::now();
    const store::Status st = s->checkpoint(directory);
    if (!st.ok) return http::error_response(500, 50002, st.message);
    boost::json::object body;
    body["directory"] = directory;
    body["bytes"] = store::directory_bytes(directory);
    body["ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - started)
                     .count();
    return http::Response{201, boost::json::serialize(body)};
  });
}

}  // namespace accord
