# bootstrap.py: the Python half of the bridge (backends/python/bridge.c).
#
# bridge.c compiles this file in (the assembler's .incbin, so it stays a
# plain Python file) and runs it as the body of a module named "dcts",
# before it adds the C types TargetBase, Target and Handler.  What is easier to say in Python lives here: finding
# the implementation, reading its declarations, and turning an exception
# into an errno.  Nothing here is on the dispatch path.
import errno
import importlib
import importlib.util
import os
import sys
import traceback


class Raised(Exception):
    """A positive code raised by a C target or returned by the C handler
    (ERR-1, ERR-5), other than DC_INTERRUPT and DC_EXIT, which are
    KeyboardInterrupt and SystemExit (ERR-2)."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


# event_model spellings (spec/dispatch_context.h, enum dc_event_model).
MODELS = {"other": 0, "select": 1, "poll": 2, "epoll": 3}


def _import_file(path):
    """FILE.py: imported under its stem, its directory on sys.path so that
    it can import its siblings."""
    path = os.path.abspath(path)
    name = os.path.splitext(os.path.basename(path))[0]
    if not os.path.isfile(path):
        raise FileNotFoundError(errno.ENOENT, "no such file", path)
    sys.path.insert(0, os.path.dirname(path))
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"{path}: not a Python source file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def load(spec):
    """DCTS_PYTHON_TARGET -> (factory, default name).  MODULE:FACTORY is
    imported with the working directory first on sys.path (as `python3 -m`
    would); a value whose left part ends in .py or holds a slash is a file.
    FACTORY may be dotted (Class.make)."""
    where, sep, attr = spec.rpartition(":")
    if not sep or not where or not attr:
        raise ValueError(f"DCTS_PYTHON_TARGET={spec!r}: expected "
                         "MODULE:FACTORY or FILE.py:FACTORY")
    if where.endswith(".py") or "/" in where:
        module = _import_file(where)
    else:
        sys.path.insert(0, os.getcwd())
        module = importlib.import_module(where)
    factory = module
    for part in attr.split("."):
        factory = getattr(factory, part)
    if not callable(factory):
        raise TypeError(f"{spec}: {attr} is not callable")
    return factory, f"{module.__name__}.{attr}"


def declarations(factory, default_name):
    """The descriptor's fields, from attributes of the factory (for a class,
    its class attributes), each with its default:
        name        str                  MODULE.FACTORY
        event_model "select" | "poll" | "epoll" | "other"   "other"
        fd_limit    int                  0 (none, LIM-1)
        reentrant   bool                 False (DSP-9: nesting refused)
        flags_for   callable(r, w, e)    the model's table (CONTRACT.md)
    """
    name = getattr(factory, "name", None)
    if not isinstance(name, str) or not name:
        name = default_name
    model = getattr(factory, "event_model", "other")
    if isinstance(model, str):
        if model.lower() not in MODELS:
            raise ValueError(f"event_model {model!r}: expected one of "
                             + ", ".join(MODELS))
        model = MODELS[model.lower()]
    fd_limit = int(getattr(factory, "fd_limit", 0) or 0)
    reentrant = bool(getattr(factory, "reentrant", False))
    flags_for = getattr(factory, "flags_for", None)
    if flags_for is not None and not callable(flags_for):
        raise TypeError("flags_for is not callable")
    return name[:64], int(model), fd_limit, reentrant, flags_for


def errno_of(exc):
    """The backend's own failure (ABI-4): an exception the implementation
    raised that is no target's code, as a positive errno."""
    if isinstance(exc, OSError) and exc.errno and exc.errno > 0:
        return exc.errno
    if isinstance(exc, MemoryError):
        return errno.ENOMEM
    if isinstance(exc, OverflowError):
        return errno.ERANGE
    if isinstance(exc, (ValueError, TypeError)):
        return errno.EINVAL
    return errno.EIO


def report(what, exc):
    """The traceback on stderr, which the harness puts in the case's
    message.  Written and flushed here: a case process ends with _exit."""
    print(f"python bridge: {what} raised "
          f"{type(exc).__name__} (returned -{errno.errorcode.get(errno_of(exc), '?')}):",
          file=sys.stderr)
    traceback.print_exception(exc, file=sys.stderr)
    sys.stderr.flush()
