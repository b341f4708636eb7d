// UserError: a failure caused by what the user gave us (a file, a spec, a flag). The CLI prints its
// message as one line and exits with code 2; it must name the file, node or op at fault.
#pragma once

#include <stdexcept>
#include <string>

namespace inrarch {

class UserError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace inrarch
