#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Extracts the ```cpp blocks of docs/*.md and README.md so that the test
suite compiles them (tests/docs/CMakeLists.txt, docs/contributing-docs.md).

A block is a complete program unless the nearest non-blank line above its
fence is a marker:

  <!-- snippet: program [context=NAME] -->      a translation unit that links
                                                (googletest's main when it has
                                                TEST()s and no main())
  <!-- snippet: declarations [context=NAME] --> top-level code, compiled only
  <!-- snippet: fragment [context=NAME] -->     statements, compiled inside a
                                                function
  <!-- snippet: fragment continues [fixture=F] --> statements appended to the
                                                previous program of the page,
                                                inside TEST_F(F, ...) (or a
                                                function without fixture=)
  <!-- snippet: continues -->                   top-level code appended to the
                                                previous program of the page
  <!-- snippet: signature HEADER -->            a declaration that must appear,
                                                spaces aside, in HEADER
                                                (lib/include/ or
                                                lib/testing/include/)

context=NAME wraps the block in tests/docs/contexts/NAME.cc.in: its text
before and after the line @SNIPPET@ (declarations a page leaves to the
reader, such as the user's own Lamp class). Its lines `// link: a b` name
the CMake targets to link; `// run: no` keeps a googletest program from
being run (every other one runs as the ctest test doc_snippet_<name>).

  doc_snippets.py generate SOURCE_DIR OUT_DIR   writes OUT_DIR/*.cc and
                                                OUT_DIR/snippets.cmake
  doc_snippets.py check SOURCE_DIR              checks the markers and the
                                                signatures; exit 1 on a fault
"""

import glob
import os
import re
import sys

MARKER = re.compile(r"^\s*<!--\s*snippet:\s*(.*?)\s*-->\s*$")
FENCE = re.compile(r"^(\s*)```(\S*)\s*$")
KINDS = ("program", "declarations", "fragment", "continues", "signature")


class Block:
    def __init__(self, page, line, lines, marker):
        self.page = page  # relative path
        self.line = line  # 1-based line of the first code line
        self.lines = lines
        self.marker = marker  # text inside the marker, or None
        self.kind = "program"
        self.options = {}
        self.flags = set()
        self.argument = None


def pages(source_dir):
    found = sorted(glob.glob(os.path.join(source_dir, "docs", "*.md")))
    readme = os.path.join(source_dir, "README.md")
    if os.path.exists(readme):
        found.append(readme)
    return found


def extract(source_dir, path):
    rel = os.path.relpath(path, source_dir)
    with open(path, encoding="utf-8") as f:
        text = f.read().split("\n")
    blocks = []
    i = 0
    while i < len(text):
        m = FENCE.match(text[i])
        if not m or m.group(2) == "":
            i += 1
            continue
        indent, lang = m.group(1), m.group(2)
        j = i + 1
        while j < len(text) and not re.match(r"^\s*```\s*$", text[j]):
            j += 1
        if lang in ("cpp", "c++", "cc", "cxx"):
            k = i - 1
            while k >= 0 and text[k].strip() == "":
                k -= 1
            mm = MARKER.match(text[k]) if k >= 0 else None
            body = [ln[len(indent):] if ln.startswith(indent) else ln.lstrip()
                    for ln in text[i + 1:j]]
            blocks.append(Block(rel, i + 2, body, mm.group(1) if mm else None))
        i = j + 1
    return blocks


def parse_marker(block):
    if block.marker is None:
        return None
    words = block.marker.split()
    if not words or words[0] not in KINDS:
        return "unknown snippet kind in <!-- snippet: %s --> (one of %s)" % (
            block.marker, ", ".join(KINDS))
    block.kind = words[0]
    rest = words[1:]
    if block.kind == "signature":
        if len(rest) != 1:
            return "signature needs one header: <!-- snippet: signature shadowsync/client.h -->"
        block.argument = rest[0]
        return None
    for word in rest:
        if "=" in word:
            key, value = word.split("=", 1)
            if key not in ("context", "fixture"):
                return "unknown option %s" % key
            block.options[key] = value
        elif word == "continues":
            block.flags.add("continues")
        else:
            return "unknown word %r in the marker" % word
    if block.kind == "continues":
        block.kind = "declarations"
        block.flags.add("continues")
    return None


def load_context(source_dir, name):
    path = os.path.join(source_dir, "tests", "docs", "contexts", name + ".cc.in")
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    links = []
    for ln in lines:
        m = re.match(r"^// link:\s*(.*)$", ln)
        if m:
            links += m.group(1).split()
        if re.match(r"^// run: no\b", ln):
            links.append("NORUN")
    where = lines.index("@SNIPPET@")
    return lines[:where], lines[where + 1:], links


def normalise(text):
    return re.sub(r"\s+", "", text)


def check_signature(source_dir, block):
    for root in ("lib/include", "lib/testing/include"):
        path = os.path.join(source_dir, root, block.argument)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                header = normalise(f.read())
            for ln in "\n".join(block.lines).split(";"):
                if ln.strip() and normalise(ln) not in header:
                    return "%s does not declare %r" % (block.argument, ln.strip() + ";")
            return None
    return "no header %s under lib/include or lib/testing/include" % block.argument


class Unit:
    def __init__(self, name, page, link):
        self.name = name
        self.page = page
        self.link = link  # True: an executable
        self.lines = []
        self.links = []
        self.after = []
        self.functions = 0


def emit_block(source_dir, unit, block, wrap):
    page = os.path.join(source_dir, block.page)
    if wrap:
        unit.functions += 1
        if "fixture" in block.options:
            unit.lines.append("TEST_F(%s, DocSnippetLine%d) {" % (block.options["fixture"],
                                                                  block.line))
        else:
            unit.lines.append("[[maybe_unused]] static void DocSnippetLine%d() {" % block.line)
    unit.lines.append('#line %d "%s"' % (block.line, page))
    unit.lines += block.lines
    if wrap:
        unit.lines.append("}")


def build_units(source_dir):
    faults = []
    units = []
    for path in pages(source_dir):
        blocks = extract(source_dir, path)
        current = None  # the page's last program or declarations unit
        fragments = {}  # context -> compile-only unit of the page's fragments
        stem = re.sub(r"[^A-Za-z0-9]+", "_", os.path.relpath(path, source_dir)[:-3]).lower()
        for block in blocks:
            fault = parse_marker(block)
            where = "%s:%d" % (block.page, block.line - 1)
            if fault:
                faults.append("%s: %s" % (where, fault))
                continue
            if block.kind == "signature":
                fault = check_signature(source_dir, block)
                if fault:
                    faults.append("%s: %s" % (where, fault))
                continue
            if "continues" in block.flags:
                if current is None:
                    faults.append("%s: 'continues' but no program above it on the page" % where)
                    continue
                emit_block(source_dir, current, block, block.kind == "fragment")
                continue
            context = block.options.get("context")
            before, after, links = [], [], []
            if context:
                try:
                    before, after, links = load_context(source_dir, context)
                except (OSError, ValueError) as e:
                    faults.append("%s: context %s: %s" % (where, context, e))
                    continue
            if block.kind == "fragment":
                key = context or ""
                unit = fragments.get(key)
                if unit is None:
                    unit = Unit("%s_fragments%s" % (stem, "_" + context if context else ""),
                                block.page, False)
                    unit.lines += before
                    unit.after = after
                    unit.links = links
                    fragments[key] = unit
                    units.append(unit)
                emit_block(source_dir, unit, block, True)
                continue
            unit = Unit("%s_line%d" % (stem, block.line), block.page, block.kind == "program")
            unit.lines += before
            unit.after = after
            unit.links = links
            emit_block(source_dir, unit, block, False)
            units.append(unit)
            current = unit
    return units, faults


def generate(source_dir, out_dir):
    units, faults = build_units(source_dir)
    os.makedirs(out_dir, exist_ok=True)
    manifest = ["# Generated by tests/docs/doc_snippets.py; do not edit."]
    for unit in units:
        text = "\n".join(unit.lines + ["#line 1 \"(after the snippet)\""] + unit.after) + "\n"
        source = os.path.join(out_dir, unit.name + ".cc")
        old = None
        if os.path.exists(source):
            with open(source, encoding="utf-8") as f:
                old = f.read()
        if old != text:  # keep the timestamp: no rebuild for an unchanged snippet
            with open(source, "w", encoding="utf-8") as f:
                f.write(text)
        body = "\n".join(unit.lines)
        gtest = bool(re.search(r"\bTEST(_F|_P)?\s*\(", body)) and not re.search(
            r"\bint\s+main\s*\(", body)
        manifest.append("shadowsync_doc_snippet(%s %s %s %s %s)" % (
            unit.name, source, "LINK" if unit.link else "COMPILE",
            "GTEST" if gtest else "NOGTEST", " ".join(unit.links)))
    current = {unit.name + ".cc" for unit in units}
    for stale in os.listdir(out_dir):  # blocks that moved or went away
        if stale.endswith(".cc") and stale not in current:
            os.remove(os.path.join(out_dir, stale))
    for fault in faults:  # the check test reports them; the build goes on
        manifest.append("message(WARNING [[doc snippet: %s]])" % fault)
    with open(os.path.join(out_dir, "snippets.cmake"), "w", encoding="utf-8") as f:
        f.write("\n".join(manifest) + "\n")
    return 0


def check(source_dir):
    units, faults = build_units(source_dir)
    for fault in faults:
        print("error: " + fault)
    count = sum(len(extract(source_dir, p)) for p in pages(source_dir))
    print("%d C++ blocks, %d translation units, %d faults" % (count, len(units), len(faults)))
    return 1 if faults else 0


def main(argv):
    if len(argv) == 4 and argv[1] == "generate":
        return generate(argv[2], argv[3])
    if len(argv) == 3 and argv[1] == "check":
        return check(argv[2])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
