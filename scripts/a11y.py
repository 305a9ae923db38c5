#!/usr/bin/python3
"""Drives the desktop app as a screen reader would: through the accessibility bus (AT-SPI),
which WebKitGTK fills with the page's buttons and fields and GTK with its own dialogs. The
desktop tests click buttons and read fields with it by their accessible names, which are
the labels a user sees, so no coordinates are guessed.

  a11y.py dump                         the app's tree, one "[role] name" a line
  a11y.py find ROLE NAME               exit 0 when a showing ROLE named NAME exists
  a11y.py click ROLE NAME              its first action (press, click, activate)
  a11y.py text ROLE NAME               prints its text (an entry's value)
  a11y.py set-text ROLE NAME VALUE     replaces its text, as typing would

NAME matches exactly, or as a prefix when it ends in "*" (an entry's name is its label and
its value); ROLE is AT-SPI's role name ("push button", "entry", "page tab").
Runs with Debian's /usr/bin/python3 and gir1.2-atspi-2.0 (at-spi2-core). Exits 1 when
nothing matches, 2 on a usage error.
"""

import sys

import gi

gi.require_version("Atspi", "2.0")
from gi.repository import Atspi  # noqa: E402

APP = "bidswarm-desktop"
# A page's tree is a few hundred nodes; the bound keeps a runaway tree from hanging a test.
MAX_NODES = 5000


def apps():
    desktop = Atspi.get_desktop(0)
    for i in range(desktop.get_child_count()):
        app = desktop.get_child_at_index(i)
        if app is not None and app.get_name() == APP:
            yield app


def walk(node, depth=0, seen=None):
    seen = seen if seen is not None else [0]
    if seen[0] >= MAX_NODES:
        return
    seen[0] += 1
    yield node, depth
    try:
        count = node.get_child_count()
    except gi.repository.GLib.Error:
        return
    for i in range(count):
        child = node.get_child_at_index(i)
        if child is not None:
            yield from walk(child, depth + 1, seen)


def showing(node):
    return node.get_state_set().contains(Atspi.StateType.SHOWING)


def named(node, name):
    actual = node.get_name() or ""
    return actual.startswith(name[:-1]) if name.endswith("*") else actual == name


def find(role, name):
    for app in apps():
        for node, _ in walk(app):
            try:
                if node.get_role_name() == role and named(node, name) and showing(node):
                    return node
            except gi.repository.GLib.Error:
                continue
    return None


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    command, args = argv[0], argv[1:]
    if command == "dump":
        for app in apps():
            for node, depth in walk(app):
                try:
                    print("  " * depth + f"[{node.get_role_name()}] {node.get_name()}")
                except gi.repository.GLib.Error:
                    pass
        return 0
    if len(args) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    node = find(args[0], args[1])
    if node is None:
        return 1
    if command == "find":
        return 0
    if command == "click":
        if Atspi.Action.get_n_actions(node) == 0:
            print(f"{args[0]} {args[1]!r} has no action", file=sys.stderr)
            return 1
        return 0 if Atspi.Action.do_action(node, 0) else 1
    if command == "text":
        print(Atspi.Text.get_text(node, 0, Atspi.Text.get_character_count(node)))
        return 0
    if command == "set-text" and len(args) == 3:
        return 0 if Atspi.EditableText.set_text_contents(node, args[2]) else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
