"""How a student's process is shut in before any of its code runs: the kernel's mechanisms, in one place.

Every slot of a grading run has a keeper process (`keeper`), forked once from the warm zygote; every
submission's process is forked from its slot's keeper and confines itself with `enter_submission`.
Which backend a machine allows is probed at start-up (`sandbox`):

- `root-namespaces` (the grader is root): a new PID namespace per submission (`kill(-1)` reaches only
  its own processes; they all end with it), new mount, network, IPC and UTS namespaces, a read-only
  root that holds only the Python installation (the course, the hidden tests, the output folder and
  the other students do not exist there), and an unprivileged user id of its slot.
- `user-namespaces` (an ordinary user; root where root's own namespaces are refused): the same, in an
  unprivileged user namespace per slot; the submission's process then drops every capability.
- `uid-only` (root without namespaces, e.g. a container without CAP_SYS_ADMIN): the slot's
  unprivileged user id only. Partial: it can read world-readable files and reach the network.
- `process-only`: a process of the grader's own user. Partial: for trusted code.

Always: its own session, only the channel and the output file left open, resource limits (CPU time,
address space, processes, file size, open files, no core dumps), a clean environment, a fresh folder.
"""
from __future__ import annotations

import ctypes
import os
import platform
import resource
import signal
import sys

ROOT_NAMESPACES, USER_NAMESPACES, UID_ONLY, PROCESS_ONLY = ("root-namespaces", "user-namespaces", "uid-only",
                                                            "process-only")
FULL = (ROOT_NAMESPACES, USER_NAMESPACES)
CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 1, 2, 4, 8, 32
MS_NOATIME, MS_NODIRATIME, MS_BIND, MS_REC, MS_PRIVATE, MS_RELATIME = 1024, 2048, 4096, 16384, 1 << 18, 1 << 21
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 1, 4, 24, 38
PR_SET_CHILD_SUBREAPER = 36
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41, "ppc64le": 203, "s390x": 217}
DEVICES = ("/dev/null", "/dev/zero", "/dev/urandom", "/dev/random")
JAIL = "/jail"  # the student's root, one level below the pivoted root: a chroot blocks new user namespaces
WORKDIR_FILES_LIMIT = 4  # the work folder holds at most this many files of the largest allowed size

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source: str, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(_libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None, flags,
                       data.encode() if data else None), f"mount {target}")


def unshare(flags: int, what: str = "unshare") -> None:
    _check(_libc.unshare(flags), what)


def prctl(option: int, value: int, what: str) -> None:
    _check(_libc.prctl(option, value, 0, 0, 0), what)


# -- the keeper's own namespaces ----------------------------------------------------------------------------------
def enter_user_namespace(uid: int, gid: int) -> None:
    """Become root of a new user namespace (and the owner of a new PID namespace for the keeper to live in),
    mapped to `uid`/`gid` only: no privilege outside it."""
    unshare(CLONE_NEWUSER | CLONE_NEWPID, "unshare(user and PID namespaces)")
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
        with open(f"/proc/self/{name}", "w") as f:
            f.write(text)


def set_pid_namespace_for_next_child(own_pid_namespace: int | None) -> None:
    """Before a fork: the next child is PID 1 of a new PID namespace (`None`: reset to this process's own)."""
    if own_pid_namespace is None:
        unshare(CLONE_NEWPID, "unshare(PID namespace)")
    else:
        _check(_libc.setns(own_pid_namespace, CLONE_NEWPID), "setns(own PID namespace)")


# -- the student's process ------------------------------------------------------------------------------------------
def _lock_flags(path: str) -> int:
    """The mount flags of `path` that a user namespace may not clear: kept in a read-only remount."""
    st = os.statvfs(path).f_flag
    pairs = ((os.ST_NOSUID, MS_NOSUID), (os.ST_NODEV, MS_NODEV), (os.ST_NOEXEC, MS_NOEXEC),
             (os.ST_NOATIME, MS_NOATIME), (os.ST_NODIRATIME, MS_NODIRATIME), (os.ST_RELATIME, MS_RELATIME))
    return sum(ms for st_flag, ms in pairs if st & st_flag)


def _read_only(target: str) -> None:
    _mount("none", target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | _lock_flags(target))


def _bind(jail: str, path: str, submounts: list[str]) -> None:
    """Bind `path` (and the mounts below it) read-only at the same place under `jail`."""
    target = jail + path
    if os.path.islink(path):
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
    _read_only(target)
    for sub in submounts:  # a read-only remount reaches one mount: each one below it too
        if sub.startswith(path.rstrip("/") + "/") and os.path.isdir(jail + sub):
            _read_only(jail + sub)


HIDDEN_MODULE = 'raise ImportError("this module is not available in this assignment (it forbids it)")\n'


def _hide(jail: str, path: str) -> None:
    """Put, over a package folder or a module file, a package or module whose import raises ImportError."""
    target = jail + path
    if os.path.isdir(target):
        _mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=16k")
        with open(os.path.join(target, "__init__.py"), "w") as f:
            f.write(HIDDEN_MODULE)
        _mount("none", target, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    elif os.path.isfile(target):
        stub = jail + "/tmp/.forbidden_module.py"  # on the jail's own fresh /tmp, gone with the process
        with open(stub, "w") as f:
            f.write(HIDDEN_MODULE)
        _mount(stub, target, None, MS_BIND)


def _private_workdir(jail: str, config: dict, spawn: dict, uid: int) -> None:
    """A copy of the submission's files on a size-limited tmpfs: writes are bounded and vanish with the process.

    (A writable bind of the grader's folder would let a submission fill the grader's disk, 16 MB a file.)
    """
    inside = jail + config["workdir_inside"]
    size_mb = WORKDIR_FILES_LIMIT * int(config["limits"]["fsize_mb"])
    os.makedirs(inside, exist_ok=True)
    _mount("tmpfs", inside, "tmpfs", MS_NOSUID | MS_NODEV, f"mode=0700,uid={uid},gid={uid},size={size_mb}m")
    for name in os.listdir(spawn["workdir"]):
        source = os.path.join(spawn["workdir"], name)
        if os.path.isfile(source) and not os.path.islink(source):
            target = os.path.join(inside, name)
            with open(source, "rb") as src, open(target, "wb") as dst:
                dst.write(src.read())
            os.chown(target, uid, uid)


def _pivot_root(new_root: str) -> None:
    """Make `new_root` this mount namespace's root and detach the old one: nothing of the host stays reachable."""
    number = SYS_PIVOT_ROOT.get(platform.machine())
    if number is None:
        raise OSError(0, f"pivot_root: no system call number known for {platform.machine()}")
    os.chdir(new_root)
    _check(_libc.syscall(number, b".", b"."), "pivot_root")
    _check(_libc.umount2(b".", MNT_DETACH), "umount(old root)")
    os.chdir("/")


def build_root(config: dict, spawn: dict, uid: int) -> None:
    """A new mount namespace whose root is a tmpfs holding, read-only, only the allowed paths; chroot into it."""
    root = config["root_dir"]
    jail = root + JAIL
    _mount("none", "/", None, MS_REC | MS_PRIVATE)
    _mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=16m")
    # A fresh /tmp first: a bind below it (a checkout and its venv under /tmp) must stay visible on top.
    os.makedirs(jail + "/tmp", mode=0o1777, exist_ok=True)
    _mount("tmpfs", jail + "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"mode=1777,uid={uid},gid={uid},size=64m")
    for path in config["binds"]:
        if os.path.exists(path):
            _bind(jail, path, config.get("submounts", []))
    for device in DEVICES:
        if os.path.exists(device):
            target = jail + device
            os.makedirs(os.path.dirname(target), exist_ok=True)
            open(target, "a").close()
            _mount(device, target, None, MS_BIND)
    for path in spawn.get("hide", ()):  # a forbidden module's files: gone, blocker or not
        _hide(jail, path)
    _private_workdir(jail, config, spawn, uid)
    _pivot_root(root)
    _mount("none", "/", None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    os.chroot(JAIL)
    os.chdir("/")


def drop_privileges(uid: int) -> None:
    """Become `uid` (and its group) with no supplementary groups: as root, this also clears every capability."""
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


CAP_VERSION_3 = 0x20080522


def drop_capabilities() -> None:
    """Give up every capability (those a user namespace grants its creator): the bounding set, then the rest;
    checked, so that a kernel that refuses leaves no process running with them."""
    for cap in range(64):
        if _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            break  # EINVAL past the last capability this kernel knows
    header, data = _CapHeader(CAP_VERSION_3, 0), (_CapData * 2)()
    _check(_libc.capset(ctypes.byref(header), data), "capset")
    _check(_libc.capget(ctypes.byref(header), data), "capget")
    if any(d.effective or d.permitted or d.inheritable for d in data):
        raise OSError(0, "capabilities are still held after dropping them")


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


def clean_fds(keep: tuple[int, ...]) -> None:
    """Close every descriptor but `keep` (after a fork: nothing of the parent's may stay open). `os.closerange`
    closes whole ranges in one system call (close_range) where the kernel has it; it must never be given an
    empty range (Python 3.11 would close every descriptor then)."""
    low = 0
    for fd in sorted(set(keep)):
        if low < fd:
            os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, max(low + 1, min(resource.getrlimit(resource.RLIMIT_NOFILE)[1], 1 << 20)))


def _redirect(chan_fd: int, out_fd: int) -> int:
    """stdout and stderr to the output file, stdin from /dev/null, nothing else open: the channel's new number."""
    if chan_fd <= 2:  # keep it clear of the numbers about to be replaced
        chan_fd, old = os.dup(chan_fd), chan_fd
        os.close(old)
    os.dup2(out_fd, 1)
    os.dup2(out_fd, 2)
    os.close(out_fd)
    null = os.open("/dev/null", os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    clean_fds((0, 1, 2, chan_fd))
    for stream in (sys.stdout, sys.stderr):  # nothing lost if the process is killed
        stream.reconfigure(line_buffering=True, write_through=True)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an output flood fails its writes, not the process
    return chan_fd


def enter_submission(config: dict, spawn: dict, chan_fd: int, out_fd: int) -> int:
    """Confine this process (just forked from its keeper) as `config`'s backend says; raises if a step fails.
    Returns the channel's descriptor (its number may change)."""
    backend = config["backend"]
    os.setsid()
    vm_bytes = _current_vm_bytes()  # before the new root: there is no /proc in there
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL, "prctl(PDEATHSIG)")
    chan_fd = _redirect(chan_fd, out_fd)
    slot_uid = config.get("slot_uid")
    if backend in FULL:
        unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS, "unshare(mount, network, IPC, UTS)")
        build_root(config, spawn, slot_uid if backend == ROOT_NAMESPACES else os.getuid())
    if backend == USER_NAMESPACES:
        drop_capabilities()
    elif slot_uid is not None and os.geteuid() == 0:  # as root, never run student code as root
        drop_privileges(slot_uid)
    prctl(PR_SET_NO_NEW_PRIVS, 1, "prctl(NO_NEW_PRIVS)")
    os.chdir(config["workdir_inside"] if backend in FULL else spawn["workdir"])
    limits = dict(config["limits"])
    if "nproc_base" in spawn:  # without a namespace, the process count is the whole user's: leave it its own
        limits["nproc"] = int(spawn["nproc_base"]) + int(limits["nproc"])
    _set_limits(limits, vm_bytes)
    home = config["workdir_inside"] if backend in FULL else spawn["workdir"]
    os.environ.clear()
    os.environ.update({"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": home, "TMPDIR": home,
                       "LANG": "C.UTF-8", "MPLBACKEND": "Agg", "MPLCONFIGDIR": home,
                       "OMP_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1"})
    sys.path[:] = [p for p in sys.path if p and os.path.isdir(p)]
    sys.dont_write_bytecode = True
    return chan_fd
