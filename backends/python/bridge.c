/*
 * bridge.c: a backend that runs a Python IDispatchContext implementation
 * in an embedded CPython (docs/PYTHON.md).
 *
 * The implementation is named by DCTS_PYTHON_TARGET, "MODULE:FACTORY" or
 * "FILE.py:FACTORY" (the harness sets it from `dispatch-cts python:SPEC`).
 * Every C call becomes the seed's Python call, faithfully:
 *
 *   create                   FACTORY()
 *   destroy                  obj.close() if it has one, then every
 *                            reference dropped (and a garbage collection,
 *                            so that cycles holding fds go too, CLS-6)
 *   dispatch_once(t, h)      obj.dispatch_once(None or float seconds,
 *                            None or a callable (o, exc_info))
 *   set_dispatch_filter      obj.set_dispatch_filter(o, bool, bool, bool)
 *   set_poll_dispatch_filter obj.set_poll_dispatch_filter(o, int flags)
 *   socket_closed(fd, o)     obj.socket_closed(fd, o or None)
 *
 * A C target is one Python proxy (type dcts.Target: fd, dispatch_event)
 * per registration: the same proxy while the registration lasts, so that
 * `o is o` holds; a fresh one after removal, replacement or close.  A
 * positive code a C target or the C handler returns is raised in Python:
 * DC_INTERRUPT as KeyboardInterrupt, DC_EXIT as SystemExit, any other
 * code as dcts.Raised(code) (ERR-1, ERR-2).  An exception coming out of
 * the implementation maps back the same way; any other exception is the
 * backend's own failure, a negated errno (bootstrap.py errno_of), with its
 * traceback on stderr, which goes into the case's message.
 *
 * The declarations (name, event_model, fd_limit, reentrant, flags_for)
 * are attributes of the factory, read once at load (bootstrap.py).
 *
 * Traps kept here:
 *   - Py_InitializeEx(0): Python installs no signal handler, so a signal
 *     during select/poll/epoll_wait is retried by Python for the time
 *     left (PEP 475), which is what TMO-9 asks.
 *   - PyErr_Print is never called: on SystemExit it exits the process.
 *   - The GIL: taken with PyGILState_Ensure at every entry, which nests,
 *     so a C target may call the context from inside a Python callback
 *     (DSP-8, DSP-9); released after loading, so forked case processes
 *     start with it free.
 *   - libpython is made global (RTLD_GLOBAL): the harness dlopens this
 *     object RTLD_LOCAL, and the stdlib's extension modules (select,
 *     _socket) need libpython's symbols.  -z nodelete (LIBS): an
 *     interpreter is never unloaded.
 *   - Allocation failures cannot be injected into pymalloc's arenas, so
 *     the descriptor declares DC_CAP_OWN_ALLOCATOR and those cases SKIP.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

#include "dispatch_context.h"

#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

/* bootstrap.py, compiled in (the assembler reads the file; make runs
 * from the top of the tree).  NUL-terminated. */
__asm__(".section .rodata\n"
        ".hidden dcts_bootstrap_py\n"
        ".global dcts_bootstrap_py\n"
        "dcts_bootstrap_py:\n"
        ".incbin \"backends/python/bootstrap.py\"\n"
        ".byte 0\n"
        ".previous\n");
extern const char dcts_bootstrap_py[] __attribute__((visibility("hidden")));

/* ---- what loading found ------------------------------------------------- */

static struct {
    int tried;
    char error[400];            /* why the implementation cannot be used */
    char about[512];
    char name[65];
    PyObject *module;           /* dcts: Raised, errno_of, report */
    PyObject *raised;           /* dcts.Raised */
    PyObject *factory;
    PyObject *flags_for;        /* NULL: the model's table */
    unsigned long field_bits[3];/* flags_for of R alone, W alone, E alone */
} py;

static dc_backend descriptor;

/* Calls into the implementation under way.  A case that fails inside a
 * callback leaves by longjmp, through Python's own C frames, which never
 * return: depth stays above 0, and the interpreter's frame stack points
 * at dead C stack.  destroy then leaves Python alone (see there). */
static int depth;

/* ---- codes and exceptions ----------------------------------------------- */

/* Raises the Python form of a code a C target or handler returned. */
static PyObject *raise_code(int code)
{
    if (code == DC_INTERRUPT) {
        PyErr_SetNone(PyExc_KeyboardInterrupt);
    } else if (code == DC_EXIT) {
        PyErr_SetNone(PyExc_SystemExit);
    } else {
        PyObject *exc = PyObject_CallFunction(py.raised, "i", code);
        if (exc) {
            PyErr_SetObject(py.raised, exc);
            Py_DECREF(exc);
        }
    }
    return NULL;
}

/* The code an exception stands for, or 0 when it is no target's. */
static int code_of(PyObject *exc)
{
    if (PyErr_GivenExceptionMatches(exc, PyExc_KeyboardInterrupt))
        return DC_INTERRUPT;
    if (PyErr_GivenExceptionMatches(exc, PyExc_SystemExit))
        return DC_EXIT;
    if (PyObject_TypeCheck(exc, (PyTypeObject *)py.raised)) {
        PyObject *c = PyObject_GetAttrString(exc, "code");
        long code = c ? PyLong_AsLong(c) : 0;
        Py_XDECREF(c);
        PyErr_Clear();
        return code > 0 && code <= 0x7fffffff ? (int)code : 0;
    }
    return 0;
}

/* The pending exception, consumed, as a return code: a target's code
 * (ERR-2, ERR-4, ERR-5), else a negated errno with the traceback told. */
static int code_from_exception(const char *what)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (value == NULL)
        return -EIO;
    if (tb)
        PyException_SetTraceback(value, tb);
    int code = code_of(value);
    if (code == 0) {
        PyObject *e = PyObject_CallMethod(py.module, "errno_of", "O", value);
        long err = e ? PyLong_AsLong(e) : EIO;
        Py_XDECREF(e);
        PyObject *r = PyObject_CallMethod(py.module, "report", "sO", what,
                                          value);
        Py_XDECREF(r);
        PyErr_Clear();
        code = err > 0 && err < 4096 ? (int)-err : -EIO;
    }
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    return code;
}

/* ---- dcts.Target: the proxy of one registration --------------------------- */

typedef struct {
    PyObject_HEAD
    dc_target *target;          /* NULL once its context is destroyed */
    int fd;                     /* o->fd when registered */
} TargetObject;

/* A field's value as native bits: a bool (or any non-int) by its truth,
 * as that field's bits; an int as it is (the seed: preserved "as far as
 * possible"). */
static int field_value(PyObject *v, unsigned long bits, unsigned long *out)
{
    if (PyLong_Check(v) && !PyBool_Check(v)) {
        *out = PyLong_AsUnsignedLongMask(v);
        return PyErr_Occurred() ? -1 : 0;
    }
    int truth = PyObject_IsTrue(v);
    if (truth < 0)
        return -1;
    *out = truth ? bits : 0;
    return 0;
}

static PyObject *target_dispatch_event(PyObject *self, PyObject *args,
                                       PyObject *kwargs)
{
    static char *names[] = { "R", "W", "E", NULL };
    TargetObject *t = (TargetObject *)self;
    PyObject *f[3];
    unsigned long v[3];

    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOO:dispatch_event",
                                     names, &f[0], &f[1], &f[2]))
        return NULL;
    if (t->target == NULL) {
        PyErr_SetString(PyExc_RuntimeError,
                        "dispatch_event on a target of a destroyed context");
        return NULL;
    }
    for (int i = 0; i < 3; i++)
        if (field_value(f[i], py.field_bits[i], &v[i]) != 0)
            return NULL;
    int rc = t->target->dispatch_event(t->target, v[0], v[1], v[2]);
    if (rc != 0)
        return raise_code(rc);
    Py_RETURN_NONE;
}

static PyObject *target_repr(PyObject *self)
{
    TargetObject *t = (TargetObject *)self;
    return PyUnicode_FromFormat("<dcts.Target fd=%d at %p>", t->fd,
                                (void *)t->target);
}

static PyMethodDef target_methods[] = {
    { "dispatch_event", (PyCFunction)(void (*)(void))target_dispatch_event,
      METH_VARARGS | METH_KEYWORDS,
      "dispatch_event(R, W, E): calls the C target; its code is raised" },
    { NULL, NULL, 0, NULL },
};

static PyMemberDef target_members[] = {
    { "fd", T_INT, offsetof(TargetObject, fd), READONLY, "the target's fd" },
    { NULL, 0, 0, 0, NULL },
};

/* A C target whose dispatch_event is NULL is an object with an fd and no
 * dispatch_event method (LIM-4): a TargetBase.  The others are Targets. */
static PyTypeObject target_base_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "dcts.TargetBase",
    .tp_basicsize = sizeof(TargetObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "A C dispatch target with no dispatch_event: fd only.",
    .tp_repr = target_repr,
    .tp_members = target_members,
};

static PyTypeObject target_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "dcts.Target",
    .tp_basicsize = sizeof(TargetObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A C dispatch target: fd and dispatch_event(R, W, E).",
    .tp_methods = target_methods,
    .tp_base = &target_base_type,
};

static PyObject *new_proxy(dc_target *o)
{
    TargetObject *t = PyObject_New(TargetObject, o->dispatch_event
                                   ? &target_type : &target_base_type);
    if (t) {
        t->target = o;
        t->fd = o->fd;
    }
    return (PyObject *)t;
}

/* ---- dcts.Handler: the C error handler as error_in_handler(o, exc_info) -- */

typedef struct {
    PyObject_HEAD
    dc_error_handler fn;
    void *arg;
    int live;                   /* only during its dispatch_once */
} HandlerObject;

static PyObject *handler_call(PyObject *self, PyObject *args, PyObject *kw)
{
    HandlerObject *h = (HandlerObject *)self;
    PyObject *o, *info, *exc;

    if (kw && PyDict_GET_SIZE(kw)) {
        PyErr_SetString(PyExc_TypeError, "error_in_handler takes no "
                        "keyword arguments");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "OO:error_in_handler", &o, &info))
        return NULL;
    if (!h->live) {
        PyErr_SetString(PyExc_RuntimeError, "error_in_handler called after "
                        "its dispatch_once returned");
        return NULL;
    }
    if (o != Py_None && !PyObject_TypeCheck(o, &target_base_type)) {
        PyErr_Format(PyExc_TypeError, "error_in_handler: o is %R, not a "
                     "dispatch target", o);
        return NULL;
    }
    /* exc_info: the sys.exc_info() triple (an exception alone is taken
     * too). */
    exc = PyTuple_Check(info) && PyTuple_GET_SIZE(info) == 3
          ? PyTuple_GET_ITEM(info, 1) : info;
    int code = PyExceptionInstance_Check(exc) ? code_of(exc) : 0;
    if (code == 0) {
        PyErr_Format(PyExc_TypeError, "error_in_handler got %R, which no "
                     "dispatch target raised", exc);
        return NULL;
    }
    dc_target *t = o == Py_None ? NULL : ((TargetObject *)o)->target;
    int rc = h->fn(h->arg, t, code);    /* ERR-3 */
    if (rc != 0)
        return raise_code(rc);          /* ERR-5: a further exception */
    Py_RETURN_NONE;
}

static PyTypeObject handler_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "dcts.Handler",
    .tp_basicsize = sizeof(HandlerObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The C error handler: error_in_handler(o, exc_info).",
    .tp_call = handler_call,
};

/* ---- loading -------------------------------------------------------------- */

/* Why the implementation cannot be used, into py.error. */
static void load_error(const char *fmt, const char *detail)
{
    snprintf(py.error, sizeof py.error, fmt, detail);
}

/* The pending exception as one line, into py.error. */
static void load_error_from_exception(const char *what)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    PyObject *s = value ? PyObject_Str(value) : NULL;
    const char *text = s ? PyUnicode_AsUTF8(s) : NULL;
    snprintf(py.error, sizeof py.error, "%s: %s: %s", what,
             type ? ((PyTypeObject *)type)->tp_name : "error",
             text ? text : "?");
    Py_XDECREF(s);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    PyErr_Clear();
}

/* The dcts module: bootstrap.py run in it, then the two C types. */
static int make_module(void)
{
    PyObject *m = PyImport_AddModule("dcts");      /* borrowed */
    if (!m)
        return -1;
    PyObject *d = PyModule_GetDict(m);
    if (PyDict_SetItemString(d, "__builtins__", PyEval_GetBuiltins()) != 0)
        return -1;
    PyObject *r = PyRun_String(dcts_bootstrap_py, Py_file_input, d, d);
    if (!r)
        return -1;
    Py_DECREF(r);
    if (PyType_Ready(&target_base_type) != 0 ||
        PyType_Ready(&target_type) != 0 || PyType_Ready(&handler_type) != 0)
        return -1;
    if (PyModule_AddObjectRef(m, "TargetBase",
                              (PyObject *)&target_base_type) != 0 ||
        PyModule_AddObjectRef(m, "Target", (PyObject *)&target_type) != 0 ||
        PyModule_AddObjectRef(m, "Handler", (PyObject *)&handler_type) != 0)
        return -1;
    py.module = m;
    Py_INCREF(m);
    py.raised = PyObject_GetAttrString(m, "Raised");
    return py.raised ? 0 : -1;
}

static unsigned long bridge_flags_for(int r, int w, int e);

/* Reads the declarations off the factory into the descriptor. */
static int declare(PyObject *factory, PyObject *default_name)
{
    PyObject *t = PyObject_CallMethod(py.module, "declarations", "OO",
                                      factory, default_name);
    const char *name;
    int model, reentrant, fd_limit;
    PyObject *flags_for;

    if (!t)
        return -1;
    if (!PyArg_ParseTuple(t, "siipO", &name, &model, &fd_limit, &reentrant,
                          &flags_for)) {
        Py_DECREF(t);
        return -1;
    }
    snprintf(py.name, sizeof py.name, "%s", name);
    descriptor.event_model = (unsigned)model;
    descriptor.fd_limit = fd_limit;
    descriptor.caps |= reentrant ? DC_CAP_REENTRANT : 0;
    if (flags_for != Py_None) {
        Py_INCREF(flags_for);
        py.flags_for = flags_for;
    }
    Py_DECREF(t);
    return 0;
}

/* Makes libpython's symbols global (see the top). */
static void promote_libpython(void)
{
    Dl_info info;
    void *sym;
    void (*init)(int) = Py_InitializeEx;
    memcpy(&sym, &init, sizeof sym);
    if (dladdr(sym, &info) && info.dli_fname)
        dlopen(info.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
}

/* The interpreter, the dcts module, and the implementation with its
 * declarations; py.error says what went wrong, and create refuses.
 * Called once, by the first dc_backend_v1(). */
static void load(void)
{
    const char *spec = getenv("DCTS_PYTHON_TARGET");

    py.tried = 1;
    snprintf(py.name, sizeof py.name, "python");
    if (!Py_IsInitialized()) {
        promote_libpython();
        Py_InitializeEx(0);     /* 0: no signal handlers (TMO-9) */
    } else {
        PyGILState_Ensure();    /* held until the end, as after init */
    }
    if (make_module() != 0) {
        load_error_from_exception("the bridge's own module");
    } else if (!spec || !*spec) {
        load_error("%s", "DCTS_PYTHON_TARGET is not set: run dispatch-cts "
                   "python:MODULE:FACTORY or python:FILE.py:FACTORY");
    } else {
        PyObject *t = PyObject_CallMethod(py.module, "load", "s", spec);
        PyObject *factory, *default_name;
        if (!t || !PyArg_ParseTuple(t, "OO", &factory, &default_name) ||
            declare(factory, default_name) != 0) {
            load_error_from_exception(spec);
        } else {
            Py_INCREF(factory);
            py.factory = factory;
            const char *v = Py_GetVersion();    /* "3.11.2 (main, ...": */
            snprintf(py.about, sizeof py.about, "CPython %.*s, %s",
                     (int)strcspn(v, " "), v, spec);  /* its first word */
        }
        Py_XDECREF(t);
    }
    if (py.error[0])
        snprintf(py.about, sizeof py.about, "not usable: %s", py.error);
    /* The three fields' bits, for bools given to dispatch_event. */
    py.field_bits[0] = bridge_flags_for(1, 0, 0);
    py.field_bits[1] = bridge_flags_for(0, 1, 0);
    py.field_bits[2] = bridge_flags_for(0, 0, 1);
    PyEval_SaveThread();        /* the GIL is free from now on */
}

/* ---- the context ---------------------------------------------------------- */

struct dc_context {
    PyObject *impl;             /* what FACTORY() returned */
    PyObject *by_target;        /* {address of o: proxy}: registered ones */
    PyObject *by_fd;            /* {fd: proxy}: who holds fd */
};

/* The proxy of o's current registration, or a fresh one (new reference);
 * None for NULL (LIM-4: the implementation must refuse it). */
static PyObject *proxy_for(dc_context *ctx, dc_target *o)
{
    if (o == NULL)
        Py_RETURN_NONE;
    PyObject *key = PyLong_FromVoidPtr(o);
    if (!key)
        return NULL;
    PyObject *p = PyDict_GetItemWithError(ctx->by_target, key);
    Py_DECREF(key);
    if (p) {
        Py_INCREF(p);
        return p;
    }
    return PyErr_Occurred() ? NULL : new_proxy(o);
}

/* Forgets a registration: its next one gets a fresh proxy. */
static void forget(dc_context *ctx, PyObject *proxy)
{
    TargetObject *t = (TargetObject *)proxy;
    PyObject *key = PyLong_FromVoidPtr(t->target);
    PyObject *fd = PyLong_FromLong(t->fd);
    Py_INCREF(proxy);
    if (key && PyDict_GetItemWithError(ctx->by_target, key) == proxy)
        PyDict_DelItem(ctx->by_target, key);
    if (fd && PyDict_GetItemWithError(ctx->by_fd, fd) == proxy)
        PyDict_DelItem(ctx->by_fd, fd);
    Py_DECREF(proxy);
    Py_XDECREF(key);
    Py_XDECREF(fd);
    PyErr_Clear();
}

/* After a registration the implementation accepted: proxy holds its fd,
 * and whoever held the fd before was replaced (FLT-4). */
static void remember(dc_context *ctx, PyObject *proxy)
{
    TargetObject *t = (TargetObject *)proxy;
    PyObject *fd = PyLong_FromLong(t->fd);
    PyObject *old = fd ? PyDict_GetItemWithError(ctx->by_fd, fd) : NULL;
    if (old && old != proxy)
        forget(ctx, old);
    PyObject *key = PyLong_FromVoidPtr(t->target);
    if (key && fd) {
        PyDict_SetItem(ctx->by_target, key, proxy);
        PyDict_SetItem(ctx->by_fd, fd, proxy);
    }
    Py_XDECREF(key);
    Py_XDECREF(fd);
    PyErr_Clear();
}

/* Calls obj.method(*args) (args stolen); 0 or a code. */
static int call_impl(dc_context *ctx, const char *method, PyObject *args)
{
    if (!args)
        return code_from_exception(method);
    PyObject *f = PyObject_GetAttrString(ctx->impl, method);
    depth++;
    PyObject *r = f ? PyObject_Call(f, args, NULL) : NULL;
    depth--;
    Py_XDECREF(f);
    Py_DECREF(args);
    if (!r)
        return code_from_exception(method);
    Py_DECREF(r);
    return 0;
}

/* A code from a filter call or socket_closed must be an errno (ABI-4): a
 * code raised there (the implementation called a target?) is -EPROTO. */
static int as_errno(int rc)
{
    return rc > 0 ? -EPROTO : rc;
}

/* obj.METHOD(proxy, *tail) (tail stolen), then the bridge's view of who
 * is registered follows the implementation's answer. */
static int bridge_filter(dc_context *ctx, dc_target *o, PyObject *tail,
                         int removal, const char *method)
{
    PyObject *proxy = proxy_for(ctx, o);
    PyObject *args = NULL;
    if (proxy && tail) {
        Py_ssize_t n = PyTuple_GET_SIZE(tail);
        args = PyTuple_New(n + 1);
        if (args) {
            Py_INCREF(proxy);
            PyTuple_SET_ITEM(args, 0, proxy);
            for (Py_ssize_t i = 0; i < n; i++) {
                PyObject *v = PyTuple_GET_ITEM(tail, i);
                Py_INCREF(v);
                PyTuple_SET_ITEM(args, i + 1, v);
            }
        }
    }
    Py_XDECREF(tail);
    int rc = as_errno(call_impl(ctx, method, args));
    if (rc == 0 && o != NULL) {
        if (removal)
            forget(ctx, proxy);     /* FLT-1, FLT-6 */
        else
            remember(ctx, proxy);
    }
    Py_XDECREF(proxy);
    return rc;
}

static int bridge_set_dispatch_filter(dc_context *ctx, dc_target *o,
                                      int r, int w, int e)
{
    PyGILState_STATE g = PyGILState_Ensure();
    int rc = bridge_filter(ctx, o, Py_BuildValue("(NNN)", PyBool_FromLong(r),
                                                 PyBool_FromLong(w),
                                                 PyBool_FromLong(e)),
                           !r && !w && !e, "set_dispatch_filter");
    PyGILState_Release(g);
    return rc;
}

static int bridge_set_poll_dispatch_filter(dc_context *ctx, dc_target *o,
                                           unsigned long flags)
{
    PyGILState_STATE g = PyGILState_Ensure();
    int rc = bridge_filter(ctx, o, Py_BuildValue("(k)", flags), flags == 0,
                           "set_poll_dispatch_filter");
    PyGILState_Release(g);
    return rc;
}

static int bridge_socket_closed(dc_context *ctx, int fd, dc_target *o)
{
    PyGILState_STATE g = PyGILState_Ensure();
    PyObject *proxy = proxy_for(ctx, o);
    int rc;
    if (!proxy) {
        rc = code_from_exception("socket_closed");
    } else {
        Py_INCREF(proxy);       /* one reference for the args tuple */
        rc = as_errno(call_impl(ctx, "socket_closed",
                                Py_BuildValue("(iN)", fd, proxy)));
        if (rc == 0) {
            /* CLS-3: o NULL is whoever holds fd; CLS-5: o given is o
             * only if o holds fd. */
            PyObject *key = PyLong_FromLong(fd);
            PyObject *holder = key ? PyDict_GetItemWithError(ctx->by_fd, key)
                                   : NULL;
            if (holder && (o == NULL || holder == proxy))
                forget(ctx, holder);
            Py_XDECREF(key);
            PyErr_Clear();
        }
        Py_DECREF(proxy);
    }
    PyGILState_Release(g);
    return rc;
}

static int bridge_dispatch_once(dc_context *ctx, const double *timeout_s,
                                dc_error_handler handler, void *handler_arg)
{
    PyGILState_STATE g = PyGILState_Ensure();
    PyObject *timeout = timeout_s ? PyFloat_FromDouble(*timeout_s)
                                  : (Py_INCREF(Py_None), Py_None);
    HandlerObject *h = NULL;
    PyObject *hobj = Py_None;
    if (handler) {
        h = PyObject_New(HandlerObject, &handler_type);
        if (h) {
            h->fn = handler;
            h->arg = handler_arg;
            h->live = 1;
        }
        hobj = (PyObject *)h;
    } else {
        Py_INCREF(Py_None);
    }
    int rc = timeout && hobj
             ? call_impl(ctx, "dispatch_once",
                         Py_BuildValue("(OO)", timeout, hobj))
             : code_from_exception("dispatch_once");
    if (h)
        h->live = 0;            /* a kept handler can no longer be called */
    Py_XDECREF(timeout);
    Py_XDECREF(hobj);
    PyGILState_Release(g);
    return rc;
}

static int bridge_create(dc_context **out)
{
    if (!py.factory) {
        fprintf(stderr, "python bridge: %s\n", py.error);
        return -EINVAL;
    }
    dc_context *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return -ENOMEM;
    PyGILState_STATE g = PyGILState_Ensure();
    int rc = 0;
    ctx->by_target = PyDict_New();
    ctx->by_fd = PyDict_New();
    ctx->impl = ctx->by_target && ctx->by_fd
                ? PyObject_CallNoArgs(py.factory) : NULL;
    if (!ctx->impl) {
        rc = code_from_exception("the factory");
        rc = rc < 0 ? rc : -EPROTO;     /* create returns an errno */
        Py_XDECREF(ctx->by_target);
        Py_XDECREF(ctx->by_fd);
        free(ctx);
    } else {
        *out = ctx;
    }
    PyGILState_Release(g);
    return rc;
}

/* CLS-6: close() if there is one; every proxy of the context is cut
 * loose (a Python object that outlives it cannot reach the C targets). */
static void bridge_destroy(dc_context *ctx)
{
    if (!ctx)
        return;
    if (depth > 0) {
        /* Unwound out of a callback (a failed case): calling Python now
         * would run on a frame stack that is gone.  The case process ends
         * next, which frees everything anyway. */
        free(ctx);
        return;
    }
    PyGILState_STATE g = PyGILState_Ensure();
    if (PyObject_HasAttrString(ctx->impl, "close")) {
        PyObject *r = PyObject_CallMethod(ctx->impl, "close", NULL);
        if (r)
            Py_DECREF(r);
        else
            code_from_exception("close");
    }
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    while (PyDict_Next(ctx->by_target, &pos, &key, &value))
        ((TargetObject *)value)->target = NULL;
    Py_DECREF(ctx->by_target);
    Py_DECREF(ctx->by_fd);
    Py_DECREF(ctx->impl);
    PyGC_Collect();             /* cycles that hold an fd go now */
    PyGILState_Release(g);
    free(ctx);
}

/* The declared flags_for, or the model's table (CONTRACT.md, "Event
 * models"); select's 1, 2, 4 for "other". */
static unsigned long bridge_flags_for(int r, int w, int e)
{
    if (!py.flags_for) {
        static const unsigned long table[][3] = {
            [DC_MODEL_OTHER] = { 0x1, 0x2, 0x4 },
            [DC_MODEL_SELECT] = { 0x1, 0x2, 0x4 },
            [DC_MODEL_POLL] = { POLLIN | POLLPRI, POLLOUT,
                                POLLERR | POLLHUP | POLLNVAL },
            [DC_MODEL_EPOLL] = { EPOLLIN | EPOLLPRI | EPOLLRDHUP, EPOLLOUT,
                                 EPOLLERR | EPOLLHUP },
        };
        unsigned m = descriptor.event_model <= DC_MODEL_EPOLL
                     ? descriptor.event_model : DC_MODEL_OTHER;
        return (r ? table[m][0] : 0) | (w ? table[m][1] : 0) |
               (e ? table[m][2] : 0);
    }
    PyGILState_STATE g = PyGILState_Ensure();
    PyObject *v = PyObject_CallFunction(py.flags_for, "NNN",
                                        PyBool_FromLong(r), PyBool_FromLong(w),
                                        PyBool_FromLong(e));
    unsigned long flags = v ? PyLong_AsUnsignedLongMask(v) : 0;
    Py_XDECREF(v);
    if (PyErr_Occurred())
        code_from_exception("flags_for");
    PyGILState_Release(g);
    return flags;
}

static dc_backend descriptor = {
    .abi_version = DC_ABI_VERSION,
    .struct_size = sizeof(dc_backend),
    .name = py.name,
    .create = bridge_create,
    .destroy = bridge_destroy,
    .dispatch_once = bridge_dispatch_once,
    .set_dispatch_filter = bridge_set_dispatch_filter,
    .set_poll_dispatch_filter = bridge_set_poll_dispatch_filter,
    .socket_closed = bridge_socket_closed,
    .flags_for = bridge_flags_for,
    .fd_limit = 0,
    .event_model = DC_MODEL_OTHER,
    .caps = DC_CAP_OWN_ALLOCATOR,
};

static const dc_backend *entry(void)
{
    if (!py.tried)
        load();
    return &descriptor;
}

static const char *about(void)
{
    entry();
    return py.about;
}

__attribute__((visibility("default"))) const dc_backend *dc_backend_v1(void);
__attribute__((visibility("default"))) const dc_backend *dc_backend_v1(void)
{
    return entry();
}

DC_EXPORT_ABOUT(about)
