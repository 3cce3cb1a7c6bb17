#!/usr/bin/env python3
"""Ports an installed autobahntestsuite 25.10.1 (Python 2 code) to Python 3.11, in place.

Usage: port.py SITE_PACKAGES

Runs 2to3 over the package, then applies the hand fixes below. Only what the fuzzing client
(`wstest -m fuzzingclient`, cases 1-7 and 9) needs is fixed. Every fix names the text it replaces
and fails loudly when that text is not found, so a changed upstream package is noticed, not
half-ported. Running it twice is harmless: a package already ported is left alone.
"""

import pathlib
import subprocess
import sys

MARKER = ".ported-to-python3"

# Python 2 strings are bytes; under Python 3 the suite's literals are text. Read as Latin-1,
# every literal (UTF-8 in the source or \x escapes) holds exactly its Python 2 bytes, one
# character per byte; the shim below turns such text into bytes wherever it meets the wire.
LATIN1_SOURCES = ["case/case6_2_1.py", "case/case6_2_2.py", "case/case6_2_3.py", "case/case6_x_x.py"]

# Loaded first by the package: where Python 2 bytes (now Latin-1 text) meet Python 3 bytes.
SHIM = '''
import binascii as _binascii
import pickle as _pickle

import txaio as _txaio

# The txaio the suite pinned chose Twisted by itself; newer ones are told.
_txaio.use_twisted()

from autobahn.websocket import protocol as _protocol
from autobahn.websocket import utf8validator as _utf8


def _bytes(value):
    return value.encode("latin-1") if isinstance(value, str) else value


def _same(value):
    if isinstance(value, (list, tuple)):
        return type(value)(_same(v) for v in value)
    return _bytes(value)


_b2a_hex = _binascii.b2a_hex
_binascii.b2a_hex = lambda data, *a: _b2a_hex(_bytes(data), *a).decode("ascii")

_validate = _utf8.Utf8Validator.validate
_utf8.Utf8Validator.validate = lambda self, data: _validate(self, _bytes(data))


def _wrap(name, position, keyword):
    """Makes argument `position` (or `keyword`) of the protocol's method `name` bytes."""
    original = getattr(_protocol.WebSocketProtocol, name)

    def wrapped(self, *args, **kwargs):
        args = list(args)
        if position < len(args):
            args[position] = _bytes(args[position])
        if keyword in kwargs:
            kwargs[keyword] = _bytes(kwargs[keyword])
        return original(self, *args, **kwargs)

    setattr(_protocol.WebSocketProtocol, name, wrapped)


_wrap("sendFrame", 1, "payload")
_wrap("sendMessage", 0, "payload")
_wrap("sendPing", 0, "payload")
_wrap("sendPong", 0, "payload")
_wrap("sendMessageFrameData", 0, "payload")
_wrap("sendData", 0, "data")
_wrap("sendCloseFrame", 1, "reasonUtf8")


def text(value):
    if isinstance(value, bytes):
        return value.decode("latin-1")
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def compare(self, obj1, obj2):
    return _pickle.dumps(_same(obj1)) == _pickle.dumps(_same(obj2))
'''

# (files, old, new): a glob under site-packages; the old text must occur in at least one of them
# after 2to3, and is replaced in all.
FIXES = [
    # autobahn 0.10.9's own Python 3 slip: a repeated payload's count is a float.
    ("autobahn/websocket/protocol.py", "range(payload_len / len(payload))",
     "range(payload_len // len(payload))"),
    # Python 3 has no classic classes: `object` before `Case` gives no consistent MRO.
    ("autobahntestsuite/case/*.py", "(object, Case, )", "(Case, )"),
    # The WAMP serializer mode needs autobahn's Python 2 test helpers; only the fuzzing modes are
    # ported, so it is imported when asked for (and fails then).
    ("autobahntestsuite/wstest.py", "\nfrom . import serializer\n", "\n"),
    ("autobahntestsuite/wstest.py", "         return serializer.start(",
     "         from . import serializer\n         return serializer.start("),
    # Only the JSON reports are read; the HTML ones write bytes to text files.
    ("autobahntestsuite/fuzzing.py", "      self.createReports()\n", "      self.createReports(produceHtml = False)\n"),
    # What a case received is bytes now: written into the JSON reports as Latin-1 text.
    ("autobahntestsuite/fuzzing.py", "sort_keys = True, indent = 3, separators = (',', ': ')",
     "sort_keys = True, indent = 3, separators = (',', ': '), "
     "default = autobahntestsuite.py3shim.text"),
    # Frames arrive as bytes.
    ("autobahntestsuite/fuzzing.py", "         p = ''.join(payload)\n", "         p = b''.join(payload)\n"),
    # The limits cases turn their wire log off while they send; it stays on, since what the client
    # sent (a message over the server's limit, binary) is what their close codes are judged by.
    ("autobahntestsuite/case/case9_*.py", "      self.p.createWirelog = False\n",
     "      self.p.createWirelog = True\n"),
    ("autobahntestsuite/case/case9_7_X.py", "   self.p.enableWirelog(False)\n",
     "   self.p.enableWirelog(True)\n"),
    # zope.interface's class advice is gone on Python 3: the decorator says the same.
    ("autobahntestsuite/case/case9_9_1.py", "from zope.interface import implements\n",
     "from zope.interface import implementer\n"),
    ("autobahntestsuite/case/case9_9_1.py", "class FrameProducer:\n\n   implements(interfaces.IPushProducer)\n",
     "@implementer(interfaces.IPushProducer)\nclass FrameProducer:\n"),
    ("autobahntestsuite/__init__.py", "from . import choosereactor  # This MUST BE the FIRST file imported here! Do NOT touch.\n",
     "from . import choosereactor  # This MUST BE the FIRST file imported here! Do NOT touch.\n"
     "from . import py3shim\n"),
    ("autobahntestsuite/case/case.py", "   def compare(self, obj1, obj2):\n      return pickle.dumps(obj1) == pickle.dumps(obj2)",
     "   def compare(self, obj1, obj2):\n      from autobahntestsuite import py3shim\n"
     "      return py3shim.compare(self, obj1, obj2)"),
    # TLS is not used against loopback: import Twisted's ssl (which needs pyOpenSSL) only for wss.
    ("autobahntestsuite/fuzzing.py", "from twisted.internet import reactor, ssl\n",
     "from twisted.internet import reactor\n"),
    ("autobahntestsuite/fuzzing.py", "            self.contextFactory = ssl.optionsForClientTLS(hostname)",
     "            from twisted.internet import ssl\n"
     "            self.contextFactory = ssl.optionsForClientTLS(hostname)"),
    ("autobahntestsuite/fuzzing.py", "            self.contextFactory = ssl.ClientContextFactory()",
     "            self.contextFactory = None  # ws:// needs none"),
]


def main() -> None:
    site = pathlib.Path(sys.argv[1])
    package = site / "autobahntestsuite"
    if (package / MARKER).exists():
        return
    subprocess.run(
        [sys.executable, "-W", "ignore", "-m", "lib2to3", "-w", "-n", "--no-diffs", "-j", "2",
         str(package)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for name in LATIN1_SOURCES:
        path = package / name
        text = path.read_text(encoding="latin-1")
        if "# coding=utf-8" not in text:
            sys.exit(f"port.py: {name}: no utf-8 coding line")
        path.write_text(text.replace("# coding=utf-8", "# coding=latin-1"), encoding="latin-1")
    (package / "py3shim.py").write_text(SHIM)
    for pattern, old, new in FIXES:
        found = False
        for path in sorted(site.glob(pattern)):
            text = path.read_text(encoding="latin-1")
            if old in text:
                found = True
                path.write_text(text.replace(old, new), encoding="latin-1")
        if not found:
            sys.exit(f"port.py: {pattern}: expected text not found: {old!r}")
    (package / MARKER).write_text("ported\n")


if __name__ == "__main__":
    main()
