// A password or ACL file that cannot be used: the message names the file and line.
#pragma once

#include <stdexcept>

namespace accord::auth {

struct LoadError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace accord::auth
