// The publish-path decision engine: given a PUBLISH as the broker sees it and the configured
// policies, decide what happens to it. Pure: no sockets, no threads, no broker types.
//
// Policy order matters: the FIRST policy (in the order given) whose topic filter matches the
// topic governs the publish, so put specific filters before general ones. A topic no filter
// matches is NotGoverned.
//
// Threading: an Enforcer is immutable; evaluate() is const and writes nothing shared, so any
// number of threads may call it at once without a lock or a shared atomic. Counting is the
// caller's business (broker/gate keeps per-thread counters).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "registry/enforcement/policy.hpp"
#include "registry/enforcement/schema_source.hpp"
#include "registry/enforcement/verdict.hpp"

namespace accord::enforcement {

// A PUBLISH, borrowed from the caller for the duration of evaluate().
struct PublishView {
  std::string_view topic;
  int protocol_version = 5;  // 4 = MQTT 3.1.1, 5 = MQTT 5
  std::optional<std::string> content_type;
  std::vector<std::pair<std::string, std::string>> user_properties;
  std::string_view payload;
};

class Enforcer {
 public:
  // Throws std::invalid_argument with validate_policy()'s message for the first bad policy.
  // `source` must outlive the Enforcer.
  Enforcer(std::vector<Policy> policies, const SchemaSource& source);

  Verdict evaluate(const PublishView& publish) const;

  const std::vector<Policy>& policies() const { return policies_; }

 private:
  const Policy* match(std::string_view topic) const;

  std::vector<Policy> policies_;
  const SchemaSource& source_;
};

}  // namespace accord::enforcement
