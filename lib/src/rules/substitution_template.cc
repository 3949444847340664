// SPDX-License-Identifier: Apache-2.0
//
// Substitution templates: literal runs and `${expression}` parts, the
// expressions parsed once by the SQL parser and evaluated per message.

#include "shadowsync/substitution_template.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "rules/sql_evaluator.h"
#include "rules/sql_parser.h"

namespace shadowsync {

using rules_internal::Expr;
using rules_internal::SourceLabel;

namespace {

// One piece: literal text, or an expression.
struct Part {
  std::string literal;
  std::unique_ptr<Expr> expr;
};

// The index of the `}` closing the `${` whose content starts at `start`,
// skipping quoted strings and nested braces; npos when unclosed.
std::size_t FindClose(std::string_view text, std::size_t start) {
  int depth = 0;
  for (std::size_t i = start; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\'') {
      const std::size_t close = text.find('\'', i + 1);
      if (close == std::string_view::npos) return close;
      i = close;
    } else if (c == '{') {
      ++depth;
    } else if (c == '}') {
      if (depth == 0) return i;
      --depth;
    }
  }
  return std::string_view::npos;
}

Status TemplateError(std::size_t position, const std::string& what) {
  return InvalidArgumentError("template position " + std::to_string(position) + ": " + what);
}

}  // namespace

struct SubstitutionTemplate::Impl {
  std::string text;
  std::vector<Part> parts;
  bool has_expressions = false;
};

SubstitutionTemplate::SubstitutionTemplate(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SubstitutionTemplate::SubstitutionTemplate(SubstitutionTemplate&&) noexcept = default;
SubstitutionTemplate& SubstitutionTemplate::operator=(SubstitutionTemplate&&) noexcept = default;
SubstitutionTemplate::~SubstitutionTemplate() = default;

Result<SubstitutionTemplate> SubstitutionTemplate::Parse(std::string_view text) {
  auto impl = std::make_unique<Impl>();
  impl->text = std::string(text);
  std::string literal;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '$') {
      literal += '$';
      i += 2;
    } else if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '{') {
      const std::size_t close = FindClose(text, i + 2);
      if (close == std::string_view::npos) return TemplateError(i + 1, "unclosed ${");
      const std::string_view inside = text.substr(i + 2, close - i - 2);
      Result<std::unique_ptr<Expr>> expr =
          rules_internal::ParseExpression(inside, SourceLabel{"template", i + 2});
      if (!expr.ok()) return expr.status();
      if (!literal.empty()) impl->parts.push_back(Part{std::move(literal), nullptr});
      literal.clear();
      impl->parts.push_back(Part{std::string(), std::move(*expr)});
      impl->has_expressions = true;
      i = close + 1;
    } else {
      literal += text[i];
      ++i;
    }
  }
  if (!literal.empty()) impl->parts.push_back(Part{std::move(literal), nullptr});
  return SubstitutionTemplate(std::move(impl));
}

const std::string& SubstitutionTemplate::text() const { return impl_->text; }
bool SubstitutionTemplate::has_expressions() const { return impl_->has_expressions; }

Result<std::string> SubstitutionTemplate::Render(const SqlMessage& message) const {
  std::string out;
  JsonDocument scratch;
  rules_internal::Evaluator evaluator(message, scratch.GetAllocator());
  for (const Part& part : impl_->parts) {
    if (!part.expr) {
      out += part.literal;
      continue;
    }
    const rules_internal::SqlValue value = evaluator.Evaluate(*part.expr);
    if (!evaluator.status().ok()) return evaluator.status();
    if (value.is_undefined()) continue;  // a lone Undefined serialises as ""
    if (value.json().IsString()) {
      out.append(value.json().GetString(), value.json().GetStringLength());
    } else {
      out += ToCompactJson(value.json());
    }
  }
  return out;
}

}  // namespace shadowsync
