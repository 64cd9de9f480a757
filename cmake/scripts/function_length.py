#!/usr/bin/env python3
"""Reports C++ functions longer than a limit: functions of at most about 70
lines in sim/ and core/ (docs/ARCHITECTURE.md), tests excluded.

A function is a definition that starts at column 0 (namespace members are not
indented in this code base) and whose body runs from the line ending in '{' to
the next '}' at column 0; its length is the number of lines of its body. (A
heuristic, not a parser: functions defined inside a class, and constructors
whose '{' ends an indented initialiser list, are not measured.)
Functions listed in the allowance file may be as long as listed there (today's
offenders, to be split): the check fails when any other function is over the
limit, or an allowed one grew. Usage:

  function_length.py LIMIT ALLOWANCE_FILE ROOT DIR...

The allowance file has one "path:function lines" per line ('#' comments).
"""
import os
import re
import sys

SKIP = re.compile(r'^(namespace|struct|class|enum|union|extern|template\s*<[^>]*>\s*(struct|class))\b')


def functions(path):
    with open(path, encoding='utf-8', errors='replace') as f:
        lines = f.read().split('\n')
    i = 0
    while i < len(lines):
        line = lines[i]
        if line and not line[0].isspace() and line.rstrip().endswith('{') and not line.startswith(('//', '#', '}')) \
                and not SKIP.match(line) and '(' in ''.join(lines[max(0, i - 3):i + 1]):
            # The signature may span lines: the name is the word before its first '('.
            head = line
            k = i
            while '(' not in head and k > 0:
                k -= 1
                head = lines[k] + head
            m = re.search(r'([~\w:]+(?:operator\S*)?)\s*\(', head)
            name = m.group(1) if m else '?'
            j = i + 1
            while j < len(lines) and not lines[j].startswith('}'):
                j += 1
            yield name, j - i - 1, i + 1
            i = j
        i += 1


def main():
    limit = int(sys.argv[1])
    allowance = {}
    with open(sys.argv[2]) as f:
        for raw in f:
            raw = raw.split('#', 1)[0].strip()
            if raw:
                key, lines = raw.rsplit(' ', 1)
                allowance[key] = int(lines)
    root = sys.argv[3]
    problems = []
    seen = set()
    for top in sys.argv[4:]:
        for dirpath, _, names in os.walk(os.path.join(root, top)):
            for name in sorted(names):
                if not name.endswith(('.cpp', '.hpp', '.c', '.h')) or '/tests' in dirpath:
                    continue
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root)
                for function, length, line in functions(path):
                    key = rel + ':' + function
                    allowed = allowance.get(key, limit)
                    seen.add(key)
                    if length > allowed:
                        problems.append('%s:%d: %s is %d lines long (limit %d%s)' % (
                            rel, line, function, length, allowed,
                            ', allowed until split' if key in allowance else ''))
    for key in sorted(set(allowance) - seen):
        problems.append('%s: listed in the allowance but not found (remove the line)' % key)
    for problem in problems:
        print(problem)
    print('function_length: %d problem(s), limit %d lines, %d allowed until split' % (
        len(problems), limit, len(allowance)))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
