#!/usr/bin/env python3
"""Reads and drives a StatusNotifierItem's menu over D-Bus with busctl, as a tray host
does: `sni.py items`, `sni.py menu` (id and label per line), `sni.py click LABEL`."""
import json, os, subprocess, sys

def busctl(*args):
    # `--` before the arguments: a -1 among them is a value, not an option.
    run = subprocess.run(["busctl", "--address=" + os.environ["DBUS_SESSION_BUS_ADDRESS"], "--json=short", "--", *args],
                         capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"busctl {' '.join(args)}: {run.stderr.strip()}")
    return json.loads(run.stdout) if run.stdout.strip() else None

def items():
    reply = busctl("get-property", "org.kde.StatusNotifierWatcher", "/StatusNotifierWatcher",
                   "org.kde.StatusNotifierWatcher", "RegisteredStatusNotifierItems")
    return reply["data"]

def item():
    found = items()
    if not found:
        sys.exit("no StatusNotifierItem registered")
    service = found[0]
    bus, _, path = service.partition("/")
    return bus, "/" + path if path else "/StatusNotifierItem"

def menu_path(bus, path):
    return busctl("get-property", bus, path, "org.kde.StatusNotifierItem", "Menu")["data"]

def entries(node, out):
    """(id, label) of every item in a GetLayout reply, depth first."""
    if isinstance(node, dict) and "type" in node and "data" in node:
        return entries(node["data"], out)
    if isinstance(node, list) and len(node) == 3 and isinstance(node[0], int) and isinstance(node[1], dict):
        label = node[1].get("label")
        if label is not None:
            out.append((node[0], label["data"] if isinstance(label, dict) else label))
        for child in node[2]:
            entries(child, out)
    elif isinstance(node, list):
        for child in node:
            entries(child, out)
    return out

def menu():
    bus, path = item()
    mpath = menu_path(bus, path)
    reply = busctl("call", bus, mpath, "com.canonical.dbusmenu", "GetLayout", "iias", "0", "-1", "0")
    return bus, mpath, entries(reply["data"], [])

if __name__ == "__main__":
    what = sys.argv[1]
    if what == "items":
        print("\n".join(items()))
    elif what == "menu":
        for i, label in menu()[2]:
            print(f"{i}\t{label}")
    elif what == "click":
        bus, mpath, found = menu()
        ids = [i for i, label in found if label == sys.argv[2]]
        if not ids:
            sys.exit(f"no item {sys.argv[2]!r} in {found}")
        busctl("call", bus, mpath, "com.canonical.dbusmenu", "Event", "isvu", str(ids[0]), "clicked", "s", "", "0")
