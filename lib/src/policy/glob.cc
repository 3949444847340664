// SPDX-License-Identifier: Apache-2.0

#include "policy/glob.h"

namespace shadowsync::policy_internal {
namespace {

// The index after the code point that starts at `i` (continuation bytes
// belong to it), so that `?` and a `*` that grows consume whole characters.
std::size_t NextCodePoint(std::string_view s, std::size_t i) {
  ++i;
  while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
  return i;
}

// A position in the pattern: a piece and, for a literal, an offset in it.
// Normalised so that it never rests at the end of a literal.
struct Cursor {
  const GlobPiece* pieces;
  std::size_t count;
  std::size_t piece = 0;
  std::size_t offset = 0;

  void Normalize() {
    while (piece < count && pieces[piece].kind == GlobPiece::kLiteral &&
           offset == pieces[piece].text.size()) {
      ++piece;
      offset = 0;
    }
  }
  void NextPiece() {
    ++piece;
    offset = 0;
    Normalize();
  }
  bool AtEnd() const { return piece == count; }
};

}  // namespace

bool GlobMatch(const GlobPiece* pieces, std::size_t count, std::string_view subject,
               bool ignore_case) {
  Cursor at{pieces, count};
  at.Normalize();
  bool have_star = false;
  Cursor after_star = at;  // where the pattern resumes after the last '*'
  std::size_t star_subject = 0;
  std::size_t i = 0;
  while (i < subject.size()) {
    if (!at.AtEnd()) {
      const GlobPiece& piece = pieces[at.piece];
      if (piece.kind == GlobPiece::kStar) {
        at.NextPiece();
        have_star = true;
        after_star = at;
        star_subject = i;
        continue;
      }
      if (piece.kind == GlobPiece::kQuestion) {
        i = NextCodePoint(subject, i);
        at.NextPiece();
        continue;
      }
      const char p = piece.text[at.offset];
      const char s = subject[i];
      if (p == s || (ignore_case && ascii::ToLower(p) == ascii::ToLower(s))) {
        ++i;
        ++at.offset;
        at.Normalize();
        continue;
      }
    }
    if (!have_star) return false;
    // The last '*' takes one more character; retry from just after it.
    star_subject = NextCodePoint(subject, star_subject);
    i = star_subject;
    at = after_star;
  }
  while (!at.AtEnd()) {
    if (pieces[at.piece].kind != GlobPiece::kStar) return false;
    at.NextPiece();
  }
  return true;
}

}  // namespace shadowsync::policy_internal
