"""A slot's keeper: forked once per slot from the warm zygote, it forks that slot's submission processes.

The grader talks to each keeper over a socket of its own (frames of `wire`):

    {"op": "spawn", "workdir": ..., "load": {...}} + 2 fds (channel, output)  ->  {"pid": ...}
    {"op": "kill"}                                                             ->  {"killed": true, ...}
    {"op": "probe"}                                                            ->  {"result": ""} or why not

With the namespace backends (see `confine`) the keeper is PID 1 of a PID namespace of its own, and each
submission's process is PID 1 of a new one below it: when a submission ends, every process it made
ends with it, and if the keeper ends, so does everything below it. Where no control group holds a
submission's memory, the keeper watches it: every few milliseconds it adds up what the submission's
processes hold beyond the pages they share with the keeper, and stops the submission past its bound.
The keeper imports nothing of the grader, and never receives a submission's files.
"""
from __future__ import annotations

import os
import select
import signal
import socket

from autograder.isolation import child, confine, wire

WATCH_INTERVAL_MS = 10
PAGE = os.sysconf("SC_PAGE_SIZE")


def start(config: dict, sock: socket.socket) -> None:
    """In a fresh fork of the zygote: become the slot's keeper (through a second fork into its own PID
    namespace where the backend has one) and serve until the grader closes `sock`. Never returns."""
    code = 0
    try:
        os.setsid()
        confine.clean_fds((0, 1, 2, sock.fileno()))  # stdio stays open: new descriptors never take its numbers
        for procs in config.get("cgroups", ()):  # the slot's control groups, for everything forked from here
            with open(procs, "w") as f:
                f.write(str(os.getpid()))
        backend = config["backend"]
        if config.get("become_uid") is not None:
            confine.drop_privileges(config["become_uid"])
            confine.prctl(confine.PR_SET_DUMPABLE, 1, "prctl(DUMPABLE)")  # to write its own uid map
        if backend == confine.USER_NAMESPACES:
            confine.enter_user_namespace(os.getuid(), os.getgid())
        elif backend == confine.ROOT_NAMESPACES:
            confine.unshare(confine.CLONE_NEWPID, "unshare(PID namespace)")
        if backend in confine.FULL:  # the keeper itself is the first child: PID 1 of the new namespace
            pid = os.fork()
            if pid:
                sock.close()
                _, status = os.waitpid(pid, 0)
                os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
        elif backend == confine.PROCESS_ONLY:  # orphans of a submission come back here, to be killed
            confine.prctl(confine.PR_SET_CHILD_SUBREAPER, 1, "prctl(CHILD_SUBREAPER)")
        keeper = Keeper(config, sock)
    except BaseException as exc:  # noqa: BLE001 (the grader reads why; nothing escapes into the zygote)
        code = 1
        try:
            wire.send_message(sock, {"error": f"{type(exc).__name__}: {exc}"})
        except OSError:
            pass
    else:
        try:
            keeper.serve()
        except BaseException:  # noqa: BLE001
            code = 1
        finally:
            keeper.finish()
    os._exit(code)


class Keeper:
    """The loop of one slot's keeper: one submission process at a time."""

    def __init__(self, config: dict, sock: socket.socket):
        self.config, self.sock = config, sock
        self.backend = config["backend"]
        self.reader = wire.FrameReader(sock, max_size=1 << 24, max_fds=2)
        self.own_pid_namespace = os.open("/proc/self/ns/pid", os.O_RDONLY) if self.backend in confine.FULL else None
        self.watch_bytes = int(config.get("watch_mb") or 0) * 2**20
        self.current: dict | None = None  # pid, pidfd, host pid, output fd, base pages of the running submission
        wire.send_message(sock, {"ready": True, "pid": _host_pid(os.getpid())})

    def serve(self) -> None:
        poller = select.poll()
        poller.register(self.sock, select.POLLIN)
        while True:
            watching = self.current is not None and self.watch_bytes > 0
            events = dict(poller.poll(WATCH_INTERVAL_MS if watching else None))
            if self.current is not None and self.current["pidfd"] in events:
                poller.unregister(self.current["pidfd"])
                self.finish()  # ended by itself: what it left behind goes now, not at the grader's word
            elif watching and not events:
                self._watch(poller)
            if self.sock.fileno() in events:
                request = wire.recv_message(self.reader)
                if request is None:
                    return
                fds = self.reader.take_fds()
                if self.current is not None and request.get("op") in ("spawn", "kill", "probe"):
                    poller.unregister(self.current["pidfd"])
                    self.finish()
                reply = self._handle(request, fds)
                if self.current is not None:
                    poller.register(self.current["pidfd"], select.POLLIN)
                wire.send_message(self.sock, reply)

    def _handle(self, request: dict, fds: list[int]) -> dict:
        op = request.get("op")
        try:
            if op == "spawn" and len(fds) == 2:
                return {"pid": self._spawn(request, fds)}
            if op == "kill":
                return {"killed": True}
            if op == "probe":
                return {"result": self._probe()}
            return {"error": f"unknown request {op!r}"}
        except Exception as exc:  # noqa: BLE001 (report, keep serving)
            return {"error": f"{type(exc).__name__}: {exc}"}
        finally:
            for fd in fds:
                try:
                    os.close(fd)
                except OSError:
                    pass

    # -- one submission ---------------------------------------------------------------------------------------
    def _fork(self, run) -> int:
        """Fork the submission's process (PID 1 of a new PID namespace with the namespace backends): `run()`."""
        if self.own_pid_namespace is not None:
            confine.set_pid_namespace_for_next_child(None)
        try:
            pid = os.fork()
        except BaseException:
            pid = -1
            raise
        finally:
            if pid != 0 and self.own_pid_namespace is not None:  # the keeper's next child: in its own again
                confine.set_pid_namespace_for_next_child(self.own_pid_namespace)
        if pid == 0:
            code = 70
            try:
                run()
                code = 0
            except BaseException as exc:  # noqa: BLE001 (nothing may escape into the keeper's loop)
                code = 71
                try:
                    os.write(2, f"autograder: the process serving your code failed: {type(exc).__name__}: {exc}\n"
                             .encode())
                except OSError:
                    pass
            finally:
                os._exit(code)
        return pid

    def _spawn(self, request: dict, fds: list[int]) -> int:
        chan_fd, out_fd = fds
        load = request.get("load") or {}
        child.probes_code(load.get("probes") or "")  # compiled once per run, here: each submission inherits it
        spawn = {"workdir": request["workdir"], "hide": request.get("hide") or []}
        if self.backend == confine.PROCESS_ONLY:
            spawn["nproc_base"] = _processes_of(os.getuid())

        def run():
            fd = confine.enter_submission(self.config, spawn, chan_fd, out_fd)
            child.serve(fd, self.config["workdir_inside"] if self.backend in confine.FULL else request["workdir"],
                        load)

        base = _anon_pages("self")
        pid = self._fork(run)
        self.current = {"pid": pid, "pidfd": os.pidfd_open(pid), "out": os.dup(out_fd), "base": base}
        self.current["host"] = _host_pid_of_pidfd(self.current["pidfd"])
        return self.current["host"]

    def _probe(self) -> str:
        """'' if a submission's process can be confined here as the backend says, else why not."""
        mine, theirs = socket.socketpair()
        null = os.open("/dev/null", os.O_WRONLY)
        probe_dir = self.config["probe_dir"]

        def run():
            fd = theirs.fileno()
            try:
                fd = confine.enter_submission(self.config, {"workdir": probe_dir}, fd, null)
                message = {"result": ""}
            except Exception as exc:  # noqa: BLE001
                message = {"result": f"{type(exc).__name__}: {exc}"}
            wire.send_message(socket.socket(fileno=fd), message)

        pid = self._fork(run)
        theirs.close()
        os.close(null)
        try:
            mine.settimeout(20)
            reply = wire.recv_message(wire.FrameReader(mine, 1 << 16), None)
        except OSError as exc:
            reply = {"result": f"the probe did not answer ({exc})"}
        finally:
            mine.close()
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        return (reply or {}).get("result", "the probe ended without a word")

    def _watch(self, poller) -> None:
        """Where no control group holds a submission's memory: past its bound, stop its largest process (as the
        kernel's OOM killer would in a group), or the whole submission when that is its first process."""
        current = self.current
        held = _held_pages(current["base"])
        total = sum(held.values()) * PAGE
        if total <= self.watch_bytes:
            return
        largest = max(held, key=held.get)
        whole = largest == current["host"]
        if whole or not current.get("noted"):  # once per submission: a process stopped each time would flood it
            current["noted"] = True
            try:
                os.write(current["out"], (f"\nautograder: your code's processes together held {total >> 20} MB, more "
                                          f"than the {self.watch_bytes >> 20} MB a submission may use: "
                                          f"{'it was stopped' if whole else 'the largest was stopped (and any more)'}"
                                          "\n").encode())
            except OSError:
                pass
        if whole:
            poller.unregister(current["pidfd"])
            self.finish()
        else:
            _kill(_local_pid(largest))

    def finish(self) -> None:
        """End the current submission and everything it started; safe to call when there is none."""
        current, self.current = self.current, None
        if current is None:
            return
        pid = current["pid"]
        if self.backend in confine.FULL:  # PID 1 of its namespace: the kernel ends every process in it
            _kill(pid)
        else:
            _kill(-pid)  # its process group, then what left it
            if self.backend == confine.UID_ONLY:
                self._sweep_uid()
        os.waitpid(pid, 0)
        if self.backend == confine.PROCESS_ONLY:
            _kill_descendants()
        for fd in (current["pidfd"], current["out"]):
            os.close(fd)

    def _sweep_uid(self) -> None:
        """kill(-1) as the slot's user, from a fresh fork: every process of that user, until none is left."""
        sweeper = os.fork()
        if sweeper == 0:
            try:
                confine.drop_privileges(self.config["slot_uid"])
                for _ in range(50):
                    os.kill(-1, signal.SIGKILL)
            except OSError:  # ESRCH: none left
                pass
            os._exit(0)
        os.waitpid(sweeper, 0)


def _kill(pid: int) -> None:
    if pid == 0:
        return  # never our own process group
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _children(pid: str) -> list[str]:
    found = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                found += f.read().split()
    except OSError:  # gone meanwhile
        pass
    return found


def _tree(pid: str) -> list[str]:
    """`pid` and every process below it (a submission's orphans are re-parented inside its namespace)."""
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo += _children(current)
    return tree


def _anon_pages(pid: str) -> int:
    """Resident pages that are not file-backed (statm: resident - shared)."""
    try:
        with open(f"/proc/{pid}/statm") as f:
            fields = f.read().split()
        return int(fields[1]) - int(fields[2])
    except (OSError, IndexError, ValueError):
        return 0


def _held_pages(base_pages: int) -> dict[int, int]:
    """Per process below this keeper (the current submission's), the pages it holds beyond those it inherited
    (a page two of them share is counted for each: never missed)."""
    return {int(p): max(0, _anon_pages(p) - base_pages) for p in _tree("self")[1:]}


def _kill_descendants() -> None:
    """Kill every process below this one (a subreaper: nothing started here can leave), until none is left."""
    for _ in range(200):
        below = _tree("self")[1:]
        if not below:
            break
        for pid in below:
            _kill(_local_pid(int(pid)))
        while True:
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break


def _nspids(pid) -> list[int]:
    """A process's pid in each PID namespace it is in, the machine's first (/proc numbers it so)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("NSpid:"):
                return [int(n) for n in line.split()[1:]]
    return []


def _local_pid(host_pid: int) -> int:
    """The pid by which this process (the keeper, maybe PID 1 of a namespace of its own) can signal `host_pid`
    (0, which signals nothing of its own choosing, when it is gone)."""
    try:
        return _nspids(host_pid)[len(_nspids("self")) - 1]
    except (OSError, IndexError):
        return 0


def _processes_of(uid: int) -> int:
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    count += 1
            except OSError:
                pass
    return count


def _host_pid_of_pidfd(pidfd: int) -> int:
    """The pid, as the machine's /proc numbers it, of the process behind `pidfd`."""
    with open(f"/proc/self/fdinfo/{pidfd}") as f:
        for line in f:
            if line.startswith("Pid:"):
                return int(line.split()[1])
    raise OSError(0, "no pid in the pidfd's fdinfo")


def _host_pid(pid: int) -> int:
    fd = os.pidfd_open(pid)
    try:
        return _host_pid_of_pidfd(fd)
    finally:
        os.close(fd)
