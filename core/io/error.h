#pragma once
// Errors raised by the core. The CLI maps them to exit codes (Usage -> 2, Input -> 3),
// the GUI to readable messages. Messages name the file, the key or line, and what was expected.
#include <stdexcept>
#include <string>

namespace hoi {

enum class ErrorKind {
    Usage,     // the caller asked for something malformed (bad option, bad format name)
    Input,     // a file or value supplied by the user is missing, malformed or out of range
    Model,     // a model file is missing, corrupt or of the wrong layout
    Cancelled, // the user cancelled a long operation
    Internal,  // a bug: should not happen
};

class Error : public std::runtime_error {
public:
    Error(ErrorKind kind, const std::string& message)
        : std::runtime_error(message), kind_(kind) {}
    ErrorKind kind() const noexcept { return kind_; }

private:
    ErrorKind kind_;
};

[[noreturn]] inline void throw_input(const std::string& message) {
    throw Error(ErrorKind::Input, message);
}
[[noreturn]] inline void throw_usage(const std::string& message) {
    throw Error(ErrorKind::Usage, message);
}
[[noreturn]] inline void throw_model(const std::string& message) {
    throw Error(ErrorKind::Model, message);
}

} // namespace hoi
