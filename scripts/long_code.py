#!/usr/bin/env python3
"""Lists the shipped Rust files over 700 lines and functions over 80 lines (test code excluded:
`#[cfg(test)]` items, tests/, benches/). Exit 1 when any is found. Run from the repo root."""
import pathlib, re, sys

MAX_FILE, MAX_FN = 700, 80

def strip_tests(lines):
    out, skip, depth, opened = [], False, 0, False
    for i, line in enumerate(lines):
        s = line.strip()
        if s.startswith('#[cfg(test)]'):
            skip, depth, opened = True, 0, False
            continue
        if skip:
            code = code_of(line)
            depth += code.count('{') - code.count('}')
            opened |= '{' in code
            if (opened and depth <= 0) or (not opened and s.endswith(';')):
                skip = False
            continue
        out.append((i + 1, line))
    return out

STRING = re.compile(r'"(?:[^"\\]|\\.)*"' + r"|'(?:[^'\\]|\\.)'")

def code_of(line):
    """The line without its comment and literals, whose braces are not the code's."""
    return STRING.sub('""', line).split('//')[0]

FN = re.compile(r'^\s*(pub(\([^)]*\))?\s+)?(const\s+)?(async\s+)?(unsafe\s+)?fn\s+(\w+)')

def long_fns(path, shipped):
    found = []
    n = len(shipped)
    k = 0
    while k < n:
        lineno, line = shipped[k]
        m = FN.match(line)
        if m and not line.rstrip().endswith(';'):
            depth, opened, j = 0, False, k
            while j < n:
                l = shipped[j][1]
                code = code_of(l)
                # A signature that ends before any body (a trait's method) is no function body.
                if not opened and '{' not in code and code.rstrip().endswith(';'):
                    break
                depth += code.count('{') - code.count('}')
                opened |= '{' in code
                if opened and depth <= 0:
                    break
                j += 1
            if not opened:
                k += 1
                continue
            length = shipped[min(j, n - 1)][0] - lineno + 1
            if length > MAX_FN:
                found.append(f'{path}:{lineno}: fn {m.group(6)} is {length} lines')
        k += 1
    return found

problems = []
roots = [pathlib.Path('src')] + sorted(pathlib.Path('crates').glob('*/src'))
for root in roots:
    for p in sorted(root.rglob('*.rs')):
        if p.name == 'tests.rs' or 'tests' in p.parts[len(root.parts):-1]:
            continue
        lines = p.read_text().splitlines()
        shipped = strip_tests(lines)
        if len(shipped) > MAX_FILE:
            problems.append(f'{p}: {len(shipped)} lines of shipped code')
        problems += long_fns(p, shipped)
print('\n'.join(problems) if problems else 'no file over 700 lines, no function over 80')
sys.exit(1 if problems else 0)
