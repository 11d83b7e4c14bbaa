"""Atomic, safe output: a file or a folder appears whole or not at all, and never over what
mbpack did not write.

Both helpers write into a temporary sibling of the target (same file system) and move it
into place only when the ``with`` block ends without an error; on an error the temporary is
removed and the target is left as it was.

Folders mbpack writes carry a marker file (:data:`MARKER`).  An existing folder is replaced
only when it has that marker or is empty (or with ``force``); a folder that holds one of the
command's inputs is never replaced, and neither is a file where a folder should go, nor a
folder where a file should go.  On Linux the old and the new folder are swapped in one
``renameat2(RENAME_EXCHANGE)`` call, so a complete folder stands at the path at every moment;
temporary folders left by a killed run carry the marker and are removed by the next run.
Files get mode 0666 and folders 0777, less the user's umask, as ``open`` and ``mkdir`` give.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from mbpack.errors import OutputRefused

#: File inside every folder mbpack writes: its presence lets a later run replace the folder.
MARKER = ".mbpack-output"

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def _refuse_inputs(target: Path, inputs: Iterable[str | os.PathLike[str]]) -> None:
    for source in inputs:
        source = Path(source)
        if source.resolve() == target.resolve() or (target.is_dir() and _inside(source, target)):
            raise OutputRefused(
                f"{target}: refusing to write there: it holds the input {source}; "
                "choose an output location outside it"
            )


def check_folder_target(
    target: str | os.PathLike[str],
    *,
    inputs: Iterable[str | os.PathLike[str]] = (),
    force: bool = False,
) -> None:
    """Refuse a folder target that mbpack may not replace.

    Parameters
    ----------
    target
        The folder to be written.
    inputs
        Files the command reads; a target that is one of them or holds one is refused, even
        with ``force``.
    force
        Replace an existing folder that mbpack did not write.

    Raises
    ------
    mbpack.errors.OutputRefused
        When the target is a file, holds an input, or is a non-empty folder without
        :data:`MARKER` (and ``force`` is false).
    """
    target = Path(target)
    _refuse_inputs(target, inputs)
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise OutputRefused(f"{target}: refusing to write a folder there: it is a file")
    if target.is_dir() and not force and not (target / MARKER).is_file() and any(target.iterdir()):
        raise OutputRefused(
            f"{target}: refusing to replace a folder mbpack did not write (it has no {MARKER}); "
            "choose a new or empty folder, or pass --force"
        )


@contextmanager
def atomic_file(
    target: str | os.PathLike[str], *, inputs: Iterable[str | os.PathLike[str]] = ()
) -> Iterator[Path]:
    """Yield a temporary path to write; it replaces the file ``target`` on success.

    Parameters
    ----------
    target
        The file to write.
    inputs
        Files the command reads: writing over one of them is refused.

    Raises
    ------
    mbpack.errors.OutputRefused
        When ``target`` is a folder, a device, FIFO or socket, or one of ``inputs``.
    """
    target = Path(target)
    _refuse_inputs(target, inputs)
    if target.is_dir():
        raise OutputRefused(f"{target}: refusing to write a file there: it is a folder")
    if target.exists() and not target.is_file():
        raise OutputRefused(
            f"{target}: refusing to write there: it is not a regular file (a device, FIFO or "
            "socket would be replaced)"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def atomic_folder(
    target: str | os.PathLike[str],
    *,
    inputs: Iterable[str | os.PathLike[str]] = (),
    force: bool = False,
    mark: bool = True,
) -> Iterator[Path]:
    """Yield a temporary folder to fill; it replaces the folder ``target`` on success.

    Parameters
    ----------
    target
        The folder to write.
    inputs, force
        See :func:`check_folder_target`, which runs first.
    mark
        Leave :data:`MARKER` in the folder (off for a folder written inside another
        folder mbpack is writing, which carries the marker for both).

    Raises
    ------
    mbpack.errors.OutputRefused
        As :func:`check_folder_target`.
    """
    target = Path(target)
    inputs = list(inputs)
    check_folder_target(target, inputs=inputs, force=force)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(target)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    (tmp / MARKER).write_text("written by mbpack; a later mbpack run may replace this folder\n")
    try:
        yield tmp
        if not mark:
            (tmp / MARKER).unlink()
        _permissions(tmp)
        if target.exists():
            check_folder_target(target, inputs=inputs, force=force)  # nothing changed meanwhile
            if _exchange(tmp, target):
                shutil.rmtree(tmp)  # now the old content
            else:
                old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
                old.rmdir()
                target.rename(old)
                tmp.rename(target)
                shutil.rmtree(old)
        else:
            tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _permissions(folder: Path) -> None:
    """Modes as mkdir and open give them (0777 and 0666 less the umask), not mkstemp's 0600."""
    mask = _umask()
    for root, dirs, files in os.walk(folder):
        os.chmod(root, 0o777 & ~mask)
        for name in files:
            os.chmod(os.path.join(root, name), 0o666 & ~mask)
        del dirs[:0]


def _remove_stale(target: Path) -> None:
    """Temporary siblings of ``target`` that a killed run left behind (they carry the marker)."""
    for sibling in target.parent.glob(f".{target.name}.*"):
        if sibling.is_dir() and not sibling.is_symlink() and (sibling / MARKER).is_file():
            shutil.rmtree(sibling, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one system call (Linux ``renameat2``); False where it is not available."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    done = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(done == 0)
