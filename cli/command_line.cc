// SPDX-License-Identifier: Apache-2.0

#include "command_line.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "did_you_mean.h"
#include "flag_as_value.h"
#include "help_format.h"

namespace shadowsync::cli {
namespace {

// Where flag descriptions start in --help.
constexpr std::size_t kFlagColumn = 34;

bool IsHelpFlag(const std::string& arg) { return arg == "-h" || arg == "--help"; }

// CLI11's wording of its commonest errors, in the house's: the flag first.
std::string Reworded(const CLI::ParseError& error) {
  std::string message = error.what();
  // "--broker: 1 required TEXT missing" (a flag at the end of the line).
  if (const std::size_t at = message.find(": 1 required "); at != std::string::npos) {
    return message.substr(0, at) + ": needs a value";
  }
  // "--thing: At Most 1 required but received 2" (a flag given twice).
  if (const std::size_t at = message.find(": At Most 1 required but received ");
      at != std::string::npos) {
    return message.substr(0, at) + " given more than once";
  }
  return message;
}

// Every long flag name of `app` and of the subcommands it chose.
void CollectFlagNames(const CLI::App& app, std::vector<std::string>* names) {
  for (const CLI::Option* option : app.get_options()) {
    for (const std::string& name : option->get_lnames()) names->push_back("--" + name);
  }
  for (const CLI::App* sub : app.get_subcommands()) CollectFlagNames(*sub, names);
}

}  // namespace

CommandLine::CommandLine(std::string name, std::string description, std::string version)
    : app_(std::move(description), std::move(name)), version_(std::move(version)) {
  app_.set_version_flag("--version", app_.get_name() + " " + version_,
                        "print the version and exit");
  app_.set_help_flag("-h,--help", "print this help and exit");
  // Unknown arguments are collected rather than thrown, so that the error
  // can suggest the nearest flag (UnknownArgument). Subcommands inherit it.
  app_.allow_extras();
  app_.get_formatter()->column_width(kFlagColumn);
  app_.get_formatter()->label("REQUIRED", "(required)");
  // --help fits a terminal; subcommands added later inherit the formatter.
  WrapHelp(app_);
}

Result<ParseOutcome> CommandLine::Parse(const std::vector<std::string>& args) {
  if (!flags_checked_) {
    // Now that the program has added all its flags.
    RefuseFlagsAsValues(app_);
    flags_checked_ = true;
  }
  // CLI11 takes the arguments last first.
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app_.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    return ParseOutcome::kHelp;
  } catch (const CLI::CallForAllHelp&) {
    return ParseOutcome::kHelp;
  } catch (const CLI::CallForVersion&) {
    return ParseOutcome::kVersion;
  } catch (const CLI::ParseError& error) {
    if (std::any_of(args.begin(), args.end(), IsHelpFlag)) return ParseOutcome::kHelp;
    return InvalidArgumentError(Reworded(error));
  }
  const std::vector<std::string> extras = app_.remaining(true);
  if (!extras.empty()) return InvalidArgumentError(UnknownArgument(extras.front()));
  return ParseOutcome::kRun;
}

std::string CommandLine::UnknownArgument(const std::string& argument) const {
  if (argument == "-" || argument == "--") return "unexpected argument '" + argument + "'";
  if (argument.size() > 1 && argument[0] == '-') {
    const std::string name = argument.substr(0, argument.find('='));
    std::vector<std::string> names;
    CollectFlagNames(app_, &names);
    const std::string closest = ClosestName(name, names);
    if (closest != name) {
      // A flag of another command: say which.
      for (const CLI::App* command : app_.get_subcommands({})) {
        if (command->get_option_no_throw(name) != nullptr) {
          return name + " is only valid with " + command->get_name();
        }
      }
    }
    return "unknown flag '" + name + "'" +
           (closest.empty() ? "" : "; did you mean '" + closest + "'?");
  }
  const std::vector<const CLI::App*> commands =
      app_.get_subcommands([](const CLI::App* sub) { return !sub->get_name().empty(); });
  if (app_.get_subcommands().empty() && !commands.empty()) {
    std::vector<std::string> names;
    for (const CLI::App* command : commands) names.push_back(command->get_name());
    const std::string closest = ClosestName(argument, names);
    std::string expected;
    for (const std::string& command : names) expected += (expected.empty() ? "" : ", ") + command;
    return "unknown command '" + argument + "'" +
           (closest.empty() ? "; expected " + expected : "; did you mean '" + closest + "'?");
  }
  return "unexpected argument '" + argument + "'";
}

std::string CommandLine::HelpText() const { return app_.help(); }

std::string CommandLine::VersionText() const { return app_.get_name() + " " + version_ + "\n"; }

std::optional<int> CommandLine::ParseOrExit(int argc, const char* const* argv, std::ostream& out,
                                            std::ostream& err) {
  const std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  Result<ParseOutcome> outcome = Parse(args);
  if (!outcome.ok()) {
    err << "error: " << outcome.status().message() << "\n"
        << "see '" << app_.get_name() << " --help'\n";
    return kExitUsage;
  }
  switch (*outcome) {
    case ParseOutcome::kRun:
      return std::nullopt;
    case ParseOutcome::kHelp:
      out << HelpText();
      return 0;
    case ParseOutcome::kVersion:
      out << VersionText();
      return 0;
  }
  return std::nullopt;
}

}  // namespace shadowsync::cli
