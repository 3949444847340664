// SPDX-License-Identifier: Apache-2.0

#include "help_format.h"

#include <algorithm>
#include <memory>
#include <utility>

namespace shadowsync::cli {
namespace {

// CLI::Formatter with the descriptions, the program's and the flags',
// wrapped (help_format.h).
class WrappingFormatter : public CLI::Formatter {
 public:
  WrappingFormatter(const CLI::Formatter& base, std::size_t width)
      : CLI::Formatter(base), width_(width) {}

  std::string make_description(const CLI::App* app) const override {
    return WrapText(CLI::Formatter::make_description(app), width_);
  }
  std::string make_footer(const CLI::App* app) const override {
    return WrapText(CLI::Formatter::make_footer(app), width_);
  }
  std::string make_option_desc(const CLI::Option* option) const override {
    const std::size_t column = get_column_width();
    return WrapText(CLI::Formatter::make_option_desc(option),
                    width_ > column + 20 ? width_ - column : 20);
  }

 private:
  std::size_t width_;
};

// Appends `line` (no newline in it) to `out`, broken at spaces.
void WrapLine(const std::string& line, std::size_t width, std::string* out) {
  const std::size_t indent = line.find_first_not_of(' ');
  if (line.size() <= width || indent == std::string::npos) {
    *out += line;
    return;
  }
  const std::string margin(indent, ' ');
  std::string current = line.substr(0, indent);
  bool first_word = true;
  for (std::size_t at = indent; at < line.size();) {
    const std::size_t end = std::min(line.find(' ', at), line.size());
    const std::string word = line.substr(at, end - at);
    at = end + 1;
    if (word.empty()) continue;
    if (!first_word && current.size() + 1 + word.size() > width) {
      *out += current + "\n";
      current = margin;
      first_word = true;
    }
    current += (first_word ? "" : " ") + word;
    first_word = false;
  }
  *out += current;
}

}  // namespace

std::string WrapText(const std::string& text, std::size_t width) {
  std::string out;
  for (std::size_t start = 0; start <= text.size();) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    WrapLine(text.substr(start, end - start), width, &out);
    if (end == text.size()) break;
    out += '\n';
    start = end + 1;
  }
  return out;
}

void WrapHelp(CLI::App& app, std::size_t width) {
  const auto* base = dynamic_cast<const CLI::Formatter*>(app.get_formatter().get());
  app.formatter(std::make_shared<WrappingFormatter>(base ? *base : CLI::Formatter(), width));
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    WrapHelp(*sub, width);
  }
}

}  // namespace shadowsync::cli
