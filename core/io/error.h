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

// What a library's exception (LibTorch, OpenCV, nlohmann_json) says, fit for a user: its first line,
// without LibTorch's C++ stack trace or its "INTERNAL ASSERT FAILED at ..., please report a bug to
// PyTorch." preamble (the text after it is the actual reason).
inline std::string library_message(const std::exception& e) {
    std::string m = e.what();
    const auto nl = m.find('\n');
    if (nl != std::string::npos) m.erase(nl);
    static const std::string bug = "please report a bug to PyTorch.";
    if (const auto b = m.find(bug); b != std::string::npos) {
        m.erase(0, b + bug.size());
        m.erase(0, m.find_first_not_of(' '));
        if (m.empty()) m = "an internal check of LibTorch failed";
    }
    return m;
}

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
