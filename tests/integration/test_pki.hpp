// Throw-away certificates for the TLS tests, made with the openssl command line in a test's
// temporary directory: CAs, server certificates for 127.0.0.1 / localhost, client certificates.
#pragma once

#include <string>

namespace accord::it {

class TestPki {
 public:
  explicit TestPki(std::string dir) : dir_(std::move(dir)) {}

  // A self-signed CA: DIR/<name>.crt and DIR/<name>.key.
  void make_ca(const std::string& name, const std::string& common_name);
  // A certificate signed by CA `ca` (a make_ca name), with a fresh key and a random serial.
  // server: for 127.0.0.1 and localhost (serverAuth); otherwise a client certificate.
  void issue(const std::string& ca, const std::string& name, const std::string& common_name, bool server);

  std::string crt(const std::string& name) const { return dir_ + "/" + name + ".crt"; }
  std::string key(const std::string& name) const { return dir_ + "/" + name + ".key"; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

}  // namespace accord::it
