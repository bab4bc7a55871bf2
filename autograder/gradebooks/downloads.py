"""Grade a platform's download directly: a Canvas "Download Submissions" zip or a Moodle assignment download.

The zip is unpacked into a temporary folder of one entry per student,
`<student_id>/`, named through the roster, and graded by the usual engine.
Each file the zip holds is accounted for in `DIR/imported.csv`, and each
submission's time or LATE marker goes to `DIR/submission_times.csv` for the
late policy of `autograder export`.

Canvas names each file `<lastfirst>[_LATE]_<canvas user id>_<attachment id>_<file name>`
(lib/content_zipper.rb); a resubmitted file may carry a `-1` before its
extension. Moodle puts each student's files in a folder
`<Full Name>_<participant id>_assignsubmission_file/` (or, with folders
turned off, prefixes each file name with it); the participant id is
Moodle's own per-assignment number, so Moodle entries are matched to the
roster by full name.
"""
from __future__ import annotations

import csv
import io
import re
import stat
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from autograder.core.errors import AutograderError
from autograder.core.safefiles import kind_of, read_at_most, too_large
from autograder.core.text import spreadsheet_safe
from autograder.gradebooks.late import TIMES_FILE, SubmissionTime, times_text
from autograder.gradebooks.roster import Roster
from autograder.grading.submissions import MAX_FILE_BYTES

IMPORT_LOG = "imported.csv"
MAX_MEMBER_BYTES = 4 * MAX_FILE_BYTES  # larger members are listed as skipped, never unpacked
MAX_MEMBERS = 20_000
MAX_TOTAL_BYTES = 1_000_000_000
CANVAS_FILE = re.compile(r"^(?P<name>[^/]*?)(?P<late>_LATE)?_(?P<uid>\d+)_(?P<aid>\d+)_(?P<file>[^/]+)$")
CANVAS_ANON = re.compile(r"^(?:LATE_)?anon_[A-Za-z0-9]+(?:_\d+)?_")
CANVAS_ENTRY = re.compile(r"^[^/]*?(?:_LATE)?_\d+_(?:text|link)\.html$")  # a text entry or URL submission
MOODLE_PREFIX = re.compile(r"^(?P<name>.+?)_(?P<pid>\d+)_assignsubmission_(?P<plugin>[a-z]+)(?:_(?P<file>.+))?$")


@dataclass(frozen=True)
class Upload:
    """One file of a student's entry, as the download holds it."""

    member: str  # its name in the zip
    inner: str  # its path inside the student's entry
    label: str  # how the student knows it: the path in their folder, or Canvas's attachment
    data: bytes


@dataclass
class Entry:
    """One student's files from the download."""

    student_id: str
    platform_key: str
    folder: str = ""  # the download's name for the student's files (Moodle's folder or file prefix)
    files: dict[str, bytes] = field(default_factory=dict)  # name in the unpacked entry -> data, once flattened
    late_flag: bool = False
    matched: bool = True
    reason: str = ""
    uploads: list[Upload] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # for the student's feedback
    problem: str = ""  # why the entry cannot be graded as it is
    others: list[str] = field(default_factory=list)  # other platform folders that map to this student


@dataclass(frozen=True)
class Route:
    """Where one zip member goes: its student (None: not in the roster) and its place in their entry, or why not."""

    student_id: str | None = None
    key: str = ""
    inner: str = ""
    why: str = ""
    late: bool = False
    skip: str = ""
    folder: str = ""
    label: str = ""


@dataclass
class Imported:
    """What the import made of a download: the entries, and every zip member's fate."""

    platform: str
    entries: dict[str, Entry]
    log: list[dict]

    @property
    def unmatched(self) -> list[Entry]:
        return [e for e in self.entries.values() if not e.matched]

    def times(self, source: str) -> list[SubmissionTime]:
        return [SubmissionTime(e.student_id, None, e.late_flag, source) for e in self.entries.values()]

    def summary(self) -> str:
        late = sum(e.late_flag for e in self.entries.values())
        skipped = [row for row in self.log if row["student_id"] == ""]
        lines = [f"Imported a {self.platform.capitalize()} download: {len(self.entries)} students"
                 f" ({late} marked LATE), {len(skipped)} file(s) skipped"]
        for entry in self.unmatched:
            lines.append(f"  ! not in the roster: {entry.student_id}: {entry.reason}")
        for row in skipped[:10]:
            lines.append(f"  - skipped {row['member']}: {row['note']}")
        if len(skipped) > 10:
            lines.append(f"  - ... and {len(skipped) - 10} more (see {IMPORT_LOG})")
        return "\n".join(lines)


def _members(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    infos = [i for i in archive.infolist() if not i.is_dir()]
    if len(infos) > MAX_MEMBERS:
        raise AutograderError(f"the download holds {len(infos)} files, more than {MAX_MEMBERS}: is it the right zip?")
    return infos


def detect_platform(names: list[str]) -> str:
    """"canvas" or "moodle", from the shape of the file names; an error when neither fits."""
    useful = [n for n in names if not _ignored(n)]
    moodle = sum(bool(MOODLE_PREFIX.match(PurePosixPath(n).parts[0])) for n in useful)
    canvas = sum(bool(CANVAS_FILE.match(n) or CANVAS_ANON.match(n) or CANVAS_ENTRY.match(n)) for n in useful)
    if moodle and moodle >= canvas:
        return "moodle"
    if canvas:
        return "canvas"
    sample = ", ".join(useful[:3]) or "nothing"
    raise AutograderError(f"not a Canvas or Moodle submissions download (file names like {sample}); "
                          f"Canvas names files lastfirst_<user id>_<file id>_<name>, Moodle uses folders "
                          f"'Full Name_<id>_assignsubmission_file'")


def _ignored(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return not parts or any(p.startswith(".") or p == "__MACOSX" for p in parts)


def _fold(name: str) -> str:
    """A name compared without case, accents, spaces or punctuation."""
    text = unicodedata.normalize("NFKD", name.replace("_", " ")).casefold()
    return "".join(ch for ch in text if ch.isalnum())


def _moodle_match(roster: Roster, name: str) -> tuple[str | None, str]:
    if _fold(name) == "participant":
        return None, "blind marking hides who submitted; reveal identities in Moodle, then download again"
    key = _fold(name)
    found = [s for s in roster.students
             if key in (_fold(s.display_name), _fold(f"{s.last_name} {s.first_name}"))]
    if len(found) == 1:
        return found[0].student_id, ""
    if found:
        return None, f"several roster students are called {name!r} ({', '.join(s.student_id for s in found)})"
    return None, f"nobody called {name!r} in the roster {roster.path.name}"


def _canvas_key(roster: Roster, uid: str) -> tuple[str | None, str]:
    for s in roster.students:
        if s.canvas_user_id == uid:
            return s.student_id, ""
    return None, f"Canvas user {uid} is not in the roster {roster.path.name} (canvas_user_id)"


def _entry(entries: dict[str, Entry], route: Route, platform: str) -> Entry:
    sid = route.student_id or f"unmatched-{platform}-{route.key}"
    if sid not in entries:
        entries[sid] = Entry(sid, route.key, route.folder, matched=route.student_id is not None, reason=route.why)
    entry = entries[sid]
    if route.key != entry.platform_key and route.folder not in entry.others:
        entry.others.append(route.folder)
    return entry


def _route(platform: str, roster: Roster, name: str) -> Route:
    """Where the zip member `name` goes, by the platform's naming rules."""
    if platform == "canvas":
        if CANVAS_ANON.match(name):
            return Route(skip="anonymous grading hides who submitted; unmask the students in Canvas first")
        m = CANVAS_FILE.match(name)
        if not m:
            return Route(skip="not a Canvas file upload (a text entry or URL submission?)")
        sid, why = _canvas_key(roster, m["uid"])
        return Route(sid, m["uid"], m["file"], why, bool(m["late"]), folder=f"Canvas user {m['uid']}",
                     label=f"attachment {m['aid']}")
    parts = PurePosixPath(name).parts
    m = MOODLE_PREFIX.match(parts[0])
    if not m:
        return Route(skip="not in a Moodle submission folder")
    inner = "/".join(parts[1:]) if len(parts) > 1 else (m["file"] or "")
    if m["plugin"] != "file" or not inner:
        return Route(skip=f"a Moodle '{m['plugin']}' submission, not a file")
    sid, why = _moodle_match(roster, m["name"])
    folder = parts[0] if len(parts) > 1 else f"{m['name']}_{m['pid']}_assignsubmission_{m['plugin']}"
    return Route(sid, m["pid"], inner, why, folder=folder, label=inner)


def _open(zip_path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(zip_path)
    except FileNotFoundError:
        raise AutograderError(f"{zip_path}: no such file") from None
    except (zipfile.BadZipFile, IsADirectoryError):
        raise AutograderError(f"{zip_path}: not a zip file") from None


UNREADABLE = (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError, NotImplementedError, ValueError,
              MemoryError)


def _member_data(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[bytes | None, str]:
    """(the member's bytes, '') or (None, why it is skipped): links and other non-files are never unpacked,
    and a member is never decompressed beyond the size limit, whatever size it declares."""
    mode = info.external_attr >> 16
    if stat.S_IFMT(mode) and not stat.S_ISREG(mode):
        return None, f"{kind_of(mode)} in the zip: never unpacked (links are not followed)"
    if info.file_size > MAX_MEMBER_BYTES:
        return None, too_large("the file", MAX_MEMBER_BYTES)
    try:
        with archive.open(info) as member:
            data = read_at_most(member, MAX_MEMBER_BYTES)
    except UNREADABLE as exc:
        return None, f"unreadable ({type(exc).__name__}: {exc})"
    if len(data) > MAX_MEMBER_BYTES:
        return None, too_large("the file", MAX_MEMBER_BYTES) + " once unpacked"
    return data, ""


def _take(archive: zipfile.ZipFile, info: zipfile.ZipInfo, platform: str, roster: Roster,
          entries: dict[str, Entry]) -> dict:
    """Add one zip member to its student's entry; its line of the import log (why it was skipped, if it was)."""
    row = {"member": info.filename, "student_id": "", "file": "", "late": "", "note": ""}
    if _ignored(info.filename):
        return {**row, "note": "hidden or system file"}
    route = _route(platform, roster, info.filename)
    if route.skip:
        return {**row, "note": route.skip}
    data, skip = _member_data(archive, info)
    if data is None:
        return {**row, "note": skip}
    entry = _entry(entries, route, platform)
    entry.late_flag = entry.late_flag or route.late
    entry.uploads.append(Upload(info.filename, route.inner, route.label, data))
    return {**row, "student_id": entry.student_id, "file": _safe_path(route.inner),
            "late": "true" if route.late else "", "note": entry.reason}


def read_download(zip_path: Path, roster: Roster) -> Imported:
    """Every student's files from a Canvas or Moodle download, matched to the roster."""
    with _open(zip_path) as archive:
        infos = _members(archive)
        if sum(i.file_size for i in infos) > MAX_TOTAL_BYTES:
            raise AutograderError(f"{zip_path}: more than {MAX_TOTAL_BYTES} bytes once unpacked; the right zip?")
        platform = detect_platform([i.filename for i in infos])
        if platform == "canvas" and "canvas_user_id" not in roster.columns:
            raise AutograderError(f"{roster.path}: a Canvas download names students by Canvas user id; "
                                  f"add a canvas_user_id column to the roster")
        entries: dict[str, Entry] = {}
        log = [_take(archive, info, platform, roster, entries) for info in infos]
    if not entries:
        reasons = sorted({row["note"] for row in log if row["note"]})
        raise AutograderError(f"{zip_path}: no submitted files in this {platform.capitalize()} download"
                              + (f" ({'; '.join(reasons)})" if reasons else ""))
    if not any(e.matched for e in entries.values()):
        first = next(iter(entries.values()))
        raise AutograderError(f"{zip_path}: none of its {len(entries)} students is in the roster {roster.path} "
                              f"(e.g. {first.reason}); is it this course's roster?")
    _one_folder_each(zip_path, platform, entries)
    rows = {row["member"]: row for row in log if row["student_id"]}
    for entry in entries.values():
        _place(entry, rows)
    return Imported(platform, entries, log)


def _one_folder_each(zip_path: Path, platform: str, entries: dict[str, Entry]) -> None:
    """Two of the download's students that map to one roster student are an error: whose files are whose?"""
    shared = [e for e in entries.values() if e.others]
    if shared:
        listing = "; ".join(f"{e.student_id}: {', '.join(repr(f) for f in (e.folder, *e.others))}" for e in shared)
        raise AutograderError(f"{zip_path}: more than one {platform.capitalize()} participant maps to one roster "
                              f"student ({listing}); make the roster's names tell them apart, or grade them apart")


def _place(entry: Entry, rows: dict[str, dict]) -> None:
    """Where each of the entry's files goes in its unpacked folder: its own path in the download (folders kept,
    nothing outside the entry), so that the entry is read by the same rules as any (`grading.resolve`).
    Two files for one place are never merged: the entry is not graded, and its message names both."""
    placed: dict[str, Upload] = {}
    for up in entry.uploads:
        path = _safe_path(up.inner)
        rows[up.member]["file"] = path
        if path in placed:
            entry.problem = (f"two files of the download are both {path} ({placed[path].label}, {up.label}): "
                             "none of them was graded; hand in only one")
        placed[path] = up
    entry.files = {path: up.data for path, up in placed.items()}


def _safe_path(inner: str) -> str:
    """A relative path inside a student's entry: no empty, '.' or '..' part, '/'-separated."""
    parts = [p for p in inner.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    return "/".join(parts) or "unnamed"


def unpack(imported: Imported, folder: Path) -> None:
    """Write one `<student_id>/` entry per student into `folder`, each file at its own path in it."""
    for entry in imported.entries.values():
        target = folder / entry.student_id
        target.mkdir()
        for path, data in entry.files.items():
            (target / path).parent.mkdir(parents=True, exist_ok=True)
            (target / path).write_bytes(data)


def check_ids(imported: Imported) -> None:
    """Every student id the import gives can name an entry folder (a usage error otherwise)."""
    bad = [sid for sid in imported.entries if "/" in sid or "\\" in sid or sid.startswith((".", "_"))]
    if bad:
        raise AutograderError(f"student_id(s) {', '.join(bad)} cannot name a submission entry "
                              f"(no '/', no leading '.' or '_'); change them in the roster")


def log_text(imported: Imported) -> str:
    """imported.csv: every zip member's fate; names from the zip never start a cell as a formula."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, ["member", "student_id", "file", "late", "note"], lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: spreadsheet_safe(v) for k, v in row.items()} for row in imported.log)
    return buffer.getvalue()


def record_files(imported: Imported, zip_path: Path) -> dict[str, str]:
    """The files an import adds to the grades folder (by name): submission times, and the import's log."""
    return {TIMES_FILE: times_text(imported.times(f"{imported.platform} download {zip_path.name}")),
            IMPORT_LOG: log_text(imported)}
