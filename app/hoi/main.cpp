// hoi — the HOI Studio command-line tool.
#include "cli.h"

#include "core.h"
#include "io/error.h"

#include <iostream>

using namespace hoi;

static void print_help() {
    std::cout << "hoi " << hoi::version()
              << " — zero-shot human-object interaction detection and annotation\n\n"
                 "usage: hoi [--help] [--version] COMMAND [ARGS...]\n\ncommands:\n";
    for (const auto& [name, cmd] : cli::commands()) {
        std::cout << "  " << name << std::string(name.size() < 12 ? 12 - name.size() : 1, ' ')
                  << cmd.summary << "\n";
    }
    std::cout << "\n'hoi COMMAND --help' shows a command's options.\n"
                 "Output is JSON on stdout; errors go to stderr.\n"
                 "Exit codes: 0 success, 2 bad usage, 3 bad input.\n";
}

int main(int argc, char** argv) {
    hoi::init_runtime();
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) {
        print_help();
        return cli::kUsage;
    }
    if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        print_help();
        return cli::kOk;
    }
    if (args[0] == "--version") {
        std::cout << "hoi " << hoi::version() << std::endl;
        return cli::kOk;
    }
    auto it = cli::commands().find(args[0]);
    if (it == cli::commands().end()) {
        std::cerr << "hoi: unknown command '" << args[0] << "' (see hoi --help)" << std::endl;
        return cli::kUsage;
    }
    try {
        return it->second.run(std::vector<std::string>(args.begin() + 1, args.end()));
    } catch (const Error& e) {
        std::cerr << "hoi " << args[0] << ": " << e.what() << std::endl;
        switch (e.kind()) {
        case ErrorKind::Usage: return cli::kUsage;
        case ErrorKind::Input:
        case ErrorKind::Model: return cli::kInput;
        case ErrorKind::Cancelled: return cli::kCancelled;
        case ErrorKind::Internal: return cli::kFailure;
        }
    } catch (const std::exception& e) {
        std::cerr << "hoi " << args[0] << ": internal error: " << library_message(e) << std::endl;
        return cli::kFailure;
    }
    return cli::kFailure;
}
