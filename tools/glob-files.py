#!/usr/bin/env python3
"""Print the files matching glob PATTERNs relative to DIR, sorted, one per line.

usage: glob-files.py DIR PATTERN...

meson has no glob; meson.build calls this at configure time. Adding a file therefore needs a
re-configure (`meson setup --reconfigure BUILDDIR`), which tools/test always does.
"""
import glob
import os
import sys


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    root = sys.argv[1]
    found = set()
    for pattern in sys.argv[2:]:
        for path in glob.glob(os.path.join(glob.escape(root), pattern)):
            found.add(os.path.relpath(path, root))
    for path in sorted(found):
        print(path.replace(os.sep, "/"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
