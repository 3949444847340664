// SPDX-License-Identifier: Apache-2.0
//
// Substitution templates of AWS IoT rule actions ("${topic(3)}"): text with
// AWS IoT SQL expressions inside, rendered for one message with the same
// evaluator as SqlStatement (sql.h, docs/rules.md).

#ifndef SHADOWSYNC_SUBSTITUTION_TEMPLATE_H_
#define SHADOWSYNC_SUBSTITUTION_TEMPLATE_H_

#include <memory>
#include <string>
#include <string_view>

#include "shadowsync/sql.h"
#include "shadowsync/status.h"

namespace shadowsync {

/// An action parameter with substitution templates, e.g. the republish topic
/// "alerts/${topic(3)}/${clientid()}": text with `${expression}` parts, each
/// evaluated on the incoming message (not on the SELECT result) with the
/// same evaluator. `$$` is a literal `$` (AWS: "$$aws/things/..." names a
/// reserved topic); `${` opens an expression that ends at its matching `}`.
///
/// Thread safety: immutable after Parse; const methods may run concurrently.
class SubstitutionTemplate {
 public:
  /// Parses `text`. kInvalidArgument with "template position P: <what>"
  /// (P counts bytes of `text` from 1) for an unclosed `${`, an empty or
  /// invalid expression or a construct outside the subset.
  static Result<SubstitutionTemplate> Parse(std::string_view text);

  SubstitutionTemplate(SubstitutionTemplate&&) noexcept;
  SubstitutionTemplate& operator=(SubstitutionTemplate&&) noexcept;
  SubstitutionTemplate(const SubstitutionTemplate&) = delete;
  SubstitutionTemplate& operator=(const SubstitutionTemplate&) = delete;
  ~SubstitutionTemplate();

  /// The template as given to Parse.
  const std::string& text() const;
  /// True when it holds at least one `${...}`.
  bool has_expressions() const;

  /// The text with each expression replaced by its value: strings as they
  /// are, other values as compact JSON, Undefined as "" (AWS serialises a
  /// lone Undefined as an empty string). Errors as SqlStatement::Evaluate.
  Result<std::string> Render(const SqlMessage& message) const;

 private:
  struct Impl;
  explicit SubstitutionTemplate(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace shadowsync

#endif  // SHADOWSYNC_SUBSTITUTION_TEMPLATE_H_
