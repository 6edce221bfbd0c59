// The schema of a subject from Accord's registry (Confluent REST API on the admin port):
// GET /subjects/S/versions/V. Plain HTTP; every network step bounded by `timeout_s`.
#pragma once

#include <string>

namespace accord::clients {

// The schema text. Throws Failure: kUnreachable (cannot connect, timeout, bad URL), kUsage
// (unknown subject or version, the registry's message).
std::string fetch_schema(const std::string& registry, const std::string& authorization,
                         const std::string& subject, const std::string& version, int timeout_s);

}  // namespace accord::clients
