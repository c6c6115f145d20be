#!/usr/bin/env bash
# The size check of the house style (docs/architecture.md, STYLE.md "One concept per file"):
# lists every product source file (common net engine protocol server procs simulator reports cli;
# not tests/ or bench/) over 500 lines and every function whose body spans more than 70 lines,
# counted as clang-tidy's readability-function-size counts them (line of the closing brace minus
# line of the opening one, comments and blank lines included). Exits 0 when nothing is over,
# 1 when anything is, 2 on bad usage. No build needed: a small scanner reads the sources
# (comments, strings and the preprocessor skipped; a lambda counts toward its function); on
# this tree it finds what clang-tidy -checks=readability-function-size finds, headers included.
#
#   scripts/sizes.sh                 check with the allowlist scripts/sizes-allow.txt
#   scripts/sizes.sh --all           list everything over, ignoring the allowlist
#   scripts/sizes.sh --allow FILE    check with another allowlist
#
# Allowlist: one entry a line, "PATH REASON" for a file's length or "PATH:FUNCTION REASON" for
# one function (FUNCTION as listed, e.g. Checker::Impl::Record); every entry needs a reason;
# '#' starts a comment. Entries that no longer match are reported (not an error), so the list
# shrinks as code is split. Limits: FILE_LINES_MAX (500) and FUNCTION_LINES_MAX (70).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
usage() {
  sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
allow=$ROOT/scripts/sizes-allow.txt
while [[ $# -gt 0 ]]; do
  case $1 in
    --all) allow="" ;;
    --allow)
      [[ $# -ge 2 ]] || usage
      [[ -f $2 ]] || { echo "error: no allowlist $2" >&2; exit 2; }
      allow=$2
      shift
      ;;
    *) usage ;;
  esac
  shift
done
[[ -z $allow || -f $allow ]] || allow=""  # the default list is optional

cd "$ROOT"
exec python3 - "${FILE_LINES_MAX:-500}" "${FUNCTION_LINES_MAX:-70}" "$allow" <<'PY'
import os
import re
import sys

file_max, func_max, allow_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
DIRS = ["common", "net", "engine", "protocol", "server", "procs", "simulator", "reports", "cli"]


def blank(text):
    """The text with comments, string and char literals and preprocessor lines blanked out
    (newlines kept, so line numbers stay)."""
    out, i, n = [], 0, len(text)
    line_start = True
    while i < n:
        c = text[i]
        if line_start and c == "#":  # a directive, with its continuation lines
            j = i
            while j < n and text[j] != "\n":
                j += 2 if text[j] == "\\" and j + 1 < n else 1
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
            continue
        if c == "\n":
            line_start = True
            out.append(c)
            i += 1
            continue
        if not c.isspace():
            line_start = False
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "R" and text.startswith('"', i + 1) and not (i and (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'R"([^(\s]{0,16})\(', text[i:])
            end = text.find(")" + m.group(1) + '"', i) if m else -1
            j = n if end < 0 else end + len(m.group(1)) + 2
            out.append('""' + re.sub(r"[^\n]", " ", text[i + 2 : j]))
            i = j
        elif c in "\"'":
            if c == "'" and i and text[i - 1].isalnum():  # a digit separator: 1'000
                out.append(" ")
                i += 1
                continue
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(c + " " * (j - i - 1) + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


KEYWORD_HEAD = re.compile(r"^(?:template\s*<.*>\s*)?(?:namespace|class|struct|union|enum|extern)\b")
SCOPE_HEAD = re.compile(r"^(?:template\s*<.*>\s*)?(?:namespace|extern\b)")
CLASS_HEAD = re.compile(r"^(?:template\s*<.*>\s*)?(?:class|struct|union)\b")
TRAILER = re.compile(r"\)\s*(?:const|volatile|noexcept(?:\s*\(.*\))?|override|final|mutable|&&?|\s)*"
                     r"(?:->\s*[^{};]*)?$")


def strip_operators(head):
    return re.sub(r"\boperator\s*(?:\(\)|\[\]|[^\w\s(]+|\w+)", "operator", head)


def is_function_head(head):
    """Whether a '{' after `head` (at namespace or class scope) opens a function body."""
    h = strip_operators(re.sub(r"\s+", " ", head).strip())
    if not h or KEYWORD_HEAD.match(h) or "(" not in h:
        return False
    depth = 0
    for k, ch in enumerate(h):  # '=' outside parentheses: an initializer
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "=" and depth == 0:
            return False
        elif ch == ":" and depth == 0 and h[k - 1 : k + 2].count(":") == 1 and ")" in h[:k]:
            return True  # a constructor's initializer list
    return bool(TRAILER.search(h))


def function_name(head):
    h = strip_operators(re.sub(r"\s+", " ", head).strip())
    h = re.sub(r"^template\s*<.*?>\s*", "", h)
    angle = 0
    for k, ch in enumerate(h):
        if ch == "<":
            angle += 1
        elif ch == ">":
            angle = max(0, angle - 1)
        elif ch == "(" and angle == 0:
            m = re.search(r"(~?[\w:]+(?:<[^()]*>)?(?:::~?\w+)*)\s*$", h[:k])
            return m.group(1) if m else "(lambda)"
    return "?"


def functions(text):
    """(name, open line, lines) of every function body at namespace or class scope."""
    found = []
    scopes = ["scope"]  # what each open brace is: scope | class | function | other
    head = ""
    line = 1
    body_start = 0
    for ch in text:
        if ch == "\n":
            line += 1
        kind = scopes[-1]
        if kind in ("scope", "class"):
            if ch == "{":
                if is_function_head(head):
                    scopes.append("function")
                    body_start = line
                    found_name = function_name(head)
                elif SCOPE_HEAD.match(head.strip()):
                    scopes.append("scope")
                elif CLASS_HEAD.match(head.strip()) and not re.search(r"\)\s*$", head):
                    scopes.append("class")
                else:
                    scopes.append("other")
                if scopes[-1] in ("scope", "class"):
                    head = ""
                continue
            if ch == "}":
                scopes.pop()
                head = ""
                continue
            if ch == ";" or (ch == ":" and re.search(r"\b(public|private|protected)\s*$", head)):
                head = ""
                continue
            head += ch
        else:
            if ch == "{":
                scopes.append("inner")
            elif ch == "}":
                scopes.pop()
                if kind == "function":
                    found.append((found_name, body_start, line - body_start))
                    head = ""
                elif kind == "other" and scopes[-1] in ("scope", "class"):
                    head += "{}"  # an initializer; a constructor's body may follow
    return found


entries = {}
if allow_path:
    for number, raw in enumerate(open(allow_path), 1):
        text = raw.split("#", 1)[0].strip()
        if not text:
            continue
        parts = text.split(None, 1)
        if len(parts) < 2:
            print(f"{allow_path}:{number}: entry without a reason: {text}", file=sys.stderr)
            sys.exit(2)
        entries[parts[0]] = [parts[1], False]

over = 0


def report(key, what):
    global over
    if key in entries:
        entries[key][1] = True
        print(f"allowed  {what}  ({entries[key][0]})")
    else:
        over += 1
        print(f"OVER     {what}")


paths = []
for d in DIRS:
    for base, _, names in os.walk(d):
        paths += [os.path.join(base, f) for f in names if f.endswith((".cc", ".h"))]
for path in sorted(paths):
    text = open(path, encoding="utf-8", errors="replace").read()
    lines = text.count("\n")
    if lines > file_max:
        report(path, f"{path}: {lines} lines (max {file_max})")
    for name, start, length in functions(blank(text)):
        if length > func_max:
            report(f"{path}:{name}", f"{path}:{start}: {name}: {length} lines (max {func_max})")

for key, (reason, used) in entries.items():
    if not used:
        print(f"stale    {key}: nothing over the limit matches this allowlist entry")
print(f"{over} over the limits" + (" (not allowlisted)" if allow_path else ""))
sys.exit(1 if over else 0)
PY
