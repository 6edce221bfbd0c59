#include "test_pki.hpp"

#include <fstream>
#include <random>
#include <stdexcept>

#include "test_support.hpp"

namespace accord::it {

namespace {
void openssl(std::vector<std::string> args) {
  args.insert(args.begin(), "openssl");
  const ProcessResult r = run_process(args, std::chrono::seconds(30));
  if (r.exit_code != 0) throw std::runtime_error("openssl " + args[1] + " failed: " + r.out);
}
}  // namespace

void TestPki::make_ca(const std::string& name, const std::string& common_name) {
  openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
           "-keyout", key(name), "-out", crt(name), "-days", "2", "-subj", "/CN=" + common_name});
}

void TestPki::issue(const std::string& ca, const std::string& name, const std::string& common_name,
                    bool server) {
  const std::string csr = dir_ + "/" + name + ".csr";
  const std::string ext = dir_ + "/" + name + ".ext";
  openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
           key(name), "-out", csr, "-subj", "/CN=" + common_name});
  std::ofstream(ext) << (server ? "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
                                : "extendedKeyUsage=clientAuth\n");
  std::random_device rd;
  const std::string serial = "0x" + std::to_string(rd()) + std::to_string(rd());
  openssl({"x509", "-req", "-in", csr, "-CA", crt(ca), "-CAkey", key(ca), "-set_serial", serial, "-out",
           crt(name), "-days", "2", "-extfile", ext});
}

}  // namespace accord::it
