#!/usr/bin/env python3
"""What the desktop tests and bench/desktop.py need from a bare X session on Xvfb:

  xsession.py close WINDOW...      asks each X window to close, as a window manager's close
                                   button does (WM_DELETE_WINDOW); there is no window manager
  xsession.py tray-panel CONFIG    writes an xfce4-panel config (its xfconf XML file under
                                   CONFIG, the session's XDG_CONFIG_HOME) with one panel
                                   along the top holding only the status tray, a
                                   StatusNotifierItem host

Python 3 standard library only; libX11 for `close`.
"""

import ctypes
import sys
from pathlib import Path

TRAY_PANEL_XML = """<?xml version="1.0" encoding="UTF-8"?>
<channel name="xfce4-panel" version="1.0">
  <property name="configver" type="int" value="2"/>
  <property name="panels" type="array">
    <value type="int" value="1"/>
    <property name="panel-1" type="empty">
      <property name="position" type="string" value="p=6;x=0;y=0"/>
      <property name="length" type="uint" value="100"/>
      <property name="position-locked" type="bool" value="true"/>
      <property name="size" type="uint" value="32"/>
      <property name="plugin-ids" type="array">
        <value type="int" value="1"/>
      </property>
    </property>
  </property>
  <property name="plugins" type="empty">
    <property name="plugin-1" type="string" value="systray"/>
  </property>
</channel>
"""


class ClientMessage(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                ("display", ctypes.c_void_p), ("window", ctypes.c_ulong), ("message_type", ctypes.c_ulong),
                ("format", ctypes.c_int), ("data", ctypes.c_long * 5)]


class XEvent(ctypes.Union):
    _fields_ = [("xclient", ClientMessage), ("pad", ctypes.c_long * 24)]


def close_windows(windows: list[int]) -> None:
    x = ctypes.cdll.LoadLibrary("libX11.so.6")
    x.XOpenDisplay.restype = ctypes.c_void_p
    x.XInternAtom.restype = ctypes.c_ulong
    x.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long, ctypes.c_void_p]
    x.XFlush.argtypes = [ctypes.c_void_p]
    x.XCloseDisplay.argtypes = [ctypes.c_void_p]
    display = x.XOpenDisplay(None)
    if not display:
        raise OSError("cannot open the X display")
    for window in windows:
        event = XEvent()
        event.xclient.type = 33  # ClientMessage
        event.xclient.window = window
        event.xclient.message_type = x.XInternAtom(display, b"WM_PROTOCOLS", 0)
        event.xclient.format = 32
        event.xclient.data[0] = x.XInternAtom(display, b"WM_DELETE_WINDOW", 0)
        x.XSendEvent(display, window, 0, 0, ctypes.byref(event))
    x.XFlush(display)
    x.XCloseDisplay(display)


def write_tray_panel(config_home: Path) -> Path:
    path = config_home / "xfce4" / "xfconf" / "xfce-perchannel-xml" / "xfce4-panel.xml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(TRAY_PANEL_XML)
    return path


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "close":
        close_windows([int(w) for w in argv[1:]])
        return 0
    if len(argv) == 2 and argv[0] == "tray-panel":
        write_tray_panel(Path(argv[1]))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
