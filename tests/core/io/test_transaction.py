"""Outputs commit together or not at all; the previous files and their sidecars survive any failure; a killed run's
temporaries are cleaned by the next run; every write error names the parameter and the real path."""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

from geochem_prospector.core.errors import InputError
from geochem_prospector.core.grid import GridSpec
from geochem_prospector.core.io.outputs import atomic_output, output_group, write_bytes, write_text
from geochem_prospector.core.io.rasters import write_geotiff
from geochem_prospector.core.io.temporaries import clean_stale_temporaries, host_tag
from geochem_prospector.core.io.verify import verify_zip
from tests.error_cases import fill_file_system

GRID = GridSpec(400_000.0, 7_510_000.0, 250.0, 40, 40, None)


def folder_digest(folder) -> dict:
    """Every file in the folder: name -> sha256 (what the user would see)."""
    result = {}
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            with open(path, "rb") as handle:
                result[name] = hashlib.sha256(handle.read()).hexdigest()
        else:
            result[name] = "<folder>"
    return result


def old_run(folder, names):
    for name in names:
        (folder / name).write_text(f"the previous run's {name}\n")


def test_a_later_output_that_cannot_be_placed_leaves_every_previous_file_as_it_was(tmp_path):
    old_run(tmp_path, ["a.csv", "b.csv", "a.csv.aux.xml"])
    before = folder_digest(tmp_path)
    with pytest.raises(InputError) as raised:
        with output_group():
            write_text(str(tmp_path / "a.csv"), "new a\n", "OUTPUT_A")
            write_text(str(tmp_path / "b.csv"), "new b\n", "OUTPUT_B")
            with atomic_output(str(tmp_path / "c.csv"), "OUTPUT_C") as tmp:
                with open(tmp, "w") as handle:
                    handle.write("new c\n")
            (tmp_path / "c.csv").mkdir()  # appears after the checks, before the commit
    message = str(raised.value)
    assert message.startswith(f"OUTPUT_C: '{tmp_path / 'c.csv'}' is a folder"), message
    assert ".partial-" not in message
    after = folder_digest(tmp_path)
    assert after == {**before, "c.csv": "<folder>"}


def test_an_immutable_previous_file_rolls_back_the_outputs_already_placed(tmp_path):
    old_run(tmp_path, ["a.csv", "b.csv"])
    if subprocess.run(["chattr", "+i", str(tmp_path / "b.csv")], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not permitted here (needs root on a file system with attributes)")
    try:
        before = folder_digest(tmp_path)
        with pytest.raises(InputError, match=r"^OUTPUT_B: cannot replace '.*b\.csv' \(Operation not permitted\)"):
            with output_group():
                write_text(str(tmp_path / "a.csv"), "new a\n", "OUTPUT_A")
                write_text(str(tmp_path / "b.csv"), "new b\n", "OUTPUT_B")
        assert folder_digest(tmp_path) == before  # a.csv is the previous one again, no temporary left
    finally:
        subprocess.run(["chattr", "-i", str(tmp_path / "b.csv")])


def test_previous_sidecars_leave_with_the_previous_file(tmp_path):
    path = tmp_path / "grid.tif"
    write_geotiff(str(path), np.ones((1, 40, 40)), GRID, ["Cu"])
    (tmp_path / "grid.tif.aux.xml").write_text("<PAMDataset>stale statistics</PAMDataset>")
    (tmp_path / "grid.tif.ovr").write_bytes(b"stale overviews")
    (tmp_path / "grid.qml").write_text("the user's style")
    write_geotiff(str(path), np.full((1, 40, 40), 2.0), GRID, ["Cu"])
    assert sorted(os.listdir(tmp_path)) == ["grid.qml", "grid.tif"]


def test_sidecars_come_back_when_the_commit_fails(tmp_path):
    old_run(tmp_path, ["a.tif", "a.tif.aux.xml", "a.tif.ovr", "b.csv"])
    before = folder_digest(tmp_path)
    with pytest.raises(InputError, match=r"^OUTPUT_B: "):
        with output_group():
            write_geotiff(str(tmp_path / "a.tif"), np.ones((1, 40, 40)), GRID, ["Cu"])
            write_text(str(tmp_path / "b.csv"), "new\n", "OUTPUT_B")
            os.remove(str(tmp_path / "b.csv"))
            (tmp_path / "b.csv").mkdir()
    assert folder_digest(tmp_path) == {**before, "b.csv": "<folder>"}


def test_every_output_is_read_back_before_anything_is_replaced(tmp_path):
    old_run(tmp_path, ["grid.tif", "model.pt"])
    before = folder_digest(tmp_path)
    with pytest.raises(InputError) as raised:
        with atomic_output(str(tmp_path / "grid.tif"), "OUTPUT") as tmp:
            noise = np.random.default_rng(2).normal(size=(1, 40, 40))
            write_geotiff(str(tmp_path / "whole.tif"), noise, GRID, ["Cu"])
            with open(str(tmp_path / "whole.tif"), "rb") as src, open(tmp, "wb") as dst:
                whole = src.read()
                dst.write(whole[: len(whole) // 2])  # a GeoTIFF cut short, as a full disk leaves it
    message = str(raised.value)
    assert message.startswith(f"OUTPUT: the file written for '{tmp_path / 'grid.tif'}' could not be read back")
    assert ".partial-" not in message
    with pytest.raises(InputError, match=r"^OUTPUT_MODEL: the file written for .*model\.pt' could not be read back"):
        write_bytes(str(tmp_path / "model.pt"), b"not a zip archive", "OUTPUT_MODEL", verify=verify_zip)
    os.remove(str(tmp_path / "whole.tif"))
    assert folder_digest(tmp_path) == before


def test_a_write_error_names_the_parameter_and_the_real_path_never_the_temporary(tmp_path):
    target = str(tmp_path / "table.csv")
    with pytest.raises(InputError) as raised:
        with atomic_output(target, "OUTPUT_TABLE") as tmp:
            raise OSError(28, "No space left on device", tmp)
    assert str(raised.value).startswith(f"OUTPUT_TABLE: cannot write '{target}' (No space left on device)")
    import rasterio.errors

    with pytest.raises(InputError) as raised:
        with atomic_output(target, "OUTPUT_TABLE") as tmp:
            raise rasterio.errors.RasterioIOError(f"{tmp}: TIFFAppendToStrip:Write error at scanline 45")
    assert ".partial-" not in str(raised.value) and target in str(raised.value)
    assert os.listdir(tmp_path) == []


@pytest.fixture
def full_disk(tmp_path):
    """A 200 KiB tmpfs, filled to the last byte after the test puts its previous files there."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {done.stderr.decode().strip()}")

    try:
        yield mount, lambda: fill_file_system(str(mount))
    finally:
        subprocess.run(["umount", str(mount)])


def test_a_full_disk_is_an_error_naming_the_output_and_the_previous_file_stays(full_disk):
    mount, fill = full_disk
    path = mount / "grid.tif"
    write_geotiff(str(path), np.ones((1, 40, 40)), GRID, ["Cu"])
    before = folder_digest(mount)
    fill()
    before["filler"] = folder_digest(mount)["filler"]
    rng = np.random.default_rng(1)
    with pytest.raises(InputError) as raised:
        big = GridSpec(GRID.xmin, GRID.ymax, GRID.pixel_size, 300, 300, None)
        write_geotiff(str(path), rng.normal(size=(2, 300, 300)), big, ["Cu", "Pb"], parameter="OUTPUT")
    message = str(raised.value)
    assert message.startswith(f"OUTPUT: cannot write '{path}'") or message.startswith(
        f"OUTPUT: the file written for '{path}' could not be read back"
    ), message
    assert "No space left on device" in message and ".partial-" not in message
    with pytest.raises(InputError, match=r"^OUTPUT_REPORT: cannot write '.*report\.html' \(No space left"):
        write_text(str(mount / "report.html"), "x" * 100_000, "OUTPUT_REPORT")
    assert folder_digest(mount) == before


# ---- what a killed run leaves -----------------------------------------------------------------------------------

CHILD = """
import sys, time
sys.path.insert(0, {plugins!r})
from geochem_prospector.core.io.outputs import atomic_output
from tests.error_cases import fill_file_system
with atomic_output({target!r}, "OUTPUT") as tmp:
    with open(tmp, "w") as handle:
        handle.write("half")
        handle.flush()
        print(tmp, flush=True)
        time.sleep(60)
"""


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_the_next_run_removes_what_a_killed_run_left_and_nothing_else(tmp_path):
    plugins = os.path.join(os.path.dirname(__file__), "..", "..", "..", "build", "plugins")
    target = str(tmp_path / "grid.tif")
    script = CHILD.format(plugins=os.path.abspath(plugins), target=target)
    killed = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    left = killed.stdout.readline().strip()  # the child is inside its write now
    running = subprocess.Popen([sys.executable, "-c", script.replace("grid.tif", "other.tif")], stdout=subprocess.PIPE)
    live = running.stdout.readline().decode().strip()
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    host, dead = host_tag(), _dead_pid()
    (tmp_path / "grid.csv").write_text("the previous table")
    fabricated = {
        f".partial-{host}-{dead}-abcdefgh.tif": "a dead run's temporary",
        f".partial-{host}-{dead}-abcdefgh.tif.aux.xml": "its PAM file",
        # a dead run moved the previous table aside and died before the new one arrived: it comes back
        f".partial-{host}-{dead}-ijklmnop.old~grid.csv": "never seen",  # grid.csv exists: the stale backup goes
        f".partial-{host}-{dead}-qrstuvwx.old~cv.csv": "the previous cv table",
        f".partial-other-host.example-{dead}-abcdefgh.tif": "another machine's run (same pid there, maybe alive)",
        ".partial-k2j3h4g5.tif": "an older version's name: owner unknown, left alone",
    }
    for name, text in fabricated.items():
        (tmp_path / name).write_text(text)
    assert os.path.basename(left) in os.listdir(tmp_path)
    try:
        write_text(str(tmp_path / "report.html"), "new report", "OUTPUT_REPORT")  # a new run writes here
        names = set(os.listdir(tmp_path))
        assert os.path.basename(left) not in names  # killed by SIGKILL: removed
        assert os.path.basename(live) in names  # its process still runs: untouched
        assert f".partial-other-host.example-{dead}-abcdefgh.tif" in names and ".partial-k2j3h4g5.tif" in names
        assert (tmp_path / "cv.csv").read_text() == "the previous cv table"
        assert (tmp_path / "grid.csv").read_text() == "the previous table"
        assert names == {
            os.path.basename(live),
            f".partial-other-host.example-{dead}-abcdefgh.tif",
            ".partial-k2j3h4g5.tif",
            "cv.csv",
            "grid.csv",
            "report.html",
        }
    finally:
        running.kill()
        running.wait()
    assert socket.gethostname()  # the names carry this host


def test_a_process_killed_by_sigterm_is_cleaned_too(tmp_path):
    plugins = os.path.join(os.path.dirname(__file__), "..", "..", "..", "build", "plugins")
    script = CHILD.format(plugins=os.path.abspath(plugins), target=str(tmp_path / "grid.tif"))
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    left = os.path.basename(child.stdout.readline().strip())
    child.send_signal(signal.SIGTERM)
    child.wait()
    deadline = time.time() + 5
    while left not in os.listdir(tmp_path) and time.time() < deadline:
        time.sleep(0.05)
    assert left in os.listdir(tmp_path)  # SIGTERM runs no Python cleanup: the temporary stays ...
    assert clean_stale_temporaries(str(tmp_path)) == [left]  # ... until the next run writes in the folder
    assert os.listdir(tmp_path) == []


def _boot_time() -> float:
    with open("/proc/stat") as handle:
        return float(next(line.split()[1] for line in handle if line.startswith("btime")))


@pytest.mark.skipif(not os.path.isfile("/proc/self/stat"), reason="process start times are read from /proc")
def test_a_temporary_of_a_process_id_given_to_a_later_process_is_cleaned(tmp_path):
    """After a restart (or in a container whose run is always process 1) a killed run's process id belongs to
    another, live process: the start time in the name tells the files are not its. The start time read from
    /proc is checked against psutil's (independent) creation time of the same process."""
    psutil = pytest.importorskip("psutil")
    from geochem_prospector.core.io.temporaries import _start_ticks, temporary_prefix

    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        ticks = _start_ticks(sleeper.pid)
        assert ticks is not None
        started = _boot_time() + ticks / os.sysconf("SC_CLK_TCK")
        assert abs(started - psutil.Process(sleeper.pid).create_time()) < 1.5
        assert temporary_prefix() == f".partial-{host_tag()}-{os.getpid()}@{_start_ticks(os.getpid())}-"
        host = host_tag()
        reused = f".partial-{host}-{sleeper.pid}@{ticks - 1}-reusedid.tif"  # its id, another start: stale
        backup = f".partial-{host}-{sleeper.pid}@{ticks - 1}-reusedid.old~grid.tif"  # its new file never came
        own = f".partial-{host}-{sleeper.pid}@{ticks}-runsnow1.tif"  # the live process's own: kept
        older = f".partial-{host}-{sleeper.pid}-noticks1.tif"  # no start time (an older version): id alone
        for name in (reused, own, older):
            (tmp_path / name).write_text("left by a run")
        (tmp_path / backup).write_text("the previous grid")
        touched = clean_stale_temporaries(str(tmp_path))
        assert sorted(touched) == sorted([reused, backup])
        assert sorted(os.listdir(tmp_path)) == sorted(["grid.tif", own, older])
        assert (tmp_path / "grid.tif").read_text() == "the previous grid"
    finally:
        sleeper.kill()
        sleeper.wait()
    clean_stale_temporaries(str(tmp_path))  # now dead: both go
    assert os.listdir(tmp_path) == ["grid.tif"]


def test_liveness_on_windows_asks_windows_and_never_sends_a_signal(monkeypatch):
    """On Windows os.kill(pid, 0) is not a question: 0 is CTRL_C_EVENT, it sends Ctrl+C to the process group
    (cancelling a qgis_process run in the same console). The answer comes from OpenProcess and
    WaitForSingleObject (documented Win32 semantics, faked here: WAIT_TIMEOUT = still running,
    ERROR_INVALID_PARAMETER = no such process, access denied = another user's live process)."""
    import types

    from geochem_prospector.core.io import temporaries

    def no_signals(*args):
        raise AssertionError(f"os.kill{args} called on Windows")

    processes = {101: 0x102, 102: 0x0}  # 101 runs, 102 has exited (its handle is still held somewhere)
    closed = []

    def windows_error(code: int, text: str) -> OSError:
        error = OSError(text)
        error.winerror = code  # set by Windows' OSError itself; not on this system
        return error

    def open_process(access, inherit, pid):
        assert access & 0x00100000  # SYNCHRONIZE, all that waiting needs
        if pid == 103:
            raise windows_error(5, "Access is denied")
        if pid not in processes:
            raise windows_error(87, "The parameter is incorrect")
        return pid

    fake = types.SimpleNamespace(
        OpenProcess=open_process,
        WaitForSingleObject=lambda handle, timeout: processes[handle],
        CloseHandle=closed.append,
    )
    monkeypatch.setattr(temporaries.sys, "platform", "win32")
    monkeypatch.setitem(sys.modules, "_winapi", fake)
    monkeypatch.setattr(temporaries.os, "kill", no_signals)
    assert temporaries._alive(101) is True
    assert temporaries._alive(102) is False
    assert temporaries._alive(103) is True
    assert temporaries._alive(104) is False
    assert closed == [101, 102]


def test_an_output_folder_renamed_during_the_run_is_said_and_keeps_no_temporary(tmp_path):
    """The folder is renamed after the first output's temporary was finished and while the second is written (a
    user tidying folders, a sync client): the error names the folder and the parameter, and neither temporary is
    left hidden in the folder where it went."""
    folder, moved = tmp_path / "run", tmp_path / "run (renamed)"
    folder.mkdir()
    with pytest.raises(InputError) as raised:
        with output_group():
            write_text(str(folder / "report.html"), "first output", "OUTPUT_REPORT")
            with atomic_output(str(folder / "table.csv"), "OUTPUT_TABLE") as tmp:
                os.rename(folder, moved)
                with open(tmp, "w") as handle:  # the temporary's path is gone with the folder
                    handle.write("x")
    assert str(raised.value) == (
        f"OUTPUT_TABLE: the folder '{folder}' was renamed or removed while 'table.csv' was written into it; nothing "
        "was written. Put the folder back (or choose another folder) and run again."
    )
    assert os.listdir(moved) == [] and not folder.exists()


def test_an_output_folder_renamed_before_the_commit_is_said_and_keeps_no_temporary(tmp_path):
    folder, moved = tmp_path / "run", tmp_path / "run (renamed)"
    folder.mkdir()
    with pytest.raises(InputError, match=r"^OUTPUT: the folder '.*run' was renamed or removed while 'grid\.csv'"):
        with output_group():
            write_text(str(folder / "grid.csv"), "a table", "OUTPUT")
            os.rename(folder, moved)
            folder.mkdir()  # and another folder of the same name made in its place
    assert os.listdir(moved) == [] and os.listdir(folder) == []


def test_the_folder_probe_is_named_as_a_temporary_so_a_killed_run_leaves_nothing_for_good(tmp_path, monkeypatch):
    """check_output_folder proves the folder writable with a file it removes at once; a run killed in between
    (seen: trainmodel killed with SIGKILL left '.probe-2rqkty7l') leaves it. It carries this process's host and
    id, so the next run removes it like any temporary of a dead process."""
    import geochem_prospector.core.io.destinations as destinations
    from geochem_prospector.core.io.temporaries import _OWNED

    removed = []
    real = os.remove
    monkeypatch.setattr(destinations.os, "remove", lambda path: (removed.append(path), real(path)))
    destinations.check_output_folder(str(tmp_path / "grid.tif"))
    match = _OWNED.match(os.path.basename(removed[0]))
    assert match and match.group("host") == host_tag() and int(match.group("pid")) == os.getpid()
    dead = f".partial-{host_tag()}-{_dead_pid()}-abcdefgh.probe"  # what a killed run leaves now
    (tmp_path / dead).write_text("")
    assert clean_stale_temporaries(str(tmp_path)) == [dead] and os.listdir(tmp_path) == []


def test_two_runs_committing_into_one_folder_take_turns(tmp_path, monkeypatch):
    """Two runs write the same two outputs into one folder and commit at the same moment (a batch of two
    processes, a run started again while the first still writes): the folder ends with both outputs of one run,
    never the raster of one beside the table of the other. Placing is slowed down so that, unless the commits take
    turns, B's grid lands after A's and A's table after B's."""
    import threading

    import geochem_prospector.core.io.outputs as outputs

    real = outputs._place

    def slow_place(item):
        real(item)
        time.sleep(0.3 if threading.current_thread().name == "A" else 0.1)

    monkeypatch.setattr(outputs, "_place", slow_place)
    start = threading.Barrier(2)

    def run(name):
        with output_group():
            write_text(str(tmp_path / "grid.txt"), f"grid of {name}", "OUTPUT")
            write_text(str(tmp_path / "cv.csv"), f"table of {name}", "OUTPUT_CV")
            start.wait()
            if name == "B":
                time.sleep(0.05)  # B commits just after A

    threads = [threading.Thread(target=run, args=(name,), name=name) for name in ("A", "B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    grid, table = (tmp_path / "grid.txt").read_text(), (tmp_path / "cv.csv").read_text()
    assert grid.split()[-1] == table.split()[-1], (grid, table)
    assert sorted(os.listdir(tmp_path)) == ["cv.csv", "grid.txt"]
