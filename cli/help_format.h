// SPDX-License-Identifier: Apache-2.0
//
// --help that fits a terminal. CLI11 2.1 prints each flag's description on
// one line however long it is; WrapHelp() makes a program's --help wrap at
// a width instead: flag descriptions continue under their own column, the
// program's description and footer wrap at word boundaries, and lines that
// already fit (indented tables in a footer) stay as written.
//
// Every CommandLine (command_line.h) uses it.
//
// Thread safety: WrapText is pure; WrapHelp changes one App (command_line.h).

#ifndef SHADOWSYNC_CLI_HELP_FORMAT_H_
#define SHADOWSYNC_CLI_HELP_FORMAT_H_

#include <CLI/CLI.hpp>
#include <cstddef>
#include <string>

namespace shadowsync::cli {

/// The usual terminal width.
inline constexpr std::size_t kHelpWidth = 80;

/// `text` with every line longer than `width` broken at spaces; a broken
/// line's continuation keeps the line's leading indentation. A word longer
/// than `width` stays whole.
std::string WrapText(const std::string& text, std::size_t width);

/// Makes `app`'s --help (and its subcommands', present and future) wrap at
/// `width`, keeping the formatter's column width and labels.
void WrapHelp(CLI::App& app, std::size_t width = kHelpWidth);

}  // namespace shadowsync::cli

#endif  // SHADOWSYNC_CLI_HELP_FORMAT_H_
