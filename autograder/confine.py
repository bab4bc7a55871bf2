"""How a freshly forked student process shuts itself in, before any student code runs.

Always: its own session (so the grader can kill the whole group), only the
channel and the output file left open, resource limits (CPU time, address
space, processes, file size, open files, no core dumps), a clean
environment and a fresh working folder.

Where the kernel allows it (as root): new mount, network, IPC and UTS
namespaces; a read-only root built from bind mounts of the Python install,
its site-packages and the system libraries only (so the course, the hidden
tests, the references, the output folder and the other students do not
exist there); no network at all; and an unprivileged user of its own slot,
so it cannot signal or trace the grader or another student.
"""
from __future__ import annotations

import ctypes
import os
import resource
import signal
import sys

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWNET = 0x00020000, 0x04000000, 0x08000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 32, 4096, 16384, 1 << 18
PR_SET_NO_NEW_PRIVS, PR_SET_PDEATHSIG, PR_SET_DUMPABLE = 38, 1, 4
DEVICES = ("/dev/null", "/dev/zero", "/dev/urandom", "/dev/random")
WORKDIR_FILES_LIMIT = 4  # the work folder holds at most this many files of the largest allowed size

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source: str, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(_libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None, flags,
                       data.encode() if data else None), f"mount {target}")


def _bind(root: str, path: str, writable: bool = False, inside: str | None = None) -> None:
    """Bind `path` at `root/inside` (default: the same path), read-only unless `writable`."""
    target = root + (inside or path)
    if os.path.islink(path) and inside is None:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if not os.path.lexists(target):
            os.symlink(os.readlink(path), target)
        return
    if os.path.isdir(path):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        open(target, "a").close()
    _mount(path, target, None, MS_BIND | MS_REC)
    flags = MS_BIND | MS_REMOUNT | MS_NOSUID | (0 if writable else MS_RDONLY)
    _mount("none", target, None, flags)


def _build_root(request: dict) -> None:
    """Mount namespace with a read-only root made of the allowed paths, then chroot into it."""
    root = request["root_dir"]
    _mount("none", "/", None, MS_REC | MS_PRIVATE)
    _mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=16m")
    # A fresh /tmp first: a bind below it (a checkout and its venv under /tmp) must stay visible on top.
    os.makedirs(root + "/tmp", mode=0o1777, exist_ok=True)
    _mount("tmpfs", root + "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=64m")
    for path in request["binds"]:
        if os.path.exists(path):
            _bind(root, path)
    for device in DEVICES:
        if os.path.exists(device):
            target = root + device
            os.makedirs(os.path.dirname(target), exist_ok=True)
            open(target, "a").close()
            _mount(device, target, None, MS_BIND)
    for path in request.get("hide", ()):  # a forbidden module's files: gone, blocker or not
        _hide(root, path)
    _private_workdir(root, request)
    _mount("none", root, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    os.chroot(root)


HIDDEN_MODULE = 'raise ImportError("this module is not available in this assignment (it forbids it)")\n'


def _hide(root: str, path: str) -> None:
    """Put, over a package folder or a module file, a package or module whose import raises ImportError."""
    target = root + path
    if os.path.isdir(target):
        _mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=16k")
        with open(os.path.join(target, "__init__.py"), "w") as f:
            f.write(HIDDEN_MODULE)
        _mount("none", target, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    elif os.path.isfile(target):
        stub = root + "/tmp/.forbidden_module.py"  # on the root's own fresh /tmp, gone with the process
        with open(stub, "w") as f:
            f.write(HIDDEN_MODULE)
        _mount(stub, target, None, MS_BIND)


def _private_workdir(root: str, request: dict) -> None:
    """A copy of the submission's files on a size-limited tmpfs: writes are bounded and vanish with the process.

    (A writable bind of the grader's folder would let a submission fill the grader's disk, 16 MB a file.)
    """
    inside = root + request["workdir_inside"]
    uid = int(request.get("uid") or 0)
    size_mb = WORKDIR_FILES_LIMIT * int(request["limits"]["fsize_mb"])
    os.makedirs(inside, exist_ok=True)
    _mount("tmpfs", inside, "tmpfs", MS_NOSUID | MS_NODEV, f"mode=0700,uid={uid},gid={uid},size={size_mb}m")
    for name in os.listdir(request["workdir"]):
        source = os.path.join(request["workdir"], name)
        if os.path.isfile(source) and not os.path.islink(source):
            target = os.path.join(inside, name)
            with open(source, "rb") as src, open(target, "wb") as dst:
                dst.write(src.read())
            os.chown(target, uid, uid)


def drop_privileges(uid: int) -> None:
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)


def become_sweeper(uid: int, keep_fd: int) -> None:
    """Turn this (freshly forked) process into a slot user's sweeper: its own session, only `keep_fd` open,
    that user's rights, dies with the zygote, not dumpable (the students, same user, cannot trace or read it)."""
    os.setsid()  # out of the zygote's process group: a student's killpg on it must reach nobody
    _clean_fds((keep_fd,))
    _check(_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl(PDEATHSIG)")
    drop_privileges(uid)
    _check(_libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0), "prctl(DUMPABLE)")


def _set_limits(limits: dict, vm_bytes: int) -> None:
    cpu = int(limits["cpu_s"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    address_space = vm_bytes + int(limits["memory_mb"]) * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    fsize = int(limits["fsize_mb"]) * 2**20
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    resource.setrlimit(resource.RLIMIT_NOFILE, (int(limits["nofile"]),) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if limits.get("nproc"):
        resource.setrlimit(resource.RLIMIT_NPROC, (int(limits["nproc"]),) * 2)


def _current_vm_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _clean_fds(keep: tuple[int, ...]) -> None:
    for name in os.listdir("/proc/self/fd"):
        if int(name) not in keep:
            try:
                os.close(int(name))
            except OSError:
                pass


def enter(request: dict, chan_fd: int, out_fd: int) -> None:
    """Confine this (just forked) process as `request` says; raises if a required step fails."""
    for procs in request.get("cgroups", ()):  # first, while the host's /sys is still there: the slot's groups
        with open(procs, "w") as f:
            f.write(str(os.getpid()))
    os.setsid()
    vm_bytes = _current_vm_bytes()  # before the chroot: there is no /proc in there
    _check(_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl(PDEATHSIG)")
    os.dup2(out_fd, 1)
    os.dup2(out_fd, 2)
    os.close(out_fd)
    null = os.open("/dev/null", os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    _clean_fds((0, 1, 2, chan_fd))
    for stream in (sys.stdout, sys.stderr):  # nothing lost if the process is killed
        stream.reconfigure(line_buffering=True, write_through=True)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an output flood fails its writes, not the process
    if request["isolate"]:
        _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS), "unshare")
        _build_root(request)
    if request.get("uid"):  # as root, never run student code as root, namespaces or not
        drop_privileges(request["uid"])
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(NO_NEW_PRIVS)")
    os.chdir(request["workdir_inside"])
    _set_limits(request["limits"], vm_bytes)
    home = request["workdir_inside"]
    os.environ.clear()
    os.environ.update({"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": home, "TMPDIR": home,
                       "LANG": "C.UTF-8", "MPLBACKEND": "Agg", "MPLCONFIGDIR": home,
                       "OMP_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1"})
    sys.path[:] = [p for p in sys.path if p and os.path.isdir(p)]
    sys.dont_write_bytecode = True


def probe(request: dict) -> str:
    """'' if a child can be fully confined here, else why not (run in the zygote, in a throwaway child)."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        message = b""
        try:
            _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS), "unshare")
            _build_root(request)
            drop_privileges(request["uid"])
        except Exception as exc:  # noqa: BLE001
            message = f"{type(exc).__name__}: {exc}".encode()
        os.write(write_fd, message)
        os._exit(0)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as f:
        message = f.read().decode()
    os.waitpid(pid, 0)
    return message
